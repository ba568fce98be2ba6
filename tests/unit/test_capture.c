/* Unit tests for capture.c: routing to the log file, syslog, main log and
 * event hooks; capture mode tokens at every split; BoundIO overflow;
 * strip_ansi; flush at EOF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "log.h"
#include "logfile.h"

/* syslog(3) interposed: the test binary's definition wins. */
void syslog(int pri, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...);

static struct buf syslogged;

static void record_syslog(int pri, const char *fmt, va_list ap)
{
    buf_printf(&syslogged, "%d|", pri);
    buf_vprintf(&syslogged, fmt, ap);
    buf_putc(&syslogged, '\n');
}

void syslog(int pri, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record_syslog(pri, fmt, ap);
    va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    record_syslog(pri, fmt, ap);
    va_end(ap);
}

#define BEGIN "<!--XSUPERVISOR:BEGIN-->"
#define END "<!--XSUPERVISOR:END-->"

/* ---- fixture ---- */

struct fx {
    char dir[64];
    char path[128];
    struct logfile *lf;
    struct buf events;    /* "[channel]data" per log event */
    int n_events;
    struct buf comms;     /* "[channel]data" per comm event */
    int n_comms;
    struct buf mainlog;   /* every main-log line, timestamp stripped */
};

static void log_event_hook(void *ctx, const char *channel, const void *data, size_t n)
{
    struct fx *f = ctx;
    buf_printf(&f->events, "[%s]", channel);
    buf_append(&f->events, data, n);
    f->n_events++;
}

static void comm_event_hook(void *ctx, const char *channel, const void *data, size_t n)
{
    struct fx *f = ctx;
    buf_printf(&f->comms, "[%s]", channel);
    buf_append(&f->comms, data, n);
    f->n_comms++;
}

static void sink_fn(void *arg, int level, const char *line, size_t len)
{
    (void)level;
    struct fx *f = arg;
    /* Drop "YYYY-MM-DD HH:MM:SS,mmm " (24 bytes). */
    assert_true(len > 24);
    buf_append(&f->mainlog, line + 24, len - 24);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/test_capture.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/out.log", f->dir);
    struct err e;
    f->lf = logfile_open(f->path, 0, 0, &e);
    assert_non_null(f->lf);
    buf_init(&f->events);
    buf_init(&f->comms);
    buf_init(&f->mainlog);
    buf_init(&syslogged);
    log_set_level(LOG_INFO);
    log_set_sink(sink_fn, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    log_set_sink(NULL, NULL);
    logfile_close(f->lf);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    buf_release(&f->events);
    buf_release(&f->comms);
    buf_release(&f->mainlog);
    buf_release(&syslogged);
    free(f);
    return 0;
}

static struct capture *make(struct fx *f, struct capture_config cfg)
{
    struct capture_hooks hooks = {f, log_event_hook, comm_event_hook};
    if (!cfg.name)
        cfg.name = "prog";
    if (!cfg.channel)
        cfg.channel = "stdout";
    return capture_new(&cfg, &hooks);
}

static void file_is(struct fx *f, const char *want, size_t n)
{
    struct buf b;
    buf_init(&b);
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    char tmp[4096];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, fp)) > 0)
        buf_append(&b, tmp, r);
    fclose(fp);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, want, n);
    buf_release(&b);
}

static size_t file_len(struct fx *f)
{
    return (size_t)logfile_size(f->lf);
}

/* ---- without capture mode ---- */

static void test_passthrough_chunks_raw(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .events_enabled = true});
    capture_feed(c, "hello", 5);
    capture_feed(c, " world\npartial", 14);
    capture_feed(c, "", 0);
    /* Nothing is held back: no timestamps, no line splitting. */
    file_is(f, "hello world\npartial", 19);
    assert_int_equal(f->n_events, 2);
    assert_string_equal(f->events.data, "[stdout]hello[stdout] world\npartial");
    capture_flush(c);
    file_is(f, "hello world\npartial", 19);
    assert_int_equal(f->n_comms, 0);
    assert_int_equal(f->mainlog.len, 0); /* INFO level: no DEBG copy */
    capture_free(c);
}

static void test_events_disabled(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .channel = "stderr"});
    capture_feed(c, "err\n", 4);
    assert_int_equal(f->n_events, 0);
    file_is(f, "err\n", 4);
    capture_free(c);
}

static void test_no_log_discards(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.events_enabled = true});
    capture_feed(c, "gone", 4);
    file_is(f, "", 0);
    assert_string_equal(f->events.data, "[stdout]gone"); /* events still fire */
    capture_free(c);
}

static void test_mainlog_copy(void **state)
{
    struct fx *f = *state;
    log_set_level(LOG_DEBG);
    struct capture *c = make(f, (struct capture_config){.name = "comm", .log = f->lf});
    capture_feed(c, "before\n", 7);
    capture_feed(c, "\xff\x00'x", 4);
    assert_string_equal(f->mainlog.data, "DEBG 'comm' stdout output:\nbefore\n\n"
                                         "DEBG 'comm' stdout output:\nUndecodable: b\"\\xff\\x00'x\"\n");
    capture_free(c);

    buf_reset(&f->mainlog);
    c = make(f, (struct capture_config){.name = "it's", .channel = "stderr"});
    capture_feed(c, "caf\xc3\xa9 \xe2\x82\xac\n", 10);
    assert_string_equal(f->mainlog.data, "DEBG \"it's\" stderr output:\ncaf\xc3\xa9 \xe2\x82\xac\n\n");
    capture_free(c);

    /* Split UTF-8 across reads is undecodable per chunk, as in Supervisor. */
    buf_reset(&f->mainlog);
    c = make(f, (struct capture_config){.name = "u"});
    capture_feed(c, "\xc3", 1);
    assert_string_equal(f->mainlog.data, "DEBG 'u' stdout output:\nUndecodable: b'\\xc3'\n");
    capture_free(c);

    /* Overlong and surrogate encodings are not valid UTF-8. */
    buf_reset(&f->mainlog);
    c = make(f, (struct capture_config){.name = "u"});
    capture_feed(c, "\xc0\x80", 2);
    capture_feed(c, "\xed\xa0\x80", 3);
    capture_feed(c, "\xf0\x9f\x98\x80", 4);
    assert_string_equal(f->mainlog.data,
                        "DEBG 'u' stdout output:\nUndecodable: b'\\xc0\\x80'\n"
                        "DEBG 'u' stdout output:\nUndecodable: b'\\xed\\xa0\\x80'\n"
                        "DEBG 'u' stdout output:\n\xf0\x9f\x98\x80\n");
    capture_free(c);
}

static void test_mainlog_repr_for_listener(void **state)
{
    struct fx *f = *state;
    log_set_level(LOG_DEBG);
    struct capture *c = make(
        f, (struct capture_config){.name = "lis", .log = f->lf, .mainlog_repr = true,
                                   .strip_ansi = true});
    capture_feed(c, "READY\n", 6);
    capture_feed(c, "\x1b[1m\"q'\t", 8);
    assert_string_equal(f->mainlog.data, "DEBG 'lis' stdout output:\nb'READY\\n'\n"
                                         "DEBG 'lis' stdout output:\nb'\\x1b[1m\"q\\'\\t'\n");
    /* The file gets the stripped bytes; the main log showed the raw ones. */
    file_is(f, "READY\n\"q'\t", 10);
    capture_free(c);
}

static void test_strip_ansi(void **state)
{
    struct fx *f = *state;
    log_set_level(LOG_DEBG);
    struct capture *c = make(
        f, (struct capture_config){.log = f->lf, .strip_ansi = true, .events_enabled = true});
    const char *colored = "\x1b[31mred\x1b[0m \x1b[1;2Hplain\n";
    capture_feed(c, colored, strlen(colored));
    file_is(f, "red plain\n", 10);
    assert_string_equal(f->events.data, "[stdout]red plain\n");
    assert_string_equal(f->mainlog.data, "DEBG 'prog' stdout output:\nred plain\n\n");
    /* No state across chunks: an escape cut at a read boundary leaks. */
    capture_feed(c, "a\x1b[3", 4);
    capture_feed(c, "1mb", 3);
    file_is(f, "red plain\na1mb", 14);
    capture_free(c);
}

static void test_syslog_prefixed_lines(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.name = "web", .syslog = true});
    capture_feed(c, "line one\nline two\n", 18);
    assert_string_equal(syslogged.data, "6|web line one\n6|web line two\n");
    capture_free(c);
}

static void test_set_log(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf});
    capture_feed(c, "one", 3);
    char other[160];
    snprintf(other, sizeof other, "%s/other.log", f->dir);
    struct err e;
    struct logfile *lf2 = logfile_open(other, 0, 0, &e);
    assert_non_null(lf2);
    capture_set_log(c, lf2);
    capture_feed(c, "two", 3);
    capture_set_log(c, NULL);
    capture_feed(c, "three", 5);
    file_is(f, "one", 3);
    char got[8];
    assert_int_equal(logfile_read_at(other, 0, got, sizeof got, &e), 3);
    assert_memory_equal(got, "two", 3);
    logfile_close(lf2);
    capture_free(c);
}

/* ---- capture mode ---- */

static const char STREAM[] = "before text " BEGIN "captured payload" END
                             " after the end, long enough to pass\ntail";
#define STREAM_LOG "before text  after the end, long enough to pass\ntail"

/* The event texts without their "[stdout]" markers. */
static const char *unmark(struct buf *b)
{
    static char out[256];
    size_t k = 0;
    for (size_t i = 0; i < b->len && k + 1 < sizeof out;) {
        if (strncmp(b->data + i, "[stdout]", 8) == 0) {
            i += 8;
            continue;
        }
        out[k++] = b->data[i++];
    }
    out[k] = '\0';
    return out;
}

static void feed_split(struct capture *c, const char *s, size_t n, size_t a, size_t b)
{
    capture_feed(c, s, a);
    capture_feed(c, s + a, b - a);
    capture_feed(c, s + b, n - b);
}

static void test_tokens_split_everywhere(void **state)
{
    struct fx *f = *state;
    size_t n = sizeof STREAM - 1;
    size_t want = strlen(STREAM_LOG);
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b += 7) {
            assert_int_equal(logfile_clear(f->lf, NULL), 0);
            buf_reset(&f->comms);
            buf_reset(&f->events);
            f->n_comms = 0;
            struct capture *c = make(f, (struct capture_config){
                                            .log = f->lf, .capture_maxbytes = 1000,
                                            .events_enabled = true});
            feed_split(c, STREAM, n, a, b);
            /* Held back at most a token's worth until EOF. */
            assert_true(file_len(f) + 24 >= want);
            assert_true(file_len(f) <= want);
            capture_flush(c);
            file_is(f, STREAM_LOG, want);
            assert_int_equal(f->n_comms, 1);
            assert_string_equal(f->comms.data, "[stdout]captured payload");
            /* Log events carry everything but the tokens, captured or not. */
            assert_string_equal(unmark(&f->events), "before text captured payload"
                                                    " after the end, long enough to pass\ntail");
            capture_free(c);
        }
    }
}

/* Byte by byte: Supervisor looks only once more than a token is pending. */
static void test_byte_by_byte(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 100});
    const char *s = "0123456789012345678901234"; /* 25 bytes: > BEGIN's 24 */
    for (size_t i = 0; i < 24; i++) {
        capture_feed(c, s + i, 1);
        assert_int_equal(file_len(f), 0);
    }
    capture_feed(c, s + 24, 1);
    file_is(f, s, 25);
    /* A suffix that could start BEGIN is held back. */
    capture_feed(c, "abcdefghijklmnopqrstuvwxy<!--XSUP", 33);
    file_is(f, "0123456789012345678901234abcdefghijklmnopqrstuvwxy", 50);
    capture_flush(c);
    file_is(f, "0123456789012345678901234abcdefghijklmnopqrstuvwxy<!--XSUP", 58);
    capture_free(c);
}

static void test_capture_keeps_mainlog_and_events(void **state)
{
    struct fx *f = *state;
    log_set_level(LOG_DEBG);
    struct capture *c = make(f, (struct capture_config){.name = "comm", .log = f->lf,
                                                       .syslog = true,
                                                       .capture_maxbytes = 100,
                                                       .events_enabled = true});
    const char *s = BEGIN "in capture mode, not in the file" END;
    capture_feed(c, s, strlen(s));
    file_is(f, "", 0);
    assert_int_equal(syslogged.len, 0); /* syslog is part of the normal log */
    assert_string_equal(f->comms.data, "[stdout]in capture mode, not in the file");
    assert_string_equal(f->events.data, "[stdout]in capture mode, not in the file");
    assert_string_equal(f->mainlog.data,
                        "DEBG 'comm' stdout output:\nin capture mode, not in the file\n"
                        "DEBG 'comm' stdout emitted a comm event\n");
    capture_free(c);
}

static void test_capture_overflow_quirk(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 10});
    capture_feed(c, BEGIN "12345678", 32);
    capture_flush(c); /* routes the held "12345678" into the capture buffer */
    capture_feed(c, "abcde", 5);
    capture_flush(c);
    capture_feed(c, END, 22);
    capture_flush(c);
    /* Supervisor's BoundIO: drop as many leading bytes as are written. */
    assert_string_equal(f->comms.data, "[stdout]678abcde");
    file_is(f, "", 0);
    capture_free(c);

    /* Larger pieces through the normal path. */
    buf_reset(&f->comms);
    c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 30});
    char a[25], b[23];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    capture_feed(c, BEGIN, 24);
    capture_feed(c, a, sizeof a); /* 25 > 22: routed */
    capture_feed(c, b, sizeof b); /* 25 + 23 > 30: drops 23 */
    capture_feed(c, END "1234567890123456789012345", 47);
    char want[64] = "[stdout]aa";
    memset(want + 10, 'b', 23);
    want[33] = '\0';
    assert_string_equal(f->comms.data, want);
    file_is(f, "1234567890123456789012345", 25);
    capture_free(c);
}

static void test_flush_at_eof(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 100,
                                                       .events_enabled = true});
    /* A short final line stays pending (Supervisor would lose it) ... */
    capture_feed(c, "last line\n", 10);
    file_is(f, "", 0);
    /* ... until flush writes it; flushing again adds nothing. */
    capture_flush(c);
    file_is(f, "last line\n", 10);
    capture_flush(c);
    file_is(f, "last line\n", 10);
    assert_string_equal(f->events.data, "[stdout]last line\n");
    capture_free(c);
}

static void test_flush_finds_short_end_token(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 100});
    char x[30];
    memset(x, 'x', sizeof x);
    capture_feed(c, BEGIN, 24);
    capture_feed(c, x, sizeof x);
    capture_feed(c, END, 22); /* exactly a token: not looked at yet */
    assert_int_equal(f->n_comms, 0);
    capture_flush(c);
    assert_int_equal(f->n_comms, 1);
    assert_int_equal(f->comms.len, 8 + 30);
    /* Then a BEGIN with no END: the captured bytes are dropped at EOF. */
    capture_feed(c, BEGIN "never ended", 35);
    capture_flush(c);
    assert_int_equal(f->n_comms, 1);
    file_is(f, "", 0);
    capture_free(c);
}

static void test_multiple_tokens_one_chunk(void **state)
{
    struct fx *f = *state;
    struct capture *c = make(f, (struct capture_config){.log = f->lf, .capture_maxbytes = 100});
    const char *s = "A" BEGIN "one" END "B" BEGIN "two" END "C and enough to look further";
    capture_feed(c, s, strlen(s));
    assert_int_equal(f->n_comms, 2);
    assert_string_equal(f->comms.data, "[stdout]one[stdout]two");
    file_is(f, "ABC and enough to look further", 30);
    capture_free(c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_passthrough_chunks_raw),
        T(test_events_disabled),
        T(test_no_log_discards),
        T(test_mainlog_copy),
        T(test_mainlog_repr_for_listener),
        T(test_strip_ansi),
        T(test_syslog_prefixed_lines),
        T(test_set_log),
        T(test_tokens_split_everywhere),
        T(test_byte_by_byte),
        T(test_capture_keeps_mainlog_and_events),
        T(test_capture_overflow_quirk),
        T(test_flush_at_eof),
        T(test_flush_finds_short_end_token),
        T(test_multiple_tokens_one_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
