/* node: polling and the online/offline state of one node. It owns the last
 * known process list and the error text; the transport is rpcclient's. */
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xalloc.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? xstrdup(s) : NULL;
}

static bool is_fault(const struct xmlrpc_value *v)
{
    return v->type == XMLRPC_STRUCT && xmlrpc_struct_get(v, "faultCode");
}

static const char *str_of(const struct xmlrpc_value *v)
{
    return v && v->type == XMLRPC_STRING ? v->s : NULL;
}

static void schedule(struct node *n, int64_t delay)
{
    int64_t at = n->poll_started + delay;
    int64_t now = loop_now(n->loop);
    loop_timer_arm(n->loop, &n->timer, at > now ? at : now);
}

static void went_offline(struct node *n, const char *why)
{
    if (n->online || !n->error || strcmp(n->error, why) != 0)
        log_warn("node '%s' offline: %s", n->cfg->name, why);
    n->online = false;
    n->connected = false;
    set_str(&n->error, why);
    n->failures++;
    /* the poll interval, doubling with each failure in a row, capped */
    int64_t delay = n->conf->poll_interval_ms;
    int64_t cap = n->conf->retry_max_ms > delay ? n->conf->retry_max_ms : delay;
    for (int i = 1; i < n->failures && delay < cap; i++)
        delay *= 2;
    schedule(n, delay < cap ? delay : cap);
}

/* processes must be an ARRAY of structs, each with a string name and group
 * and an int state: anything else is a node we do not understand. */
static bool processes_ok(const struct xmlrpc_value *v)
{
    if (!v || v->type != XMLRPC_ARRAY)
        return false;
    for (size_t i = 0; i < v->n; i++) {
        const struct xmlrpc_value *p = v->items[i];
        const struct xmlrpc_value *st =
            p->type == XMLRPC_STRUCT ? xmlrpc_struct_get(p, "state") : NULL;
        if (!str_of(xmlrpc_struct_get(p, "name")) || !str_of(xmlrpc_struct_get(p, "group")) ||
            !st || st->type != XMLRPC_INT)
            return false;
    }
    return true;
}

static void came_online(struct node *n, struct xmlrpc_value *processes)
{
    if (!n->online)
        log_info("node '%s' online (supervisor %s, %zu processes)", n->cfg->name,
                 n->version ? n->version : "?", processes->n);
    n->online = true;
    n->connected = true;
    n->failures = 0;
    n->last_seen = wall_now();
    set_str(&n->error, NULL);
    xmlrpc_free(n->processes);
    n->processes = processes;
    schedule(n, n->conf->poll_interval_ms);
}

static void poll_done(void *arg, struct rpcclient_result *r)
{
    struct node *n = arg;
    n->poll = NULL;
    char why[512];
    if (r->status == RPCCLIENT_FAULT) {
        snprintf(why, sizeof why, "fault %d: %s", r->fault_code, r->fault_string);
        went_offline(n, why);
    } else if (r->status != RPCCLIENT_OK) {
        went_offline(n, r->error);
    } else if (!n->connected) {
        /* [getSupervisorVersion, getIdentification, getState, getAllProcessInfo] */
        struct xmlrpc_value *v = r->value;
        const struct xmlrpc_value *bad = NULL;
        if (v->type != XMLRPC_ARRAY || v->n != 4) {
            went_offline(n, "unexpected reply to system.multicall");
        } else if ((is_fault(v->items[0]) && (bad = v->items[0])) ||
                   (is_fault(v->items[1]) && (bad = v->items[1])) ||
                   (is_fault(v->items[2]) && (bad = v->items[2])) ||
                   (is_fault(v->items[3]) && (bad = v->items[3]))) {
            const struct xmlrpc_value *code = xmlrpc_struct_get(bad, "faultCode");
            const char *text = str_of(xmlrpc_struct_get(bad, "faultString"));
            snprintf(why, sizeof why, "fault %lld: %s", code->type == XMLRPC_INT ? code->i : 0,
                     text ? text : "?");
            went_offline(n, why);
        } else if (!processes_ok(v->items[3])) {
            went_offline(n, "unexpected reply to getAllProcessInfo");
        } else {
            set_str(&n->version, str_of(v->items[0]));
            set_str(&n->identification, str_of(v->items[1]));
            set_str(&n->state_name, v->items[2]->type == XMLRPC_STRUCT
                                        ? str_of(xmlrpc_struct_get(v->items[2], "statename"))
                                        : NULL);
            struct xmlrpc_value *procs = v->items[3];
            v->items[3] = xmlrpc_nil(); /* taken */
            came_online(n, procs);
        }
    } else if (!processes_ok(r->value)) {
        went_offline(n, "unexpected reply to getAllProcessInfo");
    } else {
        came_online(n, r->value);
        r->value = NULL; /* taken */
    }
    if (n->poll_again) {
        n->poll_again = false;
        node_poll_now(n);
    }
}

static void start_poll(struct node *n)
{
    n->poll_started = loop_now(n->loop);
    if (n->connected) {
        n->poll = rpcclient_call(n->rc, &n->target, "supervisor.getAllProcessInfo", NULL,
                                 n->conf->timeout_ms, poll_done, n);
        return;
    }
    static const char *const methods[] = {"supervisor.getSupervisorVersion",
                                          "supervisor.getIdentification", "supervisor.getState",
                                          "supervisor.getAllProcessInfo"};
    struct xmlrpc_value *calls = xmlrpc_array();
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct xmlrpc_value *c = xmlrpc_struct();
        xmlrpc_struct_set(c, "methodName", xmlrpc_string(methods[i]));
        xmlrpc_struct_set(c, "params", xmlrpc_array());
        xmlrpc_array_push(calls, c);
    }
    struct xmlrpc_value *params = xmlrpc_array();
    xmlrpc_array_push(params, calls);
    n->poll = rpcclient_call(n->rc, &n->target, "system.multicall", params, n->conf->timeout_ms,
                             poll_done, n);
    xmlrpc_free(params);
}

static void timer_cb(struct loop *l, void *arg)
{
    (void)l;
    struct node *n = arg;
    if (!n->poll)
        start_poll(n);
}

void node_init(struct node *n, const struct config_node *cfg, const struct config *conf,
               struct loop *l, struct rpcclient *rc)
{
    memset(n, 0, sizeof *n);
    n->cfg = cfg;
    n->conf = conf;
    n->loop = l;
    n->rc = rc;
    n->target = (struct rpcclient_target){.url = cfg->rpc_url,
                                          .unix_path = cfg->unix_path,
                                          .username = cfg->username,
                                          .password = cfg->password};
    n->error = xstrdup("not contacted yet");
    loop_timer_init(&n->timer, timer_cb, n);
}

void node_release(struct node *n)
{
    loop_timer_cancel(n->loop, &n->timer);
    if (n->poll)
        rpcclient_cancel(n->rc, n->poll);
    n->poll = NULL;
    xmlrpc_free(n->processes);
    free(n->error);
    free(n->version);
    free(n->identification);
    free(n->state_name);
    n->processes = NULL;
    n->error = n->version = n->identification = n->state_name = NULL;
}

void node_poll_now(struct node *n)
{
    if (n->poll) {
        n->poll_again = true; /* its answer may predate the change */
        return;
    }
    loop_timer_cancel(n->loop, &n->timer);
    start_poll(n);
}

struct rpcclient_call *node_call(struct node *n, const char *method,
                                 const struct xmlrpc_value *params, rpcclient_done_fn done,
                                 void *arg)
{
    return rpcclient_call(n->rc, &n->target, method, params, n->conf->action_timeout_ms, done, arg);
}
