/* Unit tests for listener.c: the READY / RESULT protocol parser fed fake
 * listener output at every split, the envelope byte for byte, dispatch to
 * the first RUNNING+READY member, rejection and re-queueing (with serials
 * kept, and no immediate re-send), buffer overflow, a member that dies while
 * BUSY, EPIPE, and Python's int() reading of the RESULT length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"
#include "listener.h"
#include "log.h"
#include "xalloc.h"

struct member {
    bool running;
    bool epipe;
    struct buf stdin_data; /* what the pool wrote */
};

static int fake_write(void *proc, const char *data, size_t n)
{
    struct member *m = proc;
    if (m->epipe)
        return -1;
    buf_append(&m->stdin_data, data, n);
    return 0;
}

static bool fake_running(void *proc)
{
    return ((struct member *)proc)->running;
}

static const struct listener_ops ops = {.write = fake_write, .running = fake_running};

static struct buf logged;

static void sink(void *arg, int level, const char *line, size_t len)
{
    (void)arg;
    (void)level;
    buf_append(&logged, line, len);
}

struct fx {
    struct events bus;
    struct listener_pool *pool;
    struct member m[2];
    struct listener *l[2];
};

static struct fx *fx_new(long long bufsize, size_t members)
{
    struct fx *f = xcalloc(1, sizeof *f);
    events_init(&f->bus, NULL);
    char e1[] = "REMOTE_COMMUNICATION", e2[] = "PROCESS_GROUP";
    char *evs[] = {e1, e2};
    f->pool = listener_pool_new("pool", "sv", bufsize, evs, 2, &f->bus, NULL, &ops);
    for (size_t i = 0; i < members; i++) {
        buf_init(&f->m[i].stdin_data);
        f->m[i].running = true;
        char name[16];
        snprintf(name, sizeof name, "pool_%zu", i);
        f->l[i] = listener_pool_add(f->pool, name, &f->m[i]);
        listener_spawned(f->l[i]);
    }
    buf_init(&logged);
    log_set_level(LOG_DEBG);
    log_set_sink(sink, NULL);
    return f;
}

static void fx_free(struct fx *f)
{
    log_set_sink(NULL, NULL);
    buf_release(&logged);
    listener_pool_free(f->pool);
    events_release(&f->bus);
    for (size_t i = 0; i < 2; i++)
        buf_release(&f->m[i].stdin_data);
    free(f);
}

static void feed(struct listener *l, const char *s)
{
    listener_feed(l, s, strlen(s));
}

static void remote(struct fx *f, const char *data)
{
    events_remote(&f->bus, "t", data, strlen(data));
}

static void test_envelope_and_ok(void **state)
{
    (void)state;
    struct fx *f = fx_new(10, 1);
    remote(f, "caf\xc3\xa9"); /* buffered: nobody READY yet */
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    assert_int_equal(f->m[0].stdin_data.len, 0);
    feed(f->l[0], "REA");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED);
    feed(f->l[0], "DY\n");
    /* READY -> dispatched at once -> BUSY */
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_BUSY);
    assert_string_equal(f->m[0].stdin_data.data,
                        "ver:3.0 server:sv serial:0 pool:pool poolserial:0 "
                        "eventname:REMOTE_COMMUNICATION len:11\ntype:t\ncaf\xc3\xa9");
    assert_non_null(listener_inflight(f->l[0]));
    assert_true(listener_pool_pending(f->pool));
    /* the result, one byte at a time */
    const char *res = "RESULT 2\nOK";
    for (const char *p = res; *p; p++)
        listener_feed(f->l[0], p, 1);
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED);
    assert_null(listener_inflight(f->l[0]));
    assert_false(listener_pool_pending(f->pool));
    assert_non_null(strstr(logged.data, "DEBG pool_0: ACKNOWLEDGED -> READY\n"));
    assert_non_null(strstr(logged.data, "DEBG event 0 sent to listener pool_0\n"));
    assert_non_null(strstr(logged.data, "DEBG pool_0: event was processed\n"));
    assert_non_null(strstr(logged.data, "DEBG pool_0: BUSY -> ACKNOWLEDGED\n"));
    fx_free(f);
}

static void test_several_messages_in_one_chunk(void **state)
{
    (void)state;
    struct fx *f = fx_new(10, 1);
    remote(f, "a");
    remote(f, "b");
    feed(f->l[0], "READY\n");
    buf_reset(&f->m[0].stdin_data);
    feed(f->l[0], "RESULT 2\nOKREADY\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_BUSY);
    assert_string_equal(f->m[0].stdin_data.data,
                        "ver:3.0 server:sv serial:1 pool:pool poolserial:1 "
                        "eventname:REMOTE_COMMUNICATION len:8\ntype:t\nb");
    /* whitespace around the number, as Python's int() */
    feed(f->l[0], "RESULT  2 \r\nOKREADY\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_READY);
    assert_int_equal(listener_pool_buffered(f->pool), 0);
    fx_free(f);
}

static void test_reject_requeues_without_tight_loop(void **state)
{
    (void)state;
    struct fx *f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    feed(f->l[0], "RESULT 4\nFAIL");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED);
    assert_non_null(strstr(logged.data, "WARN pool_0: event was rejected\n"));
    assert_non_null(strstr(logged.data, "will be re-sent in 100 ms"));
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    buf_reset(&f->m[0].stdin_data);
    feed(f->l[0], "READY\n");
    /* held back: not re-sent at once */
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_READY);
    assert_int_equal(f->m[0].stdin_data.len, 0);
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    fx_free(f);
}

static void test_protocol_violations(void **state)
{
    (void)state;
    /* garbage instead of READY */
    struct fx *f = fx_new(10, 1);
    feed(f->l[0], "HELLO");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED); /* < 6 bytes: wait */
    feed(f->l[0], "!\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_UNKNOWN);
    assert_non_null(strstr(logged.data, "WARN pool_0: has entered the UNKNOWN state and will "
                                        "no longer receive events, this usually indicates the "
                                        "process violated the eventlistener protocol\n"));
    feed(f->l[0], "READY\n"); /* UNKNOWN is final until a respawn */
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_UNKNOWN);
    remote(f, "x");
    assert_int_equal(f->m[0].stdin_data.len, 0);
    listener_spawned(f->l[0]);
    feed(f->l[0], "READY\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_BUSY);
    fx_free(f);

    /* spurious data while READY (also a RESULT sent before any event) */
    f = fx_new(10, 1);
    feed(f->l[0], "READY\nX");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_UNKNOWN);
    fx_free(f);

    /* a bad RESULT line: UNKNOWN, the event goes back */
    f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    feed(f->l[0], "RESULT x\nOK");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_UNKNOWN);
    assert_non_null(strstr(logged.data, "WARN pool_0: bad result line: 'RESULT x'\n"));
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    assert_null(listener_inflight(f->l[0]));
    fx_free(f);

    /* undecodable bad line */
    f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    feed(f->l[0], "RES\xff\n");
    assert_non_null(strstr(logged.data, "bad result line: 'Undecodable: b'RES\\xff''\n"));
    fx_free(f);

    /* a wrong length swallows what follows, then garbage */
    f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    feed(f->l[0], "RESULT 5\nOKREADY\n");
    assert_non_null(strstr(logged.data, "WARN pool_0: event was rejected\n"));
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED); /* "DY\n" waits */
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    fx_free(f);

    /* RESULT 0: an empty result, handled at once (rejected) */
    f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    feed(f->l[0], "RESULT 0\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_ACKNOWLEDGED);
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    fx_free(f);

    /* an endless RESULT line is cut off */
    f = fx_new(10, 1);
    remote(f, "x");
    feed(f->l[0], "READY\n");
    char *big = xmalloc(70000);
    memset(big, 'R', 70000);
    listener_feed(f->l[0], big, 70000);
    free(big);
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_UNKNOWN);
    fx_free(f);
}

static void test_overflow_drops_oldest(void **state)
{
    (void)state;
    struct fx *f = fx_new(2, 1);
    remote(f, "a");
    remote(f, "b");
    remote(f, "c");
    assert_int_equal(listener_pool_buffered(f->pool), 2);
    assert_non_null(strstr(logged.data, "ERRO pool pool event buffer overflowed, discarding "
                                        "event 0\n"));
    feed(f->l[0], "READY\n");
    assert_non_null(strstr(f->m[0].stdin_data.data, "serial:1 pool:pool poolserial:1 "));
    assert_non_null(strstr(f->m[0].stdin_data.data, "\ntype:t\nb"));
    fx_free(f);
}

static void test_member_dies_while_busy(void **state)
{
    (void)state;
    struct fx *f = fx_new(10, 1);
    remote(f, "precious");
    feed(f->l[0], "READY\n");
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_BUSY);
    f->m[0].running = false;
    listener_exited(f->l[0]);
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    assert_non_null(strstr(logged.data, "DEBG rebuffering event 0 for pool pool (buf size=0, "
                                        "max=10)\n"));
    assert_false(listener_pool_pending(f->pool)); /* nobody can take it now */
    fx_free(f);
}

static void test_dispatch_order_and_epipe(void **state)
{
    (void)state;
    struct fx *f = fx_new(10, 2);
    feed(f->l[1], "READY\n");
    feed(f->l[0], "READY\n");
    f->m[0].epipe = true;
    remote(f, "x");
    /* member 0 comes first but its stdin is gone: member 1 gets it */
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_READY);
    assert_int_equal(listener_get_state(f->l[1]), LISTENER_BUSY);
    assert_non_null(strstr(logged.data, "DEBG epipe occurred while sending event 0 to listener "
                                        "pool_0, listener state unchanged\n"));
    f->m[0].epipe = false;
    f->m[0].running = false; /* not RUNNING (e.g. STARTING): never gets events */
    remote(f, "y");
    assert_int_equal(listener_pool_buffered(f->pool), 1);
    f->m[0].running = true;
    listener_pool_kick(f->pool);
    assert_int_equal(listener_get_state(f->l[0]), LISTENER_BUSY);
    assert_int_equal(listener_pool_buffered(f->pool), 0);
    fx_free(f);
}

static void test_parse_resultlen(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        long long v;
    } cases[] = {
        {"2", true, 2},    {" 2 ", true, 2},   {"+4", true, 4},
        {"1_0", true, 10}, {"0", true, 0},     {"-0", true, 0},
        {"", false, 0},    {" ", false, 0},    {"x", false, 0},
        {"2x", false, 0},  {"1__0", false, 0}, {"_1", false, 0},
        {"1_", false, 0},  {"-1", false, 0},   {"99999999999999999999999", false, 0},
        {"2 2", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long long v = -7;
        bool ok = listener_parse_resultlen(cases[i].s, strlen(cases[i].s), &v);
        if (ok != cases[i].ok)
            fail_msg("'%s': expected %d", cases[i].s, cases[i].ok);
        if (ok)
            assert_int_equal(v, cases[i].v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_and_ok),
        cmocka_unit_test(test_several_messages_in_one_chunk),
        cmocka_unit_test(test_reject_requeues_without_tight_loop),
        cmocka_unit_test(test_protocol_violations),
        cmocka_unit_test(test_overflow_drops_oldest),
        cmocka_unit_test(test_member_dies_while_busy),
        cmocka_unit_test(test_dispatch_order_and_epipe),
        cmocka_unit_test(test_parse_resultlen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
