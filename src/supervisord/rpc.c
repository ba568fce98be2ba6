/* rpc: POST /RPC2 handling (parse, dispatch by Supervisor's traverse rules,
 * faults, HTTP 400/500), the system.* namespace with multicall, and the
 * requests kept while their call waits. A waiting call is a job polled once
 * at once and then again after process state changes (the supervisor's
 * change hook arms a zero-delay timer), never on a clock. Method bodies of
 * supervisor.* are in rpc_supervisor.c; HTTP framing is httpd.c's. */
#include "rpc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datatypes.h"
#include "httpd.h"
#include "log.h"
#include "logtail.h"
#include "loop.h"
#include "supervisor.h"
#include "web.h"
#include "xalloc.h"

#define STANDARD_FACTORY "supervisor.rpcinterface:make_main_rpcinterface"

/* A request whose call has not finished. */
struct pending {
    struct pending *next, *prev;
    struct rpc *r;
    struct httpd_req *req;
    struct xmlrpc_call call; /* owned: jobs may borrow from it */
    struct rpc_job *job;     /* owned */
};

struct rpc {
    struct supervisor *s;     /* borrowed */
    char **namespaces;        /* owned: names served by the supervisor table */
    size_t nnamespaces;
    struct pending *pending;  /* owned list */
    struct loop_timer kick;   /* re-poll the pending calls */
    struct logtail *tails;    /* owned */
    struct web *web;          /* owned: every other path */
    struct rpc_shared *memo;  /* one reference: see rpc_memo_get */
    uint64_t memo_gen;
    long long memo_now;
};

/* ---- results ---- */

static const struct {
    int code;
    const char *name;
} fault_names[] = {
    {1, "UNKNOWN_METHOD"}, {2, "INCORRECT_PARAMETERS"}, {3, "BAD_ARGUMENTS"},
    {4, "SIGNATURE_UNSUPPORTED"}, {6, "SHUTDOWN_STATE"}, {10, "BAD_NAME"},
    {11, "BAD_SIGNAL"}, {20, "NO_FILE"}, {21, "NOT_EXECUTABLE"}, {30, "FAILED"},
    {40, "ABNORMAL_TERMINATION"}, {50, "SPAWN_ERROR"}, {60, "ALREADY_STARTED"},
    {70, "NOT_RUNNING"}, {80, "SUCCESS"}, {90, "ALREADY_ADDED"}, {91, "STILL_RUNNING"},
    {92, "CANT_REREAD"},
};

const char *rpc_fault_name(int code)
{
    for (size_t i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++)
        if (fault_names[i].code == code)
            return fault_names[i].name;
    return "UNKNOWN";
}

void rpc_res_value(struct rpc_res *res, struct xmlrpc_value *v)
{
    res->kind = RPC_VALUE;
    res->value = v;
}

void rpc_res_xml(struct rpc_res *res, struct buf *b)
{
    res->kind = RPC_XML;
    res->xml = *b;
    *b = (struct buf){0};
}

void rpc_res_shared(struct rpc_res *res, struct rpc_shared *sh)
{
    res->kind = RPC_XML;
    res->shared = sh;
    sh->refs++;
}

void rpc_shared_put(struct rpc_shared *sh)
{
    if (sh && --sh->refs == 0) {
        buf_release(&sh->xml);
        free(sh);
    }
}

static void shared_put_cb(void *arg)
{
    rpc_shared_put(arg);
}

void rpc_res_fault(struct rpc_res *res, int code, const char *extra_fmt, ...)
{
    res->kind = RPC_FAULT;
    res->code = code;
    if (!extra_fmt) {
        res->text = xstrdup(rpc_fault_name(code));
        return;
    }
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%s: ", rpc_fault_name(code));
    va_list ap;
    va_start(ap, extra_fmt);
    buf_vprintf(&b, extra_fmt, ap);
    va_end(ap);
    res->text = buf_detach(&b);
}

void rpc_res_500(struct rpc_res *res, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    res->kind = RPC_HTTP_500;
    res->text = buf_detach(&b);
}

void rpc_res_defer(struct rpc_res *res, struct rpc_job *job)
{
    res->kind = RPC_DEFER;
    res->job = job;
}

void rpc_res_release(struct rpc_res *res)
{
    xmlrpc_free(res->value);
    free(res->text);
    free(res->xml.data);
    rpc_shared_put(res->shared);
    if (res->job)
        res->job->free(res->job);
    memset(res, 0, sizeof *res);
}

/* ---- Python views of values ---- */

const char *rpc_py_type(const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT: return "int";
    case XMLRPC_BOOL: return "bool";
    case XMLRPC_STRING: return "str";
    case XMLRPC_DOUBLE: return "float";
    case XMLRPC_ARRAY: return "list";
    case XMLRPC_STRUCT: return "dict";
    case XMLRPC_NIL: return "NoneType";
    }
    return "object";
}

/* repr(float): the shortest text that reads back the same. */
static void py_float(struct buf *b, double d)
{
    if (isnan(d)) {
        buf_puts(b, "nan");
        return;
    }
    if (isinf(d)) {
        buf_puts(b, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* Python switches to exponent form at 1e16, %g at the precision */
    double a = fabs(d);
    if (a >= 1e16 || (a != 0 && a < 1e-4)) {
        char *e = strchr(tmp, 'e');
        if (!e) {
            int prec;
            for (prec = 1; prec <= 17; prec++) {
                snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
                if (strtod(tmp, NULL) == d)
                    break;
            }
        }
        buf_puts(b, tmp);
        return;
    }
    if (strchr(tmp, 'e')) /* %g chose exponent form below 1e16: spell it out */
        snprintf(tmp, sizeof tmp, "%.1f", d);
    buf_puts(b, tmp);
    if (!strchr(tmp, '.'))
        buf_puts(b, ".0");
}

static void py_repr(struct buf *b, const struct xmlrpc_value *v);

static void py_str_into(struct buf *b, const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT: buf_printf(b, "%lld", v->i); break;
    case XMLRPC_BOOL: buf_puts(b, v->i ? "True" : "False"); break;
    case XMLRPC_STRING: buf_append(b, v->s, v->len); break;
    case XMLRPC_DOUBLE: py_float(b, v->d); break;
    case XMLRPC_NIL: buf_puts(b, "None"); break;
    case XMLRPC_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_puts(b, ", ");
            py_repr(b, v->items[i]);
        }
        buf_putc(b, ']');
        break;
    case XMLRPC_STRUCT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_puts(b, ", ");
            char *k = dt_pyrepr(v->members[i].name);
            buf_printf(b, "%s: ", k);
            free(k);
            py_repr(b, v->members[i].value);
        }
        buf_putc(b, '}');
        break;
    }
}

static void py_repr(struct buf *b, const struct xmlrpc_value *v)
{
    if (v->type == XMLRPC_STRING) {
        char *q = dt_pyrepr(v->s);
        buf_puts(b, q);
        free(q);
    } else {
        py_str_into(b, v);
    }
}

char *rpc_py_str(const struct xmlrpc_value *v)
{
    struct buf b;
    buf_init(&b);
    py_str_into(&b, v);
    return buf_detach(&b);
}

bool rpc_py_truthy(const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT:
    case XMLRPC_BOOL: return v->i != 0;
    case XMLRPC_STRING: return v->len != 0;
    case XMLRPC_DOUBLE: return v->d != 0;
    case XMLRPC_ARRAY:
    case XMLRPC_STRUCT: return v->n != 0;
    case XMLRPC_NIL: return false;
    }
    return false;
}

int rpc_py_int(const struct xmlrpc_value *v, long long *n, struct rpc_res *out)
{
    switch (v->type) {
    case XMLRPC_INT:
    case XMLRPC_BOOL:
        *n = v->i;
        return 0;
    case XMLRPC_DOUBLE:
        if (isnan(v->d) || isinf(v->d) || fabs(v->d) >= 9.2e18) {
            rpc_res_500(out, "<class 'OverflowError'>:cannot convert float to integer");
            return -1;
        }
        *n = (long long)v->d;
        return 0;
    case XMLRPC_STRING: {
        struct err e;
        if (strlen(v->s) == v->len && dt_integer(v->s, n, &e) == 0)
            return 0;
        char *q = dt_pyrepr(v->s);
        rpc_res_500(out, "<class 'ValueError'>:invalid literal for int() with base 10: %s", q);
        free(q);
        return -1;
    }
    default:
        /* a TypeError inside the call: Supervisor reports it as bad arity */
        rpc_res_fault(out, FAULT_INCORRECT_PARAMETERS, NULL);
        return -1;
    }
}

/* ---- HTTP helpers ---- */

static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 411: return "Length Required";
    case 500: return "Internal Server Error";
    default: return "Unknown";
    }
}

void rpc_http_error(struct httpd_req *req, int code)
{
    char body[512];
    int n = snprintf(body, sizeof body,
                     "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
                     "<h1>Error response</h1>\r\n<p>Error code %d.\r\n<p>Message: %s.\r\n"
                     "</body>\r\n",
                     code, reason(code));
    httpd_respond(req, code, "text/html", body, (size_t)n);
}

/* ---- dispatch ---- */

struct supervisor *rpc_supervisor(struct rpc *r)
{
    return r->s;
}

static void sys_listMethods(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                            struct rpc_res *out);
static void sys_methodHelp(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                           struct rpc_res *out);
static void sys_methodSignature(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                                struct rpc_res *out);
static void sys_multicall(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                          struct rpc_res *out);

static const struct rpc_method system_methods[] = {
    {"listMethods", 0, 0, sys_listMethods, "system.listMethods"},
    {"methodHelp", 1, 1, sys_methodHelp, "system.methodHelp"},
    {"methodSignature", 1, 1, sys_methodSignature, "system.methodSignature"},
    {"multicall", 1, 1, sys_multicall, "system.multicall"},
    {NULL, 0, 0, NULL, NULL},
};

/* The table serving namespace ns, or NULL. "system" is added last in
 * Supervisor, so it wins over an [rpcinterface:system]. */
static const struct rpc_method *namespace_table(const struct rpc *r, const char *ns, size_t len)
{
    if (len == 6 && memcmp(ns, "system", 6) == 0)
        return system_methods;
    for (size_t i = 0; i < r->nnamespaces; i++)
        if (strlen(r->namespaces[i]) == len && memcmp(r->namespaces[i], ns, len) == 0)
            return rpc_supervisor_methods;
    return NULL;
}

/* Find "ns.method" with traverse()'s rules; NULL: UNKNOWN_METHOD. */
static const struct rpc_method *lookup(const struct rpc *r, const char *method)
{
    const char *dot = strchr(method, '.');
    if (!dot || strchr(dot + 1, '.')) /* exactly two parts (CVE-2017-11610) */
        return NULL;
    const char *name = dot + 1;
    if (name[0] == '_')
        return NULL;
    const struct rpc_method *t = namespace_table(r, method, (size_t)(dot - method));
    if (!t)
        return NULL;
    for (; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

void rpc_call(struct rpc *r, const char *method, struct xmlrpc_value *const *args, size_t nargs,
              struct rpc_res *out)
{
    const struct rpc_method *m = lookup(r, method);
    if (!m) {
        rpc_res_fault(out, FAULT_UNKNOWN_METHOD, NULL);
        return;
    }
    if (nargs < (size_t)m->minargs || nargs > (size_t)m->maxargs) {
        rpc_res_fault(out, FAULT_INCORRECT_PARAMETERS, NULL);
        return;
    }
    m->fn(r, args, nargs, out);
}

/* ---- system.* ---- */

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "ns.method" name, sorted, without duplicates; *help_of gets the
 * help-table key of each (parallel array). */
static char **all_methods(const struct rpc *r, size_t *n)
{
    size_t cap = 0, cnt = 0;
    char **v = NULL;
    for (size_t i = 0; i < r->nnamespaces; i++)
        for (const struct rpc_method *m = rpc_supervisor_methods; m->name; m++) {
            v = xgrow(v, &cap, cnt + 1, sizeof *v);
            v[cnt++] = xasprintf("%s.%s", r->namespaces[i], m->name);
        }
    for (const struct rpc_method *m = system_methods; m->name; m++) {
        v = xgrow(v, &cap, cnt + 1, sizeof *v);
        v[cnt++] = xasprintf("system.%s", m->name);
    }
    qsort(v, cnt, sizeof *v, strp_cmp);
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
            free(v[i]);
        else
            v[k++] = v[i];
    }
    *n = k;
    return v;
}

static void sys_listMethods(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                            struct rpc_res *out)
{
    (void)args;
    (void)nargs;
    size_t n;
    char **names = all_methods(r, &n);
    struct xmlrpc_value *a = xmlrpc_array();
    for (size_t i = 0; i < n; i++) {
        xmlrpc_array_push(a, xmlrpc_string(names[i]));
        free(names[i]);
    }
    free(names);
    rpc_res_value(out, a);
}

/* The help entry of a published method name, or NULL. */
static const struct rpc_help *help_of(const struct rpc *r, const struct xmlrpc_value *name)
{
    if (name->type != XMLRPC_STRING || strlen(name->s) != name->len)
        return NULL; /* Python compares with ==: never equal */
    const struct rpc_method *m = lookup(r, name->s);
    return m ? rpc_help_find(m->help_name) : NULL;
}

static void sys_methodHelp(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                           struct rpc_res *out)
{
    (void)nargs;
    const struct rpc_help *h = help_of(r, args[0]);
    if (!h) {
        rpc_res_fault(out, FAULT_SIGNATURE_UNSUPPORTED, NULL);
        return;
    }
    rpc_res_value(out, xmlrpc_string(h->help));
}

static void sys_methodSignature(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                                struct rpc_res *out)
{
    (void)nargs;
    const struct rpc_help *h = help_of(r, args[0]);
    if (!h || !h->sig[0]) {
        rpc_res_fault(out, FAULT_SIGNATURE_UNSUPPORTED, NULL);
        return;
    }
    struct xmlrpc_value *a = xmlrpc_array();
    for (size_t i = 0; h->sig[i]; i++)
        xmlrpc_array_push(a, xmlrpc_string(h->sig[i]));
    rpc_res_value(out, a);
}

/* multicall: strictly serial; a call that waits blocks the ones after it
 * (Supervisor's order). Results are bare values, faults are structs. */
struct mc_job {
    struct rpc_job base;
    struct rpc *r;
    const struct xmlrpc_value *calls; /* borrowed from the request */
    size_t next;
    struct rpc_job *cur;              /* owned: the call being waited for */
    struct xmlrpc_value *results;     /* owned */
};

static struct xmlrpc_value *fault_struct(int code, const char *text)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "faultCode", xmlrpc_int(code));
    xmlrpc_struct_set(st, "faultString", xmlrpc_string(text));
    return st;
}

/* A finished call's entry in the results; res is consumed. */
static void mc_append(struct mc_job *j, struct rpc_res *res)
{
    if (res->kind == RPC_VALUE) {
        xmlrpc_array_push(j->results, res->value);
        res->value = NULL;
    } else if (res->kind == RPC_FAULT) {
        xmlrpc_array_push(j->results, fault_struct(res->code, res->text));
    } else { /* Supervisor's bare except: FAILED with the exception text */
        char *t = xasprintf("FAILED: %s", res->text ? res->text : "<class 'Exception'>:");
        xmlrpc_array_push(j->results, fault_struct(FAULT_FAILED, t));
        free(t);
    }
    rpc_res_release(res);
}

/* Positional arguments as func(*params) would see them. NULL: TypeError. */
static struct xmlrpc_value **star_args(const struct xmlrpc_value *params, size_t *n,
                                       struct xmlrpc_value ***temps)
{
    *temps = NULL;
    if (!params) {
        *n = 0;
        return xcalloc(1, sizeof(struct xmlrpc_value *));
    }
    if (params->type == XMLRPC_ARRAY) {
        *n = params->n;
        struct xmlrpc_value **a = xcalloc(params->n + 1, sizeof *a);
        if (params->n) /* items is NULL in an empty array */
            memcpy(a, params->items, params->n * sizeof *a);
        return a;
    }
    /* *"ab" gives its characters, *{...} its keys: temporaries */
    size_t cnt = 0;
    struct xmlrpc_value **a = NULL;
    if (params->type == XMLRPC_STRING) {
        a = xcalloc(params->len + 1, sizeof *a);
        for (size_t i = 0; i < params->len;) {
            size_t k = 1;
            while (i + k < params->len && ((unsigned char)params->s[i + k] & 0xc0) == 0x80)
                k++;
            a[cnt++] = xmlrpc_string_n(params->s + i, k);
            i += k;
        }
    } else if (params->type == XMLRPC_STRUCT) {
        a = xcalloc(params->n + 1, sizeof *a);
        for (size_t i = 0; i < params->n; i++)
            a[cnt++] = xmlrpc_string(params->members[i].name);
    } else {
        return NULL;
    }
    *n = cnt;
    *temps = a;
    return a;
}

static bool mc_poll(struct rpc_job *base, struct rpc_res *out)
{
    struct mc_job *j = (struct mc_job *)base;
    for (;;) {
        if (j->cur) {
            struct rpc_res res = {0};
            if (!j->cur->poll(j->cur, &res))
                return false;
            j->cur->free(j->cur);
            j->cur = NULL;
            if (res.kind == RPC_DEFER) { /* a job never finishes with a job */
                rpc_res_release(&res);
                rpc_res_500(&res, "<class 'Exception'>:bad deferred");
            }
            mc_append(j, &res);
        }
        if (j->next >= j->calls->n)
            break;
        const struct xmlrpc_value *call = j->calls->items[j->next++];
        struct rpc_res res = {0};
        if (call->type != XMLRPC_STRUCT) { /* call.get(): AttributeError, HTTP 500 */
            rpc_res_500(out, "<class 'AttributeError'>:'%s' object has no attribute 'get'",
                        rpc_py_type(call));
            return true;
        }
        const struct xmlrpc_value *name = xmlrpc_struct_get(call, "methodName");
        const struct xmlrpc_value *params = xmlrpc_struct_get(call, "params");
        if (!name || name->type == XMLRPC_NIL) {
            rpc_res_fault(&res, FAULT_INCORRECT_PARAMETERS, "No methodName");
        } else if (name->type != XMLRPC_STRING) {
            rpc_res_500(&res, "<class 'AttributeError'>:'%s' object has no attribute 'split'",
                        rpc_py_type(name));
        } else if (strcmp(name->s, "system.multicall") == 0) {
            rpc_res_fault(&res, FAULT_INCORRECT_PARAMETERS,
                          "Recursive system.multicall forbidden");
        } else {
            size_t n;
            struct xmlrpc_value **temps;
            struct xmlrpc_value **args = star_args(params, &n, &temps);
            if (!args) {
                /* func(*5) is a TypeError, unless the method is unknown */
                if (!lookup(j->r, name->s))
                    rpc_res_fault(&res, FAULT_UNKNOWN_METHOD, NULL);
                else
                    rpc_res_fault(&res, FAULT_INCORRECT_PARAMETERS, NULL);
            } else {
                rpc_call(j->r, name->s, args, n, &res);
                if (temps)
                    for (size_t i = 0; i < n; i++)
                        xmlrpc_free(temps[i]);
                free(args);
            }
        }
        if (res.kind == RPC_DEFER) {
            j->cur = res.job;
            res.job = NULL;
            rpc_res_release(&res);
            continue;
        }
        mc_append(j, &res);
    }
    rpc_res_value(out, j->results);
    j->results = NULL;
    return true;
}

static void mc_free(struct rpc_job *base)
{
    struct mc_job *j = (struct mc_job *)base;
    if (j->cur)
        j->cur->free(j->cur);
    xmlrpc_free(j->results);
    free(j);
}

static void sys_multicall(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                          struct rpc_res *out)
{
    (void)nargs;
    const struct xmlrpc_value *calls = args[0];
    if (calls->type == XMLRPC_STRING) { /* calls[:] works; "x".get does not */
        if (calls->len == 0)
            rpc_res_value(out, xmlrpc_array());
        else
            rpc_res_500(out, "<class 'AttributeError'>:'str' object has no attribute 'get'");
        return;
    }
    if (calls->type != XMLRPC_ARRAY) { /* calls[:]: TypeError */
        rpc_res_fault(out, FAULT_INCORRECT_PARAMETERS, NULL);
        return;
    }
    struct mc_job *j = xcalloc(1, sizeof *j);
    j->base.poll = mc_poll;
    j->base.free = mc_free;
    j->r = r;
    j->calls = calls;
    j->results = xmlrpc_array();
    /* like Supervisor: run at once, defer only if a call waits */
    if (mc_poll(&j->base, out)) {
        mc_free(&j->base);
        return;
    }
    rpc_res_defer(out, &j->base);
}

/* ---- requests ---- */

static void log_data(int level, const char *prefix, const char *body, size_t len,
                     const char *suffix)
{
    if (!log_enabled(level))
        return;
    char *copy = xstrndup(body, len);
    char *q = dt_pyrepr(copy);
    log_msg(level, "%s%s%s", prefix, q, suffix);
    free(q);
    free(copy);
}

/* Answer req with a finished result (consumed). */
static void finish(struct rpc *r, struct httpd_req *req, const char *method, struct rpc_res *res,
                   bool deferred)
{
    (void)r;
    struct buf out;
    buf_init(&out);
    switch (res->kind) {
    case RPC_VALUE:
        log_trace("XML-RPC method %s() returned successfully", method);
        xmlrpc_write_response(&out, res->value);
        httpd_respond_buf(req, 200, "text/xml", &out);
        break;
    case RPC_XML:
        log_trace("XML-RPC method %s() returned successfully", method);
        if (res->shared) {
            struct rpc_shared *sh = res->shared; /* its reference goes to the response */
            res->shared = NULL;
            httpd_respond_parts(req, 200, "text/xml", XMLRPC_RESPONSE_HEAD, sh->xml.data,
                                sh->xml.len, XMLRPC_RESPONSE_TAIL, shared_put_cb, sh);
        } else {
            httpd_respond_wrapped(req, 200, "text/xml", XMLRPC_RESPONSE_HEAD, &res->xml,
                                  XMLRPC_RESPONSE_TAIL);
        }
        break;
    case RPC_FAULT:
        log_trace("XML-RPC method %s() returned fault: [%d] %s", method, res->code, res->text);
        xmlrpc_write_fault(&out, res->code, res->text);
        httpd_respond(req, 200, "text/xml", out.data, out.len);
        break;
    case RPC_HTTP_500:
    case RPC_DEFER:
        if (deferred) {
            log_msg(LOG_CRIT, "XML-RPC response callback error %s", res->text ? res->text : "");
        } else {
            size_t len;
            const char *body = httpd_req_body(req, &len);
            char *msg = xasprintf("\" raised an unexpected exception: %s",
                                  res->text ? res->text : "");
            log_data(LOG_CRIT, "Handling XML-RPC request with data ", body, len, msg);
            free(msg);
        }
        rpc_http_error(req, 500);
        break;
    }
    buf_release(&out);
    rpc_res_release(res);
}

static void pending_unlink(struct pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->r->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->next = p->prev = NULL;
}

static void pending_free(struct pending *p)
{
    if (p->job)
        p->job->free(p->job);
    xmlrpc_call_release(&p->call);
    free(p);
}

static void pending_abort_cb(void *arg, struct httpd_req *req)
{
    (void)req;
    struct pending *p = arg;
    pending_unlink(p);
    pending_free(p);
}

/* Poll every waiting call; answer the finished ones. */
static void advance(struct rpc *r)
{
    struct pending *p = r->pending;
    while (p) {
        struct pending *next = p->next;
        struct rpc_res res = {0};
        if (p->job->poll(p->job, &res)) {
            pending_unlink(p);
            httpd_req_set_data(p->req, NULL, NULL);
            finish(r, p->req, p->call.method, &res, true);
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

void rpc_kick(struct rpc *r)
{
    struct loop *l = r->s->loop;
    if (!loop_timer_armed(&r->kick))
        loop_timer_arm(l, &r->kick, loop_now(l));
}

/* ---- the memo ---- */

struct rpc_shared *rpc_memo_get(struct rpc *r, uint64_t gen, long long now)
{
    if (!r->memo || r->memo_gen != gen || r->memo_now != now)
        return NULL;
    r->memo->refs++;
    return r->memo;
}

struct rpc_shared *rpc_memo_set(struct rpc *r, uint64_t gen, long long now, struct buf *b)
{
    rpc_shared_put(r->memo);
    struct rpc_shared *sh = xcalloc(1, sizeof *sh);
    sh->refs = 2; /* the memo's and the caller's */
    sh->xml = *b;
    *b = (struct buf){0};
    r->memo = sh;
    r->memo_gen = gen;
    r->memo_now = now;
    return sh;
}

static void change_cb(void *arg, struct proc *pr, enum proc_state from)
{
    (void)pr;
    (void)from;
    struct rpc *r = arg;
    web_note_change(r->web, pr, from);
    rpc_shared_put(r->memo); /* stale now: not kept until the next call */
    r->memo = NULL;
    /* evaluated once the state machine has settled, not inside it */
    if (r->pending)
        rpc_kick(r);
}

static void handle_xmlrpc(struct rpc *r, struct httpd_req *req)
{
    if (strcmp(httpd_req_method(req), "POST") != 0) {
        rpc_http_error(req, 400);
        return;
    }
    /* medusa's collector needs a Content-Length; a chunked body has none */
    if (!httpd_req_header(req, "Content-Length")) {
        rpc_http_error(req, 411);
        return;
    }
    size_t len;
    const char *body = httpd_req_body(req, &len);
    struct xmlrpc_call call = {0};
    struct err e;
    err_clear(&e);
    enum xmlrpc_parse_status st = xmlrpc_parse_call(body, len, &call, &e);
    if (st == XMLRPC_PARSE_NOT_UTF8) {
        xmlrpc_call_release(&call);
        httpd_close(req); /* Supervisor drops the connection */
        return;
    }
    if (st != XMLRPC_PARSE_OK) {
        xmlrpc_call_release(&call);
        log_data(LOG_ERRO, "XML-RPC request data ", body, len,
                 strstr(e.msg, "method") ? " is invalid: no method name"
                                         : " is invalid: unmarshallable");
        rpc_http_error(req, 400);
        return;
    }
    log_trace("XML-RPC method called: %s()", call.method);
    struct rpc_res res = {.accept_xml = true};
    rpc_call(r, call.method, call.params->items, call.params->n, &res);
    if (res.kind == RPC_DEFER) {
        struct rpc_job *job = res.job;
        res.job = NULL;
        rpc_res_release(&res);
        if (job->poll(job, &res)) { /* Supervisor evaluates once at once */
            job->free(job);
            finish(r, req, call.method, &res, true);
            xmlrpc_call_release(&call);
            return;
        }
        struct pending *p = xcalloc(1, sizeof *p);
        p->r = r;
        p->req = req;
        p->call = call;
        p->job = job;
        p->next = r->pending;
        if (p->next)
            p->next->prev = p;
        r->pending = p;
        httpd_req_set_data(req, p, pending_abort_cb);
        return;
    }
    finish(r, req, call.method, &res, false);
    xmlrpc_call_release(&call);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void rpc_http_handler(void *arg, struct httpd_req *req)
{
    struct rpc *r = arg;
    const char *path = httpd_req_path(req);
    if (has_prefix(path, "/RPC2")) {
        handle_xmlrpc(r, req);
    } else if (has_prefix(path, "/logtail") || has_prefix(path, "/mainlogtail")) {
        logtail_handle(r->tails, req);
    } else {
        web_handle(r->web, req);
    }
}

/* ---- lifecycle ---- */

struct rpc *rpc_new(struct supervisor *s)
{
    struct rpc *r = xcalloc(1, sizeof *r);
    r->s = s;
    const struct config *cfg = s->cfg;
    r->namespaces = xcalloc(cfg->nrpcinterfaces + 1, sizeof *r->namespaces);
    for (size_t i = 0; i < cfg->nrpcinterfaces; i++) {
        const struct plugin_config *pc = &cfg->rpcinterfaces[i];
        if (pc->factory && strcmp(pc->factory, STANDARD_FACTORY) == 0)
            r->namespaces[r->nnamespaces++] = xstrdup(pc->name);
    }
    loop_timer_init(&r->kick, kick_cb, r);
    r->tails = logtail_new(s);
    r->web = web_new(r);
    supervisor_set_change_hook(s, change_cb, r);
    return r;
}

void rpc_release_waiters(struct rpc *r)
{
    if (!r)
        return;
    advance(r);
    while (r->pending) {
        struct pending *p = r->pending;
        pending_unlink(p);
        httpd_req_set_data(p->req, NULL, NULL);
        httpd_close(p->req);
        pending_free(p);
    }
}

void rpc_free(struct rpc *r)
{
    if (!r)
        return;
    rpc_release_waiters(r);
    loop_timer_cancel(r->s->loop, &r->kick);
    rpc_shared_put(r->memo);
    if (r->s->change_arg == r)
        supervisor_set_change_hook(r->s, NULL, NULL);
    logtail_free(r->tails);
    web_free(r->web);
    for (size_t i = 0; i < r->nnamespaces; i++)
        free(r->namespaces[i]);
    free(r->namespaces);
    free(r);
}
