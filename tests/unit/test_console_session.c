/* Unit tests for supervisor-console's sessions: the Cookie header parser,
 * idle expiry on a fake clock, logout, and environment limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/console/session.h"

static void test_cookie(void **state)
{
    (void)state;
    struct sessions ss;
    sessions_init(&ss);
    struct session *s = session_new(&ss, "ann", ROLE_OPERATOR, "", 1000);
    assert_int_equal(strlen(s->id), 64);
    assert_int_equal(strlen(s->csrf), 64);
    assert_string_not_equal(s->id, s->csrf);
    char h[256];
    snprintf(h, sizeof h, "console_session=%s", s->id);
    assert_ptr_equal(session_find(&ss, h, 1000), s);
    snprintf(h, sizeof h, "a=1; console_session=%s; b=2", s->id);
    assert_ptr_equal(session_find(&ss, h, 1000), s);
    snprintf(h, sizeof h, "a=1;console_session=%s", s->id);
    assert_ptr_equal(session_find(&ss, h, 1000), s);
    /* another cookie whose name ends the same, a cut or longer id, none */
    snprintf(h, sizeof h, "xconsole_session=%s", s->id);
    assert_null(session_find(&ss, h, 1000));
    snprintf(h, sizeof h, "console_session=%.63s", s->id);
    assert_null(session_find(&ss, h, 1000));
    snprintf(h, sizeof h, "console_session=%s0", s->id);
    assert_null(session_find(&ss, h, 1000));
    assert_null(session_find(&ss, "console_session=", 1000));
    assert_null(session_find(&ss, NULL, 1000));
    /* a forged id next to the real one: the real one still counts */
    snprintf(h, sizeof h, "console_session=%064d; console_session=%s", 0, s->id);
    assert_ptr_equal(session_find(&ss, h, 1000), s);
    sessions_release(&ss);
    assert_int_equal(ss.n, 0);
}

static void test_expiry(void **state)
{
    (void)state;
    struct sessions ss;
    sessions_init(&ss);
    struct session *a = session_new(&ss, "a", ROLE_VIEWER, "", 0);
    struct session *b = session_new(&ss, "b", ROLE_ADMIN, "", 0);
    char ha[128], hb[128];
    snprintf(ha, sizeof ha, "console_session=%s", a->id);
    snprintf(hb, sizeof hb, "console_session=%s", b->id);
    /* use touches: b stays alive while used, a expires when idle */
    assert_ptr_equal(session_find(&ss, hb, SESSION_IDLE_MS - 1), b);
    assert_ptr_equal(session_find(&ss, hb, 2 * SESSION_IDLE_MS - 2), b);
    assert_null(session_find(&ss, ha, SESSION_IDLE_MS + 1));
    assert_int_equal(ss.n, 1); /* the expired one is gone */
    session_end(&ss, b);
    assert_null(session_find(&ss, hb, 0));
    assert_int_equal(ss.n, 0);
    sessions_release(&ss);
}

static void test_limit(void **state)
{
    (void)state;
    struct sessions ss;
    sessions_init(&ss);
    struct session *first = session_new(&ss, "u", ROLE_VIEWER, "", 0);
    char h[128];
    snprintf(h, sizeof h, "console_session=%s", first->id);
    for (int i = 1; i < SESSION_MAX; i++)
        session_new(&ss, "u", ROLE_VIEWER, "", 0);
    assert_int_equal(ss.n, SESSION_MAX);
    assert_non_null(session_find(&ss, h, 0));
    session_new(&ss, "u", ROLE_VIEWER, "", 0); /* drops the oldest made */
    assert_int_equal(ss.n, SESSION_MAX);
    assert_null(session_find(&ss, h, 0));
    sessions_release(&ss);
}

static void test_environments(void **state)
{
    (void)state;
    struct sessions ss;
    sessions_init(&ss);
    struct session *all = session_new(&ss, "a", ROLE_ADMIN, "", 0);
    struct session *some = session_new(&ss, "b", ROLE_OPERATOR, "prod,qa", 0);
    assert_true(session_allows(all, "prod"));
    assert_true(session_allows(all, ""));
    assert_true(session_allows(some, "prod"));
    assert_true(session_allows(some, "qa"));
    assert_false(session_allows(some, "pro"));
    assert_false(session_allows(some, "prod,qa"));
    assert_false(session_allows(some, "staging"));
    assert_false(session_allows(some, ""));
    sessions_release(&ss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_environments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
