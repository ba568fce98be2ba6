/* Unit tests for expand: Python "s % dict" results and error texts taken
 * from running Supervisor's options.expand(), plus the vars container. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "expand.h"

static void std_vars(struct expand_vars *vs)
{
    expand_vars_init(vs);
    expand_vars_set_str(vs, "a", "xy");
    expand_vars_set_int(vs, "n", -3);
    expand_vars_set_int(vs, "p", 5);
    expand_vars_set_int(vs, "z", 0);
    expand_vars_set_str(vs, "q", "it's");
    expand_vars_set_str(vs, "u", "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
    expand_vars_set_int(vs, "big", 4611686018427387904LL);
    expand_vars_set_str(vs, "c", "\xc3\xa9");
}

static const struct {
    const char *fmt;
    const char *want; /* "OK:<result>" or "ERR:<message>" */
} cases[] = {
    {"plain", "OK:plain"},
    {"", "OK:"},
    {"%%", "OK:%"},
    {"50%", "ERR:Format string '50%' for 'prog.opt' is badly formatted: incomplete format"},
    {"%z", "ERR:Format string '%z' for 'prog.opt' is badly formatted: unsupported format character 'z' (0x7a) at index 1"},
    {"%(a)s", "OK:xy"},
    {"%(a)d", "ERR:Format string '%(a)d' for 'prog.opt' is badly formatted: %d format: a real number is required, not str"},
    {"%(p)02d", "OK:05"},
    {"%(p)d", "OK:5"},
    {"%(n)05d", "OK:-0003"},
    {"%(p)+05d", "OK:+0005"},
    {"%(p) d", "OK: 5"},
    {"%(p)-5d|", "OK:5    |"},
    {"%(p).3d", "OK:005"},
    {"%(n)+.3d", "OK:-003"},
    {"%(p)#x", "OK:0x5"},
    {"%(p)#010x", "OK:0x00000005"},
    {"%(p)#-10x|", "OK:0x5       |"},
    {"%(n)#010o", "OK:-0o0000003"},
    {"%(a)5r", "OK: 'xy'"},
    {"%(a).1r", "OK:'"},
    {"%(a)-5s|", "OK:xy   |"},
    {"%(p)05.3d", "OK:00005"},
    {"%(n)5.3d", "OK: -003"},
    {"%(a)%", "ERR:Format string '%(a)%' for 'prog.opt' is badly formatted: unsupported format character '%' (0x25) at index 4"},
    {"%5%", "ERR:Format string '%5%' for 'prog.opt' is badly formatted: unsupported format character '%' (0x25) at index 2"},
    {"%(p)c", "OK:\x05"""},
    {"%(a)c", "ERR:Format string '%(a)c' for 'prog.opt' is badly formatted: %c requires int or char"},
    {"%(c)c", "OK:\xc3""\xa9"""},
    {"%(p)f", "OK:5.000000"},
    {"%(a)f", "ERR:Format string '%(a)f' for 'prog.opt' is badly formatted: must be real number, not str"},
    {"%(a)x", "ERR:Format string '%(a)x' for 'prog.opt' is badly formatted: %x format: an integer is required, not str"},
    {"%(p)e", "OK:5.000000e+00"},
    {"%(p)#g", "OK:5.00000"},
    {"%(p)*d", "ERR:Format string '%(p)*d' for 'prog.opt' is badly formatted: not enough arguments for format string"},
    {"%s%s", "ERR:Format string '%s%s' for 'prog.opt' is badly formatted: not enough arguments for format string"},
    {"%(a)s%s", "ERR:Format string '%(a)s%s' for 'prog.opt' is badly formatted: not enough arguments for format string"},
    {"%*d", "ERR:Format string '%*d' for 'prog.opt' is badly formatted: * wants int"},
    {"%(p)ld", "OK:5"},
    {"%(p)hs", "OK:5"},
    {"%(p) 05d", "OK: 0005"},
    {"%-05d", "ERR:Format string '%-05d' for 'prog.opt' is badly formatted: %d format: a real number is required, not dict"},
    {"%(p)-05d", "OK:5    "},
    {"%(p)u", "OK:5"},
    {"%(p)a", "OK:5"},
    {"%(u)a", "OK:'\\xe9\\u20ac\\U0001d11e'"},
    {"%(p)z", "ERR:Format string '%(p)z' for 'prog.opt' is badly formatted: unsupported format character 'z' (0x7a) at index 4"},
    {"%(p)\xc3""\xa9""", "ERR:Format string '%(p)\xc3""\xa9""' for 'prog.opt' is badly formatted: unsupported format character '?' (0xe9) at index 4"},
    {"%(p)\x01""", "ERR:Format string '%(p)\\x01' for 'prog.opt' is badly formatted: unsupported format character '?' (0x1) at index 4"},
    {"%(a(b)c)s", "ERR:Format string '%(a(b)c)s' for 'prog.opt' contains names ('a(b)c') which cannot be expanded. Available names: a, big, c, n, p, q, u, z"},
    {"%(a", "ERR:Format string '%(a' for 'prog.opt' is badly formatted: incomplete format key"},
    {"%(a)", "ERR:Format string '%(a)' for 'prog.opt' is badly formatted: incomplete format"},
    {"%(p)5", "ERR:Format string '%(p)5' for 'prog.opt' is badly formatted: incomplete format"},
    {"%(p).", "ERR:Format string '%(p).' for 'prog.opt' is badly formatted: incomplete format"},
    {"%(p)5.", "ERR:Format string '%(p)5.' for 'prog.opt' is badly formatted: incomplete format"},
    {"%", "ERR:Format string '%' for 'prog.opt' is badly formatted: incomplete format"},
    {"%(a)10.3s|", "OK:        xy|"},
    {"%(n)x", "OK:-3"},
    {"%(n)#X", "OK:-0X3"},
    {"%(p)#o", "OK:0o5"},
    {"%(z)#x", "OK:0x0"},
    {"%(p)+s", "OK:5"},
    {"%( a)s", "ERR:Format string '%( a)s' for 'prog.opt' contains names (' a') which cannot be expanded. Available names: a, big, c, n, p, q, u, z"},
    {"%()s", "ERR:Format string '%()s' for 'prog.opt' contains names ('') which cannot be expanded. Available names: a, big, c, n, p, q, u, z"},
    {"%(p)0005d", "OK:00005"},
    {"%(p)i", "OK:5"},
    {"%(u).2s|", "OK:\xc3""\xa9""\xe2""\x82""\xac""|"},
    {"%(u)5s|", "OK:  \xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9d""\x84""\x9e""|"},
    {"%(big)d", "OK:4611686018427387904"},
    {"%(big)e", "OK:4.611686e+18"},
    {"%(q)r", "OK:\"it's\""},
    {"%(q)s", "OK:it's"},
    {"%(x)s", "ERR:Format string '%(x)s' for 'prog.opt' contains names ('x') which cannot be expanded. Available names: a, big, c, n, p, q, u, z"},
    {"%(a)s %(x)s", "ERR:Format string '%(a)s %(x)s' for 'prog.opt' contains names ('x') which cannot be expanded. Available names: a, big, c, n, p, q, u, z"},
    {"%(a)d %(x)s", "ERR:Format string '%(a)d %(x)s' for 'prog.opt' is badly formatted: %d format: a real number is required, not str"},
    {"a%(a)s%%b%(p)03d", "OK:axy%b005"},
    {"%(a)s%z", "ERR:Format string '%(a)s%z' for 'prog.opt' is badly formatted: not enough arguments for format string"},
    {"%(p)99999999999999999999d", "ERR:Format string '%(p)99999999999999999999d' for 'prog.opt' is badly formatted: width too big"},
    {"%(p)#.5x", "OK:0x00005"},
    /* our caps (Python would allocate): 1 MiB a field, 16 MiB a value */
    {"%(p)1048577d", "ERR:Format string '%(p)1048577d' for 'prog.opt' is badly formatted: width too big"},
    {"%(p).1048577d", "ERR:Format string '%(p).1048577d' for 'prog.opt' is badly formatted: precision too big"},
    {"%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d"
     "%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d"
     "%(p)1048576d",
     "ERR:Format string '%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d"
     "%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d%(p)1048576d"
     "%(p)1048576d' for 'prog.opt' is badly formatted: expanded value too large"},
    {"\xc3""\xa9""%(a)s\xe2""\x82""\xac""", "OK:\xc3""\xa9""xy\xe2""\x82""\xac"""},
    {"\xc3""\xa9""%z", "ERR:Format string '\xc3""\xa9""%z' for 'prog.opt' is badly formatted: unsupported format character 'z' (0x7a) at index 2"},
    {"%(p)-+05d", "OK:+5   "},
    {"%(p)E", "OK:5.000000E+00"},
    {"%(p)F", "OK:5.000000"},
    {"%(p)G", "OK:5"},
    {"%(n)X", "OK:-3"},
    {"%(big)x", "OK:4000000000000000"},
    {"%(p).*d", "ERR:Format string '%(p).*d' for 'prog.opt' is badly formatted: not enough arguments for format string"},
    {"%(p).0d", "OK:5"},
    {"%(z).0d", "OK:0"},
    {"%(p)0s", "OK:5"},
    {"%(p)#5o|", "OK:  0o5|"},
};

static void test_python_table(void **state)
{
    (void)state;
    struct expand_vars vs;
    std_vars(&vs);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct err e;
        err_clear(&e);
        char *r = expand(cases[i].fmt, &vs, "prog.opt", &e);
        char got[8300];
        if (r)
            snprintf(got, sizeof got, "OK:%s", r);
        else
            snprintf(got, sizeof got, "ERR:%s", e.msg);
        if (!r)
            assert_int_equal(e.code, ERR_CONFIG);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu '%s'\nwant: %s\ngot:  %s", i, cases[i].fmt, cases[i].want, got);
        free(r);
    }
    expand_vars_release(&vs);
}

static void test_bare_s_is_dict_repr(void **state)
{
    (void)state;
    struct expand_vars vs;
    expand_vars_init(&vs);
    expand_vars_set_str(&vs, "ENV_HOME", "/root");
    expand_vars_set_int(&vs, "process_num", 0);
    expand_vars_set_str(&vs, "q", "it's");
    struct err e;
    char *r = expand("printf %s", &vs, "command", &e);
    assert_string_equal(r, "printf {'ENV_HOME': '/root', 'process_num': 0, 'q': \"it's\"}");
    free(r);
    expand_vars_release(&vs);
}

static void test_missing_name_lists_sorted(void **state)
{
    (void)state;
    struct expand_vars vs;
    expand_vars_init(&vs);
    expand_vars_set_str(&vs, "b", "1");
    expand_vars_set_str(&vs, "a", "2");
    expand_vars_set_str(&vs, "ENV_Z", "3");
    expand_vars_set_str(&vs, "program_name", "x");
    struct err e;
    assert_null(expand("%(nope)s", &vs, "program:x.command", &e));
    assert_string_equal(e.msg, "Format string '%(nope)s' for 'program:x.command' contains names "
                               "('nope') which cannot be expanded. Available names: ENV_Z, a, b, "
                               "program_name");
    expand_vars_release(&vs);
}

static void test_vars_replace_keeps_position(void **state)
{
    (void)state;
    struct expand_vars vs, copy;
    expand_vars_init(&vs);
    expand_vars_set_str(&vs, "x", "1");
    expand_vars_set_int(&vs, "y", 2);
    expand_vars_set_int(&vs, "x", 7); /* str -> int in place */
    assert_int_equal(vs.n, 2);
    assert_string_equal(vs.v[0].name, "x");
    assert_int_equal(expand_vars_get(&vs, "x")->type, EXPAND_INT);
    assert_int_equal(expand_vars_get(&vs, "x")->i, 7);
    assert_null(expand_vars_get(&vs, "nope"));
    expand_vars_init(&copy);
    expand_vars_copy(&copy, &vs);
    expand_vars_set_str(&copy, "y", "changed");
    assert_int_equal(expand_vars_get(&vs, "y")->type, EXPAND_INT);
    struct err e;
    char *r = expand("%(x)03d-%(y)s", &copy, "t", &e);
    assert_string_equal(r, "007-changed");
    free(r);
    expand_vars_release(&copy);
    expand_vars_release(&vs);
}

static void test_add_environ(void **state)
{
    (void)state;
    char *env[] = {(char *)"HOME=/root", (char *)"NOEQUALS", (char *)"A=1=2", (char *)"HOME=/x",
                   (char *)"EMPTY=", NULL};
    struct expand_vars vs;
    expand_vars_init(&vs);
    expand_vars_set_str(&vs, "ENV_A", "old");
    expand_vars_add_environ(&vs, env);
    assert_string_equal(expand_vars_get(&vs, "ENV_HOME")->s, "/root"); /* first wins */
    assert_string_equal(expand_vars_get(&vs, "ENV_A")->s, "1=2");      /* replaces older */
    assert_string_equal(expand_vars_get(&vs, "ENV_EMPTY")->s, "");
    assert_null(expand_vars_get(&vs, "ENV_NOEQUALS"));
    assert_int_equal(vs.n, 3);
    expand_vars_release(&vs);
}

static void test_long_values(void **state)
{
    (void)state;
    struct expand_vars vs;
    expand_vars_init(&vs);
    char *big = malloc(100001);
    memset(big, 'v', 100000);
    big[100000] = '\0';
    expand_vars_set_str(&vs, "big", big);
    struct err e;
    char *r = expand("<%(big)s>", &vs, "t", &e);
    assert_int_equal(strlen(r), 100002);
    free(r);
    free(big);
    expand_vars_release(&vs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_table),
        cmocka_unit_test(test_bare_s_is_dict_repr),
        cmocka_unit_test(test_missing_name_lists_sorted),
        cmocka_unit_test(test_vars_replace_keeps_position),
        cmocka_unit_test(test_add_environ),
        cmocka_unit_test(test_long_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
