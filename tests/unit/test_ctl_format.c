/* Unit tests for supervisorctl's format: texts checked against what
 * Python's supervisorctl.py / cmd.Cmd print for the same input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "format.h"

static void test_namespec(void **state)
{
    (void)state;
    char *s = fmt_namespec("cat", "cat");
    assert_string_equal(s, "cat");
    free(s);
    s = fmt_namespec("grp", "g1");
    assert_string_equal(s, "grp:g1");
    free(s);
    s = fmt_namespec("grp", NULL); /* make_namespec(group, None) */
    assert_string_equal(s, "grp:None");
    free(s);
}

static void test_split_namespec(void **state)
{
    (void)state;
    static const struct {
        const char *in, *group, *name; /* name NULL = None */
    } cases[] = {
        {"cat", "cat", "cat"},   {"grp:g1", "grp", "g1"}, {"grp:*", "grp", NULL},
        {"grp:", "grp", NULL},   {":x", "", "x"},         {"a:b:c", "a", "b:c"},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *g, *n;
        fmt_split_namespec(cases[i].in, &g, &n);
        assert_string_equal(g, cases[i].group);
        if (cases[i].name)
            assert_string_equal(n, cases[i].name);
        else
            assert_null(n);
        free(g);
        free(n);
    }
}

static void test_ljust_counts_code_points(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    fmt_ljust(&b, "\xc3\xa9t\xc3\xa9", 5); /* 'été' is 3 characters */
    assert_string_equal(b.data, "\xc3\xa9t\xc3\xa9  ");
    buf_reset(&b);
    fmt_ljust(&b, "longer than", 3);
    assert_string_equal(b.data, "longer than");
    buf_release(&b);
}

static void test_status_lines(void **state)
{
    (void)state;
    struct fmt_status_row rows[] = {
        {"cat", "STOPPED", "Nov 26 03:23 PM"},
        {"slow", "STARTING", ""},
    };
    struct buf b;
    buf_init(&b);
    fmt_status(&b, rows, 2);
    /* '%-33s%-10s%s': the padding stays when the description is empty */
    assert_string_equal(b.data, "cat                              STOPPED   Nov 26 03:23 PM\n"
                                "slow                             STARTING  \n");
    buf_reset(&b);
    struct fmt_status_row wide[] = {
        {"a-group-with-a-long-name:and-a-long-process", "RUNNING", "pid 1, uptime 0:00:01"},
        {"x", "FATAL", "Exited too quickly (process log may have details)"},
    };
    fmt_status(&b, wide, 2);
    assert_string_equal(b.data,
                        "a-group-with-a-long-name:and-a-long-process   RUNNING   pid 1, uptime 0:00:01\n"
                        "x                                             FATAL     Exited too quickly "
                        "(process log may have details)\n");
    buf_release(&b);
}

static void test_avail_line(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    fmt_avail(&b, "cat", true, false, 999, 999);
    assert_string_equal(b.data, "cat                              in use    manual    999:999");
    buf_reset(&b);
    fmt_avail(&b, "grp:g1", false, true, -1, 5);
    assert_string_equal(b.data, "grp:g1                           avail     auto      -1:5");
    buf_release(&b);
}

static void test_columnize_help_topics(void **state)
{
    (void)state;
    static const char *const topics[] = {
        "add",   "avail",    "clear",  "exit",    "fg",       "maintail", "open",
        "pid",   "quit",     "reload", "remove",  "reread",   "restart",  "shutdown",
        "signal", "start",   "status", "stop",    "tail",     "update",   "version",
    };
    struct buf b;
    buf_init(&b);
    fmt_columnize(&b, topics, sizeof topics / sizeof topics[0], 79);
    assert_string_equal(b.data,
                        "add    exit      open  reload  restart   start   tail   \n"
                        "avail  fg        pid   remove  shutdown  status  update \n"
                        "clear  maintail  quit  reread  signal    stop    version\n");
    buf_reset(&b);
    fmt_columnize(&b, topics, 0, 79);
    assert_string_equal(b.data, "<empty>\n");
    buf_reset(&b);
    fmt_columnize(&b, topics, 1, 79);
    assert_string_equal(b.data, "add\n");
    buf_reset(&b);
    /* too wide for any layout: one per row */
    static const char *const wide[] = {"aaaaaaaaaa", "bbbbbbbbbb", "cc"};
    fmt_columnize(&b, wide, 3, 5);
    assert_string_equal(b.data, "aaaaaaaaaa\nbbbbbbbbbb\ncc\n");
    buf_release(&b);
}

static void test_bytes_repr(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    fmt_bytes_repr(&b, "\x88\n", 2);
    assert_string_equal(b.data, "b'\\x88\\n'");
    buf_reset(&b);
    fmt_bytes_repr(&b, "it's", 4);
    assert_string_equal(b.data, "b\"it's\"");
    buf_reset(&b);
    fmt_bytes_repr(&b, "'\"\\\t\r\x7f", 6);
    assert_string_equal(b.data, "b'\\'\"\\\\\\t\\r\\x7f'");
    buf_release(&b);
}

static void test_oserror(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    fmt_oserror(&b, ECONNREFUSED);
    assert_string_equal(b.data, "<class 'ConnectionRefusedError'>, [Errno 111] Connection refused");
    buf_reset(&b);
    fmt_oserror(&b, ENOENT);
    assert_string_equal(b.data,
                        "<class 'FileNotFoundError'>, [Errno 2] No such file or directory");
    buf_release(&b);
    assert_string_equal(fmt_oserror_class(EHOSTUNREACH), "OSError");
    assert_string_equal(fmt_oserror_class(EACCES), "PermissionError");
}

static void test_exit_from_fault(void **state)
{
    (void)state;
    assert_int_equal(fmt_exit_from_fault(0, 80, -1), 0);  /* SUCCESS */
    assert_int_equal(fmt_exit_from_fault(3, 60, 60), 3);  /* ignored: unchanged */
    assert_int_equal(fmt_exit_from_fault(0, 50, 60), 7);  /* SPAWN_ERROR */
    assert_int_equal(fmt_exit_from_fault(0, 40, -1), 7);  /* ABNORMAL_TERMINATION */
    assert_int_equal(fmt_exit_from_fault(0, 70, -1), 7);  /* NOT_RUNNING */
    assert_int_equal(fmt_exit_from_fault(7, 10, 70), 1);  /* BAD_NAME: the last wins */
}

static void test_urls(void **state)
{
    (void)state;
    assert_true(fmt_url_valid("http://localhost:9001"));
    assert_true(fmt_url_valid("unix:///tmp/x.sock"));
    assert_true(fmt_url_valid("a:b"));
    assert_true(fmt_url_valid("ftp://x"));
    assert_false(fmt_url_valid("foo"));
    assert_false(fmt_url_valid("http:"));
    assert_false(fmt_url_valid("http://"));
    assert_false(fmt_url_valid("1http://x"));
    assert_false(fmt_url_valid(":x"));
    char *s = fmt_url_scheme("HTTP://x");
    assert_string_equal(s, "http");
    free(s);
    s = fmt_url_scheme("/just/a/path");
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespec),
        cmocka_unit_test(test_split_namespec),
        cmocka_unit_test(test_ljust_counts_code_points),
        cmocka_unit_test(test_status_lines),
        cmocka_unit_test(test_avail_line),
        cmocka_unit_test(test_columnize_help_topics),
        cmocka_unit_test(test_bytes_repr),
        cmocka_unit_test(test_oserror),
        cmocka_unit_test(test_exit_from_fault),
        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
