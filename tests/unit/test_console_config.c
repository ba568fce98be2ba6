/* Unit tests for supervisor-console's config: defaults, each key, and the
 * file:line of each error; TLS certificate and key files (a fixed
 * self-signed pair and a key of another pair) written to a temporary
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    assert_int_equal(c.ntrusted_proxies, 0);
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
         "c.conf:2: listen: '10.0.0.1' is not a loopback address: without TLS (tls_cert, "
         "tls_key) listen on 127.0.0.1 or ::1"},
        {"[console]\nlisten = example.com:80\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: listen: 'example.com' is not a numeric address (127.0.0.1, 0.0.0.0, [::1], "
         "[::])"},
        {"[console]\ntls_cert = /c.pem\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: tls_cert without tls_key: give both or neither"},
        {"[console]\ntls_key = /k.pem\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: tls_key without tls_cert: give both or neither"},
        {"[console]\ntls_key =\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: tls_key: a path is required"},
        {"[console]\ntls_cert = /nonexistent/c.pem\ntls_key = /nonexistent/k.pem\n[node:a]\n"
         "url=unix:///s\n",
         "c.conf:2: tls_cert: cannot read '/nonexistent/c.pem': No such file or directory"},
        {"[console]\ntls_cert = /\ntls_key = /\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: tls_cert: cannot read '/': not a regular file"},
        {"[console]\nserver_name = a.example, ,b\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: server_name: '' is not a host name (no port: any is accepted)"},
        {"[console]\nserver_name = a.example:443\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: server_name: 'a.example:443' is not a host name (no port: any is accepted)"},
        {"[console]\ntrusted_proxies = 10.0.0.1, proxy.example\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: trusted_proxies: 'proxy.example' is not a numeric IP address"},
        {"[console]\ntrusted_proxies = 10.0.0.1,,::1\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: trusted_proxies: '' is not a numeric IP address"},
        {"[console]\ntrusted_proxies = 10.0.0.0/8\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: trusted_proxies: '10.0.0.0/8' is not a numeric IP address"},
        {"[console]\ntrusted_proxies =\n[node:a]\nurl=unix:///s\n",
         "c.conf:2: trusted_proxies: expected a comma list of IP addresses"},
        {"[console]\n[node:a]\nurl=https://h\ntls_verify = maybe\n",
         "c.conf:4: tls_verify: expected true or false"},
        {"[console]\n[node:a]\nurl=http://h\ntls_verify = false\n",
         "c.conf:4: tls_verify: only for https:// nodes"},
        {"[console]\n[node:a]\nurl=https://h\nca_file = /nonexistent/ca.pem\n",
         "c.conf:4: ca_file: cannot read '/nonexistent/ca.pem': No such file or directory"},
        {"[console]\n[node:a]\nurl=https://h/x\n",
         "c.conf:3: url: 'https://h/x': only https://host:port is supported (no path)"},
        {"[console]\n[node:a]\nurl=ftp://h\n",
         "c.conf:3: url: 'ftp://h' is neither http[s]://host:port nor unix:///path"},
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

/* A self-signed certificate for CN=localhost (100 years), its key, and the
 * key of another pair. */
static const char CERT[] = "-----BEGIN CERTIFICATE-----\n"
                           "MIIBfzCCASWgAwIBAgIUKirD4a3HqUBtTl0QlX4XiaBFmb4wCgYIKoZIzj0EAwIw\n"
                           "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzA3NTgwN1oYDzIxMjYxMTAz\n"
                           "MDc1ODA3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
                           "PQMBBwNCAAQa76mNKTBLlBlWwn7b+fKN9GzqcSgKAymOr8LSnZT+arFCDutEXjvH\n"
                           "OSpqI0q7hUO4Np7JTUMK6kqq0QCosZcUo1MwUTAdBgNVHQ4EFgQUlRQzfSCHhIyx\n"
                           "I2Rap9pC0v0lcqswHwYDVR0jBBgwFoAUlRQzfSCHhIyxI2Rap9pC0v0lcqswDwYD\n"
                           "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAhJaQGuo9UW3D8PYETKPp\n"
                           "0lC/L/3o+GdqYIMlBvQ7sBECIFr87dzD7tL63wCwjD1wR6HHL7QmzBfNvf0Erzpp\n"
                           "RSON\n"
                           "-----END CERTIFICATE-----\n";
static const char KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxMy1w82H9mkHE3HH\n"
                          "uworX1nls7XwHIIOfSfh1tY3SgqhRANCAAQa76mNKTBLlBlWwn7b+fKN9GzqcSgK\n"
                          "AymOr8LSnZT+arFCDutEXjvHOSpqI0q7hUO4Np7JTUMK6kqq0QCosZcU\n"
                          "-----END PRIVATE KEY-----\n";
static const char OTHER_KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                                "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8l1uHkgvotUI4fZI\n"
                                "gIbIG+49ucfc4RMbTOqSOn53goShRANCAAQRmdZdgPVCRqQHFaQB/sv312DgN3kH\n"
                                "uOnpUF9fD+Dq0pYFP434d0Lf7fRWwa063LsoZqfG+/HzE8ncgXNXOQ/4\n"
                                "-----END PRIVATE KEY-----\n";

static char dir[64];

static void put(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_console_config.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    put("cert.pem", CERT);
    put("key.pem", KEY);
    put("other.pem", OTHER_KEY);
    put("junk.pem", "not a certificate\n");
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    static const char *const names[] = {"cert.pem", "key.pem", "other.pem", "junk.pem"};
    char path[128];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static void test_tls(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    char text[1024];
    snprintf(text, sizeof text,
             "[console]\nlisten = 0.0.0.0:8443\ntls_cert = %s/cert.pem\ntls_key = %s/key.pem\n"
             "server_name = Console.Example.org, [2001:db8::1] ,10.0.0.5\n"
             "[node:a]\nurl = https://n.example\nca_file = %s/cert.pem\n"
             "[node:b]\nurl = https://127.0.0.1:9443/\ntls_verify = no\n",
             dir, dir, dir);
    assert_int_equal(parse(&c, text, &e), 0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 8443);
    assert_non_null(c.tls_cert);
    assert_string_equal(c.tls_cert_pem, CERT);
    assert_string_equal(c.tls_key_pem, KEY);
    assert_int_equal(c.nserver_names, 3);
    assert_string_equal(c.server_names[0], "Console.Example.org");
    assert_string_equal(c.server_names[1], "[2001:db8::1]");
    assert_string_equal(c.server_names[2], "10.0.0.5");
    assert_string_equal(c.nodes[0].url, "https://n.example:443");
    assert_string_equal(c.nodes[0].rpc_url, "https://n.example:443/RPC2");
    assert_non_null(c.nodes[0].ca_file);
    assert_true(c.nodes[0].tls_verify);
    assert_string_equal(c.nodes[1].url, "https://127.0.0.1:9443");
    assert_null(c.nodes[1].ca_file);
    assert_false(c.nodes[1].tls_verify);
    config_release(&c);

    /* no TLS: loopback still; server_name alone is allowed (a TLS proxy),
     * whose forwarded addresses are believed when listed (kept in one form) */
    assert_int_equal(parse(&c,
                           "[console]\nserver_name = a.example\n"
                           "trusted_proxies = 127.0.0.1 , 0:0::1,2001:DB8::0:1\n"
                           "[node:a]\nurl=unix:///s\n",
                           &e),
                     0);
    assert_int_equal(c.ntrusted_proxies, 3);
    assert_string_equal(c.trusted_proxies[0], "127.0.0.1");
    assert_string_equal(c.trusted_proxies[1], "::1");
    assert_string_equal(c.trusted_proxies[2], "2001:db8::1");
    assert_null(c.tls_cert);
    assert_null(c.tls_cert_pem);
    assert_true(c.nodes[0].tls_verify);
    config_release(&c);
}

static void test_tls_errors(void **state)
{
    (void)state;
    static const struct {
        const char *cert, *key, *msg; /* @: the directory */
    } cases[] = {
        {"cert.pem", "other.pem",
         "c.conf:3: tls_key: '@/other.pem' does not go with '@/cert.pem': "},
        {"junk.pem", "key.pem", "c.conf:2: tls_cert: '@/junk.pem' holds no PEM certificate: "},
        {"key.pem", "key.pem", "c.conf:2: tls_cert: '@/key.pem' holds no PEM certificate: "},
        {"cert.pem", "cert.pem",
         "c.conf:3: tls_key: '@/cert.pem' holds no unencrypted PEM private key: "},
        {"cert.pem", "missing.pem",
         "c.conf:3: tls_key: cannot read '@/missing.pem': No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512], want[512];
        snprintf(text, sizeof text,
                 "[console]\ntls_cert = %s/%s\ntls_key = %s/%s\n[node:a]\nurl=unix:///s\n", dir,
                 cases[i].cert, dir, cases[i].key);
        size_t w = 0;
        for (const char *m = cases[i].msg; *m && w + sizeof dir < sizeof want; m++)
            w += (size_t)(*m == '@' ? snprintf(want + w, sizeof want - w, "%s", dir)
                                    : snprintf(want + w, sizeof want - w, "%c", *m));
        struct config c;
        struct err e;
        assert_int_equal(parse(&c, text, &e), -1);
        assert_int_equal(e.code, ERR_CONFIG);
        if (strncmp(e.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got '%s', want '%s...'", i, e.msg, want);
        assert_null(c.tls_key_pem); /* released */
    }
    /* a file past the bound is refused before it is read */
    char path[128], text[512];
    snprintf(path, sizeof path, "%s/big.pem", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fseek(f, CONFIG_PEM_MAX, SEEK_SET), 0);
    fputc('\n', f);
    fclose(f);
    snprintf(text, sizeof text,
             "[console]\ntls_cert = %s\ntls_key = %s/key.pem\n[node:a]\n"
             "url=unix:///s\n",
             path, dir);
    struct config c;
    struct err e;
    assert_int_equal(parse(&c, text, &e), -1);
    assert_non_null(strstr(e.msg, "larger than 1048576 bytes"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),   cmocka_unit_test(test_keys),
        cmocka_unit_test(test_errors),     cmocka_unit_test(test_tls),
        cmocka_unit_test(test_tls_errors),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
