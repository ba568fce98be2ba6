/* config: INI files -> struct config, the way Supervisor 4.2.5's
 * ServerOptions.read_config / realize do it (same order of checks, same
 * messages, same expansion names). The option table and typed value access
 * are options.c's; INI syntax is ini.c's; converters are datatypes.c's. */
#include "config.h"

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "expand.h"
#include "ini.h"
#include "options.h"
#include "xalloc.h"

#define DEFAULT_HANDLER "supervisor.dispatchers:default_handler"

/* supervisor.events.EventTypes (attribute names a listener may subscribe to). */
static const char *const event_types[] = {
    "EVENT", "PROCESS_STATE", "PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPING", "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL", "PROCESS_STATE_RUNNING", "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION", "PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG", "PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR", "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE", "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING", "TICK", "TICK_5", "TICK_60", "TICK_3600",
    "PROCESS_GROUP", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
};

/* ---- lifetimes ---- */

void config_cli_init(struct config_cli *cli)
{
    *cli = (struct config_cli){0};
    cli->logfile_maxbytes = -1;
    cli->logfile_backups = -1;
    cli->loglevel = -1;
    cli->umask = -1;
    cli->minfds = -1;
    cli->minprocs = -1;
}

struct process_config *config_process_ref(struct process_config *pc)
{
    pc->refs++;
    return pc;
}

void config_process_unref(struct process_config *pc)
{
    if (!pc || --pc->refs > 0)
        return;
    free(pc->name);
    free(pc->program_name);
    free(pc->group_name);
    free(pc->section);
    free(pc->file);
    free(pc->command);
    free(pc->directory);
    free(pc->user);
    kvlist_release(&pc->environment);
    free(pc->serverurl);
    free(pc->out.path);
    free(pc->err.path);
    free(pc);
}

static void group_free(struct group_config *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nprocs; i++)
        config_process_unref(g->procs[i]);
    free(g->procs);
    for (size_t i = 0; i < g->nevents; i++)
        free(g->events[i]);
    free(g->events);
    free(g->result_handler);
    free(g->socket);
    free(g->name);
    free(g);
}

static void plugins_free(struct plugin_config *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].factory);
        kvlist_release(&p[i].extras);
    }
    free(p);
}

void config_release(struct config *cfg)
{
    free(cfg->path);
    free(cfg->here);
    free(cfg->logfile);
    free(cfg->pidfile);
    free(cfg->childlogdir);
    free(cfg->user);
    free(cfg->directory);
    free(cfg->identifier);
    kvlist_release(&cfg->environment);
    free(cfg->serverurl);
    for (size_t i = 0; i < cfg->nservers; i++) {
        struct server_config *s = &cfg->servers[i];
        free(s->section);
        free(s->file);
        free(s->host);
        free(s->username);
        free(s->password);
    }
    free(cfg->servers);
    for (size_t i = 0; i < cfg->ngroups; i++)
        group_free(cfg->groups[i]);
    free(cfg->groups);
    plugins_free(cfg->rpcinterfaces, cfg->nrpcinterfaces);
    plugins_free(cfg->ctlplugins, cfg->nctlplugins);
    free(cfg->ctl_serverurl);
    free(cfg->ctl_username);
    free(cfg->ctl_password);
    free(cfg->ctl_prompt);
    free(cfg->ctl_history_file);
    struct msglist ml = {cfg->msgs, cfg->nmsgs, cfg->nmsgs};
    msglist_release(&ml);
    memset(cfg, 0, sizeof *cfg);
}

struct group_config *config_group(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ngroups; i++)
        if (strcmp(cfg->groups[i]->name, name) == 0)
            return cfg->groups[i];
    return NULL;
}

/* ---- small helpers ---- */

/* tempfile.gettempdir(): $TMPDIR, $TEMP, $TMP, then the usual places. */
static char *python_tempdir(char *const *envp)
{
    const char *cands[] = {opt_env_get(envp, "TMPDIR"), opt_env_get(envp, "TEMP"), opt_env_get(envp, "TMP"),
                           "/tmp", "/var/tmp", "/usr/tmp"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        if (cands[i] && *cands[i] && opt_is_dir(cands[i]) && access(cands[i], W_OK | X_OK) == 0)
            return py_abspath(cands[i]);
    return py_abspath(".");
}

/* datatypes.list_of_strings: split on ',' and strip each; "" -> none. */
static size_t list_of_strings(const char *s, char ***out)
{
    *out = NULL;
    if (!s || !*s)
        return 0;
    size_t n = 0, cap = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *item = xstrndup(p, len);
        *out = xgrow(*out, &cap, n + 1, sizeof **out);
        (*out)[n++] = opt_strip(item);
        free(item);
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

static void strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- [include] ---- */

static void section_set(struct ini_section *s, const struct ini_entry *from, char *value)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->entries[i].key, from->key) == 0) {
            free(s->entries[i].value);
            s->entries[i].value = value;
            return;
        }
    }
    s->entries = xgrow(s->entries, &s->cap, s->n + 1, sizeof *s->entries);
    s->entries[s->n++] = (struct ini_entry){xstrdup(from->key), value, from->file, from->line,
                                            NULL, 0};
}

static char *replace_all(const char *s, const char *what, const char *with)
{
    struct buf b;
    buf_init(&b);
    size_t wl = strlen(what);
    for (const char *p = s, *q; (q = strstr(p, what)); p = q + wl) {
        buf_append(&b, p, (size_t)(q - p));
        buf_puts(&b, with);
        s = q + wl;
    }
    buf_puts(&b, s);
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

/* UnhosedConfigParser.expand_here: literal "%(here)s" -> here in every value
 * of every section; [DEFAULT] values so replaced are copied into the section
 * (RawConfigParser.items() includes defaults, set() stores in the section). */
static void expand_here(struct opt_ctx *c, const char *here)
{
    static const char HERE[] = "%(here)s";
    for (size_t i = 0; i < c->ini.n; i++) {
        struct ini_section *s = c->ini.sections[i];
        for (size_t j = 0; j < s->n; j++)
            if (strstr(s->entries[j].value, HERE))
                section_set(s, &s->entries[j], replace_all(s->entries[j].value, HERE, here));
        const struct ini_section *d = c->ini.defaults;
        for (size_t j = 0; d && j < d->n; j++) {
            bool own = false;
            for (size_t k = 0; k < s->n && !own; k++)
                own = strcmp(s->entries[k].key, d->entries[j].key) == 0;
            if (!own && strstr(d->entries[j].value, HERE))
                section_set(s, &d->entries[j], replace_all(d->entries[j].value, HERE, here));
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_includes(struct opt_ctx *c)
{
    struct ini_section *inc = ini_section(&c->ini, "include");
    if (!inc)
        return 0;
    expand_here(c, c->cfg->here);
    const struct ini_entry *fe = opt_entry(c, inc, "files");
    if (!fe)
        return opt_fatal(c, inc->file, inc->line,
                         ".ini file has [include] section, but no files setting");
    struct expand_vars vs;
    opt_scope(c, &vs, c->cfg->here, c->nodename);
    struct err e;
    err_clear(&e);
    char *files = expand(fe->value, &vs, "include.files", &e);
    expand_vars_release(&vs);
    if (!files)
        return opt_error(c, inc, "files", "%s", e.msg);
    char *abs = py_abspath(c->path);
    char *base = py_dirname(abs);
    free(abs);
    int rc = 0;
    char *save = NULL;
    for (char *pat = strtok_r(files, " \t\n\r\f\v", &save); pat && rc == 0;
         pat = strtok_r(NULL, " \t\n\r\f\v", &save)) {
        char *pattern = py_join(base, pat);
        glob_t g;
        /* Python's glob has no escapes and sorts by code point. */
        int gr = glob(pattern, GLOB_NOESCAPE | GLOB_NOSORT, NULL, &g);
        if (gr != 0 || g.gl_pathc == 0) {
            opt_warn(c, inc, "files", true, "No file matches via include \"%s\"", pattern);
        } else {
            qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, cmp_str);
            for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
                const char *f = g.gl_pathv[i];
                opt_info(c, "Included extra file \"%s\" during parsing", f);
                /* RawConfigParser.read skips files it cannot open, silently. */
                if (opt_is_dir(f) || access(f, R_OK) != 0) {
                    opt_warn(c, inc, "files", false,
                             "included file '%s' cannot be read; supervisord skips it silently",
                             f);
                    continue;
                }
                struct err ie;
                err_clear(&ie);
                if (ini_read_file(&c->ini, f, &ie) < 0) {
                    rc = opt_fatal(c, f, 0, ie.msg);
                    break;
                }
                char *fa = py_abspath(f);
                char *fd = py_dirname(fa);
                expand_here(c, fd);
                free(fd);
                free(fa);
            }
        }
        if (gr == 0)
            globfree(&g);
        free(pattern);
    }
    free(base);
    free(files);
    return rc;
}

/* The lead's wording for duplicate keys (Supervisor keeps the last silently). */
static void warn_duplicates(struct opt_ctx *c)
{
    for (size_t i = 0; i <= c->ini.n; i++) {
        const struct ini_section *s = i < c->ini.n ? c->ini.sections[i] : c->ini.defaults;
        for (size_t j = 0; s && j < s->n; j++) {
            const struct ini_entry *en = &s->entries[j];
            if (!en->prev_file)
                continue;
            opt_warn_at(c, en->file, en->line, s->name, en->key, true,
                        "duplicate key '%s' in section [%s] at %s:%d; the value at %s:%d is "
                        "ignored",
                        en->key, s->name, en->file, en->line, en->prev_file, en->prev_line);
        }
    }
}

/* ---- [supervisord] ---- */

/* A string option converted by one of the path/dir converters. */
typedef int (*path_conv)(const char *, char **, struct err *);

static int get_path(struct opt_ctx *c, const struct ini_section *s, const char *key,
                    const char *def, const struct expand_vars *vs, path_conv conv, char **out)
{
    char *v;
    *out = NULL;
    int r = opt_str(c, s, key, def, vs, &v);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (def && conv(def, out, NULL) < 0)
            *out = xstrdup(def);
        return 0;
    }
    struct err e;
    err_clear(&e);
    if (conv(v, out, &e) < 0) {
        *out = def ? xstrdup(def) : NULL;
        r = opt_error(c, s, key, "%s", e.msg);
    } else {
        r = 0;
    }
    free(v);
    return r;
}

static void env_warnings(struct opt_ctx *c, const struct ini_section *s,
                         const struct kvlist *w)
{
    for (size_t i = 0; i < w->n; i++)
        opt_warn(c, s, "environment", true, "[%s] environment: %s", s->name, w->v[i].value);
}

static int read_supervisord(struct opt_ctx *c, struct ini_section *sd)
{
    struct config *cfg = c->cfg;
    struct expand_vars vs;
    opt_scope(c, &vs, cfg->here, NULL);
    struct err e;
    char *v = NULL;
    int r = -1;
    long long n;

    /* Supervisor's order of reads, so the first error is the same one. */
    if (opt_int(c, sd, "minfds", 1024, &vs, &cfg->minfds) < 0 ||
        opt_int(c, sd, "minprocs", 200, &vs, &cfg->minprocs) < 0 ||
        get_path(c, sd, "directory", NULL, &vs, dt_existing_directory, &cfg->directory) < 0)
        goto out;
    if (opt_str(c, sd, "user", NULL, &vs, &cfg->user) < 0)
        goto out;
    cfg->umask = 022;
    if (opt_str(c, sd, "umask", "022", &vs, &v) < 0)
        goto out;
    err_clear(&e);
    if (v && dt_octal(v, &n, &e) == 0)
        cfg->umask = (int)n;
    else if (v && opt_error(c, sd, "umask", "%s", e.msg) < 0)
        goto out;
    free(v);
    v = NULL;
    if (get_path(c, sd, "logfile", "supervisord.log", &vs, dt_existing_dirpath, &cfg->logfile) <
            0 ||
        opt_bytes(c, sd, "logfile_maxbytes", 50 * 1024 * 1024, &vs, &cfg->logfile_maxbytes) < 0 ||
        opt_int(c, sd, "logfile_backups", 10, &vs, &cfg->logfile_backups) < 0)
        goto out;
    cfg->loglevel = LOGLEVEL_INFO;
    if (opt_str(c, sd, "loglevel", "info", &vs, &v) < 0)
        goto out;
    err_clear(&e);
    if (v && dt_loglevel(v, &cfg->loglevel, &e) < 0) {
        cfg->loglevel = LOGLEVEL_INFO;
        if (opt_error(c, sd, "loglevel", "%s", e.msg) < 0)
            goto out;
    }
    free(v);
    v = NULL;
    if (get_path(c, sd, "pidfile", "supervisord.pid", &vs, dt_existing_dirpath, &cfg->pidfile) <
            0 ||
        opt_str(c, sd, "identifier", "supervisor", &vs, &cfg->identifier) < 0 ||
        opt_bool(c, sd, "nodaemon", false, &vs, &cfg->nodaemon) < 0 ||
        opt_bool(c, sd, "silent", false, &vs, &cfg->silent) < 0)
        goto out;
    if (!cfg->identifier)
        cfg->identifier = xstrdup("supervisor");
    char *tmp = python_tempdir(c->envp);
    int gr = get_path(c, sd, "childlogdir", tmp, &vs, dt_existing_directory, &cfg->childlogdir);
    free(tmp);
    if (gr < 0 || opt_bool(c, sd, "nocleanup", false, &vs, &cfg->nocleanup) < 0 ||
        opt_bool(c, sd, "strip_ansi", false, &vs, &cfg->strip_ansi) < 0)
        goto out;

    /* environment: expanded twice (saneget, then with host_node_name). */
    kvlist_init(&cfg->environment);
    int sr = opt_str(c, sd, "environment", "", &vs, &v);
    if (sr < 0)
        goto out;
    if (sr > 0) {
        struct expand_vars v2;
        opt_scope(c, &v2, cfg->here, c->nodename);
        err_clear(&e);
        char *x = expand(v, &v2, "environment", &e);
        expand_vars_release(&v2);
        if (!x) {
            if (opt_error(c, sd, "environment", "%s", e.msg) < 0)
                goto out;
        } else {
            struct kvlist w;
            kvlist_init(&w);
            err_clear(&e);
            if (dt_env_pairs(x, &cfg->environment, &w, &e) < 0) {
                kvlist_release(&cfg->environment);
                kvlist_init(&cfg->environment);
                if (opt_error(c, sd, "environment", "%s", e.msg) < 0) {
                    kvlist_release(&w);
                    free(x);
                    goto out;
                }
            }
            env_warnings(c, sd, &w);
            kvlist_release(&w);
            free(x);
        }
    }
    /* Later sections see these as ENV_* names. */
    for (size_t i = 0; i < cfg->environment.n; i++) {
        char *name = xasprintf("ENV_%s", cfg->environment.v[i].key);
        expand_vars_set_str(&c->envx, name, cfg->environment.v[i].value);
        free(name);
    }
    r = 0;
out:
    free(v);
    expand_vars_release(&vs);
    return c->stop ? -1 : r;
}

/* ---- [program:x] and friends ---- */

struct plist {
    struct process_config **v; /* each holds one reference */
    size_t n, cap;
};

static void plist_add(struct plist *l, struct process_config *pc)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = pc;
}

static void plist_release(struct plist *l)
{
    for (size_t i = 0; i < l->n; i++)
        config_process_unref(l->v[i]);
    free(l->v);
    *l = (struct plist){0};
}

/* Config.__lt__: (priority, name); insertion sort keeps it stable. */
static bool proc_less(const struct process_config *a, const struct process_config *b)
{
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return strcmp(a->name, b->name) < 0;
}

static void sort_procs(struct process_config **v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct process_config *x = v[i];
        size_t j = i;
        for (; j > 0 && proc_less(x, v[j - 1]); j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* An option converted by a datatypes function taking (s, out, e). */
#define CONVERT(key, defstr, fn, outp)                                                         \
    do {                                                                                       \
        char *v_ = NULL;                                                                       \
        int r_ = opt_str(c, s, key, defstr, vs, &v_);                                          \
        if (r_ < 0)                                                                            \
            goto fail;                                                                         \
        if (r_ > 0) {                                                                          \
            struct err e_;                                                                     \
            __typeof__(*(outp)) t_;                                                            \
            err_clear(&e_);                                                                    \
            if (fn(v_, &t_, &e_) == 0) {                                                       \
                *(outp) = t_;                                                                  \
            } else if (opt_error(c, s, key, "%s", e_.msg) < 0) {                               \
                free(v_);                                                                      \
                goto fail;                                                                     \
            }                                                                                  \
        }                                                                                      \
        free(v_);                                                                              \
    } while (0)

/* One output channel of one process: *_logfile (expanded twice), *_backups,
 * *_maxbytes, *_syslog, with Supervisor's parse warnings. */
static int read_logspec(struct opt_ctx *c, const struct ini_section *s, const char *chan,
                        const struct expand_vars *vs, struct logspec *ls, bool *named)
{
    char key[64];
    char *v = NULL;
    *named = false;
    ls->kind = LOGFILE_AUTO;
    char lfkey[32];
    snprintf(lfkey, sizeof lfkey, "%s_logfile", chan);
    snprintf(key, sizeof key, "%s_logfile", chan);
    int r = opt_str(c, s, key, NULL, vs, &v);
    if (r < 0)
        return -1;
    if (r > 0) {
        struct err e;
        err_clear(&e);
        char *x = expand(v, vs, key, &e);
        free(v);
        if (!x) {
            if (opt_error(c, s, key, "%s", e.msg) < 0)
                return -1;
        } else {
            enum logfile_kind kind;
            char *path = NULL;
            err_clear(&e);
            if (dt_logfile_name(x, &kind, &path, &e) < 0) {
                if (opt_error(c, s, key, "%s", e.msg) < 0) {
                    free(x);
                    return -1;
                }
            } else {
                ls->kind = kind;
                ls->path = path;
                /* '' is a "filename" for the redirect_stderr warning. */
                *named = kind == LOGFILE_PATH || x[0] == '\0';
            }
            free(x);
        }
    }
    snprintf(key, sizeof key, "%s_logfile_backups", chan);
    if (opt_int(c, s, key, 10, vs, &ls->backups) < 0)
        return -1;
    snprintf(key, sizeof key, "%s_logfile_maxbytes", chan);
    if (opt_bytes(c, s, key, 50 * 1024 * 1024, vs, &ls->maxbytes) < 0)
        return -1;
    snprintf(key, sizeof key, "%s_syslog", chan);
    if (opt_bool(c, s, key, false, vs, &ls->syslog) < 0)
        return -1;
    if (ls->kind == LOGFILE_SYSLOG) {
        opt_warn(c, s, lfkey, true,
                 "For [%s], %s_logfile=syslog but this is deprecated and will be removed.  Use "
                 "%s_syslog=true to enable syslog instead.",
                 s->name, chan, chan);
        ls->kind = LOGFILE_NONE;
        ls->syslog = true;
    }
    if (ls->kind == LOGFILE_AUTO && ls->maxbytes == 0)
        opt_warn(c, s, lfkey, true,
                 "For [%s], AUTO logging used for %s_logfile without rollover, set maxbytes > 0 "
                 "to avoid filling up filesystem unintentionally",
                 s->name, chan);
    return 0;
}

/* ServerOptions._processes_from_section: every error takes the suffix. */
static int processes_inner(struct opt_ctx *c, const struct ini_section *s,
                           const char *group_name, struct plist *out)
{
    struct err e;
    const char *raw_name = strchr(s->name, ':') + 1;
    char *program_name = NULL, *env_raw = NULL, *serverurl = NULL, *user = NULL,
         *pname_raw = NULL, *pname = NULL;
    struct expand_vars common, *vs = &common;
    struct plist mine = {0};
    int rc = -1;
    expand_vars_init(&common);

    err_clear(&e);
    if (dt_process_or_group_name(raw_name, &program_name, &e) < 0) {
        if (opt_error(c, s, NULL, "%s", e.msg) < 0)
            goto fail;
        program_name = xstrdup(raw_name);
    }
    opt_scope(c, &common, c->cfg->here, c->nodename);
    expand_vars_set_str(&common, "program_name", program_name);
    expand_vars_set_str(&common, "group_name", group_name);

    long long priority, startsecs, startretries, stopwaitsecs, numprocs, numprocs_start;
    long long out_cmax, err_cmax;
    bool autostart, stopasgroup, killasgroup, redirect_stderr, out_events, err_events;
    enum autorestart autorestart = AUTORESTART_UNEXPECTED;
    int stopsignal = 15;
    uint8_t exitcodes[32] = {1}; /* {0} */
    uid_t uid = 0;
    gid_t gid = 0;
    long long umask = -1;

    if (opt_int(c, s, "priority", 999, vs, &priority) < 0 ||
        opt_bool(c, s, "autostart", true, vs, &autostart) < 0)
        goto fail;
    CONVERT("autorestart", "unexpected", dt_autorestart, &autorestart);
    if (opt_int(c, s, "startsecs", 1, vs, &startsecs) < 0 ||
        opt_int(c, s, "startretries", 3, vs, &startretries) < 0)
        goto fail;
    CONVERT("stopsignal", "TERM", dt_signal, &stopsignal);
    if (opt_int(c, s, "stopwaitsecs", 10, vs, &stopwaitsecs) < 0 ||
        opt_bool(c, s, "stopasgroup", false, vs, &stopasgroup) < 0 ||
        opt_bool(c, s, "killasgroup", stopasgroup, vs, &killasgroup) < 0)
        goto fail;
    {
        char *v = NULL;
        int r = opt_str(c, s, "exitcodes", "0", vs, &v);
        uint8_t set[32] = {0};
        err_clear(&e);
        if (r < 0)
            goto fail;
        if (r > 0 && dt_exitcodes(v, set, &e) == 0)
            memcpy(exitcodes, set, sizeof set);
        else if (r > 0 && opt_error(c, s, "exitcodes", "%s", e.msg) < 0) {
            free(v);
            goto fail;
        }
        free(v);
    }
    if (opt_bool(c, s, "redirect_stderr", false, vs, &redirect_stderr) < 0 ||
        opt_int(c, s, "numprocs", 1, vs, &numprocs) < 0 ||
        opt_int(c, s, "numprocs_start", 0, vs, &numprocs_start) < 0 ||
        opt_str(c, s, "environment", "", NULL, &env_raw) < 0 ||
        opt_bytes(c, s, "stdout_capture_maxbytes", 0, vs, &out_cmax) < 0 ||
        opt_bool(c, s, "stdout_events_enabled", false, vs, &out_events) < 0 ||
        opt_bytes(c, s, "stderr_capture_maxbytes", 0, vs, &err_cmax) < 0 ||
        opt_bool(c, s, "stderr_events_enabled", false, vs, &err_events) < 0 ||
        opt_str(c, s, "serverurl", NULL, vs, &serverurl) < 0)
        goto fail;
    if (serverurl) {
        char *t = opt_strip(serverurl);
        if (strcasecmp(t, "AUTO") == 0) {
            free(serverurl);
            serverurl = NULL;
        }
        free(t);
    }
    if (opt_str(c, s, "user", NULL, vs, &user) < 0)
        goto fail;
    err_clear(&e);
    if (user && dt_name_to_uid(user, &uid, &gid, &e) < 0 &&
        opt_error(c, s, "user", "%s", e.msg) < 0)
        goto fail;
    CONVERT("umask", NULL, dt_octal, &umask);
    if (opt_str(c, s, "process_name", "%(program_name)s", NULL, &pname_raw) < 0)
        goto fail;
    err_clear(&e);
    if (dt_process_or_group_name(pname_raw, &pname, &e) < 0) {
        if (opt_error(c, s, "process_name", "%s", e.msg) < 0)
            goto fail;
        pname = xstrdup(pname_raw);
    }
    if (numprocs > 1 && !strstr(pname, "%(process_num)")) {
        if (opt_error(c, s, "process_name",
                      "%%(process_num) must be present within process_name when numprocs > 1") <
            0)
            goto fail;
        numprocs = 1; /* --check-config: avoid a cascade of duplicate names */
    }
    if (stopasgroup && !killasgroup &&
        opt_error(c, s, "killasgroup", "Cannot set stopasgroup=true and killasgroup=false") < 0)
        goto fail;

    for (long long num = numprocs_start; num < numprocs_start + numprocs; num++) {
        /* Supervisor reuses and mutates one expansion dict across processes. */
        expand_vars_set_int(&common, "process_num", num);
        expand_vars_set_int(&common, "numprocs", numprocs);
        for (size_t i = 0; i < c->envx.n; i++)
            expand_vars_set_str(&common, c->envx.v[i].name, c->envx.v[i].s);

        struct process_config *pc = xcalloc(1, sizeof *pc);
        pc->refs = 1;
        kvlist_init(&pc->environment);
        plist_add(&mine, pc);
        err_clear(&e);
        char *envs = expand(env_raw, &common, "environment", &e);
        if (!envs) {
            if (opt_error(c, s, "environment", "%s", e.msg) < 0)
                goto fail;
        } else {
            struct kvlist w;
            kvlist_init(&w);
            err_clear(&e);
            if (dt_env_pairs(envs, &pc->environment, &w, &e) < 0) {
                kvlist_release(&pc->environment);
                kvlist_init(&pc->environment);
                if (opt_error(c, s, "environment", "%s", e.msg) < 0) {
                    kvlist_release(&w);
                    free(envs);
                    goto fail;
                }
            }
            if (num == numprocs_start)
                env_warnings(c, s, &w);
            kvlist_release(&w);
            free(envs);
        }
        for (size_t i = 0; i < pc->environment.n; i++) {
            char *name = xasprintf("ENV_%s", pc->environment.v[i].key);
            expand_vars_set_str(&common, name, pc->environment.v[i].value);
            free(name);
        }
        if (opt_str(c, s, "directory", NULL, vs, &pc->directory) < 0)
            goto fail;
        bool out_named, err_named;
        if (read_logspec(c, s, "stdout", vs, &pc->out, &out_named) < 0 ||
            read_logspec(c, s, "stderr", vs, &pc->err, &err_named) < 0)
            goto fail;
        if (redirect_stderr) {
            if (err_named)
                opt_warn(c, s, "stderr_logfile", true,
                         "For [%s], redirect_stderr=true but stderr_logfile has also been set "
                         "to a filename, the filename has been ignored",
                         s->name);
            pc->err.kind = LOGFILE_NONE;
            free(pc->err.path);
            pc->err.path = NULL;
        }
        if (opt_str(c, s, "command", NULL, vs, &pc->command) < 0)
            goto fail;
        if (!pc->command && !opt_entry(c, s, "command") &&
            opt_error(c, s, NULL, "program section %s does not specify a command", s->name) < 0)
            goto fail;
        err_clear(&e);
        pc->name = expand(pname, &common, "process_name", &e);
        if (!pc->name) {
            if (opt_error(c, s, "process_name", "%s", e.msg) < 0)
                goto fail;
            pc->name = xstrdup(pname);
        }
        pc->program_name = xstrdup(program_name);
        pc->group_name = xstrdup(group_name);
        pc->section = xstrdup(s->name);
        pc->file = xstrdup(s->file ? s->file : c->path);
        pc->line = s->line;
        pc->umask = (int)umask;
        pc->priority = (int)priority;
        pc->autostart = autostart;
        pc->autorestart = autorestart;
        pc->startsecs = (int)startsecs;
        pc->startretries = (int)startretries;
        memcpy(pc->exitcodes, exitcodes, sizeof exitcodes);
        pc->stopsignal = stopsignal;
        pc->stopwaitsecs = (int)stopwaitsecs;
        pc->stopasgroup = stopasgroup;
        pc->killasgroup = killasgroup;
        pc->has_user = user != NULL;
        pc->user = xstrdup(user);
        pc->uid = uid;
        pc->gid = gid;
        pc->redirect_stderr = redirect_stderr;
        pc->serverurl = xstrdup(serverurl);
        pc->out.capture_maxbytes = out_cmax;
        pc->out.events_enabled = out_events;
        pc->err.capture_maxbytes = err_cmax;
        pc->err.events_enabled = err_events;
        pc->process_num = (int)num;
        pc->numprocs = (int)numprocs;
    }
    sort_procs(mine.v, mine.n);
    for (size_t i = 0; i < mine.n; i++)
        plist_add(out, mine.v[i]);
    free(mine.v);
    mine = (struct plist){0};
    rc = 0;
fail:
    plist_release(&mine);
    expand_vars_release(&common);
    free(program_name);
    free(env_raw);
    free(serverurl);
    free(user);
    free(pname_raw);
    free(pname);
    return c->stop ? -1 : rc;
}

static int processes_from_section(struct opt_ctx *c, const struct ini_section *s,
                                  const char *group_name, struct plist *out)
{
    const struct ini_section *saved = c->suffix;
    c->suffix = s;
    int r = processes_inner(c, s, group_name, out);
    c->suffix = saved;
    return r;
}

/* ---- groups ---- */

struct glist {
    struct group_config **v;
    size_t n, cap;
};

static struct group_config *group_new(struct glist *gl, const char *name, enum group_type t,
                                      long long priority, struct plist *procs)
{
    struct group_config *g = xcalloc(1, sizeof *g);
    g->name = xstrdup(name);
    g->type = t;
    g->priority = (int)priority;
    g->buffer_size = 10;
    g->socket_mode = 0700;
    /* Processes are kept in a dict by name at runtime: a later duplicate
     * replaces the earlier one in its place. */
    for (size_t i = 0; i < procs->n; i++) {
        struct process_config *pc = procs->v[i];
        size_t j = 0;
        while (j < g->nprocs && strcmp(g->procs[j]->name, pc->name) != 0)
            j++;
        if (j < g->nprocs) {
            config_process_unref(g->procs[j]);
            g->procs[j] = pc;
            continue;
        }
        g->procs = xrealloc(g->procs, (g->nprocs + 1) * sizeof *g->procs);
        g->procs[g->nprocs++] = pc;
    }
    free(procs->v);
    *procs = (struct plist){0};
    gl->v = xgrow(gl->v, &gl->cap, gl->n + 1, sizeof *gl->v);
    gl->v[gl->n++] = g;
    return g;
}

static void warn_duplicate_procs(struct opt_ctx *c, const struct ini_section *s,
                                 const struct plist *p)
{
    for (size_t i = 0; i < p->n; i++)
        for (size_t j = i + 1; j < p->n; j++)
            if (strcmp(p->v[i]->name, p->v[j]->name) == 0)
                opt_warn(c, s, NULL, true,
                         "process name '%s' occurs twice in group [%s]; supervisord keeps only "
                         "the later one",
                         p->v[i]->name, s->name);
}

static bool in_list(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static int read_hetero_groups(struct opt_ctx *c, const struct expand_vars *vs, struct glist *gl,
                              char ***excl, size_t *nexcl)
{
    struct err e;
    for (size_t i = 0; i < c->ini.n; i++) {
        struct ini_section *s = c->ini.sections[i];
        if (strncmp(s->name, "group:", 6) != 0)
            continue;
        char *gname = NULL, *progs = NULL, **names = NULL;
        long long priority = 999;
        struct plist procs = {0};
        err_clear(&e);
        if (dt_process_or_group_name(s->name + 6, &gname, &e) < 0) {
            if (opt_error(c, s, NULL, "%s", e.msg) < 0)
                return -1;
            gname = xstrdup(s->name + 6);
        }
        size_t nn = 0;
        if (opt_str(c, s, "programs", NULL, vs, &progs) < 0 ||
            opt_int(c, s, "priority", 999, vs, &priority) < 0)
            goto fail;
        nn = list_of_strings(progs, &names);
        /* Supervisor's message names the previous member's section (a
         * variable reuse bug kept for identical output). */
        const char *cur = s->name;
        for (size_t k = 0; k < nn; k++) {
            char *ps = xasprintf("program:%s", names[k]);
            char *fs = xasprintf("fcgi-program:%s", names[k]);
            struct ini_section *p = ini_section(&c->ini, ps), *f = ini_section(&c->ini, fs);
            free(ps);
            free(fs);
            if (!p && !f) {
                if (opt_error(c, s, "programs", "[%s] names unknown program or fcgi-program %s",
                              cur, names[k]) < 0)
                    goto fail;
                continue;
            }
            if (p && f &&
                opt_error(c, s, "programs",
                          "[%s] name %s is ambiguous (exists as program and fcgi-program)", cur,
                          names[k]) < 0)
                goto fail;
            struct ini_section *m = p ? p : f;
            cur = m->name;
            *excl = xrealloc(*excl, (*nexcl + 1) * sizeof **excl);
            (*excl)[(*nexcl)++] = xstrdup(m->name);
            if (processes_from_section(c, m, gname, &procs) < 0)
                goto fail;
        }
        warn_duplicate_procs(c, s, &procs);
        group_new(gl, gname, GROUP_HETERO, priority, &procs);
        free(gname);
        free(progs);
        strings_free(names, nn);
        continue;
    fail:
        plist_release(&procs);
        free(gname);
        free(progs);
        strings_free(names, nn);
        return -1;
    }
    return 0;
}

static int read_programs(struct opt_ctx *c, const struct expand_vars *vs, struct glist *gl,
                         char **excl, size_t nexcl)
{
    struct err e;
    for (size_t i = 0; i < c->ini.n; i++) {
        struct ini_section *s = c->ini.sections[i];
        if (strncmp(s->name, "program:", 8) != 0 || in_list(excl, nexcl, s->name))
            continue;
        char *name = NULL;
        long long priority;
        struct plist procs = {0};
        err_clear(&e);
        if (dt_process_or_group_name(s->name + 8, &name, &e) < 0) {
            if (opt_error(c, s, NULL, "%s", e.msg) < 0)
                return -1;
            name = xstrdup(s->name + 8);
        }
        if (opt_int(c, s, "priority", 999, vs, &priority) < 0 ||
            processes_from_section(c, s, name, &procs) < 0) {
            free(name);
            plist_release(&procs);
            return -1;
        }
        group_new(gl, name, GROUP_PROGRAM, priority, &procs);
        free(name);
    }
    return 0;
}

static int read_listener_pool(struct opt_ctx *c, const struct expand_vars *vs,
                              struct ini_section *s, struct glist *gl)
{
    const char *pool = s->name + 14;
    long long priority, bufsize;
    char *handler = NULL, *evs = NULL, **names = NULL, *norm = NULL;
    size_t nn = 0;
    bool redirect;
    struct plist procs = {0};
    int rc = -1;

    if (opt_int(c, s, "priority", -1, vs, &priority) < 0 ||
        opt_int(c, s, "buffer_size", 10, vs, &bufsize) < 0)
        goto out;
    if (bufsize < 1) {
        if (opt_error(c, s, "buffer_size", "[%s] section sets invalid buffer_size (%lld)",
                      s->name, bufsize) < 0)
            goto out;
        bufsize = 10;
    }
    if (opt_str(c, s, "result_handler", DEFAULT_HANDLER, vs, &handler) < 0)
        goto out;
    if (handler && !opt_entry_point_parse(handler, &norm)) {
        char *msg = opt_entry_point_error(handler);
        int r = opt_error(c, s, "result_handler", "%s", msg);
        free(msg);
        if (r < 0)
            goto out;
    } else if (handler && strcmp(norm, DEFAULT_HANDLER) != 0) {
        /* Only Supervisor's own handler exists here; a Python import of
         * anything else cannot happen in this daemon. */
        if (opt_error(c, s, "result_handler", "%s cannot be resolved within [%s]", handler,
                      s->name) < 0)
            goto out;
    }
    if (opt_str(c, s, "events", "", vs, &evs) < 0)
        goto out;
    nn = list_of_strings(evs, &names);
    char **uniq = NULL;
    size_t nu = 0;
    for (size_t k = 0; k < nn; k++) {
        for (char *p = names[k]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        if (!in_list(uniq, nu, names[k])) {
            uniq = xrealloc(uniq, (nu + 1) * sizeof *uniq);
            uniq[nu++] = xstrdup(names[k]);
        }
    }
    if (nu == 0 && opt_error(c, s, "events", "[%s] section requires an \"events\" line",
                             s->name) < 0) {
        strings_free(uniq, nu);
        goto out;
    }
    for (size_t k = 0; k < nu; k++) {
        bool known = false;
        for (size_t t = 0; t < sizeof event_types / sizeof event_types[0] && !known; t++)
            known = strcmp(event_types[t], uniq[k]) == 0;
        if (!known && opt_error(c, s, "events", "Unknown event type %s in [%s] events", uniq[k],
                                s->name) < 0) {
            strings_free(uniq, nu);
            goto out;
        }
    }
    if (opt_bool(c, s, "redirect_stderr", false, vs, &redirect) < 0 ||
        (redirect && opt_error(c, s, "redirect_stderr",
                               "[%s] section sets redirect_stderr=true but this is not allowed "
                               "because it will interfere with the eventlistener protocol",
                               s->name) < 0) ||
        processes_from_section(c, s, pool, &procs) < 0) {
        strings_free(uniq, nu);
        goto out;
    }
    struct group_config *g = group_new(gl, pool, GROUP_EVENTLISTENER, priority, &procs);
    g->events = uniq;
    g->nevents = nu;
    g->buffer_size = bufsize;
    g->result_handler = handler && strcmp(handler, DEFAULT_HANDLER) != 0 ? xstrdup(handler) : NULL;
    rc = 0;
out:
    plist_release(&procs);
    free(handler);
    free(norm);
    free(evs);
    strings_free(names, nn);
    return c->stop ? -1 : rc;
}

/* ServerOptions.parse_fcgi_socket; errors get " in [<section>] socket". */
static int fcgi_socket(struct opt_ctx *c, const struct ini_section *s, const char *sock,
                       struct group_config *g, bool has_owner, bool has_mode, bool has_user,
                       uid_t puid, gid_t pgid)
{
    char *msg = NULL;
    if (strncmp(sock, "unix://", 7) == 0) {
        const char *path = sock + 7;
        if (path[0] != '/') {
            char *r = dt_pyrepr(path);
            msg = xasprintf("('Unix socket path %%s is not an absolute path', %s)", r);
            free(r);
            goto bad;
        }
        char *np = py_normalize_path(path);
        g->socket = xasprintf("unix://%s", np);
        free(np);
        if (!has_owner && has_user && puid != getuid()) {
            g->has_socket_owner = true;
            g->socket_uid = puid;
            g->socket_gid = pgid;
        }
        return 0;
    }
    if (has_owner || has_mode) {
        msg = xstrdup("socket_owner and socket_mode params should only be used with a Unix "
                      "domain socket");
        goto bad;
    }
    if (strncmp(sock, "tcp://", 6) == 0) {
        const char *h = sock + 6, *colon = h;
        while (*colon && *colon != ':' && !isspace((unsigned char)*colon))
            colon++;
        const char *d = colon + 1;
        size_t nd = *colon == ':' ? strspn(d, "0123456789") : 0;
        if (colon > h && *colon == ':' && nd > 0 && d[nd] == '\0') {
            long long port = strtoll(d, NULL, 10);
            if (port < 1 || port > 65535) {
                msg = xasprintf(port < 1 ? "%lld is below lower bound (1)"
                                         : "%lld is above upper bound (65535)",
                                port);
                goto bad;
            }
            char *host = xstrndup(h, (size_t)(colon - h));
            for (char *p = host; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            g->socket = xasprintf("tcp://%s:%lld", host, port);
            free(host);
            return 0;
        }
    }
    char *r = dt_pyrepr(sock);
    msg = xasprintf("('Bad socket format %%s', %s)", r);
    free(r);
bad:;
    int rr = opt_error(c, s, "socket", "%s in [%s] socket", msg, s->name);
    free(msg);
    return rr;
}

static int read_fcgi(struct opt_ctx *c, const struct expand_vars *vs, struct ini_section *s,
                     struct glist *gl)
{
    struct err e;
    char *name = NULL, *user = NULL, *backlog = NULL, *owner = NULL, *mode = NULL, *sock = NULL;
    long long priority, bl = 0, m = 0700;
    uid_t puid = 0, ouid = 0;
    gid_t pgid = 0, ogid = 0;
    bool has_owner = false;
    struct plist procs = {0};
    struct expand_vars sv;
    expand_vars_init(&sv);
    int rc = -1;

    err_clear(&e);
    if (dt_process_or_group_name(s->name + 13, &name, &e) < 0) {
        if (opt_error(c, s, NULL, "%s", e.msg) < 0)
            goto out;
        name = xstrdup(s->name + 13);
    }
    if (opt_int(c, s, "priority", 999, vs, &priority) < 0 ||
        opt_str(c, s, "user", NULL, vs, &user) < 0)
        goto out;
    err_clear(&e);
    if (user && dt_name_to_uid(user, &puid, &pgid, &e) < 0 &&
        opt_error(c, s, "user", "%s", e.msg) < 0)
        goto out;
    if (opt_str(c, s, "socket_backlog", NULL, vs, &backlog) < 0)
        goto out;
    if (backlog) {
        err_clear(&e);
        if (dt_integer(backlog, &bl, &e) < 0) {
            bl = 0;
            if (opt_error(c, s, "socket_backlog", "%s", e.msg) < 0)
                goto out;
        } else if (bl < 1 || bl > 65535) {
            if (opt_error(c, s, "socket_backlog", "Invalid socket_backlog value %lld", bl) < 0)
                goto out;
            bl = 0;
        }
    }
    if (opt_str(c, s, "socket_owner", NULL, vs, &owner) < 0)
        goto out;
    if (owner) {
        if (dt_user_group(owner, &ouid, &ogid, NULL) == 0)
            has_owner = true;
        else if (opt_error(c, s, "socket_owner", "Invalid socket_owner value %s", owner) < 0)
            goto out;
    }
    if (opt_str(c, s, "socket_mode", NULL, vs, &mode) < 0)
        goto out;
    if (mode && dt_octal(mode, &m, NULL) < 0) {
        m = 0700;
        if (opt_error(c, s, "socket_mode", "Invalid socket_mode value %s", mode) < 0)
            goto out;
    }
    expand_vars_copy(&sv, vs);
    expand_vars_set_str(&sv, "program_name", name);
    if (opt_str(c, s, "socket", NULL, &sv, &sock) < 0)
        goto out;
    struct group_config tmp = {0};
    if (!sock || !*sock) {
        if (opt_error(c, s, "socket", "[%s] section requires a \"socket\" line", s->name) < 0)
            goto out;
    } else if (fcgi_socket(c, s, sock, &tmp, owner != NULL, mode != NULL, user != NULL, puid,
                           pgid) < 0) {
        free(tmp.socket);
        goto out;
    }
    if (processes_from_section(c, s, name, &procs) < 0) {
        free(tmp.socket);
        goto out;
    }
    struct group_config *g = group_new(gl, name, GROUP_FCGI, priority, &procs);
    g->socket = tmp.socket;
    g->socket_backlog = bl;
    if (has_owner) {
        g->has_socket_owner = true;
        g->socket_uid = ouid;
        g->socket_gid = ogid;
    } else if (tmp.has_socket_owner) {
        g->has_socket_owner = true;
        g->socket_uid = tmp.socket_uid;
        g->socket_gid = tmp.socket_gid;
    }
    g->socket_mode = (int)m;
    rc = 0;
out:
    plist_release(&procs);
    expand_vars_release(&sv);
    free(name);
    free(user);
    free(backlog);
    free(owner);
    free(mode);
    free(sock);
    return c->stop ? -1 : rc;
}

static bool group_less(const struct group_config *a, const struct group_config *b)
{
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return strcmp(a->name, b->name) < 0;
}

/* ServerOptions.process_groups_from_parser. */
static int read_groups(struct opt_ctx *c)
{
    struct config *cfg = c->cfg;
    struct expand_vars vs;
    opt_scope(c, &vs, cfg->here, NULL);
    struct glist gl = {0};
    char **excl = NULL;
    size_t nexcl = 0;
    int rc = -1;

    if (read_hetero_groups(c, &vs, &gl, &excl, &nexcl) < 0 ||
        read_programs(c, &vs, &gl, excl, nexcl) < 0)
        goto out;
    for (size_t i = 0; i < c->ini.n; i++)
        if (strncmp(c->ini.sections[i]->name, "eventlistener:", 14) == 0 &&
            read_listener_pool(c, &vs, c->ini.sections[i], &gl) < 0)
            goto out;
    for (size_t i = 0; i < c->ini.n; i++) {
        struct ini_section *s = c->ini.sections[i];
        if (strncmp(s->name, "fcgi-program:", 13) == 0 && !in_list(excl, nexcl, s->name) &&
            read_fcgi(c, &vs, s, &gl) < 0)
            goto out;
    }
    rc = 0;
out:
    /* groups.sort(): stable, by (priority, name). */
    for (size_t i = 1; i < gl.n; i++) {
        struct group_config *x = gl.v[i];
        size_t j = i;
        for (; j > 0 && group_less(x, gl.v[j - 1]); j--)
            gl.v[j] = gl.v[j - 1];
        gl.v[j] = x;
    }
    cfg->groups = gl.v;
    cfg->ngroups = gl.n;
    strings_free(excl, nexcl);
    expand_vars_release(&vs);
    return rc;
}

/* ---- ServerOptions.realize: CLI over config, user, paths, serverurl ---- */

static int realize(struct opt_ctx *c, const struct config_cli *cli)
{
    struct config *cfg = c->cfg;
    struct ini_section *sd = ini_section(&c->ini, "supervisord");
    if (cli->user) {
        free(cfg->user);
        cfg->user = xstrdup(cli->user);
    }
    if (cfg->user) {
        struct err e;
        err_clear(&e);
        if (dt_name_to_uid(cfg->user, &cfg->uid, &cfg->gid, &e) == 0)
            cfg->has_user = true;
        else if ((cli->user ? opt_fatal(c, NULL, 0, e.msg)
                            : opt_error(c, sd, "user", "%s", e.msg)) < 0)
            return -1;
    }
    if (cli->loglevel >= 0)
        cfg->loglevel = cli->loglevel;
    if (cli->logfile) {
        free(cfg->logfile);
        cfg->logfile = xstrdup(cli->logfile);
    }
    if (cfg->logfile && strcmp(cfg->logfile, "syslog") == 0) {
        cfg->logfile_syslog = true; /* the syslog handler, not a file */
    } else if (cfg->logfile) {
        char *n = py_normalize_path(cfg->logfile);
        free(cfg->logfile);
        cfg->logfile = n;
    }
    if (cli->pidfile) {
        free(cfg->pidfile);
        cfg->pidfile = xstrdup(cli->pidfile);
    }
    if (cfg->pidfile) {
        char *n = py_normalize_path(cfg->pidfile);
        free(cfg->pidfile);
        cfg->pidfile = n;
    }
    if (cli->logfile_maxbytes >= 0)
        cfg->logfile_maxbytes = cli->logfile_maxbytes;
    if (cli->logfile_backups >= 0)
        cfg->logfile_backups = cli->logfile_backups;
    if (cli->umask >= 0)
        cfg->umask = cli->umask;
    if (cli->minfds >= 0)
        cfg->minfds = cli->minfds;
    if (cli->minprocs >= 0)
        cfg->minprocs = cli->minprocs;
    cfg->nodaemon = cfg->nodaemon || cli->nodaemon;
    cfg->silent = cfg->silent || cli->silent;
    cfg->nocleanup = cfg->nocleanup || cli->nocleanup;
    cfg->strip_ansi = cfg->strip_ansi || cli->strip_ansi;
    if (cli->childlogdir) {
        free(cfg->childlogdir);
        cfg->childlogdir = xstrdup(cli->childlogdir);
    }
    if (cli->directory) {
        free(cfg->directory);
        cfg->directory = xstrdup(cli->directory);
    }
    if (cli->identifier) {
        free(cfg->identifier);
        cfg->identifier = xstrdup(cli->identifier);
    }
    /* Fallback SUPERVISOR_SERVER_URL: the first unix server, else the last
     * inet one (Supervisor's loop has no break there). */
    for (size_t i = 0; i < cfg->nservers && !cfg->serverurl; i++)
        if (cfg->servers[i].type == SERVER_UNIX && cfg->servers[i].file)
            cfg->serverurl = xasprintf("unix://%s", cfg->servers[i].file);
    for (size_t i = 0; i < cfg->nservers && !cfg->serverurl; i++) {
        if (cfg->servers[i].type != SERVER_INET)
            continue;
        size_t last = i;
        for (size_t j = i + 1; j < cfg->nservers; j++)
            if (cfg->servers[j].type == SERVER_INET)
                last = j;
        const struct server_config *sc = &cfg->servers[last];
        cfg->serverurl = xasprintf("http://%s:%d", sc->host && *sc->host ? sc->host : "localhost",
                                   sc->port);
    }
    return 0;
}

/* ---- config_load ---- */

static int load(struct opt_ctx *c, const struct config_cli *cli)
{
    struct config *cfg = c->cfg;
    struct stat st;
    if (stat(c->path, &st) != 0) {
        char *m = xasprintf("could not find config file %s", c->path);
        opt_fatal(c, NULL, 0, m);
        free(m);
        return -1;
    }
    struct err ie;
    err_clear(&ie);
    if (ini_read_file(&c->ini, c->path, &ie) < 0)
        return opt_fatal(c, c->path, 0, ie.msg);
    if (read_includes(c) < 0)
        return -1;
    struct ini_section *sd = ini_section(&c->ini, "supervisord");
    if (!sd)
        return opt_fatal(c, c->path, 0, ".ini file does not include supervisord section");
    warn_duplicates(c);
    if (read_supervisord(c, sd) < 0 ||
        opt_read_plugins(c, "rpcinterface:", "supervisor.rpcinterface_factory", &cfg->rpcinterfaces,
                     &cfg->nrpcinterfaces) < 0 ||
        read_groups(c) < 0)
        return -1;
    /* Each process's environment: [supervisord] environment, then its own. */
    for (size_t i = 0; i < cfg->ngroups; i++) {
        for (size_t j = 0; j < cfg->groups[i]->nprocs; j++) {
            struct process_config *pc = cfg->groups[i]->procs[j];
            struct kvlist env;
            kvlist_init(&env);
            kvlist_copy(&env, &cfg->environment);
            for (size_t k = 0; k < pc->environment.n; k++)
                kvlist_set(&env, pc->environment.v[k].key, pc->environment.v[k].value);
            kvlist_release(&pc->environment);
            pc->environment = env;
        }
    }
    if (opt_read_servers(c) < 0 || realize(c, cli) < 0)
        return -1;
    opt_read_ctl(c);
    if (c->diags)
        opt_check_extras(c);
    return 0;
}

int config_load(struct config *cfg, const char *path, const struct config_cli *cli,
                char *const *envp, struct config_diags *diags, struct err *e)
{
    memset(cfg, 0, sizeof *cfg);
    struct config_cli nocli;
    if (!cli) {
        config_cli_init(&nocli);
        cli = &nocli;
    }
    struct err localerr;
    struct opt_ctx c = {0};
    c.cfg = cfg;
    c.path = path;
    c.envp = envp;
    c.diags = diags;
    c.e = e ? e : &localerr;
    err_clear(c.e);
    ini_init(&c.ini);
    expand_vars_init(&c.envx);
    expand_vars_add_environ(&c.envx, envp);
    struct utsname u;
    c.nodename = xstrdup(uname(&u) == 0 ? u.nodename : "");
    cfg->path = xstrdup(path);
    char *dir = py_dirname(path);
    cfg->here = py_abspath(dir);
    free(dir);
    cfg->umask = 022;
    cfg->loglevel = LOGLEVEL_INFO;

    load(&c, cli);

    /* Supervisor logs its parse warnings, then its infos. */
    struct msglist all = {0};
    for (size_t i = 0; i < c.warns.n; i++)
        msglist_add(&all, c.warns.v[i].level, c.warns.v[i].file, c.warns.v[i].line,
                    xstrdup(c.warns.v[i].text));
    for (size_t i = 0; i < c.infos.n; i++)
        msglist_add(&all, c.infos.v[i].level, c.infos.v[i].file, c.infos.v[i].line,
                    xstrdup(c.infos.v[i].text));
    cfg->msgs = all.v;
    cfg->nmsgs = all.n;
    msglist_release(&c.warns);
    msglist_release(&c.infos);
    ini_release(&c.ini);
    expand_vars_release(&c.envx);
    free(c.nodename);
    return c.failed ? -1 : 0;
}

/* ---- reload comparison ---- */

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* A log file is skipped when either side is AUTO (ProcessConfig.__eq__). */
static bool logspec_eq(const struct logspec *a, const struct logspec *b)
{
    if (a->kind != LOGFILE_AUTO && b->kind != LOGFILE_AUTO &&
        (a->kind != b->kind || !str_eq(a->path, b->path)))
        return false;
    return a->maxbytes == b->maxbytes && a->backups == b->backups &&
           a->capture_maxbytes == b->capture_maxbytes &&
           a->events_enabled == b->events_enabled && a->syslog == b->syslog;
}

static bool process_config_equal(const struct process_config *a,
                                 const struct process_config *b)
{
    return str_eq(a->name, b->name) && a->has_user == b->has_user &&
           (!a->has_user || a->uid == b->uid) && str_eq(a->command, b->command) &&
           str_eq(a->directory, b->directory) && a->umask == b->umask &&
           a->priority == b->priority && a->autostart == b->autostart &&
           a->autorestart == b->autorestart && a->startsecs == b->startsecs &&
           a->startretries == b->startretries && logspec_eq(&a->out, &b->out) &&
           logspec_eq(&a->err, &b->err) && a->stopsignal == b->stopsignal &&
           a->stopwaitsecs == b->stopwaitsecs && a->stopasgroup == b->stopasgroup &&
           a->killasgroup == b->killasgroup &&
           memcmp(a->exitcodes, b->exitcodes, sizeof a->exitcodes) == 0 &&
           a->redirect_stderr == b->redirect_stderr &&
           kvlist_equal(&a->environment, &b->environment) && str_eq(a->serverurl, b->serverurl);
}

static bool same_set(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!in_list(b, nb, a[i]))
            return false;
    return true;
}

bool group_config_equal(const struct group_config *a, const struct group_config *b)
{
    /* [group:x] and [program:x] are the same Python class (ProcessGroupConfig). */
    bool pa = a->type == GROUP_PROGRAM || a->type == GROUP_HETERO;
    bool pb = b->type == GROUP_PROGRAM || b->type == GROUP_HETERO;
    if (!(pa && pb) && a->type != b->type)
        return false;
    if (strcmp(a->name, b->name) != 0 || a->priority != b->priority || a->nprocs != b->nprocs)
        return false;
    for (size_t i = 0; i < a->nprocs; i++)
        if (!process_config_equal(a->procs[i], b->procs[i]))
            return false;
    if (a->type == GROUP_EVENTLISTENER)
        return a->buffer_size == b->buffer_size &&
               same_set(a->events, a->nevents, b->events, b->nevents) &&
               str_eq(a->result_handler, b->result_handler);
    if (a->type == GROUP_FCGI)
        return str_eq(a->socket, b->socket); /* SocketConfig.__eq__ compares the url only */
    return true;
}
