/* bulk: the job runner on real nodes (struct job_ops) and the job routes.
 * The state machine is job.c's, the body's checks selector.c's. */
#include "bulk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job.h"
#include "log.h"
#include "reply.h"
#include "selector.h"
#include "xalloc.h"

struct bulk {
    struct jobs jobs;
    struct node **nodes; /* borrowed array */
    size_t n;
    struct store *store; /* borrowed */
};

/* One item's call in flight (job_item.call). */
struct bulk_call {
    struct bulk *b;
    struct job *j;
    struct job_item *it;
    struct rpcclient_call *call; /* owned by the node's rpcclient until done */
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the runner ---- */

static bool fault_of(const struct xmlrpc_value *v, int *code, const char **text)
{
    if (v->type != XMLRPC_STRUCT)
        return false;
    const struct xmlrpc_value *c = xmlrpc_struct_get(v, "faultCode");
    if (!c || c->type != XMLRPC_INT)
        return false;
    *code = (int)c->i;
    const struct xmlrpc_value *t = xmlrpc_struct_get(v, "faultString");
    *text = t && t->type == XMLRPC_STRING ? t->s : "";
    return true;
}

static void call_done(void *arg, struct rpcclient_result *r)
{
    struct bulk_call *bc = arg;
    bool ok = false;
    int code = 0;
    const char *name = NULL, *msg = NULL;
    switch (r->status) {
    case RPCCLIENT_TIMEOUT:
        name = "NODE_TIMEOUT";
        msg = r->error;
        break;
    case RPCCLIENT_ERROR:
        name = "NODE_UNAVAILABLE";
        msg = r->error;
        break;
    case RPCCLIENT_FAULT:
        code = r->fault_code;
        name = reply_fault_name(code);
        msg = r->fault_string;
        break;
    case RPCCLIENT_OK:
        ok = true;
        if (bc->j->action == JOB_RESTART) {
            /* [stop, start]: stopping a stopped process is fine */
            const struct xmlrpc_value *v = r->value;
            if (v->type != XMLRPC_ARRAY || v->n != 2) {
                ok = false;
                name = "NODE_UNAVAILABLE";
                msg = "unexpected reply to system.multicall";
            } else if ((fault_of(v->items[0], &code, &msg) && code != 70) ||
                       fault_of(v->items[1], &code, &msg)) {
                ok = false;
                name = reply_fault_name(code);
            }
        }
        break;
    }
    struct job *j = bc->j;
    struct job_item *it = bc->it;
    free(bc);
    job_item_done(j, it, ok, code, name, msg, wall_now());
}

static struct xmlrpc_value *call_struct(const char *method, const char *name)
{
    struct xmlrpc_value *c = xmlrpc_struct();
    xmlrpc_struct_set(c, "methodName", xmlrpc_string(method));
    struct xmlrpc_value *params = xmlrpc_array();
    xmlrpc_array_push(params, xmlrpc_string(name));
    xmlrpc_array_push(params, xmlrpc_bool(true));
    xmlrpc_struct_set(c, "params", params);
    return c;
}

static void *run_start(void *ctx, struct job *j, struct job_item *it)
{
    struct bulk_call *bc = xcalloc(1, sizeof *bc);
    bc->b = ctx;
    bc->j = j;
    bc->it = it;
    struct xmlrpc_value *params = xmlrpc_array();
    const char *method;
    if (j->action == JOB_RESTART) {
        method = "system.multicall";
        struct xmlrpc_value *calls = xmlrpc_array();
        xmlrpc_array_push(calls, call_struct("supervisor.stopProcess", it->name));
        xmlrpc_array_push(calls, call_struct("supervisor.startProcess", it->name));
        xmlrpc_array_push(params, calls);
    } else {
        /* wait=True, as supervisorctl does */
        method = j->action == JOB_START ? "supervisor.startProcess" : "supervisor.stopProcess";
        xmlrpc_array_push(params, xmlrpc_string(it->name));
        xmlrpc_array_push(params, xmlrpc_bool(true));
    }
    bc->call = node_call(it->ref, method, params, call_done, bc);
    xmlrpc_free(params);
    return bc;
}

static void run_cancel(void *ctx, struct job *j, struct job_item *it)
{
    (void)ctx;
    (void)j;
    struct bulk_call *bc = it->call;
    if (!bc)
        return;
    struct node *n = it->ref;
    rpcclient_cancel(n->rc, bc->call);
    free(bc);
}

static void run_ended(void *ctx, struct job *j, struct job_item *it)
{
    struct bulk *b = ctx;
    const char *what = job_action_name(j->action);
    const char *result = it->state == ITEM_OK        ? "ok"
                         : it->state == ITEM_ERROR   ? it->err_name
                         : it->state == ITEM_SKIPPED ? "skipped"
                                                     : "cancelled";
    if (it->state == ITEM_ERROR)
        log_info("job %llu: node '%s': %s '%s': %s", (unsigned long long)j->id, it->node, what,
                 it->name, it->err_message);
    else
        log_info("job %llu: node '%s': %s '%s': %s", (unsigned long long)j->id, it->node, what,
                 it->name, result);
    store_audit(b->store, j->user, what, it->node, it->name, result);
    if (it->ref && (it->state == ITEM_OK || it->state == ITEM_ERROR))
        node_poll_now(it->ref);
}

/* A finished job is kept in the database: a restarted console lists it. */
static void run_finished(void *ctx, struct job *j)
{
    struct bulk *b = ctx;
    if (!b->store)
        return;
    json_t *o = job_saved_json(j);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text)
        store_job_save(b->store, (unsigned long long)j->id, text, JOBS_KEEP);
    free(text);
}

static const struct job_ops runner = {run_start, run_cancel, run_ended, run_finished};

/* ---- routes ---- */

static struct node *find_node(struct bulk *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->nodes[i]->cfg->name, name) == 0)
            return b->nodes[i];
    return NULL;
}

static void refuse(struct bulk *b, struct http_req *req, const struct session *s, const char *what,
                   const char *node, const char *name, const char *why)
{
    store_audit(b->store, s->user, what, node, name, "refused");
    log_warn("user '%s' (%s): %s '%s' on node '%s' refused: %s", s->user, store_role_name(s->role),
             what, name ? name : "*", node ? node : "*", why);
    reply_error(req, 403, 0, "FORBIDDEN", why);
}

/* Targets into j; false after answering (unknown node, refused). */
static bool add_targets(struct bulk *b, struct http_req *req, const struct session *s,
                        const struct selector *sel, struct job *j)
{
    const char *what = job_action_name(sel->action);
    for (size_t i = 0; i < sel->ntargets; i++) {
        const struct selector_target *t = &sel->targets[i];
        struct node *n = find_node(b, t->node);
        if (!n) {
            char msg[300];
            snprintf(msg, sizeof msg, "no such node '%s'", t->node);
            reply_error(req, 404, 0, "NOT_FOUND", msg);
            return false;
        }
        if (!session_allows(s, n->cfg->environment)) {
            refuse(b, req, s, what, n->cfg->name, t->name, "a target's environment is not yours");
            return false;
        }
        job_add_item(j, n->cfg->name, t->name, n->cfg->environment, n);
    }
    return true;
}

/* Filters into j: over the nodes the user may see; a filter naming a node
 * or an environment that is not theirs is refused. */
static bool add_matches(struct bulk *b, struct http_req *req, const struct session *s,
                        const struct selector *sel, struct job *j)
{
    const char *what = job_action_name(sel->action);
    if (sel->node) {
        struct node *n = find_node(b, sel->node);
        if (!n) {
            char msg[300];
            snprintf(msg, sizeof msg, "no such node '%s'", sel->node);
            reply_error(req, 404, 0, "NOT_FOUND", msg);
            return false;
        }
        if (!session_allows(s, n->cfg->environment)) {
            refuse(b, req, s, what, n->cfg->name, NULL, "the node's environment is not yours");
            return false;
        }
    }
    if (sel->environment && !session_allows(s, sel->environment)) {
        refuse(b, req, s, what, NULL, NULL, "the environment is not yours");
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct node *n = b->nodes[i];
        if (!session_allows(s, n->cfg->environment))
            continue;
        for (size_t k = 0; k < n->processes.n; k++) {
            const struct proctab_proc *p = &n->processes.procs[k];
            const char *group = proctab_str(p, PROCTAB_GROUP), *name = proctab_str(p, PROCTAB_NAME);
            if (!selector_matches(sel, n->cfg->name, n->cfg->environment, group, name,
                                  proctab_str(p, PROCTAB_STATENAME)))
                continue;
            if (j->n >= JOB_ITEMS_MAX) {
                reply_error(req, 400, 2, "INCORRECT_PARAMETERS",
                            "the selection has more than 10000 processes");
                return false;
            }
            char *ns = xasprintf("%s:%s", group, name);
            job_add_item(j, n->cfg->name, ns, n->cfg->environment, n);
            free(ns);
        }
    }
    return true;
}

void bulk_post_actions(struct bulk *b, struct http_req *req, const struct session *s)
{
    json_t *body = reply_body_object(req);
    if (!body)
        return;
    if (s->role < ROLE_OPERATOR) {
        const char *a = json_string_value(json_object_get(body, "action"));
        refuse(b, req, s, a && job_action_parse(a) >= 0 ? a : "action", NULL, NULL,
               "a viewer cannot act");
        json_decref(body);
        return;
    }
    struct selector sel;
    struct err e;
    err_clear(&e);
    int r = selector_parse(&sel, body, &e);
    json_decref(body);
    if (r < 0) {
        reply_error(req, 400, 2, "INCORRECT_PARAMETERS", e.msg);
        return;
    }
    if (jobs_running(&b->jobs) >= JOBS_KEEP) {
        selector_release(&sel);
        reply_error(req, 503, 0, "BUSY", "100 jobs are running: wait for one to end");
        return;
    }
    double now = wall_now();
    struct job *j = job_new(sel.action, s->user, sel.rolling, now);
    bool ok = sel.targets ? add_targets(b, req, s, &sel, j) : add_matches(b, req, s, &sel, j);
    selector_release(&sel);
    if (!ok) {
        job_free(j);
        return;
    }
    job_start(&b->jobs, j, now);
    log_info("user '%s': job %llu: %s of %zu processes%s", s->user, (unsigned long long)j->id,
             job_action_name(j->action), j->n, j->rolling ? " (rolling)" : "");
    reply_result(req, 202, job_json(j));
}

/* A job is shown to whoever may see every node it touches. */
static bool visible(const struct job *j, const struct session *s)
{
    for (size_t i = 0; i < j->n; i++)
        if (!session_allows(s, j->items[i].environment))
            return false;
    return true;
}

void bulk_get_jobs(struct bulk *b, struct http_req *req, const struct session *s)
{
    json_t *arr = json_array();
    for (struct job *j = b->jobs.head; j; j = j->next_job)
        if (visible(j, s))
            json_array_append_new(arr, job_json(j));
    reply_result(req, 200, arr);
}

static struct job *job_of(struct bulk *b, struct http_req *req, const struct session *s,
                          const char *id)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(id, &end, 10);
    struct job *j = NULL;
    if (id[0] >= '0' && id[0] <= '9' && !*end && !errno)
        j = jobs_find(&b->jobs, v);
    if (!j || !visible(j, s)) {
        reply_error(req, 404, 0, "NOT_FOUND", "no such job");
        return NULL;
    }
    return j;
}

void bulk_get_job(struct bulk *b, struct http_req *req, const struct session *s, const char *id)
{
    struct job *j = job_of(b, req, s, id);
    if (j)
        reply_result(req, 200, job_json(j));
}

void bulk_cancel_job(struct bulk *b, struct http_req *req, const struct session *s, const char *id)
{
    struct job *j = job_of(b, req, s, id);
    if (!j)
        return;
    char what[64];
    snprintf(what, sizeof what, "job %llu", (unsigned long long)j->id);
    if (s->role < ROLE_OPERATOR) {
        refuse(b, req, s, "cancel", NULL, what, "a viewer cannot act");
        return;
    }
    if (s->role != ROLE_ADMIN && strcmp(s->user, j->user) != 0) {
        refuse(b, req, s, "cancel", NULL, what, "only its user or an admin may cancel a job");
        return;
    }
    if (job_cancel(j, wall_now()) < 0) {
        reply_error(req, 409, 0, "JOB_FINISHED", "the job has finished");
        return;
    }
    store_audit(b->store, s->user, "cancel", NULL, what, "ok");
    log_info("user '%s': %s cancelled", s->user, what);
    reply_result(req, 200, job_json(j));
}

void bulk_set_nodes(struct bulk *b, struct node **nodes, size_t n)
{
    b->nodes = nodes;
    b->n = n;
}

void bulk_node_gone(struct bulk *b, struct node *n)
{
    jobs_drop_ref(&b->jobs, n, 0, "NODE_REMOVED", "the node was removed from the configuration",
                  wall_now());
}

struct bulk *bulk_new(struct node **nodes, size_t n, struct store *store)
{
    struct bulk *b = xcalloc(1, sizeof *b);
    b->nodes = nodes;
    b->n = n;
    b->store = store;
    jobs_init(&b->jobs, &runner, b);
    if (store) {
        json_t *saved = store_job_list(store, JOBS_KEEP); /* newest first */
        size_t i;
        json_t *o;
        json_array_foreach(saved, i, o) {
            struct job *j = job_from_json(o);
            if (!j)
                log_warn("database: a kept job is not one: skipped");
            else if (!jobs_restore(&b->jobs, j))
                job_free(j);
        }
        json_decref(saved);
    }
    return b;
}

void bulk_free(struct bulk *b)
{
    if (!b)
        return;
    jobs_release(&b->jobs);
    free(b);
}
