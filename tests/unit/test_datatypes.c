/* Unit tests for datatypes: a case table produced by running Supervisor's
 * datatypes.py, our documented departures (ranges, environment= warnings),
 * filesystem and user lookups, signal names and kvlist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "datatypes.h"

/* Renders one converter's result the way the generator printed Python's. */
static void run(const char *fn, const char *v, char *out, size_t cap)
{
    struct err e;
    err_clear(&e);
    int rc = 0;
    char res[2048] = "";
    if (!strcmp(fn, "integer")) {
        long long x = 0;
        rc = dt_integer(v, &x, &e);
        snprintf(res, sizeof res, "%lld", x);
    } else if (!strcmp(fn, "boolean")) {
        bool b = false;
        rc = dt_boolean(v, &b, &e);
        snprintf(res, sizeof res, "%s", b ? "True" : "False");
    } else if (!strcmp(fn, "byte_size")) {
        long long x = 0;
        rc = dt_byte_size(v, &x, &e);
        snprintf(res, sizeof res, "%lld", x);
    } else if (!strcmp(fn, "octal")) {
        long long x = 0;
        rc = dt_octal(v, &x, &e);
        snprintf(res, sizeof res, "%lld", x);
    } else if (!strcmp(fn, "signal")) {
        int x = 0;
        rc = dt_signal(v, &x, &e);
        snprintf(res, sizeof res, "%d", x);
    } else if (!strcmp(fn, "autorestart")) {
        enum autorestart x = AUTORESTART_NEVER;
        rc = dt_autorestart(v, &x, &e);
        snprintf(res, sizeof res, "%d", (int)x);
    } else if (!strcmp(fn, "loglevel")) {
        int x = 0;
        rc = dt_loglevel(v, &x, &e);
        snprintf(res, sizeof res, "%d", x);
    } else if (!strcmp(fn, "exitcodes")) {
        uint8_t set[32];
        rc = dt_exitcodes(v, set, &e);
        size_t n = 0;
        for (int i = 0; i < 256; i++)
            if (dt_exitcode_in(set, i))
                n += (size_t)snprintf(res + n, sizeof res - n, "%d,", i);
    } else if (!strcmp(fn, "inet")) {
        char *h = NULL;
        int port = 0;
        rc = dt_inet_address(v, &h, &port, &e);
        snprintf(res, sizeof res, "%s:%d", h ? h : "", port);
        free(h);
    } else if (!strcmp(fn, "name")) {
        char *o = NULL;
        rc = dt_process_or_group_name(v, &o, &e);
        if (!rc) {
            char *r = dt_pyrepr(o);
            snprintf(res, sizeof res, "%s", r);
            free(r);
            free(o);
        }
    } else if (!strcmp(fn, "env")) {
        struct kvlist kv, w;
        kvlist_init(&kv);
        kvlist_init(&w);
        rc = dt_env_pairs(v, &kv, &w, &e);
        size_t n = 0;
        for (size_t i = 0; i < kv.n; i++) {
            char *a = dt_pyrepr(kv.v[i].key), *b = dt_pyrepr(kv.v[i].value);
            n += (size_t)snprintf(res + n, sizeof res - n, "%s:%s,", a, b);
            free(a);
            free(b);
        }
        assert_int_equal(w.n, 0); /* the table holds only inputs Python reads whole */
        kvlist_release(&kv);
        kvlist_release(&w);
    } else {
        fail_msg("unknown converter %s", fn);
    }
    if (rc) {
        assert_int_equal(e.code, ERR_CONFIG);
        snprintf(out, cap, "ERR:%s", e.msg);
    } else {
        snprintf(out, cap, "OK:%s", res);
    }
}

static const struct {
    const char *fn;
    const char *in;
    const char *want;
} cases[] = {
    {"integer", "1", "OK:1"},
    {"integer", "-1", "OK:-1"},
    {"integer", "+5", "OK:5"},
    {"integer", " 7 ", "OK:7"},
    {"integer", "1_0", "OK:10"},
    {"integer", "1__0", "ERR:invalid literal for int() with base 10: '1__0'"},
    {"integer", "_1", "ERR:invalid literal for int() with base 10: '_1'"},
    {"integer", "1_", "ERR:invalid literal for int() with base 10: '1_'"},
    {"integer", "1.5", "ERR:invalid literal for int() with base 10: '1.5'"},
    {"integer", "", "ERR:invalid literal for int() with base 10: ''"},
    {"integer", "abc", "ERR:invalid literal for int() with base 10: 'abc'"},
    {"integer", "0", "OK:0"},
    {"integer", "007", "OK:7"},
    {"integer", "-9223372036854775808", "OK:-9223372036854775808"},
    {"integer", "9223372036854775807", "OK:9223372036854775807"},
    {"integer", "\xc2""\xa0""7\xe3""\x80""\x80""", "OK:7"},
    {"integer", "\x1c""5\x1f""", "ERR:invalid literal for int() with base 10: '\\x1c5\\x1f'"},
    {"integer", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ERR:invalid literal for int() with base 10: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
    {"integer", "it's", "ERR:invalid literal for int() with base 10: \"it's\""},
    {"integer", "0x10", "ERR:invalid literal for int() with base 10: '0x10'"},
    {"integer", "1e3", "ERR:invalid literal for int() with base 10: '1e3'"},
    {"boolean", "yes", "OK:True"},
    {"boolean", "YES", "OK:True"},
    {"boolean", "True", "OK:True"},
    {"boolean", "on", "OK:True"},
    {"boolean", "1", "OK:True"},
    {"boolean", "no", "OK:False"},
    {"boolean", "False", "OK:False"},
    {"boolean", "OFF", "OK:False"},
    {"boolean", "0", "OK:False"},
    {"boolean", "maybe", "ERR:not a valid boolean value: 'maybe'"},
    {"boolean", " yes", "ERR:not a valid boolean value: ' yes'"},
    {"boolean", "", "ERR:not a valid boolean value: ''"},
    {"boolean", "y", "ERR:not a valid boolean value: 'y'"},
    {"boolean", "it's", "ERR:not a valid boolean value: \"it's\""},
    {"byte_size", "50MB", "OK:52428800"},
    {"byte_size", "1Gb", "OK:1073741824"},
    {"byte_size", "10 KB", "OK:10240"},
    {"byte_size", "123", "OK:123"},
    {"byte_size", "1.5MB", "ERR:invalid literal for int() with base 10: '1.5'"},
    {"byte_size", "10b", "ERR:invalid literal for int() with base 10: '10b'"},
    {"byte_size", "KB", "ERR:invalid literal for int() with base 10: ''"},
    {"byte_size", "kb", "ERR:invalid literal for int() with base 10: ''"},
    {"byte_size", "-5kb", "OK:-5120"},
    {"byte_size", "0", "OK:0"},
    {"byte_size", "1gb", "OK:1073741824"},
    {"byte_size", "abc", "ERR:invalid literal for int() with base 10: 'abc'"},
    {"byte_size", "ABC", "ERR:invalid literal for int() with base 10: 'abc'"},
    {"byte_size", "b", "ERR:invalid literal for int() with base 10: 'b'"},
    {"byte_size", "5 kb ", "ERR:invalid literal for int() with base 10: '5 kb '"},
    {"byte_size", "1_0MB", "OK:10485760"},
    {"byte_size", " 10mb", "OK:10485760"},
    {"octal", "022", "OK:18"},
    {"octal", "0o27", "OK:23"},
    {"octal", "089", "ERR:089 can not be converted to an octal type"},
    {"octal", "-7", "OK:-7"},
    {"octal", "0o_7", "OK:7"},
    {"octal", "0_7", "OK:7"},
    {"octal", "", "ERR: can not be converted to an octal type"},
    {"octal", "7 ", "OK:7"},
    {"octal", "0o", "ERR:0o can not be converted to an octal type"},
    {"octal", "_7", "ERR:_7 can not be converted to an octal type"},
    {"octal", "0O17", "OK:15"},
    {"octal", "+0o17", "OK:15"},
    {"octal", "8", "ERR:8 can not be converted to an octal type"},
    {"signal", "TERM", "OK:15"},
    {"signal", "sigterm", "OK:15"},
    {"signal", "SIGTERM", "OK:15"},
    {"signal", "15", "OK:15"},
    {"signal", "HUP", "OK:1"},
    {"signal", "kill", "OK:9"},
    {"signal", " int ", "OK:2"},
    {"signal", "0", "OK:0"},
    {"signal", "_DFL", "OK:0"},
    {"signal", "_IGN", "OK:1"},
    {"signal", "_SETMASK", "OK:2"},
    {"signal", "_BLOCK", "OK:0"},
    {"signal", "_UNBLOCK", "OK:1"},
    {"signal", "32", "ERR:value '32' is not a valid signal number"},
    {"signal", "33", "ERR:value '33' is not a valid signal number"},
    {"signal", "34", "OK:34"},
    {"signal", "35", "ERR:value '35' is not a valid signal number"},
    {"signal", "40", "ERR:value '40' is not a valid signal number"},
    {"signal", "63", "ERR:value '63' is not a valid signal number"},
    {"signal", "64", "OK:64"},
    {"signal", "65", "ERR:value '65' is not a valid signal number"},
    {"signal", "-1", "ERR:value '-1' is not a valid signal number"},
    {"signal", "FOO", "ERR:value 'FOO' is not a valid signal name"},
    {"signal", "sigfoo", "ERR:value 'sigfoo' is not a valid signal name"},
    {"signal", "IOT", "OK:6"},
    {"signal", "CLD", "OK:17"},
    {"signal", "POLL", "OK:29"},
    {"signal", "IO", "OK:29"},
    {"signal", "RTMIN", "OK:34"},
    {"signal", "RTMAX", "OK:64"},
    {"signal", "1_5", "OK:15"},
    {"signal", "99999999999999999999", "ERR:value '99999999999999999999' is not a valid signal number"},
    {"signal", "SIG", "ERR:value 'SIG' is not a valid signal name"},
    {"signal", "", "ERR:value '' is not a valid signal name"},
    {"signal", "\xc5""\xbf""igterm", "OK:15"},
    {"signal", "\xc4""\xb1""nt", "OK:2"},
    {"signal", "usr1", "OK:10"},
    {"signal", "Usr2", "OK:12"},
    {"autorestart", "unexpected", "OK:1"},
    {"autorestart", "UNEXPECTED", "OK:1"},
    {"autorestart", "true", "OK:2"},
    {"autorestart", "false", "OK:0"},
    {"autorestart", "Yes", "OK:2"},
    {"autorestart", "0", "OK:0"},
    {"autorestart", "1", "OK:2"},
    {"autorestart", "sometimes", "ERR:invalid 'autorestart' value 'sometimes'"},
    {"autorestart", "Sometimes", "ERR:invalid 'autorestart' value 'sometimes'"},
    {"autorestart", "", "ERR:invalid 'autorestart' value ''"},
    {"loglevel", "critical", "OK:50"},
    {"loglevel", "error", "OK:40"},
    {"loglevel", "warn", "OK:30"},
    {"loglevel", "info", "OK:20"},
    {"loglevel", "debug", "OK:10"},
    {"loglevel", "trace", "OK:5"},
    {"loglevel", "blather", "OK:3"},
    {"loglevel", "INFO", "OK:20"},
    {"loglevel", "warning", "ERR:bad logging level name 'warning'"},
    {"loglevel", "verbose", "ERR:bad logging level name 'verbose'"},
    {"loglevel", "Verbose", "ERR:bad logging level name 'Verbose'"},
    {"loglevel", "", "ERR:bad logging level name ''"},
    {"exitcodes", "0", "OK:0,"},
    {"exitcodes", "0,2", "OK:0,2,"},
    {"exitcodes", "0, 2", "OK:0,2,"},
    {"exitcodes", " 1 ,  2 ", "OK:1,2,"},
    {"exitcodes", "", "OK:"},
    {"exitcodes", "0,256", "ERR:not a valid list of exit codes: '0,256'"},
    {"exitcodes", "0,,1", "ERR:not a valid list of exit codes: '0,,1'"},
    {"exitcodes", "-1", "ERR:not a valid list of exit codes: '-1'"},
    {"exitcodes", "255", "OK:255,"},
    {"exitcodes", "1_0", "OK:10,"},
    {"exitcodes", "a", "ERR:not a valid list of exit codes: 'a'"},
    {"exitcodes", "0,", "ERR:not a valid list of exit codes: '0,'"},
    {"exitcodes", "2,1,2", "OK:1,2,"},
    {"inet", "9001", "OK::9001"},
    {"inet", "127.0.0.1:9001", "OK:127.0.0.1:9001"},
    {"inet", "*:9001", "OK::9001"},
    {"inet", ":9001", "OK::9001"},
    {"inet", "LOCALHOST:80", "OK:localhost:80"},
    {"inet", "abc", "ERR:not a valid port number: 'abc' "},
    {"inet", "0", "ERR:not a valid port number: '0' "},
    {"inet", "host:0", "ERR:0 is below lower bound (1)"},
    {"inet", "host:99999", "ERR:99999 is above upper bound (65535)"},
    {"inet", "host:", "ERR:no port number specified in ''"},
    {"inet", "host:abc", "ERR:invalid literal for int() with base 10: 'abc'"},
    {"inet", "65535", "OK::65535"},
    {"inet", "65536", "ERR:not a valid port number: '65536' "},
    {"inet", "[::1]:80", "OK:[::1]:80"},
    {"inet", "a:b:80", "OK:a:b:80"},
    {"inet", "x:99999999999999999999999", "ERR:99999999999999999999999 is above upper bound (65535)"},
    {"inet", "x:-99999999999999999999999", "ERR:-99999999999999999999999 is below lower bound (1)"},
    {"inet", " 80 ", "OK::80"},
    {"inet", "1_0", "OK::10"},
    {"name", "foo", "OK:'foo'"},
    {"name", "a b", "ERR:Invalid name: 'a b' because of character: ' '"},
    {"name", "a:b", "ERR:Invalid name: 'a:b' because of character: ':'"},
    {"name", "a/b", "ERR:Invalid name: 'a/b' because of character: '/'"},
    {"name", " foo ", "OK:'foo'"},
    {"name", "", "OK:''"},
    {"name", " ", "OK:''"},
    {"name", "caf\xc3""\xa9""", "OK:'caf\xc3""\xa9""'"},
    {"name", "it's", "OK:\"it's\""},
    {"env", "A=1,B=\"x y\",C='p,q',D=/a/b:c.d+e-f(g)", "OK:'A':'1','B':'x y','C':'p,q','D':'/a/b:c.d+e-f(g)',"},
    {"env", "A=a@b", "ERR:Unexpected end of key/value pairs in value 'A=a@b'"},
    {"env", "A=1 B=2", "ERR:Unexpected end of key/value pairs in value 'A=1 B=2'"},
    {"env", "A=", "ERR:Unexpected end of key/value pairs in value 'A='"},
    {"env", "A=1=2", "ERR:Unexpected end of key/value pairs in value 'A=1=2'"},
    {"env", "A=1,,B=2", "ERR:Unexpected end of key/value pairs in value 'A=1,,B=2'"},
    {"env", "A=\"\"", "OK:'A':'',"},
    {"env", "A=1,", "OK:'A':'1',"},
    {"env", "\"A\"=1", "OK:'\"A\"':'1',"},
    {"env", "A=\xc3""\xa9"",B=2", "OK:'A':'\xc3""\xa9""','B':'2',"},
    {"env", "", "OK:"},
    {"env", "   ", "OK:"},
    {"env", "A=1,\nB=2", "OK:'A':'1','B':'2',"},
    {"env", "A=1\nB=2", "ERR:Unexpected end of key/value pairs in value 'A=1\nB=2'"},
    {"env", "A=x#c\nB=2", "ERR:Unexpected end of key/value pairs in value 'A=x#c\nB=2'"},
    {"env", "A=\"unclosed", "ERR:No closing quotation"},
    {"env", "A='x", "ERR:No closing quotation"},
    {"env", "A=1,B=2,A=3", "OK:'A':'3','B':'2',"},
    {"env", ",=1", "OK:',':'1',"},
    {"env", "A=1 x ,=2", "OK:'A':'1',',':'2',"},
    {"env", "K=v1,K2=\"a=b,c\"", "OK:'K':'v1','K2':'a=b,c',"},
    {"env", "A=1 ,B=2", "OK:'A':'1','B':'2',"},
    {"env", "A=x#a,b\n,B=2", "OK:'A':'x','B':'2',"},
};

static void test_python_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[8300];
        run(cases[i].fn, cases[i].in, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu %s('%s')\nwant: %s\ngot:  %s", i, cases[i].fn, cases[i].in,
                     cases[i].want, got);
    }
}

/* Python ints are unbounded; ours are long long and say so. */
static void test_out_of_range(void **state)
{
    (void)state;
    char got[512];
    run("integer", "99999999999999999999", got, sizeof got);
    assert_string_equal(got, "ERR:integer out of range: '99999999999999999999'");
    run("integer", "-9223372036854775809", got, sizeof got);
    assert_string_equal(got, "ERR:integer out of range: '-9223372036854775809'");
    run("byte_size", "8589934592gb", got, sizeof got);
    assert_string_equal(got, "ERR:integer out of range: '8589934592'");
    run("octal", "77777777777777777777777", got, sizeof got);
    assert_string_equal(got, "ERR:77777777777777777777777 can not be converted to an octal type");
}

static void check_env(const char *in, const char *want_key, const char *want_value,
                      const char *want_warning)
{
    struct kvlist kv, w;
    struct err e;
    kvlist_init(&kv);
    kvlist_init(&w);
    assert_int_equal(dt_env_pairs(in, &kv, &w, &e), 0);
    assert_string_equal(kvlist_get(&kv, want_key), want_value);
    if (want_warning)
        assert_string_equal(kvlist_get(&w, want_key), want_warning);
    else
        assert_null(kvlist_get(&w, want_key));
    kvlist_release(&kv);
    kvlist_release(&w);
}

/* Where Python truncates or swallows, we keep the text and warn. */
static void test_env_kept_with_warning(void **state)
{
    (void)state;
    check_env("A=hello world", "A", "hello world",
              "value of A was 'hello world' but Supervisor 4.2.5 would keep only 'hello'");
    check_env("A=$HOME", "A", "$HOME",
              "value of A was '$HOME' but Supervisor 4.2.5 would keep only '$'");
    check_env("A=~/x", "A", "~/x", "value of A was '~/x' but Supervisor 4.2.5 would keep only '~'");
    check_env("A=caf\xc3\xa9", "A", "caf\xc3\xa9",
              "value of A was 'caf\xc3\xa9' but Supervisor 4.2.5 would keep only 'caf'");
    check_env("A=x#y,B=2", "A", "x#y", "value of A was 'x#y' but Supervisor 4.2.5 would keep only 'x'");
    check_env("A=x#y,B=2", "B", "2", NULL);
    /* ';' is a separator people use on purpose: Python's reading stands */
    check_env("A=1;B=2", "A", "1", NULL);
    check_env("A=1;B=2", "B", "2", NULL);
    check_env("A=foo\"bar baz\"", "A", "foo\"bar baz\"",
              "value of A was 'foo\"bar baz\"' but Supervisor 4.2.5 would keep only 'foo\"bar'");
    check_env("A=%s", "A", "%s", "value of A was '%s' but Supervisor 4.2.5 would keep only '%'");
    check_env("X=1,A=hello world", "X", "1", NULL);
    check_env("X=1,A=hello world", "A", "hello world",
              "value of A was 'hello world' but Supervisor 4.2.5 would keep only 'hello'");
    /* a later clean value for the same key drops the warning */
    check_env("A=x#c\n,A=ok", "A", "ok", NULL);
}

static void test_env_errors_and_edges(void **state)
{
    (void)state;
    struct kvlist kv;
    struct err e;
    kvlist_init(&kv);
    assert_int_equal(dt_env_pairs("A=\"open", &kv, NULL, &e), -1);
    assert_string_equal(e.msg, "No closing quotation");
    assert_int_equal(dt_env_pairs("A=1\nB=2", &kv, NULL, &e), -1);
    assert_string_equal(e.msg, "Unexpected end of key/value pairs in value 'A=1\nB=2'");
    assert_int_equal(kv.n, 0);
    /* pairs merge into what the caller already has */
    kvlist_set(&kv, "OLD", "1");
    kvlist_set(&kv, "A", "old");
    assert_int_equal(dt_env_pairs("A=new,B='x, y'", &kv, NULL, &e), 0);
    assert_int_equal(kv.n, 3);
    assert_string_equal(kvlist_get(&kv, "A"), "new");
    assert_string_equal(kvlist_get(&kv, "B"), "x, y");
    kvlist_release(&kv);
}

static void test_signame(void **state)
{
    (void)state;
    assert_string_equal(dt_signame(15), "SIGTERM");
    assert_string_equal(dt_signame(6), "SIGABRT");
    assert_string_equal(dt_signame(17), "SIGCHLD");
    assert_string_equal(dt_signame(29), "SIGPOLL");
    assert_string_equal(dt_signame(34), "SIGRTMIN");
    assert_string_equal(dt_signame(64), "SIGRTMAX");
    assert_null(dt_signame(0));
    assert_null(dt_signame(32));
    assert_null(dt_signame(65));
    assert_null(dt_signame(-1));
}

static void test_directories(void **state)
{
    (void)state;
    struct err e;
    char *out = NULL;
    assert_int_equal(dt_existing_directory("/tmp", &out, &e), 0);
    assert_string_equal(out, "/tmp");
    free(out);
    assert_int_equal(dt_existing_directory("/nonexistent", &out, &e), -1);
    assert_string_equal(e.msg, "/nonexistent is not an existing directory");
    assert_int_equal(dt_existing_directory("/etc/passwd", &out, &e), -1);

    setenv("HOME", "/tmp//", 1);
    assert_int_equal(dt_existing_directory("~", &out, &e), 0);
    assert_string_equal(out, "/tmp");
    free(out);
    assert_int_equal(dt_existing_dirpath("~/x.log", &out, &e), 0);
    assert_string_equal(out, "/tmp/x.log");
    free(out);
    assert_int_equal(dt_existing_dirpath("x.log", &out, &e), 0);
    assert_string_equal(out, "x.log");
    free(out);
    assert_int_equal(dt_existing_dirpath("/tmp///x.log", &out, &e), 0);
    free(out);
    assert_int_equal(dt_existing_dirpath("/nonexist/x.log", &out, &e), -1);
    assert_string_equal(e.msg, "The directory named as part of the path /nonexist/x.log does not exist");
    assert_int_equal(dt_existing_dirpath("~nosuchuser_zz/x", &out, &e), -1);
    assert_string_equal(e.msg,
                        "The directory named as part of the path ~nosuchuser_zz/x does not exist");
    assert_int_equal(dt_existing_directory("~root", &out, &e), 0);
    free(out);
}

static void test_logfile_name(void **state)
{
    (void)state;
    struct err e;
    enum logfile_kind k;
    char *p;
    assert_int_equal(dt_logfile_name("NONE", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_NONE);
    assert_int_equal(dt_logfile_name("off", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_NONE);
    assert_int_equal(dt_logfile_name("", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_NONE);
    assert_int_equal(dt_logfile_name("Auto", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_AUTO);
    assert_null(p);
    assert_int_equal(dt_logfile_name("syslog", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_SYSLOG);
    assert_int_equal(dt_logfile_name("/tmp/a.log", &k, &p, &e), 0);
    assert_int_equal(k, LOGFILE_PATH);
    assert_string_equal(p, "/tmp/a.log");
    free(p);
    assert_int_equal(dt_logfile_name("/nonexist/a.log", &k, &p, &e), -1);
}

static void test_users(void **state)
{
    (void)state;
    struct err e;
    uid_t uid;
    gid_t gid;
    assert_int_equal(dt_name_to_uid("root", &uid, &gid, &e), 0);
    assert_int_equal(uid, 0);
    assert_int_equal(gid, 0);
    assert_int_equal(dt_name_to_uid("0", &uid, &gid, &e), 0);
    assert_int_equal(uid, 0);
    assert_int_equal(dt_name_to_uid("nosuchuser_zz", &uid, &gid, &e), -1);
    assert_string_equal(e.msg, "Invalid user name nosuchuser_zz");
    assert_int_equal(dt_name_to_uid("99999", &uid, &gid, &e), -1);
    assert_string_equal(e.msg, "Invalid user id 99999");
    assert_int_equal(dt_name_to_uid("-1", &uid, &gid, &e), -1);
    assert_string_equal(e.msg, "Invalid user id -1");
    assert_int_equal(dt_user_group("root", &uid, &gid, &e), 0);
    assert_int_equal(gid, (gid_t)-1);
    assert_int_equal(dt_user_group("root:root", &uid, &gid, &e), 0);
    assert_int_equal(gid, 0);
    assert_int_equal(dt_user_group("root:0", &uid, &gid, &e), 0);
    assert_int_equal(dt_user_group("root:nosuchgroup_zz", &uid, &gid, &e), -1);
    assert_string_equal(e.msg, "Invalid user:group definition root:nosuchgroup_zz");
    assert_int_equal(dt_user_group("x", &uid, &gid, &e), -1);
    assert_string_equal(e.msg, "Invalid user:group definition x");
}

static void test_kvlist(void **state)
{
    (void)state;
    struct kvlist a, b;
    kvlist_init(&a);
    kvlist_init(&b);
    kvlist_set(&a, "x", "1");
    kvlist_set(&a, "y", "2");
    kvlist_set(&a, "x", "3");
    assert_int_equal(a.n, 2);
    assert_string_equal(a.v[0].key, "x");
    assert_string_equal(kvlist_get(&a, "x"), "3");
    assert_null(kvlist_get(&a, "z"));
    kvlist_set(&b, "y", "2");
    kvlist_set(&b, "x", "3");
    assert_true(kvlist_equal(&a, &b)); /* order does not matter */
    kvlist_set(&b, "x", "4");
    assert_false(kvlist_equal(&a, &b));
    kvlist_del(&b, "x");
    kvlist_del(&b, "nope");
    assert_int_equal(b.n, 1);
    assert_false(kvlist_equal(&a, &b));
    struct kvlist c;
    kvlist_init(&c);
    kvlist_copy(&c, &a);
    assert_true(kvlist_equal(&a, &c));
    kvlist_release(&a);
    kvlist_release(&b);
    kvlist_release(&c);
}

static void test_pyrepr(void **state)
{
    (void)state;
    char *r = dt_pyrepr("it's");
    assert_string_equal(r, "\"it's\"");
    free(r);
    r = dt_pyrepr("a\nb");
    assert_string_equal(r, "'a\\nb'");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_table),      cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_env_kept_with_warning), cmocka_unit_test(test_env_errors_and_edges),
        cmocka_unit_test(test_signame),           cmocka_unit_test(test_directories),
        cmocka_unit_test(test_logfile_name),      cmocka_unit_test(test_users),
        cmocka_unit_test(test_kvlist),            cmocka_unit_test(test_pyrepr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
