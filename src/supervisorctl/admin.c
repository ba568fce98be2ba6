/* admin: the commands about the configuration and the daemon itself:
 * avail, reread, add, remove, update, open, version, shutdown, reload. */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xalloc.h"

/* The usage error of a command that takes no arguments. */
static void refuse_args(struct ctl *c, const char *name)
{
    ctl_output(c, "Error: %s accepts no arguments", name);
    c->exitstatus = CTL_GENERIC;
    commands_help(c, name);
}

/* Interactive: ask question (raw_input at supervisorctl.py:pyline). 1 go on,
 * 0 the user said no, -1 raised (EOF). Not interactive: 1. */
static int confirm(struct ctl *c, const char *question, int pyline)
{
    if (!c->interactive)
        return 1;
    char *yn;
    if (cmd_input_or_raise(c, question, pyline, &yn) < 0)
        return -1;
    bool really = yn[0] == 'y' || yn[0] == 'Y';
    free(yn);
    return really;
}

int admin_avail(struct ctl *c, const char *arg)
{
    struct cmd_words args = cmd_split(arg);
    bool json = cmd_take_json(&args);
    size_t n = args.n;
    cmd_words_free(&args);
    if (n > 0 || (!json && arg[0])) {
        refuse_args(c, "avail");
        return 0;
    }
    struct xmlrpc_value *v;
    int rc = cmd_rpc(c, "supervisor.getAllConfigInfo", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: supervisor shutting down");
            return 0;
        }
        return cmd_raise_fault(c);
    }
    if (json) {
        cmd_json_print((const struct xmlrpc_value *const *)v->items, cmd_alen(v));
    } else {
        struct buf b;
        buf_init(&b);
        for (size_t i = 0; i < cmd_alen(v); i++) {
            const struct xmlrpc_value *ci = v->items[i];
            char *ns = fmt_namespec(cmd_sget(ci, "group"), cmd_sget(ci, "name"));
            buf_reset(&b);
            fmt_avail(&b, ns, cmd_iget(ci, "inuse") != 0, cmd_iget(ci, "autostart") != 0,
                      cmd_iget(ci, "group_prio"), cmd_iget(ci, "process_prio"));
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
    if (cmd_alen(v) < 1 || cmd_alen(v->items[0]) < 3)
        return NULL;
    return v->items[0];
}

int admin_reread(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        refuse_args(c, "reread");
        return 0;
    }
    struct xmlrpc_value *v;
    int rc = cmd_rpc(c, "supervisor.reloadConfig", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE)
            ctl_output(c, "ERROR: supervisor shutting down");
        else if (c->fault_code == F_CANT_REREAD)
            ctl_output(c, "ERROR: %s", c->fault_string);
        else
            return cmd_raise_fault(c);
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
        for (size_t i = 0; i < cmd_alen(list); i++) {
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

int admin_add(struct ctl *c, const char *arg)
{
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        int rc = cmd_rpc(c, "supervisor.addProcessGroup", cmd_args1(names.w[i]), NULL);
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
                ret = cmd_raise_fault(c);
            }
        } else {
            ctl_output(c, "%s: added process group", names.w[i]);
        }
    }
    cmd_words_free(&names);
    return ret;
}

int admin_remove(struct ctl *c, const char *arg)
{
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    for (size_t i = 0; i < names.n && ret == 0; i++) {
        int rc = cmd_rpc(c, "supervisor.removeProcessGroup", cmd_args1(names.w[i]), NULL);
        if (rc < 0) {
            ret = -1;
        } else if (rc == 1) {
            c->exitstatus = CTL_GENERIC;
            if (c->fault_code == F_STILL_RUNNING)
                ctl_output(c, "ERROR: process/group still running: %s", names.w[i]);
            else if (c->fault_code == F_BAD_NAME)
                ctl_output(c, "ERROR: no such process/group: %s", names.w[i]);
            else
                ret = cmd_raise_fault(c);
        } else {
            ctl_output(c, "%s: removed process group", names.w[i]);
        }
    }
    cmd_words_free(&names);
    return ret;
}

static bool list_has(const struct xmlrpc_value *list, const char *s)
{
    for (size_t i = 0; i < cmd_alen(list); i++)
        if (list->items[i]->type == XMLRPC_STRING && strcmp(list->items[i]->s, s) == 0)
            return true;
    return false;
}

int admin_update(struct ctl *c, const char *arg)
{
    struct xmlrpc_value *v;
    int rc = cmd_rpc(c, "supervisor.reloadConfig", NULL, &v);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: already shutting down");
            return 0;
        }
        return cmd_raise_fault(c);
    }
    const struct xmlrpc_value *ch = changes_of(v);
    const struct xmlrpc_value *added = ch ? ch->items[0] : NULL,
                              *changed = ch ? ch->items[1] : NULL,
                              *removed = ch ? ch->items[2] : NULL;
    struct cmd_words raw = cmd_split(arg), valid = {NULL, 0};
    size_t cap = 0;
    /* set(arg.cmd_split()): Python iterates it in hash order; we keep the
     * order of the arguments */
    for (size_t i = 0; i < raw.n; i++) {
        if (cmd_words_has(&valid, raw.w[i]))
            continue;
        valid.w = xgrow(valid.w, &cap, valid.n + 1, sizeof *valid.w);
        valid.w[valid.n++] = xstrdup(raw.w[i]);
    }
    cmd_words_free(&raw);
    if (cmd_words_has(&valid, "all"))
        cmd_words_free(&valid);
    int ret = 0;
    if (valid.n) {
        struct xmlrpc_value *infos;
        ret = cmd_rpc_or_raise(c, "supervisor.getAllProcessInfo", NULL, &infos);
        if (ret < 0)
            goto out;
        for (size_t i = 0; i < valid.n; i++) {
            bool found = list_has(added, valid.w[i]);
            for (size_t k = 0; !found && k < cmd_alen(infos); k++)
                found = strcmp(cmd_sget(infos->items[k], "group"), valid.w[i]) == 0;
            if (!found) {
                ctl_output(c, "ERROR: no such group: %s", valid.w[i]);
                c->exitstatus = CTL_GENERIC;
            }
        }
        xmlrpc_free(infos);
    }
    for (size_t i = 0; i < cmd_alen(removed); i++) {
        const char *g = removed->items[i]->s;
        if (valid.n && !cmd_words_has(&valid, g))
            continue;
        struct xmlrpc_value *res;
        if ((ret = cmd_rpc_or_raise(c, "supervisor.stopProcessGroup", cmd_args1(g), &res)) < 0)
            goto out;
        ctl_output(c, "%s: stopped", g);
        bool fails = false;
        for (size_t k = 0; k < cmd_alen(res); k++)
            if (cmd_iget(res->items[k], "status") == F_FAILED)
                fails = true;
        xmlrpc_free(res);
        if (fails) {
            ctl_output(c, "%s: has problems; not removing", g);
            c->exitstatus = CTL_GENERIC;
            continue;
        }
        if ((ret = cmd_rpc_or_raise(c, "supervisor.removeProcessGroup", cmd_args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: removed process group", g);
    }
    for (size_t i = 0; i < cmd_alen(changed); i++) {
        const char *g = changed->items[i]->s;
        if (valid.n && !cmd_words_has(&valid, g))
            continue;
        struct xmlrpc_value *res;
        if ((ret = cmd_rpc_or_raise(c, "supervisor.stopProcessGroup", cmd_args1(g), &res)) < 0)
            goto out;
        xmlrpc_free(res);
        ctl_output(c, "%s: stopped", g);
        if ((ret = cmd_rpc_or_raise(c, "supervisor.removeProcessGroup", cmd_args1(g), NULL)) < 0)
            goto out;
        if ((ret = cmd_rpc_or_raise(c, "supervisor.addProcessGroup", cmd_args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: updated process group", g);
    }
    for (size_t i = 0; i < cmd_alen(added); i++) {
        const char *g = added->items[i]->s;
        if (valid.n && !cmd_words_has(&valid, g))
            continue;
        if ((ret = cmd_rpc_or_raise(c, "supervisor.addProcessGroup", cmd_args1(g), NULL)) < 0)
            goto out;
        ctl_output(c, "%s: added process group", g);
    }
out:
    cmd_words_free(&valid);
    xmlrpc_free(v);
    return ret;
}

int admin_open(struct ctl *c, const char *arg)
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
    int rc = commands_run(c, "status", "");
    if (rc < 0)
        return rc;
    c->exitstatus = old;
    return 0;
}

int admin_version(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        refuse_args(c, "version");
        return 0;
    }
    CMD_UPCHECK(c);
    struct xmlrpc_value *v;
    int rc = cmd_rpc_or_raise(c, "supervisor.getSupervisorVersion", NULL, &v);
    if (rc < 0)
        return rc;
    ctl_output(c, "%s", v->type == XMLRPC_STRING ? v->s : "");
    xmlrpc_free(v);
    return 0;
}

int admin_shutdown(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        refuse_args(c, "shutdown");
        return 0;
    }
    int go = confirm(c, "Really shut the remote supervisord process down y/N? ", 987);
    if (go <= 0)
        return go;
    int rc = cmd_rpc(c, "supervisor.shutdown", NULL, NULL);
    if (rc == 0) {
        ctl_output(c, "Shut down");
    } else if (rc == 1) {
        if (c->fault_code == F_SHUTDOWN_STATE) {
            ctl_output(c, "ERROR: already shutting down");
        } else {
            c->exitstatus = CTL_GENERIC;
            return cmd_raise_fault(c);
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

int admin_reload(struct ctl *c, const char *arg)
{
    if (arg[0]) {
        refuse_args(c, "reload");
        return 0;
    }
    int go = confirm(c, "Really restart the remote supervisord process y/N? ", 1027);
    if (go <= 0)
        return go;
    int rc = cmd_rpc(c, "supervisor.restart", NULL, NULL);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_SHUTDOWN_STATE)
            ctl_output(c, "ERROR: already shutting down");
        else
            return cmd_raise_fault(c);
        return 0;
    }
    ctl_output(c, "Restarted supervisord");
    return 0;
}

/* fg: the process's stdout and stderr streams to our stdout, our stdin
 * lines to its stdin, until ^C, EOF or its death. */
