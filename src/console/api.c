/* api: routing of /api/v1/, the JSON shapes of nodes and processes, and the
 * actions waiting on a node. The data is the nodes'; the transport is
 * http.c's and rpcclient.c's. */
#include "api.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "account.h"
#include "buf.h"
#include "bulk.h"
#include "jsonv.h"
#include "log.h"
#include "loop.h"
#include "overview.h"
#include "reply.h"
#include "session.h"
#include "xalloc.h"

enum action { ACT_START, ACT_STOP, ACT_RESTART, ACT_LOG, ACT_RANGE };

/* One call in flight (an action or a log read): its request waits for the
 * node. */
struct pending {
    struct api *a;
    struct http_req *req;        /* borrowed until answered or aborted */
    struct node *node;           /* borrowed */
    struct rpcclient_call *call; /* owned by the node's rpcclient until done */
    enum action action;
    bool group;       /* ns is "group:*": the ProcessGroup methods */
    char *ns;         /* owned */
    char *user;       /* owned: who asked (for the activity log) */
    long long offset; /* ACT_RANGE: where the read starts */
    struct pending *prev, *next;
};

struct api {
    const struct config *cfg; /* borrowed */
    struct node **nodes;      /* borrowed array */
    size_t n;
    struct pending *pending; /* owned list */
    struct store *store;     /* borrowed */
    struct sessions sessions;
    struct account *account; /* owned: logins and users */
    struct bulk *bulk;       /* owned: bulk actions and jobs */
};

static const char *const state_names[] = {"STOPPED",  "STARTING", "RUNNING", "BACKOFF",
                                          "STOPPING", "EXITED",   "FATAL",   "UNKNOWN"};

/* ---- JSON ---- */

static json_t *jstr(const char *s)
{
    return reply_str(s);
}

static void send_result(struct http_req *req, json_t *result)
{
    reply_result(req, 200, result);
}

static void send_error(struct http_req *req, int status, int code, const char *name,
                       const char *message)
{
    reply_error(req, status, code, name, message);
}

/* ---- nodes ---- */

static json_t *node_json(const struct node *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", jstr(n->cfg->name));
    json_object_set_new(o, "url", jstr(n->cfg->url)); /* never holds credentials */
    json_object_set_new(o, "environment", jstr(n->cfg->environment));
    json_object_set_new(o, "online", json_boolean(n->online));
    json_object_set_new(o, "last_seen", n->last_seen > 0 ? json_real(n->last_seen) : json_null());
    json_object_set_new(o, "error", jstr(n->error));
    json_object_set_new(o, "supervisor_version", jstr(n->version));
    json_object_set_new(o, "identification", jstr(n->identification));
    json_object_set_new(o, "state", jstr(n->state_name));
    json_t *counts = json_object();
    for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
        json_object_set_new(counts, state_names[i], json_integer(0));
    for (size_t i = 0; i < n->processes.n; i++) {
        const char *sn = proctab_str(&n->processes.procs[i], PROCTAB_STATENAME);
        json_t *c = json_object_get(counts, sn);
        if (c)
            json_integer_set(c, json_integer_value(c) + 1);
        else if (sn[0])
            json_object_set_new(counts, sn, json_integer(1));
    }
    json_object_set_new(o, "processes", json_integer((json_int_t)n->processes.n));
    json_object_set_new(o, "counts", counts);
    return o;
}

static void get_nodes(struct api *a, struct http_req *req, const struct session *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++)
        if (session_allows(s, a->nodes[i]->cfg->environment))
            json_array_append_new(arr, node_json(a->nodes[i]));
    send_result(req, arr);
}

/* state=RUNNING,FATAL (any case) */
static bool state_matches(const char *filter, const char *statename)
{
    size_t len = strlen(statename);
    for (const char *p = filter; *p;) {
        size_t k = strcspn(p, ",");
        if (k == len && strncasecmp(p, statename, len) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return false;
}

/* name= a shell pattern on the name or the namespec (group:name) */
static bool name_matches(const char *pat, const struct proctab_proc *p)
{
    const char *name = proctab_str(p, PROCTAB_NAME), *group = proctab_str(p, PROCTAB_GROUP);
    if (fnmatch(pat, name, 0) == 0)
        return true;
    char *spec = xasprintf("%s:%s", group, name);
    bool ok = fnmatch(pat, spec, 0) == 0;
    free(spec);
    return ok;
}

static void get_processes(struct api *a, struct http_req *req, const struct session *s)
{
    const char *fnode = http_req_query(req, "node");
    const char *fenv = http_req_query(req, "environment");
    const char *fstate = http_req_query(req, "state");
    const char *fname = http_req_query(req, "name");
    /* written by hand (overview.c): a JSON tree of 5,000 processes costs
     * ten times the CPU and megabytes of memory */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"result\":[");
    bool first = true;
    for (size_t i = 0; i < a->n; i++) {
        const struct node *n = a->nodes[i];
        if (!session_allows(s, n->cfg->environment) ||
            (fnode && strcmp(fnode, n->cfg->name) != 0) ||
            (fenv && strcmp(fenv, n->cfg->environment) != 0))
            continue;
        /* a subscribed node's list is as of its last event: uptimes as of now */
        long long now = n->subscribed && n->online ? (long long)time(NULL) + n->clock_skew : 0;
        for (size_t j = 0; j < n->processes.n; j++) {
            const struct proctab_proc *p = &n->processes.procs[j];
            if ((fstate && !state_matches(fstate, proctab_str(p, PROCTAB_STATENAME))) ||
                (fname && !name_matches(fname, p)))
                continue;
            if (!first)
                buf_putc(&b, ',');
            first = false;
            overview_proc(&b, p, n->cfg->name, n->cfg->environment, n->online, now);
        }
    }
    buf_puts(&b, "]}");
    http_respond_buf(req, 200, "application/json", &b); /* not copied: megabytes at 50 x 100 */
}

/* ---- actions ---- */

static void pending_free(struct pending *p)
{
    struct api *a = p->a;
    if (p->prev)
        p->prev->next = p->next;
    else
        a->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p->ns);
    free(p->user);
    free(p);
}

static const char *const action_names[] = {"start", "stop", "restart", "log", "log"};

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

/* [stop, start] of a multicall: a stop of a stopped process is fine. On a
 * fault, it is sent and its code returned (-1: a malformed reply); else 0. */
static int restart_fault(struct http_req *req, struct pending *p, const struct xmlrpc_value *v)
{
    int code = 0;
    const char *text = NULL;
    if (v->type != XMLRPC_ARRAY || v->n != 2) {
        send_error(req, 502, 0, "NODE_UNAVAILABLE", "unexpected reply to system.multicall");
        return -1;
    }
    if ((fault_of(v->items[0], &code, &text) && code != 70) ||
        fault_of(v->items[1], &code, &text)) {
        log_info("node '%s': restart '%s': %s", p->node->cfg->name, p->ns, text);
        reply_fault(req, code, text);
        return code ? code : -1;
    }
    return 0;
}

/* tail*Log: [bytes, offset, overflow] -> {"data", "offset", "overflow"} */
static void send_tail(struct http_req *req, const struct xmlrpc_value *v)
{
    if (v->type != XMLRPC_ARRAY || v->n != 3 || v->items[0]->type != XMLRPC_STRING ||
        v->items[1]->type != XMLRPC_INT) {
        send_error(req, 502, 0, "NODE_UNAVAILABLE", "unexpected reply to a log tail");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "data", jsonv_string(v->items[0]->s, v->items[0]->len));
    json_object_set_new(o, "offset", json_integer(v->items[1]->i));
    json_object_set_new(o, "overflow", json_boolean(v->items[2]->i));
    send_result(req, o);
}

/* read*Log: a string -> {"data", "offset", "length"}; length counts the
 * bytes read (the next part starts at offset + length). Past the end of the
 * file a node answers "" (Python's readFile). */
static void send_range(struct http_req *req, long long offset, const struct xmlrpc_value *v)
{
    if (v->type != XMLRPC_STRING) {
        send_error(req, 502, 0, "NODE_UNAVAILABLE", "unexpected reply to a log read");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "data", jsonv_string(v->s, v->len));
    json_object_set_new(o, "offset", json_integer(offset));
    json_object_set_new(o, "length", json_integer((json_int_t)v->len));
    send_result(req, o);
}

static void action_done(void *arg, struct rpcclient_result *r)
{
    struct pending *p = arg;
    struct http_req *req = p->req;
    const char *what = action_names[p->action];
    const char *result = "ok";
    switch (r->status) {
    case RPCCLIENT_TIMEOUT:
        log_warn("node '%s': %s '%s': %s", p->node->cfg->name, what, p->ns, r->error);
        send_error(req, 504, 0, "NODE_TIMEOUT", r->error);
        result = "NODE_TIMEOUT";
        break;
    case RPCCLIENT_ERROR:
        log_warn("node '%s': %s '%s': %s", p->node->cfg->name, what, p->ns, r->error);
        send_error(req, 502, 0, "NODE_UNAVAILABLE", r->error);
        result = "NODE_UNAVAILABLE";
        break;
    case RPCCLIENT_FAULT:
        if (p->action < ACT_LOG)
            log_info("node '%s': %s '%s': %s", p->node->cfg->name, what, p->ns, r->fault_string);
        reply_fault(req, r->fault_code, r->fault_string);
        result = reply_fault_name(r->fault_code);
        break;
    case RPCCLIENT_OK:
        if (p->action == ACT_LOG) {
            send_tail(req, r->value);
            break;
        }
        if (p->action == ACT_RANGE) {
            send_range(req, p->offset, r->value);
            break;
        }
        if (p->action == ACT_RESTART) {
            int code = restart_fault(req, p, r->value);
            if (code) {
                result = code < 0 ? "NODE_UNAVAILABLE" : reply_fault_name(code);
                break;
            }
            /* a group's result is the start's statuses */
            send_result(req, p->group ? jsonv_from_xmlrpc(r->value->items[1]) : json_true());
        } else {
            send_result(req, jsonv_from_xmlrpc(r->value));
        }
        log_info("node '%s': %s '%s': ok", p->node->cfg->name, what, p->ns);
        break;
    }
    if (p->action < ACT_LOG) {
        store_audit(p->a->store, p->user, what, p->node->cfg->name, p->ns, result);
        node_poll_now(p->node);
    }
    pending_free(p);
}

static void action_abort(void *data, struct http_req *req)
{
    (void)req;
    struct pending *p = data;
    log_info("node '%s': %s '%s': the client left, call cancelled", p->node->cfg->name,
             action_names[p->action], p->ns);
    if (p->action < ACT_LOG)
        store_audit(p->a->store, p->user, action_names[p->action], p->node->cfg->name, p->ns,
                    "cancelled");
    rpcclient_cancel(p->node->rc, p->call);
    pending_free(p);
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

/* Start the call of p on its node; params is an ARRAY of the arguments
 * (taken). */
static void start_call(struct pending *p, const char *method, struct xmlrpc_value *params)
{
    struct api *a = p->a;
    p->next = a->pending;
    if (a->pending)
        a->pending->prev = p;
    a->pending = p;
    http_req_set_data(p->req, p, action_abort);
    p->call = node_call(p->node, method, params, action_done, p);
    xmlrpc_free(params);
}

static struct pending *pending_new(struct api *a, struct http_req *req, struct node *n,
                                   const char *ns, enum action act, const char *user)
{
    struct pending *p = xcalloc(1, sizeof *p);
    p->user = xstrdup(user);
    p->a = a;
    p->req = req;
    p->node = n;
    p->action = act;
    p->ns = xstrdup(ns);
    return p;
}

static void post_action(struct api *a, struct http_req *req, struct node *n, const char *ns,
                        enum action act, const char *user)
{
    struct pending *p = pending_new(a, req, n, ns, act, user);
    size_t len = strlen(ns);
    p->group = len > 2 && strcmp(ns + len - 2, ":*") == 0;
    /* the group methods take the group's name; wait, as supervisorctl does */
    char *name = p->group ? xstrndup(ns, len - 2) : xstrdup(ns);
    static const char *const methods[2][2] = {
        {"supervisor.startProcess", "supervisor.stopProcess"},
        {"supervisor.startProcessGroup", "supervisor.stopProcessGroup"},
    };
    struct xmlrpc_value *params = xmlrpc_array();
    const char *method;
    if (act == ACT_RESTART) {
        method = "system.multicall";
        struct xmlrpc_value *calls = xmlrpc_array();
        xmlrpc_array_push(calls, call_struct(methods[p->group][1], name));
        xmlrpc_array_push(calls, call_struct(methods[p->group][0], name));
        xmlrpc_array_push(params, calls);
    } else {
        method = methods[p->group][act == ACT_START ? 0 : 1];
        xmlrpc_array_push(params, xmlrpc_string(name));
        xmlrpc_array_push(params, xmlrpc_bool(true));
    }
    free(name);
    start_call(p, method, params);
}

/* An integer query parameter in [lo, hi], def when absent; false if bad. */
static bool query_int(struct http_req *req, const char *key, long long def, long long lo,
                      long long hi, long long *out)
{
    const char *v = http_req_query(req, key);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

#define LOG_TAIL_MAX (1 << 20)

/* GET .../log/<stream>/range?offset=&length=: readProcess*Log, a part of
 * the file from its start (tail reads from its end). */
static void get_range(struct api *a, struct http_req *req, struct node *n, const char *ns, bool err,
                      const char *user)
{
    long long offset, length;
    if (!http_req_query(req, "offset") || !http_req_query(req, "length") ||
        !query_int(req, "offset", 0, 0, INT32_MAX, &offset) ||
        !query_int(req, "length", 0, 1, LOG_TAIL_MAX, &length)) {
        send_error(req, 400, 2, "INCORRECT_PARAMETERS",
                   "offset (0..2147483647) and length (1..1048576) are required");
        return;
    }
    struct pending *p = pending_new(a, req, n, ns, ACT_RANGE, user);
    p->offset = offset;
    struct xmlrpc_value *params = xmlrpc_array();
    xmlrpc_array_push(params, xmlrpc_string(ns));
    xmlrpc_array_push(params, xmlrpc_int(offset));
    xmlrpc_array_push(params, xmlrpc_int(length));
    start_call(p, err ? "supervisor.readProcessStderrLog" : "supervisor.readProcessStdoutLog",
               params);
}

static void get_log(struct api *a, struct http_req *req, struct node *n, const char *ns,
                    const char *stream, const char *user)
{
    long long offset, length;
    static const char range[] = "/range";
    size_t slen = strcspn(stream, "/");
    if (slen != 6 || (strncmp(stream, "stdout", 6) != 0 && strncmp(stream, "stderr", 6) != 0) ||
        (stream[6] && strcmp(stream + 6, range) != 0)) {
        send_error(req, 404, 0, "NOT_FOUND", "no such route");
        return;
    }
    if (stream[6]) {
        get_range(a, req, n, ns, stream[3] == 'e', user);
        return;
    }
    /* XML-RPC ints are 32 bits */
    if (!query_int(req, "offset", 0, 0, INT32_MAX, &offset) ||
        !query_int(req, "length", 1024, 0, LOG_TAIL_MAX, &length)) {
        send_error(req, 400, 2, "INCORRECT_PARAMETERS",
                   "offset must be 0..2147483647 and length 0..1048576");
        return;
    }
    struct pending *p = pending_new(a, req, n, ns, ACT_LOG, user);
    struct xmlrpc_value *params = xmlrpc_array();
    xmlrpc_array_push(params, xmlrpc_string(ns));
    xmlrpc_array_push(params, xmlrpc_int(offset));
    xmlrpc_array_push(params, xmlrpc_int(length));
    start_call(
        p, stream[3] == 'o' ? "supervisor.tailProcessStdoutLog" : "supervisor.tailProcessStderrLog",
        params);
}

/* ---- routing ---- */

static struct node *find_node(struct api *a, const char *name, size_t len)
{
    for (size_t i = 0; i < a->n; i++)
        if (strlen(a->nodes[i]->cfg->name) == len && memcmp(a->nodes[i]->cfg->name, name, len) == 0)
            return a->nodes[i];
    return NULL;
}

/* DNS rebinding: a page of another site whose name resolves to our
 * address would send its own Host. Loopback names and the configured
 * server_name list are ours, on any port. */
bool api_host_ok(const struct api *a, const char *host)
{
    if (!host)
        return true; /* HTTP/1.0 */
    size_t len;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end || (end[1] && end[1] != ':'))
            return false;
        len = (size_t)(end - host) + 1;
        if (len == 5 && strncmp(host, "[::1]", 5) == 0)
            return true;
    } else {
        len = strcspn(host, ":");
        if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
            return true;
        if (len >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == len)
            return true;
    }
    for (size_t i = 0; i < a->cfg->nserver_names; i++) {
        const char *name = a->cfg->server_names[i];
        if (strlen(name) == len && strncasecmp(host, name, len) == 0)
            return true;
    }
    return false;
}

static bool token_eq(const char *a, const char *b)
{
    if (!b || strlen(b) != strlen(a))
        return false;
    volatile unsigned char diff = 0;
    for (size_t i = 0; a[i]; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static void not_allowed(struct http_req *req, const char *allow)
{
    http_add_header(req, "Allow", allow);
    send_error(req, 405, 0, "METHOD_NOT_ALLOWED", "method not allowed");
}

static void get_audit(struct api *a, struct http_req *req)
{
    long long limit;
    if (!query_int(req, "limit", 100, 1, 10000, &limit)) {
        send_error(req, 400, 2, "INCORRECT_PARAMETERS", "limit must be 1..10000");
        return;
    }
    json_t *rows =
        store_audit_list(a->store, http_req_query(req, "user"), http_req_query(req, "action"),
                         http_req_query(req, "node"), (long)limit);
    if (!rows) {
        send_error(req, 500, 30, "FAILED", "cannot read the activity log");
        return;
    }
    send_result(req, rows);
}

static void forbidden(struct api *a, struct http_req *req, const struct session *s,
                      const char *what, const char *node, const char *ns, const char *why)
{
    store_audit(a->store, s->user, what, node, ns, "refused");
    log_warn("user '%s' (%s): %s '%s' on node '%s' refused: %s", s->user, store_role_name(s->role),
             what, ns, node, why);
    send_error(req, 403, 0, "FORBIDDEN", why);
}

/* /api/v1/nodes/<node>/processes/<ns>/<action>
 * /api/v1/nodes/<node>/processes/<ns>/log/<stdout|stderr>
 * Returns false if path is none of them. */
static bool node_route(struct api *a, struct http_req *req, struct session *s, bool get, bool post)
{
    static const char prefix[] = "/api/v1/nodes/";
    const char *path = http_req_path(req);
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *name = path + sizeof prefix - 1;
    size_t nlen = strcspn(name, "/");
    const char *rest = name + nlen;
    if (!nlen || strncmp(rest, "/processes/", 11) != 0)
        return false;
    const char *ns0 = rest + 11;
    size_t nslen = strcspn(ns0, "/");
    const char *tail = ns0 + nslen; /* "/start", "/log/stdout" */
    int which = -1;
    for (int i = 0; i < 3; i++)
        if (*tail && strcmp(tail + 1, action_names[i]) == 0)
            which = i;
    bool log = strncmp(tail, "/log/", 5) == 0 &&
               (!strchr(tail + 5, '/') || strcmp(strchr(tail + 5, '/'), "/range") == 0);
    if (!nslen || (which < 0 && !log))
        return false;
    if (which >= 0 && !post) {
        not_allowed(req, "POST");
        return true;
    }
    if (log && !get) {
        not_allowed(req, "GET, HEAD");
        return true;
    }
    struct node *n = find_node(a, name, nlen);
    if (!n) {
        send_error(req, 404, 0, "NOT_FOUND", "no such node");
        return true;
    }
    for (size_t i = 0; i < nslen; i++)
        if ((unsigned char)ns0[i] < 0x20 || ns0[i] == 0x7f) { /* %0a: it goes to the log */
            send_error(req, 404, 0, "NOT_FOUND", "no such route");
            return true;
        }
    char *ns = xstrndup(ns0, nslen);
    const char *what = log ? "log" : action_names[which];
    if (!session_allows(s, n->cfg->environment))
        forbidden(a, req, s, what, n->cfg->name, ns, "the node's environment is not yours");
    else if (!log && s->role < ROLE_OPERATOR)
        forbidden(a, req, s, what, n->cfg->name, ns, "a viewer cannot act");
    else if (log)
        get_log(a, req, n, ns, tail + 5, s->user);
    else
        post_action(a, req, n, ns, (enum action)which, s->user);
    free(ns);
    return true;
}

/* /api/v1/jobs/<id> and /api/v1/jobs/<id>/cancel; false if neither. */
static bool jobs_route(struct api *a, struct http_req *req, struct session *s, const char *rest,
                       bool get, bool post)
{
    size_t idlen = strcspn(rest, "/");
    if (!idlen || idlen > 20)
        return false;
    char id[21];
    memcpy(id, rest, idlen);
    id[idlen] = '\0';
    if (!rest[idlen]) {
        if (get)
            bulk_get_job(a->bulk, req, s, id);
        else
            not_allowed(req, "GET, HEAD");
        return true;
    }
    if (strcmp(rest + idlen, "/cancel") != 0)
        return false;
    if (post)
        bulk_cancel_job(a->bulk, req, s, id);
    else
        not_allowed(req, "POST");
    return true;
}

void api_handle(void *arg, struct http_req *req)
{
    struct api *a = arg;
    const char *method = http_req_method(req);
    const char *path = http_req_path(req);
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;

    if (!api_host_ok(a, http_req_header(req, "Host"))) {
        send_error(req, 403, 0, "FORBIDDEN",
                   "the Host header is neither a loopback name nor a server_name");
        return;
    }
    if (strcmp(path, "/api/v1/login") == 0) {
        if (post)
            account_login(a->account, req);
        else
            not_allowed(req, "POST");
        return;
    }
    struct session *s = session_find(&a->sessions, http_req_header(req, "Cookie"), loop_clock_ms());
    if (!s) {
        send_error(req, 401, 0, "UNAUTHORIZED", "log in first (POST /api/v1/login)");
        return;
    }
    /* every state-changing request echoes the session's token */
    if (!get && !token_eq(s->csrf, http_req_header(req, "X-CSRF-Token"))) {
        send_error(req, 403, 0, "FORBIDDEN", "missing or wrong X-CSRF-Token");
        return;
    }
    if (strcmp(path, "/api/v1/logout") == 0) {
        if (!post) {
            not_allowed(req, "POST");
            return;
        }
        account_logout(a->account, req, s);
        return;
    }
    if (strcmp(path, "/api/v1/session") == 0) {
        if (get)
            send_result(req, account_session_json(s));
        else
            not_allowed(req, "GET, HEAD");
        return;
    }
    if (strcmp(path, "/api/v1/session/password") == 0) {
        if (post)
            account_password(a->account, req, s);
        else
            not_allowed(req, "POST");
        return;
    }
    if (strcmp(path, "/api/v1/users") == 0) {
        account_users(a->account, req, s);
        return;
    }
    if (strncmp(path, "/api/v1/users/", 14) == 0 && path[14] && !strchr(path + 14, '/')) {
        account_user(a->account, req, s, path + 14);
        return;
    }
    if (strcmp(path, "/api/v1/actions") == 0) {
        if (post)
            bulk_post_actions(a->bulk, req, s);
        else
            not_allowed(req, "POST");
        return;
    }
    if (strcmp(path, "/api/v1/jobs") == 0) {
        if (get)
            bulk_get_jobs(a->bulk, req, s);
        else
            not_allowed(req, "GET, HEAD");
        return;
    }
    if (strncmp(path, "/api/v1/jobs/", 13) == 0 && jobs_route(a, req, s, path + 13, get, post))
        return;
    if (strcmp(path, "/api/v1/audit") == 0) {
        if (!get)
            not_allowed(req, "GET, HEAD");
        else if (s->role != ROLE_ADMIN)
            send_error(req, 403, 0, "FORBIDDEN", "the activity log is for admins");
        else
            get_audit(a, req);
        return;
    }
    if (strcmp(path, "/api/v1/nodes") == 0) {
        if (get)
            get_nodes(a, req, s);
        else
            not_allowed(req, "GET, HEAD");
        return;
    }
    if (strcmp(path, "/api/v1/processes") == 0) {
        if (get)
            get_processes(a, req, s);
        else
            not_allowed(req, "GET, HEAD");
        return;
    }
    if (!node_route(a, req, s, get, post))
        send_error(req, 404, 0, "NOT_FOUND", "no such route");
}

/* ---- lifecycle ---- */

void api_reload(struct api *a, const struct config *cfg, struct node **nodes, size_t n)
{
    a->cfg = cfg;
    a->nodes = nodes;
    a->n = n;
    store_set_audit_keep(a->store, cfg->audit_keep);
    bulk_set_nodes(a->bulk, nodes, n);
}

void api_node_gone(struct api *a, struct node *n)
{
    struct pending *p = a->pending;
    while (p) {
        struct pending *next = p->next;
        if (p->node == n) {
            log_info("node '%s': %s '%s': the node was removed, call cancelled", n->cfg->name,
                     action_names[p->action], p->ns);
            if (p->action < ACT_LOG)
                store_audit(a->store, p->user, action_names[p->action], n->cfg->name, p->ns,
                            "NODE_REMOVED");
            rpcclient_cancel(n->rc, p->call);
            send_error(p->req, 503, 0, "NODE_REMOVED",
                       "the node was removed from the configuration");
            pending_free(p);
        }
        p = next;
    }
    bulk_node_gone(a->bulk, n);
}

struct api *api_new(const struct config *cfg, struct loop *l, struct node **nodes, size_t n,
                    struct store *store, struct hasher *hasher)
{
    struct api *a = xcalloc(1, sizeof *a);
    a->cfg = cfg;
    a->nodes = nodes;
    a->n = n;
    a->store = store;
    sessions_init(&a->sessions);
    hasher_attach(hasher, l);
    store_set_audit_keep(store, cfg->audit_keep);
    a->account = account_new(store, hasher, &a->sessions, cfg);
    a->bulk = bulk_new(nodes, n, store);
    return a;
}

void api_free(struct api *a)
{
    if (!a)
        return;
    while (a->pending) {
        struct pending *p = a->pending;
        rpcclient_cancel(p->node->rc, p->call);
        pending_free(p);
    }
    bulk_free(a->bulk);
    account_free(a->account);
    sessions_release(&a->sessions);
    free(a);
}
