/* Unit tests for supervisor-console's password hasher: a real child and a
 * real loop. Hashes made there verify here and there; answers come in
 * order, from the loop, never from inside the call; the queue is bounded;
 * a cancelled request is never answered; a dead child fails what waits and
 * refuses what comes. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "../../src/common/loop.h"
#include "../../src/console/hasher.h"

struct answer {
    int n;
    enum hasher_result r[64];
    char hash[64][HASHER_HASH_MAX + 1];
    int order[64];
};

static struct answer got;
static int calls_inside; /* answers delivered while a submit ran */
static bool submitting;

static void done(void *arg, enum hasher_result r, const char *hash)
{
    int tag = (int)(intptr_t)arg;
    if (submitting)
        calls_inside++;
    got.r[got.n] = r;
    snprintf(got.hash[got.n], sizeof got.hash[0], "%s", hash ? hash : "");
    got.order[got.n] = tag;
    got.n++;
}

static void run_until(struct loop *l, int n)
{
    for (int i = 0; i < 2000 && got.n < n; i++)
        loop_run_once(l, 50);
    assert_int_equal(got.n, n);
}

static void test_hash_verify(void **state)
{
    (void)state;
    memset(&got, 0, sizeof got);
    struct err e;
    struct hasher *h = hasher_new(&e);
    assert_non_null(h);
    struct loop *l = loop_new();
    hasher_attach(h, l);
    assert_true(hasher_pid(h) > 0);

    submitting = true;
    assert_non_null(hasher_hash(h, "correct horse", done, (void *)1));
    submitting = false;
    assert_int_equal(got.n, 0); /* never from inside the call */
    run_until(l, 1);
    assert_int_equal(got.r[0], HASHER_OK);
    assert_memory_equal(got.hash[0], "$y$", 3);
    /* made in the child, checked here and there */
    char stored[HASHER_HASH_MAX + 1];
    snprintf(stored, sizeof stored, "%s", got.hash[0]);
    assert_true(hasher_check("correct horse", stored));
    assert_false(hasher_check("correct horsf", stored));
    assert_non_null(hasher_verify(h, "wrong", stored, done, (void *)2));
    assert_non_null(hasher_verify(h, "correct horse", stored, done, (void *)3));
    run_until(l, 3);
    assert_int_equal(got.order[1], 2);
    assert_int_equal(got.r[1], HASHER_MISMATCH);
    assert_int_equal(got.order[2], 3);
    assert_int_equal(got.r[2], HASHER_OK);
    assert_string_equal(got.hash[2], ""); /* a verify carries no hash */
    assert_int_equal(hasher_waiting(h), 0);
    assert_int_equal(calls_inside, 0);

    /* too long: refused at once */
    char big[HASHER_PASSWORD_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_null(hasher_hash(h, big, done, NULL));
    big[HASHER_PASSWORD_MAX] = '\0';
    assert_non_null(hasher_verify(h, big, stored, done, (void *)4));
    run_until(l, 4);
    assert_int_equal(got.r[3], HASHER_MISMATCH);
    hasher_free(h);
    loop_free(l);
}

static void test_queue_cancel_death(void **state)
{
    (void)state;
    memset(&got, 0, sizeof got);
    struct err e;
    struct hasher *h = hasher_new(&e);
    struct loop *l = loop_new();
    hasher_attach(h, l);
    char *stored = hasher_crypt("pw");
    struct hasher_req *reqs[HASHER_QUEUE_MAX];
    for (int i = 0; i < HASHER_QUEUE_MAX; i++) {
        reqs[i] = hasher_verify(h, i % 2 ? "pw" : "no", stored, done, (void *)(intptr_t)i);
        assert_non_null(reqs[i]);
    }
    assert_null(hasher_verify(h, "pw", stored, done, NULL)); /* full */
    assert_int_equal(hasher_waiting(h), HASHER_QUEUE_MAX);
    hasher_cancel(h, reqs[1]);
    run_until(l, HASHER_QUEUE_MAX - 1);
    for (int i = 0; i < got.n; i++) {
        int tag = got.order[i];
        assert_true(i == 0 ? tag == 0 : tag == i + 1); /* in order, 1 never */
        assert_int_equal(got.r[i], tag % 2 ? HASHER_OK : HASHER_MISMATCH);
    }
    assert_int_equal(hasher_waiting(h), 0);

    /* the child dies: what waits fails, what comes is refused */
    memset(&got, 0, sizeof got);
    assert_non_null(hasher_verify(h, "pw", stored, done, (void *)7));
    assert_non_null(hasher_verify(h, "pw", stored, done, (void *)8));
    kill(hasher_pid(h), SIGKILL);
    for (int i = 0; i < 2000 && got.n < 2; i++)
        loop_run_once(l, 50);
    /* the first may have been answered before the kill */
    assert_int_equal(got.n, 2);
    assert_int_equal(got.r[1], HASHER_FAILED);
    assert_null(hasher_hash(h, "pw", done, NULL));
    free(stored);
    hasher_free(h);
    loop_free(l);
}

/* hasher_crypt hashes in a child of its own (the console never holds
 * yescrypt's memory); a setting is a salt that no password matches. */
static void test_blocking_and_setting(void **state)
{
    (void)state;
    char *stored = hasher_crypt("pw");
    assert_non_null(stored);
    assert_memory_equal(stored, "$y$", 3);
    assert_true(hasher_check("pw", stored));
    assert_false(hasher_check("pX", stored));
    char *other = hasher_crypt("pw");
    assert_string_not_equal(stored, other); /* a fresh salt each time */
    char *setting = hasher_setting();
    assert_non_null(setting);
    assert_memory_equal(setting, "$y$", 3);
    assert_true(strlen(setting) < strlen(stored));
    assert_false(hasher_check("pw", setting));
    assert_false(hasher_check("", setting));
    free(stored);
    free(other);
    free(setting);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_verify),
        cmocka_unit_test(test_blocking_and_setting),
        cmocka_unit_test(test_queue_cancel_death),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
