/* api: routing of /api/v1/, JSON conversion of XML-RPC values and faults,
 * and the requests kept while their call waits. The meaning of every
 * action is rpc_supervisor.c's: routes only pick a method and its
 * arguments (see doc/api.md for the routes). */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csrf.h"
#include "httpd.h"
#include "jsonv.h"
#include "log.h"
#include "loop.h"
#include "rpc.h"
#include "supervisor.h"
#include "xalloc.h"

/* How a finished call's value is turned into the response. */
enum shape {
    SHAPE_PLAIN,        /* the value as is */
    SHAPE_GROUPS,       /* getAllProcessInfo grouped by group (filter: name) */
    SHAPE_RELOAD,       /* [[added, changed, removed]] -> object */
    SHAPE_TAIL,         /* [bytes, offset, overflow] -> object */
    SHAPE_RESTART,      /* multicall [stop, start] of one process */
    SHAPE_RESTART_MANY, /* multicall [stop..., start...] of a group or all */
};

struct pending {
    struct pending *next, *prev;
    struct api *a;
    struct httpd_req *req;
    struct xmlrpc_value *args; /* owned ARRAY: jobs may borrow from it */
    struct rpc_job *job;       /* owned */
    enum shape shape;
    char *filter;     /* owned; SHAPE_GROUPS: one group, NULL: all */
    api_done_fn done; /* api_call_then: hand the result over */
    void *ctx;        /* owned (malloc'ed) */
};

struct api {
    struct rpc *r;           /* borrowed */
    const struct csrf *csrf; /* borrowed */
    struct pending *pending; /* owned list */
    struct loop_timer kick;
};

/* ---- JSON ---- */

static void send_json(struct httpd_req *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(body);
    size_t len = strlen(text);
    text[len] = '\0';
    struct buf b;
    buf_init(&b);
    buf_append(&b, text, len);
    buf_putc(&b, '\n');
    free(text);
    httpd_add_header(req, "Cache-Control", "no-store");
    httpd_respond(req, status, "application/json", b.data, b.len);
    buf_release(&b);
}

static void send_result(struct httpd_req *req, json_t *result)
{
    json_t *o = json_object();
    json_object_set_new(o, "result", result);
    send_json(req, 200, o);
}

/* The HTTP status of a fault: the client's mistake (4xx) or the action's
 * failure (see doc/api.md). */
static int fault_status(int code)
{
    switch (code) {
    case FAULT_UNKNOWN_METHOD: return 404;
    case FAULT_INCORRECT_PARAMETERS:
    case FAULT_BAD_ARGUMENTS:
    case FAULT_BAD_SIGNAL: return 400;
    case FAULT_BAD_NAME: return 404;
    case FAULT_NO_FILE: return 404;
    case FAULT_SHUTDOWN_STATE:
    case FAULT_ALREADY_STARTED:
    case FAULT_NOT_RUNNING:
    case FAULT_ALREADY_ADDED:
    case FAULT_STILL_RUNNING: return 409;
    case FAULT_NOT_EXECUTABLE:
    case FAULT_SPAWN_ERROR:
    case FAULT_ABNORMAL_TERMINATION:
    case FAULT_CANT_REREAD: return 422;
    default: return 500;
    }
}

void api_send_error(struct httpd_req *req, int status, int code, const char *name,
                    const char *message)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "name", json_string(name));
    json_object_set_new(e, "message", jsonv_string(message, strlen(message)));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    send_json(req, status, o);
}

static void send_fault(struct httpd_req *req, int code, const char *text)
{
    api_send_error(req, fault_status(code), code, rpc_fault_name(code), text);
}

/* ---- shapes ---- */

static const struct xmlrpc_value *member(const struct xmlrpc_value *st, const char *name)
{
    return st && st->type == XMLRPC_STRUCT ? xmlrpc_struct_get(st, name) : NULL;
}

static bool is_fault(const struct xmlrpc_value *v)
{
    return member(v, "faultCode") != NULL;
}

static json_t *groups_json(const struct xmlrpc_value *infos, const char *filter)
{
    json_t *groups = json_array();
    json_t *cur = NULL;
    const char *curname = NULL;
    for (size_t i = 0; infos->type == XMLRPC_ARRAY && i < infos->n; i++) {
        const struct xmlrpc_value *g = member(infos->items[i], "group");
        if (!g || g->type != XMLRPC_STRING || (filter && strcmp(filter, g->s) != 0))
            continue;
        if (!curname || strcmp(curname, g->s) != 0) {
            cur = json_object();
            json_object_set_new(cur, "name", json_string(g->s));
            json_object_set_new(cur, "processes", json_array());
            json_array_append_new(groups, cur);
            curname = g->s;
        }
        json_array_append_new(json_object_get(cur, "processes"), jsonv_from_xmlrpc(infos->items[i]));
    }
    if (filter) { /* one group: the object itself */
        json_t *one = json_incref(json_array_get(groups, 0));
        json_decref(groups);
        if (!one) {
            one = json_object();
            json_object_set_new(one, "name", json_string(filter));
            json_object_set_new(one, "processes", json_array());
        }
        return one;
    }
    return groups;
}

/* Answer req with a finished result (consumed). */
static void finish(struct httpd_req *req, enum shape shape, const char *filter, struct rpc_res *res)
{
    if (res->kind == RPC_FAULT) {
        send_fault(req, res->code, res->text);
        rpc_res_release(res);
        return;
    }
    if (res->kind != RPC_VALUE) {
        /* an uncaught exception in Supervisor: multicall's text for it */
        char *m = xasprintf("FAILED: %s", res->text ? res->text : "internal error");
        api_send_error(req, 500, FAULT_FAILED, "FAILED", m);
        free(m);
        rpc_res_release(res);
        return;
    }
    const struct xmlrpc_value *v = res->value;
    switch (shape) {
    case SHAPE_PLAIN: send_result(req, jsonv_from_xmlrpc(v)); break;
    case SHAPE_GROUPS: send_result(req, groups_json(v, filter)); break;
    case SHAPE_RELOAD: {
        const struct xmlrpc_value *t = v->n ? v->items[0] : NULL;
        json_t *o = json_object();
        static const char *const keys[] = {"added", "changed", "removed"};
        for (size_t i = 0; i < 3; i++)
            json_object_set_new(o, keys[i], t && i < t->n ? jsonv_from_xmlrpc(t->items[i]) : json_array());
        send_result(req, o);
        break;
    }
    case SHAPE_TAIL: {
        json_t *o = json_object();
        json_object_set_new(o, "data", jsonv_from_xmlrpc(v->items[0]));
        json_object_set_new(o, "offset", jsonv_from_xmlrpc(v->items[1]));
        json_object_set_new(o, "overflow", jsonv_from_xmlrpc(v->items[2]));
        send_result(req, o);
        break;
    }
    case SHAPE_RESTART: {
        /* multicall results: a stop that found nothing running is fine */
        const struct xmlrpc_value *stop = v->items[0], *start = v->items[1];
        const struct xmlrpc_value *bad = NULL;
        if (is_fault(stop) && member(stop, "faultCode")->i != FAULT_NOT_RUNNING)
            bad = stop;
        else if (is_fault(start))
            bad = start;
        if (bad) {
            const struct xmlrpc_value *fs = member(bad, "faultString");
            send_fault(req, (int)member(bad, "faultCode")->i,
                       fs && fs->type == XMLRPC_STRING ? fs->s : "");
        } else {
            send_result(req, jsonv_from_xmlrpc(start));
        }
        break;
    }
    case SHAPE_RESTART_MANY: {
        const struct xmlrpc_value *stop = v->items[0], *start = v->items[1];
        const struct xmlrpc_value *bad = is_fault(stop) ? stop : is_fault(start) ? start : NULL;
        if (bad) {
            const struct xmlrpc_value *fs = member(bad, "faultString");
            send_fault(req, (int)member(bad, "faultCode")->i,
                       fs && fs->type == XMLRPC_STRING ? fs->s : "");
            break;
        }
        json_t *o = json_object();
        json_object_set_new(o, "stopped", jsonv_from_xmlrpc(stop));
        json_object_set_new(o, "started", jsonv_from_xmlrpc(start));
        send_result(req, o);
        break;
    }
    }
    rpc_res_release(res);
}

/* ---- waiting calls ---- */

static void pending_unlink(struct pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->a->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->next = p->prev = NULL;
}

static void pending_free(struct pending *p)
{
    if (p->job)
        p->job->free(p->job);
    xmlrpc_free(p->args);
    free(p->filter);
    free(p->ctx);
    free(p);
}

static void pending_abort_cb(void *arg, struct httpd_req *req)
{
    (void)req;
    struct pending *p = arg;
    pending_unlink(p);
    pending_free(p);
}

static void advance(struct api *a)
{
    struct pending *p = a->pending;
    while (p) {
        struct pending *next = p->next;
        struct rpc_res res = {0};
        if (p->job->poll(p->job, &res)) {
            pending_unlink(p);
            httpd_req_set_data(p->req, NULL, NULL);
            if (p->done)
                p->done(p->ctx, p->req, &res);
            else
                finish(p->req, p->shape, p->filter, &res);
            pending_free(p);
        }
        p = next;
    }
}

static void kick_cb(struct loop *l, void *arg)
{
    (void)l;
    advance(arg);
}

void api_kick(struct api *a)
{
    if (!a || !a->pending)
        return;
    struct loop *l = rpc_supervisor(a->r)->loop;
    if (!loop_timer_armed(&a->kick))
        loop_timer_arm(l, &a->kick, loop_now(l));
}

/* Call method with args (an ARRAY, consumed) and answer req now or when
 * the call finishes: through done(ctx) when given, else by shape. */
static void call_with(struct api *a, struct httpd_req *req, const char *method,
                      struct xmlrpc_value *args, enum shape shape, const char *filter,
                      api_done_fn done, void *ctx)
{
    struct rpc_res res = {0};
    rpc_call(a->r, method, args->items, args->n, &res);
    if (res.kind == RPC_DEFER) {
        struct rpc_job *job = res.job;
        res.job = NULL;
        rpc_res_release(&res);
        if (job->poll(job, &res)) {
            job->free(job);
        } else {
            struct pending *p = xcalloc(1, sizeof *p);
            p->a = a;
            p->req = req;
            p->args = args;
            p->job = job;
            p->shape = shape;
            p->filter = xstrdup(filter);
            p->done = done;
            p->ctx = ctx;
            p->next = a->pending;
            if (p->next)
                p->next->prev = p;
            a->pending = p;
            httpd_req_set_data(req, p, pending_abort_cb);
            return;
        }
    }
    if (done)
        done(ctx, req, &res);
    else
        finish(req, shape, filter, &res);
    free(ctx);
    xmlrpc_free(args);
}

static void call(struct api *a, struct httpd_req *req, const char *method,
                 struct xmlrpc_value *args, enum shape shape, const char *filter)
{
    call_with(a, req, method, args, shape, filter, NULL, NULL);
}

void api_call_then(struct api *a, struct httpd_req *req, const char *method,
                   struct xmlrpc_value *args, api_done_fn done, void *ctx)
{
    call_with(a, req, method, args, SHAPE_PLAIN, NULL, done, ctx);
}

/* ---- parameters ---- */

/* A parameter from the JSON body object (when there is one) or the query. */
struct params {
    struct httpd_req *req;
    json_t *body; /* owned; NULL when none */
};

/* The text of parameter key (JSON strings, numbers and booleans are turned
 * into text), or NULL. Returned text lives until the request ends or
 * params_release; buf holds numbers. */
static const char *param(struct params *p, const char *key, char *buf, size_t size)
{
    json_t *v = p->body ? json_object_get(p->body, key) : NULL;
    if (v) {
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_integer(v)) {
            snprintf(buf, size, "%lld", (long long)json_integer_value(v));
            return buf;
        }
        if (json_is_boolean(v))
            return json_is_true(v) ? "true" : "false";
        return "";
    }
    return httpd_req_query(p->req, key);
}

/* -1 and an error sent when the text is not a boolean. */
static int bool_param(struct params *p, const char *key, bool dflt, bool *out)
{
    char nb[32];
    const char *t = param(p, key, nb, sizeof nb);
    if (!t) {
        *out = dflt;
        return 0;
    }
    if (strcmp(t, "true") == 0 || strcmp(t, "1") == 0) {
        *out = true;
    } else if (strcmp(t, "false") == 0 || strcmp(t, "0") == 0) {
        *out = false;
    } else {
        char *m = xasprintf("INCORRECT_PARAMETERS: %s must be true or false", key);
        api_send_error(p->req, 400, FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS", m);
        free(m);
        return -1;
    }
    return 0;
}

static int int_param(struct params *p, const char *key, long long dflt, long long *out)
{
    char nb[32];
    const char *t = param(p, key, nb, sizeof nb);
    if (!t) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (!*t || *end || errno) {
        char *m = xasprintf("INCORRECT_PARAMETERS: %s must be an integer", key);
        api_send_error(p->req, 400, FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS", m);
        free(m);
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- routes ---- */

static struct xmlrpc_value *args_of(int n, ...)
{
    struct xmlrpc_value *a = xmlrpc_array();
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        xmlrpc_array_push(a, va_arg(ap, struct xmlrpc_value *));
    va_end(ap);
    return a;
}

static struct xmlrpc_value *mc_entry(const char *method, struct xmlrpc_value *params)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "methodName", xmlrpc_string(method));
    if (params)
        xmlrpc_struct_set(st, "params", params);
    return st;
}

static void not_found(struct httpd_req *req)
{
    char *m = xasprintf("no such resource: %s", httpd_req_path(req));
    api_send_error(req, 404, 0, "NOT_FOUND", m);
    free(m);
}

static void bad_method(struct httpd_req *req, const char *allow)
{
    httpd_add_header(req, "Allow", allow);
    char *m = xasprintf("method %s not allowed here (allowed: %s)", httpd_req_method(req), allow);
    api_send_error(req, 405, 0, "METHOD_NOT_ALLOWED", m);
    free(m);
}

/* An action on one process (target "p"), one group ("g") or all ("a"). */
static void action(struct api *a, struct params *p, char target, const char *name, const char *act)
{
    struct httpd_req *req = p->req;
    static const char *const methods[3][4] = {
        /* start, stop, signal, clearlog */
        {"supervisor.startProcess", "supervisor.stopProcess", "supervisor.signalProcess",
         "supervisor.clearProcessLogs"},
        {"supervisor.startProcessGroup", "supervisor.stopProcessGroup",
         "supervisor.signalProcessGroup", NULL},
        {"supervisor.startAllProcesses", "supervisor.stopAllProcesses",
         "supervisor.signalAllProcesses", "supervisor.clearAllProcessLogs"},
    };
    int t = target == 'p' ? 0 : target == 'g' ? 1 : 2;
    int k = strcmp(act, "start") == 0      ? 0
            : strcmp(act, "stop") == 0     ? 1
            : strcmp(act, "signal") == 0   ? 2
            : strcmp(act, "clearlog") == 0 ? 3
            : strcmp(act, "restart") == 0  ? 4
                                           : -1;
    if (k < 0 || (k < 4 && !methods[t][k])) {
        not_found(req);
        return;
    }
    if (strcmp(httpd_req_method(req), "POST") != 0) {
        bad_method(req, "POST");
        return;
    }
    bool wait = true;
    if ((k == 0 || k == 1 || k == 4) && bool_param(p, "wait", true, &wait) < 0)
        return;
    struct xmlrpc_value *args = xmlrpc_array();
    if (name)
        xmlrpc_array_push(args, xmlrpc_string(name));
    if (k == 2) {
        char nb[32];
        const char *sig = param(p, "signal", nb, sizeof nb);
        if (!sig) {
            xmlrpc_free(args);
            api_send_error(req, 400, FAULT_BAD_SIGNAL, "BAD_SIGNAL",
                           "BAD_SIGNAL: the signal parameter is missing");
            return;
        }
        xmlrpc_array_push(args, xmlrpc_string(sig));
    } else if (k == 0 || k == 1) {
        xmlrpc_array_push(args, xmlrpc_bool(wait));
    }
    if (k < 4) {
        call(a, req, methods[t][k], args, SHAPE_PLAIN, NULL);
        return;
    }
    /* restart: stop then start, serially (Supervisor's web restart) */
    struct xmlrpc_value *stop_args = xmlrpc_copy(args);
    xmlrpc_array_push(stop_args, xmlrpc_bool(true));
    xmlrpc_array_push(args, xmlrpc_bool(wait));
    struct xmlrpc_value *calls = xmlrpc_array();
    xmlrpc_array_push(calls, mc_entry(methods[t][1], stop_args));
    xmlrpc_array_push(calls, mc_entry(methods[t][0], args));
    call(a, req, "system.multicall", args_of(1, calls), t == 0 ? SHAPE_RESTART : SHAPE_RESTART_MANY,
         NULL);
}

static void log_read(struct api *a, struct params *p, const char *name, const char *channel,
                     bool tail)
{
    struct httpd_req *req = p->req;
    long long offset, length;
    if (int_param(p, "offset", tail ? 0 : -1024, &offset) < 0 ||
        int_param(p, "length", tail ? 1024 : 0, &length) < 0)
        return;
    const char *method;
    if (!name)
        method = "supervisor.readLog";
    else if (strcmp(channel, "stdout") == 0)
        method = tail ? "supervisor.tailProcessStdoutLog" : "supervisor.readProcessStdoutLog";
    else if (strcmp(channel, "stderr") == 0)
        method = tail ? "supervisor.tailProcessStderrLog" : "supervisor.readProcessStderrLog";
    else {
        not_found(req);
        return;
    }
    struct xmlrpc_value *args = xmlrpc_array();
    if (name)
        xmlrpc_array_push(args, xmlrpc_string(name));
    xmlrpc_array_push(args, xmlrpc_int(offset));
    xmlrpc_array_push(args, xmlrpc_int(length));
    call(a, req, method, args, tail ? SHAPE_TAIL : SHAPE_PLAIN, NULL);
}

/* Byte ranges of a log for the dashboard: exact offsets, any bytes. */
#define RANGE_DEFAULT 16384
#define RANGE_MAX (1024 * 1024)

static int utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Bytes [start, end) of path as {"data", "offset", "end", "size"}: offset
 * < 0 counts from the end; length 0 reads to the end; at most RANGE_MAX
 * (the end kept for a negative offset, the start for another). A UTF-8
 * character cut by either edge is left out (the offsets say so); other
 * bytes that are not UTF-8 become U+FFFD. A file not there yet is empty. */
static void send_range(struct httpd_req *req, const char *path, long long offset, long long length)
{
    long long size = 0, start = 0;
    struct buf b;
    buf_init(&b);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        size = st.st_size;
        long long end;
        if (offset < 0) {
            end = size;
            start = size + offset < 0 ? 0 : size + offset;
            if (end - start > RANGE_MAX)
                start = end - RANGE_MAX;
        } else {
            start = offset < size ? offset : size;
            end = length == 0 || length > size - start ? size : start + length;
            if (end - start > RANGE_MAX)
                end = start + RANGE_MAX;
        }
        if (offset < 0 && length > 0 && start + length < end)
            end = start + length;
        buf_reserve(&b, (size_t)(end - start));
        while (start + (long long)b.len < end) {
            ssize_t got = pread(fd, b.data + b.len, (size_t)(end - start) - b.len,
                                (off_t)(start + (long long)b.len));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            b.len += (size_t)got;
        }
        b.data[b.len] = '\0';
    } else if (fd < 0 && errno != ENOENT) {
        char *m = xasprintf("FAILED: cannot read '%s': %s", path, strerror(errno));
        api_send_error(req, 500, FAULT_FAILED, "FAILED", m);
        free(m);
        buf_release(&b);
        return;
    }
    if (fd >= 0)
        close(fd);
    const unsigned char *d = (const unsigned char *)b.data;
    size_t skip = 0, n = b.len;
    if (start > 0)
        while (skip < 3 && skip < n && (d[skip] & 0xc0) == 0x80)
            skip++;
    for (size_t t = n; t > skip && t + 4 > n; t--) {
        if ((d[t - 1] & 0xc0) == 0x80)
            continue;
        if (d[t - 1] >= 0xc0 && t - 1 + (size_t)utf8_len(d[t - 1]) > n)
            n = t - 1; /* the rest of it is not written yet, or is past the end */
        break;
    }
    json_t *o = json_object();
    json_object_set_new(o, "data", jsonv_string(b.data + skip, n - skip));
    json_object_set_new(o, "offset", json_integer(start + (long long)skip));
    json_object_set_new(o, "end", json_integer(start + (long long)n));
    json_object_set_new(o, "size", json_integer(size));
    buf_release(&b);
    send_result(req, o);
}

static void log_range(struct api *a, struct params *p, const char *name, const char *channel)
{
    struct httpd_req *req = p->req;
    long long offset, length;
    if (int_param(p, "offset", -RANGE_DEFAULT, &offset) < 0 ||
        int_param(p, "length", 0, &length) < 0)
        return;
    if (length < 0) {
        api_send_error(req, 400, FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS",
                       "INCORRECT_PARAMETERS: length must not be negative");
        return;
    }
    if (!name) {
        const char *path = log_path();
        if (!path) {
            send_fault(req, FAULT_NO_FILE, "NO_FILE: the main log is not a file");
            return;
        }
        send_range(req, path, offset, length);
        return;
    }
    /* split_namespec: "g:p", or "p" for the group of its own name */
    const char *colon = strchr(name, ':');
    char *g = colon ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
    struct proc *pr = supervisor_find(rpc_supervisor(a->r), g, colon ? colon + 1 : name);
    free(g);
    if (!pr) {
        char *t = xasprintf("BAD_NAME: %s", name);
        send_fault(req, FAULT_BAD_NAME, t);
        free(t);
        return;
    }
    bool err = strcmp(channel, "stderr") == 0;
    if (!err && strcmp(channel, "stdout") != 0) {
        not_found(req);
        return;
    }
    const char *path = err ? pr->errlog_path : pr->outlog_path;
    if (!path) {
        char *t = xasprintf("NO_FILE: %s has no %s log", name, channel);
        send_fault(req, FAULT_NO_FILE, t);
        free(t);
        return;
    }
    send_range(req, path, offset, length);
}

static void info(struct api *a, struct httpd_req *req)
{
    static const struct {
        const char *key, *method;
    } parts[] = {
        {"api_version", "supervisor.getAPIVersion"},
        {"supervisor_version", "supervisor.getSupervisorVersion"},
        {"identification", "supervisor.getIdentification"},
        {"state", "supervisor.getState"},
        {"pid", "supervisor.getPID"},
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        struct rpc_res res = {0};
        rpc_call(a->r, parts[i].method, NULL, 0, &res);
        if (res.kind != RPC_VALUE) {
            json_decref(o);
            finish(req, SHAPE_PLAIN, NULL, &res);
            return;
        }
        json_object_set_new(o, parts[i].key, jsonv_from_xmlrpc(res.value));
        rpc_res_release(&res);
    }
    send_result(req, o);
}

#define MAX_SEGS 8

static void route(struct api *a, struct params *p, char **seg, size_t n)
{
    struct httpd_req *req = p->req;
    const char *m = httpd_req_method(req);
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const char *s0 = n > 0 ? seg[0] : "";

    /* read-only routes */
    bool readonly = true;
    if (n <= 1 && (strcmp(s0, "") == 0 || strcmp(s0, "info") == 0)) {
        if (get)
            info(a, req);
    } else if (n == 1 && strcmp(s0, "processes") == 0) {
        if (get)
            call(a, req, "supervisor.getAllProcessInfo", xmlrpc_array(), SHAPE_PLAIN, NULL);
    } else if (n == 2 && strcmp(s0, "processes") == 0) {
        if (get)
            call(a, req, "supervisor.getProcessInfo", args_of(1, xmlrpc_string(seg[1])),
                 SHAPE_PLAIN, NULL);
    } else if (n == 5 && strcmp(s0, "processes") == 0 && strcmp(seg[2], "log") == 0 &&
               strcmp(seg[4], "range") == 0) {
        if (get)
            log_range(a, p, seg[1], seg[3]);
    } else if ((n == 4 || n == 5) && strcmp(s0, "processes") == 0 && strcmp(seg[2], "log") == 0 &&
               (n == 4 || strcmp(seg[4], "tail") == 0)) {
        if (get)
            log_read(a, p, seg[1], seg[3], n == 5);
    } else if (n == 1 && strcmp(s0, "groups") == 0) {
        if (get)
            call(a, req, "supervisor.getAllProcessInfo", xmlrpc_array(), SHAPE_GROUPS, NULL);
    } else if (n == 2 && strcmp(s0, "groups") == 0) {
        if (get) {
            if (!supervisor_group(rpc_supervisor(a->r), seg[1])) {
                char *t = xasprintf("BAD_NAME: %s", seg[1]);
                send_fault(req, FAULT_BAD_NAME, t);
                free(t);
            } else {
                call(a, req, "supervisor.getAllProcessInfo", xmlrpc_array(), SHAPE_GROUPS, seg[1]);
            }
        }
    } else if (n == 1 && strcmp(s0, "log") == 0) {
        if (get)
            log_read(a, p, NULL, NULL, false);
    } else if (n == 2 && strcmp(s0, "log") == 0 && strcmp(seg[1], "range") == 0) {
        if (get)
            log_range(a, p, NULL, NULL);
    } else if (n == 1 && strcmp(s0, "config") == 0) {
        if (get)
            call(a, req, "supervisor.getAllConfigInfo", xmlrpc_array(), SHAPE_PLAIN, NULL);
    } else if (n == 1 && strcmp(s0, "reload") == 0) {
        /* a preview: re-reads the files, changes nothing that runs */
        if (get)
            call(a, req, "supervisor.reloadConfig", xmlrpc_array(), SHAPE_RELOAD, NULL);
    } else {
        readonly = false;
    }
    if (readonly) {
        if (!get)
            bad_method(req, "GET, HEAD");
        return;
    }
    /* actions */
    if (n == 3 && strcmp(s0, "processes") == 0)
        action(a, p, 'p', seg[1], seg[2]);
    else if (n == 3 && strcmp(s0, "groups") == 0)
        action(a, p, 'g', seg[1], seg[2]);
    else if (n == 2 && strcmp(s0, "all") == 0)
        action(a, p, 'a', NULL, seg[1]);
    else
        not_found(req);
}

void api_handle(struct api *a, struct httpd_req *req)
{
    const char *path = httpd_req_path(req);
    const char *prefix = "/api/v1";
    size_t plen = strlen(prefix);
    if (strncmp(path, prefix, plen) != 0 || (path[plen] && path[plen] != '/')) {
        not_found(req);
        return;
    }
    const char *why;
    if (!csrf_request_ok(a->csrf, req, &why)) {
        api_send_error(req, 403, 0, "FORBIDDEN", why);
        return;
    }
    struct params p = {req, NULL};
    size_t blen;
    const char *body = httpd_req_body(req, &blen);
    if (blen > 0) {
        json_error_t je;
        p.body = json_loadb(body, blen, 0, &je);
        if (!p.body || !json_is_object(p.body)) {
            json_decref(p.body);
            char *m = xasprintf("INCORRECT_PARAMETERS: the body is not a JSON object: %s",
                                p.body ? "not an object" : je.text);
            api_send_error(req, 400, FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS", m);
            free(m);
            return;
        }
    }
    /* split what follows /api/v1/ on '/'; a trailing slash is ignored */
    char *rest = xstrdup(path[plen] ? path + plen + 1 : "");
    size_t len = strlen(rest);
    if (len && rest[len - 1] == '/')
        rest[len - 1] = '\0';
    char *seg[MAX_SEGS];
    size_t n = 0;
    bool ok = true;
    if (*rest) {
        for (char *s = rest;;) {
            if (n == MAX_SEGS) {
                ok = false;
                break;
            }
            seg[n++] = s;
            char *slash = strchr(s, '/');
            if (!slash)
                break;
            *slash = '\0';
            s = slash + 1;
        }
    }
    for (size_t i = 0; ok && i < n; i++)
        if (!*seg[i])
            ok = false;
    if (ok)
        route(a, &p, seg, n);
    else
        not_found(req);
    free(rest);
    json_decref(p.body);
}

struct api *api_new(struct rpc *r, const struct csrf *c)
{
    struct api *a = xcalloc(1, sizeof *a);
    a->r = r;
    a->csrf = c;
    loop_timer_init(&a->kick, kick_cb, a);
    return a;
}

void api_free(struct api *a)
{
    if (!a)
        return;
    while (a->pending) {
        struct pending *p = a->pending;
        pending_unlink(p);
        httpd_req_set_data(p->req, NULL, NULL);
        httpd_close(p->req);
        pending_free(p);
    }
    loop_timer_cancel(rpc_supervisor(a->r)->loop, &a->kick);
    free(a);
}
