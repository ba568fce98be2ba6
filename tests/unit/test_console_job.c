/* Unit tests for supervisor-console's jobs and selectors: a fake runner
 * records what is started, cancelled and ended, and reports outcomes when
 * the test says; rolling jobs go N at a time and stop at the first
 * failure, others run JOB_PARALLEL at a time and never stop; cancel; the
 * list keeps JOBS_KEEP; the JSON shape; finished jobs read back from their
 * saved JSON (a restarted console); the body of POST /api/v1/actions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/console/job.h"
#include "../../src/console/selector.h"

struct fake {
    int started, cancelled, ended, finished;
    int ended_when_finished; /* items ended before the job's finished */
    char log[4096]; /* "s0 e0:ok c1 ..." */
};

static size_t idx(struct job *j, struct job_item *it)
{
    return (size_t)(it - j->items);
}

static void *f_start(void *ctx, struct job *j, struct job_item *it)
{
    struct fake *f = ctx;
    f->started++;
    snprintf(f->log + strlen(f->log), sizeof f->log - strlen(f->log), "s%zu ", idx(j, it));
    return it; /* a handle */
}

static void f_cancel(void *ctx, struct job *j, struct job_item *it)
{
    struct fake *f = ctx;
    assert_ptr_equal(it->call, it);
    f->cancelled++;
    snprintf(f->log + strlen(f->log), sizeof f->log - strlen(f->log), "c%zu ", idx(j, it));
}

static void f_ended(void *ctx, struct job *j, struct job_item *it)
{
    struct fake *f = ctx;
    f->ended++;
    snprintf(f->log + strlen(f->log), sizeof f->log - strlen(f->log), "e%zu:%s ", idx(j, it),
             job_item_state_name(it->state));
}

static void f_finished(void *ctx, struct job *j)
{
    struct fake *f = ctx;
    assert_int_not_equal(j->state, JOB_RUNNING);
    f->finished++;
    f->ended_when_finished = f->ended;
}

static const struct job_ops fake_ops = {f_start, f_cancel, f_ended, f_finished};

static struct job *make(enum job_action a, unsigned rolling, int n)
{
    struct job *j = job_new(a, "ann", rolling, 100.0);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "g:p%d", i);
        job_add_item(j, i % 2 ? "n2" : "n1", name, "prod", NULL);
    }
    return j;
}

static void test_rolling_one_at_a_time(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = make(JOB_RESTART, 1, 4);
    job_start(&js, j, 100.0);
    assert_int_equal(j->id, 1);
    assert_string_equal(f.log, "s0 ");
    assert_int_equal(j->items[1].state, ITEM_PENDING);
    job_item_done(j, &j->items[0], true, 0, NULL, NULL, 101.0);
    job_item_done(j, &j->items[1], true, 0, NULL, NULL, 102.0);
    assert_string_equal(f.log, "s0 e0:ok s1 e1:ok s2 ");
    assert_int_equal(j->state, JOB_RUNNING);
    /* the first failure: the rest are skipped, the job failed */
    job_item_done(j, &j->items[2], false, 50, "SPAWN_ERROR", "SPAWN_ERROR: g:p2", 103.0);
    assert_string_equal(f.log, "s0 e0:ok s1 e1:ok s2 e2:error e3:skipped ");
    assert_int_equal(j->state, JOB_FAILED);
    assert_true(j->finished == 103.0);
    assert_int_equal(j->ok, 2);
    assert_int_equal(j->failed, 1);
    /* a late report of a finished item changes nothing */
    job_item_done(j, &j->items[2], true, 0, NULL, NULL, 104.0);
    assert_int_equal(j->ok, 2);
    assert_int_equal(job_cancel(j, 105.0), -1);

    json_t *o = job_json(j);
    assert_int_equal(json_integer_value(json_object_get(o, "id")), 1);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(o, "action")), "restart");
    assert_string_equal(json_string_value(json_object_get(o, "user")), "ann");
    assert_int_equal(json_integer_value(json_object_get(o, "rolling")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 4);
    assert_true(json_real_value(json_object_get(o, "finished")) == 103.0);
    json_t *items = json_object_get(o, "items");
    json_t *e = json_object_get(json_array_get(items, 2), "error");
    assert_int_equal(json_integer_value(json_object_get(e, "code")), 50);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "SPAWN_ERROR");
    assert_true(json_is_null(json_object_get(json_array_get(items, 3), "error")));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(items, 3), "state")), "skipped");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "node")),
                        "n2");
    json_decref(o);
    jobs_release(&js);
}

static void test_rolling_two(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = make(JOB_RESTART, 2, 5);
    job_start(&js, j, 0);
    assert_string_equal(f.log, "s0 s1 ");
    job_item_done(j, &j->items[1], true, 0, NULL, NULL, 1);
    assert_string_equal(f.log, "s0 s1 e1:ok s2 ");
    /* a failure while another runs: that one finishes, nothing new starts */
    job_item_done(j, &j->items[0], false, 0, "NODE_TIMEOUT", "no answer", 2);
    assert_string_equal(f.log, "s0 s1 e1:ok s2 e0:error e3:skipped e4:skipped ");
    assert_int_equal(j->state, JOB_RUNNING);
    job_item_done(j, &j->items[2], true, 0, NULL, NULL, 3);
    assert_int_equal(j->state, JOB_FAILED);
    assert_int_equal(f.started, 3);
    jobs_release(&js);
}

static void test_parallel(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = make(JOB_STOP, 0, JOB_PARALLEL + 2);
    job_start(&js, j, 0);
    assert_int_equal(f.started, JOB_PARALLEL);
    assert_int_equal(j->running, JOB_PARALLEL);
    /* a failure does not stop it; a freed slot starts the next */
    job_item_done(j, &j->items[0], false, 70, "NOT_RUNNING", "NOT_RUNNING: g:p0", 1);
    assert_int_equal(f.started, JOB_PARALLEL + 1);
    for (size_t i = 1; i < j->n; i++)
        job_item_done(j, &j->items[i], true, 0, NULL, NULL, 2);
    assert_int_equal(f.started, JOB_PARALLEL + 2);
    assert_int_equal(j->state, JOB_FAILED);
    assert_int_equal(j->ok, JOB_PARALLEL + 1);
    assert_int_equal(j->failed, 1);
    /* all ok: done; no item: done at once */
    struct job *k = make(JOB_START, 0, 2);
    job_start(&js, k, 3);
    job_item_done(k, &k->items[1], true, 0, NULL, NULL, 4);
    job_item_done(k, &k->items[0], true, 0, NULL, NULL, 4);
    assert_int_equal(k->state, JOB_DONE);
    struct job *empty = make(JOB_START, 0, 0);
    job_start(&js, empty, 5);
    assert_int_equal(empty->state, JOB_DONE);
    assert_ptr_equal(js.head, empty); /* newest first */
    assert_ptr_equal(jobs_find(&js, k->id), k);
    assert_null(jobs_find(&js, 99));
    jobs_release(&js);
}

static void test_cancel(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = make(JOB_RESTART, 2, 4);
    job_start(&js, j, 0);
    job_item_done(j, &j->items[0], true, 0, NULL, NULL, 1);
    assert_string_equal(f.log, "s0 s1 e0:ok s2 ");
    assert_int_equal(job_cancel(j, 7), 0);
    assert_string_equal(f.log, "s0 s1 e0:ok s2 c1 e1:cancelled c2 e2:cancelled e3:cancelled ");
    assert_int_equal(j->state, JOB_CANCELLED);
    assert_int_equal(j->running, 0);
    assert_true(j->finished == 7);
    assert_int_equal(job_cancel(j, 8), -1);
    /* a report for a cancelled call is ignored */
    job_item_done(j, &j->items[1], true, 0, NULL, NULL, 9);
    assert_int_equal(j->ok, 1);
    assert_int_equal(j->state, JOB_CANCELLED);
    jobs_release(&js);
}

/* A node removed by a reload: its items end as errors wherever they are
 * (running: cancelled first; pending: passed over later), the others go
 * on; a rolling job stops there as at any failure. */
static void test_drop_ref(void **state)
{
    (void)state;
    static int a, b; /* two nodes */
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = job_new(JOB_START, "ann", 0, 100.0);
    for (int i = 0; i < 4; i++)
        job_add_item(j, i == 1 ? "b" : "a", "g:p", "prod", i == 1 ? (void *)&b : (void *)&a);
    j->width = 2; /* a, b running; two more of a pending */
    job_start(&js, j, 100.0);
    assert_string_equal(f.log, "s0 s1 ");
    jobs_drop_ref(&js, &a, 0, "NODE_REMOVED", "gone", 101.0);
    assert_string_equal(f.log, "s0 s1 c0 e0:error e2:error e3:error ");
    assert_null(j->items[0].ref);
    assert_ptr_equal(j->items[1].ref, &b);
    assert_string_equal(j->items[2].err_name, "NODE_REMOVED");
    assert_string_equal(j->items[3].err_message, "gone");
    assert_int_equal(j->state, JOB_RUNNING); /* b still runs */
    job_item_done(j, &j->items[1], true, 0, NULL, NULL, 102.0);
    assert_int_equal(j->state, JOB_FAILED);
    assert_int_equal(j->ok, 1);
    assert_int_equal(j->failed, 3);
    assert_int_equal(f.started, 2); /* nothing of a's was started after */

    /* rolling: b's item pending behind a's is skipped */
    struct job *r = job_new(JOB_RESTART, "ann", 1, 103.0);
    job_add_item(r, "a", "g:p0", "prod", &a);
    job_add_item(r, "b", "g:p1", "prod", &b);
    job_add_item(r, "a", "g:p2", "prod", &a);
    f.log[0] = '\0';
    job_start(&js, r, 103.0);
    assert_string_equal(f.log, "s0 ");
    jobs_drop_ref(&js, &a, 0, "NODE_REMOVED", "gone", 104.0);
    assert_string_equal(f.log, "s0 c0 e0:error e2:error e1:skipped ");
    assert_int_equal(r->state, JOB_FAILED);
    /* the environment is the item's own copy */
    assert_string_equal(r->items[1].environment, "prod");
    jobs_release(&js);
}

static void test_keep(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *running = make(JOB_STOP, 0, 1);
    job_start(&js, running, 0); /* the oldest, still running: kept */
    for (int i = 0; i < JOBS_KEEP + 10; i++)
        job_start(&js, make(JOB_STOP, 0, 0), i);
    assert_int_equal(js.n, JOBS_KEEP);
    assert_ptr_equal(jobs_find(&js, running->id), running);
    assert_null(jobs_find(&js, 2)); /* the oldest finished went */
    assert_int_equal(jobs_running(&js), 1);
    /* shutdown cancels the call in flight without an "ended" */
    int ended = f.ended;
    jobs_release(&js);
    assert_int_equal(f.cancelled, 1);
    assert_int_equal(f.ended, ended);
}

/* ---- selectors ---- */

static int parse(struct selector *sel, const char *text, struct err *e)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int r = selector_parse(sel, j, e);
    json_decref(j);
    return r;
}

static void test_selector_ok(void **state)
{
    (void)state;
    struct selector s;
    struct err e;
    assert_int_equal(parse(&s,
                           "{\"action\":\"restart\",\"rolling\":2,\"targets\":["
                           "{\"node\":\"web1\",\"name\":\"g:p\"},{\"name\":\"x\",\"node\":\"n\"}]}",
                           &e),
                     0);
    assert_int_equal(s.action, JOB_RESTART);
    assert_int_equal(s.rolling, 2);
    assert_int_equal(s.ntargets, 2);
    assert_string_equal(s.targets[0].node, "web1");
    assert_string_equal(s.targets[0].name, "g:p");
    assert_string_equal(s.targets[1].node, "n");
    selector_release(&s);

    assert_int_equal(parse(&s,
                           "{\"action\":\"stop\",\"environment\":\"\",\"group\":\"web\","
                           "\"state\":\"running,FATAL\",\"name\":\"app_*\",\"rolling\":null}",
                           &e),
                     0);
    assert_null(s.targets);
    assert_int_equal(s.rolling, 0);
    assert_true(selector_matches(&s, "n1", "", "web", "app_1", "RUNNING"));
    assert_true(selector_matches(&s, "n2", "", "web", "app_2", "FATAL"));
    assert_false(selector_matches(&s, "n1", "prod", "web", "app_1", "RUNNING"));
    assert_false(selector_matches(&s, "n1", "", "web2", "app_1", "RUNNING"));
    assert_false(selector_matches(&s, "n1", "", "web", "app_1", "STOPPED"));
    assert_false(selector_matches(&s, "n1", "", "web", "db", "RUNNING"));
    selector_release(&s);

    assert_int_equal(parse(&s, "{\"action\":\"start\",\"all\":true}", &e), 0);
    assert_true(s.all);
    assert_true(selector_matches(&s, "n", "e", "g", "p", "STOPPED"));
    selector_release(&s);
    assert_int_equal(parse(&s, "{\"action\":\"start\",\"name\":\"web:*\",\"node\":\"n\"}", &e),
                     0);
    assert_true(selector_matches(&s, "n", "e", "web", "a", "STOPPED"));
    assert_false(selector_matches(&s, "m", "e", "web", "a", "STOPPED"));
    selector_release(&s);

    assert_true(selector_state_matches("running", "RUNNING"));
    assert_false(selector_state_matches("runnin", "RUNNING"));
    assert_false(selector_state_matches("", "RUNNING"));
    assert_true(selector_name_matches("g:*", "g", "p"));
    assert_true(selector_name_matches("p", "g", "p"));
    assert_false(selector_name_matches("g", "g", "p"));
}

static void test_selector_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"[]", "expected a JSON object"},
        {"{\"all\":true}", "\"action\" is required"},
        {"{\"action\":\"kill\",\"all\":true}", "\"action\" must be"},
        {"{\"action\":1,\"all\":true}", "\"action\" must be"},
        {"{\"action\":\"stop\"}", "give \"targets\", at least one filter"},
        {"{\"action\":\"stop\",\"all\":false}", "give \"targets\", at least one filter"},
        {"{\"action\":\"stop\",\"all\":1}", "\"all\" must be true or false"},
        {"{\"action\":\"stop\",\"enviroment\":\"prod\"}", "unknown key \"enviroment\""},
        {"{\"action\":\"stop\",\"node\":\"\"}", "a filter must be"},
        {"{\"action\":\"stop\",\"node\":3}", "a filter must be"},
        {"{\"action\":\"stop\",\"name\":\"a\\nb\"}", "a filter must be"},
        {"{\"action\":\"stop\",\"rolling\":1,\"all\":true}", "for a restart only"},
        {"{\"action\":\"restart\",\"rolling\":0,\"all\":true}", "\"rolling\" must be"},
        {"{\"action\":\"restart\",\"rolling\":1001,\"all\":true}", "\"rolling\" must be"},
        {"{\"action\":\"restart\",\"rolling\":1.5,\"all\":true}", "\"rolling\" must be"},
        {"{\"action\":\"stop\",\"targets\":[]}", "\"targets\" must be"},
        {"{\"action\":\"stop\",\"targets\":{}}", "\"targets\" must be"},
        {"{\"action\":\"stop\",\"targets\":[{\"node\":\"n\"}]}", "each target"},
        {"{\"action\":\"stop\",\"targets\":[{\"node\":\"n\",\"name\":\"\"}]}", "each target"},
        {"{\"action\":\"stop\",\"targets\":[{\"node\":\"n\",\"name\":\"x\",\"z\":1}]}",
         "each target"},
        {"{\"action\":\"stop\",\"targets\":[\"n\"]}", "each target"},
        {"{\"action\":\"stop\",\"group\":\"g\",\"targets\":[{\"node\":\"n\",\"name\":\"x\"}]}",
         "not both"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct selector s;
        struct err e;
        err_clear(&e);
        if (parse(&s, cases[i].text, &e) == 0 || !strstr(e.msg, cases[i].msg))
            fail_msg("%s: got '%s', want '%s'", cases[i].text, e.msg, cases[i].msg);
        assert_null(s.targets);
        assert_null(s.group);
    }
    /* a name longer than 255 bytes */
    char text[600];
    snprintf(text, sizeof text, "{\"action\":\"stop\",\"name\":\"%0300d\"}", 0);
    struct selector s;
    struct err e;
    assert_int_equal(parse(&s, text, &e), -1);
}

/* A finished job is told once, then read back from job_saved_json as the
 * API showed it; what is not a saved job is refused. */
static void test_saved(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jobs js;
    jobs_init(&js, &fake_ops, &f);
    struct job *j = make(JOB_RESTART, 1, 3);
    job_start(&js, j, 100.0);
    job_item_done(j, &j->items[0], true, 0, NULL, NULL, 101.0);
    assert_int_equal(f.finished, 0);
    job_item_done(j, &j->items[1], false, 60, "NOT_RUNNING", "process not running", 102.0);
    assert_int_equal(f.finished, 1); /* the rolling job stops: item 2 skipped */
    assert_int_equal(f.ended_when_finished, 3);
    assert_int_equal(j->state, JOB_FAILED);
    assert_int_equal(job_cancel(j, 103.0), -1);
    assert_int_equal(f.finished, 1);

    json_t *saved = job_saved_json(j);
    struct job *back = job_from_json(saved);
    assert_non_null(back);
    json_t *a = job_json(j), *b = job_json(back);
    assert_true(json_equal(a, b));
    assert_string_equal(back->items[1].environment, "prod");
    json_decref(a);
    json_decref(b);
    /* listed after the jobs of this run; new ones numbered after it */
    struct jobs js2;
    jobs_init(&js2, &fake_ops, &f);
    back->id = 41;
    assert_true(jobs_restore(&js2, back));
    struct job *again = job_from_json(saved);
    again->id = 41;
    assert_false(jobs_restore(&js2, again)); /* the id is taken */
    job_free(again);
    struct job *n = make(JOB_START, 0, 1);
    job_start(&js2, n, 200.0);
    assert_int_equal(n->id, 42);
    assert_ptr_equal(js2.head, n);
    assert_ptr_equal(js2.head->next_job, back);
    assert_ptr_equal(jobs_find(&js2, 41), back);
    assert_int_equal(job_cancel(back, 201.0), -1); /* finished: 409 in the API */

    /* not a saved job */
    const char *bad[] = {
        "{}",
        "{\"id\": 0, \"action\": \"start\", \"user\": \"u\", \"created\": 1, \"finished\": 2,"
        " \"state\": \"done\", \"rolling\": null, \"items\": []}",
        "{\"id\": 3, \"action\": \"start\", \"user\": \"u\", \"created\": 1, \"finished\": 2,"
        " \"state\": \"running\", \"rolling\": null, \"items\": []}",
        "{\"id\": 3, \"action\": \"start\", \"user\": \"u\", \"created\": 1, \"finished\": 2,"
        " \"state\": \"done\", \"rolling\": null, \"items\": [{\"node\": \"n\", \"name\": \"p\","
        " \"state\": \"ok\", \"error\": null}]}", /* no environment */
        "{\"id\": 3, \"action\": \"start\", \"user\": \"u\", \"created\": 1, \"finished\": 2,"
        " \"state\": \"failed\", \"rolling\": null, \"items\": [{\"node\": \"n\", \"name\": \"p\","
        " \"environment\": \"\", \"state\": \"error\", \"error\": null}]}",
        "[1]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = json_loads(bad[i], 0, NULL);
        assert_non_null(o);
        assert_null(job_from_json(o));
        json_decref(o);
    }
    json_decref(saved);
    jobs_release(&js);
    jobs_release(&js2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rolling_one_at_a_time),
        cmocka_unit_test(test_rolling_two),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_drop_ref),
        cmocka_unit_test(test_keep),
        cmocka_unit_test(test_saved),
        cmocka_unit_test(test_selector_ok),
        cmocka_unit_test(test_selector_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
