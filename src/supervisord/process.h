/* process: one supervised process and its state machine, Supervisor's
 * states and transitions held as a table (state, event) -> handler that
 * returns the next state. An impossible (state, event) pair is a bug: it is
 * logged at CRIT and the state is left unchanged.
 * The machine acts on the world only through struct process_ops (spawn,
 * kill, one timer, clocks, notifications), so unit tests drive it with a fake
 * clock and a fake spawner. It logs Supervisor's main-log lines itself
 * ("spawned: 'x' with pid N", "success: ...", "exited: ...", "gave up: ...",
 * "stopped: ...", "killing 'x' (N) with SIGKILL", "spawnerr: ..."). */
#ifndef PROCESS_H
#define PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

enum proc_state {
    PROC_STOPPED = 0,
    PROC_STARTING = 10,
    PROC_RUNNING = 20,
    PROC_BACKOFF = 30,
    PROC_STOPPING = 40,
    PROC_EXITED = 100,
    PROC_FATAL = 200,
    PROC_UNKNOWN = 1000,
};

struct process;

struct process_ops {
    /* Resolve the command, make pipes and log files, fork and exec.
     * Returns the pid, or -1 with e->msg = Supervisor's spawnerr text. */
    pid_t (*spawn)(void *ctx, struct process *p, struct err *e);
    /* kill(2): returns 0 or an errno value. */
    int (*kill)(void *ctx, pid_t pid, int sig);
    /* (Re)arm the process's single one-shot timer at a monotonic deadline
     * in ms; deadline < 0 cancels it. When it fires, call process_timer().
     * The deadline may be now or past: fire on the next loop iteration. */
    void (*arm)(void *ctx, struct process *p, int64_t deadline_ms);
    int64_t (*now)(void *ctx);        /* monotonic ms */
    double (*wallclock)(void *ctx);   /* seconds since the epoch */
    /* After every state change (events, waiting RPC calls). May be NULL. */
    void (*state_changed)(void *ctx, struct process *p, enum proc_state from);
    /* Whether automatic (re)starts are allowed now (daemon mood RUNNING). */
    bool (*may_autostart)(void *ctx);
};

struct process {
    struct process_config *cfg;     /* one reference, owned */
    const struct process_ops *ops;  /* borrowed */
    void *ctx;                      /* passed to ops */
    void *owner;                    /* the supervisor's per-process data (borrowed) */
    enum proc_state state;
    pid_t pid;                      /* 0 when not running */
    int64_t laststart_ms;           /* monotonic; 0: never started */
    double laststart;               /* wall clock seconds; 0: never */
    double laststop;                /* wall clock seconds; 0: never */
    int64_t deadline_ms;            /* armed timer deadline, -1: none */
    int backoff;                    /* consecutive failed starts */
    int quick_exits;                /* consecutive short runs (restart delay) */
    bool killing;                   /* a stop signal was sent */
    bool admin_stop;                /* stopped by request, not by exit */
    bool has_exitstatus;
    int exitstatus;                 /* last exit code; -1 if killed by a signal */
    char spawnerr[512];             /* last spawn error, "" if none */
};

/* Initial state STOPPED. Takes a reference on cfg. */
void process_init(struct process *p, struct process_config *cfg,
                  const struct process_ops *ops, void *ctx);
/* Drops the cfg reference and cancels the timer. The process must not be
 * running (pid 0). */
void process_release(struct process *p);

/* Start by request (RPC start, or autostart). From STOPPED, EXITED, FATAL,
 * BACKOFF. -1 + e (ERR_STATE, "ALREADY_STARTED") if already in STARTING,
 * RUNNING or STOPPING; (ERR_STATE, "UNKNOWN") in UNKNOWN. A spawn error is
 * not a failure here: the process goes to BACKOFF with spawnerr set.
 * Note: Supervisor's startProcess RPC refuses BACKOFF (ALREADY_STARTED,
 * BACKOFF is a "running" state); the RPC layer checks that itself. */
int process_start(struct process *p, struct err *e);
/* autostart: start if STOPPED, never started, autostart=true, and allowed. */
void process_autostart(struct process *p);
/* Stop by request: STARTING/RUNNING -> STOPPING with stopsignal (to the
 * group if stopasgroup); BACKOFF -> STOPPED without a signal.
 * -1 + e (ERR_STATE, "NOT_RUNNING") otherwise. */
int process_stop(struct process *p, struct err *e);
/* Shutdown/restart: BACKOFF -> FATAL ("give up"), as stop_all does. */
void process_give_up(struct process *p);
/* signalProcess: send sig to the pid only; no state change.
 * -1 + e (ERR_STATE "NOT_RUNNING") if no pid or not STARTING/RUNNING/STOPPING.
 * ESRCH is ignored (0). Another kill error: CRIT log, -> UNKNOWN, -1 + e
 * (ERR_SYSTEM, "unknown problem sending sig x (pid):[Errno 1] ...", FAILED). */
int process_signal(struct process *p, int sig, struct err *e);
/* The child was reaped with this wait(2) status. Call it after draining
 * the child's pipes. An autorestart is never done inside this call: it is
 * armed on the timer (deadline now after a long run; 0, 50, 100 ... 1000 ms
 * when the process keeps dying in under a second), so no tight loop. */
void process_exited(struct process *p, int wait_status);
/* The process's timer fired (startsecs, backoff retry, stopwaitsecs,
 * delayed autorestart). */
void process_timer(struct process *p);

/* The last exit status is in exitcodes (PROCESS_STATE_EXITED "expected"). */
bool process_exit_expected(const struct process *p);

const char *process_state_name(enum proc_state s); /* "RUNNING", ... */
bool process_state_is_running(enum proc_state s);  /* STARTING RUNNING BACKOFF */
bool process_state_is_stopped(enum proc_state s);  /* STOPPED EXITED FATAL UNKNOWN */
/* "exit status 3", "terminated by SIGKILL (core dumped)"; *code = status or -1. */
void process_describe_wait(int wait_status, int *code, char *buf, size_t len);

#endif
