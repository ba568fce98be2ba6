/* options: the table of every option of Supervisor 4.2.5 per section type,
 * typed value access (saneget semantics) with error/warning recording for
 * config_load() and --check-config, the readers of the sections that are not
 * process groups (servers, [supervisorctl], plugins), the --check-config
 * checks made against the table, Python os.path helpers, and the default
 * config search list. Process groups and the load order are config.c's. */
#include "options.h"

#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "datatypes.h"
#include "xalloc.h"

/* ---- the option table ---- */

#define MAIN_FACTORY "supervisor.rpcinterface:make_main_rpcinterface"

#define K(kind) (1u << (kind))
#define PROCS (K(SK_PROGRAM) | K(SK_EVENTLISTENER) | K(SK_FCGI))

struct option_def {
    const char *key;
    unsigned kinds; /* bitmask of 1 << enum sect_kind */
    const char *type;
    const char *def; /* Supervisor's default, as documentation */
};

static const struct option_def option_table[] = {
    /* [supervisord] */
    {"logfile", K(SK_SUPERVISORD), "existing_dirpath", "supervisord.log"},
    {"logfile_maxbytes", K(SK_SUPERVISORD), "byte_size", "50MB"},
    {"logfile_backups", K(SK_SUPERVISORD), "integer", "10"},
    {"loglevel", K(SK_SUPERVISORD), "logging_level", "info"},
    {"pidfile", K(SK_SUPERVISORD), "existing_dirpath", "supervisord.pid"},
    {"umask", K(SK_SUPERVISORD) | PROCS, "octal_type", "022 (programs: inherit)"},
    {"nodaemon", K(SK_SUPERVISORD), "boolean", "false"},
    {"silent", K(SK_SUPERVISORD), "boolean", "false"},
    {"minfds", K(SK_SUPERVISORD), "integer", "1024"},
    {"minprocs", K(SK_SUPERVISORD), "integer", "200"},
    {"nocleanup", K(SK_SUPERVISORD), "boolean", "false"},
    {"childlogdir", K(SK_SUPERVISORD), "existing_directory", "$TMPDIR or /tmp"},
    {"user", K(SK_SUPERVISORD) | PROCS, "name_to_uid", "none"},
    {"directory", K(SK_SUPERVISORD) | PROCS, "existing_directory (programs: str)", "none"},
    {"strip_ansi", K(SK_SUPERVISORD), "boolean", "false"},
    {"identifier", K(SK_SUPERVISORD), "str", "supervisor"},
    {"environment", K(SK_SUPERVISORD) | PROCS, "dict_of_key_value_pairs", "{}"},
    /* [unix_http_server] / [inet_http_server] */
    {"file", K(SK_UNIX_HTTP), "str, normalize_path", "required"},
    {"chmod", K(SK_UNIX_HTTP), "octal_type", "0700"},
    {"chown", K(SK_UNIX_HTTP), "colon_separated_user_group", "unchanged"},
    {"port", K(SK_INET_HTTP), "inet_address", "required"},
    {"username", K(SK_UNIX_HTTP) | K(SK_INET_HTTP) | K(SK_SUPERVISORCTL), "str", "none"},
    {"password", K(SK_UNIX_HTTP) | K(SK_INET_HTTP) | K(SK_SUPERVISORCTL), "str", "none"},
    /* [supervisorctl] */
    {"serverurl", K(SK_SUPERVISORCTL) | PROCS, "url", "http://localhost:9001 (programs: AUTO)"},
    {"prompt", K(SK_SUPERVISORCTL), "str", "supervisor"},
    {"history_file", K(SK_SUPERVISORCTL), "str, normalize_path", "none"},
    /* [program:x] and friends */
    {"command", PROCS, "str", "required"},
    {"process_name", PROCS, "template", "%(program_name)s"},
    {"numprocs", PROCS, "integer", "1"},
    {"numprocs_start", PROCS, "integer", "0"},
    {"priority", PROCS | K(SK_GROUP), "integer", "999 (eventlistener pool: -1)"},
    {"autostart", PROCS, "boolean", "true"},
    {"autorestart", PROCS, "auto_restart", "unexpected"},
    {"startsecs", PROCS, "integer", "1"},
    {"startretries", PROCS, "integer", "3"},
    {"exitcodes", PROCS, "list_of_exitcodes", "0"},
    {"stopsignal", PROCS, "signal_number", "TERM"},
    {"stopwaitsecs", PROCS, "integer", "10"},
    {"stopasgroup", PROCS, "boolean", "false"},
    {"killasgroup", PROCS, "boolean", "= stopasgroup"},
    {"redirect_stderr", PROCS, "boolean", "false"},
    {"stdout_logfile", PROCS, "logfile_name", "AUTO"},
    {"stdout_logfile_maxbytes", PROCS, "byte_size", "50MB"},
    {"stdout_logfile_backups", PROCS, "integer", "10"},
    {"stdout_capture_maxbytes", PROCS, "byte_size", "0"},
    {"stdout_events_enabled", PROCS, "boolean", "false"},
    {"stdout_syslog", PROCS, "boolean", "false"},
    {"stderr_logfile", PROCS, "logfile_name", "AUTO"},
    {"stderr_logfile_maxbytes", PROCS, "byte_size", "50MB"},
    {"stderr_logfile_backups", PROCS, "integer", "10"},
    {"stderr_capture_maxbytes", PROCS, "byte_size", "0"},
    {"stderr_events_enabled", PROCS, "boolean", "false"},
    {"stderr_syslog", PROCS, "boolean", "false"},
    /* [eventlistener:x] */
    {"events", K(SK_EVENTLISTENER), "list_of_strings (event types)", "required"},
    {"buffer_size", K(SK_EVENTLISTENER), "integer >= 1", "10"},
    {"result_handler", K(SK_EVENTLISTENER), "entry point", "supervisor.dispatchers:default_handler"},
    /* [fcgi-program:x] */
    {"socket", K(SK_FCGI), "unix:///abs or tcp://host:port", "required"},
    {"socket_backlog", K(SK_FCGI), "integer 1..65535", "SOMAXCONN"},
    {"socket_owner", K(SK_FCGI), "colon_separated_user_group", "user= when set"},
    {"socket_mode", K(SK_FCGI), "octal_type", "0700"},
    /* [group:x], [include] */
    {"programs", K(SK_GROUP), "list_of_strings", "none"},
    {"files", K(SK_INCLUDE), "whitespace-separated globs", "required"},
};

enum sect_kind options_section_kind(const char *name)
{
    /* Supervisor's own tests: servers match by prefix ([inet_http_server2]). */
    if (strcmp(name, "supervisord") == 0)
        return SK_SUPERVISORD;
    if (strcmp(name, "supervisorctl") == 0)
        return SK_SUPERVISORCTL;
    if (strcmp(name, "include") == 0)
        return SK_INCLUDE;
    if (strncmp(name, "unix_http_server", 16) == 0)
        return SK_UNIX_HTTP;
    if (strncmp(name, "inet_http_server", 16) == 0)
        return SK_INET_HTTP;
    if (strncmp(name, "program:", 8) == 0)
        return SK_PROGRAM;
    if (strncmp(name, "group:", 6) == 0)
        return SK_GROUP;
    if (strncmp(name, "eventlistener:", 14) == 0)
        return SK_EVENTLISTENER;
    if (strncmp(name, "fcgi-program:", 13) == 0)
        return SK_FCGI;
    if (strncmp(name, "rpcinterface:", 13) == 0)
        return SK_RPCINTERFACE;
    if (strncmp(name, "ctlplugin:", 10) == 0)
        return SK_CTLPLUGIN;
    return SK_UNKNOWN;
}

bool options_known_key(enum sect_kind kind, const char *key)
{
    if (kind == SK_RPCINTERFACE || kind == SK_CTLPLUGIN || kind == SK_UNKNOWN)
        return true;
    for (size_t i = 0; i < sizeof option_table / sizeof option_table[0]; i++)
        if ((option_table[i].kinds & K(kind)) && strcmp(option_table[i].key, key) == 0)
            return true;
    return false;
}

/* ---- messages, errors and diags ---- */

void msglist_add(struct msglist *l, int level, const char *file, int line, char *text)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = (struct config_msg){level, text, xstrdup(file), line};
}

void msglist_release(struct msglist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].text);
        free(l->v[i].file);
    }
    free(l->v);
    *l = (struct msglist){0};
}

void config_diags_init(struct config_diags *d)
{
    *d = (struct config_diags){0};
}

void config_diags_release(struct config_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].section);
        free(d->v[i].key);
        free(d->v[i].text);
    }
    free(d->v);
    *d = (struct config_diags){0};
}

static void diag_add(struct config_diags *d, enum diag_level level, const char *file, int line,
                     const char *section, const char *key, const char *text)
{
    d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
    d->v[d->n++] = (struct config_diag){level,          xstrdup(file), line, xstrdup(section),
                                        xstrdup(key),   xstrdup(text)};
}

/* Where a key of s lives: its own line, the [DEFAULT] line, or the header. */
static void locate(const struct opt_ctx *c, const struct ini_section *s, const char *key,
                   const char **file, int *line)
{
    const struct ini_entry *ent = key && s ? opt_entry(c, s, key) : NULL;
    if (ent) {
        *file = ent->file;
        *line = ent->line;
    } else if (s) {
        *file = s->file;
        *line = s->line;
    } else {
        *file = c->path;
        *line = 0;
    }
}

static int record_error(struct opt_ctx *c, const char *file, int line, const char *section,
                        const char *key, const char *text)
{
    if (!c->failed)
        err_set(c->e, ERR_CONFIG, "%s", text);
    c->failed = true;
    if (c->diags) {
        diag_add(c->diags, DIAG_ERROR, file, line, section, key, text);
        return 0;
    }
    c->stop = true;
    return -1;
}

int opt_error(struct opt_ctx *c, const struct ini_section *s, const char *key, const char *fmt,
              ...)
{
    struct buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (c->suffix) {
        /* processes_from_section: '%s in section %r (file: %r)' */
        char *rs = dt_pyrepr(c->suffix->name);
        char *rf = dt_pyrepr(c->suffix->file ? c->suffix->file : c->path);
        buf_printf(&b, " in section %s (file: %s)", rs, rf);
        free(rs);
        free(rf);
    }
    const char *file;
    int line;
    locate(c, s, key, &file, &line);
    int r = 0;
    if (c->lenient) {
        if (c->diags)
            diag_add(c->diags, DIAG_WARNING, file, line, s ? s->name : NULL, key, b.data);
    } else {
        r = record_error(c, file, line, s ? s->name : NULL, key, b.data);
    }
    buf_release(&b);
    return r;
}

int opt_fatal(struct opt_ctx *c, const char *file, int line, const char *text)
{
    if (!c->failed)
        err_set(c->e, ERR_CONFIG, "%s", text);
    c->failed = true;
    if (c->diags)
        diag_add(c->diags, DIAG_ERROR, file, line, NULL, NULL, text);
    c->stop = true;
    return -1;
}

static void vwarn(struct opt_ctx *c, const char *file, int line, const char *section,
                  const char *key, bool to_log, const char *fmt, va_list ap)
{
    struct buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    if (c->diags)
        diag_add(c->diags, DIAG_WARNING, file, line, section, key, b.data);
    if (to_log)
        msglist_add(&c->warns, LOGLEVEL_WARN, file, line, buf_detach(&b));
    buf_release(&b);
}

void opt_warn(struct opt_ctx *c, const struct ini_section *s, const char *key, bool to_log,
              const char *fmt, ...)
{
    const char *file;
    int line;
    locate(c, s, key, &file, &line);
    va_list ap;
    va_start(ap, fmt);
    vwarn(c, file, line, s ? s->name : NULL, key, to_log, fmt, ap);
    va_end(ap);
}

void opt_warn_at(struct opt_ctx *c, const char *file, int line, const char *section,
                 const char *key, bool to_log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(c, file, line, section, key, to_log, fmt, ap);
    va_end(ap);
}

void opt_info(struct opt_ctx *c, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    msglist_add(&c->infos, LOGLEVEL_INFO, NULL, 0, buf_detach(&b));
    buf_release(&b);
}

/* ---- typed access ---- */

const struct ini_entry *opt_entry(const struct opt_ctx *c, const struct ini_section *s,
                                  const char *key)
{
    return ini_get(&c->ini, s, key);
}

int opt_str(struct opt_ctx *c, const struct ini_section *s, const char *key, const char *def,
            const struct expand_vars *vs, char **out)
{
    *out = NULL;
    if (c->stop)
        return -1;
    const struct ini_entry *ent = opt_entry(c, s, key);
    const char *raw = ent ? ent->value : def;
    if (!raw)
        return 0;
    if (!vs) {
        *out = xstrdup(raw);
        return 1;
    }
    /* Supervisor expands string defaults too (e.g. a '%' in $TMPDIR fails). */
    char *name = xasprintf("%s.%s", s->name, key);
    struct err e;
    err_clear(&e);
    *out = expand(raw, vs, name, &e);
    free(name);
    if (*out)
        return 1;
    return opt_error(c, s, key, "%s", e.msg) < 0 ? -1 : 0;
}

int opt_int(struct opt_ctx *c, const struct ini_section *s, const char *key, long long def,
            const struct expand_vars *vs, long long *out)
{
    char *v;
    *out = def;
    int r = opt_str(c, s, key, NULL, vs, &v);
    if (r <= 0)
        return r;
    struct err e;
    err_clear(&e);
    if (dt_integer(v, out, &e) < 0) {
        *out = def;
        r = opt_error(c, s, key, "%s", e.msg);
    } else {
        r = 0;
    }
    free(v);
    return r < 0 ? -1 : 0;
}

int opt_bool(struct opt_ctx *c, const struct ini_section *s, const char *key, bool def,
             const struct expand_vars *vs, bool *out)
{
    char *v;
    *out = def;
    int r = opt_str(c, s, key, NULL, vs, &v);
    if (r <= 0)
        return r;
    struct err e;
    err_clear(&e);
    if (dt_boolean(v, out, &e) < 0) {
        *out = def;
        r = opt_error(c, s, key, "%s", e.msg);
    } else {
        r = 0;
    }
    free(v);
    return r < 0 ? -1 : 0;
}

int opt_bytes(struct opt_ctx *c, const struct ini_section *s, const char *key, long long def,
              const struct expand_vars *vs, long long *out)
{
    char *v;
    *out = def;
    int r = opt_str(c, s, key, NULL, vs, &v);
    if (r <= 0)
        return r;
    struct err e;
    err_clear(&e);
    if (dt_byte_size(v, out, &e) < 0) {
        *out = def;
        r = opt_error(c, s, key, "%s", e.msg);
    } else {
        r = 0;
    }
    free(v);
    return r < 0 ? -1 : 0;
}

/* ---- helpers shared with config.c ---- */

const char *opt_env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (char *const *p = envp; p && *p; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

bool opt_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *opt_strip(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

/* A scope of expansion names: ENV_* plus the given extra strings. */
void opt_scope(struct opt_ctx *c, struct expand_vars *v, const char *here,
                       const char *node)
{
    expand_vars_init(v);
    expand_vars_copy(v, &c->envx);
    if (here)
        expand_vars_set_str(v, "here", here);
    if (node)
        expand_vars_set_str(v, "host_node_name", node);
}

/* Shape check of a setuptools entry point "module.path[:attr] [extras]"
 * (pkg_resources.EntryPoint.pattern). Fills module:attr without extras. */
bool opt_entry_point_parse(const char *spec, char **norm)
{
    const char *p = spec;
#define WORD(ch) (isalnum((unsigned char)(ch)) || (ch) == '_' || (ch) == '.' || (unsigned char)(ch) >= 0x80)
#define SKIPWS() while (*p && isspace((unsigned char)*p)) p++
    SKIPWS();
    const char *m = p;
    while (*p && WORD(*p))
        p++;
    if (p == m)
        return false;
    size_t mlen = (size_t)(p - m);
    SKIPWS();
    const char *a = NULL;
    size_t alen = 0;
    if (*p == ':') {
        p++;
        SKIPWS();
        a = p;
        while (*p && WORD(*p))
            p++;
        alen = (size_t)(p - a);
        if (!alen)
            return false;
        SKIPWS();
    }
    if (*p == '[') {
        const char *close = strrchr(p, ']');
        if (!close)
            return false;
        p = close + 1;
        SKIPWS();
    }
    if (*p)
        return false;
    *norm = a ? xasprintf("%.*s:%.*s", (int)mlen, m, (int)alen, a) : xstrndup(m, mlen);
    return true;
#undef WORD
#undef SKIPWS
}

/* The ValueError pkg_resources raises for a malformed spec, as str() shows it. */
char *opt_entry_point_error(const char *spec)
{
    char *src = xasprintf("x=%s", spec);
    char *r = dt_pyrepr(src);
    char *msg = xasprintf("(\"EntryPoint must be in 'name=module:attrs [extras]' format\", %s)", r);
    free(r);
    free(src);
    return msg;
}

/* ---- [rpcinterface:x], [ctlplugin:x] ---- */

int opt_read_plugins(struct opt_ctx *c, const char *prefix, const char *factory_key,
                        struct plugin_config **out, size_t *nout)
{
    size_t cap = 0, plen = strlen(prefix);
    struct expand_vars vs;
    opt_scope(c, &vs, NULL, NULL); /* Options.get_plugins: ENV_* only */
    int rc = 0;
    for (size_t i = 0; i < c->ini.n && rc == 0; i++) {
        struct ini_section *s = c->ini.sections[i];
        if (strncmp(s->name, prefix, plen) != 0)
            continue;
        char *factory = NULL, *norm = NULL;
        int r = opt_str(c, s, factory_key, NULL, &vs, &factory);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0) {
            if (!opt_entry(c, s, factory_key))
                rc = opt_error(c, s, NULL, "section [%s] does not specify a %s", s->name,
                               factory_key);
            continue;
        }
        if (!opt_entry_point_parse(factory, &norm)) {
            char *msg = opt_entry_point_error(factory);
            rc = opt_error(c, s, factory_key, "%s", msg);
            free(msg);
            free(factory);
            continue;
        }
        struct plugin_config pc = {xstrdup(strchr(s->name, ':') + 1), factory, {0}};
        kvlist_init(&pc.extras);
        /* Every other key, [DEFAULT] ones included, is a factory kwarg. */
        for (size_t pass = 0; pass < 2 && rc == 0; pass++) {
            const struct ini_section *src = pass == 0 ? s : c->ini.defaults;
            for (size_t j = 0; src && j < src->n && rc == 0; j++) {
                const char *k = src->entries[j].key;
                if (strcmp(k, factory_key) == 0 || kvlist_get(&pc.extras, k))
                    continue;
                char *val = NULL;
                if (opt_str(c, s, k, NULL, &vs, &val) < 0)
                    rc = -1;
                else if (val)
                    kvlist_set(&pc.extras, k, val);
                free(val);
            }
        }
        bool main_factory = strcmp(norm, MAIN_FACTORY) == 0;
        free(norm);
        if (strcmp(prefix, "rpcinterface:") == 0 && !main_factory) {
            opt_warn(c, s, factory_key, true,
                     "cannot load rpcinterface factory '%s' of [%s]: this daemon cannot load "
                     "Python plugin factories; the section is ignored",
                     factory, s->name);
            free(pc.name);
            free(pc.factory);
            kvlist_release(&pc.extras);
            continue;
        }
        if (main_factory && pc.extras.n > 0)
            opt_warn(c, s, pc.extras.v[0].key, false,
                     "[%s] passes '%s' to %s, which takes no options; supervisord will fail "
                     "with 'Could not make supervisor rpc interface' when an HTTP server is "
                     "configured",
                     s->name, pc.extras.v[0].key, MAIN_FACTORY);
        *out = xgrow(*out, &cap, *nout + 1, sizeof **out);
        (*out)[(*nout)++] = pc;
    }
    expand_vars_release(&vs);
    return rc < 0 || c->stop ? -1 : 0;
}

/* ---- servers ---- */

static int read_auth(struct opt_ctx *c, const struct ini_section *s,
                     const struct expand_vars *vs, struct server_config *sc)
{
    if (opt_str(c, s, "username", NULL, vs, &sc->username) < 0 ||
        opt_str(c, s, "password", NULL, vs, &sc->password) < 0)
        return -1;
    if ((sc->username == NULL) != (sc->password == NULL))
        return opt_error(c, s, sc->username ? "username" : "password",
                         "Section [%s] contains incomplete authentication: If a username or a "
                         "password is specified, both the username and password must be "
                         "specified",
                         s->name);
    return 0;
}

int opt_read_servers(struct opt_ctx *c)
{
    struct config *cfg = c->cfg;
    struct expand_vars env, here;
    opt_scope(c, &env, NULL, NULL);
    opt_scope(c, &here, cfg->here, NULL);
    size_t cap = 0;
    int rc = 0;
    struct err e;
    /* inet servers first, then unix ones, each in section order. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        const char *prefix = pass == 0 ? "inet_http_server" : "unix_http_server";
        for (size_t i = 0; i < c->ini.n && rc == 0; i++) {
            struct ini_section *s = c->ini.sections[i];
            if (strncmp(s->name, prefix, 16) != 0)
                continue;
            cfg->servers = xgrow(cfg->servers, &cap, cfg->nservers + 1, sizeof *cfg->servers);
            struct server_config *sc = &cfg->servers[cfg->nservers++];
            *sc = (struct server_config){0};
            sc->section = xstrdup(s->name);
            sc->chmod = 0700;
            sc->chown_uid = (uid_t)-1;
            sc->chown_gid = (gid_t)-1;
            char *v = NULL;
            if (pass == 0) {
                sc->type = SERVER_INET;
                if (read_auth(c, s, &env, sc) < 0 || opt_str(c, s, "port", NULL, &env, &v) < 0) {
                    rc = -1;
                    break;
                }
                err_clear(&e);
                if (!v) {
                    if (!opt_entry(c, s, "port"))
                        rc = opt_error(c, s, NULL, "section [%s] has no port value", s->name);
                } else if (dt_inet_address(v, &sc->host, &sc->port, &e) < 0) {
                    rc = opt_error(c, s, "port", "%s", e.msg);
                }
                free(v);
                continue;
            }
            sc->type = SERVER_UNIX;
            if (opt_str(c, s, "file", NULL, &here, &v) < 0) {
                rc = -1;
                break;
            }
            if (!v) {
                if (!opt_entry(c, s, "file") &&
                    opt_error(c, s, NULL, "section [%s] has no file value", s->name) < 0) {
                    rc = -1;
                    break;
                }
            } else {
                char *t = opt_strip(v);
                sc->file = py_normalize_path(t);
                free(t);
                free(v);
                v = NULL;
            }
            if (read_auth(c, s, &env, sc) < 0 || opt_str(c, s, "chown", NULL, &env, &v) < 0) {
                rc = -1;
                break;
            }
            if (v && dt_user_group(v, &sc->chown_uid, &sc->chown_gid, NULL) < 0) {
                sc->chown_uid = (uid_t)-1;
                sc->chown_gid = (gid_t)-1;
                rc = opt_error(c, s, "chown", "Invalid sockchown value %s", v);
            }
            free(v);
            v = NULL;
            if (rc < 0 || opt_str(c, s, "chmod", NULL, &env, &v) < 0) {
                rc = -1;
                break;
            }
            long long m;
            if (v && dt_octal(v, &m, NULL) < 0)
                rc = opt_error(c, s, "chmod", "Invalid chmod value %s", v);
            else if (v)
                sc->chmod = (int)m;
            free(v);
        }
    }
    expand_vars_release(&env);
    expand_vars_release(&here);
    return rc < 0 || c->stop ? -1 : 0;
}

/* ---- [supervisorctl]: client settings; the daemon never fails on them ---- */

void opt_read_ctl(struct opt_ctx *c)
{
    struct config *cfg = c->cfg;
    cfg->ctl_serverurl = xstrdup("http://localhost:9001");
    cfg->ctl_prompt = xstrdup("supervisor");
    struct ini_section *s = ini_section(&c->ini, "supervisorctl");
    bool saved = c->lenient;
    c->lenient = true;
    if (s) {
        struct expand_vars env, here;
        opt_scope(c, &env, NULL, NULL);
        opt_scope(c, &here, cfg->here, NULL);
        char *v = NULL;
        if (opt_str(c, s, "serverurl", NULL, &here, &v) > 0) {
            free(cfg->ctl_serverurl);
            if (strncmp(v, "unix://", 7) == 0) {
                char *p = py_normalize_path(v + 7);
                cfg->ctl_serverurl = xasprintf("unix://%s", p);
                free(p);
                free(v);
            } else {
                cfg->ctl_serverurl = v;
            }
        }
        if (opt_str(c, s, "prompt", NULL, &env, &v) > 0) {
            free(cfg->ctl_prompt);
            cfg->ctl_prompt = v;
        }
        opt_str(c, s, "username", NULL, &env, &cfg->ctl_username);
        opt_str(c, s, "password", NULL, &env, &cfg->ctl_password);
        if (opt_str(c, s, "history_file", NULL, &here, &v) > 0) {
            if (*v)
                cfg->ctl_history_file = py_normalize_path(v);
            free(v);
        }
        expand_vars_release(&env);
        expand_vars_release(&here);
    }
    opt_read_plugins(c, "ctlplugin:", "supervisor.ctl_factory", &cfg->ctlplugins, &cfg->nctlplugins);
    c->lenient = saved;
}

/* ---- --check-config: what Supervisor accepts silently ---- */

/* First word of a command as shlex.split (POSIX) gives it; NULL + *why on a
 * parse error, "" for an empty command. */
static char *first_word(const char *s, const char **why)
{
    struct buf b;
    buf_init(&b);
    bool started = false, done = false;
    char q = 0;
    *why = NULL;
    for (const char *p = s; *p; p++) {
        if (q == '\'') {
            if (*p == '\'')
                q = 0;
            else if (!done)
                buf_putc(&b, *p);
        } else if (q == '"') {
            if (*p == '"')
                q = 0;
            else if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                if (!done)
                    buf_putc(&b, p[1]);
                p++;
            } else if (!done)
                buf_putc(&b, *p);
        } else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            if (started)
                done = true;
        } else {
            started = true;
            if (*p == '\'' || *p == '"') {
                q = *p;
            } else if (*p == '\\') {
                if (!p[1]) {
                    *why = "No escaped character";
                    break;
                }
                if (!done)
                    buf_putc(&b, p[1]);
                p++;
            } else if (!done) {
                buf_putc(&b, *p);
            }
        }
    }
    if (q)
        *why = "No closing quotation";
    if (*why) {
        buf_release(&b);
        return NULL;
    }
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

static void check_command(struct opt_ctx *c, const struct ini_section *s,
                          const struct process_config *pc)
{
    const char *why;
    char *prog = first_word(pc->command, &why);
    if (!prog) {
        opt_warn(c, s, "command", false, "can't parse command '%s' of [%s]: %s", pc->command, s->name,
                 why);
        return;
    }
    if (!*prog) {
        opt_warn(c, s, "command", false, "command of [%s] is empty", s->name);
        free(prog);
        return;
    }
    char *file = NULL;
    struct stat st;
    bool found = false;
    if (strchr(prog, '/')) {
        file = xstrdup(prog);
        found = stat(file, &st) == 0;
    } else {
        /* Supervisor searches the program's own PATH, else its own. */
        const char *path = kvlist_get(&pc->environment, "PATH");
        if (!path) {
            path = opt_env_get(c->envp, "PATH");
            if (path && !*path)
                path = NULL;
        }
        char *copy = xstrdup(path ? path : "/bin:/usr/bin:/usr/local/bin");
        for (char *dir = copy, *next; dir && !found; dir = next) {
            next = strchr(dir, ':');
            if (next)
                *next++ = '\0';
            free(file);
            file = py_join(dir, prog);
            found = stat(file, &st) == 0;
        }
        free(copy);
    }
    if (!found)
        opt_warn(c, s, "command", false, "can't find command '%s' of [%s]", prog, s->name);
    else if (S_ISDIR(st.st_mode))
        opt_warn(c, s, "command", false, "command at '%s' of [%s] is a directory", file,
                 s->name);
    else if (!(st.st_mode & 0111))
        opt_warn(c, s, "command", false, "command at '%s' of [%s] is not executable", file,
                 s->name);
    free(file);
    free(prog);
}

void opt_check_extras(struct opt_ctx *c)
{
    for (size_t i = 0; i < c->ini.n; i++) {
        const struct ini_section *s = c->ini.sections[i];
        enum sect_kind k = options_section_kind(s->name);
        if (k == SK_UNKNOWN) {
            /* Supervisor matches section names case-sensitively and unstripped. */
            char *t = opt_strip(s->name);
            for (char *p = t; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            const char *hint = options_section_kind(t) == SK_UNKNOWN ? ""
                               : strcmp(t, s->name) == 0           ? ""
                               : " (section names are case-sensitive and spaces are not "
                                 "stripped)";
            opt_warn(c, s, NULL, false, "unknown section [%s] is ignored by supervisord%s",
                     s->name, hint);
            free(t);
            continue;
        }
        for (size_t j = 0; j < s->n; j++) {
            const char *key = s->entries[j].key;
            if (options_known_key(k, key) || (c->ini.defaults && ini_get(&c->ini, c->ini.defaults, key)))
                continue;
            opt_warn(c, s, key, false, "unknown key '%s' in section [%s] is ignored", key,
                     s->name);
        }
    }
    const char *last = NULL;
    for (size_t i = 0; i < c->cfg->ngroups; i++) {
        const struct group_config *g = c->cfg->groups[i];
        for (size_t j = 0; j < g->nprocs; j++) {
            const struct process_config *pc = g->procs[j];
            const struct ini_section *s = ini_section(&c->ini, pc->section);
            if (!s || !pc->command || (last && strcmp(last, pc->command) == 0))
                continue;
            last = pc->command;
            check_command(c, s, pc);
            if (pc->directory && !opt_is_dir(pc->directory))
                opt_warn(c, s, "directory", false,
                         "directory '%s' of [%s] does not exist; the process will fail to "
                         "start",
                         pc->directory, s->name);
        }
    }
}

/* ---- Python os.path helpers ---- */

char *py_dirname(const char *p)
{
    const char *slash = strrchr(p, '/');
    if (!slash)
        return xstrdup("");
    size_t n = (size_t)(slash - p) + 1;
    size_t k = n;
    while (k > 0 && p[k - 1] == '/')
        k--;
    /* A head of only slashes stays as it is ("/" or "//"). */
    return xstrndup(p, k == 0 ? n : k);
}

char *py_join(const char *a, const char *b)
{
    if (b[0] == '/' || a[0] == '\0')
        return xstrdup(b);
    size_t n = strlen(a);
    return a[n - 1] == '/' ? xasprintf("%s%s", a, b) : xasprintf("%s/%s", a, b);
}

char *py_normpath(const char *p)
{
    if (!*p)
        return xstrdup(".");
    int lead = 0;
    while (p[lead] == '/')
        lead++;
    /* POSIX keeps exactly two leading slashes; three or more become one. */
    int keep = lead == 2 ? 2 : lead > 0 ? 1 : 0;
    char *copy = xstrdup(p);
    char **parts = xcalloc(strlen(p) + 1, sizeof *parts);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (strcmp(tok, ".") == 0)
            continue;
        if (strcmp(tok, "..") == 0) {
            if (n > 0 && strcmp(parts[n - 1], "..") != 0) {
                n--;
                continue;
            }
            if (keep)
                continue; /* "/.." is "/" */
        }
        parts[n++] = tok;
    }
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < keep; i++)
        buf_putc(&b, '/');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&b, '/');
        buf_puts(&b, parts[i]);
    }
    if (b.len == 0)
        buf_putc(&b, '.');
    free(parts);
    free(copy);
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

char *py_abspath(const char *p)
{
    if (p[0] == '/')
        return py_normpath(p);
    char *cwd = getcwd(NULL, 0);
    char *joined = py_join(cwd ? cwd : "/", p);
    free(cwd);
    char *r = py_normpath(joined);
    free(joined);
    return r;
}

char *py_expanduser(const char *p)
{
    if (p[0] != '~')
        return xstrdup(p);
    const char *rest = strchr(p, '/');
    if (!rest)
        rest = p + strlen(p);
    const char *home = NULL;
    if (rest == p + 1) {
        home = getenv("HOME");
        if (!home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
    } else {
        char *user = xstrndup(p + 1, (size_t)(rest - p - 1));
        struct passwd *pw = getpwnam(user);
        free(user);
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home)
        return xstrdup(p);
    /* Python strips a trailing slash of home before appending the rest. */
    size_t hn = strlen(home);
    while (hn > 1 && home[hn - 1] == '/')
        hn--;
    if (hn == 1 && home[0] == '/' && *rest)
        hn = 0;
    return xasprintf("%.*s%s", (int)hn, home, rest);
}

char *py_normalize_path(const char *p)
{
    char *u = py_expanduser(p);
    char *a = py_abspath(u);
    free(u);
    return a;
}

/* ---- default config file ---- */

char *config_find_default(const char *argv0, char **searched)
{
    char *d1 = py_dirname(argv0);
    char *here = py_dirname(d1);
    free(d1);
    char *etc = py_join(here, "etc");
    char *paths[6] = {
        py_join(etc, "supervisord.conf"),  py_join(here, "supervisord.conf"),
        xstrdup("supervisord.conf"),       xstrdup("etc/supervisord.conf"),
        xstrdup("/etc/supervisord.conf"), xstrdup("/etc/supervisor/supervisord.conf"),
    };
    free(etc);
    free(here);
    char *found = NULL;
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 6; i++) {
        struct stat st;
        if (!found && stat(paths[i], &st) == 0)
            found = xstrdup(paths[i]);
        buf_printf(&b, "%s%s", i ? ", " : "", paths[i]);
        free(paths[i]);
    }
    if (searched)
        *searched = buf_detach(&b);
    buf_release(&b);
    return found;
}
