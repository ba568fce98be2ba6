/* libFuzzer target for supervisorctl's /logtail stream parser (tailp):
 * any bytes are fed whole, then again split at two points taken from the
 * input; the body delivered, the status, the final state and the error flag
 * must not depend on how the bytes arrived. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void collect(void *ctx, const char *p, size_t n)
{
    buf_append(ctx, p, n);
}

static void feed(const char *p, size_t n, size_t cut1, size_t cut2, struct buf *out,
                 struct tailp *t)
{
    struct tailp_sink sink = {collect, out};
    size_t cuts[3] = {cut1, cut2, n};
    size_t at = 0;
    tailp_init(t);
    for (int i = 0; i < 3 && t->state != TAILP_DONE; i++) {
        if (cuts[i] < at || cuts[i] > n)
            continue;
        if (cuts[i] > at)
            tailp_feed(t, p + at, cuts[i] - at, &sink);
        at = cuts[i];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 16))
        return 0;
    size_t body = size - 2;
    const char *p = (const char *)data + 2;
    size_t c1 = body ? data[0] % (body + 1) : 0;
    size_t c2 = body ? data[1] % (body + 1) : 0;
    if (c2 < c1) {
        size_t t = c1;
        c1 = c2;
        c2 = t;
    }
    struct buf whole, split;
    buf_init(&whole);
    buf_init(&split);
    struct tailp a, b;
    feed(p, body, body, body, &whole, &a);
    feed(p, body, c1, c2, &split, &b);
    if (a.state != b.state || a.status != b.status || a.error != b.error ||
        whole.len != split.len || memcmp(whole.data, split.data, whole.len) != 0)
        abort();
    tailp_release(&a);
    tailp_release(&b);
    buf_release(&whole);
    buf_release(&split);
    return 0;
}
