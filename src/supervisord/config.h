/* config: a Supervisor configuration as a value. config_load() reads the INI
 * files (ini.h), applies the option table (every section and option of 4.2.5,
 * defaults, validation, %(...)s expansions, [include], numprocs, groups) and
 * produces a struct config that nothing mutates afterwards. Reload builds a
 * new config and compares groups with group_config_equal().
 * Process configs are reference-counted: a running process holds the config
 * it was started with, so a reload never pulls settings from under it. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "datatypes.h"
#include "err.h"

/* One output channel's log settings. */
struct logspec {
    enum logfile_kind kind;  /* NONE, AUTO or PATH (a "syslog" value becomes NONE + syslog) */
    char *path;              /* owned; PATH only (already expanded, ~ expanded) */
    long long maxbytes;      /* *_logfile_maxbytes, default 50MB */
    long long backups;       /* *_logfile_backups, default 10 */
    long long capture_maxbytes;
    bool events_enabled;
    bool syslog;
};

struct process_config {
    int refs;               /* config_process_ref/unref */
    char *name;             /* process name (process_name expanded) */
    char *program_name;     /* text after "program:" / "eventlistener:" / "fcgi-program:" */
    char *group_name;
    char *section;          /* e.g. "program:web" */
    char *file;             /* file that introduced the section */
    int line;               /* line of the section header */
    char *command;          /* expanded, not yet tokenised (shlex at spawn) */
    char *directory;        /* NULL: inherit */
    int umask;              /* -1: inherit */
    int priority;
    bool autostart;
    enum autorestart autorestart;
    int startsecs;
    int startretries;
    uint8_t exitcodes[32];  /* bitset; dt_exitcode_in() */
    int stopsignal;
    int stopwaitsecs;
    bool stopasgroup;
    bool killasgroup;
    bool has_user;
    char *user;             /* as written */
    uid_t uid;
    gid_t gid;              /* primary group of uid */
    bool redirect_stderr;
    struct kvlist environment; /* [supervisord] environment, then the program's (wins) */
    char *serverurl;        /* NULL: use config->serverurl */
    struct logspec out;     /* stdout_* */
    struct logspec err;     /* stderr_* */
    int process_num;
    int numprocs;
};

enum group_type { GROUP_PROGRAM, GROUP_HETERO, GROUP_EVENTLISTENER, GROUP_FCGI };

struct group_config {
    char *name;                      /* owned */
    enum group_type type;
    int priority;
    struct process_config **procs;   /* each holds one reference; spawn order */
    size_t nprocs;
    /* GROUP_EVENTLISTENER */
    char **events;                   /* owned, upper-case, de-duplicated */
    size_t nevents;
    long long buffer_size;           /* default 10 */
    char *result_handler;            /* NULL: default handler */
    /* GROUP_FCGI */
    char *socket;                    /* "unix:///abs" or "tcp://host:port" */
    long long socket_backlog;        /* 0: SOMAXCONN */
    bool has_socket_owner;
    uid_t socket_uid;
    gid_t socket_gid;
    int socket_mode;                 /* default 0700 */
};

enum server_type { SERVER_UNIX, SERVER_INET };

struct server_config {
    enum server_type type;
    char *section;       /* e.g. "unix_http_server" */
    char *file;          /* unix: socket path, absolute */
    int chmod;           /* unix: default 0700 */
    uid_t chown_uid;     /* (uid_t)-1: unchanged */
    gid_t chown_gid;
    char *host;          /* inet: NULL = all interfaces */
    int port;
    char *username;      /* NULL: no auth */
    char *password;      /* may be "{SHA}<hex>" */
};

struct plugin_config {   /* [rpcinterface:x] and [ctlplugin:x] */
    char *name;          /* text after the colon */
    char *factory;       /* supervisor.rpcinterface_factory / supervisor.ctl_factory */
    struct kvlist extras; /* every other key (with [DEFAULT] ones), ENV-expanded: the
                             factory's keyword arguments. Supervisor's main factory takes
                             none: with extras it fails at startup with "Could not make
                             supervisor rpc interface" once an HTTP server exists. */
};

/* A message to log once the logger exists (parse warnings, include notes). */
struct config_msg {
    int level;           /* enum loglevel */
    char *text;
    char *file;          /* may be NULL */
    int line;            /* 0 if unknown */
};

struct config {
    char *path;          /* config file as given */
    char *here;          /* absolute directory of path */
    /* [supervisord] */
    char *logfile;       /* absolute; "syslog" means the syslog handler */
    bool logfile_syslog;
    long long logfile_maxbytes;
    long long logfile_backups;
    int loglevel;
    char *pidfile;       /* absolute */
    int umask;
    bool nodaemon;
    bool silent;
    long long minfds;
    long long minprocs;
    bool nocleanup;
    char *childlogdir;
    bool has_user;
    char *user;
    uid_t uid;
    gid_t gid;
    char *directory;     /* NULL: none */
    bool strip_ansi;
    char *identifier;
    struct kvlist environment;
    char *serverurl;     /* fallback for SUPERVISOR_SERVER_URL; NULL if no server */
    /* servers, groups (sorted by priority then name), plugins */
    struct server_config *servers;
    size_t nservers;
    struct group_config **groups;
    size_t ngroups;
    struct plugin_config *rpcinterfaces;
    size_t nrpcinterfaces;
    struct plugin_config *ctlplugins;
    size_t nctlplugins;
    /* [supervisorctl] (read by the daemon only to be complete) */
    char *ctl_serverurl;
    char *ctl_username;
    char *ctl_password;
    char *ctl_prompt;
    char *ctl_history_file;
    /* parse messages for the main log, in the order Supervisor logs them */
    struct config_msg *msgs;
    size_t nmsgs;
};

/* Command-line values; they beat the config file. NULL / -1 / false = not given. */
struct config_cli {
    const char *configfile;
    const char *logfile;
    long long logfile_maxbytes;
    long long logfile_backups;
    int loglevel;
    const char *pidfile;
    int umask;
    bool nodaemon;
    bool silent;
    long long minfds;
    long long minprocs;
    bool nocleanup;
    const char *childlogdir;
    const char *user;
    const char *directory;
    bool strip_ansi;
    const char *identifier;
};
void config_cli_init(struct config_cli *cli);

/* One diagnostic of --check-config. */
enum diag_level { DIAG_ERROR, DIAG_WARNING };
struct config_diag {
    enum diag_level level;
    char *file;          /* may be NULL */
    int line;            /* 0 if unknown */
    char *section;       /* may be NULL */
    char *key;           /* may be NULL */
    char *text;          /* full message, Supervisor's text for errors */
};
struct config_diags {
    struct config_diag *v;
    size_t n, cap;
};
void config_diags_init(struct config_diags *d);
void config_diags_release(struct config_diags *d);

/* Load path (the -c file; cli->configfile is ignored here). envp is the
 * environment for ENV_* names (environ for the daemon).
 * Returns 0 and fills cfg, or -1 with e set to Supervisor's exact message
 * (for the first error), e.g.
 *   "program section program:bad does not specify a command in section
 *    'program:bad' (file: 'sv.conf')".
 * If diags is non-NULL, loading does not stop at the first error: every
 * error and every warning (duplicate key where the later silently wins,
 * unknown key or section, non-executable command, unknown user, ...) is
 * recorded there, each naming file:line, section, key and value; the return
 * is still -1 if any error was found. cfg must be released with
 * config_release() in every case. */
int config_load(struct config *cfg, const char *path, const struct config_cli *cli,
                char *const *envp, struct config_diags *diags, struct err *e);
void config_release(struct config *cfg);

/* Look a group up by name, or NULL. */
struct group_config *config_group(const struct config *cfg, const char *name);

/* Supervisor's equality for reload: every parameter compared, except that a
 * log file is skipped when either side is AUTO. */
bool group_config_equal(const struct group_config *a, const struct group_config *b);

struct process_config *config_process_ref(struct process_config *pc);
void config_process_unref(struct process_config *pc);

/* Built-in default search list when -c is absent (Supervisor's order),
 * relative to the directory two levels above argv0. Returns the first that
 * exists (caller frees) or NULL; *searched gets the comma-joined list for the
 * "No config file found at default paths (...)" message (caller frees). */
char *config_find_default(const char *argv0, char **searched);

#endif
