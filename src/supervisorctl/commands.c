/* commands: supervisorctl 4.2.5's command table, handler by handler as in
 * supervisorctl.py (DefaultControllerPlugin), with its output, its exit
 * statuses and the Python exceptions it lets through. Here: the table,
 * help, onecmd, completion, and the process commands (status, pid, start,
 * stop, restart, signal, clear); follow.c has tail/maintail/fg, admin.c the
 * configuration and daemon commands, cmd.c what they share. A handler
 * returns 0, 1 to stop the shell, or -1 when it "raises": c->exc holds the
 * text that Controller.onecmd prints as "error: ...". */
#include "commands.h"

#include "cmd.h"

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
    for (size_t i = 0; i < cmd_alen(results); i++) {
        const struct xmlrpc_value *r = results->items[i];
        const char *g = cmd_sget(r, "group"), *n = cmd_sget(r, "name");
        int code = (int)cmd_iget(r, "status");
        char *line = NULL;
        int pyline = 0;
        switch (k) {
        case RES_START:
            line = start_result(g, n, code);
            pyline = 761;
            break;
        case RES_STOP:
            line = signal_result(g, n, code, cmd_sget(r, "description"), "stopped");
            pyline = 835;
            break;
        case RES_SIGNAL:
            line = signal_result(g, n, code, cmd_sget(r, "description"), "signalled");
            pyline = 835;
            break;
        case RES_CLEAR:
            line = clear_result(g, n, code);
            pyline = 1260;
            break;
        }
        if (!line) {
            char *ns = fmt_namespec(g, n);
            cmd_raise_value_error(c, code, ns, pyline);
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
        names[i] = fmt_namespec(cmd_sget(infos[i], "group"), cmd_sget(infos[i], "name"));
        rows[i].namespec = names[i];
        rows[i].statename = cmd_sget(infos[i], "statename");
        rows[i].description = cmd_sget(infos[i], "description");
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
    int up = cmd_upcheck(c);
    if (up == 0)
        c->exitstatus = CTL_STATUS_UNKNOWN;
    if (up <= 0)
        return up;
    struct xmlrpc_value *all;
    int rc = cmd_rpc(c, "supervisor.getAllProcessInfo", NULL, &all);
    if (rc == 1)
        return cmd_raise_fault(c);
    if (rc < 0)
        return -1;
    struct cmd_words names = cmd_split(arg);
    bool json = cmd_take_json(&names);
    size_t n = cmd_alen(all), cap = 0, count = 0;
    const struct xmlrpc_value **match = NULL;
    if (names.n == 0 || cmd_words_has(&names, "all")) {
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
                bool m = strcmp(cmd_sget(info, "group"), group) == 0;
                if (proc)
                    m = m && strcmp(cmd_sget(info, "name"), proc) == 0;
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
        cmd_json_print(match, count);
    else
        show_statuses(match, count);
    for (size_t i = 0; i < count; i++) {
        long long st = cmd_iget(match[i], "state");
        if (st == 0 || st == 100 || st == 200 || st == 1000)
            c->exitstatus = CTL_STATUS_NOT_RUNNING;
    }
    free(match);
    cmd_words_free(&names);
    xmlrpc_free(all);
    return 0;
}

static int do_pid(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    struct xmlrpc_value *v = NULL;
    if (names.n == 0) {
        int rc = cmd_rpc(c, "supervisor.getPID", NULL, &v);
        if (rc != 0) {
            ret = rc == 1 ? cmd_raise_fault(c) : -1;
            goto out;
        }
        ctl_output(c, "%lld", v->i);
    } else if (cmd_words_has(&names, "all")) {
        int rc = cmd_rpc(c, "supervisor.getAllProcessInfo", NULL, &v);
        if (rc != 0) {
            ret = rc == 1 ? cmd_raise_fault(c) : -1;
            goto out;
        }
        for (size_t i = 0; i < cmd_alen(v); i++)
            ctl_output(c, "%lld", cmd_iget(v->items[i], "pid"));
    } else {
        for (size_t w = 0; w < names.n; w++) {
            struct xmlrpc_value *info;
            int rc = cmd_rpc(c, "supervisor.getProcessInfo", cmd_args1(names.w[w]), &info);
            if (rc < 0) {
                ret = -1;
                goto out;
            }
            if (rc == 1) {
                c->exitstatus = CTL_GENERIC;
                if (c->fault_code != F_BAD_NAME) {
                    ret = cmd_raise_fault(c);
                    goto out;
                }
                ctl_output(c, "No such process %s", names.w[w]);
                continue;
            }
            long long pid = cmd_iget(info, "pid");
            ctl_output(c, "%lld", pid);
            if (pid == 0)
                c->exitstatus = CTL_NOT_RUNNING;
            xmlrpc_free(info);
        }
    }
out:
    xmlrpc_free(v);
    cmd_words_free(&names);
    return ret;
}

/* start/stop/signal of names: sig is NULL for start/stop. */
enum act { ACT_START, ACT_STOP, ACT_SIGNAL };

static int act_names(struct ctl *c, enum act act, const char *sig, const struct cmd_words *names,
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
    int ignored = act == ACT_START  ? F_ALREADY_STARTED
                  : act == ACT_STOP ? F_NOT_RUNNING
                                    : NO_IGNORE;
    struct cmd_words rest = {names->w + from, names->n - from};
    if (cmd_words_has(&rest, "all")) {
        struct xmlrpc_value *res;
        struct xmlrpc_value *params = NULL;
        if (sig)
            params = cmd_args1(sig);
        int rc = cmd_rpc(c, all_m[act], params, &res);
        if (rc != 0)
            return rc == 1 ? cmd_raise_fault(c) : -1;
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
            int rc = cmd_rpc(c, group_m[act], sig ? cmd_args2(group, sig) : cmd_args1(group), &res);
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
                    ret = cmd_raise_fault(c);
                }
            } else {
                ret = print_results(c, res, kind, ignored);
                xmlrpc_free(res);
            }
        } else {
            int rc = cmd_rpc(c, one_m[act], sig ? cmd_args2(name, sig) : cmd_args1(name), NULL);
            if (rc < 0) {
                ret = -1;
            } else if (rc == 1) {
                char *line = act == ACT_START
                                 ? start_result(group, proc, c->fault_code)
                                 : signal_result(group, proc, c->fault_code, c->fault_string,
                                                 act == ACT_STOP ? "stopped" : "signalled");
                if (!line) {
                    char *ns = fmt_namespec(group, proc);
                    ret = cmd_raise_value_error(c, c->fault_code, ns, act == ACT_START ? 761 : 835);
                    free(ns);
                } else {
                    ctl_output(c, "%s", line);
                    free(line);
                    c->exitstatus = fmt_exit_from_fault(c->exitstatus, c->fault_code, ignored);
                }
            } else {
                char *ns = fmt_namespec(group, proc);
                ctl_output(c, "%s: %s", ns,
                           act == ACT_START  ? "started"
                           : act == ACT_STOP ? "stopped"
                                             : "signalled");
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
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: start requires a process name");
        c->exitstatus = CTL_INVALID_ARGS;
        help_start(c);
    } else {
        ret = act_names(c, ACT_START, NULL, &names, 0);
    }
    cmd_words_free(&names);
    return ret;
}

static int do_stop(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: stop requires a process name");
        c->exitstatus = CTL_GENERIC;
        help_stop(c);
    } else {
        ret = act_names(c, ACT_STOP, NULL, &names, 0);
    }
    cmd_words_free(&names);
    return ret;
}

static int do_signal(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words args = cmd_split(arg);
    int ret = 0;
    if (args.n < 2) {
        ctl_output(c, "Error: signal requires a signal name and a process name");
        help_signal(c);
        c->exitstatus = CTL_GENERIC;
    } else {
        ret = act_names(c, ACT_SIGNAL, args.w[0], &args, 1);
    }
    cmd_words_free(&args);
    return ret;
}

static int do_restart(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    size_t n = names.n;
    cmd_words_free(&names);
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

static int do_quit(struct ctl *c, const char *arg)
{
    (void)arg;
    ctl_output(c, "%s", "");
    return 1;
}

static int do_clear(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "Error: clear requires a process name");
        c->exitstatus = CTL_GENERIC;
        help_clear(c);
        goto out;
    }
    if (cmd_words_has(&names, "all")) {
        struct xmlrpc_value *res;
        ret = cmd_rpc_or_raise(c, "supervisor.clearAllProcessLogs", NULL, &res);
        if (ret == 0) {
            ret = print_results(c, res, RES_CLEAR, NO_IGNORE);
            xmlrpc_free(res);
        }
        goto out;
    }
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        char *group, *proc;
        fmt_split_namespec(names.w[i], &group, &proc);
        int rc = cmd_rpc(c, "supervisor.clearProcessLogs", cmd_args1(names.w[i]), NULL);
        if (rc < 0) {
            ret = -1;
        } else if (rc == 1) {
            char *line = clear_result(group, proc, c->fault_code);
            if (!line) {
                char *ns = fmt_namespec(group, proc);
                ret = cmd_raise_value_error(c, c->fault_code, ns, 1260);
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
    cmd_words_free(&names);
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
    {"add", admin_add, help_add},
    {"avail", admin_avail, help_avail},
    {"clear", do_clear, help_clear},
    {"exit", do_quit, help_exit},
    {"fg", follow_fg, help_fg},
    {"maintail", follow_maintail, help_maintail},
    {"open", admin_open, help_open},
    {"pid", do_pid, help_pid},
    {"quit", do_quit, help_quit},
    {"reload", admin_reload, help_reload},
    {"remove", admin_remove, help_remove},
    {"reread", admin_reread, help_reread},
    {"restart", do_restart, help_restart},
    {"shutdown", admin_shutdown, help_shutdown},
    {"signal", do_signal, help_signal},
    {"start", do_start, help_start},
    {"status", do_status, help_status},
    {"stop", do_stop, help_stop},
    {"tail", follow_tail, help_tail},
    {"update", admin_update, help_update},
    {"version", admin_version, help_version},
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

void commands_help(struct ctl *c, const char *name)
{
    const struct command *cmd = find_command(name);
    if (cmd)
        cmd->help(c);
}

int commands_run(struct ctl *c, const char *name, const char *arg)
{
    return find_command(name)->run(c, arg);
}

static int do_help(struct ctl *c, const char *arg)
{
    struct cmd_words w = cmd_split(arg);
    bool is_help = w.n == 1 && strcmp(w.w[0], "help") == 0;
    cmd_words_free(&w);
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
            if (cmd_input_or_raise(c, "Username:", 212, &user) < 0) {
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
    struct cmd_words w = cmd_split(line);
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
        static const char *const proc_cmds[] = {"clear", "fg",     "pid",  "restart", "signal",
                                                "start", "status", "stop", "tail",    NULL};
        int kind = 0;
        for (int i = 0; grp_cmds[i]; i++)
            if (strcmp(action, grp_cmds[i]) == 0)
                kind = 1;
        for (int i = 0; proc_cmds[i]; i++)
            if (strcmp(action, proc_cmds[i]) == 0)
                kind = 2;
        if (kind && !c->complete_info) {
            struct xmlrpc_value *v;
            if (cmd_rpc(c, "supervisor.getAllProcessInfo", NULL, &v) == 0)
                c->complete_info = v;
        }
        const struct xmlrpc_value *infos = c->complete_info;
        struct cmd_words seen = {NULL, 0};
        size_t scap = 0;
        for (size_t i = 0; kind && i < cmd_alen(infos); i++) {
            const char *g = cmd_sget(infos->items[i], "group"),
                       *p = cmd_sget(infos->items[i], "name");
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
                if (cmd_words_has(&seen, cands[k])) {
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
        cmd_words_free(&seen);
    }
    cmd_words_free(&w);
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
