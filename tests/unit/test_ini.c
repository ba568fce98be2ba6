/* Unit tests for ini: a case table produced by Python's RawConfigParser
 * (inline_comment_prefixes=(';','#'), strict=False) plus merge, [DEFAULT],
 * rollback, UTF-8 chunk positions and repr(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "ini.h"
#include "xalloc.h"

static void dump_section(struct buf *b, const struct ini_section *s)
{
    buf_printf(b, "[%s]\n", s->name);
    for (size_t i = 0; i < s->n; i++) {
        char *r = ini_pyrepr(s->entries[i].value, strlen(s->entries[i].value));
        buf_printf(b, "%s=%s\n", s->entries[i].key, r);
        free(r);
    }
}

/* Parse text as file "t.ini" and render it the way the generator did. */
static char *parse_dump(const char *text, size_t len)
{
    struct ini ini;
    struct err e;
    ini_init(&ini);
    err_clear(&e);
    struct buf b;
    buf_init(&b);
    if (ini_read_string(&ini, text, len, "t.ini", &e) < 0) {
        assert_int_equal(e.code, ERR_CONFIG);
        buf_printf(&b, "ERR:%s", e.msg);
    } else {
        if (ini.defaults && ini.defaults->n)
            dump_section(&b, ini.defaults);
        for (size_t i = 0; i < ini.n; i++)
            dump_section(&b, ini.sections[i]);
    }
    ini_release(&ini);
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

static const struct {
    const char *in;
    size_t len;
    const char *want;
} cases[] = {
    {"[a]\nx=1\n", 8,
     "[a]\nx='1'\n"},
    {"[a]\nx = 1\ny: 2\nz : 3\n", 21,
     "[a]\nx='1'\ny='2'\nz='3'\n"},
    {"[a]\nCOMMAND=/bin/cat\n", 21,
     "[a]\ncommand='/bin/cat'\n"},
    {"[a]\nx=a;b\n", 10,
     "[a]\nx='a;b'\n"},
    {"[a]\nx=b ;c\n", 11,
     "[a]\nx='b'\n"},
    {"[a]\nx=x#y\n", 10,
     "[a]\nx='x#y'\n"},
    {"[a]\nx=x\t#y\n", 11,
     "[a]\nx='x'\n"},
    {"[a]\nx=a;b ;c #d\n", 16,
     "[a]\nx='a;b ;c'\n"},
    {"[a]\nx=a#b ;c\n", 13,
     "[a]\nx='a#b'\n"},
    {"[a]\ncommand=sh -c 'a ; b'\n", 26,
     "[a]\ncommand=\"sh -c 'a\"\n"},
    {"[a]\nx=;c\n", 9,
     "[a]\nx=';c'\n"},
    {"[a]\ncommand=/bin/echo\n  a\n\n  b\n", 31,
     "[a]\ncommand='/bin/echo\\na\\n\\nb'\n"},
    {"[a]\nx = a\n  b\n\n  c\n\n\n", 21,
     "[a]\nx='a\\nb\\n\\nc'\n"},
    {"[a]\nx =\n  b\n", 12,
     "[a]\nx='\\nb'\n"},
    {"[a]\nx=1\n  ; comment\n  2\n", 24,
     "[a]\nx='1\\n2'\n"},
    {"[a]\nx=1\n  #c\n\n  2\n", 18,
     "[a]\nx='1\\n\\n2'\n"},
    {"[program:a] junk\nx=1\n", 21,
     "[program:a]\nx='1'\n"},
    {"[Program:a]\nx=1\n", 16,
     "[Program:a]\nx='1'\n"},
    {"[ program:a ]\nx=1\n", 18,
     "[ program:a ]\nx='1'\n"},
    {"[a;b]\nx=1\n", 10,
     "[a;b]\nx='1'\n"},
    {"[a #b]\nx=1\n", 11,
     "ERR:File contains no section headers.\nfile: 't.ini', line: 1\n'[a #b]\\n'"},
    {"[a]]\nx=1\n", 9,
     "[a]]\nx='1'\n"},
    {"[]\n", 3,
     "ERR:File contains no section headers.\nfile: 't.ini', line: 1\n'[]\\n'"},
    {"[a]\n[]\n", 7,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  2]: '[]\\n'"},
    {"[a]\nfoo\n", 8,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  2]: 'foo\\n'"},
    {"[a]\n=foo\n", 9,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  2]: '=foo\\n'"},
    {"[a]\nx=1\nbad\nfoo\n=x\n", 19,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  3]: 'bad\\n'\n\t[line  4]: 'foo\\n'\n\t[line  5]: '=x\\n'"},
    {"[a]\nx=1\nbad\n  more\n", 19,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  3]: 'bad\\n'"},
    {"x=1\n[a]\n", 8,
     "ERR:File contains no section headers.\nfile: 't.ini', line: 1\n'x=1\\n'"},
    {"; c\n# d\n\n[a]\nx=1\n", 17,
     "[a]\nx='1'\n"},
    {"  [a]\nx=1\n", 10,
     "[a]\nx='1'\n"},
    {"[a]\nx=1\n[b]\ny=2\n[a]\nz=3\nx=4\n", 28,
     "[a]\nx='4'\nz='3'\n[b]\ny='2'\n"},
    {"[a]\nx=1\nx=2\n", 12,
     "[a]\nx='2'\n"},
    {"[DEFAULT]\nautostart=false\n[a]\nx=1\n", 34,
     "[DEFAULT]\nautostart='false'\n[a]\nx='1'\n"},
    {"[a]\nx=\"q\"\n", 10,
     "[a]\nx='\"q\"'\n"},
    {"[a]\r\nx=1\r\ny=2\r\n", 15,
     "[a]\nx='1'\ny='2'\n"},
    {"[a]\nx=1", 7,
     "[a]\nx='1'\n"},
    {"[a]\nx=\xc3""\xa9""\n", 9,
     "[a]\nx='\xc3""\xa9""'\n"},
    {"[a]\nx=1\n\xff""\n", 10,
     "ERR:'utf-8' codec can't decode byte 0xff in position 8: invalid start byte"},
    {"[a]\nx=\xe2""\x82""", 8,
     "ERR:'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"},
    {"\xef""\xbb""\xbf""[a]\nx=1\n", 11,
     "ERR:File contains no section headers.\nfile: 't.ini', line: 1\n'\\ufeff[a]\\n'"},
    {"[a]\n\xc2""\xa0"" x=1\n", 11,
     "[a]\nx='1'\n"},
    {"[a]\nx=1\n\xc2""\xa0"" y=2\n", 15,
     "[a]\nx='1\\ny=2'\n"},
    {"[a]\nx=1\xc2""\xa0""#c\n", 12,
     "[a]\nx='1'\n"},
    {"[a]\nx=1\x0b""#c\n", 11,
     "[a]\nx='1'\n"},
    {"[a]\nx=1\x1c""#c\n", 11,
     "[a]\nx='1'\n"},
    {"[a]\nK\xe2""\x84""\xaa""Y=1\n", 12,
     "[a]\nkky='1'\n"},
    {"[a]\nx=1\n\t\ty=2\n", 14,
     "[a]\nx='1\\ny=2'\n"},
    {"[a]\n  x=1\n y=2\n", 15,
     "[a]\nx='1'\ny='2'\n"},
    {"[a]\nx = 1 = 2\n", 14,
     "[a]\nx='1 = 2'\n"},
    {"[a]\nx : a=b\n", 12,
     "[a]\nx='a=b'\n"},
    {"[a]\nx\t=\t1\t\n", 11,
     "[a]\nx='1'\n"},
    {"", 0,
     ""},
    {"\n\n", 2,
     ""},
    {"[a]\n x\n", 7,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  2]: ' x\\n'"},
    {"[a]\nx=1\n[b]\n  y\n", 16,
     "ERR:Source contains parsing errors: 't.ini'\n\t[line  4]: '  y\\n'"},
    {"[a]\n;only\n", 10,
     "[a]\n"},
    {"[a]\nx=\n", 7,
     "[a]\nx=''\n"},
    {"[a]\nx=1\n  \n", 11,
     "[a]\nx='1'\n"},
    {"[DEFAULT]\n", 10,
     ""},
    {"[a]\nx=[b]\n  [c]\n", 16,
     "[a]\nx='[b]\\n[c]'\n"},
    {"[a]\nx=1 \\\n  2\n", 14,
     "[a]\nx='1 \\\\\\n2'\n"},
    {"#x\n[a]\n", 7,
     "[a]\n"},
    {"[a]\nx=1\n\n[b]\n", 13,
     "[a]\nx='1'\n[b]\n"},
    {"[a]\n\x0c""\nx=1\n", 10,
     "[a]\nx='1'\n"},
};

static void test_python_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = parse_dump(cases[i].in, cases[i].len);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: %s\nwant: %s\ngot:  %s", i, cases[i].in, cases[i].want, got);
        free(got);
    }
}

static char *big_text(const char *head, size_t fill, const char *tail, size_t *len)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *t = xmalloc(hl + fill + tl + 1);
    memcpy(t, head, hl);
    memset(t + hl, 'a', fill);
    memcpy(t + hl + fill, tail, tl + 1);
    *len = hl + fill + tl;
    return t;
}

static void check_big(const char *head, size_t fill, const char *tail, const char *want)
{
    size_t len;
    char *t = big_text(head, fill, tail, &len);
    char *got = parse_dump(t, len);
    assert_string_equal(got, want);
    free(got);
    free(t);
}

/* Python decodes in 8192-byte chunks: positions are chunk-relative. */
static void test_utf8_chunks(void **state)
{
    (void)state;
    check_big("[s]\nk=", 8186, "\n[t]\nx=\xff\n",
              "ERR:'utf-8' codec can't decode byte 0xff in position 7: invalid start byte");
    check_big("[s]\nk=", 8184, "\xe2\x82x\n",
              "ERR:'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte");
    check_big("[s]\nk=", 9000, "\xff\n",
              "ERR:'utf-8' codec can't decode byte 0xff in position 814: invalid start byte");
    check_big("[s]\nk=", 8185, "\r\xff",
              "ERR:'utf-8' codec can't decode byte 0xff in position 0: invalid start byte");
    /* the missing header on line 1 is seen before the bad chunk is decoded */
    check_big("x\n", 9000, "\xff\n",
              "ERR:File contains no section headers.\nfile: 't.ini', line: 1\n'x\\n'");
}

static void test_merge_and_prev(void **state)
{
    (void)state;
    struct ini ini;
    struct err e;
    ini_init(&ini);
    const char *a = "[program:x]\ncommand=/bin/a\nautostart=true\n[supervisord]\n";
    const char *b = "[program:x]\ncommand=/bin/b\n[program:y]\ncommand=c\n";
    assert_int_equal(ini_read_string(&ini, a, strlen(a), "a.conf", &e), 0);
    assert_int_equal(ini_read_string(&ini, b, strlen(b), "b.conf", &e), 0);
    assert_int_equal(ini.n, 3);
    struct ini_section *x = ini_section(&ini, "program:x");
    assert_non_null(x);
    assert_string_equal(x->file, "a.conf");
    assert_int_equal(x->line, 1);
    const struct ini_entry *c = ini_get(&ini, x, "command");
    assert_string_equal(c->value, "/bin/b");
    assert_string_equal(c->file, "b.conf");
    assert_int_equal(c->line, 2);
    assert_string_equal(c->prev_file, "a.conf");
    assert_int_equal(c->prev_line, 2);
    const struct ini_entry *as = ini_get(&ini, x, "autostart");
    assert_null(as->prev_file);
    /* first-seen order survives the override */
    assert_string_equal(x->entries[0].key, "command");
    assert_string_equal(ini.sections[2]->name, "program:y");
    assert_string_equal(ini.sections[2]->file, "b.conf");
    assert_null(ini_section(&ini, "program:z"));
    assert_null(ini_section(&ini, "Program:x"));
    ini_release(&ini);
}

static void test_defaults(void **state)
{
    (void)state;
    struct ini ini;
    struct err e;
    ini_init(&ini);
    const char *t = "[DEFAULT]\nautostart=false\nx=d\n[program:a]\nx=own\n";
    assert_int_equal(ini_read_string(&ini, t, strlen(t), "t", &e), 0);
    assert_int_equal(ini.n, 1); /* DEFAULT is not a section of its own */
    assert_non_null(ini.defaults);
    struct ini_section *a = ini_section(&ini, "program:a");
    assert_string_equal(ini_value(&ini, a, "autostart"), "false");
    assert_string_equal(ini_value(&ini, a, "x"), "own");
    assert_null(ini_value(&ini, a, "nope"));
    assert_null(ini_section(&ini, "DEFAULT"));
    ini_release(&ini);
}

static void test_failed_file_leaves_ini(void **state)
{
    (void)state;
    struct ini ini;
    struct err e;
    ini_init(&ini);
    const char *a = "[a]\nx=1\n";
    const char *bad = "[a]\nx=2\n[b]\ny=1\nbroken\n";
    assert_int_equal(ini_read_string(&ini, a, strlen(a), "a", &e), 0);
    assert_int_equal(ini_read_string(&ini, bad, strlen(bad), "bad", &e), -1);
    assert_string_equal(e.msg, "Source contains parsing errors: 'bad'\n\t[line  5]: 'broken\\n'");
    assert_int_equal(ini.n, 1);
    assert_string_equal(ini_value(&ini, ini_section(&ini, "a"), "x"), "1");
    ini_release(&ini);
}

static void test_read_file(void **state)
{
    (void)state;
    struct ini ini;
    struct err e;
    ini_init(&ini);
    assert_int_equal(ini_read_file(&ini, "/nonexistent/x.conf", &e), -1);
    assert_string_equal(e.msg, "could not read config file /nonexistent/x.conf");
    assert_int_equal(ini_read_file(&ini, "/", &e), -1);
    assert_string_equal(e.msg, "could not read config file /");

    char path[] = "/tmp/test_ini_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *t = "[supervisord]\nlogfile = /tmp/x.log ; the log\n";
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    assert_int_equal(ini_read_file(&ini, path, &e), 0);
    const struct ini_entry *en = ini_get(&ini, ini_section(&ini, "supervisord"), "logfile");
    assert_string_equal(en->value, "/tmp/x.log");
    assert_string_equal(en->file, path);
    assert_int_equal(en->line, 2);
    unlink(path);
    ini_release(&ini);
}

/* A file that never ends or never comes: an error at once, not a hang. */
static void test_read_special_files(void **state)
{
    (void)state;
    struct ini ini;
    struct err e;
    ini_init(&ini);
    char dir[] = "/tmp/test_ini_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(ini_read_file(&ini, fifo, &e), 0); /* no writer: empty */
    int w = open(fifo, O_RDWR); /* a writer that never writes */
    assert_true(w >= 0);
    assert_int_equal(ini_read_file(&ini, fifo, &e), -1);
    char want[96];
    snprintf(want, sizeof want, "could not read config file %s", fifo);
    assert_string_equal(e.msg, want);
    close(w);
    unlink(fifo);
    rmdir(dir);

    assert_int_equal(ini_read_file(&ini, "/dev/zero", &e), -1);
    assert_string_equal(e.msg, "could not read config file /dev/zero: larger than 16 MiB");
    assert_int_equal(ini_read_file(&ini, "/dev/null", &e), 0); /* empty is fine */
    ini_release(&ini);
}

static void test_long_lines(void **state)
{
    (void)state;
    size_t len;
    char *t = big_text("[a]\nk=", 200000, "\n", &len);
    struct ini ini;
    struct err e;
    ini_init(&ini);
    assert_int_equal(ini_read_string(&ini, t, len, "t", &e), 0);
    assert_int_equal(strlen(ini_value(&ini, ini.sections[0], "k")), 200000);
    ini_release(&ini);
    free(t);
}

static void check_repr(const char *in, const char *want)
{
    char *r = ini_pyrepr(in, strlen(in));
    assert_string_equal(r, want);
    free(r);
}

/* Expected texts from Python's repr(). */
static void test_pyrepr(void **state)
{
    (void)state;
    check_repr("abc", "'abc'");
    check_repr("it's", "\"it's\"");
    check_repr("say \"hi\"", "'say \"hi\"'");
    check_repr("both ' and \"", "'both \\' and \"'");
    check_repr("tab\there\n\r", "'tab\\there\\n\\r'");
    check_repr("\\", "'\\\\'");
    check_repr("\x01\x7f\x1b", "'\\x01\\x7f\\x1b'");
    check_repr("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", "'\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e'");
    check_repr("\xc2\xa0\xc2\xad\xe2\x80\x8b\xe2\x80\xa8\xef\xbb\xbf",
               "'\\xa0\\xad\\u200b\\u2028\\ufeff'");
    check_repr("\xee\x80\x80", "'\\ue000'");
    check_repr("\xf3\xa0\x80\x81", "'\\U000e0001'");
    check_repr("\xc2\x85\xc2\x9f", "'\\x85\\x9f'");
    check_repr("a\xff" "b", "'a\\udcffb'"); /* surrogateescape */
    check_repr("", "''");
}

static void test_text_helpers(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(ini_utf8_char("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(ini_utf8_char("\xc3", 1, &cp), 0);
    assert_int_equal(ini_utf8_char("\xc0\x80", 2, &cp), 0);     /* overlong */
    assert_int_equal(ini_utf8_char("\xed\xa0\x80", 3, &cp), 0); /* surrogate */
    assert_int_equal(ini_utf8_char("\xf4\x90\x80\x80", 4, &cp), 0);
    assert_true(ini_py_isspace(0x1c));
    assert_true(ini_py_isspace(0x3000));
    assert_false(ini_py_isspace(0x200b));
    assert_int_equal(ini_py_lspace(" \t\xc2\xa0x ", 6), 4);
    assert_int_equal(ini_py_rstrip("x \xe3\x80\x80", 5), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_table),  cmocka_unit_test(test_utf8_chunks),
        cmocka_unit_test(test_merge_and_prev), cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_failed_file_leaves_ini), cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_read_special_files), cmocka_unit_test(test_long_lines),    cmocka_unit_test(test_pyrepr),
        cmocka_unit_test(test_text_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
