/* Unit tests for supervisor-console's config: defaults, each key, and the
 * file:line of each error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/console/config.h"

static int parse(struct config *c, const char *text, struct err *e)
{
    err_clear(e);
    return config_parse(c, text, strlen(text), "c.conf", e);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    assert_int_equal(parse(&c, "[console]\n[node:a]\nurl = unix:///run/s.sock\n", &e), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 9100);
    assert_int_equal(c.poll_interval_ms, 5000);
    assert_int_equal(c.timeout_ms, 10000);
    assert_int_equal(c.action_timeout_ms, 60000);
    assert_int_equal(c.retry_max_ms, 30000);
    assert_int_equal(c.login_delay_ms, 1000);
    assert_int_equal(c.login_delay_max_ms, 900000);
    assert_int_equal(c.audit_keep, 100000);
    assert_int_equal(c.nnodes, 1);
    assert_string_equal(c.nodes[0].name, "a");
    assert_string_equal(c.nodes[0].unix_path, "/run/s.sock");
    assert_string_equal(c.nodes[0].rpc_url, "http://localhost/RPC2");
    assert_string_equal(c.nodes[0].environment, "");
    assert_null(c.nodes[0].username);
    config_release(&c);
}

static void test_keys(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    const char *text = "[console]\nlisten = [::1]:0\npoll_interval = 0.5\ntimeout = 2\n"
                       "action_timeout = 30 ; comment\nretry_max = 4\ndatabase = /x/c.db\n"
                       "login_delay = 0.25\nlogin_delay_max = 60\naudit_keep = 500\n"
                       "[node:web-1.a]\nurl = http://h.example\nusername = u\npassword = p\n"
                       "environment = prod\n"
                       "[node:b]\nurl = http://127.0.0.1:9001/\n";
    assert_int_equal(parse(&c, text, &e), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 0);
    assert_int_equal(c.poll_interval_ms, 500);
    assert_int_equal(c.timeout_ms, 2000);
    assert_int_equal(c.action_timeout_ms, 30000);
    assert_int_equal(c.retry_max_ms, 4000);
    assert_int_equal(c.login_delay_ms, 250);
    assert_int_equal(c.login_delay_max_ms, 60000);
    assert_int_equal(c.audit_keep, 500);
    assert_string_equal(c.database, "/x/c.db");
    assert_int_equal(c.nnodes, 2);
    assert_string_equal(c.nodes[0].url, "http://h.example:80");
    assert_string_equal(c.nodes[0].rpc_url, "http://h.example:80/RPC2");
    assert_null(c.nodes[0].unix_path);
    assert_string_equal(c.nodes[0].username, "u");
    assert_string_equal(c.nodes[0].password, "p");
    assert_string_equal(c.nodes[0].environment, "prod");
    assert_string_equal(c.nodes[1].url, "http://127.0.0.1:9001");
    config_release(&c);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"[console]\nlisten = 10.0.0.1:80\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: listen: '10.0.0.1' is not a loopback address (the console has no TLS "
         "yet: listen on 127.0.0.1 or ::1)"},
        {"[console]\nlisten = 127.0.0.1:70000\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: listen: '70000' is not a port number (0-65535)"},
        {"[console]\npoll_interval = 0\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: poll_interval: expected a number of seconds in 0.1..86400"},
        {"[console]\ntimeout = nan\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: timeout: expected a number of seconds in 0.1..3600"},
        {"[console]\n[node:a]\nurl=unix://s\n",
         "c.conf:3: url: 'unix://s': the socket path must be absolute (unix:///path)"},
        {"[console]\n[node:a]\nurl=http://h:0\n", "c.conf:3: url: 'http://h:0': bad port"},
        {"[console]\n[node:a]\nurl=http://h/x\n",
         "c.conf:3: url: 'http://h/x': only http://host:port is supported (no path)"},
        {"[console]\n[node:a]\nurl=http://a b:1\n", "c.conf:3: url: 'http://a b:1': bad host"},
        {"[console]\n[node:a/b]\nurl=unix:///s\n",
         "c.conf:2: [node:a/b]: a node name is letters, digits, '_', '.' and '-'"},
        {"[console]\nport = 1\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: unknown key 'port' in [console]"},
        {"[console]\ndatabase =\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: database: a path is required"},
        {"[node:a]\nurl=unix:///s\n", "c.conf: no [console] section"},
        {"[console]\naudit_keep = 9\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: audit_keep: expected a whole number in 10..1000000000"},
        {"[console]\naudit_keep = 1e6\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: audit_keep: expected a whole number in 10..1000000000"},
        {"[console]\nlogin_delay = 0\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: login_delay: expected a number of seconds in 0.01..3600"},
        {"[console]\nlogin_delay_max = 86401\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: login_delay_max: expected a number of seconds in 0.01..86400"},
        {"[console]\nlogin_delay = 5\nlogin_delay_max = 2\n[node:a]\nurl=unix:///s\n",
         "c.conf:3: login_delay_max: must not be less than login_delay"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        struct err e;
        assert_int_equal(parse(&c, cases[i].text, &e), -1);
        assert_int_equal(e.code, ERR_CONFIG);
        if (strcmp(e.msg, cases[i].msg) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
        assert_int_equal(c.nnodes, 0); /* released */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
