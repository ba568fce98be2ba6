/* options: the table of every configuration option Supervisor 4.2.5 knows,
 * and typed access to option values the way Supervisor reads them
 * (saneget: [DEFAULT] fallback, %(...)s expansion, converter, Python's error
 * text). Errors and warnings are recorded in the load context so that
 * --check-config can go on after the first one. Private to config.c. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "expand.h"
#include "ini.h"

/* Section types, by Supervisor's name tests (prefix or exact). */
enum sect_kind {
    SK_UNKNOWN, SK_SUPERVISORD, SK_UNIX_HTTP, SK_INET_HTTP, SK_SUPERVISORCTL, SK_PROGRAM,
    SK_GROUP, SK_INCLUDE, SK_EVENTLISTENER, SK_FCGI, SK_RPCINTERFACE, SK_CTLPLUGIN,
};
enum sect_kind options_section_kind(const char *name);
/* Is key a documented option of a section of this kind? Plugin sections take
 * any key (they are the factory's keyword arguments). */
bool options_known_key(enum sect_kind kind, const char *key);

struct msglist {
    struct config_msg *v; /* owned */
    size_t n, cap;
};

/* State of one config_load(). */
struct opt_ctx {
    struct config *cfg;          /* borrowed: being filled */
    struct ini ini;              /* owned */
    const char *path;            /* main file as given */
    char *const *envp;           /* borrowed */
    struct config_diags *diags;  /* borrowed; NULL: stop at the first error */
    struct err *e;               /* borrowed: gets the first error */
    bool failed;                 /* an error was recorded */
    bool stop;                   /* stop now (first error without diags, or fatal) */
    bool lenient;                /* errors become warnings ([supervisorctl]: client only) */
    struct expand_vars envx;     /* ENV_* names: OS environment + [supervisord] environment */
    char *nodename;              /* owned: uname nodename (host_node_name) */
    /* When set, errors get Python's " in section '<s>' (file: '<f>')" suffix. */
    const struct ini_section *suffix;
    struct msglist warns;        /* owned; logged at WARN */
    struct msglist infos;        /* owned; logged at INFO */
};

/* Record an error at s/key (key's line when present, else s's header).
 * Returns 0 when loading goes on (diags mode: the caller uses its default),
 * -1 when it must stop. */
int opt_error(struct opt_ctx *c, const struct ini_section *s, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An error that ends loading even in diags mode (missing file, parse error). */
int opt_fatal(struct opt_ctx *c, const char *file, int line, const char *text);
/* Record a warning; to_log also queues it for the main log at WARN. */
void opt_warn(struct opt_ctx *c, const struct ini_section *s, const char *key, bool to_log,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A diag warning at an explicit place (file may be NULL). */
void opt_warn_at(struct opt_ctx *c, const char *file, int line, const char *section,
                 const char *key, bool to_log, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void opt_info(struct opt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The entry for key in s or [DEFAULT], or NULL. */
const struct ini_entry *opt_entry(const struct opt_ctx *c, const struct ini_section *s,
                                  const char *key);

/* Supervisor's saneget: the value of key (or def when absent), expanded
 * with vs (NULL: not expanded) under the name "<section>.<key>".
 * Returns 1 with *out set (caller frees), 0 when absent without default or
 * when the expansion failed and loading goes on (*out NULL), -1 to stop. */
int opt_str(struct opt_ctx *c, const struct ini_section *s, const char *key, const char *def,
            const struct expand_vars *vs, char **out);
/* Typed getters: *out gets the converted value, or def when the key is
 * absent or (diags mode) bad. Return 0, or -1 to stop. */
int opt_int(struct opt_ctx *c, const struct ini_section *s, const char *key, long long def,
            const struct expand_vars *vs, long long *out);
int opt_bool(struct opt_ctx *c, const struct ini_section *s, const char *key, bool def,
             const struct expand_vars *vs, bool *out);
int opt_bytes(struct opt_ctx *c, const struct ini_section *s, const char *key, long long def,
              const struct expand_vars *vs, long long *out);

/* Small shared helpers. */
const char *opt_env_get(char *const *envp, const char *name); /* NULL if unset */
bool opt_is_dir(const char *p);
char *opt_strip(const char *s); /* str.strip(), malloc'd */
/* An expansion scope: ENV_* plus here / host_node_name when non-NULL. */
void opt_scope(struct opt_ctx *c, struct expand_vars *v, const char *here, const char *node);
/* pkg_resources.EntryPoint shape of "module[:attr] [extras]"; *norm gets
 * "module:attr" (caller frees). opt_entry_point_error: its ValueError text. */
bool opt_entry_point_parse(const char *spec, char **norm);
char *opt_entry_point_error(const char *spec);

/* Section readers for what is not a process group (Supervisor's order). */
int opt_read_plugins(struct opt_ctx *c, const char *prefix, const char *factory_key,
                     struct plugin_config **out, size_t *nout);
int opt_read_servers(struct opt_ctx *c);      /* inet servers, then unix ones */
void opt_read_ctl(struct opt_ctx *c);         /* [supervisorctl] + [ctlplugin:x]; never fails */
/* --check-config: unknown sections and keys, commands, directories. */
void opt_check_extras(struct opt_ctx *c);

/* Python path helpers (os.path). All return malloc'd strings. */
char *py_dirname(const char *p);
char *py_join(const char *a, const char *b);
char *py_normpath(const char *p);
char *py_abspath(const char *p);
char *py_expanduser(const char *p);
char *py_normalize_path(const char *p); /* Supervisor's normalize_path */

void msglist_add(struct msglist *l, int level, const char *file, int line, char *text);
void msglist_release(struct msglist *l);

#endif
