/* supervisor: the running daemon. Owns the loaded config, the process
 * groups and their processes, the per-process pipes and log files; starts
 * groups in priority order, stops them in reverse order one group at a time,
 * reaps children the moment SIGCHLD arrives, and handles TERM/INT/QUIT
 * (shutdown), HUP (restart) and USR2 (log reopen). The command line,
 * daemonizing and privileges are main.c's and daemon.c's. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "buf.h"
#include "err.h"
#include "loop.h"
#include "process.h"

struct capture;
struct events;
struct listener;
struct listener_pool;
struct logfile;

/* Supervisor's SupervisorStates. */
enum mood { MOOD_FATAL = 2, MOOD_RUNNING = 1, MOOD_RESTARTING = 0, MOOD_SHUTDOWN = -1 };

struct group;
struct httpd;
struct rpc;

/* A loaded config shared by the groups made from it (and by the supervisor
 * while it is the startup or the pending one): freed with its last ref. */
struct cfghold {
    struct config *cfg; /* owned */
    int refs;
};

/* Per-process runtime: the process (state machine) plus what the daemon
 * attaches to it. Owned by its group. */
struct proc {
    struct process p;         /* p.owner points back here */
    struct group *group;      /* borrowed */
    struct supervisor *sup;   /* borrowed */
    int stdin_fd;             /* parent ends, -1 when closed */
    int stdout_fd;
    int stderr_fd;
    struct capture *out;      /* owned; NULL when not running */
    struct capture *err;
    struct logfile *outlog;   /* owned; open while running */
    struct logfile *errlog;
    char *outlog_path;        /* owned; resolved (AUTO made concrete), NULL: none */
    char *errlog_path;
    struct loop_timer *timer; /* owned */
    bool holds_fcgi;          /* holds a reference on group->fcgi_fd */
    struct buf stdin_buf;     /* bytes queued for the child's stdin */
    bool stdin_watch;         /* stdin_fd registered for EPOLLOUT */
    struct listener *lis;     /* borrowed from group->pool: [eventlistener] member, else NULL */
};

struct group {
    struct group_config *cfg; /* borrowed from hold->cfg */
    struct cfghold *hold;     /* one reference */
    struct proc **procs;      /* owned, in cfg order */
    size_t nprocs;
    int fcgi_fd;              /* [fcgi-program]: listening socket while any process runs, else -1 */
    int fcgi_refs;
    struct listener_pool *pool; /* owned: [eventlistener] pool, else NULL */
};

/* Called after every process state change (after the state machine has
 * logged it). One hook; the RPC layer re-evaluates its waiting calls. */
typedef void (*supervisor_change_fn)(void *arg, struct proc *pr, enum proc_state from);

struct supervisor {
    struct loop *loop;        /* owned */
    struct config *cfg;       /* the startup config: [supervisord] settings (hold->cfg) */
    struct cfghold *hold;     /* one reference on the startup config */
    struct cfghold *pending;  /* one reference: last parsed (startup or reloadConfig) */
    const struct config_cli *cli; /* borrowed: command-line values, for re-reads */
    char *const *envp;        /* borrowed (environ) */
    enum mood mood;
    bool stopping;            /* ordered stop in progress */
    bool stop_step_queued;    /* a stop step is deferred to the end of this iteration */
    size_t nstop_groups;      /* groups[0 .. nstop_groups) still to stop */
    double lastshutdownreport;
    struct loop_timer report_timer; /* "waiting for ... to die" every 3 s while stopping */
    struct loop_timer drain_timer;  /* cap on waiting for listener pools to drain */
    bool drain_expired;
    struct group **groups;    /* owned, sorted by (priority, name) */
    size_t ngroups;
    struct pidmap *pids;      /* owned: pid -> proc */
    int report_fds[2];        /* owned: spawn_report_pipe (children failing before exec) */
    int *listen_fds;          /* owned until httpd takes them: HTTP listening sockets */
    size_t nlisten;
    struct httpd *httpd;      /* owned; NULL without [*_http_server] */
    struct rpc *rpc;          /* owned */
    struct events *events;    /* owned: the event bus */
    supervisor_change_fn change_fn;
    void *change_arg;
    uint64_t info_gen;        /* bumped whenever what getProcessInfo shows may have changed
                               * (other than by the clock): keys the encoded-answer memo */
};

/* Open the HTTP listening sockets (Supervisor's rules for stale sockets and
 * "Another program is already listening ..."), purge old AUTO logs (unless
 * nocleanup), build groups and processes from cfg (takes ownership of cfg)
 * with their AUTO log names. -1 + e (the text main prints as
 * "Error: <msg>") on failure; supervisor_release() in every case. */
int supervisor_init(struct supervisor *s, struct config *cfg, const struct config_cli *cli,
                    char *const *envp, struct err *e);
/* After daemonizing: route signals, start autostart processes in priority
 * order and run the loop until shutdown or restart. Returns the final mood
 * (MOOD_SHUTDOWN or MOOD_RESTARTING). */
enum mood supervisor_run(struct supervisor *s);
/* Free everything; children must all be stopped. Removes socket files. */
void supervisor_release(struct supervisor *s);

/* Requests, as the RPC layer will make them. */
void supervisor_shutdown(struct supervisor *s);
/* Reload as SIGHUP does, once the config file loads: -1 + e (logged, and
 * nothing changes) if it does not. */
int supervisor_restart(struct supervisor *s, struct err *e);
void supervisor_reopen_logs(struct supervisor *s);

struct proc *supervisor_find(const struct supervisor *s, const char *group, const char *name);
struct group *supervisor_group(const struct supervisor *s, const char *name);

/* ---- for the RPC layer ---- */

void supervisor_set_change_hook(struct supervisor *s, supervisor_change_fn fn, void *arg);

/* sendProcessStdin: queue bytes for the child's stdin (written as the pipe
 * drains; never blocks). -1 + e: ERR_STATE "NOT_RUNNING" when there is no
 * pid or the process is being stopped; ERR_NOTFOUND "NO_FILE" when the
 * child closed its stdin (EPIPE). */
int supervisor_write_stdin(struct proc *pr, const char *data, size_t len, struct err *e);
/* clearProcessLogs: empty the stdout and stderr log files (unlink and
 * reopen; backups kept, as Supervisor does). -1 + e on an I/O error. */
int supervisor_clear_proc_logs(struct proc *pr, struct err *e);

/* reloadConfig: parse the config file again (the running config is not
 * touched) and diff it against the active groups: names of groups added,
 * changed and removed, each a NULL-terminated malloc'd array of malloc'd
 * strings (free with supervisor_free_names). The parsed config is kept as
 * the "pending" one that addProcessGroup reads. -1 + e (ERR_CONFIG, the
 * parse error text) on a bad config. */
int supervisor_reread(struct supervisor *s, char ***added, char ***changed, char ***removed,
                      struct err *e);
void supervisor_free_names(char **names);
/* addProcessGroup: activate group `name` from the pending config (the one
 * loaded at startup or by the last reread); it autostarts. -1 + e:
 * ERR_NOTFOUND ("BAD_NAME") not in the pending config, ERR_STATE
 * ("ALREADY_ADDED") already active. */
int supervisor_add_group(struct supervisor *s, const char *name, struct err *e);
/* removeProcessGroup: -1 + e: ERR_NOTFOUND ("BAD_NAME") not active,
 * ERR_STATE ("STILL_RUNNING") a process is not in a stopped state. */
int supervisor_remove_group(struct supervisor *s, const char *name, struct err *e);
/* The config getAllConfigInfo describes (the pending one), and whether a
 * group of it is active. */
const struct config *supervisor_pending_config(const struct supervisor *s);
bool supervisor_group_active(const struct supervisor *s, const char *name);

#endif
