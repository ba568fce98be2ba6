/* Unit tests for supervisor-console's event-stream parser (sse_client):
 * events split at every byte, LF/CRLF/CR line ends, comments, multi-line
 * data, skipped events, and the bounds (size cap, name length, NUL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/console/sse_client.h"
#include "buf.h"

/* What the callback saw: "name=data|" per event. */
struct seen {
    struct buf log;
    int fail_on; /* fail the n-th event (1-based); 0: never */
    int count;
};

static int on_event(void *arg, const char *event, const char *data, size_t len, struct err *e)
{
    struct seen *s = arg;
    assert_int_equal(strlen(data), len);
    s->count++;
    if (s->fail_on == s->count)
        return err_set(e, ERR_USAGE, "consumer refused '%s'", event);
    buf_printf(&s->log, "%s=%s|", event, data);
    return 0;
}

static bool no_stats(void *arg, const char *event)
{
    (void)arg;
    return strcmp(event, "stats") != 0;
}

static const char STREAM[] = "retry: 2000\n\n"
                             "event: hello\ndata: {\"token\":\"t\"}\n\n"
                             ": a comment\n"
                             "event: stats\ndata: {\"usage\":[]}\n\n"
                             "event: snapshot\ndata: {\"processes\":[]}\n\n"
                             "data: one\ndata:two\ndata:  three\n\n"
                             "event: empty\n\n"
                             "event: change\ndata\n\n";
static const char WANT[] =
    "hello={\"token\":\"t\"}|snapshot={\"processes\":[]}|message=one\ntwo\n three|change=|";

static void run(const char *text, size_t len, size_t chunk, const char *want)
{
    struct seen s = {0};
    buf_init(&s.log);
    struct sse_client p;
    sse_client_init(&p, 1024, no_stats, on_event, &s);
    struct err e;
    err_clear(&e);
    for (size_t off = 0; off < len; off += chunk) {
        size_t k = len - off < chunk ? len - off : chunk;
        assert_int_equal(sse_client_feed(&p, text + off, k, &e), 0);
    }
    assert_string_equal(s.log.data, want);
    buf_release(&s.log);
    sse_client_release(&p);
}

static void test_every_split(void **state)
{
    (void)state;
    size_t len = strlen(STREAM);
    for (size_t chunk = 1; chunk <= len; chunk++)
        run(STREAM, len, chunk, WANT);
}

/* The same stream with CRLF, then CR line ends: the same events. */
static void test_line_ends(void **state)
{
    (void)state;
    struct buf crlf, cr;
    buf_init(&crlf);
    buf_init(&cr);
    for (const char *c = STREAM; *c; c++) {
        buf_puts(&crlf, *c == '\n' ? "\r\n" : (char[]){*c, 0});
        buf_putc(&cr, *c == '\n' ? '\r' : *c);
    }
    for (size_t chunk = 1; chunk <= crlf.len; chunk++)
        run(crlf.data, crlf.len, chunk, WANT);
    for (size_t chunk = 1; chunk <= cr.len; chunk++)
        run(cr.data, cr.len, chunk, WANT);
    buf_release(&crlf);
    buf_release(&cr);
}

static void test_reset_and_counts(void **state)
{
    (void)state;
    struct seen s = {0};
    buf_init(&s.log);
    struct sse_client p;
    sse_client_init(&p, 64, NULL, on_event, &s);
    struct err e;
    /* a stream cut mid-event: a new connection starts clean */
    assert_int_equal(sse_client_feed(&p, "event: a\ndata: x", 16, &e), 0);
    sse_client_reset(&p);
    assert_int_equal(sse_client_feed(&p, "data: y\n\n", 9, &e), 0);
    assert_string_equal(s.log.data, "message=y|");
    assert_int_equal(p.events, 1);
    /* no want(): stats are dispatched too */
    assert_int_equal(sse_client_feed(&p, "event: stats\ndata: 1\n\n", 22, &e), 0);
    assert_string_equal(s.log.data, "message=y|stats=1|");
    buf_release(&s.log);
    sse_client_release(&p);
}

static void test_bounds(void **state)
{
    (void)state;
    struct seen s = {0};
    buf_init(&s.log);
    struct sse_client p;
    struct err e;
    char big[200];
    memset(big, 'x', sizeof big);

    /* data over the cap, even cut in pieces: refused, and the parser stays failed */
    sse_client_init(&p, 100, no_stats, on_event, &s);
    assert_int_equal(sse_client_feed(&p, "data: ", 6, &e), 0);
    assert_int_equal(sse_client_feed(&p, big, 60, &e), 0);
    assert_int_equal(sse_client_feed(&p, big, 60, &e), -1);
    assert_string_equal(e.msg, "event larger than 100 bytes");
    assert_int_equal(sse_client_feed(&p, "\n\n", 2, &e), -1);
    assert_int_equal(s.count, 0);
    sse_client_reset(&p);
    /* many data lines adding up past the cap */
    for (int i = 0; i < 9; i++)
        assert_int_equal(sse_client_feed(&p, "data: 0123456789\n", 17, &e), 0);
    assert_int_equal(sse_client_feed(&p, "data: 0123456789\n", 17, &e), -1);
    assert_string_equal(e.msg, "event larger than 100 bytes");
    sse_client_reset(&p);
    /* exactly at the cap: 99 bytes + the joining LF */
    assert_int_equal(sse_client_feed(&p, "data: ", 6, &e), 0);
    assert_int_equal(sse_client_feed(&p, big, 99, &e), 0);
    assert_int_equal(sse_client_feed(&p, "\n\n", 2, &e), 0);
    assert_int_equal(s.count, 1);
    sse_client_reset(&p);
    /* a skipped event is not kept, so it does not count against the cap,
     * but a line still does */
    for (int i = 0; i < 20; i++)
        assert_int_equal(sse_client_feed(&p, "event: stats\ndata: 0123456789\n", 30, &e), 0);
    assert_int_equal(sse_client_feed(&p, "\n", 1, &e), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(sse_client_feed(&p, "event: stats\ndata: ", 19, &e), 0);
    assert_int_equal(sse_client_feed(&p, big, sizeof big, &e), -1);
    sse_client_reset(&p);
    /* a long name, a NUL */
    char name[100];
    snprintf(name, sizeof name, "event: %064d\n", 0);
    assert_int_equal(sse_client_feed(&p, name, strlen(name), &e), -1);
    assert_string_equal(e.msg, "event name longer than 63 bytes");
    sse_client_reset(&p);
    assert_int_equal(sse_client_feed(&p, "data: a\0b\n\n", 11, &e), -1);
    assert_string_equal(e.msg, "NUL byte in the event stream");
    assert_int_equal(s.count, 1);
    sse_client_release(&p);

    /* the consumer's error stops the stream with its message */
    s.fail_on = 2;
    s.count = 0;
    sse_client_init(&p, 100, no_stats, on_event, &s);
    assert_int_equal(sse_client_feed(&p,
                                     "event: hello\ndata: 1\n\nevent: snapshot\ndata: 2\n\n"
                                     "event: change\ndata: 3\n\n",
                                     70, &e),
                     -1);
    assert_string_equal(e.msg, "consumer refused 'snapshot'");
    assert_int_equal(s.count, 2);
    assert_int_equal(sse_client_feed(&p, "data: 4\n\n", 9, &e), -1);
    sse_client_release(&p);
    buf_release(&s.log);
}

/* An event named twice: data given while it was an unwanted name is
 * dropped, never dispatched half-kept (found by fuzz_sse_client). */
static void test_renamed(void **state)
{
    (void)state;
    struct seen s = {0};
    buf_init(&s.log);
    struct sse_client p;
    sse_client_init(&p, 64, no_stats, on_event, &s);
    struct err e;
    const char *in = "data: x\nevent: stats\nevent: foo\n\n"
                     "event: stats\ndata: 1\nevent: foo\ndata: 2\n\n";
    assert_int_equal(sse_client_feed(&p, in, strlen(in), &e), 0);
    assert_string_equal(s.log.data, "foo=2|");
    buf_release(&s.log);
    sse_client_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split),      cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_reset_and_counts), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_renamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
