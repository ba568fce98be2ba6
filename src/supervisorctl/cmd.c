/* cmd: see cmd.h. */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xalloc.h"

/* Write a Python str that may hold NULs, then "\n". */
void cmd_output_n(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
    putchar('\n');
}

/* ---- raising ---- */

int cmd_raise_text(struct ctl *c, char *text)
{
    free(c->exc);
    c->exc = text;
    c->exc_http = 0;
    c->exc_errno = 0;
    return -1;
}

int cmd_raise_fault(struct ctl *c)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "<class 'xmlrpc.client.Fault'>, <Fault %d: ", c->fault_code);
    fmt_str_repr(&b, c->fault_string ? c->fault_string : "");
    buf_puts(&b, ">: file: /usr/lib/python3.11/xmlrpc/client.py line: 668");
    return cmd_raise_text(c, buf_detach(&b));
}

int cmd_raise_value_error(struct ctl *c, int code, const char *name, int line)
{
    return cmd_raise_text(c, xasprintf("<class 'ValueError'>, Unknown result code %d for %s: file: "
                                       "%s line: %d",
                                       code, name, PY_CTL, line));
}

/* str(Fault): "<Fault 6: 'SHUTDOWN_STATE'>". Caller frees. */
char *cmd_fault_str(const struct ctl *c)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "<Fault %d: ", c->fault_code);
    fmt_str_repr(&b, c->fault_string ? c->fault_string : "");
    buf_putc(&b, '>');
    return buf_detach(&b);
}

/* ---- RPC ---- */

struct client_conf cmd_conf_of(const struct ctl *c)
{
    struct client_conf cc = {c->serverurl, c->username, c->password};
    return cc;
}

/* Call method with params (owned, NULL = none). 0: *out set (owned; out may
 * be NULL); 1: a fault (c->fault_code/fault_string); -1: raised. */
int cmd_rpc(struct ctl *c, const char *method, struct xmlrpc_value *params,
            struct xmlrpc_value **out)
{
    struct client_conf cc = cmd_conf_of(c);
    struct client_result r;
    client_call(&cc, method, params, &r);
    xmlrpc_free(params);
    if (out)
        *out = NULL;
    int rc;
    switch (r.kind) {
    case CLIENT_OK:
        if (out) {
            *out = r.value;
            r.value = NULL;
        }
        rc = 0;
        break;
    case CLIENT_FAULT:
        c->fault_code = r.fault_code;
        free(c->fault_string);
        c->fault_string = r.fault_string;
        r.fault_string = NULL;
        rc = 1;
        break;
    default:
        cmd_raise_text(c, r.exc);
        r.exc = NULL;
        c->exc_http = r.kind == CLIENT_HTTP ? r.http_status : 0;
        c->exc_errno = r.kind == CLIENT_OSERROR ? r.sys_errno : 0;
        rc = -1;
        break;
    }
    client_result_release(&r);
    return rc;
}

struct xmlrpc_value *cmd_args1(const char *a)
{
    struct xmlrpc_value *v = xmlrpc_array();
    xmlrpc_array_push(v, xmlrpc_string(a));
    return v;
}

struct xmlrpc_value *cmd_args2(const char *a, const char *b)
{
    struct xmlrpc_value *v = cmd_args1(a);
    xmlrpc_array_push(v, xmlrpc_string(b));
    return v;
}

struct xmlrpc_value *cmd_args_ii(long long a, long long b)
{
    struct xmlrpc_value *v = xmlrpc_array();
    xmlrpc_array_push(v, xmlrpc_int(a));
    xmlrpc_array_push(v, xmlrpc_int(b));
    return v;
}

const char *cmd_sget(const struct xmlrpc_value *st, const char *key)
{
    const struct xmlrpc_value *v =
        st && st->type == XMLRPC_STRUCT ? xmlrpc_struct_get(st, key) : NULL;
    return v && v->type == XMLRPC_STRING ? v->s : "";
}

long long cmd_iget(const struct xmlrpc_value *st, const char *key)
{
    const struct xmlrpc_value *v =
        st && st->type == XMLRPC_STRUCT ? xmlrpc_struct_get(st, key) : NULL;
    return v && (v->type == XMLRPC_INT || v->type == XMLRPC_BOOL) ? v->i : 0;
}

size_t cmd_alen(const struct xmlrpc_value *a)
{
    return a && a->type == XMLRPC_ARRAY ? a->n : 0;
}

/* ---- words ---- */

/* str.cmd_split() */
struct cmd_words cmd_split(const char *arg)
{
    struct cmd_words ws = {NULL, 0};
    size_t cap = 0;
    const char *p = arg;
    for (;;) {
        while (*p && strchr(" \t\n\r\v\f", *p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !strchr(" \t\n\r\v\f", *p))
            p++;
        ws.w = xgrow(ws.w, &cap, ws.n + 1, sizeof *ws.w);
        ws.w[ws.n++] = xstrndup(s, (size_t)(p - s));
    }
    return ws;
}

void cmd_words_free(struct cmd_words *ws)
{
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i]);
    free(ws->w);
    ws->w = NULL;
    ws->n = 0;
}

bool cmd_words_has(const struct cmd_words *ws, const char *s)
{
    for (size_t i = 0; i < ws->n; i++)
        if (strcmp(ws->w[i], s) == 0)
            return true;
    return false;
}

/* Remove every "--json" (our addition); true if there was one. */
bool cmd_take_json(struct cmd_words *ws)
{
    bool found = false;
    size_t k = 0;
    for (size_t i = 0; i < ws->n; i++) {
        if (strcmp(ws->w[i], "--json") == 0) {
            free(ws->w[i]);
            found = true;
        } else {
            ws->w[k++] = ws->w[i];
        }
    }
    ws->n = k;
    return found;
}

/* ---- JSON (status --json, avail --json) ---- */

static void json_str(struct buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            buf_printf(b, "\\%c", ch);
        else if (ch == '\n')
            buf_puts(b, "\\n");
        else if (ch == '\t')
            buf_puts(b, "\\t");
        else if (ch == '\r')
            buf_puts(b, "\\r");
        else if (ch < 0x20 || ch == 0x7f)
            buf_printf(b, "\\u%04x", ch);
        else
            buf_putc(b, (char)ch);
    }
    buf_putc(b, '"');
}

static void json_value(struct buf *b, const struct xmlrpc_value *v)
{
    char d[32];
    switch (v->type) {
    case XMLRPC_INT: buf_printf(b, "%lld", v->i); break;
    case XMLRPC_BOOL: buf_puts(b, v->i ? "true" : "false"); break;
    case XMLRPC_STRING: json_str(b, v->s, v->len); break;
    case XMLRPC_DOUBLE:
        xmlrpc_format_double(d, sizeof d, v->d);
        buf_puts(b, d);
        break;
    case XMLRPC_NIL: buf_puts(b, "null"); break;
    case XMLRPC_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_puts(b, ", ");
            json_value(b, v->items[i]);
        }
        buf_putc(b, ']');
        break;
    case XMLRPC_STRUCT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_puts(b, ", ");
            json_str(b, v->members[i].name, strlen(v->members[i].name));
            buf_puts(b, ": ");
            json_value(b, v->members[i].value);
        }
        buf_putc(b, '}');
        break;
    }
}

/* A JSON array of the structs, each with "namespec" first, one per line. */
void cmd_json_print(const struct xmlrpc_value *const *items, size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, i ? ",\n " : "\n ");
        char *ns = fmt_namespec(cmd_sget(items[i], "group"), cmd_sget(items[i], "name"));
        buf_puts(&b, "{\"namespec\": ");
        json_str(&b, ns, strlen(ns));
        free(ns);
        for (size_t k = 0; items[i]->type == XMLRPC_STRUCT && k < items[i]->n; k++) {
            buf_puts(&b, ", ");
            json_str(&b, items[i]->members[k].name, strlen(items[i]->members[k].name));
            buf_puts(&b, ": ");
            json_value(&b, items[i]->members[k].value);
        }
        buf_putc(&b, '}');
    }
    buf_puts(&b, n ? "\n]\n" : "]\n");
    fputs(b.data, stdout);
    buf_release(&b);
}

/* Controller.upcheck: 1 up, 0 refused (message printed, status set), -1 raised. */
int cmd_upcheck(struct ctl *c)
{
    struct xmlrpc_value *v;
    int rc = cmd_rpc(c, "supervisor.getVersion", NULL, &v);
    if (rc == 0) {
        bool ok = v->type == XMLRPC_STRING && strcmp(v->s, "3.0") == 0;
        if (!ok) {
            struct buf b;
            buf_init(&b);
            if (v->type == XMLRPC_STRING)
                buf_puts(&b, v->s);
            else if (v->type == XMLRPC_INT)
                buf_printf(&b, "%lld", v->i);
            else if (v->type == XMLRPC_BOOL)
                buf_puts(&b, v->i ? "True" : "False");
            else
                buf_puts(&b, "?");
            ctl_output(c,
                       "Sorry, this version of supervisorctl expects to talk to a server "
                       "with API version 3.0, but the remote version is %s.",
                       b.data);
            buf_release(&b);
            c->exitstatus = CTL_NOT_INSTALLED;
        }
        xmlrpc_free(v);
        return ok;
    }
    if (rc == 1) {
        if (c->fault_code == F_UNKNOWN_METHOD) {
            ctl_output(c, "Sorry, supervisord responded but did not recognize the supervisor "
                          "namespace commands that supervisorctl uses to control it.  Please "
                          "check that the [rpcinterface:supervisor] section is enabled in the "
                          "configuration file (see sample.conf).");
            c->exitstatus = CTL_UNIMPLEMENTED;
            return 0;
        }
        c->exitstatus = CTL_GENERIC;
        return cmd_raise_fault(c);
    }
    if (c->exc_errno == ECONNREFUSED) {
        ctl_output(c, "%s refused connection", c->serverurl);
        c->exitstatus = CTL_INSUFFICIENT_PRIVILEGES;
        return 0;
    }
    if (c->exc_errno == ENOENT) {
        ctl_output(c, "%s no such file", c->serverurl);
        c->exitstatus = CTL_NOT_RUNNING;
        return 0;
    }
    if (c->exc_errno)
        c->exitstatus = CTL_GENERIC;
    return -1;
}

/* An RPC whose fault update lets through as an exception. */
int cmd_rpc_or_raise(struct ctl *c, const char *method, struct xmlrpc_value *params,
                     struct xmlrpc_value **out)
{
    int rc = cmd_rpc(c, method, params, out);
    if (rc == 1)
        return cmd_raise_fault(c);
    return rc;
}

/* raw_input with Python's EOFError. 0 ok (*out), -1 raised. */
int cmd_input_or_raise(struct ctl *c, const char *prompt, int pyline, char **out)
{
    *out = ctl_input(prompt);
    if (*out)
        return 0;
    return cmd_raise_text(c, xasprintf("<class 'EOFError'>, EOF when reading a line: file: %s "
                                       "line: %d",
                                       PY_CTL, pyline));
}
