/* Unit tests for log.c: line format, level filtering, handlers (file with
 * rotation, syslog, stdout, sink), strip_ansi, multi-line messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "logfile.h"

/* ---- syslog(3) interposed: the test binary's definition wins ---- */

void syslog(int pri, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...);

static struct buf syslogged; /* "<pri>|<message>\n" per call */

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

/* ---- helpers ---- */

static char dir[64];

struct sink {
    struct buf all;
    int lines;
    int last_level;
};

static void sink_fn(void *arg, int level, const char *line, size_t len)
{
    struct sink *s = arg;
    buf_append(&s->all, line, len);
    s->lines++;
    s->last_level = level;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_log.XXXXXX");
    assert_non_null(mkdtemp(dir));
    buf_init(&syslogged);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    buf_release(&syslogged);
    return 0;
}

/* Each test starts closed, no sink, level INFO. */
static int reset(void **state)
{
    (void)state;
    log_close();
    log_set_sink(NULL, NULL);
    log_set_level(LOG_INFO);
    log_set_early_stderr(false);
    buf_reset(&syslogged);
    return 0;
}

static char *path_in(const char *name)
{
    static char p[4][256];
    static int k;
    char *r = p[k++ % 4];
    snprintf(r, 256, "%s/%s", dir, name);
    return r;
}

static bool slurp(const char *path, struct buf *b)
{
    buf_reset(b);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(b, tmp, n);
    fclose(f);
    return true;
}

static bool matches(const char *re, const char *s)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

#define TS "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}"

/* ---- tests ---- */

static void test_format(void **state)
{
    (void)state;
    struct sink s = {0};
    buf_init(&s.all);
    log_set_sink(sink_fn, &s);
    /* the clock the log reads (time() is the coarse clock, which may still
     * be in the previous second) */
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_REALTIME, &ts0);
    log_info("supervisord started with pid %d", 11435);
    clock_gettime(CLOCK_REALTIME, &ts1);
    time_t before = ts0.tv_sec, after = ts1.tv_sec;
    assert_int_equal(s.lines, 1);
    assert_int_equal(s.last_level, LOG_INFO);
    assert_true(matches("^" TS " INFO supervisord started with pid 11435\n$", s.all.data));
    /* The timestamp is local time, now. */
    struct tm tm = {0};
    char *end = strptime(s.all.data, "%Y-%m-%d %H:%M:%S", &tm);
    assert_non_null(end);
    assert_int_equal(*end, ',');
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    assert_true(t >= before && t <= after);
    buf_release(&s.all);
}

static void test_level_names(void **state)
{
    (void)state;
    assert_string_equal(log_level_name(LOG_CRIT), "CRIT");
    assert_string_equal(log_level_name(LOG_ERRO), "ERRO");
    assert_string_equal(log_level_name(LOG_WARN), "WARN");
    assert_string_equal(log_level_name(LOG_INFO), "INFO");
    assert_string_equal(log_level_name(LOG_DEBG), "DEBG");
    assert_string_equal(log_level_name(LOG_TRAC), "TRAC");
    assert_string_equal(log_level_name(LOG_BLAT), "BLAT");
    assert_string_equal(log_level_name(7), "????");
    assert_int_equal(LOG_CRIT, 50);
    assert_int_equal(LOG_BLAT, 3);
}

static void test_level_filtering(void **state)
{
    (void)state;
    const char *path = path_in("levels.log");
    struct log_config cfg = {.path = path, .level = LOG_WARN};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    assert_int_equal(log_level(), LOG_WARN);
    assert_false(log_enabled(LOG_INFO));
    assert_true(log_enabled(LOG_WARN));
    log_blather("b");
    log_trace("t");
    log_debug("d");
    log_info("i");
    log_warn("w");
    log_error("e");
    log_crit("c");
    log_raw(LOG_INFO, "raw-i", 5);
    log_raw(LOG_ERRO, "raw-e", 5);
    log_set_level(LOG_BLAT);
    log_blather("b2");
    log_trace("t2");
    log_close();
    struct buf b;
    buf_init(&b);
    assert_true(slurp(path, &b));
    assert_true(matches("^" TS " WARN w\n" TS " ERRO e\n" TS " CRIT c\n" TS " ERRO raw-e\n"
                        TS " BLAT b2\n" TS " TRAC t2\n$",
                        b.data));
    buf_release(&b);
}

static void test_dropped_before_open(void **state)
{
    (void)state;
    const char *path = path_in("early.log");
    log_info("too early"); /* no sink, not open: dropped, no crash */
    struct sink s = {0};
    buf_init(&s.all);
    log_set_sink(sink_fn, &s);
    log_info("seen by sink");
    assert_int_equal(s.lines, 1);
    log_set_sink(NULL, NULL);

    /* Early stderr: the line appears on fd 2. */
    int saved = dup(2);
    const char *errpath = path_in("stderr.txt");
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    log_set_early_stderr(true);
    log_warn("to stderr");
    dup2(saved, 2);
    close(saved);
    struct buf b;
    buf_init(&b);
    assert_true(slurp(errpath, &b));
    assert_true(matches("^" TS " WARN to stderr\n$", b.data));

    struct log_config cfg = {.path = path, .level = LOG_INFO};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    log_info("after open");
    log_close();
    assert_true(slurp(path, &b));
    assert_null(strstr(b.data, "too early"));
    assert_null(strstr(b.data, "to stderr"));
    assert_true(matches("^" TS " INFO after open\n$", b.data));
    buf_release(&b);
    buf_release(&s.all);
}

static void test_multiline_verbatim(void **state)
{
    (void)state;
    const char *path = path_in("multi.log");
    struct log_config cfg = {.path = path, .level = LOG_DEBG};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    log_raw(LOG_DEBG, "'comm' stdout output:\nbefore\nafter\n", 35);
    log_raw(LOG_INFO, "nul\0byte", 8);
    log_info("%s", "x\ny");
    log_close();
    struct buf b;
    buf_init(&b);
    assert_true(slurp(path, &b));
    assert_true(matches("^" TS " DEBG 'comm' stdout output:\nbefore\nafter\n\n" TS " INFO nul",
                        b.data));
    const char *nul = memchr(b.data, '\0', b.len);
    assert_non_null(nul);
    assert_memory_equal(nul, "\0byte\n", 6);
    assert_true(matches(TS " INFO x\ny\n$", nul + 6));
    buf_release(&b);
}

static void test_rotation(void **state)
{
    (void)state;
    const char *path = path_in("main.log");
    struct log_config cfg = {.path = path, .maxbytes = 200, .backups = 2, .level = LOG_INFO};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    assert_string_equal(log_path(), path);
    assert_non_null(log_file());
    for (int i = 0; i < 40; i++)
        log_info("message number %03d", i);
    log_close();
    assert_null(log_path());

    /* .2 then .1 then live hold consecutive lines, newest last; no .3. */
    char name[300];
    snprintf(name, sizeof name, "%s.3", path);
    assert_int_equal(access(name, F_OK), -1);
    struct buf cat, one;
    buf_init(&cat);
    buf_init(&one);
    for (int i = 2; i >= 1; i--) {
        snprintf(name, sizeof name, "%s.%d", path, i);
        assert_true(slurp(name, &one));
        assert_true(one.len >= 200);
        assert_true(one.len < 200 + 45); /* exceeds by at most one line */
        buf_append(&cat, one.data, one.len);
    }
    assert_true(slurp(path, &one));
    assert_true(one.len < 200);
    buf_append(&cat, one.data, one.len);
    int expect = -1;
    for (char *line = strtok(cat.data, "\n"); line; line = strtok(NULL, "\n")) {
        int n;
        assert_true(matches("^" TS " INFO message number [0-9]{3}$", line));
        assert_int_equal(sscanf(strstr(line, "number ") + 7, "%d", &n), 1);
        if (expect >= 0)
            assert_int_equal(n, expect);
        expect = n + 1;
    }
    assert_int_equal(expect, 40);
    buf_release(&cat);
    buf_release(&one);
}

static void test_reopen_and_bad_open(void **state)
{
    (void)state;
    const char *path = path_in("reopen.log");
    const char *moved = path_in("reopen.log.old");
    struct log_config cfg = {.path = path, .level = LOG_INFO};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    log_info("one");
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(log_reopen(&e), 0);
    log_info("two");
    /* A failing re-open keeps the old handlers. */
    struct log_config bad = {.path = path_in("nodir/x.log"), .level = LOG_INFO};
    assert_int_equal(log_open(&bad, &e), -1);
    assert_non_null(strstr(e.msg, "cannot open '"));
    log_info("three");
    log_close();
    struct buf b;
    buf_init(&b);
    assert_true(slurp(moved, &b));
    assert_true(matches("^" TS " INFO one\n$", b.data));
    assert_true(slurp(path, &b));
    assert_true(matches("^" TS " INFO two\n" TS " INFO three\n$", b.data));
    buf_release(&b);
}

static void test_stdout_copy(void **state)
{
    (void)state;
    const char *outpath = path_in("stdout.txt");
    fflush(stdout);
    int saved = dup(1);
    int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    close(fd);
    struct log_config cfg = {.path = NULL, .level = LOG_INFO, .to_stdout = true};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    log_info("to stdout");
    log_close();
    dup2(saved, 1);
    close(saved);
    struct buf b;
    buf_init(&b);
    assert_true(slurp(outpath, &b));
    assert_true(matches("^" TS " INFO to stdout\n$", b.data));
    buf_release(&b);
}

static void test_syslog_handler(void **state)
{
    (void)state;
    struct log_config cfg = {.path = "syslog", .level = LOG_INFO};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    assert_null(log_path());
    log_raw(LOG_WARN, "first\nsecond\n\n", 14);
    log_close();
    /* Each line, with the record's date and level, at LOG_INFO (6). */
    assert_true(matches("^6\\|" TS " WARN first\n6\\|" TS " WARN second\n$", syslogged.data));

    buf_reset(&syslogged);
    log_syslog("prog ", "a\nb", 3);
    log_syslog("prog ", "\n\n", 2);
    assert_string_equal(syslogged.data, "6|prog a\n6|prog b\n6|prog \n");
}

static void strip(const char *in, size_t n, const char *want, size_t wn)
{
    struct buf b;
    buf_init(&b);
    log_strip_ansi(in, n, &b);
    assert_int_equal(b.len, wn);
    assert_memory_equal(b.data, want, wn);
    buf_release(&b);
}

/* Expected values are stripEscapes' output from Supervisor 4.2.5. */
static void test_strip_ansi_like_supervisor(void **state)
{
    (void)state;
    strip("\x1b[31mred\x1b[0m", 12, "red", 3);
    strip("a\x1b[", 3, "a", 1);
    strip("a\x1b[12", 5, "a", 1);
    strip("\x1b\x1b[m[31mx", 9, "\x1b[31mx", 6);
    strip("x\x1b[?25hy", 8, "xy", 2);
    strip("\x1b]0;title\x07z", 11, "\x1b]0;title\x07z", 11);
    strip("\x1b[1;2Hq\x1b[Kw", 11, "qw", 2);
    strip("[m\x1b", 3, "[m\x1b", 3);
    strip("\x1b[\0m!", 5, "!", 1);
    strip("", 0, "", 0);
}

static void test_strip_ansi_config(void **state)
{
    (void)state;
    struct sink s = {0};
    buf_init(&s.all);
    log_set_sink(sink_fn, &s);
    struct log_config cfg = {.path = NULL, .level = LOG_INFO, .strip_ansi = true};
    struct err e;
    assert_int_equal(log_open(&cfg, &e), 0);
    log_info("\x1b[1mbold\x1b[0m text");
    log_close();
    assert_true(matches("^" TS " INFO bold text\n$", s.all.data));
    buf_release(&s.all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_format, reset),
        cmocka_unit_test_setup(test_level_names, reset),
        cmocka_unit_test_setup(test_level_filtering, reset),
        cmocka_unit_test_setup(test_dropped_before_open, reset),
        cmocka_unit_test_setup(test_multiline_verbatim, reset),
        cmocka_unit_test_setup(test_rotation, reset),
        cmocka_unit_test_setup(test_reopen_and_bad_open, reset),
        cmocka_unit_test_setup(test_stdout_copy, reset),
        cmocka_unit_test_setup(test_syslog_handler, reset),
        cmocka_unit_test_setup(test_strip_ansi_like_supervisor, reset),
        cmocka_unit_test_setup(test_strip_ansi_config, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
