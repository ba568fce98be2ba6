/* libFuzzer target for supervisor-console's event-stream parser
 * (src/console/sse_client.c, built in here: the fuzz rules link the
 * daemon's libraries, not the console's): any bytes are fed whole, then
 * split at two points taken from the input; the events dispatched (names
 * and data), and whether and where the stream failed, must not depend on
 * how the bytes arrived, and no event may exceed the cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/console/sse_client.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 200

static int on_event(void *arg, const char *event, const char *d, size_t len, struct err *e)
{
    if (len > CAP || strlen(event) > SSE_CLIENT_NAME_MAX || memchr(d, '\0', len))
        abort();
    buf_puts(arg, event);
    buf_putc(arg, '\0');
    buf_append(arg, d, len);
    buf_putc(arg, '\0');
    /* the consumer may refuse an event: that must stop the stream alike */
    return strcmp(event, "refuse") == 0 ? err_set(e, ERR_USAGE, "refused") : 0;
}

static bool want(void *arg, const char *event)
{
    (void)arg;
    return strcmp(event, "stats") != 0;
}

/* Returns the number of bytes fed before the first failure (or n). */
static size_t feed(const char *p, size_t n, size_t cut1, size_t cut2, struct buf *out)
{
    struct sse_client c;
    sse_client_init(&c, CAP, want, on_event, out);
    size_t cuts[3] = {cut1, cut2, n};
    size_t at = 0, failed_at = n;
    struct err e;
    for (int i = 0; i < 3; i++) {
        if (cuts[i] < at || cuts[i] > n)
            continue;
        if (sse_client_feed(&c, p + at, cuts[i] - at, &e) < 0) {
            failed_at = 0; /* where is not comparable between splits: only that */
            break;
        }
        at = cuts[i];
    }
    sse_client_release(&c);
    return failed_at;
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
    size_t fw = feed(p, body, body, body, &whole);
    size_t fs = feed(p, body, c1, c2, &split);
    /* a failure stops dispatching where the bad byte is: the events before
     * it are the same whatever the split */
    if (fw != fs || whole.len != split.len || memcmp(whole.data, split.data, whole.len) != 0)
        abort();
    buf_release(&whole);
    buf_release(&split);
    return 0;
}
