/* Unit tests for process.c: the state machine driven with a fake clock, a
 * fake spawner, a fake kill and a fake timer; main-log lines captured via
 * log_set_sink. Every row of the transition table is exercised. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "process.h"
#include "xalloc.h"

#define T0 1000000 /* the fake monotonic clock starts here (ms) */
#define MAXREC 64

struct change {
    enum proc_state from, to;
    int backoff;
    pid_t pid;
};

struct fake {
    int64_t now;
    double wall;
    /* spawn */
    int nspawn;
    int64_t spawn_at[MAXREC];
    pid_t next_pid;
    bool spawn_fail;
    const char *spawn_msg;
    /* kill */
    int nkill;
    pid_t kill_pid[MAXREC];
    int kill_sig[MAXREC];
    int kill_rc;
    int kill_rc_sigkill; /* rc for SIGKILL only, if non-zero */
    /* timer */
    int64_t armed; /* -1: none */
    int narm;
    /* notifications */
    struct change ch[MAXREC];
    int nch;
    bool allow;
    /* log */
    char *lines[MAXREC];
    int levels[MAXREC];
    int nlines;
    struct process_config *cfg;
    struct process p;
};

static pid_t f_spawn(void *ctx, struct process *p, struct err *e)
{
    struct fake *f = ctx;
    assert_ptr_equal(p, &f->p);
    assert_int_equal(p->state, PROC_STARTING); /* STARTING is announced before the fork */
    if (f->nspawn < MAXREC)
        f->spawn_at[f->nspawn] = f->now;
    f->nspawn++;
    if (f->spawn_fail)
        return err_set(e, ERR_SPAWN, "%s", f->spawn_msg);
    return f->next_pid++;
}

static int f_kill(void *ctx, pid_t pid, int sig)
{
    struct fake *f = ctx;
    assert_true(f->nkill < MAXREC);
    f->kill_pid[f->nkill] = pid;
    f->kill_sig[f->nkill] = sig;
    f->nkill++;
    if (sig == SIGKILL && f->kill_rc_sigkill)
        return f->kill_rc_sigkill;
    return f->kill_rc;
}

static void f_arm(void *ctx, struct process *p, int64_t deadline)
{
    struct fake *f = ctx;
    assert_ptr_equal(p, &f->p);
    f->armed = deadline < 0 ? -1 : deadline;
    f->narm++;
}

static int64_t f_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static double f_wall(void *ctx)
{
    return ((struct fake *)ctx)->wall + (double)(((struct fake *)ctx)->now - T0) / 1000.0;
}

static void f_changed(void *ctx, struct process *p, enum proc_state from)
{
    struct fake *f = ctx;
    assert_true(f->nch < MAXREC);
    assert_int_not_equal(from, p->state);
    f->ch[f->nch++] = (struct change){from, p->state, p->backoff, p->pid};
}

static bool f_allow(void *ctx)
{
    return ((struct fake *)ctx)->allow;
}

static const struct process_ops fake_ops = {
    .spawn = f_spawn,
    .kill = f_kill,
    .arm = f_arm,
    .now = f_now,
    .wallclock = f_wall,
    .state_changed = f_changed,
    .may_autostart = f_allow,
};

/* Keep only the message: drop "YYYY-MM-DD HH:MM:SS,mmm LEVL " and "\n". */
static void sink(void *arg, int level, const char *line, size_t len)
{
    struct fake *f = arg;
    const char *p = line, *end = line + len;
    for (int spaces = 0; p < end && spaces < 3; p++)
        if (*p == ' ')
            spaces++;
    size_t n = (size_t)(end - p);
    while (n > 0 && p[n - 1] == '\n')
        n--;
    if (f->nlines < MAXREC) {
        f->levels[f->nlines] = level;
        f->lines[f->nlines++] = xstrndup(p, n);
    }
}

static int setup(void **state)
{
    struct fake *f = xcalloc(1, sizeof *f);
    f->now = T0;
    f->wall = 1700000000.0;
    f->next_pid = 100;
    f->armed = -1;
    f->allow = true;
    f->spawn_msg = "can't find command 'nope'";
    struct process_config *c = xcalloc(1, sizeof *c);
    c->refs = 1;
    c->name = xstrdup("x");
    c->autostart = true;
    c->autorestart = AUTORESTART_UNEXPECTED;
    c->startsecs = 1;
    c->startretries = 3;
    c->exitcodes[0] = 1; /* {0} */
    c->stopsignal = SIGTERM;
    c->stopwaitsecs = 10;
    c->umask = -1;
    f->cfg = c;
    process_init(&f->p, c, &fake_ops, f);
    log_set_level(LOG_BLAT);
    log_set_sink(sink, f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    log_set_sink(NULL, NULL);
    f->p.pid = 0;
    process_release(&f->p);
    config_process_unref(f->cfg);
    for (int i = 0; i < f->nlines; i++)
        free(f->lines[i]);
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static void clear_log(struct fake *f)
{
    for (int i = 0; i < f->nlines; i++)
        free(f->lines[i]);
    f->nlines = 0;
}

/* The line with this exact text was logged at this level. */
static void assert_logged(struct fake *f, int level, const char *text)
{
    for (int i = 0; i < f->nlines; i++)
        if (strcmp(f->lines[i], text) == 0) {
            assert_int_equal(f->levels[i], level);
            return;
        }
    for (int i = 0; i < f->nlines; i++)
        print_message("  logged: %s\n", f->lines[i]);
    fail_msg("not logged: %s", text);
}

static bool logged_prefix(struct fake *f, const char *prefix)
{
    for (int i = 0; i < f->nlines; i++)
        if (strncmp(f->lines[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

/* Index of the line, for order checks; -1 if absent. */
static int log_index(struct fake *f, const char *text)
{
    for (int i = 0; i < f->nlines; i++)
        if (strcmp(f->lines[i], text) == 0)
            return i;
    return -1;
}

/* The loop: advance the clock to the armed deadline and fire. */
static void fire(struct fake *f)
{
    assert_true(f->armed >= 0);
    assert_int_equal(f->armed, f->p.deadline_ms);
    if (f->armed > f->now)
        f->now = f->armed;
    f->armed = -1; /* one-shot */
    process_timer(&f->p);
}

static void assert_trail(struct fake *f, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    assert_int_equal(f->nch, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(f->ch[i].to, va_arg(ap, int));
    va_end(ap);
}

static void set_exitcode(struct process_config *c, int code)
{
    c->exitcodes[code >> 3] |= (uint8_t)(1u << (code & 7));
}

static int exit_status(int code)
{
    return (code & 0xff) << 8;
}

/* Start and bring to RUNNING through the startsecs timer. */
static void to_running(struct fake *f)
{
    process_autostart(&f->p);
    assert_int_equal(f->p.state, PROC_STARTING);
    fire(f);
    assert_int_equal(f->p.state, PROC_RUNNING);
}

/* ---- start, startsecs --------------------------------------------------- */

static void test_autostart_spawns(void **state)
{
    struct fake *f = *state;
    process_autostart(&f->p);
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->p.pid, 100);
    assert_int_equal(f->nspawn, 1);
    assert_int_equal(f->p.laststart_ms, T0);
    assert_true(f->p.laststart > 0);
    assert_int_equal(f->armed, T0 + 1000);
    assert_trail(f, 1, PROC_STARTING);
    assert_int_equal(f->ch[0].from, PROC_STOPPED);
    assert_int_equal(f->ch[0].backoff, 0);
    assert_logged(f, LOG_INFO, "spawned: 'x' with pid 100");
}

static void test_autostart_conditions(void **state)
{
    struct fake *f = *state;
    f->cfg->autostart = false;
    process_autostart(&f->p);
    assert_int_equal(f->nspawn, 0);
    f->cfg->autostart = true;
    f->allow = false;
    process_autostart(&f->p);
    assert_int_equal(f->nspawn, 0);
    f->allow = true;
    process_autostart(&f->p);
    assert_int_equal(f->nspawn, 1);
    /* once started, autostart never starts it again */
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_STOPPED);
    process_autostart(&f->p);
    assert_int_equal(f->nspawn, 1);
}

static void test_startsecs_to_running(void **state)
{
    struct fake *f = *state;
    process_autostart(&f->p);
    f->p.backoff = 2; /* from earlier failures */
    fire(f);
    assert_int_equal(f->now, T0 + 1000);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_int_equal(f->p.backoff, 0);
    assert_int_equal(f->armed, -1);
    assert_trail(f, 2, PROC_STARTING, PROC_RUNNING);
    assert_int_equal(f->ch[1].pid, 100);
    assert_logged(f, LOG_INFO,
                  "success: x entered RUNNING state, process has stayed up for > than 1 "
                  "seconds (startsecs)");
}

static void test_startsecs_timer_early(void **state)
{
    struct fake *f = *state;
    process_autostart(&f->p);
    f->now = T0 + 400;
    f->armed = -1;
    process_timer(&f->p); /* a spurious early wake-up */
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->armed, T0 + 1000);
    fire(f);
    assert_int_equal(f->p.state, PROC_RUNNING);
}

static void test_startsecs_zero(void **state)
{
    struct fake *f = *state;
    f->cfg->startsecs = 0;
    process_autostart(&f->p);
    assert_int_equal(f->armed, T0); /* due at once: the next loop iteration */
    fire(f);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_logged(f, LOG_INFO,
                  "success: x entered RUNNING state, process has stayed up for > than 0 "
                  "seconds (startsecs)");
}

static void test_timer_none_armed_ignored(void **state)
{
    struct fake *f = *state;
    to_running(f);
    clear_log(f);
    process_timer(&f->p);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_false(logged_prefix(f, "impossible"));
}

/* ---- spawn failures, backoff, FATAL ------------------------------------ */

static void test_spawn_failed_backoff_timing(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    assert_int_equal(f->p.state, PROC_BACKOFF);
    assert_int_equal(f->p.backoff, 1);
    assert_string_equal(f->p.spawnerr, "can't find command 'nope'");
    assert_logged(f, LOG_INFO, "spawnerr: can't find command 'nope'");
    assert_int_equal(f->p.pid, 0);
    assert_int_equal(f->armed, T0 + 1000);
    /* linear: attempts at t, t+1, t+3, t+6, then FATAL (startretries=3) */
    fire(f);
    fire(f);
    fire(f);
    assert_int_equal(f->nspawn, 4);
    assert_int_equal(f->spawn_at[0], T0);
    assert_int_equal(f->spawn_at[1], T0 + 1000);
    assert_int_equal(f->spawn_at[2], T0 + 3000);
    assert_int_equal(f->spawn_at[3], T0 + 6000);
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_int_equal(f->p.backoff, 0);
    assert_int_equal(f->armed, -1);
    assert_trail(f, 9, PROC_STARTING, PROC_BACKOFF, PROC_STARTING, PROC_BACKOFF, PROC_STARTING,
                 PROC_BACKOFF, PROC_STARTING, PROC_BACKOFF, PROC_FATAL);
    /* "tries" of the events: STARTING carries the count so far, BACKOFF the new one */
    assert_int_equal(f->ch[0].backoff, 0);
    assert_int_equal(f->ch[1].backoff, 1);
    assert_int_equal(f->ch[2].backoff, 1);
    assert_int_equal(f->ch[7].backoff, 4);
    assert_logged(f, LOG_INFO,
                  "gave up: x entered FATAL state, too many start retries too quickly");
}

static void test_startretries_zero(void **state)
{
    struct fake *f = *state;
    f->cfg->startretries = 0;
    f->spawn_fail = true;
    process_autostart(&f->p);
    assert_int_equal(f->nspawn, 1);
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_trail(f, 3, PROC_STARTING, PROC_BACKOFF, PROC_FATAL);
    assert_int_equal(f->armed, -1);
    int a = log_index(f, "spawnerr: can't find command 'nope'");
    int b = log_index(f, "gave up: x entered FATAL state, too many start retries too quickly");
    assert_true(a >= 0 && b > a);
    assert_string_equal(f->p.spawnerr, "can't find command 'nope'");
}

static void test_too_quick_exit(void **state)
{
    struct fake *f = *state;
    process_autostart(&f->p);
    f->now += 500;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->p.state, PROC_BACKOFF);
    assert_int_equal(f->p.pid, 0);
    assert_int_equal(f->p.backoff, 1);
    assert_false(f->p.has_exitstatus);
    assert_string_equal(f->p.spawnerr, "Exited too quickly (process log may have details)");
    assert_logged(f, LOG_WARN, "exited: x (exit status 1; not expected)");
    assert_int_equal(f->armed, f->now + 1000);
    assert_trail(f, 2, PROC_STARTING, PROC_BACKOFF);
    assert_true(f->p.laststop > 0);
    /* the retry spawns again, and a successful run resets the count */
    fire(f);
    assert_int_equal(f->nspawn, 2);
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->p.spawnerr[0], '\0');
    fire(f);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_int_equal(f->p.backoff, 0);
}

static void test_too_quick_exits_to_fatal(void **state)
{
    struct fake *f = *state;
    f->cfg->startretries = 1;
    process_autostart(&f->p);
    process_exited(&f->p, exit_status(0)); /* even exit 0 is too quick */
    assert_int_equal(f->p.state, PROC_BACKOFF);
    fire(f);
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_int_equal(f->p.pid, 0);
    int a = log_index(f, "exited: x (exit status 0; not expected)");
    int b = log_index(f, "gave up: x entered FATAL state, too many start retries too quickly");
    assert_true(a >= 0 && b > a);
}

static void test_retry_not_allowed(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    f->allow = false; /* shutting down */
    fire(f);
    assert_int_equal(f->nspawn, 1);
    assert_int_equal(f->p.state, PROC_BACKOFF);
    assert_int_equal(f->armed, -1);
}

static void test_give_up(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    clear_log(f);
    process_give_up(&f->p);
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_int_equal(f->p.backoff, 0);
    assert_int_equal(f->armed, -1);
    assert_int_equal(f->nlines, 0); /* silent, unlike running out of retries */
    assert_trail(f, 3, PROC_STARTING, PROC_BACKOFF, PROC_FATAL);
}

/* ---- exits and autorestart --------------------------------------------- */

static void test_exit_after_startsecs_before_timer(void **state)
{
    struct fake *f = *state;
    process_autostart(&f->p);
    f->now += 1000; /* runtime == startsecs: not too quick; the timer has not run */
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_EXITED);
    assert_trail(f, 3, PROC_STARTING, PROC_RUNNING, PROC_EXITED);
    assert_false(logged_prefix(f, "success:"));
    assert_logged(f, LOG_INFO, "exited: x (exit status 0; expected)");
    assert_int_equal(f->armed, -1); /* expected + unexpected-only restart */
}

static void test_expected_exit(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->now += 5000;
    f->p.backoff = 3;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_EXITED);
    assert_int_equal(f->p.pid, 0);
    assert_true(f->p.has_exitstatus);
    assert_int_equal(f->p.exitstatus, 0);
    assert_int_equal(f->p.backoff, 0);
    assert_true(process_exit_expected(&f->p));
    assert_int_equal(f->p.spawnerr[0], '\0');
    assert_logged(f, LOG_INFO, "exited: x (exit status 0; expected)");
    /* the EXITED notification still sees the pid (event payload) */
    assert_int_equal(f->ch[f->nch - 1].to, PROC_EXITED);
    assert_int_equal(f->ch[f->nch - 1].pid, 100);
    assert_int_equal(f->armed, -1);
    assert_int_equal(f->nspawn, 1);
}

static void test_unexpected_exit_restarts_at_once(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(2));
    assert_int_equal(f->p.state, PROC_EXITED);
    assert_int_equal(f->p.exitstatus, 2);
    assert_false(process_exit_expected(&f->p));
    assert_string_equal(f->p.spawnerr, "Bad exit code 2");
    assert_logged(f, LOG_WARN, "exited: x (exit status 2; not expected)");
    assert_int_equal(f->armed, f->now); /* after a long run: no delay */
    fire(f);
    assert_int_equal(f->nspawn, 2);
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->p.pid, 101);
    assert_int_equal(f->p.spawnerr[0], '\0');
    assert_false(f->p.has_exitstatus);
}

static void test_autorestart_true(void **state)
{
    struct fake *f = *state;
    f->cfg->autorestart = AUTORESTART_ALWAYS;
    to_running(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->armed, f->now);
    fire(f);
    assert_int_equal(f->nspawn, 2);
    assert_int_equal(f->ch[f->nch - 1].from, PROC_EXITED);
}

static void test_autorestart_false(void **state)
{
    struct fake *f = *state;
    f->cfg->autorestart = AUTORESTART_NEVER;
    to_running(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->p.state, PROC_EXITED);
    assert_int_equal(f->armed, -1);
}

static void test_autorestart_unexpected_exitcodes(void **state)
{
    struct fake *f = *state;
    set_exitcode(f->cfg, 2);
    to_running(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(2));
    assert_logged(f, LOG_INFO, "exited: x (exit status 2; expected)");
    assert_int_equal(f->armed, -1);
    /* a signal death is never expected */
    struct err e;
    assert_int_equal(process_start(&f->p, &e), 0);
    fire(f);
    f->now += 5000;
    process_exited(&f->p, SIGKILL);
    assert_int_equal(f->p.exitstatus, -1);
    assert_logged(f, LOG_WARN, "exited: x (terminated by SIGKILL; not expected)");
    assert_string_equal(f->p.spawnerr, "Bad exit code -1");
    assert_int_equal(f->armed, f->now);
}

static void test_autorestart_not_allowed(void **state)
{
    struct fake *f = *state;
    f->cfg->autorestart = AUTORESTART_ALWAYS;
    to_running(f);
    f->now += 5000;
    f->allow = false;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->armed, -1);
    assert_int_equal(f->p.state, PROC_EXITED);
    /* allowed at exit, refused when due */
    f->allow = true;
    struct err e;
    assert_int_equal(process_start(&f->p, &e), 0);
    fire(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(0));
    assert_true(f->armed >= 0);
    f->allow = false;
    fire(f);
    assert_int_equal(f->p.state, PROC_EXITED);
    assert_int_equal(f->nspawn, 2);
}

static void test_crash_loop_delays(void **state)
{
    struct fake *f = *state;
    f->cfg->startsecs = 0;
    f->cfg->autorestart = AUTORESTART_ALWAYS;
    static const int64_t want[] = {0, 50, 100, 200, 400, 800, 1000, 1000};
    process_autostart(&f->p);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        f->now += 10;
        process_exited(&f->p, exit_status(1));
        assert_int_equal(f->p.state, PROC_EXITED);
        assert_int_equal(f->p.quick_exits, (int)i + 1);
        assert_int_equal(f->armed - f->now, want[i]);
        fire(f);
        assert_int_equal(f->p.state, PROC_STARTING);
    }
    /* startsecs=0 never backs off: no BACKOFF in the whole trail */
    for (int i = 0; i < f->nch; i++)
        assert_int_not_equal(f->ch[i].to, PROC_BACKOFF);
    assert_false(logged_prefix(f, "success:"));
    /* a run of a second or more resets the delay */
    f->now += 1500;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->p.quick_exits, 0);
    assert_int_equal(f->armed, f->now);
    fire(f);
    f->now += 10;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->armed, f->now);
    fire(f);
    f->now += 10;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->armed - f->now, 50);
}

/* ---- stop ---------------------------------------------------------------- */

static void test_stop_running(void **state)
{
    struct fake *f = *state;
    to_running(f);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_STOPPING);
    assert_true(f->p.killing);
    assert_true(f->p.admin_stop);
    assert_int_equal(f->nkill, 1);
    assert_int_equal(f->kill_pid[0], 100);
    assert_int_equal(f->kill_sig[0], SIGTERM);
    assert_int_equal(f->armed, f->now + 10000);
    assert_logged(f, LOG_DEBG, "killing x (pid 100) with signal SIGTERM");
    f->now += 20;
    process_exited(&f->p, SIGTERM);
    assert_int_equal(f->p.state, PROC_STOPPED);
    assert_int_equal(f->p.pid, 0);
    assert_false(f->p.killing);
    assert_int_equal(f->p.exitstatus, -1);
    assert_int_equal(f->armed, -1);
    assert_logged(f, LOG_WARN, "stopped: x (terminated by SIGTERM)");
    assert_trail(f, 4, PROC_STARTING, PROC_RUNNING, PROC_STOPPING, PROC_STOPPED);
    assert_int_equal(f->ch[3].pid, 100);
    /* a stopped process is not restarted, whatever autorestart says */
    assert_int_equal(f->nspawn, 1);
}

static void test_stop_expected_exit_logs_info(void **state)
{
    struct fake *f = *state;
    to_running(f);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    process_exited(&f->p, exit_status(0));
    assert_logged(f, LOG_INFO, "stopped: x (exit status 0)");
}

static void test_stop_starting(void **state)
{
    struct fake *f = *state;
    f->cfg->stopasgroup = true;
    f->cfg->stopsignal = SIGINT;
    process_autostart(&f->p);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_STOPPING);
    assert_int_equal(f->kill_pid[0], -100);
    assert_int_equal(f->kill_sig[0], SIGINT);
    assert_logged(f, LOG_DEBG, "killing x (pid 100) process group with signal SIGINT");
    /* exiting quickly while stopping is a stop, not a BACKOFF */
    process_exited(&f->p, SIGINT);
    assert_int_equal(f->p.state, PROC_STOPPED);
    assert_trail(f, 3, PROC_STARTING, PROC_STOPPING, PROC_STOPPED);
}

static void test_stop_backoff(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    assert_true(f->armed >= 0);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_STOPPED);
    assert_int_equal(f->nkill, 0);
    assert_int_equal(f->armed, -1);
    assert_true(f->p.admin_stop);
    assert_logged(f, LOG_DEBG, "Attempted to kill x, which is in BACKOFF state.");
}

static void test_sigkill_escalation(void **state)
{
    struct fake *f = *state;
    f->cfg->killasgroup = true; /* stopasgroup false: SIGTERM to the pid only */
    to_running(f);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    int64_t stop_at = f->now;
    int nch = f->nch;
    fire(f);
    assert_int_equal(f->now, stop_at + 10000);
    assert_int_equal(f->p.state, PROC_STOPPING);
    assert_int_equal(f->nkill, 2);
    assert_int_equal(f->kill_pid[0], 100);
    assert_int_equal(f->kill_pid[1], -100);
    assert_int_equal(f->kill_sig[1], SIGKILL);
    assert_logged(f, LOG_WARN, "killing 'x' (100) with SIGKILL");
    assert_logged(f, LOG_DEBG, "killing x (pid 100) process group with signal SIGKILL");
    assert_int_equal(f->armed, stop_at + 20000);
    assert_int_equal(f->nch, nch); /* STOPPING -> STOPPING is no change */
    fire(f);
    assert_int_equal(f->nkill, 3);
    assert_int_equal(f->kill_sig[2], SIGKILL);
    assert_int_equal(f->armed, stop_at + 30000);
    process_exited(&f->p, SIGKILL);
    assert_int_equal(f->p.state, PROC_STOPPED);
    assert_logged(f, LOG_WARN, "stopped: x (terminated by SIGKILL)");
}

static void test_stop_signal_zero(void **state)
{
    struct fake *f = *state;
    f->cfg->stopsignal = 0;
    to_running(f);
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->kill_sig[0], 0);
    fire(f);
    assert_int_equal(f->kill_sig[1], SIGKILL);
}

static void test_kill_esrch_ignored(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->kill_rc = ESRCH;
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_STOPPING);
    assert_true(f->p.killing);
    assert_true(logged_prefix(f, "unable to signal x (pid 100), it probably just exited"));
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_STOPPED);
}

static void test_kill_eperm_unknown(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->kill_rc = EPERM;
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_false(f->p.killing);
    assert_int_equal(f->armed, -1);
    assert_trail(f, 4, PROC_STARTING, PROC_RUNNING, PROC_STOPPING, PROC_UNKNOWN);
    assert_logged(f, LOG_CRIT, "unknown problem killing x (100):[Errno 1] Operation not permitted");
    /* no way out of UNKNOWN */
    assert_int_equal(process_start(&f->p, &e), -1);
    assert_int_equal(e.code, ERR_STATE);
    assert_string_equal(e.msg, "UNKNOWN");
    assert_int_equal(process_stop(&f->p, &e), -1);
    assert_string_equal(e.msg, "NOT_RUNNING");
    /* the child dies anyway: recorded, still UNKNOWN */
    process_exited(&f->p, exit_status(3));
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_int_equal(f->p.pid, 0);
    assert_int_equal(f->p.exitstatus, 3);
    assert_logged(f, LOG_WARN, "exited: x (exit status 3; not expected)");
    assert_int_equal(f->nspawn, 1);
}

static void test_sigkill_eperm_unknown(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->kill_rc_sigkill = EPERM;
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), 0);
    fire(f);
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_int_equal(f->armed, -1);
    assert_logged(f, LOG_CRIT, "unknown problem killing x (100):[Errno 1] Operation not permitted");
}

/* ---- requests in every state --------------------------------------------- */

static void test_start_refused(void **state)
{
    struct fake *f = *state;
    struct err e;
    process_autostart(&f->p);
    assert_int_equal(process_start(&f->p, &e), -1);
    assert_int_equal(e.code, ERR_STATE);
    assert_string_equal(e.msg, "ALREADY_STARTED");
    fire(f);
    assert_int_equal(process_start(&f->p, &e), -1);
    assert_string_equal(e.msg, "ALREADY_STARTED");
    assert_int_equal(process_stop(&f->p, &e), 0);
    assert_int_equal(process_start(&f->p, &e), -1);
    assert_string_equal(e.msg, "ALREADY_STARTED");
    /* stopping twice is refused too */
    assert_int_equal(process_stop(&f->p, &e), -1);
    assert_string_equal(e.msg, "NOT_RUNNING");
    assert_int_equal(f->nspawn, 1);
    assert_int_equal(f->nkill, 1);
}

static void test_stop_refused_when_stopped(void **state)
{
    struct fake *f = *state;
    struct err e;
    assert_int_equal(process_stop(&f->p, &e), -1);
    assert_string_equal(e.msg, "NOT_RUNNING");
    to_running(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(process_stop(&f->p, &e), -1); /* EXITED */
    f->spawn_fail = true;
    f->cfg->startretries = 0;
    assert_int_equal(process_start(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_int_equal(process_stop(&f->p, &e), -1); /* FATAL */
    assert_string_equal(e.msg, "NOT_RUNNING");
}

static void test_start_from_exited_fatal_backoff(void **state)
{
    struct fake *f = *state;
    struct err e;
    /* FATAL -> STARTING */
    f->spawn_fail = true;
    f->cfg->startretries = 0;
    process_autostart(&f->p);
    assert_int_equal(f->p.state, PROC_FATAL);
    f->spawn_fail = false;
    assert_int_equal(process_start(&f->p, &e), 0);
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->ch[f->nch - 1].from, PROC_FATAL);
    /* EXITED -> STARTING */
    fire(f);
    f->now += 5000;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(process_start(&f->p, &e), 0);
    assert_int_equal(f->ch[f->nch - 1].from, PROC_EXITED);
    /* BACKOFF -> STARTING: the pending retry is replaced */
    f->cfg->startretries = 5;
    process_exited(&f->p, exit_status(1));
    assert_int_equal(f->p.state, PROC_BACKOFF);
    int n = f->nspawn;
    assert_int_equal(process_start(&f->p, &e), 0);
    assert_int_equal(f->nspawn, n + 1);
    assert_int_equal(f->p.state, PROC_STARTING);
    assert_int_equal(f->ch[f->nch - 1].from, PROC_BACKOFF);
    assert_int_equal(f->armed, f->now + 1000); /* the startsecs timer now */
}

static void test_signal(void **state)
{
    struct fake *f = *state;
    struct err e;
    assert_int_equal(process_signal(&f->p, SIGHUP, &e), -1);
    assert_string_equal(e.msg, "NOT_RUNNING");
    f->cfg->stopasgroup = true; /* signals never go to the group */
    to_running(f);
    int nch = f->nch;
    assert_int_equal(process_signal(&f->p, SIGHUP, &e), 0);
    assert_int_equal(f->kill_pid[0], 100);
    assert_int_equal(f->kill_sig[0], SIGHUP);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_int_equal(f->nch, nch);
    assert_logged(f, LOG_DEBG, "sending x (pid 100) sig SIGHUP");
    f->kill_rc = ESRCH;
    assert_int_equal(process_signal(&f->p, SIGUSR1, &e), 0);
    assert_int_equal(f->p.state, PROC_RUNNING);
}

static void test_signal_eperm_running(void **state)
{
    struct fake *f = *state;
    struct err e;
    to_running(f);
    f->kill_rc = EPERM;
    assert_int_equal(process_signal(&f->p, SIGHUP, &e), -1);
    assert_string_equal(e.msg, "unknown problem sending sig x (100):[Errno 1] Operation not permitted");
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_logged(f, LOG_CRIT, "unknown problem sending sig x (100):[Errno 1] Operation not permitted");
}

static void test_signal_eperm_starting(void **state)
{
    struct fake *f = *state;
    struct err e;
    process_autostart(&f->p);
    f->kill_rc = EPERM;
    assert_int_equal(process_signal(&f->p, SIGHUP, &e), -1);
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_int_equal(f->armed, -1); /* the startsecs timer is gone */
    assert_trail(f, 2, PROC_STARTING, PROC_UNKNOWN);
}

static void test_signal_eperm_stopping(void **state)
{
    struct fake *f = *state;
    struct err e;
    to_running(f);
    assert_int_equal(process_stop(&f->p, &e), 0);
    f->kill_rc = EPERM;
    assert_int_equal(process_signal(&f->p, SIGHUP, &e), -1);
    assert_int_equal(f->p.state, PROC_UNKNOWN);
    assert_false(f->p.killing);
}

/* ---- impossible pairs ------------------------------------------------------ */

static void test_impossible_exit_when_stopped(void **state)
{
    struct fake *f = *state;
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_STOPPED);
    assert_int_equal(f->nch, 0);
    assert_logged(f, LOG_CRIT, "impossible event EXIT for 'x' in state STOPPED (ignored)");
}

static void test_impossible_give_up_when_running(void **state)
{
    struct fake *f = *state;
    to_running(f);
    process_give_up(&f->p);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_logged(f, LOG_CRIT, "impossible event GIVE_UP for 'x' in state RUNNING (ignored)");
}

static void test_impossible_exit_in_backoff_and_fatal(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_BACKOFF);
    assert_logged(f, LOG_CRIT, "impossible event EXIT for 'x' in state BACKOFF (ignored)");
    process_give_up(&f->p);
    process_exited(&f->p, exit_status(0));
    assert_int_equal(f->p.state, PROC_FATAL);
    assert_logged(f, LOG_CRIT, "impossible event EXIT for 'x' in state FATAL (ignored)");
}

static void test_impossible_timer_in_running(void **state)
{
    struct fake *f = *state;
    to_running(f);
    f->p.deadline_ms = f->now; /* a timer that should not exist */
    process_timer(&f->p);
    assert_int_equal(f->p.state, PROC_RUNNING);
    assert_logged(f, LOG_CRIT, "impossible event TIMER for 'x' in state RUNNING (ignored)");
}

/* ---- small pure functions ----------------------------------------------- */

static void test_describe_wait(void **state)
{
    (void)state;
    char buf[64];
    int code;
    process_describe_wait(exit_status(3), &code, buf, sizeof buf);
    assert_int_equal(code, 3);
    assert_string_equal(buf, "exit status 3");
    process_describe_wait(SIGKILL, &code, buf, sizeof buf);
    assert_int_equal(code, -1);
    assert_string_equal(buf, "terminated by SIGKILL");
    process_describe_wait(SIGSEGV | 0x80, &code, buf, sizeof buf);
    assert_string_equal(buf, "terminated by SIGSEGV (core dumped)");
    process_describe_wait(0x137f, &code, buf, sizeof buf); /* stopped: not an exit */
    assert_int_equal(code, -1);
    assert_string_equal(buf, "unknown termination cause 0x137f");
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(process_state_name(PROC_STOPPED), "STOPPED");
    assert_string_equal(process_state_name(PROC_STARTING), "STARTING");
    assert_string_equal(process_state_name(PROC_RUNNING), "RUNNING");
    assert_string_equal(process_state_name(PROC_BACKOFF), "BACKOFF");
    assert_string_equal(process_state_name(PROC_STOPPING), "STOPPING");
    assert_string_equal(process_state_name(PROC_EXITED), "EXITED");
    assert_string_equal(process_state_name(PROC_FATAL), "FATAL");
    assert_string_equal(process_state_name(PROC_UNKNOWN), "UNKNOWN");
    assert_true(process_state_is_running(PROC_BACKOFF));
    assert_true(process_state_is_running(PROC_STARTING));
    assert_false(process_state_is_running(PROC_STOPPING));
    assert_true(process_state_is_stopped(PROC_UNKNOWN));
    assert_true(process_state_is_stopped(PROC_EXITED));
    assert_false(process_state_is_stopped(PROC_STOPPING));
    assert_false(process_state_is_stopped(PROC_BACKOFF));
}

static void test_release_cancels_timer(void **state)
{
    struct fake *f = *state;
    f->spawn_fail = true;
    process_autostart(&f->p);
    assert_true(f->armed >= 0);
    process_release(&f->p);
    assert_int_equal(f->armed, -1);
    assert_null(f->p.cfg);
    assert_int_equal(f->cfg->refs, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_autostart_spawns),
        T(test_autostart_conditions),
        T(test_startsecs_to_running),
        T(test_startsecs_timer_early),
        T(test_startsecs_zero),
        T(test_timer_none_armed_ignored),
        T(test_spawn_failed_backoff_timing),
        T(test_startretries_zero),
        T(test_too_quick_exit),
        T(test_too_quick_exits_to_fatal),
        T(test_retry_not_allowed),
        T(test_give_up),
        T(test_exit_after_startsecs_before_timer),
        T(test_expected_exit),
        T(test_unexpected_exit_restarts_at_once),
        T(test_autorestart_true),
        T(test_autorestart_false),
        T(test_autorestart_unexpected_exitcodes),
        T(test_autorestart_not_allowed),
        T(test_crash_loop_delays),
        T(test_stop_running),
        T(test_stop_expected_exit_logs_info),
        T(test_stop_starting),
        T(test_stop_backoff),
        T(test_sigkill_escalation),
        T(test_stop_signal_zero),
        T(test_kill_esrch_ignored),
        T(test_kill_eperm_unknown),
        T(test_sigkill_eperm_unknown),
        T(test_start_refused),
        T(test_stop_refused_when_stopped),
        T(test_start_from_exited_fatal_backoff),
        T(test_signal),
        T(test_signal_eperm_running),
        T(test_signal_eperm_starting),
        T(test_signal_eperm_stopping),
        T(test_impossible_exit_when_stopped),
        T(test_impossible_give_up_when_running),
        T(test_impossible_exit_in_backoff_and_fatal),
        T(test_impossible_timer_in_running),
        T(test_describe_wait),
        T(test_state_names),
        T(test_release_cancels_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
