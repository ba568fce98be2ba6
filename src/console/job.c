/* job: items advance pending -> running -> ok/error, or to skipped or
 * cancelled; the job is done when nothing is pending or running. */
#include "job.h"

#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "xalloc.h"

static const char *const action_names[] = {"start", "stop", "restart"};
static const char *const state_names[] = {"running", "done", "failed", "cancelled"};
static const char *const item_names[] = {"pending", "running",  "ok",
                                         "error",   "skipped", "cancelled"};

const char *job_action_name(enum job_action a)
{
    return (unsigned)a < 3 ? action_names[a] : "?";
}

int job_action_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, action_names[i]) == 0)
            return i;
    return -1;
}

const char *job_state_name(enum job_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
}

const char *job_item_state_name(enum job_item_state s)
{
    return (unsigned)s < 6 ? item_names[s] : "?";
}

void jobs_init(struct jobs *js, const struct job_ops *ops, void *ctx)
{
    memset(js, 0, sizeof *js);
    js->ops = ops;
    js->ctx = ctx;
    js->next_id = 1;
}

static void unlink_job(struct jobs *js, struct job *j)
{
    if (j->prev)
        j->prev->next_job = j->next_job;
    else
        js->head = j->next_job;
    if (j->next_job)
        j->next_job->prev = j->prev;
    js->n--;
    j->owner = NULL;
}

void jobs_release(struct jobs *js)
{
    while (js->head) {
        struct job *j = js->head;
        for (size_t i = 0; i < j->n; i++)
            if (j->items[i].state == ITEM_RUNNING)
                js->ops->cancel(js->ctx, j, &j->items[i]);
        unlink_job(js, j);
        job_free(j);
    }
}

size_t jobs_running(const struct jobs *js)
{
    size_t n = 0;
    for (const struct job *j = js->head; j; j = j->next_job)
        n += j->state == JOB_RUNNING;
    return n;
}

struct job *jobs_find(struct jobs *js, uint64_t id)
{
    for (struct job *j = js->head; j; j = j->next_job)
        if (j->id == id)
            return j;
    return NULL;
}

struct job *job_new(enum job_action a, const char *user, unsigned rolling, double now)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->action = a;
    j->user = xstrdup(user);
    j->created = now;
    j->state = JOB_RUNNING;
    j->rolling = rolling;
    j->width = rolling ? rolling : JOB_PARALLEL;
    return j;
}

void job_add_item(struct job *j, const char *node, const char *name, const char *environment,
                  void *ref)
{
    j->items = xgrow(j->items, &j->cap, j->n + 1, sizeof *j->items);
    struct job_item *it = &j->items[j->n++];
    memset(it, 0, sizeof *it);
    it->node = xstrdup(node);
    it->name = xstrdup(name);
    it->environment = xstrdup(environment);
    it->ref = ref;
}

void job_free(struct job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        free(j->items[i].node);
        free(j->items[i].name);
        free(j->items[i].environment);
        free(j->items[i].err_name);
        free(j->items[i].err_message);
    }
    free(j->items);
    free(j->user);
    free(j);
}

static void finish_item(struct job *j, struct job_item *it, enum job_item_state st)
{
    it->state = st;
    it->call = NULL;
    if (j->owner)
        j->owner->ops->ended(j->owner->ctx, j, it);
}

/* Start what the width allows; end the job when nothing is left. */
static void pump(struct job *j, double now)
{
    struct jobs *js = j->owner;
    if (j->state != JOB_RUNNING)
        return;
    /* items that ended before their turn (jobs_drop_ref) are passed over */
    if (j->rolling && j->failed) /* a rolling job stops at the first failure */
        for (; j->next < j->n; j->next++)
            if (j->items[j->next].state == ITEM_PENDING)
                finish_item(j, &j->items[j->next], ITEM_SKIPPED);
    while (j->running < j->width && j->next < j->n) {
        struct job_item *it = &j->items[j->next++];
        if (it->state != ITEM_PENDING)
            continue;
        it->state = ITEM_RUNNING;
        j->running++;
        it->call = js->ops->start(js->ctx, j, it);
    }
    if (j->running == 0 && j->next >= j->n) {
        j->state = j->failed ? JOB_FAILED : JOB_DONE;
        j->finished = now;
        if (js && js->ops->finished)
            js->ops->finished(js->ctx, j);
    }
}

void job_start(struct jobs *js, struct job *j, double now)
{
    j->id = js->next_id++;
    j->owner = js;
    j->next_job = js->head;
    if (js->head)
        js->head->prev = j;
    js->head = j;
    js->n++;
    /* beyond JOBS_KEEP, drop the oldest finished jobs */
    struct job *last = js->head;
    while (last->next_job)
        last = last->next_job;
    while (js->n > JOBS_KEEP && last) {
        struct job *prev = last->prev;
        if (last->state != JOB_RUNNING) {
            unlink_job(js, last);
            job_free(last);
        }
        last = prev;
    }
    pump(j, now);
}

void job_item_done(struct job *j, struct job_item *it, bool ok, int code, const char *name,
                   const char *message, double now)
{
    if (it->state != ITEM_RUNNING)
        return;
    j->running--;
    if (ok) {
        j->ok++;
        finish_item(j, it, ITEM_OK);
    } else {
        j->failed++;
        it->err_code = code;
        it->err_name = xstrdup(name ? name : "UNKNOWN");
        it->err_message = xstrdup(message ? message : "");
        finish_item(j, it, ITEM_ERROR);
    }
    pump(j, now);
}

int job_cancel(struct job *j, double now)
{
    if (j->state != JOB_RUNNING)
        return -1;
    j->state = JOB_CANCELLED; /* first: no item starts from here on */
    j->finished = now;
    for (size_t i = 0; i < j->n; i++) {
        struct job_item *it = &j->items[i];
        if (it->state == ITEM_RUNNING) {
            if (j->owner)
                j->owner->ops->cancel(j->owner->ctx, j, it);
            j->running--;
            finish_item(j, it, ITEM_CANCELLED);
        } else if (it->state == ITEM_PENDING) {
            finish_item(j, it, ITEM_CANCELLED);
        }
    }
    j->next = j->n;
    if (j->owner && j->owner->ops->finished)
        j->owner->ops->finished(j->owner->ctx, j);
    return 0;
}

void jobs_drop_ref(struct jobs *js, const void *ref, int code, const char *name,
                   const char *message, double now)
{
    for (struct job *j = js->head; j; j = j->next_job) {
        bool ended = false;
        for (size_t i = 0; i < j->n; i++) {
            struct job_item *it = &j->items[i];
            if (it->ref != ref)
                continue;
            if (it->state == ITEM_RUNNING) {
                js->ops->cancel(js->ctx, j, it);
                j->running--;
            } else if (it->state != ITEM_PENDING) {
                it->ref = NULL;
                continue;
            }
            it->ref = NULL;
            j->failed++;
            it->err_code = code;
            it->err_name = xstrdup(name);
            it->err_message = xstrdup(message);
            finish_item(j, it, ITEM_ERROR);
            ended = true;
        }
        if (ended)
            pump(j, now);
    }
}

static json_t *str(const char *s)
{
    return jsonv_string(s, strlen(s));
}

json_t *job_json(const struct job *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)j->id));
    json_object_set_new(o, "action", json_string(job_action_name(j->action)));
    json_object_set_new(o, "user", str(j->user));
    json_object_set_new(o, "created", json_real(j->created));
    json_object_set_new(o, "finished", j->state == JOB_RUNNING ? json_null() : json_real(j->finished));
    json_object_set_new(o, "state", json_string(job_state_name(j->state)));
    json_object_set_new(o, "rolling", j->rolling ? json_integer(j->rolling) : json_null());
    json_object_set_new(o, "total", json_integer((json_int_t)j->n));
    json_object_set_new(o, "ok", json_integer((json_int_t)j->ok));
    json_object_set_new(o, "failed", json_integer((json_int_t)j->failed));
    json_t *items = json_array();
    for (size_t i = 0; i < j->n; i++) {
        const struct job_item *it = &j->items[i];
        json_t *x = json_object();
        json_object_set_new(x, "node", str(it->node));
        json_object_set_new(x, "name", str(it->name));
        json_object_set_new(x, "state", json_string(job_item_state_name(it->state)));
        if (it->state == ITEM_ERROR) {
            json_t *e = json_object();
            json_object_set_new(e, "code", json_integer(it->err_code));
            json_object_set_new(e, "name", str(it->err_name));
            json_object_set_new(e, "message", str(it->err_message));
            json_object_set_new(x, "error", e);
        } else {
            json_object_set_new(x, "error", json_null());
        }
        json_array_append_new(items, x);
    }
    json_object_set_new(o, "items", items);
    return o;
}

json_t *job_saved_json(const struct job *j)
{
    json_t *o = job_json(j);
    json_t *items = json_object_get(o, "items");
    for (size_t i = 0; i < j->n; i++)
        json_object_set_new(json_array_get(items, i), "environment",
                            str(j->items[i].environment));
    return o;
}

static const char *get_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int name_index(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

struct job *job_from_json(const json_t *o)
{
    const json_t *id = json_object_get(o, "id"), *items = json_object_get(o, "items");
    const json_t *rolling = json_object_get(o, "rolling");
    int action = job_action_parse(get_str(o, "action") ? get_str(o, "action") : "");
    int state = name_index(get_str(o, "state"), state_names, 4);
    const char *user = get_str(o, "user");
    if (!json_is_integer(id) || json_integer_value(id) < 1 || action < 0 || state <= JOB_RUNNING ||
        !user || !json_is_number(json_object_get(o, "created")) ||
        !json_is_number(json_object_get(o, "finished")) || !json_is_array(items) ||
        json_array_size(items) > JOB_ITEMS_MAX ||
        !(json_is_null(rolling) || (json_is_integer(rolling) && json_integer_value(rolling) > 0 &&
                                    json_integer_value(rolling) <= JOB_ITEMS_MAX)))
        return NULL;
    struct job *j = job_new((enum job_action)action, user,
                            json_is_integer(rolling) ? (unsigned)json_integer_value(rolling) : 0,
                            json_number_value(json_object_get(o, "created")));
    j->id = (uint64_t)json_integer_value(id);
    j->state = (enum job_state)state;
    j->finished = json_number_value(json_object_get(o, "finished"));
    size_t i;
    const json_t *x;
    json_array_foreach(items, i, x) {
        const char *node = get_str(x, "node"), *name = get_str(x, "name");
        const char *env = get_str(x, "environment");
        int st = name_index(get_str(x, "state"), item_names, 6);
        const json_t *e = json_object_get(x, "error");
        if (!node || !name || !env || st <= ITEM_RUNNING ||
            (st == ITEM_ERROR && (!json_is_integer(json_object_get(e, "code")) ||
                                  !get_str(e, "name") || !get_str(e, "message")))) {
            job_free(j);
            return NULL;
        }
        job_add_item(j, node, name, env, NULL);
        struct job_item *it = &j->items[j->n - 1];
        it->state = (enum job_item_state)st;
        if (st == ITEM_ERROR) {
            it->err_code = (int)json_integer_value(json_object_get(e, "code"));
            it->err_name = xstrdup(get_str(e, "name"));
            it->err_message = xstrdup(get_str(e, "message"));
            j->failed++;
        }
        j->ok += st == ITEM_OK;
    }
    j->next = j->n;
    return j;
}

bool jobs_restore(struct jobs *js, struct job *j)
{
    if (js->n >= JOBS_KEEP || jobs_find(js, j->id))
        return false;
    struct job *last = js->head;
    while (last && last->next_job)
        last = last->next_job;
    j->owner = js;
    j->prev = last;
    j->next_job = NULL;
    if (last)
        last->next_job = j;
    else
        js->head = j;
    js->n++;
    if (j->id >= js->next_id)
        js->next_id = j->id + 1;
    return true;
}
