/* Unit tests for supervisor-console's login throttle, on a fake clock:
 * five failures in a row start a wait, each further failure doubles it up
 * to the cap, a success resets, keys are apart, stale keys are forgotten
 * and the table stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../../src/console/throttle.h"

static void test_delay(void **state)
{
    (void)state;
    struct throttle t;
    throttle_init(&t, 1000, 900000);
    assert_int_equal(throttle_delay(&t, 0), 0);
    assert_int_equal(throttle_delay(&t, 4), 0);
    assert_int_equal(throttle_delay(&t, 5), 1000);
    assert_int_equal(throttle_delay(&t, 6), 2000);
    assert_int_equal(throttle_delay(&t, 10), 32000);
    assert_int_equal(throttle_delay(&t, 14), 512000);
    assert_int_equal(throttle_delay(&t, 15), 900000); /* 1024 s capped at 15 min */
    assert_int_equal(throttle_delay(&t, 64), 900000);
    throttle_release(&t);
}

static void test_fail_wait_reset(void **state)
{
    (void)state;
    struct throttle t;
    throttle_init(&t, 1000, 4000);
    int64_t now = 10000;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(throttle_wait(&t, "user:a", now), 0);
        assert_int_equal(throttle_fail(&t, "user:a", now), 0);
        now += 10;
    }
    assert_int_equal(throttle_fail(&t, "user:a", now), 1000); /* the fifth */
    assert_int_equal(throttle_wait(&t, "user:a", now), 1000);
    assert_int_equal(throttle_wait(&t, "user:a", now + 400), 600);
    assert_int_equal(throttle_wait(&t, "user:b", now), 0); /* keys are apart */
    now += 1000;
    assert_int_equal(throttle_wait(&t, "user:a", now), 0);
    assert_int_equal(throttle_fail(&t, "user:a", now), 2000);
    now += 2000;
    assert_int_equal(throttle_fail(&t, "user:a", now), 4000);
    now += 4000;
    assert_int_equal(throttle_fail(&t, "user:a", now), 4000); /* capped */
    assert_int_equal(throttle_wait(&t, "user:a", now + 3999), 1);
    /* a success starts afresh */
    throttle_reset(&t, "user:a");
    assert_int_equal(throttle_wait(&t, "user:a", now), 0);
    assert_int_equal(throttle_fail(&t, "user:a", now), 0);
    assert_int_equal(t.n, 1);
    throttle_release(&t);
}

static void test_forget(void **state)
{
    (void)state;
    struct throttle t;
    throttle_init(&t, 100, 1000);
    int64_t now = 0;
    for (int i = 0; i < 6; i++)
        throttle_fail(&t, "addr:1", now);
    assert_int_equal(throttle_wait(&t, "addr:1", now), 200);
    /* quiet for longer than the cap after its wait: forgotten */
    now += 200 + 1001;
    assert_int_equal(throttle_wait(&t, "addr:1", now), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal(throttle_fail(&t, "addr:1", now), 0); /* counts from one again */
    throttle_release(&t);
}

static void test_bounded(void **state)
{
    (void)state;
    struct throttle t;
    throttle_init(&t, 1000, 900000);
    char key[32];
    for (int i = 0; i < THROTTLE_MAX + 50; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        throttle_fail(&t, key, i);
    }
    assert_int_equal(t.n, THROTTLE_MAX);
    /* the oldest went first; the newest is there */
    for (int i = 0; i < 5; i++)
        throttle_fail(&t, "user:0", THROTTLE_MAX + 100);
    assert_int_equal(throttle_wait(&t, "user:0", THROTTLE_MAX + 100), 1000);
    assert_int_equal(t.n, THROTTLE_MAX);
    snprintf(key, sizeof key, "user:%d", THROTTLE_MAX + 49);
    for (int i = 0; i < 4; i++)
        throttle_fail(&t, key, THROTTLE_MAX + 100);
    assert_int_equal(throttle_wait(&t, key, THROTTLE_MAX + 100), 1000); /* 1 + 4 */
    throttle_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_fail_wait_reset),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
