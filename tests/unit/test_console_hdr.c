/* Unit tests for hdr.c, the request headers the console acts on: the client
 * address behind proxies (hdr_forwarded_client, hdr_numeric_addr:
 * X-Forwarded-For is believed only from a trusted peer, read right to left
 * over trusted hops) and Accept-Encoding (hdr_accepts_gzip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/console/hdr.h"

static char p1[] = "127.0.0.1", p2[] = "10.0.0.1", p3[] = "::1";
static char *const proxies[] = {p1, p2, p3};
#define NPROXIES (sizeof proxies / sizeof proxies[0])

static const char *client(const char *peer, const char *xff)
{
    static char out[HDR_ADDR_MAX];
    hdr_forwarded_client(peer, xff, proxies, NPROXIES, out);
    return out;
}

static void test_untrusted_peer(void **state)
{
    (void)state;
    /* anyone can send the header: from a peer not listed it means nothing */
    assert_string_equal(client("192.0.2.7", "203.0.113.9"), "192.0.2.7");
    assert_string_equal(client("192.0.2.7", NULL), "192.0.2.7");
    char out[HDR_ADDR_MAX];
    hdr_forwarded_client("127.0.0.1", "203.0.113.9", NULL, 0, out);
    assert_string_equal(out, "127.0.0.1");
}

static void test_trusted_peer(void **state)
{
    (void)state;
    assert_string_equal(client("127.0.0.1", NULL), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9"), "203.0.113.9");
    /* what the client itself wrote is left of what the proxy appended */
    assert_string_equal(client("127.0.0.1", "6.6.6.6, 203.0.113.9"), "203.0.113.9");
    /* over trusted hops, to the first address no trusted proxy owns */
    assert_string_equal(client("127.0.0.1", "6.6.6.6,203.0.113.9 , 10.0.0.1"), "203.0.113.9");
    assert_string_equal(client("::1", "2001:DB8::0:7"), "2001:db8::7");
    /* every hop trusted: the leftmost */
    assert_string_equal(client("127.0.0.1", "10.0.0.1, 127.0.0.1"), "10.0.0.1");
    /* ports as some proxies write them */
    assert_string_equal(client("127.0.0.1", "203.0.113.9:51234"), "203.0.113.9");
    assert_string_equal(client("127.0.0.1", "[2001:db8::7]:443"), "2001:db8::7");
}

static void test_malformed(void **state)
{
    (void)state;
    /* the walk stops at the hop that wrote the bad entry */
    assert_string_equal(client("127.0.0.1", "unknown"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9, garbage, 10.0.0.1"), "10.0.0.1");
    assert_string_equal(client("127.0.0.1", ""), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "203.0.113.9,"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", ",,,"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "1.2.3.4:5:6"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "[1.2.3.4]:80"), "127.0.0.1");
    char big[300];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_string_equal(client("127.0.0.1", big), "127.0.0.1");
}

static void test_numeric_addr(void **state)
{
    (void)state;
    char out[HDR_ADDR_MAX];
    assert_true(hdr_numeric_addr("10.0.0.1", 8, out));
    assert_string_equal(out, "10.0.0.1");
    assert_true(hdr_numeric_addr("0:0:0:0:0:0:0:1x", 15, out));
    assert_string_equal(out, "::1");
    assert_false(hdr_numeric_addr("10.0.0", 6, out));
    assert_false(hdr_numeric_addr("localhost", 9, out));
    assert_false(hdr_numeric_addr("", 0, out));
    assert_false(hdr_numeric_addr("10.0.0.1 ", 9, out));
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    assert_false(hdr_accepts_gzip(NULL));
    assert_false(hdr_accepts_gzip(""));
    assert_false(hdr_accepts_gzip("identity"));
    assert_false(hdr_accepts_gzip("br, deflate"));
    assert_true(hdr_accepts_gzip("gzip"));
    assert_true(hdr_accepts_gzip("gzip, deflate, br, zstd")); /* a browser's */
    assert_true(hdr_accepts_gzip("deflate,GZIP"));
    assert_true(hdr_accepts_gzip("x-gzip"));
    assert_true(hdr_accepts_gzip("gzip;q=0.5"));
    assert_true(hdr_accepts_gzip(" gzip ; q=1 , identity;q=0"));
    assert_true(hdr_accepts_gzip("*"));
    assert_true(hdr_accepts_gzip("gzip;q=0.001"));
    /* q=0 refuses, whatever the spelling */
    assert_false(hdr_accepts_gzip("gzip;q=0"));
    assert_false(hdr_accepts_gzip("gzip; q=0.000"));
    assert_false(hdr_accepts_gzip("gzip;Q=0."));
    assert_false(hdr_accepts_gzip("*;q=0"));
    /* a named gzip wins over "*" either way */
    assert_false(hdr_accepts_gzip("*, gzip;q=0"));
    assert_true(hdr_accepts_gzip("*;q=0, gzip"));
    assert_false(hdr_accepts_gzip("gzipx, xgzip, gz"));
    assert_false(hdr_accepts_gzip(",,;;q=,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untrusted_peer),
        cmocka_unit_test(test_trusted_peer),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_numeric_addr),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
