/* Unit tests for supervisorctl's /logtail stream parser (client.h tailp):
 * the responses of both daemons, split anywhere, and the quirks of
 * Supervisor's http_client it keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "client.h"

static void collect(void *ctx, const char *p, size_t n)
{
    struct buf *b = ctx;
    buf_append(b, p, n);
    buf_putc(b, '|'); /* marks each delivery */
}

/* Feed text in pieces of `step` bytes; returns the final state, body in out. */
static enum tailp_state run(const char *text, size_t step, struct buf *out, struct tailp *t)
{
    struct tailp_sink sink = {collect, out};
    tailp_init(t);
    size_t n = strlen(text);
    enum tailp_state st = t->state;
    for (size_t i = 0; i < n && st != TAILP_DONE; i += step)
        st = tailp_feed(t, text + i, n - i < step ? n - i : step, &sink);
    return st;
}

static const char chunked[] = "HTTP/1.1 200 OK\r\n"
                              "Last-Modified: Thu, 26 Nov 2026 10:00:00 GMT\r\n"
                              "Content-Type: text/plain;charset=utf-8\r\n"
                              "X-Accel-Buffering: no\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "\r\n"
                              "6\r\nhello\n\r\n"
                              "7 ; ext=1\r\nworld!\n\r\n";

static void test_chunks_whole_at_any_split(void **state)
{
    (void)state;
    for (size_t step = 1; step <= sizeof chunked; step++) {
        struct buf out;
        buf_init(&out);
        struct tailp t;
        enum tailp_state st = run(chunked, step, &out, &t);
        assert_int_equal(st, TAILP_SIZE); /* the stream goes on */
        assert_int_equal(t.status, 200);
        assert_string_equal(out.data, "hello\n|world!\n|"); /* one delivery per chunk */
        tailp_release(&t);
        buf_release(&out);
    }
}

static void test_zero_chunk_never_ends(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    struct tailp t;
    enum tailp_state st =
        run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 1000,
            &out, &t);
    /* Supervisor's trailer state compares a stripped line with CRLF: only
     * the server closing ends it */
    assert_int_equal(st, TAILP_TRAILER);
    assert_string_equal(out.data, "abc|");
    tailp_release(&t);
    buf_release(&out);
}

static void test_not_found(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    struct tailp t;
    enum tailp_state st = run("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nxyz", 1000,
                              &out, &t);
    assert_int_equal(st, TAILP_DONE);
    assert_int_equal(t.status, 404);
    assert_false(t.error);
    assert_string_equal(out.data, "");
    tailp_release(&t);
    buf_release(&out);
}

static void test_plain_body(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    struct tailp t;
    enum tailp_state st =
        run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345trailing", 1000, &out, &t);
    assert_int_equal(st, TAILP_DONE);
    assert_string_equal(out.data, "12345|");
    tailp_release(&t);
    buf_reset(&out);
    /* no length: everything until the server closes */
    st = run("HTTP/1.0 200 OK\r\n\r\nabc", 2, &out, &t);
    assert_int_equal(st, TAILP_BODY);
    assert_string_equal(out.data, "a|bc|");
    tailp_release(&t);
    buf_release(&out);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "garbage\r\n",
        "HTTP/1.1 200\r\n",                                      /* split(None, 2) needs 3 */
        "FTP/1.1 200 OK\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct buf out;
        buf_init(&out);
        struct tailp t;
        assert_int_equal(run(bad[i], 3, &out, &t), TAILP_DONE);
        assert_true(t.error);
        tailp_release(&t);
        buf_release(&out);
    }
}

static void test_lf_alone_is_not_a_line_end(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    struct tailp t;
    /* asynchat's terminator is CRLF: a bare LF stays in the line */
    enum tailp_state st = run("HTTP/1.1 200 OK\nX: y\r\n", 1, &out, &t);
    assert_int_equal(st, TAILP_HEADERS);
    assert_int_equal(t.status, 200);
    tailp_release(&t);
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_whole_at_any_split),
        cmocka_unit_test(test_zero_chunk_never_ends),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_plain_body),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_lf_alone_is_not_a_line_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
