/* node: polling, the event stream and the online/offline state of one
 * node. It owns the last known process list, the error text and the
 * stream's parser; the transport is rpcclient's. Polls and event records
 * both become a proctab (proctab.h), so the API reads one shape whatever
 * fed it. */
#include "node.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xalloc.h"

#define DEFAULT_PERIOD_MS 2000 /* the nodes' stats period, until their hello says */
#define LOST_CHECK_MS 100      /* a lost stream: poll that much later */

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

static int64_t safety_ms(const struct node *n)
{
    int64_t d = (int64_t)n->conf->poll_interval_ms * NODE_SAFETY_POLLS;
    return d > NODE_SAFETY_MIN_MS ? d : NODE_SAFETY_MIN_MS;
}

/* The poll interval, doubling with each failure in a row, capped. */
static int64_t backoff(const struct node *n, int failures)
{
    int64_t delay = n->conf->poll_interval_ms;
    int64_t cap = n->conf->retry_max_ms > delay ? n->conf->retry_max_ms : delay;
    for (int i = 1; i < failures && delay < cap; i++)
        delay *= 2;
    return delay < cap ? delay : cap;
}

static void stream_stop(struct node *n)
{
    if (n->stream)
        rpcclient_cancel(n->rc, n->stream);
    n->stream = NULL;
    n->subscribed = false;
    loop_timer_cancel(n->loop, &n->stall);
}

/* Never from inside curl (a stream's data callback): it cancels calls. */
static void went_offline(struct node *n, const char *why)
{
    if (n->online || !n->error || strcmp(n->error, why) != 0)
        log_warn("node '%s' offline: %s", n->cfg->name, why);
    stream_stop(n);
    if (n->poll)
        rpcclient_cancel(n->rc, n->poll);
    n->poll = NULL;
    n->online = false;
    n->connected = false;
    n->no_events = false; /* it may come back as another supervisord */
    n->stream_failures = 0;
    n->stream_retry_at = 0;
    set_str(&n->error, why);
    n->failures++;
    schedule(n, backoff(n, n->failures));
}

/* ---- the event stream ---- */

static void stall_cb(struct loop *l, void *arg)
{
    (void)l;
    struct node *n = arg;
    char why[128];
    snprintf(why, sizeof why, "event stream stalled: nothing for %ld ms", n->stall_ms);
    n->poll_started = loop_now(n->loop);
    went_offline(n, why);
}

static void stream_done(void *arg, struct rpcclient_result *r)
{
    struct node *n = arg;
    bool was = n->subscribed;
    n->stream = NULL;
    n->subscribed = false;
    loop_timer_cancel(n->loop, &n->stall);
    int64_t now = loop_now(n->loop);
    if (n->stream_bad) { /* garbage: we do not understand this node */
        n->stream_bad = false;
        n->poll_started = now;
        went_offline(n, r->error);
        return;
    }
    if (r->not_a_stream) { /* Python's supervisord: poll it */
        n->no_events = true;
        log_info("node '%s' has %s: polling it every %g s", n->cfg->name, r->error,
                 (double)n->conf->poll_interval_ms / 1000.0);
        if (!n->poll && !loop_timer_armed(&n->timer))
            schedule(n, n->conf->poll_interval_ms);
        return;
    }
    /* lost (the node stopped or dropped us) or refused (503 when full):
     * poll at once, which says whether the node is still there, and try
     * the stream again later, later still if it keeps failing */
    n->stream_failures++;
    n->stream_retry_at = now + backoff(n, n->stream_failures);
    n->fresh_next = true;
    if (was)
        log_warn("node '%s': event stream lost: %s", n->cfg->name, r->error);
    else
        log_info("node '%s': no event stream: %s", n->cfg->name, r->error);
    if (n->poll)
        n->poll_again = true;
    else /* a moment later: a node being killed closes its listening socket
          * just after our stream, and a connect in between is reset */
        loop_timer_arm(n->loop, &n->timer, now + LOST_CHECK_MS);
}

static bool stream_want(void *arg, const char *event)
{
    (void)arg;
    /* stats (CPU and memory every period_ms) are not kept: skipped unparsed */
    return strcmp(event, "snapshot") == 0 || strcmp(event, "change") == 0 ||
           strcmp(event, "hello") == 0;
}

/* snapshot: every process, replacing the list; change: those that changed. */
static int apply_processes(struct node *n, const char *event, const json_t *root, struct err *e)
{
    const json_t *jnow = json_object_get(root, "now");
    const json_t *procs = json_object_get(root, "processes");
    const json_t *state = json_object_get(root, "state");
    if (!json_is_integer(jnow) || !json_is_array(procs))
        return err_set(e, ERR_USAGE, "bad '%s' event: no 'now' or 'processes'", event);
    bool snapshot = event[0] == 's';
    if (!snapshot && !n->subscribed)
        return err_set(e, ERR_USAGE, "'change' before 'snapshot'");
    long long now = json_integer_value(jnow) / 1000;
    n->clock_skew = now - (long long)time(NULL);
    bool missing = false;
    /* snapshot: the new list; change: processes it did not have */
    struct proctab fresh;
    proctab_init(&fresh);
    size_t count = json_array_size(procs);
    for (size_t i = 0; i < count; i++) {
        const json_t *rec = json_array_get(procs, i);
        const json_t *g = json_object_get(rec, "group"), *nm = json_object_get(rec, "name");
        size_t at = json_is_string(g) && json_is_string(nm)
                        ? proctab_index(&n->processes, json_string_value(g), json_string_value(nm))
                        : SIZE_MAX;
        const struct proctab_proc *old = at == SIZE_MAX ? NULL : &n->processes.procs[at];
        struct proctab_proc info;
        if (proctab_from_record(&info, rec, now, i, old, e) < 0) {
            err_prefix(e, "bad '%s' event: ", event);
            proctab_release(&fresh);
            return -1;
        }
        if (!old) /* its log paths come with a poll */
            missing = true;
        if (snapshot || !old)
            proctab_push(&fresh, &info);
        else /* in place: its slot keeps the order */
            proctab_replace(&n->processes, at, &info);
    }
    if (snapshot) {
        proctab_sort(&fresh);
        proctab_move(&n->processes, &fresh);
    } else {
        for (size_t i = 0; i < fresh.n; i++)
            proctab_push(&n->processes, &fresh.procs[i]);
        proctab_release(&fresh); /* its processes moved: only the array */
        proctab_sort(&n->processes);
    }
    if (json_is_string(state))
        set_str(&n->state_name, json_string_value(state));
    n->events_seen++;
    if (!n->subscribed) {
        n->subscribed = true;
        n->stream_failures = 0;
        log_info("node '%s' subscribed to its event stream (%zu processes)", n->cfg->name,
                 n->processes.n);
        if (!n->poll) /* periodic polls end here: a slow safety poll only */
            schedule(n, safety_ms(n));
    }
    if (missing) { /* new processes: their log paths come with one poll */
        n->fields_missing = true;
        if (!n->poll)
            loop_timer_arm(n->loop, &n->timer, loop_now(n->loop));
    }
    return 0;
}

static int stream_event(void *arg, const char *event, const char *data, size_t len, struct err *e)
{
    struct node *n = arg;
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(e, ERR_USAGE, "bad '%s' event: %s", event,
                       root ? "not a JSON object" : je.text);
    }
    int rc = 0;
    if (strcmp(event, "hello") == 0) {
        const json_t *p = json_object_get(root, "period_ms");
        /* the stats come every period_ms: a stream quiet for longer than
         * that and the timeout has stalled */
        if (json_is_integer(p) && json_integer_value(p) > 0 && json_integer_value(p) <= 3600000)
            n->stall_ms = (long)json_integer_value(p) + n->conf->timeout_ms;
    } else {
        rc = apply_processes(n, event, root, e);
    }
    json_decref(root);
    return rc;
}

/* Inside curl: no call may start or end here (timers do it). */
static int stream_data(void *arg, const char *p, size_t len, struct err *e)
{
    struct node *n = arg;
    loop_timer_arm(n->loop, &n->stall, loop_now(n->loop) + n->stall_ms);
    n->last_seen = wall_now();
    if (sse_client_feed(&n->sse, p, len, e) < 0) {
        n->stream_bad = true;
        err_prefix(e, "event stream: ");
        return -1;
    }
    return 0;
}

static void stream_start(struct node *n)
{
    sse_client_reset(&n->sse);
    n->stall_ms = DEFAULT_PERIOD_MS + n->conf->timeout_ms;
    n->stream = rpcclient_stream(n->rc, &n->target, n->events_url, n->conf->timeout_ms, stream_data,
                                 stream_done, n);
    loop_timer_arm(n->loop, &n->stall, loop_now(n->loop) + n->stall_ms);
}

/* ---- polling ---- */

/* processes: the poll's, sorted (taken over). */
static void came_online(struct node *n, struct proctab *processes)
{
    if (!n->online)
        log_info("node '%s' online (supervisor %s, %zu processes)", n->cfg->name,
                 n->version ? n->version : "?", processes->n);
    n->online = true;
    n->connected = true;
    n->failures = 0;
    n->last_seen = wall_now();
    set_str(&n->error, NULL);
    if (n->subscribed && n->events_seen != n->poll_events) {
        /* events came while the poll was out: they may be newer than its
         * answer, so only take what events do not carry */
        size_t lost = 0;
        for (size_t i = 0; i < n->processes.n; i++) {
            struct proctab_proc *p = &n->processes.procs[i];
            const struct proctab_proc *from = proctab_find(processes, proctab_str(p, PROCTAB_GROUP),
                                                           proctab_str(p, PROCTAB_NAME));
            proctab_copy_logs(p, from);
            lost += !from;
        }
        n->fields_missing = lost > 0;
        proctab_release(processes);
    } else {
        proctab_move(&n->processes, processes);
        n->fields_missing = false;
    }
    int64_t next = n->subscribed ? safety_ms(n) : n->conf->poll_interval_ms;
    if (n->fields_missing) /* not every process polled yet: again, but not at once */
        next = n->conf->poll_interval_ms;
    schedule(n, next);
    if (!n->stream && !n->no_events && loop_now(n->loop) >= n->stream_retry_at)
        stream_start(n);
}

static void poll_done(void *arg, struct rpcclient_result *r)
{
    struct node *n = arg;
    n->poll = NULL;
    char why[512];
    struct proctab procs; /* the poll's processes, for came_online */
    proctab_init(&procs);
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
        } else if (proctab_from_array(&procs, v->items[3], NULL) < 0) {
            went_offline(n, "unexpected reply to getAllProcessInfo");
        } else {
            set_str(&n->version, str_of(v->items[0]));
            set_str(&n->identification, str_of(v->items[1]));
            set_str(&n->state_name, v->items[2]->type == XMLRPC_STRUCT
                                        ? str_of(xmlrpc_struct_get(v->items[2], "statename"))
                                        : NULL);
            came_online(n, &procs);
        }
    } else if (proctab_from_array(&procs, r->value, NULL) < 0) {
        went_offline(n, "unexpected reply to getAllProcessInfo");
    } else {
        came_online(n, &procs);
    }
    if (n->poll_again) {
        n->poll_again = false;
        if (!n->poll && !n->subscribed)
            node_poll_now(n);
    }
}

static void start_poll(struct node *n)
{
    n->poll_started = loop_now(n->loop);
    n->poll_events = n->events_seen;
    /* after a failure or a lost stream, the cached connections may be dead:
     * a new one says at once whether the node is there */
    n->target.fresh = !n->connected || n->fresh_next;
    n->fresh_next = false;
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

/* http://h:p/RPC2 -> http://h:p/api/v1/events?... (config.c writes /RPC2
 * last). No stats (CPU figures every 2 s we would skip): a keepalive every
 * half timeout instead, so a hung node is seen within 1.5 timeouts and a
 * quiet one wakes us that seldom. A daemon that knows no such options
 * sends stats with its period in hello: that works too. */
static char *events_url_of(const char *rpc_url, long timeout_ms)
{
    size_t len = strlen(rpc_url);
    if (len >= 5 && strcmp(rpc_url + len - 5, "/RPC2") == 0)
        len -= 5;
    long keep = timeout_ms / 2;
    keep = keep < 1000 ? 1000 : keep > 600000 ? 600000 : keep;
    return xasprintf("%.*s/api/v1/events?stats=0&keepalive_ms=%ld", (int)len, rpc_url, keep);
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
                                          .ca_file = cfg->ca_file,
                                          .insecure = !cfg->tls_verify,
                                          .username = cfg->username,
                                          .password = cfg->password};
    n->error = xstrdup("not contacted yet");
    if (!cfg->tls_verify)
        log_warn("node '%s': tls_verify is false: its certificate is not checked (anyone "
                 "between may read its credentials)",
                 cfg->name);
    n->events_url = events_url_of(cfg->rpc_url, conf->timeout_ms);
    n->stall_ms = DEFAULT_PERIOD_MS + conf->timeout_ms;
    sse_client_init(&n->sse, NODE_EVENT_MAX, stream_want, stream_event, n);
    loop_timer_init(&n->timer, timer_cb, n);
    loop_timer_init(&n->stall, stall_cb, n);
}

void node_release(struct node *n)
{
    loop_timer_cancel(n->loop, &n->timer);
    stream_stop(n);
    if (n->poll)
        rpcclient_cancel(n->rc, n->poll);
    n->poll = NULL;
    proctab_release(&n->processes);
    free(n->error);
    free(n->version);
    free(n->identification);
    free(n->state_name);
    free(n->events_url);
    sse_client_release(&n->sse);
    n->error = n->version = n->identification = n->state_name = n->events_url = NULL;
}

void node_poll_now(struct node *n)
{
    if (n->subscribed)
        return; /* the change events follow by themselves */
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
