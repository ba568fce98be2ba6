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
#include <strings.h>

#include "buf.h"
#include "jsonv.h"
#include "log.h"
#include "loop.h"
#include "session.h"
#include "xalloc.h"

enum action { ACT_START, ACT_STOP, ACT_RESTART, ACT_LOG };

/* One call in flight (an action or a log read): its request waits for the
 * node. */
struct pending {
    struct api *a;
    struct http_req *req;        /* borrowed until answered or aborted */
    struct node *node;           /* borrowed */
    struct rpcclient_call *call; /* owned by the node's rpcclient until done */
    enum action action;
    bool group; /* ns is "group:*": the ProcessGroup methods */
    char *ns;   /* owned */
    char *user; /* owned: who asked (for the activity log) */
    struct pending *prev, *next;
};

struct api {
    struct node *nodes; /* borrowed array */
    size_t n;
    struct pending *pending; /* owned list */
    struct store *store;     /* borrowed */
    struct sessions sessions;
};

static const char *const state_names[] = {"STOPPED",  "STARTING", "RUNNING", "BACKOFF",
                                          "STOPPING", "EXITED",   "FATAL",   "UNKNOWN"};

/* ---- JSON ---- */

static json_t *jstr(const char *s)
{
    return s ? jsonv_string(s, strlen(s)) : json_null();
}

static void send_json(struct http_req *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(body);
    if (!text)
        abort(); /* only on out-of-memory: every string was made valid */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, text);
    buf_putc(&b, '\n');
    free(text);
    http_add_header(req, "Cache-Control", "no-store");
    http_respond(req, status, "application/json", b.data, b.len);
    buf_release(&b);
}

static void send_result(struct http_req *req, json_t *result)
{
    json_t *o = json_object();
    json_object_set_new(o, "result", result);
    send_json(req, 200, o);
}

static void send_error(struct http_req *req, int status, int code, const char *name,
                       const char *message)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "name", json_string(name));
    json_object_set_new(e, "message", jstr(message));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    send_json(req, status, o);
}

/* ---- faults: Supervisor's codes, the HTTP status of supervisord's API ---- */

static const struct {
    int code;
    const char *name;
    int status;
} faults[] = {
    {1, "UNKNOWN_METHOD", 404},
    {2, "INCORRECT_PARAMETERS", 400},
    {3, "BAD_ARGUMENTS", 400},
    {4, "SIGNATURE_UNSUPPORTED", 500},
    {6, "SHUTDOWN_STATE", 409},
    {10, "BAD_NAME", 404},
    {11, "BAD_SIGNAL", 400},
    {20, "NO_FILE", 404},
    {21, "NOT_EXECUTABLE", 422},
    {30, "FAILED", 500},
    {40, "ABNORMAL_TERMINATION", 422},
    {50, "SPAWN_ERROR", 422},
    {60, "ALREADY_STARTED", 409},
    {70, "NOT_RUNNING", 409},
    {80, "SUCCESS", 500},
    {90, "ALREADY_ADDED", 409},
    {91, "STILL_RUNNING", 409},
    {92, "CANT_REREAD", 422},
};

static const char *fault_name(int code)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].code == code)
            return faults[i].name;
    return "UNKNOWN";
}

static void send_fault(struct http_req *req, int code, const char *text)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].code == code) {
            send_error(req, faults[i].status, code, faults[i].name, text);
            return;
        }
    send_error(req, 500, code, "UNKNOWN", text);
}

/* ---- nodes ---- */

static const char *proc_str(const struct xmlrpc_value *p, const char *key)
{
    const struct xmlrpc_value *v = xmlrpc_struct_get(p, key);
    return v && v->type == XMLRPC_STRING ? v->s : "";
}

static const char *proc_statename(const struct xmlrpc_value *p)
{
    return proc_str(p, "statename");
}

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
    size_t total = 0;
    if (n->processes) {
        total = n->processes->n;
        for (size_t i = 0; i < n->processes->n; i++) {
            const char *sn = proc_statename(n->processes->items[i]);
            json_t *c = json_object_get(counts, sn);
            if (c)
                json_integer_set(c, json_integer_value(c) + 1);
            else if (sn[0])
                json_object_set_new(counts, sn, json_integer(1));
        }
    }
    json_object_set_new(o, "processes", json_integer((json_int_t)total));
    json_object_set_new(o, "counts", counts);
    return o;
}

static void get_nodes(struct api *a, struct http_req *req, const struct session *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++)
        if (session_allows(s, a->nodes[i].cfg->environment))
            json_array_append_new(arr, node_json(&a->nodes[i]));
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
static bool name_matches(const char *pat, const struct xmlrpc_value *p)
{
    const char *name = proc_str(p, "name"), *group = proc_str(p, "group");
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
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++) {
        const struct node *n = &a->nodes[i];
        if (!n->processes || !session_allows(s, n->cfg->environment) ||
            (fnode && strcmp(fnode, n->cfg->name) != 0) ||
            (fenv && strcmp(fenv, n->cfg->environment) != 0))
            continue;
        for (size_t j = 0; j < n->processes->n; j++) {
            const struct xmlrpc_value *p = n->processes->items[j];
            if ((fstate && !state_matches(fstate, proc_statename(p))) ||
                (fname && !name_matches(fname, p)))
                continue;
            json_t *o = jsonv_from_xmlrpc(p);
            json_object_set_new(o, "node", jstr(n->cfg->name));
            json_object_set_new(o, "environment", jstr(n->cfg->environment));
            json_object_set_new(o, "node_online", json_boolean(n->online));
            json_array_append_new(arr, o);
        }
    }
    send_result(req, arr);
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

static const char *const action_names[] = {"start", "stop", "restart", "log"};

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
        send_fault(req, code, text);
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
        if (p->action != ACT_LOG)
            log_info("node '%s': %s '%s': %s", p->node->cfg->name, what, p->ns, r->fault_string);
        send_fault(req, r->fault_code, r->fault_string);
        result = fault_name(r->fault_code);
        break;
    case RPCCLIENT_OK:
        if (p->action == ACT_LOG) {
            send_tail(req, r->value);
            break;
        }
        if (p->action == ACT_RESTART) {
            int code = restart_fault(req, p, r->value);
            if (code) {
                result = code < 0 ? "NODE_UNAVAILABLE" : fault_name(code);
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
    if (p->action != ACT_LOG) {
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
    if (p->action != ACT_LOG)
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

static void get_log(struct api *a, struct http_req *req, struct node *n, const char *ns,
                    const char *stream, const char *user)
{
    long long offset, length;
    if (strcmp(stream, "stdout") != 0 && strcmp(stream, "stderr") != 0) {
        send_error(req, 404, 0, "NOT_FOUND", "no such route");
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
        if (strlen(a->nodes[i].cfg->name) == len && memcmp(a->nodes[i].cfg->name, name, len) == 0)
            return &a->nodes[i];
    return NULL;
}

/* DNS rebinding: a page of another site whose name resolves to 127.0.0.1
 * would send its own Host. Only loopback names are ours. */
static bool host_ok(const char *host)
{
    if (!host)
        return true; /* HTTP/1.0 */
    size_t len;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end)
            return false;
        return (size_t)(end - host) == 4 && strncmp(host, "[::1]", 5) == 0;
    }
    len = strcspn(host, ":");
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    return len >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == len;
}

/* Login CSRF: a login posted by a page of another site is refused (a
 * browser sends Origin with a POST; scripts send none). */
static bool same_origin(const struct http_req *req)
{
    const char *origin = http_req_header(req, "Origin");
    const char *host = http_req_header(req, "Host");
    if (!origin)
        return true;
    return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
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

static json_t *session_json(const struct session *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "user", jstr(s->user));
    json_object_set_new(o, "role", json_string(store_role_name(s->role)));
    json_object_set_new(o, "environments", jstr(s->environments));
    json_object_set_new(o, "csrf_token", json_string(s->csrf));
    return o;
}

static void set_cookie(struct http_req *req, const char *value, bool clear)
{
    char *c = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s", SESSION_COOKIE, value,
                        clear ? "; Max-Age=0" : "");
    http_add_header(req, "Set-Cookie", c);
    free(c);
}

/* POST /api/v1/login {"username", "password"}. The password check costs
 * one yescrypt hash (~70 ms, on the loop): that also slows guessing. */
static void post_login(struct api *a, struct http_req *req)
{
    if (!same_origin(req)) {
        send_error(req, 403, 0, "FORBIDDEN", "a login from another site's page");
        return;
    }
    size_t len;
    const char *body = http_req_body(req, &len);
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *user = json_string_value(json_object_get(j, "username"));
    const char *pass = json_string_value(json_object_get(j, "password"));
    bool printable = user && user[0];
    for (const char *c = user; printable && *c; c++)
        printable = (unsigned char)*c >= 0x20 && *c != 0x7f; /* it goes to the log */
    if (!printable || !pass) {
        json_decref(j);
        send_error(req, 400, 2, "INCORRECT_PARAMETERS",
                   "expected a JSON object with \"username\" (printable) and \"password\"");
        return;
    }
    enum store_role role;
    char *envs = NULL;
    if (!store_user_check(a->store, user, pass, &role, &envs)) {
        store_audit(a->store, user, "login", NULL, NULL, "failed");
        log_warn("login failed for user '%s'", user);
        json_decref(j);
        send_error(req, 401, 0, "UNAUTHORIZED", "bad username or password");
        return;
    }
    struct session *s = session_new(&a->sessions, user, role, envs, loop_clock_ms());
    free(envs);
    store_audit(a->store, user, "login", NULL, NULL, "ok");
    log_info("user '%s' logged in (%s)", user, store_role_name(role));
    json_decref(j);
    set_cookie(req, s->id, false);
    send_result(req, session_json(s));
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
    bool log = strncmp(tail, "/log/", 5) == 0 && !strchr(tail + 5, '/');
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

void api_handle(void *arg, struct http_req *req)
{
    struct api *a = arg;
    const char *method = http_req_method(req);
    const char *path = http_req_path(req);
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;

    if (!host_ok(http_req_header(req, "Host"))) {
        send_error(req, 403, 0, "FORBIDDEN", "the Host header is not a loopback name");
        return;
    }
    if (strcmp(path, "/api/v1/login") == 0) {
        if (post)
            post_login(a, req);
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
        store_audit(a->store, s->user, "logout", NULL, NULL, "ok");
        session_end(&a->sessions, s);
        set_cookie(req, "", true);
        send_result(req, json_true());
        return;
    }
    if (strcmp(path, "/api/v1/session") == 0) {
        if (get)
            send_result(req, session_json(s));
        else
            not_allowed(req, "GET, HEAD");
        return;
    }
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

struct api *api_new(struct node *nodes, size_t n, struct store *store)
{
    struct api *a = xcalloc(1, sizeof *a);
    a->nodes = nodes;
    a->n = n;
    a->store = store;
    sessions_init(&a->sessions);
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
    sessions_release(&a->sessions);
    free(a);
}
