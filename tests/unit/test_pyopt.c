/* pyopt: Python getopt's rules, item by item and its error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pyopt.h"

/* argv strings are writable in C; the literals here are not written */
#define W(s) ((char *)(uintptr_t)(s))

enum { H, C, N, NC, V };

static const struct pyopt opts[] = {
    {'h', "help", false, H},     {'c', "configuration", true, C}, {'n', "nodaemon", false, N},
    {0, "nocleanup", false, NC}, {'v', "version", false, V},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static int parse(char **argv, struct pyopt_item **items, size_t *n, struct err *e)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return pyopt_parse(opts, NOPTS, argc, argv, items, n, e);
}

static void test_forms(void **state)
{
    (void)state;
    char *argv[] = {W("prog"), W("-nc"), W("a.conf"), W("--conf=b"), W("--nod"),
                    W("-cx"),  W("--"),  W("-v"),     W("rest"),     NULL};
    struct pyopt_item *it;
    size_t n;
    struct err e;
    int i = parse(argv, &it, &n, &e);
    assert_int_equal(i, 7); /* "-v" after "--" is positional */
    assert_int_equal(n, 5);
    assert_int_equal(it[0].o->id, N);
    assert_string_equal(it[0].given, "-n");
    assert_null(it[0].arg);
    assert_int_equal(it[1].o->id, C);
    assert_string_equal(it[1].arg, "a.conf");
    assert_string_equal(it[2].given, "--configuration"); /* the full name, as getopt gives */
    assert_string_equal(it[2].arg, "b");
    assert_int_equal(it[3].o->id, N);
    assert_string_equal(it[4].arg, "x");
    free(it);

    char *stop[] = {W("prog"), W("-n"), W("file"), W("-v"),
                    NULL}; /* stops at the first non-option */
    assert_int_equal(parse(stop, &it, &n, &e), 2);
    assert_int_equal(n, 1);
    free(it);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        char *args[4];
        const char *msg;
    } cases[] = {
        {{W("-x")}, "option -x not recognized"},
        {{W("--bogus")}, "option --bogus not recognized"},
        {{W("--no")}, "option --no not a unique prefix"},
        {{W("-c")}, "option -c requires argument"},
        {{W("--conf")}, "option --configuration requires argument"},
        {{W("--nodaemon=1")}, "option --nodaemon must not have an argument"},
        {{W("-n"), W("--bogus=1"), W("-c")}, "option --bogus not recognized"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *argv[6] = {W("prog")};
        for (int j = 0; j < 4 && cases[k].args[j]; j++)
            argv[j + 1] = cases[k].args[j];
        struct pyopt_item *it = (void *)1;
        size_t n = 99;
        struct err e;
        err_clear(&e);
        assert_int_equal(parse(argv, &it, &n, &e), -1);
        assert_null(it);
        assert_int_equal(n, 0);
        assert_int_equal(e.code, ERR_USAGE);
        assert_string_equal(e.msg, cases[k].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
