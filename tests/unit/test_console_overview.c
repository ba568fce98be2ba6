/* Unit tests for supervisor-console's hand-written overview JSON: it must
 * read back as the same value jansson gives through jsonv (strings with
 * quotes, controls, UTF-8 and bytes that are not UTF-8; every type;
 * nesting), and the console's own keys win over a node's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/console/overview.h"
#include "jsonv.h"

static void same_as_jansson(const struct xmlrpc_value *v)
{
    struct buf b;
    buf_init(&b);
    overview_value(&b, v);
    json_error_t je;
    json_t *got = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!got)
        fail_msg("not JSON (%s): %s", je.text, b.data);
    json_t *want = jsonv_from_xmlrpc(v);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_ENCODE_ANY), *w = json_dumps(want, JSON_ENCODE_ANY);
        fail_msg("got %s\nwant %s", g, w);
    }
    json_decref(got);
    json_decref(want);
    buf_release(&b);
}

static void test_values(void **state)
{
    (void)state;
    static const char *const strs[] = {"",
                                       "plain",
                                       "q\"uo\\te",
                                       "tab\tnl\ncr\r\x01\x1f",
                                       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                       "bad \xff\xfe end",
                                       "cut \xe2\x82",
                                       "\xc0\xaf overlong"};
    struct xmlrpc_value *st = xmlrpc_struct();
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        struct xmlrpc_value *s = xmlrpc_string(strs[i]);
        same_as_jansson(s);
        char key[16];
        snprintf(key, sizeof key, "k%zu", i);
        xmlrpc_struct_set(st, key, s);
    }
    xmlrpc_struct_set(st, "k\"\xc3\xa9", xmlrpc_int(-9223372036854775807LL - 1));
    xmlrpc_struct_set(st, "max", xmlrpc_int(9223372036854775807LL));
    xmlrpc_struct_set(st, "zero", xmlrpc_int(0));
    xmlrpc_struct_set(st, "t", xmlrpc_bool(true));
    xmlrpc_struct_set(st, "f", xmlrpc_bool(false));
    xmlrpc_struct_set(st, "nil", xmlrpc_nil());
    xmlrpc_struct_set(st, "d1", xmlrpc_double(1.0));
    xmlrpc_struct_set(st, "d2", xmlrpc_double(-0.1));
    xmlrpc_struct_set(st, "d3", xmlrpc_double(1e300));
    struct xmlrpc_value *arr = xmlrpc_array();
    xmlrpc_array_push(arr, xmlrpc_array());
    xmlrpc_array_push(arr, xmlrpc_struct());
    xmlrpc_array_push(arr, xmlrpc_string_n("nul\0in", 6));
    xmlrpc_struct_set(st, "arr", arr);
    same_as_jansson(st);
    xmlrpc_free(st);
}

static void test_process(void **state)
{
    (void)state;
    struct xmlrpc_value *p = xmlrpc_struct();
    xmlrpc_struct_set(p, "name", xmlrpc_string("web"));
    xmlrpc_struct_set(p, "node", xmlrpc_string("forged"));
    xmlrpc_struct_set(p, "state", xmlrpc_int(20));
    struct buf b;
    buf_init(&b);
    overview_process(&b, p, "n1", "prod", true);
    assert_string_equal(b.data, "{\"name\":\"web\",\"state\":20,\"node\":\"n1\","
                                "\"environment\":\"prod\",\"node_online\":true}");
    buf_reset(&b);
    struct xmlrpc_value *empty = xmlrpc_struct();
    overview_process(&b, empty, "n\"2", NULL, false);
    assert_string_equal(b.data, "{\"node\":\"n\\\"2\",\"environment\":null,\"node_online\":false}");
    buf_release(&b);
    xmlrpc_free(p);
    xmlrpc_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
