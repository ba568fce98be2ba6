/* commands: every supervisorctl 4.2.5 command, handler by handler as in
 * supervisorctl.py (DefaultControllerPlugin), with its output, its exit
 * statuses and the Python exceptions it lets through. A handler returns 0,
 * 1 to stop the shell, or -1 when it "raises": c->exc holds the text that
 * Controller.onecmd prints as "error: ...". */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "xalloc.h"

/* Fault codes (xmlrpc.py:Faults) */
enum {
    F_UNKNOWN_METHOD = 1,
    F_SHUTDOWN_STATE = 6,
    F_BAD_NAME = 10,
    F_BAD_SIGNAL = 11,
    F_NO_FILE = 20,
    F_NOT_EXECUTABLE = 21,
    F_FAILED = 30,
    F_ABNORMAL_TERMINATION = 40,
    F_SPAWN_ERROR = 50,
    F_ALREADY_STARTED = 60,
    F_NOT_RUNNING = 70,
    F_SUCCESS = 80,
    F_ALREADY_ADDED = 90,
    F_STILL_RUNNING = 91,
    F_CANT_REREAD = 92,
};
#define NO_IGNORE (-1)
#define PROC_RUNNING 20

#define PY_CTL "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py"

void ctl_init(struct ctl *c)
{
    memset(c, 0, sizeof *c);
}

void ctl_release(struct ctl *c)
{
    free(c->serverurl);
    free(c->username);
    free(c->password);
    free(c->prompt);
    free(c->history_file);
    xmlrpc_free(c->complete_info);
    free(c->exc);
    free(c->fault_string);
    memset(c, 0, sizeof *c);
}

void ctl_output(struct ctl *c, const char *fmt, ...)
{
    (void)c;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Write a Python str that may hold NULs, then "\n". */
static void output_n(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
    putchar('\n');
}

/* ---- raising ---- */

static int raise_text(struct ctl *c, char *text)
{
    free(c->exc);
    c->exc = text;
    c->exc_http = 0;
    c->exc_errno = 0;
    return -1;
}

static int raise_fault(struct ctl *c)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "<class 'xmlrpc.client.Fault'>, <Fault %d: ", c->fault_code);
    fmt_str_repr(&b, c->fault_string ? c->fault_string : "");
    buf_puts(&b, ">: file: /usr/lib/python3.11/xmlrpc/client.py line: 668");
    return raise_text(c, buf_detach(&b));
}

static int raise_value_error(struct ctl *c, int code, const char *name, int line)
{
    return raise_text(c, xasprintf("<class 'ValueError'>, Unknown result code %d for %s: file: "
                                   "%s line: %d",
                                   code, name, PY_CTL, line));
}

/* str(Fault): "<Fault 6: 'SHUTDOWN_STATE'>". Caller frees. */
static char *fault_str(const struct ctl *c)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "<Fault %d: ", c->fault_code);
    fmt_str_repr(&b, c->fault_string ? c->fault_string : "");
    buf_putc(&b, '>');
    return buf_detach(&b);
}

/* ---- RPC ---- */

static struct client_conf conf_of(const struct ctl *c)
{
    struct client_conf cc = {c->serverurl, c->username, c->password};
    return cc;
}

/* Call method with params (owned, NULL = none). 0: *out set (owned; out may
 * be NULL); 1: a fault (c->fault_code/fault_string); -1: raised. */
static int rpc(struct ctl *c, const char *method, struct xmlrpc_value *params,
               struct xmlrpc_value **out)
{
    struct client_conf cc = conf_of(c);
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
        raise_text(c, r.exc);
        r.exc = NULL;
        c->exc_http = r.kind == CLIENT_HTTP ? r.http_status : 0;
        c->exc_errno = r.kind == CLIENT_OSERROR ? r.sys_errno : 0;
        rc = -1;
        break;
    }
    client_result_release(&r);
    return rc;
}

static struct xmlrpc_value *args1(const char *a)
{
    struct xmlrpc_value *v = xmlrpc_array();
    xmlrpc_array_push(v, xmlrpc_string(a));
    return v;
}

static struct xmlrpc_value *args2(const char *a, const char *b)
{
    struct xmlrpc_value *v = args1(a);
    xmlrpc_array_push(v, xmlrpc_string(b));
    return v;
}

static struct xmlrpc_value *args_ii(long long a, long long b)
{
    struct xmlrpc_value *v = xmlrpc_array();
    xmlrpc_array_push(v, xmlrpc_int(a));
    xmlrpc_array_push(v, xmlrpc_int(b));
    return v;
}

static const char *sget(const struct xmlrpc_value *st, const char *key)
{
    const struct xmlrpc_value *v = st && st->type == XMLRPC_STRUCT ? xmlrpc_struct_get(st, key)
                                                                  : NULL;
    return v && v->type == XMLRPC_STRING ? v->s : "";
}

static long long iget(const struct xmlrpc_value *st, const char *key)
{
    const struct xmlrpc_value *v = st && st->type == XMLRPC_STRUCT ? xmlrpc_struct_get(st, key)
                                                                  : NULL;
    return v && (v->type == XMLRPC_INT || v->type == XMLRPC_BOOL) ? v->i : 0;
}

static size_t alen(const struct xmlrpc_value *a)
{
    return a && a->type == XMLRPC_ARRAY ? a->n : 0;
}

/* ---- words ---- */

struct words {
    char **w;
    size_t n;
};

/* str.split() */
static struct words split(const char *arg)
{
    struct words ws = {NULL, 0};
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

static void words_free(struct words *ws)
{
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i]);
    free(ws->w);
    ws->w = NULL;
    ws->n = 0;
}

static bool words_has(const struct words *ws, const char *s)
{
    for (size_t i = 0; i < ws->n; i++)
        if (strcmp(ws->w[i], s) == 0)
            return true;
    return false;
}

/* Remove every "--json" (our addition); true if there was one. */
static bool take_json(struct words *ws)
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
static void json_print(const struct xmlrpc_value *const *items, size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, i ? ",\n " : "\n ");
        char *ns = fmt_namespec(sget(items[i], "group"), sget(items[i], "name"));
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

/* ---- help texts ---- */

static void help_help(struct ctl *c)
{
    ctl_output(c, "help\t\tPrint a list of available actions");
    ctl_output(c, "help <action>\tPrint help for <action>");
}
static void help_add(struct ctl *c)
{
    ctl_output(c, "add <name> [...]\tActivates any updates in config for process/group");
}
static void help_avail(struct ctl *c)
{
    ctl_output(c, "avail\t\t\tDisplay all configured processes");
}
static void help_clear(struct ctl *c)
{
    ctl_output(c, "clear <name>\t\tClear a process' log files.");
    ctl_output(c, "clear <name> <name>\tClear multiple process' log files");
    ctl_output(c, "clear all\t\tClear all process' log files");
}
static void help_exit(struct ctl *c)
{
    ctl_output(c, "exit\tExit the supervisor shell.");
}
static void help_fg(struct ctl *c)
{
    ctl_output(c, "fg <process>\tConnect to a process in foreground mode");
    ctl_output(c, "\t\tCtrl-C to exit");
}
static void help_maintail(struct ctl *c)
{
    ctl_output(c, "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
                  "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
                  "maintail\tlast 1600 *bytes* of supervisor main log file\n");
}
static void help_open(struct ctl *c)
{
    ctl_output(c, "open <url>\tConnect to a remote supervisord process.");
    ctl_output(c, "\t\t(for UNIX domain socket, use unix:///socket/path)");
}
static void help_pid(struct ctl *c)
{
    ctl_output(c, "pid\t\t\tGet the PID of supervisord.");
    ctl_output(c, "pid <name>\t\tGet the PID of a single child process by name.");
    ctl_output(c, "pid all\t\t\tGet the PID of every child process, one per line.");
}
static void help_quit(struct ctl *c)
{
    ctl_output(c, "quit\tExit the supervisor shell.");
}
static void help_reload(struct ctl *c)
{
    ctl_output(c, "reload \t\tRestart the remote supervisord.");
}
static void help_remove(struct ctl *c)
{
    ctl_output(c, "remove <name> [...]\tRemoves process/group from active config");
}
static void help_reread(struct ctl *c)
{
    ctl_output(c, "reread \t\t\tReload the daemon's configuration files without add/remove");
}
static void help_restart(struct ctl *c)
{
    ctl_output(c, "restart <name>\t\tRestart a process");
    ctl_output(c, "restart <gname>:*\tRestart all processes in a group");
    ctl_output(c, "restart <name> <name>\tRestart multiple processes or groups");
    ctl_output(c, "restart all\t\tRestart all processes");
    ctl_output(c, "Note: restart does not reread config files. For that, see reread and update.");
}
static void help_shutdown(struct ctl *c)
{
    ctl_output(c, "shutdown \tShut the remote supervisord down.");
}
static void help_signal(struct ctl *c)
{
    ctl_output(c, "signal <signal name> <name>\t\tSignal a process");
    ctl_output(c, "signal <signal name> <gname>:*\t\tSignal all processes in a group");
    ctl_output(c, "signal <signal name> <name> <name>\tSignal multiple processes or groups");
    ctl_output(c, "signal <signal name> all\t\tSignal all processes");
}
static void help_start(struct ctl *c)
{
    ctl_output(c, "start <name>\t\tStart a process");
    ctl_output(c, "start <gname>:*\t\tStart all processes in a group");
    ctl_output(c, "start <name> <name>\tStart multiple processes or groups");
    ctl_output(c, "start all\t\tStart all processes");
}
static void help_status(struct ctl *c)
{
    ctl_output(c, "status <name>\t\tGet status for a single process");
    ctl_output(c, "status <gname>:*\tGet status for all processes in a group");
    ctl_output(c, "status <name> <name>\tGet status for multiple named processes");
    ctl_output(c, "status\t\t\tGet all process status info");
}
static void help_stop(struct ctl *c)
{
    ctl_output(c, "stop <name>\t\tStop a process");
    ctl_output(c, "stop <gname>:*\t\tStop all processes in a group");
    ctl_output(c, "stop <name> <name>\tStop multiple processes or groups");
    ctl_output(c, "stop all\t\tStop all processes");
}
static void help_tail(struct ctl *c)
{
    ctl_output(c, "tail [-f] <name> [stdout|stderr] (default stdout)\n"
                  "Ex:\n"
                  "tail -f <name>\t\tContinuous tail of named process stdout\n"
                  "\t\t\tCtrl-C to exit.\n"
                  "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
                  "tail <name> stderr\tlast 1600 *bytes* of process stderr");
}
static void help_update(struct ctl *c)
{
    ctl_output(c, "update\t\t\tReload config and add/remove as necessary, and will restart "
                  "affected programs");
    ctl_output(c, "update all\t\tReload config and add/remove as necessary, and will restart "
                  "affected programs");
    ctl_output(c, "update <gname> [...]\tUpdate specific groups");
}
static void help_version(struct ctl *c)
{
    ctl_output(c, "version\t\t\tShow the version of the remote supervisord process");
}

/* ---- up-check ---- */

/* Controller.upcheck: 1 up, 0 refused (message printed, status set), -1 raised. */
static int upcheck(struct ctl *c)
{
    struct xmlrpc_value *v;
    int rc = rpc(c, "supervisor.getVersion", NULL, &v);
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
            ctl_output(c, "Sorry, this version of supervisorctl expects to talk to a server "
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
        return raise_fault(c);
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

#define UPCHECK(c)                                                                            \
    do {                                                                                      \
        int up_ = upcheck(c);                                                                 \
        if (up_ <= 0)                                                                         \
            return up_;                                                                       \
    } while (0)

/* ---- result formatting ---- */

/* _startresult; NULL for an unknown code (Python's ValueError). */
static char *start_result(const char *group, const char *name, int code)
{
    char *ns = fmt_namespec(group, name);
    const char *what = NULL;
    switch (code) {
    case F_BAD_NAME: what = "no such process"; break;
    case F_NO_FILE: what = "no such file"; break;
    case F_NOT_EXECUTABLE: what = "file is not executable"; break;
    case F_ALREADY_STARTED: what = "already started"; break;
    case F_SPAWN_ERROR: what = "spawn error"; break;
    case F_ABNORMAL_TERMINATION: what = "abnormal termination"; break;
    case F_SUCCESS: {
        char *r = xasprintf("%s: started", ns);
        free(ns);
        return r;
    }
    default: free(ns); return NULL;
    }
    char *r = xasprintf("%s: ERROR (%s)", ns, what);
    free(ns);
    return r;
}

/* _signalresult / _stopresult; NULL for an unknown code. */
static char *signal_result(const char *group, const char *name, int code, const char *desc,
                           const char *success)
{
    char *ns = fmt_namespec(group, name);
    const char *what = NULL;
    switch (code) {
    case F_BAD_NAME: what = "no such process"; break;
    case F_BAD_SIGNAL: what = "bad signal name"; break;
    case F_NOT_RUNNING: what = "not running"; break;
    case F_SUCCESS: {
        char *r = xasprintf("%s: %s", ns, success);
        free(ns);
        return r;
    }
    case F_FAILED: free(ns); return xstrdup(desc ? desc : "None");
    default: free(ns); return NULL;
    }
    char *r = xasprintf("%s: ERROR (%s)", ns, what);
    free(ns);
    return r;
}

/* _clearresult; NULL for an unknown code. */
static char *clear_result(const char *group, const char *name, int code)
{
    char *ns = fmt_namespec(group, name);
    char *r = NULL;
    if (code == F_BAD_NAME)
        r = xasprintf("%s: ERROR (no such process)", ns);
    else if (code == F_FAILED)
        r = xasprintf("%s: ERROR (failed)", ns);
    else if (code == F_SUCCESS)
        r = xasprintf("%s: cleared", ns);
    free(ns);
    return r;
}

enum result_kind { RES_START, RES_STOP, RES_SIGNAL, RES_CLEAR };

/* Print a list of per-process results (start/stop/signal/clear of a group or
 * all) and set the exit status from each. 0, or -1 on an unknown code. */
static int print_results(struct ctl *c, const struct xmlrpc_value *results, enum result_kind k,
                         int ignored)
{
    for (size_t i = 0; i < alen(results); i++) {
        const struct xmlrpc_value *r = results->items[i];
        const char *g = sget(r, "group"), *n = sget(r, "name");
        int code = (int)iget(r, "status");
        char *line = NULL;
        int pyline = 0;
        switch (k) {
        case RES_START: line = start_result(g, n, code); pyline = 761; break;
        case RES_STOP: line = signal_result(g, n, code, sget(r, "description"), "stopped"); pyline = 835; break;
        case RES_SIGNAL: line = signal_result(g, n, code, sget(r, "description"), "signalled"); pyline = 835; break;
        case RES_CLEAR: line = clear_result(g, n, code); pyline = 1260; break;
        }
        if (!line) {
            char *ns = fmt_namespec(g, n);
            raise_value_error(c, code, ns, pyline);
            free(ns);
            return -1;
        }
        ctl_output(c, "%s", line);
        free(line);
        c->exitstatus = fmt_exit_from_fault(c->exitstatus, code, ignored);
    }
    return 0;
}

/* ---- commands ---- */

static int do_help(struct ctl *c, const char *arg);

static void show_statuses(const struct xmlrpc_value *const *infos, size_t n)
{
    struct fmt_status_row *rows = xcalloc(n ? n : 1, sizeof *rows);
    char **names = xcalloc(n ? n : 1, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        names[i] = fmt_namespec(sget(infos[i], "group"), sget(infos[i], "name"));
        rows[i].namespec = names[i];
        rows[i].statename = sget(infos[i], "statename");
        rows[i].description = sget(infos[i], "description");
    }
    struct buf b;
    buf_init(&b);
    fmt_status(&b, rows, n);
    fwrite(b.data, 1, b.len, stdout);
    buf_release(&b);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(rows);
}

static int do_status(struct ctl *c, const char *arg)
{
    int up = upcheck(c);
    if (up == 0)
        c->exitstatus = CTL_STATUS_UNKNOWN;
    if (up <= 0)
        return up;
    struct xmlrpc_value *all;
    int rc = rpc(c, "supervisor.getAllProcessInfo", NULL, &all);
    if (rc == 1)
        return raise_fault(c);
    if (rc < 0)
        return -1;
    struct words names = split(arg);
    bool json = take_json(&names);
    size_t n = alen(all), cap = 0, count = 0;
    const struct xmlrpc_value **match = NULL;
    if (names.n == 0 || words_has(&names, "all")) {
        match = xcalloc(n ? n : 1, sizeof *match);
        for (size_t i = 0; i < n; i++)
            match[count++] = all->items[i];
    } else {
        for (size_t w = 0; w < names.n; w++) {
            char *group, *proc;
            fmt_split_namespec(names.w[w], &group, &proc);
            bool bad = true;
            for (size_t i = 0; i < n; i++) {
                const struct xmlrpc_value *info = all->items[i];
                bool m = strcmp(sget(info, "group"), group) == 0;
                if (proc)
                    m = m && strcmp(sget(info, "name"), proc) == 0;
                if (m) {
                    bad = false;
                    match = xgrow(match, &cap, count + 1, sizeof *match);
                    match[count++] = info;
                }
            }
            if (bad) {
                /* with --json the rows are the output: errors go to stderr */
                FILE *to = json ? stderr : stdout;
                if (!proc)
                    fprintf(to, "%s: ERROR (no such group)\n", group);
                else
                    fprintf(to, "%s: ERROR (no such process)\n", names.w[w]);
                c->exitstatus = CTL_STATUS_UNKNOWN;
            }
            free(group);
            free(proc);
        }
    }
    if (json)
        json_print(match, count);
    else
        show_statuses(match, count);
    for (size_t i = 0; i < count; i++) {
        long long st = iget(match[i], "state");
        if (st == 0 || st == 100 || st == 200 || st == 1000)
            c->exitstatus = CTL_STATUS_NOT_RUNNING;
    }
    free(match);
    words_free(&names);
    xmlrpc_free(all);
    return 0;
}

static int do_pid(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    int ret = 0;
    struct xmlrpc_value *v = NULL;
    if (names.n == 0) {
        int rc = rpc(c, "supervisor.getPID", NULL, &v);
        if (rc != 0) {
            ret = rc == 1 ? raise_fault(c) : -1;
            goto out;
        }
        ctl_output(c, "%lld", v->i);
    } else if (words_has(&names, "all")) {
        int rc = rpc(c, "supervisor.getAllProcessInfo", NULL, &v);
        if (rc != 0) {
            ret = rc == 1 ? raise_fault(c) : -1;
            goto out;
        }
        for (size_t i = 0; i < alen(v); i++)
            ctl_output(c, "%lld", iget(v->items[i], "pid"));
    } else {
        for (size_t w = 0; w < names.n; w++) {
            struct xmlrpc_value *info;
            int rc = rpc(c, "supervisor.getProcessInfo", args1(names.w[w]), &info);
            if (rc < 0) {
                ret = -1;
                goto out;
            }
            if (rc == 1) {
                c->exitstatus = CTL_GENERIC;
                if (c->fault_code != F_BAD_NAME) {
                    ret = raise_fault(c);
                    goto out;
                }
                ctl_output(c, "No such process %s", names.w[w]);
                continue;
            }
            long long pid = iget(info, "pid");
            ctl_output(c, "%lld", pid);
            if (pid == 0)
                c->exitstatus = CTL_NOT_RUNNING;
            xmlrpc_free(info);
        }
    }
out:
    xmlrpc_free(v);
    words_free(&names);
    return ret;
}

/* start/stop/signal of names: sig is NULL for start/stop. */
enum act { ACT_START, ACT_STOP, ACT_SIGNAL };

static int act_names(struct ctl *c, enum act act, const char *sig, const struct words *names,
                     size_t from)
{
    static const char *const all_m[] = {"supervisor.startAllProcesses",
                                        "supervisor.stopAllProcesses",
                                        "supervisor.signalAllProcesses"};
    static const char *const group_m[] = {"supervisor.startProcessGroup",
                                          "supervisor.stopProcessGroup",
                                          "supervisor.signalProcessGroup"};
    static const char *const one_m[] = {"supervisor.startProcess", "supervisor.stopProcess",
                                        "supervisor.signalProcess"};
    enum result_kind kind = act == ACT_START ? RES_START : act == ACT_STOP ? RES_STOP : RES_SIGNAL;
    int ignored = act == ACT_START ? F_ALREADY_STARTED : act == ACT_STOP ? F_NOT_RUNNING : NO_IGNORE;
    struct words rest = {names->w + from, names->n - from};
    if (words_has(&rest, "all")) {
        struct xmlrpc_value *res;
        struct xmlrpc_value *params = NULL;
        if (sig)
            params = args1(sig);
        int rc = rpc(c, all_m[act], params, &res);
        if (rc != 0)
            return rc == 1 ? raise_fault(c) : -1;
        rc = print_results(c, res, kind, ignored);
        xmlrpc_free(res);
        return rc;
    }
    for (size_t w = 0; w < rest.n; w++) {
        const char *name = rest.w[w];
        char *group, *proc;
        fmt_split_namespec(name, &group, &proc);
        int ret = 0;
        if (!proc) {
            struct xmlrpc_value *res;
            int rc = rpc(c, group_m[act], sig ? args2(group, sig) : args1(group), &res);
            if (rc < 0) {
                ret = -1;
            } else if (rc == 1) {
                if (act == ACT_STOP)
                    c->exitstatus = CTL_GENERIC;
                if (c->fault_code == F_BAD_NAME) {
                    ctl_output(c, "%s: ERROR (no such group)", group);
                    c->exitstatus = act == ACT_START ? CTL_INVALID_ARGS : CTL_GENERIC;
                } else {
                    if (act == ACT_START)
                        c->exitstatus = CTL_GENERIC;
                    ret = raise_fault(c);
                }
            } else {
                ret = print_results(c, res, kind, ignored);
                xmlrpc_free(res);
            }
        } else {
            int rc = rpc(c, one_m[act], sig ? args2(name, sig) : args1(name), NULL);
            if (rc < 0) {
                ret = -1;
            } else if (rc == 1) {
                char *line = act == ACT_START
                                 ? start_result(group, proc, c->fault_code)
                                 : signal_result(group, proc, c->fault_code, c->fault_string,
                                                 act == ACT_STOP ? "stopped" : "signalled");
                if (!line) {
                    char *ns = fmt_namespec(group, proc);
                    ret = raise_value_error(c, c->fault_code, ns, act == ACT_START ? 761 : 835);
                    free(ns);
                } else {
                    ctl_output(c, "%s", line);
                    free(line);
                    c->exitstatus = fmt_exit_from_fault(c->exitstatus, c->fault_code, ignored);
                }
            } else {
                char *ns = fmt_namespec(group, proc);
                ctl_output(c, "%s: %s", ns,
                           act == ACT_START ? "started" : act == ACT_STOP ? "stopped" : "signalled");
                free(ns);
            }
        }
        free(group);
        free(proc);
        if (ret < 0)
            return ret;
    }
    return 0;
}

static int do_start(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: start requires a process name");
        c->exitstatus = CTL_INVALID_ARGS;
        help_start(c);
    } else {
        ret = act_names(c, ACT_START, NULL, &names, 0);
    }
    words_free(&names);
    return ret;
}

static int do_stop(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: stop requires a process name");
        c->exitstatus = CTL_GENERIC;
        help_stop(c);
    } else {
        ret = act_names(c, ACT_STOP, NULL, &names, 0);
    }
    words_free(&names);
    return ret;
}

static int do_signal(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words args = split(arg);
    int ret = 0;
    if (args.n < 2) {
        ctl_output(c, "Error: signal requires a signal name and a process name");
        help_signal(c);
        c->exitstatus = CTL_GENERIC;
    } else {
        ret = act_names(c, ACT_SIGNAL, args.w[0], &args, 1);
    }
    words_free(&args);
    return ret;
}

static int do_restart(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    size_t n = names.n;
    words_free(&names);
    if (n == 0) {
        ctl_output(c, "Error: restart requires a process name");
        c->exitstatus = CTL_GENERIC;
        help_restart(c);
        return 0;
    }
    int rc = do_stop(c, arg);
    if (rc < 0)
        return rc;
    return do_start(c, arg);
}

/* ---- tail -f / maintail -f / fg streams ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* SIGINT sets `interrupted` and interrupts poll() while a stream runs. */
static void catch_sigint(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, old);
}

/* http_client.Listener.feed: text as it is, else "Undecodable: b'...'". */
static void feed_stdout(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (xmlrpc_utf8_valid(p, n)) {
        fwrite(p, 1, n, stdout);
    } else {
        struct buf b;
        buf_init(&b);
        buf_puts(&b, "Undecodable: ");
        fmt_bytes_repr(&b, p, n);
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
    }
    fflush(stdout);
}

struct stream {
    int fd;
    char *url;
    struct tailp p;
};

static void stream_open(struct ctl *c, struct stream *s, const char *path)
{
    struct client_conf cc = conf_of(c);
    s->url = xasprintf("%s%s", c->serverurl, path);
    tailp_init(&s->p);
    s->fd = client_stream_open(&cc, path);
    if (s->fd < 0) {
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "<class '%s'> ([Errno %d] %s)", fmt_oserror_class(errno), errno,
                   strerror(errno));
        fflush(stdout);
        fprintf(stderr, "%s Cannot connect, error: %s\n", s->url, b.data);
        buf_release(&b);
    }
}

static void stream_close(struct stream *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void stream_release(struct stream *s)
{
    stream_close(s);
    free(s->url);
    tailp_release(&s->p);
}

/* Read what is there; closes the stream at its end. */
static void stream_read(struct stream *s)
{
    char tmp[65536];
    ssize_t n = read(s->fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        stream_close(s);
        return;
    }
    struct tailp_sink sink = {feed_stdout, NULL};
    if (tailp_feed(&s->p, tmp, (size_t)n, &sink) == TAILP_DONE) {
        fflush(stdout);
        if (s->p.error)
            fprintf(stderr, "%s Cannot connect, error: <class 'ValueError'> (bad response)\n",
                    s->url);
        else if (s->p.status != 200)
            fprintf(stderr, "%s Cannot read, status code %d\n", s->url, s->p.status);
        stream_close(s);
    }
}

/* _tailf: stream path until the server closes or ^C. */
static int tailf(struct ctl *c, const char *path)
{
    ctl_output(c, "==> Press Ctrl-C to exit <==");
    fflush(stdout);
    struct sigaction old;
    catch_sigint(&old);
    struct stream s;
    stream_open(c, &s, path);
    while (s.fd >= 0 && !interrupted) {
        struct pollfd pfd = {s.fd, POLLIN, 0};
        int r = poll(&pfd, 1, -1);
        if (r < 0)
            continue;
        stream_read(&s);
    }
    if (interrupted) {
        ctl_output(c, "%s", "");
    }
    stream_release(&s);
    sigaction(SIGINT, &old, NULL);
    fflush(stdout);
    return 0;
}

static int do_tail(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words args = split(arg);
    int ret = 0;
    char *channel = NULL;
    if (args.n < 1) {
        ctl_output(c, "Error: too few arguments");
        c->exitstatus = CTL_GENERIC;
        help_tail(c);
        goto out;
    }
    if (args.n > 3) {
        ctl_output(c, "Error: too many arguments");
        c->exitstatus = CTL_GENERIC;
        help_tail(c);
        goto out;
    }
    const char *modifier = NULL;
    size_t first = 0;
    if (args.w[0][0] == '-') {
        modifier = args.w[0];
        first = 1;
    }
    size_t left = args.n - first;
    const char *name;
    if (left == 1) {
        name = args.w[args.n - 1];
        channel = xstrdup("stdout");
    } else if (left > 0) {
        name = args.w[first];
        channel = xstrdup(args.w[args.n - 1]);
        for (char *p = channel; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (strcmp(channel, "stderr") != 0 && strcmp(channel, "stdout") != 0) {
            struct buf b;
            buf_init(&b);
            fmt_str_repr(&b, channel);
            ctl_output(c, "Error: bad channel %s", b.data);
            buf_release(&b);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
    } else {
        ctl_output(c, "Error: tail requires process name");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    long long bytes = 1600;
    bool follow = false;
    if (modifier) {
        const char *what = modifier + 1;
        if (strcmp(what, "f") == 0) {
            follow = true;
        } else {
            char *end;
            errno = 0;
            /* int(): optional sign, digits, surrounding whitespace, '_' between digits */
            bytes = strtoll(what, &end, 10);
            if (!*what || *end || errno || what[0] == ' ') {
                ctl_output(c, "Error: bad argument %s", modifier);
                c->exitstatus = CTL_GENERIC;
                goto out;
            }
        }
    }
    if (follow) {
        char *path = xasprintf("/logtail/%s/%s", name, channel);
        ret = tailf(c, path);
        free(path);
        goto out;
    }
    struct xmlrpc_value *v;
    struct xmlrpc_value *params = args1(name);
    xmlrpc_array_push(params, xmlrpc_int(-bytes));
    xmlrpc_array_push(params, xmlrpc_int(0));
    int rc = rpc(c,
                 strcmp(channel, "stdout") == 0 ? "supervisor.readProcessStdoutLog"
                                                : "supervisor.readProcessStderrLog",
                 params, &v);
    if (rc < 0) {
        ret = -1;
    } else if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_NO_FILE)
            ctl_output(c, "%s: ERROR (no log file)", name);
        else if (c->fault_code == F_FAILED)
            ctl_output(c, "%s: ERROR (unknown error reading log)", name);
        else if (c->fault_code == F_BAD_NAME)
            ctl_output(c, "%s: ERROR (no such process name)", name);
        else
            ret = raise_fault(c);
    } else {
        output_n(v->s ? v->s : "", v->len);
        xmlrpc_free(v);
    }
out:
    free(channel);
    words_free(&args);
    return ret;
}

static int do_maintail(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words args = split(arg);
    int ret = 0;
    long long bytes = 1600;
    if (args.n > 1) {
        ctl_output(c, "Error: too many arguments");
        c->exitstatus = CTL_GENERIC;
        help_maintail(c);
        goto out;
    }
    if (args.n == 1) {
        const char *a = args.w[0];
        if (a[0] != '-') {
            ctl_output(c, "Error: bad argument %s", a);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
        if (strcmp(a + 1, "f") == 0) {
            ret = tailf(c, "/mainlogtail");
            goto out;
        }
        char *end;
        errno = 0;
        bytes = strtoll(a + 1, &end, 10);
        if (!a[1] || *end || errno || a[1] == ' ') {
            ctl_output(c, "Error: bad argument %s", a);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
    }
    struct xmlrpc_value *v;
    int rc = rpc(c, "supervisor.readLog", args_ii(-bytes, 0), &v);
    if (rc < 0) {
        ret = -1;
    } else if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_NO_FILE)
            ctl_output(c, "supervisord: ERROR (no log file)");
        else if (c->fault_code == F_FAILED)
            ctl_output(c, "supervisord: ERROR (unknown error reading log)");
        else
            ret = raise_fault(c);
    } else {
        output_n(v->s ? v->s : "", v->len);
        xmlrpc_free(v);
    }
out:
    words_free(&args);
    return ret;
}

static int do_quit(struct ctl *c, const char *arg)
{
    (void)arg;
    ctl_output(c, "%s", "");
    return 1;
}

static int do_avail(struct ctl *c, const char *arg)
{
    struct words args = split(arg);
    bool json = take_json(&args);
    size_t n = args.n;
    words_free(&args);
    if (n > 0 || (!json && arg[0])) {
        ctl_output(c, "Error: avail accepts no arguments");
        c->exitstatus = CTL_GENERIC;
        help_avail(c);
        return 0;
    }
    struct xmlrpc_value *v;
    int rc = rpc(c, "supervisor.getAllConfigInfo", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: supervisor shutting down");
            return 0;
        }
        return raise_fault(c);
    }
    if (json) {
        json_print((const struct xmlrpc_value *const *)v->items, alen(v));
    } else {
        struct buf b;
        buf_init(&b);
        for (size_t i = 0; i < alen(v); i++) {
            const struct xmlrpc_value *ci = v->items[i];
            char *ns = fmt_namespec(sget(ci, "group"), sget(ci, "name"));
            buf_reset(&b);
            fmt_avail(&b, ns, iget(ci, "inuse") != 0, iget(ci, "autostart") != 0,
                      iget(ci, "group_prio"), iget(ci, "process_prio"));
            ctl_output(c, "%s", b.data);
            free(ns);
        }
        buf_release(&b);
    }
    xmlrpc_free(v);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* result[0] of reloadConfig: [added, changed, removed] (borrowed), or NULL. */
static const struct xmlrpc_value *changes_of(const struct xmlrpc_value *v)
{
    if (alen(v) < 1 || alen(v->items[0]) < 3)
        return NULL;
    return v->items[0];
}

static int do_reread(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        ctl_output(c, "Error: reread accepts no arguments");
        c->exitstatus = CTL_GENERIC;
        help_reread(c);
        return 0;
    }
    struct xmlrpc_value *v;
    int rc = rpc(c, "supervisor.reloadConfig", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE)
            ctl_output(c, "ERROR: supervisor shutting down");
        else if (c->fault_code == F_CANT_REREAD)
            ctl_output(c, "ERROR: %s", c->fault_string);
        else
            return raise_fault(c);
        return 0;
    }
    const struct xmlrpc_value *ch = changes_of(v);
    static const char *const label[3] = {"available", "changed", "disappeared"};
    /* dict update order: a name in several lists takes the last label */
    size_t cap = 0, n = 0;
    struct {
        const char *name;
        const char *label;
    } *rows = NULL;
    for (int k = 0; ch && k < 3; k++) {
        const struct xmlrpc_value *list = ch->items[k];
        for (size_t i = 0; i < alen(list); i++) {
            const char *name = list->items[i]->type == XMLRPC_STRING ? list->items[i]->s : "";
            size_t j;
            for (j = 0; j < n && strcmp(rows[j].name, name) != 0; j++)
                ;
            if (j == n) {
                rows = xgrow(rows, &cap, n + 1, sizeof *rows);
                rows[n++].name = name;
            }
            rows[j].label = label[k];
        }
    }
    if (n == 0) {
        ctl_output(c, "No config updates to processes");
    } else {
        qsort(rows, n, sizeof *rows, cmp_str);
        for (size_t i = 0; i < n; i++)
            ctl_output(c, "%s: %s", rows[i].name, rows[i].label);
    }
    free(rows);
    xmlrpc_free(v);
    return 0;
}

static int do_add(struct ctl *c, const char *arg)
{
    struct words names = split(arg);
    int ret = 0;
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        int rc = rpc(c, "supervisor.addProcessGroup", args1(names.w[i]), NULL);
        if (rc < 0) {
            ret = -1;
        } else if (rc == 1) {
            if (c->fault_code == F_SHUTDOWN_STATE) {
                ctl_output(c, "ERROR: shutting down");
                c->exitstatus = CTL_GENERIC;
            } else if (c->fault_code == F_ALREADY_ADDED) {
                ctl_output(c, "ERROR: process group already active");
            } else if (c->fault_code == F_BAD_NAME) {
                ctl_output(c, "ERROR: no such process/group: %s", names.w[i]);
                c->exitstatus = CTL_GENERIC;
            } else {
                c->exitstatus = CTL_GENERIC;
                ret = raise_fault(c);
            }
        } else {
            ctl_output(c, "%s: added process group", names.w[i]);
        }
    }
    words_free(&names);
    return ret;
}

static int do_remove(struct ctl *c, const char *arg)
{
    struct words names = split(arg);
    int ret = 0;
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        int rc = rpc(c, "supervisor.removeProcessGroup", args1(names.w[i]), NULL);
        if (rc < 0) {
            ret = -1;
        } else if (rc == 1) {
            c->exitstatus = CTL_GENERIC;
            if (c->fault_code == F_STILL_RUNNING)
                ctl_output(c, "ERROR: process/group still running: %s", names.w[i]);
            else if (c->fault_code == F_BAD_NAME)
                ctl_output(c, "ERROR: no such process/group: %s", names.w[i]);
            else
                ret = raise_fault(c);
        } else {
            ctl_output(c, "%s: removed process group", names.w[i]);
        }
    }
    words_free(&names);
    return ret;
}

static bool list_has(const struct xmlrpc_value *list, const char *s)
{
    for (size_t i = 0; i < alen(list); i++)
        if (list->items[i]->type == XMLRPC_STRING && strcmp(list->items[i]->s, s) == 0)
            return true;
    return false;
}

/* An RPC whose fault update lets through as an exception. */
static int rpc_or_raise(struct ctl *c, const char *method, struct xmlrpc_value *params,
                        struct xmlrpc_value **out)
{
    int rc = rpc(c, method, params, out);
    if (rc == 1)
        return raise_fault(c);
    return rc;
}

static int do_update(struct ctl *c, const char *arg)
{
    struct xmlrpc_value *v;
    int rc = rpc(c, "supervisor.reloadConfig", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: already shutting down");
            return 0;
        }
        return raise_fault(c);
    }
    const struct xmlrpc_value *ch = changes_of(v);
    const struct xmlrpc_value *added = ch ? ch->items[0] : NULL, *changed = ch ? ch->items[1] : NULL,
                              *removed = ch ? ch->items[2] : NULL;
    struct words raw = split(arg), valid = {NULL, 0};
    size_t cap = 0;
    /* set(arg.split()): Python iterates it in hash order; we keep the
     * order of the arguments */
    for (size_t i = 0; i < raw.n; i++) {
        if (words_has(&valid, raw.w[i]))
            continue;
        valid.w = xgrow(valid.w, &cap, valid.n + 1, sizeof *valid.w);
        valid.w[valid.n++] = xstrdup(raw.w[i]);
    }
    words_free(&raw);
    if (words_has(&valid, "all"))
        words_free(&valid);
    int ret = 0;
    if (valid.n) {
        struct xmlrpc_value *infos;
        ret = rpc_or_raise(c, "supervisor.getAllProcessInfo", NULL, &infos);
        if (ret < 0)
            goto out;
        for (size_t i = 0; i < valid.n; i++) {
            bool found = list_has(added, valid.w[i]);
            for (size_t k = 0; !found && k < alen(infos); k++)
                found = strcmp(sget(infos->items[k], "group"), valid.w[i]) == 0;
            if (!found) {
                ctl_output(c, "ERROR: no such group: %s", valid.w[i]);
                c->exitstatus = CTL_GENERIC;
            }
        }
        xmlrpc_free(infos);
    }
    for (size_t i = 0; i < alen(removed); i++) {
        const char *g = removed->items[i]->s;
        if (valid.n && !words_has(&valid, g))
            continue;
        struct xmlrpc_value *res;
        if ((ret = rpc_or_raise(c, "supervisor.stopProcessGroup", args1(g), &res)) < 0)
            goto out;
        ctl_output(c, "%s: stopped", g);
        bool fails = false;
        for (size_t k = 0; k < alen(res); k++)
            if (iget(res->items[k], "status") == F_FAILED)
                fails = true;
        xmlrpc_free(res);
        if (fails) {
            ctl_output(c, "%s: has problems; not removing", g);
            c->exitstatus = CTL_GENERIC;
            continue;
        }
        if ((ret = rpc_or_raise(c, "supervisor.removeProcessGroup", args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: removed process group", g);
    }
    for (size_t i = 0; i < alen(changed); i++) {
        const char *g = changed->items[i]->s;
        if (valid.n && !words_has(&valid, g))
            continue;
        struct xmlrpc_value *res;
        if ((ret = rpc_or_raise(c, "supervisor.stopProcessGroup", args1(g), &res)) < 0)
            goto out;
        xmlrpc_free(res);
        ctl_output(c, "%s: stopped", g);
        if ((ret = rpc_or_raise(c, "supervisor.removeProcessGroup", args1(g), NULL)) < 0)
            goto out;
        if ((ret = rpc_or_raise(c, "supervisor.addProcessGroup", args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: updated process group", g);
    }
    for (size_t i = 0; i < alen(added); i++) {
        const char *g = added->items[i]->s;
        if (valid.n && !words_has(&valid, g))
            continue;
        if ((ret = rpc_or_raise(c, "supervisor.addProcessGroup", args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: added process group", g);
    }
out:
    words_free(&valid);
    xmlrpc_free(v);
    return ret;
}

static int do_clear(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: clear requires a process name");
        c->exitstatus = CTL_GENERIC;
        help_clear(c);
        goto out;
    }
    if (words_has(&names, "all")) {
        struct xmlrpc_value *res;
        ret = rpc_or_raise(c, "supervisor.clearAllProcessLogs", NULL, &res);
        if (ret == 0) {
            ret = print_results(c, res, RES_CLEAR, NO_IGNORE);
            xmlrpc_free(res);
        }
        goto out;
    }
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        char *group, *proc;
        fmt_split_namespec(names.w[i], &group, &proc);
        int rc = rpc(c, "supervisor.clearProcessLogs", args1(names.w[i]), NULL);
        if (rc < 0) {
            ret = -1;
        } else if (rc == 1) {
            char *line = clear_result(group, proc, c->fault_code);
            if (!line) {
                char *ns = fmt_namespec(group, proc);
                ret = raise_value_error(c, c->fault_code, ns, 1260);
                free(ns);
            } else {
                ctl_output(c, "%s", line);
                free(line);
                c->exitstatus = fmt_exit_from_fault(c->exitstatus, c->fault_code, NO_IGNORE);
            }
        } else {
            char *ns = fmt_namespec(group, proc);
            ctl_output(c, "%s: cleared", ns);
            free(ns);
        }
        free(group);
        free(proc);
    }
out:
    words_free(&names);
    return ret;
}

static int do_open(struct ctl *c, const char *arg)
{
    char *url = xstrdup(arg);
    char *scheme = fmt_url_scheme(url);
    bool ok = strcmp(scheme, "unix") == 0 || strcmp(scheme, "http") == 0;
    free(scheme);
    if (!ok) {
        ctl_output(c, "ERROR: url must be http:// or unix://");
        c->exitstatus = CTL_GENERIC;
        free(url);
        return 0;
    }
    free(c->serverurl);
    c->serverurl = url;
    int old = c->exitstatus;
    int rc = do_status(c, "");
    if (rc < 0)
        return rc;
    c->exitstatus = old;
    return 0;
}

static int do_version(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        ctl_output(c, "Error: version accepts no arguments");
        c->exitstatus = CTL_GENERIC;
        help_version(c);
        return 0;
    }
    UPCHECK(c);
    struct xmlrpc_value *v;
    int rc = rpc_or_raise(c, "supervisor.getSupervisorVersion", NULL, &v);
    if (rc < 0)
        return rc;
    ctl_output(c, "%s", v->type == XMLRPC_STRING ? v->s : "");
    xmlrpc_free(v);
    return 0;
}

/* raw_input with Python's EOFError. 0 ok (*out), -1 raised. */
static int input_or_raise(struct ctl *c, const char *prompt, int pyline, char **out)
{
    *out = ctl_input(prompt);
    if (*out)
        return 0;
    return raise_text(c, xasprintf("<class 'EOFError'>, EOF when reading a line: file: %s "
                                   "line: %d",
                                   PY_CTL, pyline));
}

static int do_shutdown(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        ctl_output(c, "Error: shutdown accepts no arguments");
        c->exitstatus = CTL_GENERIC;
        help_shutdown(c);
        return 0;
    }
    if (c->interactive) {
        char *yn;
        if (input_or_raise(c, "Really shut the remote supervisord process down y/N? ", 987,
                           &yn) < 0)
            return -1;
        bool really = yn[0] == 'y' || yn[0] == 'Y';
        free(yn);
        if (!really)
            return 0;
    }
    int rc = rpc(c, "supervisor.shutdown", NULL, NULL);
    if (rc == 0) {
        ctl_output(c, "Shut down");
    } else if (rc == 1) {
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: already shutting down");
        } else {
            c->exitstatus = CTL_GENERIC;
            return raise_fault(c);
        }
    } else if (c->exc_errno) {
        c->exitstatus = CTL_GENERIC;
        if (c->exc_errno == ECONNREFUSED)
            ctl_output(c, "ERROR: %s refused connection (already shut down?)", c->serverurl);
        else if (c->exc_errno == ENOENT)
            ctl_output(c, "ERROR: %s no such file (already shut down?)", c->serverurl);
        else
            return -1;
    } else {
        return -1;
    }
    return 0;
}

static int do_reload(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        ctl_output(c, "Error: reload accepts no arguments");
        c->exitstatus = CTL_GENERIC;
        help_reload(c);
        return 0;
    }
    if (c->interactive) {
        char *yn;
        if (input_or_raise(c, "Really restart the remote supervisord process y/N? ", 1027,
                           &yn) < 0)
            return -1;
        bool really = yn[0] == 'y' || yn[0] == 'Y';
        free(yn);
        if (!really)
            return 0;
    }
    int rc = rpc(c, "supervisor.restart", NULL, NULL);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE)
            ctl_output(c, "ERROR: already shutting down");
        else
            return raise_fault(c);
        return 0;
    }
    ctl_output(c, "Restarted supervisord");
    return 0;
}

/* fg: the process's stdout and stderr streams to our stdout, our stdin
 * lines to its stdin, until ^C, EOF or its death. */
static int fg_loop(struct ctl *c, const char *name)
{
    struct stream s[2];
    char *p0 = xasprintf("/logtail/%s/stdout", name), *p1 = xasprintf("/logtail/%s/stderr", name);
    stream_open(c, &s[0], p0);
    stream_open(c, &s[1], p1);
    free(p0);
    free(p1);
    struct sigaction old;
    catch_sigint(&old);
    struct buf line;
    buf_init(&line);
    int ret = 0;
    bool eof = false;
    for (;;) {
        if (interrupted || eof) {
            ctl_output(c, "Exiting foreground");
            break;
        }
        struct pollfd pfd[3] = {{0, POLLIN, 0}, {s[0].fd, POLLIN, 0}, {s[1].fd, POLLIN, 0}};
        if (poll(pfd, 3, -1) < 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (s[i].fd >= 0 && pfd[i + 1].revents)
                stream_read(&s[i]);
        if (!pfd[0].revents)
            continue;
        char tmp[4096];
        ssize_t n = read(0, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eof = true; /* raw_input's EOFError; a last partial line first */
            if (line.len == 0)
                continue;
            buf_putc(&line, '\n');
        } else {
            buf_append(&line, tmp, (size_t)n);
        }
        char *nl;
        bool done = false;
        while (!done && (nl = memchr(line.data, '\n', line.len))) {
            size_t k = (size_t)(nl - line.data) + 1;
            char *text = xstrndup(line.data, k);
            buf_consume(&line, k);
            int rc = rpc(c, "supervisor.sendProcessStdin", args2(name, text), NULL);
            free(text);
            if (rc < 0) {
                ret = -1;
                done = true;
                break;
            }
            if (rc == 1) {
                if (c->fault_code == F_NOT_RUNNING) {
                    ctl_output(c, "Process got killed");
                } else {
                    char *fs = fault_str(c);
                    ctl_output(c, "ERROR: %s", fs);
                    free(fs);
                }
                ctl_output(c, "Exiting foreground");
                done = true;
                break;
            }
            struct xmlrpc_value *info;
            rc = rpc(c, "supervisor.getProcessInfo", args1(name), &info);
            if (rc != 0) {
                ret = rc == 1 ? raise_fault(c) : -1;
                done = true;
                break;
            }
            long long st = iget(info, "state");
            xmlrpc_free(info);
            if (st != PROC_RUNNING) {
                ctl_output(c, "Process got killed");
                ctl_output(c, "Exiting foreground");
                done = true;
                break;
            }
        }
        if (done)
            break;
    }
    buf_release(&line);
    stream_release(&s[0]);
    stream_release(&s[1]);
    sigaction(SIGINT, &old, NULL);
    return ret;
}

static int do_fg(struct ctl *c, const char *arg)
{
    UPCHECK(c);
    struct words names = split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "ERROR: no process name supplied");
        c->exitstatus = CTL_GENERIC;
        help_fg(c);
        goto out;
    }
    if (names.n > 1) {
        ctl_output(c, "ERROR: too many process names supplied");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    struct xmlrpc_value *info;
    int rc = rpc(c, "supervisor.getProcessInfo", args1(names.w[0]), &info);
    if (rc < 0) {
        ret = -1;
        goto out;
    }
    if (rc == 1) {
        if (c->fault_code == F_BAD_NAME) {
            ctl_output(c, "ERROR: bad process name supplied");
            c->exitstatus = CTL_GENERIC;
        } else {
            char *fs = fault_str(c);
            ctl_output(c, "ERROR: %s", fs);
            free(fs);
        }
        goto out;
    }
    long long st = iget(info, "state");
    xmlrpc_free(info);
    if (st != PROC_RUNNING) {
        ctl_output(c, "ERROR: process not running");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    ctl_output(c, "==> Press Ctrl-C to exit <==");
    fflush(stdout);
    ret = fg_loop(c, names.w[0]);
out:
    words_free(&names);
    return ret;
}

/* ---- the table ---- */

struct command {
    const char *name;
    int (*run)(struct ctl *c, const char *arg);
    void (*help)(struct ctl *c);
};

/* The default plugin's do_* commands, sorted as help lists them. */
static const struct command commands[] = {
    {"add", do_add, help_add},
    {"avail", do_avail, help_avail},
    {"clear", do_clear, help_clear},
    {"exit", do_quit, help_exit},
    {"fg", do_fg, help_fg},
    {"maintail", do_maintail, help_maintail},
    {"open", do_open, help_open},
    {"pid", do_pid, help_pid},
    {"quit", do_quit, help_quit},
    {"reload", do_reload, help_reload},
    {"remove", do_remove, help_remove},
    {"reread", do_reread, help_reread},
    {"restart", do_restart, help_restart},
    {"shutdown", do_shutdown, help_shutdown},
    {"signal", do_signal, help_signal},
    {"start", do_start, help_start},
    {"status", do_status, help_status},
    {"stop", do_stop, help_stop},
    {"tail", do_tail, help_tail},
    {"update", do_update, help_update},
    {"version", do_version, help_version},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *const *ctl_command_names(size_t *n)
{
    static const char *names[NCOMMANDS + 1];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    *n = NCOMMANDS;
    return names;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int do_help(struct ctl *c, const char *arg)
{
    struct words w = split(arg);
    bool is_help = w.n == 1 && strcmp(w.w[0], "help") == 0;
    words_free(&w);
    if (is_help) {
        help_help(c);
        return 0;
    }
    if (arg[0]) {
        const struct command *cmd = find_command(arg);
        if (cmd)
            cmd->help(c);
        else
            ctl_output(c, "*** No help on %s", arg);
        return 0;
    }
    ctl_output(c, "%s", "");
    ctl_output(c, "default commands (type help <topic>):");
    ctl_output(c, "=====================================");
    size_t n;
    const char *const *names = ctl_command_names(&n);
    struct buf b;
    buf_init(&b);
    fmt_columnize(&b, names, n, 79);
    fputs(b.data, stdout);
    buf_release(&b);
    ctl_output(c, "%s", "");
    return 0;
}

/* ---- onecmd ---- */

static bool identchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static void print_exc(struct ctl *c)
{
    ctl_output(c, "error: %s", c->exc ? c->exc : "");
    c->exitstatus = CTL_GENERIC;
}

static int dispatch(struct ctl *c, const char *cmd, const char *arg)
{
    if (strcmp(cmd, "help") == 0)
        return do_help(c, arg);
    if (strcmp(cmd, "EOF") == 0)
        return do_quit(c, arg);
    return find_command(cmd)->run(c, arg);
}

bool ctl_onecmd(struct ctl *c, const char *line_in)
{
    /* cmd.Cmd.parseline */
    const char *s = line_in;
    while (*s && strchr(" \t\n\r\v\f", *s))
        s++;
    size_t len = strlen(s);
    while (len && strchr(" \t\n\r\v\f", s[len - 1]))
        len--;
    char *line = xstrndup(s, len);
    if (line[0] == '?') {
        char *h = xasprintf("help %s", line + 1);
        free(line);
        line = h;
    }
    bool stop = false;
    if (!line[0]) { /* emptyline: nothing */
        free(line);
        return false;
    }
    size_t i = 0;
    while (line[i] && identchar(line[i]))
        i++;
    char *cmd = xstrndup(line, i);
    const char *a = line + i;
    while (*a && strchr(" \t\n\r\v\f", *a))
        a++;
    char *arg = xstrdup(a);
    xmlrpc_free(c->complete_info); /* _complete_info = None */
    c->complete_info = NULL;
    bool known = line[0] != '!' && cmd[0] &&
                 (strcmp(cmd, "help") == 0 || strcmp(cmd, "EOF") == 0 || find_command(cmd));
    if (!known) {
        ctl_output(c, "*** Unknown syntax: %s", line);
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    int rc = dispatch(c, cmd, arg);
    if (rc > 0)
        stop = true;
    if (rc < 0 && c->exc_http == 401) {
        if (c->interactive) {
            ctl_output(c, "Server requires authentication");
            char *user;
            if (input_or_raise(c, "Username:", 212, &user) < 0) {
                print_exc(c);
                goto out;
            }
            char *pw = ctl_getpass("Password:");
            ctl_output(c, "%s", "");
            free(c->username);
            free(c->password);
            c->username = user;
            c->password = pw ? pw : xstrdup("");
            stop = ctl_onecmd(c, line);
            goto out;
        }
        ctl_output(c, "Server requires authentication");
        c->exitstatus = CTL_GENERIC;
        /* Supervisor's onecmd runs the command a second time here */
        rc = dispatch(c, cmd, arg);
    }
    if (rc < 0)
        print_exc(c);
out:
    fflush(stdout);
    free(cmd);
    free(arg);
    free(line);
    return stop;
}

/* ---- completion ---- */

static void push_match(char ***m, size_t *n, size_t *cap, char *s)
{
    *m = xgrow(*m, cap, *n + 2, sizeof **m);
    (*m)[(*n)++] = s;
    (*m)[*n] = NULL;
}

char **ctl_complete(struct ctl *c, const char *line, const char *text)
{
    char **m = NULL;
    size_t n = 0, cap = 0;
    struct words w = split(line);
    size_t tl = strlen(text);
    size_t ll = strlen(line);
    bool actions = w.n == 0 || (w.n == 1 && ll && !strchr(" \t", line[ll - 1]));
    const char *action = w.n ? w.w[0] : "";
    bool help_arg = !actions && strcmp(action, "help") == 0;
    if (actions || help_arg) {
        size_t nn;
        const char *const *names = ctl_command_names(&nn);
        /* vocab: help first, then the plugin's commands */
        if (strncmp("help", text, tl) == 0)
            push_match(&m, &n, &cap, xstrdup("help "));
        for (size_t i = 0; i < nn; i++)
            if (strncmp(names[i], text, tl) == 0)
                push_match(&m, &n, &cap, xasprintf("%s ", names[i]));
    } else {
        static const char *const grp_cmds[] = {"add", "remove", "update", NULL};
        static const char *const proc_cmds[] = {"clear", "fg", "pid", "restart", "signal",
                                                "start", "status", "stop", "tail", NULL};
        int kind = 0;
        for (int i = 0; grp_cmds[i]; i++)
            if (strcmp(action, grp_cmds[i]) == 0)
                kind = 1;
        for (int i = 0; proc_cmds[i]; i++)
            if (strcmp(action, proc_cmds[i]) == 0)
                kind = 2;
        if (kind && !c->complete_info) {
            struct xmlrpc_value *v;
            if (rpc(c, "supervisor.getAllProcessInfo", NULL, &v) == 0)
                c->complete_info = v;
        }
        const struct xmlrpc_value *infos = c->complete_info;
        struct words seen = {NULL, 0};
        size_t scap = 0;
        for (size_t i = 0; kind && i < alen(infos); i++) {
            const char *g = sget(infos->items[i], "group"), *p = sget(infos->items[i], "name");
            char *cands[2] = {NULL, NULL};
            if (kind == 1) {
                cands[0] = xstrdup(g);
            } else if (strchr(text, ':') || strcmp(g, p) != 0) {
                cands[0] = xasprintf("%s:%s", g, p);
                cands[1] = xasprintf("%s:*", g);
            } else {
                cands[0] = xstrdup(p);
            }
            for (int k = 0; k < 2; k++) {
                if (!cands[k])
                    continue;
                if (words_has(&seen, cands[k])) {
                    free(cands[k]);
                    continue;
                }
                seen.w = xgrow(seen.w, &scap, seen.n + 1, sizeof *seen.w);
                seen.w[seen.n++] = cands[k];
            }
        }
        for (size_t i = 0; i < seen.n; i++)
            if (strncmp(seen.w[i], text, tl) == 0)
                push_match(&m, &n, &cap, xasprintf("%s ", seen.w[i]));
        words_free(&seen);
    }
    words_free(&w);
    if (!m)
        m = xcalloc(1, sizeof *m);
    return m;
}

/* ---- input ---- */

char *ctl_input(const char *prompt)
{
    fputs(prompt, stdout);
    fflush(stdout);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
    return line;
}

char *ctl_getpass(const char *prompt)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fflush(stdout);
        fputs("Warning: Password input may be echoed.\n", stderr);
        fputs(prompt, stderr);
        fflush(stderr);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0) {
            free(line);
            return NULL;
        }
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        return line;
    }
    struct termios old, quiet;
    bool tty = tcgetattr(fd, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* nothing to do: the read below still works */
    }
    struct buf b;
    buf_init(&b);
    char ch;
    bool got = false;
    while (read(fd, &ch, 1) == 1) {
        got = true;
        if (ch == '\n')
            break;
        buf_putc(&b, ch);
    }
    if (tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    close(fd);
    if (!got) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b);
}
