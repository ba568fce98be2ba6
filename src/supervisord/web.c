/* web: routing of the non-RPC paths. /metrics is metrics.c's, /api/v1/ is
 * api.c's but for its event stream (sse.c); the compatible pages of
 * Supervisor 4.2.5 (status with its actions, tail, ok), the embedded
 * stylesheet and the dashboard's files (/dashboard/) are served here.
 * Actions run the XML-RPC methods through api_call_then, as web.py runs its
 * rpcinterface, and answer with Supervisor's 301 to "/?message=...". */
#include "web.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "buf.h"
#include "csrf.h"
#include "httpd.h"
#include "metrics.h"
#include "rpc.h"
#include "sse.h"
#include "supervisor.h"
#include "web_assets.h"
#include "xalloc.h"

#define SUPERVISOR_VERSION "4.2.5"

struct web {
    struct rpc *r;       /* borrowed */
    struct metrics *met; /* owned */
    struct api *api;     /* owned */
    struct sse *sse;     /* owned */
    struct csrf csrf;    /* the dashboard's token for this run */
};

struct web *web_new(struct rpc *r)
{
    struct web *w = xcalloc(1, sizeof *w);
    w->r = r;
    csrf_init(&w->csrf);
    w->met = metrics_new(rpc_supervisor(r));
    w->api = api_new(r, &w->csrf);
    w->sse = sse_new(rpc_supervisor(r), w->met, &w->csrf);
    return w;
}

void web_free(struct web *w)
{
    if (!w)
        return;
    sse_free(w->sse);
    api_free(w->api);
    metrics_free(w->met);
    free(w);
}

void web_note_change(struct web *w, const struct proc *pr, enum proc_state from)
{
    metrics_note_change(w->met, pr, from); /* first: the feed reads the restart count */
    sse_note_change(w->sse, pr);
    api_kick(w->api);
}

static bool is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static void serve_metrics(struct web *w, struct httpd_req *req)
{
    if (!is_get(httpd_req_method(req))) {
        httpd_add_header(req, "Allow", "GET, HEAD");
        httpd_respond_error(req, 405);
        return;
    }
    struct buf b;
    buf_init(&b);
    metrics_render(w->met, &b);
    httpd_add_header(req, "Cache-Control", "no-cache");
    httpd_respond(req, 200, METRICS_CONTENT_TYPE, b.data, b.len);
    buf_release(&b);
}

/* ---- text helpers ---- */

/* Text for HTML content or a double-quoted attribute. */
static void html(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_putc(b, *s);
        }
    }
}

static void html_n(struct buf *b, const char *s, size_t n)
{
    char *c = xstrndup(s, n);
    html(b, c);
    free(c);
}

/* urllib.quote(s): unreserved characters and '/' kept, the rest %XX. */
static void urlquote(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || c == '/')
            buf_putc(b, (char)c);
        else
            buf_printf(b, "%%%02X", c);
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* application/x-www-form-urlencoded decoding of n bytes. */
static char *form_decode(const char *s, size_t n)
{
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            buf_putc(&b, ' ');
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            buf_putc(&b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            buf_putc(&b, s[i]);
        }
    }
    buf_putc(&b, '\0');
    return buf_detach(&b);
}

/* time.ctime() */
static void ctime_text(char *out, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, size, "%a %b %e %H:%M:%S %Y", &tm);
}

/* ---- forms ---- */

/* web.py's form: the query's first values, overridden by the urlencoded
 * POST body (last value wins); blank values count as absent. */
struct form {
    char *processname, *action, *message, *limit; /* owned; NULL: absent */
};

static char **form_slot(struct form *f, const char *key, size_t klen)
{
    if (klen == 11 && memcmp(key, "processname", 11) == 0)
        return &f->processname;
    if (klen == 6 && memcmp(key, "action", 6) == 0)
        return &f->action;
    if (klen == 7 && memcmp(key, "message", 7) == 0)
        return &f->message;
    if (klen == 5 && memcmp(key, "limit", 5) == 0)
        return &f->limit;
    return NULL;
}

static void form_read(struct form *f, struct httpd_req *req)
{
    static const char *const keys[] = {"processname", "action", "message", "limit"};
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < 4; i++) {
        const char *v = httpd_req_query(req, keys[i]);
        if (v && *v)
            *form_slot(f, keys[i], strlen(keys[i])) = xstrdup(v);
    }
    if (strcmp(httpd_req_method(req), "POST") != 0)
        return;
    size_t len;
    const char *body = httpd_req_body(req, &len);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&' && body[end] != ';')
            end++;
        const char *eq = memchr(body + i, '=', end - i);
        if (eq && (size_t)(eq - body) + 1 < end) { /* key=value, value not blank */
            char *key = form_decode(body + i, (size_t)(eq - body) - i);
            char **slot = form_slot(f, key, strlen(key));
            if (slot) {
                free(*slot);
                *slot = form_decode(eq + 1, end - (size_t)(eq - body) - 1);
            }
            free(key);
        }
        i = end + 1;
    }
}

static void form_release(struct form *f)
{
    free(f->processname);
    free(f->action);
    free(f->message);
    free(f->limit);
}

/* ---- responses ---- */

static void page_headers(struct httpd_req *req, const char *ctype)
{
    httpd_add_header(req, "Content-Type", ctype);
    httpd_add_header(req, "Pragma", "no-cache");
    httpd_add_header(req, "Cache-Control", "no-cache");
    httpd_add_header(req, "Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* StatusView's answer to an action: 301 to <server_url>/?message=<msg>. */
static void redirect(struct httpd_req *req, const char *msg)
{
    struct buf loc;
    buf_init(&loc);
    const char *host = httpd_req_header(req, "Host");
    if (host && *host) {
        size_t hl = strlen(host);
        if (hl > 3 && strcmp(host + hl - 3, ":80") == 0)
            hl -= 3;
        buf_puts(&loc, "http://");
        buf_append(&loc, host, hl);
    } else {
        buf_puts(&loc, "http://localhost");
    }
    buf_puts(&loc, "/?message=");
    urlquote(&loc, msg);
    buf_putc(&loc, '\0');
    httpd_add_header(req, "Location", loc.data);
    buf_release(&loc);
    page_headers(req, "text/html");
    char body[256];
    int n = snprintf(body, sizeof body,
                     "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
                     "<h1>Error response</h1>\r\n<p>Error code 301.\r\n<p>Message: "
                     "Moved Permanently.\r\n</body>\r\n");
    httpd_respond(req, 301, NULL, body, (size_t)n);
}

/* ---- status page ---- */

static const char *state_class(enum proc_state st)
{
    if (st == PROC_RUNNING)
        return "statusrunning";
    if (st == PROC_FATAL || st == PROC_BACKOFF)
        return "statuserror";
    return "statusnominal";
}

static int proc_cmp(const void *a, const void *b)
{
    const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;
    int c = strcmp(x->group->cfg->name, y->group->cfg->name);
    return c ? c : strcmp(x->p.cfg->name, y->p.cfg->name);
}

static char *namespec(const struct proc *pr)
{
    const char *g = pr->group->cfg->name, *n = pr->p.cfg->name;
    return strcmp(g, n) == 0 ? xstrdup(n) : xasprintf("%s:%s", g, n);
}

static void action_item(struct buf *b, const char *qname, const char *act, const char *label)
{
    buf_puts(b, "<li><a href=\"");
    if (!act) {
        buf_puts(b, "#\" name=\"#\" class=\"hidden\">Action</a></li>\n");
        return;
    }
    bool tail = strncmp(act, "logtail", 7) == 0;
    if (tail) {
        buf_puts(b, "logtail/");
        buf_puts(b, qname);
        buf_puts(b, act + 7);
    } else {
        buf_printf(b, "index.html?processname=%s&amp;action=%s", qname, act);
    }
    buf_printf(b, "\" name=\"%s\"%s>%s</a></li>\n", label, tail ? " target=\"_blank\"" : "", label);
}

static void status_page(struct web *w, struct httpd_req *req, const char *message)
{
    struct supervisor *s = rpc_supervisor(w->r);
    size_t n = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        n += s->groups[i]->nprocs;
    struct proc **v = xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++)
            v[k++] = s->groups[i]->procs[j];
    qsort(v, n, sizeof *v, proc_cmp);

    struct buf b;
    buf_init(&b);
    buf_puts(&b,
             "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
             "<title>Supervisor Status</title>\n"
             "<link href=\"stylesheets/supervisor.css\" rel=\"stylesheet\" type=\"text/css\" />\n"
             "</head>\n<body>\n<div id=\"wrapper\">\n"
             "<div id=\"header\"><h1>Supervisor status</h1></div>\n<div>\n");
    if (message) {
        buf_puts(&b, "<div class=\"status_msg\">");
        html(&b, message);
        buf_puts(&b, "</div>\n");
    } else {
        buf_puts(&b, "<div class=\"hidden\">#</div>\n");
    }
    buf_puts(&b,
             "<form action=\"index.html\" method=\"post\">\n<ul class=\"clr\" id=\"buttons\">\n"
             "<li class=\"action-button\"><a href=\"index.html?action=refresh\">Refresh</a></li>\n"
             "<li class=\"action-button\"><a href=\"index.html?action=restartall\">Restart "
             "All</a></li>\n"
             "<li class=\"action-button\"><a href=\"index.html?action=stopall\">Stop All</a></li>\n"
             "</ul>\n");
    if (n == 0) {
        buf_puts(&b, "No programs to manage");
    } else {
        buf_puts(&b, "<table cellspacing=\"0\">\n<thead>\n<tr>\n<th class=\"state\">State</th>\n"
                     "<th class=\"desc\">Description</th>\n<th class=\"name\">Name</th>\n"
                     "<th class=\"action\">Action</th>\n</tr>\n</thead>\n<tbody>\n");
        for (size_t i = 0; i < n; i++) {
            const struct proc *pr = v[i];
            char *ns = namespec(pr);
            struct buf q;
            buf_init(&q);
            urlquote(&q, ns);
            buf_putc(&q, '\0');
            /* the description is getProcessInfo's */
            struct rpc_res res = {0};
            struct xmlrpc_value *arg = xmlrpc_string(ns);
            rpc_call(w->r, "supervisor.getProcessInfo", &arg, 1, &res);
            xmlrpc_free(arg);
            const struct xmlrpc_value *desc =
                res.kind == RPC_VALUE ? xmlrpc_struct_get(res.value, "description") : NULL;
            char state[32];
            snprintf(state, sizeof state, "%s", process_state_name(pr->p.state));
            for (char *c = state; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            buf_printf(
                &b, "<tr class=\"%s\">\n<td class=\"status\"><span class=\"%s\">%s</span></td>\n",
                i % 2 ? "shade" : "", state_class(pr->p.state), state);
            buf_puts(&b, "<td class=\"desc\"><span>");
            if (desc && desc->type == XMLRPC_STRING)
                html_n(&b, desc->s, desc->len);
            buf_puts(&b, "</span></td>\n<td><a href=\"tail.html?processname=");
            buf_puts(&b, q.data);
            buf_puts(&b, "\" target=\"_blank\">");
            html(&b, ns);
            buf_puts(&b, "</a></td>\n<td class=\"action\">\n<ul>\n");
            enum proc_state st = pr->p.state;
            if (st == PROC_RUNNING) {
                action_item(&b, q.data, "restart", "Restart");
                action_item(&b, q.data, "stop", "Stop");
            } else if (st == PROC_STOPPED || st == PROC_EXITED || st == PROC_FATAL) {
                action_item(&b, q.data, "start", "Start");
                action_item(&b, q.data, NULL, NULL);
            } else {
                action_item(&b, q.data, NULL, NULL);
                action_item(&b, q.data, NULL, NULL);
            }
            action_item(&b, q.data, "clearlog", "Clear Log");
            action_item(&b, q.data, "logtail", "Tail -f Stdout");
            action_item(&b, q.data, "logtail/stderr", "Tail -f Stderr");
            buf_puts(&b, "</ul>\n</td>\n</tr>\n");
            rpc_res_release(&res);
            buf_release(&q);
            free(ns);
        }
        buf_puts(&b, "</tbody>\n</table>\n");
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    buf_printf(&b,
               "</form>\n</div>\n</div>\n<div class=\"clr\" id=\"footer\">\n"
               "<div class=\"left\"><a href=\"http://supervisord.org\">Supervisor</a> "
               "<span>%s</span></div>\n<div class=\"right\">&copy; 2006-<span>%d</span> "
               "Supervisor's authors; this implementation in C</div>\n</div>\n</body>\n</html>\n",
               SUPERVISOR_VERSION, tm.tm_year + 1900);
    free(v);
    page_headers(req, "text/html;charset=utf-8");
    httpd_respond(req, 200, NULL, b.data, b.len);
    buf_release(&b);
}

/* ---- actions ---- */

/* What an action waits for; malloc'ed, freed by the api. */
struct act_ctx {
    char kind; /* 'A' stopall, 'R' restartall, 's' start, 'x' stop, 'r' restart, 'c' clearlog */
    char ns[];
};

static void act_done(void *arg, struct httpd_req *req, struct rpc_res *res)
{
    struct act_ctx *c = arg;
    char when[64];
    ctime_text(when, sizeof when);
    char *msg = NULL;
    if (res->kind == RPC_HTTP_500 || res->kind == RPC_DEFER) {
        rpc_res_release(res);
        rpc_http_error(req, 500); /* web.py: an exception in the callback */
        return;
    }
    bool fault = res->kind == RPC_FAULT;
    switch (c->kind) {
    case 'A': msg = xasprintf("All stopped at %s", when); break;
    case 'R': msg = xasprintf("All restarted at %s", when); break;
    case 'r': msg = xasprintf("Process %s restarted", c->ns); break;
    case 's':
        if (!fault) {
            msg = xasprintf("Process %s started", c->ns);
        } else {
            const char *why = res->code == FAULT_NO_FILE                ? "no such file"
                              : res->code == FAULT_NOT_EXECUTABLE       ? "file not executable"
                              : res->code == FAULT_ALREADY_STARTED      ? "already started"
                              : res->code == FAULT_SPAWN_ERROR          ? "spawn error"
                              : res->code == FAULT_ABNORMAL_TERMINATION ? "abnormal termination"
                                                                        : NULL;
            if (why)
                msg = xasprintf("ERROR: Process %s: %s", c->ns, why);
            else
                msg = xasprintf("ERROR: Process %s: unexpected rpc fault [%d] %s", c->ns, res->code,
                                res->text);
        }
        break;
    case 'x':
        msg = fault ? xasprintf("unexpected rpc fault [%d] %s", res->code, res->text)
                    : xasprintf("Process %s stopped", c->ns);
        break;
    default: /* 'c' */
        msg = fault ? xasprintf("unexpected rpc fault [%d] %s", res->code, res->text)
                    : xasprintf("Log for %s cleared", c->ns);
        break;
    }
    rpc_res_release(res);
    redirect(req, msg);
    free(msg);
}

static struct xmlrpc_value *mc_entry(const char *method, const char *ns)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "methodName", xmlrpc_string(method));
    struct xmlrpc_value *params = xmlrpc_array();
    if (ns)
        xmlrpc_array_push(params, xmlrpc_string(ns));
    xmlrpc_struct_set(st, "params", params);
    return st;
}

/* StatusView.make_callback: run the action, then redirect with its message. */
static void status_action(struct web *w, struct httpd_req *req, const char *ns, const char *act)
{
    struct act_ctx *c = xcalloc(1, sizeof *c + (ns ? strlen(ns) : 0) + 1);
    if (ns)
        strcpy(c->ns, ns);
    struct xmlrpc_value *args = xmlrpc_array();
    const char *method;
    if (strcmp(act, "refresh") == 0) {
        char when[64];
        ctime_text(when, sizeof when);
        char *msg = xasprintf("Page refreshed at %s", when);
        redirect(req, msg);
        free(msg);
        goto done;
    } else if (strcmp(act, "stopall") == 0) {
        c->kind = 'A';
        method = "supervisor.stopAllProcesses";
    } else if (strcmp(act, "restartall") == 0) {
        c->kind = 'R';
        method = "system.multicall";
        struct xmlrpc_value *calls = xmlrpc_array();
        xmlrpc_array_push(calls, mc_entry("supervisor.stopAllProcesses", NULL));
        xmlrpc_array_push(calls, mc_entry("supervisor.startAllProcesses", NULL));
        xmlrpc_array_push(args, calls);
    } else if (ns) {
        /* split_namespec: "g:" and "g:*" name no process */
        const char *colon = strchr(ns, ':');
        char *g = colon ? xstrndup(ns, (size_t)(colon - ns)) : xstrdup(ns);
        const char *p = colon ? colon + 1 : ns;
        struct proc *pr = supervisor_find(rpc_supervisor(w->r), g, p);
        free(g);
        if (!pr) {
            char *msg = xasprintf("No such process named %s", ns);
            redirect(req, msg);
            free(msg);
            goto done;
        }
        if (strcmp(act, "start") == 0) {
            c->kind = 's';
            method = "supervisor.startProcess";
        } else if (strcmp(act, "stop") == 0) {
            c->kind = 'x';
            method = "supervisor.stopProcess";
        } else if (strcmp(act, "clearlog") == 0) {
            c->kind = 'c';
            method = "supervisor.clearProcessLogs";
        } else if (strcmp(act, "restart") == 0) {
            c->kind = 'r';
            method = "system.multicall";
            struct xmlrpc_value *calls = xmlrpc_array();
            xmlrpc_array_push(calls, mc_entry("supervisor.stopProcess", ns));
            xmlrpc_array_push(calls, mc_entry("supervisor.startProcess", ns));
            xmlrpc_array_push(args, calls);
        } else {
            rpc_http_error(req, 500); /* web.py: ValueError(action) */
            goto done;
        }
        if (c->kind != 'r')
            xmlrpc_array_push(args, xmlrpc_string(ns));
    } else {
        rpc_http_error(req, 500); /* web.py: ValueError(action) */
        goto done;
    }
    api_call_then(w->api, req, method, args, act_done, c);
    return;
done:
    xmlrpc_free(args);
    free(c);
}

/* ---- tail page ---- */

static void tail_page(struct web *w, struct httpd_req *req, const struct form *f)
{
    char *tail = NULL;
    long long limit = -1024;
    const char *ns = f->processname;
    if (!ns) {
        tail = xstrdup("No process name found");
    } else {
        const char *l = f->limit ? f->limit : "1024";
        bool digits = *l != '\0';
        for (const char *c = l; *c; c++)
            if (!isdigit((unsigned char)*c))
                digits = false;
        if (digits && strlen(l) < 18 && -atoll(l) < -1024)
            limit = -atoll(l);
        struct xmlrpc_value *args[3] = {xmlrpc_string(ns), xmlrpc_int(limit), xmlrpc_int(0)};
        struct rpc_res res = {0};
        rpc_call(w->r, "supervisor.readProcessStdoutLog", args, 3, &res);
        for (size_t i = 0; i < 3; i++)
            xmlrpc_free(args[i]);
        if (res.kind == RPC_VALUE && res.value->type == XMLRPC_STRING) {
            tail = xstrndup(res.value->s, res.value->len);
        } else if (res.kind == RPC_FAULT && res.code == FAULT_NO_FILE) {
            tail = xasprintf("No file for %s", ns);
        } else if (res.kind == RPC_FAULT) {
            tail = xasprintf("ERROR: unexpected rpc fault [%d] %s", res.code, res.text);
        } else { /* not UTF-8: Supervisor's HTTP 500 */
            rpc_res_release(&res);
            rpc_http_error(req, 500);
            return;
        }
        rpc_res_release(&res);
    }
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
                 "<title>Supervisor tail of process ");
    html(&b, ns ? ns : "None");
    buf_puts(&b, "</title>\n<link href=\"stylesheets/supervisor.css\" rel=\"stylesheet\" "
                 "type=\"text/css\" />\n</head>\n<body>\n<div>\n<pre>");
    html(&b, tail);
    buf_puts(&b, "</pre>\n<form action=\"index.html\" method=\"POST\">\n");
    if (ns) {
        buf_puts(&b, "<div style=\"margin-top: 10px;\">\n<a href=\"tail.html?processname=");
        struct buf q;
        buf_init(&q);
        urlquote(&q, ns);
        buf_putc(&q, '\0');
        html(&b, q.data);
        buf_release(&q);
        buf_printf(&b,
                   "&amp;limit=%lld\">\n<input name=\"refresh\" type=\"button\" "
                   "value=\" Refresh \" />\n</a>\n</div>\n",
                   -limit);
    }
    buf_puts(&b, "</form>\n</div>\n</body>\n</html>\n");
    free(tail);
    page_headers(req, "text/html;charset=utf-8");
    httpd_respond(req, 200, NULL, b.data, b.len);
    buf_release(&b);
}

/* ---- routing ---- */

/* The view web.py's supervisor_ui_handler matches: leading slashes
 * stripped, empty is index.html. NULL for another path. */
static const char *view_of(const char *path)
{
    while (*path == '/')
        path++;
    if (!*path || strcmp(path, "index.html") == 0)
        return "index";
    if (strcmp(path, "tail.html") == 0)
        return "tail";
    if (strcmp(path, "ok.html") == 0)
        return "ok";
    return NULL;
}

static const struct web_asset *asset(const char *name)
{
    for (const struct web_asset *a = web_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

static void serve_asset(struct httpd_req *req, const char *path)
{
    static const struct {
        const char *url, *file, *ctype;
    } map[] = {
        {"/stylesheets/supervisor.css", "supervisor.css", "text/css"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(path, map[i].url) != 0)
            continue;
        const struct web_asset *a = asset(map[i].file);
        if (a) {
            httpd_respond(req, 200, map[i].ctype, (const char *)a->data, a->len);
            return;
        }
    }
    rpc_http_error(req, 404);
}

/* ---- the dashboard ---- */

/* /dashboard/ and its files. The page carries the CSRF token in place of
 * its @CSRF_TOKEN@ marker; everything is same-origin only (CSP), never
 * framed, never sniffed. */
static void serve_dashboard(struct web *w, struct httpd_req *req, const char *path)
{
    static const struct {
        const char *url, *file, *ctype;
    } map[] = {
        {"/dashboard/", "dashboard.html", "text/html; charset=utf-8"},
        {"/dashboard/index.html", "dashboard.html", "text/html; charset=utf-8"},
        {"/dashboard/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
        {"/dashboard/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    };
    if (strcmp(path, "/dashboard") == 0) {
        httpd_add_header(req, "Location", "/dashboard/");
        httpd_respond_error(req, 301);
        return;
    }
    const struct web_asset *a = NULL;
    const char *ctype = NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0] && !a; i++)
        if (strcmp(path, map[i].url) == 0) {
            a = asset(map[i].file);
            ctype = map[i].ctype;
        }
    if (!a) {
        rpc_http_error(req, 404);
        return;
    }
    httpd_add_header(req, "Cache-Control", "no-cache");
    httpd_add_header(req, "X-Content-Type-Options", "nosniff");
    httpd_add_header(req, "X-Frame-Options", "DENY");
    httpd_add_header(req, "Referrer-Policy", "same-origin");
    httpd_add_header(req, "Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; style-src 'self'; "
                     "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
                     "form-action 'none'; frame-ancestors 'none'");
    static const char marker[] = "@CSRF_TOKEN@";
    const char *at = memmem(a->data, a->len, marker, sizeof marker - 1);
    if (!at) {
        httpd_respond(req, 200, ctype, (const char *)a->data, a->len);
        return;
    }
    struct buf b;
    buf_init(&b);
    size_t head = (size_t)(at - (const char *)a->data);
    buf_append(&b, a->data, head);
    buf_puts(&b, w->csrf.token);
    buf_append(&b, at + sizeof marker - 1, a->len - head - (sizeof marker - 1));
    httpd_respond_buf(req, 200, ctype, &b);
}

void web_handle(struct web *w, struct httpd_req *req)
{
    const char *path = httpd_req_path(req);
    const char *method = httpd_req_method(req);
    const char *view = view_of(path);
    if (strcmp(path, "/metrics") == 0) {
        serve_metrics(w, req);
    } else if (strcmp(path, "/api/v1/events") == 0 || strcmp(path, "/api/v1/events/") == 0) {
        sse_handle(w->sse, req);
    } else if (strncmp(path, "/api/", 5) == 0) {
        api_handle(w->api, req);
    } else if (view && (strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0)) {
        struct form f;
        form_read(&f, req);
        if (strcmp(view, "ok") == 0)
            httpd_respond(req, 200, "text/plain", "OK", 2);
        else if (strcmp(view, "tail") == 0)
            tail_page(w, req, &f);
        else if (f.action)
            status_action(w, req, f.processname, f.action);
        else
            status_page(w, req, f.message);
        form_release(&f);
    } else if (is_get(method) && strncmp(path, "/dashboard", 10) == 0 &&
               (path[10] == '\0' || path[10] == '/')) {
        serve_dashboard(w, req, path);
    } else if (is_get(method)) { /* Supervisor's static handler */
        serve_asset(req, path);
    } else {
        rpc_http_error(req, 400);
    }
}
