/* Unit tests for events.c: type names and the parent hierarchy, subscription
 * matching (a parent matches every descendant; one delivery per event),
 * serials (only consumed by events someone takes), every payload byte for
 * byte as Python's str(event), character counts for len:, TICK slices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"
#include "xalloc.h"

struct got {
    int n;
    enum event_type types[32];
    uint64_t serials[32];
    char payloads[32][256];
};

static void record_cb(void *arg, struct event *ev)
{
    struct got *g = arg;
    if (g->n < 32) {
        g->types[g->n] = ev->type;
        g->serials[g->n] = ev->serial;
        size_t n = ev->len < 255 ? ev->len : 255;
        memcpy(g->payloads[g->n], ev->payload, n);
        g->payloads[g->n][n] = '\0';
    }
    g->n++;
}

static event_mask mask_of(const char *name)
{
    int t = events_type_by_name(name);
    assert_true(t >= 0);
    return events_type_mask((enum event_type)t);
}

static void test_names_and_parents(void **state)
{
    (void)state;
    assert_int_equal(events_type_by_name("PROCESS_STATE_RUNNING"), EVT_PROCESS_STATE_RUNNING);
    assert_int_equal(events_type_by_name("TICK_3600"), EVT_TICK_3600);
    assert_int_equal(events_type_by_name("process_state"), -1);
    assert_int_equal(events_type_by_name("NOPE"), -1);
    for (int t = 0; t < EVT_COUNT; t++)
        assert_int_equal(events_type_by_name(events_type_name((enum event_type)t)), t);
    assert_int_equal(events_type_parent(EVT_PROCESS_STATE_EXITED), EVT_PROCESS_STATE);
    assert_int_equal(events_type_parent(EVT_PROCESS_STATE), EVT_EVENT);
    assert_int_equal(events_type_parent(EVT_REMOTE_COMMUNICATION), EVT_EVENT);
    assert_int_equal(events_type_parent(EVT_PROCESS_LOG_STDERR), EVT_PROCESS_LOG);
    assert_int_equal(events_type_parent(EVT_PROCESS_COMMUNICATION_STDOUT),
                     EVT_PROCESS_COMMUNICATION);
    assert_int_equal(events_type_parent(EVT_SUPERVISOR_STATE_CHANGE_STOPPING),
                     EVT_SUPERVISOR_STATE_CHANGE);
    assert_int_equal(events_type_parent(EVT_TICK_60), EVT_TICK);
    assert_int_equal(events_type_parent(EVT_PROCESS_GROUP_REMOVED), EVT_PROCESS_GROUP);
    assert_true(events_type_is(EVT_TICK_5, EVT_EVENT));
    assert_true(events_type_is(EVT_TICK_5, EVT_TICK));
    assert_false(events_type_is(EVT_TICK_5, EVT_PROCESS_STATE));
    assert_false(events_type_is(EVT_PROCESS_STATE, EVT_PROCESS_STATE_RUNNING));

    /* subscriptions: EVENT is everything, a parent its children, a leaf itself */
    assert_int_equal(__builtin_popcount(mask_of("EVENT")), EVT_COUNT);
    assert_int_equal(__builtin_popcount(mask_of("PROCESS_STATE")), 9);
    assert_int_equal(mask_of("PROCESS_LOG"), (1u << EVT_PROCESS_LOG) |
                                                 (1u << EVT_PROCESS_LOG_STDOUT) |
                                                 (1u << EVT_PROCESS_LOG_STDERR));
    assert_int_equal(mask_of("TICK_60"), 1u << EVT_TICK_60);
    assert_int_equal(events_state_type(PROC_BACKOFF), EVT_PROCESS_STATE_BACKOFF);
    assert_int_equal(events_state_type(PROC_UNKNOWN), EVT_PROCESS_STATE_UNKNOWN);
}

static void test_matching_and_serials(void **state)
{
    (void)state;
    struct events b;
    events_init(&b, NULL);
    struct got a = {0}, c = {0};
    /* overlapping names: still one delivery per event */
    events_subscribe(&b, mask_of("PROCESS_STATE") | mask_of("PROCESS_STATE_RUNNING"), record_cb,
                     &a);
    events_subscribe(&b, mask_of("REMOTE_COMMUNICATION"), record_cb, &c);
    assert_true(events_wanted(&b, EVT_PROCESS_STATE_FATAL));
    assert_false(events_wanted(&b, EVT_TICK_5));

    events_group(&b, true, "nobody"); /* unwanted: consumes no serial */
    events_remote(&b, "t", "d", 1);
    events_publish(&b, events_new(EVT_PROCESS_STATE_RUNNING, xstrdup("x"), 1));
    events_publish(&b, events_new(EVT_TICK_5, xstrdup("when:5"), 6));
    events_publish(&b, events_new(EVT_PROCESS_STATE_FATAL, xstrdup("y"), 1));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.serials[0], 0);
    assert_string_equal(c.payloads[0], "type:t\nd");
    assert_int_equal(a.n, 2);
    assert_int_equal(a.types[0], EVT_PROCESS_STATE_RUNNING);
    assert_int_equal(a.serials[0], 1);
    assert_int_equal(a.types[1], EVT_PROCESS_STATE_FATAL);
    assert_int_equal(a.serials[1], 2);

    events_unsubscribe(&b, record_cb, &a);
    assert_false(events_wanted(&b, EVT_PROCESS_STATE_FATAL));
    events_publish(&b, events_new(EVT_PROCESS_STATE_FATAL, xstrdup("y"), 1));
    assert_int_equal(a.n, 2);
    events_release(&b);
}

static void test_state_payloads(void **state)
{
    (void)state;
    static const struct {
        enum proc_state to, from;
        int tries;
        pid_t pid;
        bool expected;
        const char *want;
    } cases[] = {
        {PROC_STARTING, PROC_STOPPED, 0, 0, true,
         "processname:p groupname:g from_state:STOPPED tries:0"},
        {PROC_STARTING, PROC_BACKOFF, 2, 0, true,
         "processname:p groupname:g from_state:BACKOFF tries:2"},
        {PROC_BACKOFF, PROC_STARTING, 1, 0, true,
         "processname:p groupname:g from_state:STARTING tries:1"},
        {PROC_RUNNING, PROC_STARTING, 0, 42, true,
         "processname:p groupname:g from_state:STARTING pid:42"},
        {PROC_STOPPING, PROC_RUNNING, 0, 42, true,
         "processname:p groupname:g from_state:RUNNING pid:42"},
        {PROC_STOPPED, PROC_STOPPING, 0, 42, true,
         "processname:p groupname:g from_state:STOPPING pid:42"},
        {PROC_STOPPED, PROC_BACKOFF, 3, 0, true,
         "processname:p groupname:g from_state:BACKOFF pid:0"},
        {PROC_EXITED, PROC_RUNNING, 0, 42, false,
         "processname:p groupname:g from_state:RUNNING expected:0 pid:42"},
        {PROC_EXITED, PROC_RUNNING, 0, 42, true,
         "processname:p groupname:g from_state:RUNNING expected:1 pid:42"},
        {PROC_FATAL, PROC_BACKOFF, 0, 0, true, "processname:p groupname:g from_state:BACKOFF"},
        {PROC_UNKNOWN, PROC_RUNNING, 0, 42, true, "processname:p groupname:g from_state:RUNNING"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out;
        buf_init(&out);
        events_state_payload(&out, cases[i].to, "p", "g", cases[i].from, cases[i].tries,
                             cases[i].pid, cases[i].expected);
        assert_string_equal(out.data, cases[i].want);
        buf_release(&out);
    }
}

static void test_output_payloads(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    events_log_payload(&out, false, "p", "g", 7, "stdout", "hi\n", 3);
    assert_string_equal(out.data, "processname:p groupname:g pid:7 channel:stdout\nhi\n");
    buf_reset(&out);
    events_log_payload(&out, false, "p", "g", 7, "stderr", "x", 1);
    assert_string_equal(out.data, "processname:p groupname:g pid:7 channel:stderr\nx");
    buf_reset(&out);
    events_log_payload(&out, true, "p", "g", 7, "stdout", "captured", 8);
    assert_string_equal(out.data, "processname:p groupname:g pid:7\ncaptured");
    buf_reset(&out);
    /* not UTF-8: Python's 'Undecodable: %r' % data */
    events_log_payload(&out, true, "p", "g", 7, "stdout", "a\xff'\n\\", 5);
    assert_string_equal(out.data,
                        "processname:p groupname:g pid:7\nUndecodable: b\"a\\xff'\\n\\\\\"");
    buf_reset(&out);
    events_put_text(&out, "\xc3\xa9t\xc3\xa9", 5); /* valid UTF-8 is kept */
    assert_string_equal(out.data, "\xc3\xa9t\xc3\xa9");
    buf_reset(&out);
    events_put_text(&out, "\xed\xa0\x80", 3); /* a surrogate is not UTF-8 for Python */
    assert_string_equal(out.data, "Undecodable: b'\\xed\\xa0\\x80'");
    buf_release(&out);
}

static void test_simple_payloads_and_len(void **state)
{
    (void)state;
    struct events b;
    events_init(&b, NULL);
    struct got g = {0};
    events_subscribe(&b, mask_of("EVENT"), record_cb, &g);
    events_remote(&b, "mytype", "caf\xc3\xa9", 5);
    events_group(&b, true, "web");
    events_group(&b, false, "web");
    events_supervisor_state(&b, true);
    events_supervisor_state(&b, false);
    events_process_output(&b, false, "stderr", "p", "g", 9, "e", 1);
    events_process_output(&b, true, "stdout", "p", "g", 9, "c", 1);
    assert_int_equal(g.n, 7);
    assert_string_equal(g.payloads[0], "type:mytype\ncaf\xc3\xa9");
    assert_string_equal(g.payloads[1], "groupname:web\n");
    assert_int_equal(g.types[1], EVT_PROCESS_GROUP_ADDED);
    assert_int_equal(g.types[2], EVT_PROCESS_GROUP_REMOVED);
    assert_string_equal(g.payloads[3], "");
    assert_int_equal(g.types[3], EVT_SUPERVISOR_STATE_CHANGE_RUNNING);
    assert_int_equal(g.types[4], EVT_SUPERVISOR_STATE_CHANGE_STOPPING);
    assert_int_equal(g.types[5], EVT_PROCESS_LOG_STDERR);
    assert_int_equal(g.types[6], EVT_PROCESS_COMMUNICATION_STDOUT);
    for (int i = 0; i < 7; i++)
        assert_int_equal(g.serials[i], (uint64_t)i);
    events_release(&b);

    /* len: counts characters, as Python's len(str) */
    struct event *ev =
        events_new(EVT_REMOTE_COMMUNICATION, xstrdup("caf\xc3\xa9 \xf0\x9f\x98\x80"), 10);
    assert_int_equal(ev->len, 10);
    assert_int_equal(ev->nchars, 6);
    events_unref(ev);
}

static void test_ticks(void **state)
{
    (void)state;
    struct events b;
    events_init(&b, NULL);
    struct got g = {0};
    events_subscribe(&b, mask_of("TICK"), record_cb, &g);
    b.last_tick[0] = 1000;
    b.last_tick[1] = 960;
    b.last_tick[2] = 0;
    events_tick(&b, 1004.9); /* same 5 s slice: nothing */
    assert_int_equal(g.n, 0);
    events_tick(&b, 1005.2);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.types[0], EVT_TICK_5);
    assert_string_equal(g.payloads[0], "when:1005");
    events_tick(&b, 1020.0); /* no catch-up: one event per period */
    assert_int_equal(g.n, 3);
    assert_string_equal(g.payloads[1], "when:1020");
    assert_int_equal(g.types[2], EVT_TICK_60);
    assert_string_equal(g.payloads[2], "when:1020");
    events_tick(&b, 3600.5);
    assert_int_equal(g.n, 6);
    assert_string_equal(g.payloads[3], "when:3600");
    assert_int_equal(g.types[4], EVT_TICK_60);
    assert_string_equal(g.payloads[4], "when:3600");
    assert_int_equal(g.types[5], EVT_TICK_3600);
    events_release(&b);

    /* only TICK_60 wanted: TICK_5 slices move on silently */
    struct events b2;
    events_init(&b2, NULL);
    struct got g2 = {0};
    events_subscribe(&b2, mask_of("TICK_60"), record_cb, &g2);
    b2.last_tick[0] = 0;
    b2.last_tick[1] = 0;
    b2.last_tick[2] = 0;
    events_tick(&b2, 61.0);
    assert_int_equal(g2.n, 1);
    assert_string_equal(g2.payloads[0], "when:60");
    assert_int_equal(g2.serials[0], 0);
    events_release(&b2);
}

static void test_tick_timer_only_when_wanted(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct events b;
    events_init(&b, l);
    struct got g = {0};
    events_subscribe(&b, mask_of("PROCESS_STATE"), record_cb, &g);
    assert_int_equal(loop_timer_count(l), 0); /* no TICK subscriber: no wake-ups */
    events_subscribe(&b, mask_of("TICK_3600"), record_cb, &g);
    assert_int_equal(loop_timer_count(l), 1);
    events_unsubscribe(&b, record_cb, &g);
    assert_int_equal(loop_timer_count(l), 0);
    events_release(&b);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_parents),
        cmocka_unit_test(test_matching_and_serials),
        cmocka_unit_test(test_state_payloads),
        cmocka_unit_test(test_output_payloads),
        cmocka_unit_test(test_simple_payloads_and_len),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_tick_timer_only_when_wanted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
