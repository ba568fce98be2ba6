/* supervisor: the running daemon. Owns the loaded config, the process
 * groups and their processes, the per-process pipes and log files; starts
 * groups in priority order, stops them in reverse order one group at a time,
 * reaps children the moment SIGCHLD arrives, and handles TERM/INT/QUIT
 * (shutdown), HUP (restart) and USR2 (log reopen). The command line,
 * daemonizing and privileges are main.c's and daemon.c's. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "loop.h"
#include "process.h"

struct capture;
struct logfile;

/* Supervisor's SupervisorStates. */
enum mood { MOOD_FATAL = 2, MOOD_RUNNING = 1, MOOD_RESTARTING = 0, MOOD_SHUTDOWN = -1 };

struct group;

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
};

struct group {
    struct group_config *cfg; /* borrowed from the supervisor's config */
    struct proc **procs;      /* owned, in cfg order */
    size_t nprocs;
    int fcgi_fd;              /* [fcgi-program]: listening socket while any process runs, else -1 */
    int fcgi_refs;
};

struct supervisor {
    struct loop *loop;        /* owned */
    struct config *cfg;       /* owned */
    char *const *envp;        /* borrowed (environ) */
    enum mood mood;
    bool stopping;            /* ordered stop in progress */
    size_t nstop_groups;      /* groups[0 .. nstop_groups) still to stop */
    double lastshutdownreport;
    struct loop_timer report_timer; /* "waiting for ... to die" every 3 s while stopping */
    struct group **groups;    /* owned, sorted by (priority, name) */
    size_t ngroups;
    struct pidmap *pids;      /* owned: pid -> proc */
    int *listen_fds;          /* owned: HTTP listening sockets */
    size_t nlisten;
};

/* Open the HTTP listening sockets (Supervisor's rules for stale sockets and
 * "Another program is already listening ..."), purge old AUTO logs (unless
 * nocleanup), build groups and processes from cfg (takes ownership of cfg)
 * with their AUTO log names. -1 + e (the text main prints as
 * "Error: <msg>") on failure; supervisor_release() in every case. */
int supervisor_init(struct supervisor *s, struct config *cfg, char *const *envp,
                    struct err *e);
/* After daemonizing: route signals, start autostart processes in priority
 * order and run the loop until shutdown or restart. Returns the final mood
 * (MOOD_SHUTDOWN or MOOD_RESTARTING). */
enum mood supervisor_run(struct supervisor *s);
/* Free everything; children must all be stopped. Removes socket files. */
void supervisor_release(struct supervisor *s);

/* Requests, as the RPC layer will make them. */
void supervisor_shutdown(struct supervisor *s);
void supervisor_restart(struct supervisor *s);
void supervisor_reopen_logs(struct supervisor *s);

struct proc *supervisor_find(const struct supervisor *s, const char *group, const char *name);

#endif
