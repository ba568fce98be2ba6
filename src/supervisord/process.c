/* process: Supervisor's per-process state machine as a table of
 * (state, event) -> handler rows; a handler acts and returns the next state.
 * Owns the timer meaning (startsecs, backoff retry, stopwaitsecs, delayed
 * autorestart) and the main-log lines of the lifecycle. Spawning, signals,
 * clocks and notifications go through struct process_ops (the supervisor). */
#include "process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "datatypes.h"
#include "log.h"

enum proc_event {
    EV_START,             /* start by request, autostart */
    EV_SPAWN_FAILED,      /* the spawn op returned an error */
    EV_STARTSECS_ELAPSED, /* timer in STARTING */
    EV_EXIT,              /* the child was reaped */
    EV_STOP,              /* stop by request */
    EV_STOP_TIMEOUT,      /* timer in STOPPING: stopwaitsecs passed */
    EV_RETRY,             /* timer in BACKOFF */
    EV_TOO_MANY_RETRIES,  /* backoff > startretries */
    EV_GIVE_UP,           /* shutdown / restart gives up on BACKOFF */
    EV_RESTART_DUE,       /* timer in EXITED: autorestart */
    EV_KILL_FAILED,       /* kill(2) failed with something other than ESRCH */
    EV_TIMER,             /* a timer in a state that has none (no row) */
};

static const char *const event_names[] = {
    [EV_START] = "START",
    [EV_SPAWN_FAILED] = "SPAWN_FAILED",
    [EV_STARTSECS_ELAPSED] = "STARTSECS_ELAPSED",
    [EV_EXIT] = "EXIT",
    [EV_STOP] = "STOP",
    [EV_STOP_TIMEOUT] = "STOP_TIMEOUT",
    [EV_RETRY] = "RETRY",
    [EV_TOO_MANY_RETRIES] = "TOO_MANY_RETRIES",
    [EV_GIVE_UP] = "GIVE_UP",
    [EV_RESTART_DUE] = "RESTART_DUE",
    [EV_KILL_FAILED] = "KILL_FAILED",
    [EV_TIMER] = "TIMER",
};

/* Restart delay for a process that keeps dying in under QUICK_RUN_MS:
 * the first respawn is immediate, then RESTART_DELAY_MIN_MS doubling up to
 * RESTART_DELAY_MAX_MS (our improvement over Python's 1 s tick). */
#define QUICK_RUN_MS 1000
#define RESTART_DELAY_MIN_MS 50
#define RESTART_DELAY_MAX_MS 1000

typedef enum proc_state (*handler_fn)(struct process *p, int arg);

struct row {
    enum proc_state state;
    enum proc_event event;
    handler_fn fn;
};

static enum proc_state dispatch(struct process *p, enum proc_event ev, int arg);

static const char *pname(const struct process *p)
{
    return p->cfg->name;
}

static int64_t now_ms(const struct process *p)
{
    return p->ops->now(p->ctx);
}

static const char *signame(int sig, char *buf, size_t len)
{
    const char *s = dt_signame(sig);
    if (s)
        return s;
    snprintf(buf, len, "signal %d", sig);
    return buf;
}

static void set_timer(struct process *p, int64_t deadline)
{
    if (deadline < 0 && p->deadline_ms < 0)
        return;
    p->deadline_ms = deadline < 0 ? -1 : deadline;
    p->ops->arm(p->ctx, p, p->deadline_ms);
}

/* Every change cancels the old state's timer and is announced; a handler
 * that needs a timer in the new state arms it after calling this. */
static void set_state(struct process *p, enum proc_state next)
{
    if (next == p->state)
        return;
    enum proc_state from = p->state;
    p->state = next;
    set_timer(p, -1);
    if (p->ops->state_changed)
        p->ops->state_changed(p->ctx, p, from);
}

static bool may_autostart(const struct process *p)
{
    return !p->ops->may_autostart || p->ops->may_autostart(p->ctx);
}

/* Python's OSError text, for the CRIT lines that carry a traceback there. */
static void oserror_text(int errnum, char *buf, size_t len)
{
    snprintf(buf, len, "[Errno %d] %s", errnum, strerror(errnum));
}

/* ---- handlers ---------------------------------------------------------- */

/* STOPPED/EXITED/FATAL/BACKOFF -> STARTING, or BACKOFF if the spawn fails. */
static enum proc_state on_start(struct process *p, int arg)
{
    (void)arg;
    p->killing = false;
    p->spawnerr[0] = '\0';
    p->has_exitstatus = false;
    p->exitstatus = 0;
    p->admin_stop = false;
    p->laststart_ms = now_ms(p);
    p->laststart = p->ops->wallclock(p->ctx);
    set_state(p, PROC_STARTING);

    struct err e;
    err_clear(&e);
    pid_t pid = p->ops->spawn(p->ctx, p, &e);
    if (pid <= 0) {
        const char *m = e.msg[0] ? e.msg : "unknown spawn error";
        size_t n = strnlen(m, sizeof p->spawnerr - 1);
        memcpy(p->spawnerr, m, n); /* truncates a very long message */
        p->spawnerr[n] = '\0';
        log_info("spawnerr: %s", p->spawnerr);
        return dispatch(p, EV_SPAWN_FAILED, 0);
    }
    p->pid = pid;
    log_info("spawned: '%s' with pid %d", pname(p), (int)pid);
    set_timer(p, p->laststart_ms + (int64_t)p->cfg->startsecs * 1000);
    return PROC_STARTING;
}

/* Entered BACKOFF (backoff already counted): retry after `backoff` seconds
 * (linear, as Supervisor), or give up once the retries are spent. */
static enum proc_state schedule_retry(struct process *p)
{
    if (p->backoff > p->cfg->startretries)
        return dispatch(p, EV_TOO_MANY_RETRIES, 0);
    set_timer(p, now_ms(p) + (int64_t)p->backoff * 1000);
    return PROC_BACKOFF;
}

static enum proc_state on_spawn_failed(struct process *p, int arg)
{
    (void)arg;
    p->backoff++;
    set_state(p, PROC_BACKOFF);
    return schedule_retry(p);
}

static enum proc_state on_startsecs(struct process *p, int arg)
{
    (void)arg;
    p->backoff = 0;
    set_state(p, PROC_RUNNING);
    log_info("success: %s entered RUNNING state, process has stayed up for > than %d seconds "
             "(startsecs)",
             pname(p), p->cfg->startsecs);
    return PROC_RUNNING;
}

/* 0 for the first quick exit, then doubling from the minimum to the cap. */
static int64_t restart_delay(const struct process *p)
{
    if (p->quick_exits <= 1)
        return 0;
    int64_t d = RESTART_DELAY_MIN_MS;
    for (int i = 2; i < p->quick_exits && d < RESTART_DELAY_MAX_MS; i++)
        d *= 2;
    return d < RESTART_DELAY_MAX_MS ? d : RESTART_DELAY_MAX_MS;
}

/* Common bookkeeping of a reap; returns the runtime in ms. */
static int64_t note_exit(struct process *p, int status, int *code, char *msg, size_t len)
{
    process_describe_wait(status, code, msg, len);
    int64_t now = now_ms(p);
    p->laststop = p->ops->wallclock(p->ctx);
    int64_t runtime = now - p->laststart_ms;
    if (runtime < QUICK_RUN_MS)
        p->quick_exits++;
    else
        p->quick_exits = 0;
    return runtime;
}

/* STARTING/RUNNING, child reaped without a stop request. */
static enum proc_state on_exit(struct process *p, int status)
{
    int es;
    char msg[128];
    int64_t runtime = note_exit(p, status, &es, msg, sizeof msg);
    bool expected = dt_exitcode_in(p->cfg->exitcodes, es);

    if (p->state == PROC_STARTING && runtime < (int64_t)p->cfg->startsecs * 1000) {
        p->has_exitstatus = false;
        p->exitstatus = 0;
        snprintf(p->spawnerr, sizeof p->spawnerr,
                 "Exited too quickly (process log may have details)");
        p->backoff++;
        set_state(p, PROC_BACKOFF);
        log_warn("exited: %s (%s; not expected)", pname(p), msg);
        p->pid = 0;
        return schedule_retry(p);
    }

    p->backoff = 0;
    p->has_exitstatus = true;
    p->exitstatus = es;
    /* Ran past startsecs but the timer has not fired yet: RUNNING without
     * the "success:" line, as Supervisor does. */
    set_state(p, PROC_RUNNING);
    if (expected) {
        set_state(p, PROC_EXITED);
        log_info("exited: %s (%s; expected)", pname(p), msg);
    } else {
        snprintf(p->spawnerr, sizeof p->spawnerr, "Bad exit code %d", es);
        set_state(p, PROC_EXITED);
        log_warn("exited: %s (%s; not expected)", pname(p), msg);
    }
    p->pid = 0;

    enum autorestart ar = p->cfg->autorestart;
    if ((ar == AUTORESTART_ALWAYS || (ar == AUTORESTART_UNEXPECTED && !expected)) &&
        may_autostart(p))
        set_timer(p, now_ms(p) + restart_delay(p));
    return PROC_EXITED;
}

/* STOPPING: the stop request succeeded. */
static enum proc_state on_exit_stopping(struct process *p, int status)
{
    int es;
    char msg[128];
    note_exit(p, status, &es, msg, sizeof msg);
    p->killing = false;
    p->has_exitstatus = true;
    p->exitstatus = es;
    set_state(p, PROC_STOPPED);
    if (dt_exitcode_in(p->cfg->exitcodes, es))
        log_info("stopped: %s (%s)", pname(p), msg);
    else
        log_warn("stopped: %s (%s)", pname(p), msg);
    p->pid = 0;
    return PROC_STOPPED;
}

/* UNKNOWN (a kill failed) and the child went anyway: record it, stay UNKNOWN
 * (Supervisor has no way out of UNKNOWN; it would trip an assertion here). */
static enum proc_state on_exit_unknown(struct process *p, int status)
{
    int es;
    char msg[128];
    note_exit(p, status, &es, msg, sizeof msg);
    p->killing = false;
    p->has_exitstatus = true;
    p->exitstatus = es;
    log_warn("exited: %s (%s; not expected)", pname(p), msg);
    p->pid = 0;
    return PROC_UNKNOWN;
}

/* Supervisor's kill(): -> STOPPING, arm stopwaitsecs, send the signal. */
static enum proc_state send_kill(struct process *p, int sig, bool as_group)
{
    char sb[32];
    log_debug("killing %s (pid %d) %swith signal %s", pname(p), (int)p->pid,
              as_group ? "process group " : "", signame(sig, sb, sizeof sb));
    p->killing = true;
    set_state(p, PROC_STOPPING);
    set_timer(p, now_ms(p) + (int64_t)p->cfg->stopwaitsecs * 1000);

    int rc = p->ops->kill(p->ctx, as_group ? -p->pid : p->pid, sig);
    if (rc == 0)
        return PROC_STOPPING;
    char et[128];
    oserror_text(rc, et, sizeof et);
    if (rc == ESRCH) {
        /* Already gone: the reap will finish the stop. */
        log_debug("unable to signal %s (pid %d), it probably just exited on its own: %s",
                  pname(p), (int)p->pid, et);
        return PROC_STOPPING;
    }
    log_crit("unknown problem killing %s (%d):%s", pname(p), (int)p->pid, et);
    return dispatch(p, EV_KILL_FAILED, rc);
}

static enum proc_state on_stop(struct process *p, int arg)
{
    (void)arg;
    p->admin_stop = true;
    return send_kill(p, p->cfg->stopsignal, p->cfg->stopasgroup);
}

/* Stopping a BACKOFF process sends nothing: there is no child. */
static enum proc_state on_stop_backoff(struct process *p, int arg)
{
    (void)arg;
    p->admin_stop = true;
    log_debug("Attempted to kill %s, which is in BACKOFF state.", pname(p));
    return PROC_STOPPED;
}

/* Repeats every stopwaitsecs until the child is reaped, as Supervisor. */
static enum proc_state on_stop_timeout(struct process *p, int arg)
{
    (void)arg;
    log_warn("killing '%s' (%d) with SIGKILL", pname(p), (int)p->pid);
    return send_kill(p, SIGKILL, p->cfg->killasgroup);
}

static enum proc_state on_retry(struct process *p, int arg)
{
    if (!may_autostart(p))
        return PROC_BACKOFF; /* shutting down: stop_all gives it up */
    return on_start(p, arg);
}

static enum proc_state on_restart_due(struct process *p, int arg)
{
    if (!may_autostart(p))
        return PROC_EXITED;
    return on_start(p, arg);
}

static enum proc_state on_too_many_retries(struct process *p, int arg)
{
    (void)arg;
    p->backoff = 0;
    set_state(p, PROC_FATAL);
    log_info("gave up: %s entered FATAL state, too many start retries too quickly", pname(p));
    return PROC_FATAL;
}

static enum proc_state on_give_up(struct process *p, int arg)
{
    (void)arg;
    p->backoff = 0;
    return PROC_FATAL;
}

static enum proc_state on_kill_failed(struct process *p, int arg)
{
    (void)arg;
    p->killing = false;
    return PROC_UNKNOWN;
}

/* The whole machine. Anything not listed is impossible. */
static const struct row table[] = {
    {PROC_STOPPED, EV_START, on_start},
    {PROC_EXITED, EV_START, on_start},
    {PROC_FATAL, EV_START, on_start},
    {PROC_BACKOFF, EV_START, on_start},
    {PROC_EXITED, EV_RESTART_DUE, on_restart_due},
    {PROC_BACKOFF, EV_RETRY, on_retry},
    {PROC_BACKOFF, EV_TOO_MANY_RETRIES, on_too_many_retries},
    {PROC_BACKOFF, EV_GIVE_UP, on_give_up},
    {PROC_BACKOFF, EV_STOP, on_stop_backoff},
    {PROC_STARTING, EV_SPAWN_FAILED, on_spawn_failed},
    {PROC_STARTING, EV_STARTSECS_ELAPSED, on_startsecs},
    {PROC_STARTING, EV_EXIT, on_exit},
    {PROC_STARTING, EV_STOP, on_stop},
    {PROC_STARTING, EV_KILL_FAILED, on_kill_failed},
    {PROC_RUNNING, EV_EXIT, on_exit},
    {PROC_RUNNING, EV_STOP, on_stop},
    {PROC_RUNNING, EV_KILL_FAILED, on_kill_failed},
    {PROC_STOPPING, EV_EXIT, on_exit_stopping},
    {PROC_STOPPING, EV_STOP_TIMEOUT, on_stop_timeout},
    {PROC_STOPPING, EV_KILL_FAILED, on_kill_failed},
    {PROC_UNKNOWN, EV_EXIT, on_exit_unknown},
};

/* Handlers may chain events (START -> SPAWN_FAILED -> TOO_MANY_RETRIES);
 * each applies its own state, so the outer set_state is then a no-op. */
static enum proc_state dispatch(struct process *p, enum proc_event ev, int arg)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].state == p->state && table[i].event == ev) {
            enum proc_state next = table[i].fn(p, arg);
            set_state(p, next);
            return p->state;
        }
    }
    log_crit("impossible event %s for '%s' in state %s (ignored)", event_names[ev], pname(p),
             process_state_name(p->state));
    return p->state;
}

/* ---- public ------------------------------------------------------------ */

void process_init(struct process *p, struct process_config *cfg, const struct process_ops *ops,
                  void *ctx)
{
    memset(p, 0, sizeof *p);
    p->cfg = config_process_ref(cfg);
    p->ops = ops;
    p->ctx = ctx;
    p->state = PROC_STOPPED;
    p->deadline_ms = -1;
}

void process_release(struct process *p)
{
    if (!p->cfg)
        return;
    set_timer(p, -1);
    config_process_unref(p->cfg);
    p->cfg = NULL;
}

int process_start(struct process *p, struct err *e)
{
    switch (p->state) {
    case PROC_STARTING:
    case PROC_RUNNING:
    case PROC_STOPPING:
        return err_set(e, ERR_STATE, "ALREADY_STARTED");
    case PROC_UNKNOWN:
        return err_set(e, ERR_STATE, "UNKNOWN");
    default:
        break;
    }
    p->quick_exits = 0; /* an operator's start begins a fresh history */
    dispatch(p, EV_START, 0);
    return 0;
}

void process_autostart(struct process *p)
{
    if (p->state == PROC_STOPPED && p->laststart == 0 && p->laststart_ms == 0 &&
        p->cfg->autostart && may_autostart(p))
        dispatch(p, EV_START, 0);
}

int process_stop(struct process *p, struct err *e)
{
    if (p->state != PROC_STARTING && p->state != PROC_RUNNING && p->state != PROC_BACKOFF)
        return err_set(e, ERR_STATE, "NOT_RUNNING");
    dispatch(p, EV_STOP, 0);
    return 0;
}

void process_give_up(struct process *p)
{
    dispatch(p, EV_GIVE_UP, 0);
}

int process_signal(struct process *p, int sig, struct err *e)
{
    char sb[32];
    if (!p->pid || (p->state != PROC_STARTING && p->state != PROC_RUNNING &&
                    p->state != PROC_STOPPING)) {
        log_debug("attempted to send %s sig %s but it wasn't running", pname(p),
                  signame(sig, sb, sizeof sb));
        return err_set(e, ERR_STATE, "NOT_RUNNING");
    }
    log_debug("sending %s (pid %d) sig %s", pname(p), (int)p->pid, signame(sig, sb, sizeof sb));
    int rc = p->ops->kill(p->ctx, p->pid, sig);
    if (rc == 0)
        return 0;
    char et[128];
    oserror_text(rc, et, sizeof et);
    if (rc == ESRCH) {
        log_debug("unable to signal %s (pid %d), it probably just now exited on its own: %s",
                  pname(p), (int)p->pid, et);
        return 0;
    }
    log_crit("unknown problem sending sig %s (%d):%s", pname(p), (int)p->pid, et);
    err_set(e, ERR_SYSTEM, "unknown problem sending sig %s (%d):%s", pname(p), (int)p->pid, et);
    dispatch(p, EV_KILL_FAILED, rc);
    return -1;
}

void process_exited(struct process *p, int wait_status)
{
    dispatch(p, EV_EXIT, wait_status);
}

void process_timer(struct process *p)
{
    if (p->deadline_ms < 0) {
        log_debug("timer of '%s' fired while none was armed (ignored)", pname(p));
        return;
    }
    int64_t deadline = p->deadline_ms;
    p->deadline_ms = -1; /* one-shot: it fired */
    if (now_ms(p) < deadline) {
        set_timer(p, deadline); /* early wake-up */
        return;
    }
    enum proc_event ev;
    switch (p->state) {
    case PROC_STARTING: ev = EV_STARTSECS_ELAPSED; break;
    case PROC_BACKOFF: ev = EV_RETRY; break;
    case PROC_STOPPING: ev = EV_STOP_TIMEOUT; break;
    case PROC_EXITED: ev = EV_RESTART_DUE; break;
    default: ev = EV_TIMER; break;
    }
    dispatch(p, ev, 0);
}

bool process_exit_expected(const struct process *p)
{
    return p->has_exitstatus && dt_exitcode_in(p->cfg->exitcodes, p->exitstatus);
}

const char *process_state_name(enum proc_state s)
{
    switch (s) {
    case PROC_STOPPED: return "STOPPED";
    case PROC_STARTING: return "STARTING";
    case PROC_RUNNING: return "RUNNING";
    case PROC_BACKOFF: return "BACKOFF";
    case PROC_STOPPING: return "STOPPING";
    case PROC_EXITED: return "EXITED";
    case PROC_FATAL: return "FATAL";
    case PROC_UNKNOWN: return "UNKNOWN";
    }
    return "UNKNOWN";
}

bool process_state_is_running(enum proc_state s)
{
    return s == PROC_STARTING || s == PROC_RUNNING || s == PROC_BACKOFF;
}

bool process_state_is_stopped(enum proc_state s)
{
    return s == PROC_STOPPED || s == PROC_EXITED || s == PROC_FATAL || s == PROC_UNKNOWN;
}

void process_describe_wait(int wait_status, int *code, char *buf, size_t len)
{
    if (WIFEXITED(wait_status)) {
        *code = WEXITSTATUS(wait_status);
        snprintf(buf, len, "exit status %d", *code);
    } else if (WIFSIGNALED(wait_status)) {
        char sb[32];
        *code = -1;
        snprintf(buf, len, "terminated by %s%s", signame(WTERMSIG(wait_status), sb, sizeof sb),
                 WCOREDUMP(wait_status) ? " (core dumped)" : "");
    } else {
        *code = -1;
        snprintf(buf, len, "unknown termination cause 0x%04x", (unsigned)wait_status);
    }
}
