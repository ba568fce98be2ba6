/* Unit tests for supervisor-console's process table: a getAllProcessInfo
 * ARRAY in and each process back out (XML-RPC and the overview's JSON)
 * byte for byte, the usual shape compact and any other kept whole; the
 * order and lookups; event records in, one process updated in place; and
 * hostile input (not a list, missing or mistyped members, NULs, big
 * strings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/console/overview.h"
#include "../../src/console/proctab.h"

/* A process as Supervisor's getAllProcessInfo gives it. */
static struct xmlrpc_value *usual(const char *group, const char *name, long long state,
                                  const char *statename, long long pid)
{
    char log[128];
    snprintf(log, sizeof log, "/var/log/%s-%s.log", group, name);
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "name", xmlrpc_string(name));
    xmlrpc_struct_set(st, "group", xmlrpc_string(group));
    xmlrpc_struct_set(st, "start", xmlrpc_int(1700000000));
    xmlrpc_struct_set(st, "stop", xmlrpc_int(1700000100));
    xmlrpc_struct_set(st, "now", xmlrpc_int(1700000200));
    xmlrpc_struct_set(st, "state", xmlrpc_int(state));
    xmlrpc_struct_set(st, "statename", xmlrpc_string(statename));
    xmlrpc_struct_set(st, "spawnerr", xmlrpc_string(""));
    xmlrpc_struct_set(st, "exitstatus", xmlrpc_int(-3));
    xmlrpc_struct_set(st, "logfile", xmlrpc_string(log));
    xmlrpc_struct_set(st, "stdout_logfile", xmlrpc_string(log));
    xmlrpc_struct_set(st, "stderr_logfile", xmlrpc_string(""));
    xmlrpc_struct_set(st, "pid", xmlrpc_int(pid));
    xmlrpc_struct_set(st, "description", xmlrpc_string("pid 7, uptime 0:03:20"));
    return st;
}

static char *xml_of(const struct xmlrpc_value *v)
{
    struct buf b;
    buf_init(&b);
    xmlrpc_write_value(&b, v);
    return buf_detach(&b);
}

/* p written back is want, as XML-RPC and as the overview's JSON. */
static void same_as(const struct proctab_proc *p, const struct xmlrpc_value *want)
{
    struct xmlrpc_value *got = proctab_to_xmlrpc(p);
    char *g = xml_of(got), *w = xml_of(want);
    assert_string_equal(g, w);
    free(g);
    free(w);
    xmlrpc_free(got);
    struct buf bg, bw;
    buf_init(&bg);
    buf_init(&bw);
    overview_proc(&bg, p, "n1", "prod", true, 0);
    overview_process(&bw, want, "n1", "prod", true);
    assert_int_equal(bg.len, bw.len);
    assert_memory_equal(bg.data, bw.data, bw.len);
    buf_release(&bg);
    buf_release(&bw);
}

static void test_round_trip_sorted(void **state)
{
    (void)state;
    struct xmlrpc_value *a = xmlrpc_array();
    /* not in Supervisor's order: the table sorts by group, then name */
    xmlrpc_array_push(a, usual("web", "b", 20, "RUNNING", 11));
    xmlrpc_array_push(a, usual("db", "z", 0, "STOPPED", 0));
    xmlrpc_array_push(a, usual("web", "a", 200, "FATAL", 0));
    struct xmlrpc_value *odd = usual("web", "c\"q\xff\xc3\xa9\x01", 30, "BACKOFF", -1);
    xmlrpc_struct_set(odd, "spawnerr", xmlrpc_string("can't <spawn> & \\ \t"));
    xmlrpc_struct_set(odd, "exitstatus", xmlrpc_int(9223372036854775807LL));
    xmlrpc_struct_set(odd, "pid", xmlrpc_int(-9223372036854775807LL - 1));
    xmlrpc_array_push(a, odd);
    struct proctab t;
    proctab_init(&t);
    struct err e;
    err_clear(&e);
    assert_int_equal(proctab_from_array(&t, a, &e), 0);
    assert_int_equal(t.n, 4);
    static const char *const order[][2] = {
        {"db", "z"}, {"web", "a"}, {"web", "b"}, {"web", "c\"q\xff\xc3\xa9\x01"}};
    static const size_t from[] = {1, 2, 0, 3};
    for (size_t i = 0; i < 4; i++) {
        const struct proctab_proc *p = &t.procs[i];
        assert_null(p->raw); /* the usual shape: compact */
        assert_string_equal(proctab_str(p, PROCTAB_GROUP), order[i][0]);
        assert_string_equal(proctab_str(p, PROCTAB_NAME), order[i][1]);
        same_as(p, a->items[from[i]]);
    }
    const struct proctab_proc *p = &t.procs[3];
    assert_int_equal(p->state, 30);
    assert_true(p->exitstatus == 9223372036854775807LL);
    assert_true(p->pid == -9223372036854775807LL - 1);
    assert_int_equal(p->start, 1700000000);
    assert_int_equal(p->stop, 1700000100);
    assert_int_equal(p->now, 1700000200);
    assert_string_equal(proctab_str(p, PROCTAB_STATENAME), "BACKOFF");
    assert_string_equal(proctab_str(p, PROCTAB_SPAWNERR), "can't <spawn> & \\ \t");
    assert_int_equal(proctab_len(p, PROCTAB_SPAWNERR), strlen("can't <spawn> & \\ \t"));
    assert_string_equal(proctab_str(p, PROCTAB_STDERR_LOGFILE), "");
    assert_string_equal(proctab_field_name(PROCTAB_STDOUT_LOGFILE), "stdout_logfile");
    /* filled again: the old contents go */
    assert_int_equal(proctab_from_array(&t, a, &e), 0);
    assert_int_equal(t.n, 4);
    proctab_release(&t);
    assert_int_equal(t.n, 0);
    xmlrpc_free(a);
}

/* Other shapes are written back as they came, and read as the API read
 * them: a missing or mistyped string "", a mistyped integer 0. */
static void test_unusual_kept_whole(void **state)
{
    (void)state;
    struct xmlrpc_value *a = xmlrpc_array();
    struct xmlrpc_value *minimal = xmlrpc_struct(); /* the least we take */
    xmlrpc_struct_set(minimal, "group", xmlrpc_string("g"));
    xmlrpc_struct_set(minimal, "name", xmlrpc_string("min"));
    xmlrpc_struct_set(minimal, "state", xmlrpc_int(20));
    xmlrpc_array_push(a, minimal);
    struct xmlrpc_value *typed = usual("g", "typed", 20, "RUNNING", 5);
    xmlrpc_struct_set(typed, "exitstatus", xmlrpc_bool(true));
    xmlrpc_struct_set(typed, "pid", xmlrpc_string("5"));
    xmlrpc_struct_set(typed, "statename", xmlrpc_int(20));
    xmlrpc_array_push(a, typed);
    struct xmlrpc_value *extra = usual("g", "extra", 20, "RUNNING", 6);
    xmlrpc_struct_set(extra, "node", xmlrpc_string("forged")); /* the console's wins */
    xmlrpc_struct_set(extra, "cpu", xmlrpc_double(0.5));
    xmlrpc_array_push(a, extra);
    struct xmlrpc_value *nul = usual("g", "nul", 20, "RUNNING", 7);
    xmlrpc_struct_set(nul, "spawnerr", xmlrpc_string_n("a\0b", 3));
    xmlrpc_array_push(a, nul);
    struct xmlrpc_value *reordered = xmlrpc_struct(); /* same members, another order */
    struct xmlrpc_value *u = usual("g", "reordered", 0, "STOPPED", 0);
    for (size_t i = u->n; i-- > 0;)
        xmlrpc_struct_set(reordered, u->members[i].name, xmlrpc_copy(u->members[i].value));
    xmlrpc_free(u);
    xmlrpc_array_push(a, reordered);

    struct proctab t;
    proctab_init(&t);
    assert_int_equal(proctab_from_array(&t, a, NULL), 0);
    assert_int_equal(t.n, 5);
    for (size_t i = 0; i < t.n; i++)
        assert_non_null(t.procs[i].raw);
    const struct proctab_proc *p = proctab_find(&t, "g", "min");
    assert_non_null(p);
    same_as(p, minimal);
    assert_string_equal(proctab_str(p, PROCTAB_STATENAME), "");
    assert_string_equal(proctab_str(p, PROCTAB_DESCRIPTION), "");
    assert_int_equal(p->state, 20);
    assert_int_equal(p->pid, 0);
    p = proctab_find(&t, "g", "typed");
    same_as(p, typed);
    assert_int_equal(p->exitstatus, 0);
    assert_int_equal(p->pid, 0);
    assert_string_equal(proctab_str(p, PROCTAB_STATENAME), "");
    p = proctab_find(&t, "g", "extra");
    same_as(p, extra);
    struct buf b;
    buf_init(&b);
    overview_proc(&b, p, "n1", NULL, false, 0);
    assert_non_null(strstr(b.data, "\"cpu\":0.5,"));
    assert_null(strstr(b.data, "forged"));
    buf_release(&b);
    p = proctab_find(&t, "g", "nul");
    same_as(p, nul); /* the bytes after the NUL too */
    assert_string_equal(proctab_str(p, PROCTAB_SPAWNERR), "a");
    p = proctab_find(&t, "g", "reordered");
    same_as(p, reordered);
    assert_string_equal(proctab_str(p, PROCTAB_STATENAME), "STOPPED");
    proctab_release(&t);
    xmlrpc_free(a);
}

static void test_refused(void **state)
{
    (void)state;
    struct proctab t;
    proctab_init(&t);
    struct xmlrpc_value *ok = xmlrpc_array();
    xmlrpc_array_push(ok, usual("g", "a", 20, "RUNNING", 1));
    assert_int_equal(proctab_from_array(&t, ok, NULL), 0);
    assert_int_equal(t.n, 1);
    struct err e;
    err_clear(&e);
    /* not a list */
    struct xmlrpc_value *s = xmlrpc_string("x");
    assert_int_equal(proctab_from_array(&t, s, &e), -1);
    assert_int_equal(t.n, 0);
    assert_int_equal(proctab_from_array(&t, NULL, &e), -1);
    xmlrpc_free(s);
    /* an item that is not a process */
    struct xmlrpc_value *bads[4];
    bads[0] = xmlrpc_int(1);
    bads[1] = usual("g", "b", 20, "RUNNING", 1);
    xmlrpc_struct_set(bads[1], "state", xmlrpc_string("20"));
    bads[2] = usual("g", "c", 20, "RUNNING", 1);
    xmlrpc_struct_set(bads[2], "name", xmlrpc_nil());
    bads[3] = xmlrpc_struct();
    xmlrpc_struct_set(bads[3], "name", xmlrpc_string("d"));
    xmlrpc_struct_set(bads[3], "state", xmlrpc_int(0));
    for (size_t i = 0; i < 4; i++) {
        struct xmlrpc_value *a = xmlrpc_array();
        xmlrpc_array_push(a, usual("g", "a", 20, "RUNNING", 1));
        xmlrpc_array_push(a, bads[i]);
        assert_int_equal(proctab_from_array(&t, ok, NULL), 0);
        err_clear(&e);
        assert_int_equal(proctab_from_array(&t, a, &e), -1);
        assert_int_equal(t.n, 0);
        assert_non_null(strstr(e.msg, "process 1"));
        xmlrpc_free(a);
    }
    /* empty is fine */
    struct xmlrpc_value *none = xmlrpc_array();
    assert_int_equal(proctab_from_array(&t, none, NULL), 0);
    assert_int_equal(t.n, 0);
    assert_null(proctab_find(&t, "g", "a"));
    assert_null(proctab_find_ns(&t, "g:a"));
    xmlrpc_free(none);
    xmlrpc_free(ok);
    proctab_release(&t);
}

static void test_lookup(void **state)
{
    (void)state;
    struct xmlrpc_value *a = xmlrpc_array();
    static const char *const names[][2] = {
        {"web", "web_01"}, {"db", "db"}, {"web", "web_00"}, {"a", "x:y"}, {"web", "web"}};
    for (size_t i = 0; i < 5; i++)
        xmlrpc_array_push(a, usual(names[i][0], names[i][1], 20, "RUNNING", (long long)i));
    struct proctab t;
    proctab_init(&t);
    assert_int_equal(proctab_from_array(&t, a, NULL), 0);
    for (size_t i = 1; i < t.n; i++) {
        int c = strcmp(proctab_str(&t.procs[i - 1], PROCTAB_GROUP),
                       proctab_str(&t.procs[i], PROCTAB_GROUP));
        assert_true(c < 0 || (c == 0 && strcmp(proctab_str(&t.procs[i - 1], PROCTAB_NAME),
                                               proctab_str(&t.procs[i], PROCTAB_NAME)) < 0));
    }
    for (size_t i = 0; i < 5; i++) {
        const struct proctab_proc *p = proctab_find(&t, names[i][0], names[i][1]);
        assert_non_null(p);
        assert_int_equal(p->pid, (long long)i);
        size_t k = proctab_index(&t, names[i][0], names[i][1]);
        assert_ptr_equal(&t.procs[k], p);
    }
    assert_int_equal(proctab_find_ns(&t, "web:web_00")->pid, 2);
    assert_int_equal(proctab_find_ns(&t, "db")->pid, 1);    /* name alone: name:name */
    assert_int_equal(proctab_find_ns(&t, "a:x:y")->pid, 3); /* the first ':' splits */
    assert_null(proctab_find_ns(&t, "web_00"));
    assert_null(proctab_find_ns(&t, "web:"));
    assert_null(proctab_find_ns(&t, ""));
    assert_null(proctab_find(&t, "web", "web_02"));
    assert_int_equal(proctab_index(&t, "zz", "a"), SIZE_MAX);
    proctab_release(&t);
    xmlrpc_free(a);
}

static json_t *record(const char *group, const char *name, int state, const char *statename,
                      long long pid, long long start_ms, long long stop_ms)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:s, s:n}", "group", group, "name", name,
                     "state", state, "statename", statename, "pid", (json_int_t)pid, "start",
                     (json_int_t)start_ms, "stop", (json_int_t)stop_ms, "spawnerr", "",
                     "exitstatus");
}

static void test_records(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    struct proctab t;
    proctab_init(&t);
    struct xmlrpc_value *a = xmlrpc_array();
    xmlrpc_array_push(a, usual("web", "a", 0, "STOPPED", 0));
    xmlrpc_array_push(a, usual("web", "b", 0, "STOPPED", 0));
    assert_int_equal(proctab_from_array(&t, a, NULL), 0);
    xmlrpc_free(a);

    /* a change of web:b, as node.c applies it: in its slot, logs kept */
    json_t *rec = record("web", "b", 20, "RUNNING", 4242, 1700000000999, 0);
    size_t at = proctab_index(&t, "web", "b");
    assert_int_equal(at, 1);
    struct proctab_proc info;
    assert_int_equal(proctab_from_record(&info, rec, 1700090065, 0, &t.procs[at], NULL), 0);
    proctab_replace(&t, at, &info);
    assert_null(info.strs);
    const struct proctab_proc *p = proctab_find(&t, "web", "b");
    assert_ptr_equal(p, &t.procs[1]);
    assert_null(p->raw);
    assert_int_equal(p->start, 1700000000);
    assert_int_equal(p->stop, 0);
    assert_int_equal(p->now, 1700090065);
    assert_int_equal(p->pid, 4242);
    assert_int_equal(p->exitstatus, 0); /* null */
    assert_string_equal(proctab_str(p, PROCTAB_DESCRIPTION), "pid 4242, uptime 1 day, 1:01:05");
    assert_string_equal(proctab_str(p, PROCTAB_LOGFILE), "/var/log/web-b.log");
    assert_string_equal(proctab_str(p, PROCTAB_STDOUT_LOGFILE), "/var/log/web-b.log");
    /* written back: Supervisor's 14 members, its order and types */
    struct xmlrpc_value *st = proctab_to_xmlrpc(p);
    struct xmlrpc_value *want = usual("web", "b", 20, "RUNNING", 4242);
    xmlrpc_struct_set(want, "start", xmlrpc_int(1700000000));
    xmlrpc_struct_set(want, "stop", xmlrpc_int(0));
    xmlrpc_struct_set(want, "now", xmlrpc_int(1700090065));
    xmlrpc_struct_set(want, "exitstatus", xmlrpc_int(0));
    xmlrpc_struct_set(want, "description", xmlrpc_string("pid 4242, uptime 1 day, 1:01:05"));
    same_as(p, want);
    /* and read again: still the usual shape */
    struct xmlrpc_value *arr = xmlrpc_array();
    xmlrpc_array_push(arr, st);
    struct proctab t2;
    proctab_init(&t2);
    assert_int_equal(proctab_from_array(&t2, arr, NULL), 0);
    assert_null(t2.procs[0].raw);
    same_as(&t2.procs[0], want);
    proctab_release(&t2);
    xmlrpc_free(arr);
    xmlrpc_free(want);
    json_decref(rec);

    /* a new process: no logs until a poll brings them */
    rec = record("api", "new", 100, "EXITED", 0, 1700000000000, 1700000060000);
    json_object_set_new(rec, "exitstatus", json_integer(2));
    assert_int_equal(proctab_from_record(&info, rec, 1700000100, 0, NULL, NULL), 0);
    proctab_push(&t, &info);
    proctab_sort(&t);
    assert_int_equal(t.n, 3);
    p = &t.procs[0];
    assert_string_equal(proctab_str(p, PROCTAB_NAME), "new");
    assert_int_equal(p->exitstatus, 2);
    assert_string_equal(proctab_str(p, PROCTAB_LOGFILE), "");
    assert_string_equal(proctab_str(p, PROCTAB_DESCRIPTION), "Nov 14 10:14 PM");
    /* a poll fills the logs in */
    struct proctab_proc polled = {0};
    struct xmlrpc_value *u = usual("api", "new", 0, "STOPPED", 0);
    a = xmlrpc_array();
    xmlrpc_array_push(a, u);
    proctab_init(&t2);
    assert_int_equal(proctab_from_array(&t2, a, NULL), 0);
    proctab_copy_logs(&t.procs[0], &t2.procs[0]);
    proctab_copy_logs(&t.procs[0], NULL);    /* nothing */
    proctab_copy_logs(&t.procs[0], &polled); /* an empty process: empty logs */
    assert_string_equal(proctab_str(&t.procs[0], PROCTAB_LOGFILE), "");
    proctab_copy_logs(&t.procs[0], &t2.procs[0]);
    assert_string_equal(proctab_str(&t.procs[0], PROCTAB_LOGFILE), "/var/log/api-new.log");
    assert_string_equal(proctab_str(&t.procs[0], PROCTAB_STDERR_LOGFILE), "");
    assert_string_equal(proctab_str(&t.procs[0], PROCTAB_NAME), "new");
    assert_string_equal(proctab_str(&t.procs[0], PROCTAB_DESCRIPTION), "Nov 14 10:14 PM");
    assert_int_equal(t.procs[0].exitstatus, 2);
    proctab_release(&t2);
    xmlrpc_free(a);
    json_decref(rec);

    /* FATAL: the spawn error, or Supervisor's hint */
    rec = record("api", "f", 200, "FATAL", 0, 0, 0);
    assert_int_equal(proctab_from_record(&info, rec, 5, 0, NULL, NULL), 0);
    assert_string_equal(proctab_str(&info, PROCTAB_DESCRIPTION), "unknown error (try \"tail f\")");
    proctab_proc_release(&info);
    json_object_set_new(rec, "spawnerr", json_string("no such file"));
    json_object_set_new(rec, "state", json_integer(10)); /* STARTING: no description */
    assert_int_equal(proctab_from_record(&info, rec, 5, 0, NULL, NULL), 0);
    assert_string_equal(proctab_str(&info, PROCTAB_DESCRIPTION), "");
    assert_string_equal(proctab_str(&info, PROCTAB_SPAWNERR), "no such file");
    proctab_proc_release(&info);
    json_decref(rec);
    proctab_release(&t);
}

static void test_bad_records(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        json_t *(*value)(void);
        const char *msg;
    } cases[] = {
        {"pid", NULL, "process 2: 'pid' missing or not an integer"},
        {"state", json_true, "process 2: 'state' missing or not an integer"},
        {"group", json_null, "process 2: 'group' missing or not a string"},
        {"statename", json_object, "process 2: 'statename' missing or not a string"},
        {"stop", json_array, "process 2: 'stop' missing or not an integer"},
        {"exitstatus", json_object, "process 2: 'exitstatus' missing or not an integer or null"},
        {"exitstatus", NULL, "process 2: 'exitstatus' missing or not an integer or null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *rec = record("g", "n", 20, "RUNNING", 1, 0, 0);
        if (cases[i].value)
            json_object_set_new(rec, cases[i].key, cases[i].value());
        else
            json_object_del(rec, cases[i].key);
        struct proctab_proc out = {.pid = 77};
        struct err e;
        err_clear(&e);
        assert_int_equal(proctab_from_record(&out, rec, 0, 2, NULL, &e), -1);
        assert_string_equal(e.msg, cases[i].msg);
        assert_int_equal(out.pid, 77); /* untouched */
        assert_null(out.strs);
        json_decref(rec);
    }
    json_t *arr = json_array();
    struct proctab_proc out = {0};
    struct err e;
    err_clear(&e);
    assert_int_equal(proctab_from_record(&out, arr, 0, 4, NULL, &e), -1);
    assert_string_equal(e.msg, "process 4 is not an object");
    json_decref(arr);
}

/* Strings are kept whole, however long (the reply and event caps bound
 * them, as they bound the XML-RPC values before). */
static void test_big_strings(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    struct xmlrpc_value *a = xmlrpc_array();
    struct xmlrpc_value *p = usual("g", big, 200, "FATAL", 0);
    xmlrpc_struct_set(p, "spawnerr", xmlrpc_string(big));
    xmlrpc_struct_set(p, "description", xmlrpc_string(big));
    xmlrpc_array_push(a, p);
    struct proctab t;
    proctab_init(&t);
    assert_int_equal(proctab_from_array(&t, a, NULL), 0);
    assert_null(t.procs[0].raw);
    assert_int_equal(proctab_len(&t.procs[0], PROCTAB_SPAWNERR), n);
    assert_int_equal(proctab_len(&t.procs[0], PROCTAB_NAME), n);
    same_as(&t.procs[0], p);
    assert_non_null(proctab_find(&t, "g", big));
    json_t *rec = record("g", big, 200, "FATAL", 0, 0, 0);
    json_object_set_new(rec, "spawnerr", json_string(big));
    struct proctab_proc info;
    assert_int_equal(proctab_from_record(&info, rec, 0, 0, &t.procs[0], NULL), 0);
    assert_int_equal(proctab_len(&info, PROCTAB_DESCRIPTION), n);
    assert_string_equal(proctab_str(&info, PROCTAB_DESCRIPTION), big);
    proctab_replace(&t, 0, &info);
    json_decref(rec);
    proctab_release(&t);
    xmlrpc_free(a);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sorted), cmocka_unit_test(test_unusual_kept_whole),
        cmocka_unit_test(test_refused),           cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_records),           cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_big_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
