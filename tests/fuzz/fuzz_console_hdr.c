/* libFuzzer target for the request headers supervisor-console acts on
 * (src/console/hdr.c, built in here). The first byte picks the parser, the
 * rest is the header's value: Accept-Encoding, X-Forwarded-For from a
 * trusted peer, or an address. Whatever comes out must be the peer or an
 * address in the one form hdr_numeric_addr writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/console/hdr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* addr is an address in canonical form: it parses back to itself. */
static void check_canonical(const char *addr)
{
    char again[HDR_ADDR_MAX];
    size_t n = strnlen(addr, HDR_ADDR_MAX);
    if (n == HDR_ADDR_MAX || !hdr_numeric_addr(addr, n, again) || strcmp(again, addr) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    static char peer[] = "127.0.0.1", p2[] = "10.0.0.1", p3[] = "::1";
    static char *const trusted[] = {peer, p2, p3};
    char out[HDR_ADDR_MAX];
    switch (data[0] % 3) {
    case 0:
        if (hdr_accepts_gzip(s) != hdr_accepts_gzip(s))
            abort();
        break;
    case 1:
        hdr_forwarded_client(peer, s, trusted, 3, out);
        check_canonical(out);
        /* from a peer not trusted, the header means nothing */
        hdr_forwarded_client("192.0.2.1", s, trusted, 3, out);
        if (strcmp(out, "192.0.2.1") != 0)
            abort();
        break;
    default:
        if (hdr_numeric_addr(s, strlen(s), out))
            check_canonical(out);
        break;
    }
    free(s);
    return 0;
}
