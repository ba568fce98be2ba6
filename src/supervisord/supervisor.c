/* supervisor: the running daemon: groups, processes, their pipes and logs,
 * reaping, signals, ordered start and stop. The state machine itself is
 * process.c's; this file gives it a world (spawn, kill, timers, clocks). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "daemon.h"
#include "events.h"
#include "httpd.h"
#include "httpsock.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "loop.h"
#include "rpc.h"
#include "spawn.h"
#include "xalloc.h"

#define READ_CHUNK (128 * 1024) /* Supervisor reads up to 128 KiB per event */
#define SHUTDOWN_REPORT_MS 3000
#define DRAIN_MAX_MS 3000 /* shutdown waits at most this for listener pools */

/* ---- pid -> proc map (open addressing, linear probing) ---- */

struct pidmap {
    pid_t *keys;        /* 0: empty, -1: tombstone */
    struct proc **vals;
    size_t cap, used;
};

static struct pidmap *pidmap_new(void)
{
    struct pidmap *m = xcalloc(1, sizeof *m);
    m->cap = 64;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    return m;
}

static void pidmap_free(struct pidmap *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m);
}

static size_t pidmap_slot(pid_t pid, size_t cap)
{
    return ((size_t)pid * 2654435761u) & (cap - 1);
}

static void pidmap_put(struct pidmap *m, pid_t pid, struct proc *p);

static void pidmap_grow(struct pidmap *m)
{
    pid_t *keys = m->keys;
    struct proc **vals = m->vals;
    size_t cap = m->cap;
    m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->used = 0;
    for (size_t i = 0; i < cap; i++)
        if (keys[i] > 0)
            pidmap_put(m, keys[i], vals[i]);
    free(keys);
    free(vals);
}

static void pidmap_put(struct pidmap *m, pid_t pid, struct proc *p)
{
    if ((m->used + 1) * 2 > m->cap)
        pidmap_grow(m);
    size_t i = pidmap_slot(pid, m->cap);
    while (m->keys[i] > 0)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0)
        m->used++;
    m->keys[i] = pid;
    m->vals[i] = p;
}

static struct proc *pidmap_take(struct pidmap *m, pid_t pid)
{
    size_t i = pidmap_slot(pid, m->cap);
    while (m->keys[i] != 0) {
        if (m->keys[i] == pid) {
            m->keys[i] = -1;
            return m->vals[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

/* ---- shared configs ---- */

static struct cfghold *hold_new(struct config *cfg)
{
    struct cfghold *h = xcalloc(1, sizeof *h);
    h->cfg = cfg;
    h->refs = 1;
    return h;
}

static struct cfghold *hold_ref(struct cfghold *h)
{
    h->refs++;
    return h;
}

static void hold_unref(struct cfghold *h)
{
    if (h && --h->refs == 0) {
        config_release(h->cfg);
        free(h->cfg);
        free(h);
    }
}

/* ---- helpers ---- */

static const char *env_lookup(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static bool proc_is_stopped(const struct proc *pr)
{
    return process_state_is_stopped(pr->p.state);
}

static bool group_has_unstopped(const struct group *g)
{
    for (size_t i = 0; i < g->nprocs; i++)
        if (!proc_is_stopped(g->procs[i]))
            return true;
    return false;
}

/* ---- output pipes ---- */

static void channel_close(struct proc *pr, int *fd, struct capture *c)
{
    if (*fd < 0)
        return;
    loop_del_io(pr->sup->loop, *fd);
    close_fd(fd);
    if (c)
        capture_flush(c);
}

static void queue_stop_step(struct supervisor *s);

/* Read what the pipe holds now; returns false at EOF or on error. */
static bool channel_read(struct proc *pr, int fd, struct capture *c, bool drain)
{
    static char buf[READ_CHUNK];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            if (c)
                capture_feed(c, buf, (size_t)n);
            if (pr->lis && fd == pr->stdout_fd) {
                listener_feed(pr->lis, buf, (size_t)n); /* after the log, as Supervisor */
                if (pr->sup->stopping)
                    queue_stop_step(pr->sup); /* the pool may have drained */
            }
            if (!drain)
                return true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        return false;
    }
}

static void pipe_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    struct proc *pr = arg;
    (void)l;
    (void)events;
    bool is_out = fd == pr->stdout_fd;
    struct capture *c = is_out ? pr->out : pr->err;
    if (!channel_read(pr, fd, c, false))
        channel_close(pr, is_out ? &pr->stdout_fd : &pr->stderr_fd, c);
}

/* [fcgi-program]: the group's socket exists while any of its processes
 * runs, as Supervisor's reference-counted socket manager does. */
static int fcgi_ref(struct proc *pr, struct err *e)
{
    struct group *g = pr->group;
    if (g->cfg->type != GROUP_FCGI || pr->holds_fcgi)
        return 0;
    if (g->fcgi_refs == 0) {
        struct err se;
        g->fcgi_fd = httpsock_fcgi_open(g->cfg, &se);
        if (g->fcgi_fd < 0)
            return err_set(e, ERR_SPAWN, "could not create FastCGI socket %s for '%s': %s",
                           g->cfg->socket, pr->p.cfg->name, se.msg);
    }
    g->fcgi_refs++;
    pr->holds_fcgi = true;
    return 0;
}

static void fcgi_unref(struct proc *pr)
{
    struct group *g = pr->group;
    if (!pr->holds_fcgi)
        return;
    pr->holds_fcgi = false;
    if (--g->fcgi_refs == 0) {
        httpsock_fcgi_close(g->cfg, g->fcgi_fd);
        g->fcgi_fd = -1;
    }
}

/* Read everything still buffered, then release pipes, captures and logs. */
static void proc_io_release(struct proc *pr)
{
    if (pr->stdout_fd >= 0)
        channel_read(pr, pr->stdout_fd, pr->out, true);
    if (pr->stderr_fd >= 0)
        channel_read(pr, pr->stderr_fd, pr->err, true);
    channel_close(pr, &pr->stdout_fd, pr->out);
    channel_close(pr, &pr->stderr_fd, pr->err);
    if (pr->out)
        capture_flush(pr->out);
    if (pr->err)
        capture_flush(pr->err);
    if (pr->stdin_watch)
        loop_del_io(pr->sup->loop, pr->stdin_fd);
    pr->stdin_watch = false;
    buf_reset(&pr->stdin_buf);
    close_fd(&pr->stdin_fd);
    capture_free(pr->out);
    capture_free(pr->err);
    pr->out = pr->err = NULL;
    logfile_close(pr->outlog);
    logfile_close(pr->errlog);
    pr->outlog = pr->errlog = NULL;
    fcgi_unref(pr);
}

/* ---- the world of process.c ---- */

static const char *errno_name_or_num(int errnum, char *buf, size_t len)
{
    const char *n = spawn_errno_name(errnum);
    if (n)
        return n;
    snprintf(buf, len, "%d", errnum);
    return buf;
}

static int dispatcher_error(struct proc *pr, int errnum, struct err *e)
{
    char tmp[16];
    if (errnum == EMFILE)
        return err_set(e, ERR_SPAWN, "too many open files to spawn '%s'", pr->p.cfg->name);
    return err_set(e, ERR_SPAWN, "unknown error making dispatchers for '%s': %s",
                   pr->p.cfg->name, errno_name_or_num(errnum, tmp, sizeof tmp));
}

static struct logfile *open_log(struct proc *pr, const char *path, const struct logspec *ls,
                                struct err *e)
{
    if (!path)
        return NULL;
    struct err le;
    struct logfile *lf = logfile_open(path, ls->maxbytes, (int)ls->backups, &le);
    if (!lf) {
        int errnum = errno ? errno : EIO;
        dispatcher_error(pr, errnum, e);
        log_debug("%s", le.msg);
    }
    return lf;
}

static void hook_log_event(void *ctx, const char *channel, const void *data, size_t n)
{
    struct proc *pr = ctx;
    events_process_output(pr->sup->events, false, channel, pr->p.cfg->name, pr->group->cfg->name,
                          pr->p.pid, data, n);
}

static void hook_comm_event(void *ctx, const char *channel, const void *data, size_t n)
{
    struct proc *pr = ctx;
    events_process_output(pr->sup->events, true, channel, pr->p.cfg->name, pr->group->cfg->name,
                          pr->p.pid, data, n);
}

static struct capture *make_capture(struct proc *pr, const char *channel, struct logfile *lf,
                                    const struct logspec *ls)
{
    /* A listener's stdout is the protocol channel: only its log file and a
     * bytes repr in the main log (PEventListenerDispatcher). */
    bool protocol = pr->lis && strcmp(channel, "stdout") == 0;
    struct capture_config cc = {
        .name = pr->p.cfg->name,
        .channel = channel,
        .log = lf,
        .syslog = ls->syslog && !protocol,
        .strip_ansi = pr->sup->cfg->strip_ansi,
        .capture_maxbytes = protocol ? 0 : ls->capture_maxbytes,
        .events_enabled = ls->events_enabled && !protocol,
        .mainlog_repr = protocol,
    };
    struct capture_hooks hooks = {
        .ctx = pr, .log_event = hook_log_event, .comm_event = hook_comm_event};
    return capture_new(&cc, &hooks);
}

static pid_t ops_spawn(void *ctx, struct process *p, struct err *e)
{
    struct proc *pr = ctx;
    struct supervisor *s = pr->sup;
    const struct process_config *pc = p->cfg;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    char **argv = NULL, **envp = NULL;
    char *filename = NULL;
    pid_t pid = -1;

    const char *path_env = kvlist_get(&pc->environment, "PATH");
    if (!path_env)
        path_env = env_lookup(s->envp, "PATH");
    if (!path_env)
        path_env = "/bin:/usr/bin:/usr/local/bin";
    if (spawn_resolve(pc->command, path_env, &argv, &filename, e) < 0)
        return -1;
    if (fcgi_ref(pr, e) < 0)
        goto fail;
    bool fcgi = pr->holds_fcgi;

    /* an fcgi child gets the listening socket as stdin instead of a pipe */
    if ((!fcgi && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
        (!pc->redirect_stderr && pipe2(errp, O_CLOEXEC) < 0)) {
        dispatcher_error(pr, errno, e);
        goto fail;
    }
    errno = 0;
    pr->outlog = open_log(pr, pr->outlog_path, &pc->out, e);
    if (pr->outlog_path && !pr->outlog)
        goto fail;
    if (!pc->redirect_stderr) {
        errno = 0;
        pr->errlog = open_log(pr, pr->errlog_path, &pc->err, e);
        if (pr->errlog_path && !pr->errlog)
            goto fail;
    }

    const char *serverurl = pc->serverurl ? pc->serverurl : s->cfg->serverurl;
    envp = spawn_build_env(s->envp, serverurl, pc->name, pc->group_name, &pc->environment);
    struct spawn_plan plan = {
        .filename = filename,
        .argv = argv,
        .envp = envp,
        .cwd = pc->directory,
        .umask = pc->umask,
        .set_user = pc->has_user,
        .uid = pc->uid,
        .gid = pc->gid,
        .username = pc->user,
        .stdin_fd = fcgi ? pr->group->fcgi_fd : in[0],
        .stdout_fd = out[1],
        .stderr_fd = pc->redirect_stderr ? out[1] : errp[1],
        .deathsig = pc->stopsignal,
        .report_fd = s->report_fds[1],
    };
    pid = spawn_run(&plan, pc->name, e);
    if (pid < 0)
        goto fail;

    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    pr->stdin_fd = in[1];
    pr->stdout_fd = out[0];
    pr->stderr_fd = errp[0];
    if (pr->stdin_fd >= 0)
        fcntl(pr->stdin_fd, F_SETFL, O_NONBLOCK);
    fcntl(pr->stdout_fd, F_SETFL, O_NONBLOCK);
    pr->out = make_capture(pr, "stdout", pr->outlog, &pc->out);
    loop_add_io(s->loop, pr->stdout_fd, EPOLLIN, pipe_cb, pr);
    if (pr->stderr_fd >= 0) {
        fcntl(pr->stderr_fd, F_SETFL, O_NONBLOCK);
        pr->err = make_capture(pr, "stderr", pr->errlog, &pc->err);
        loop_add_io(s->loop, pr->stderr_fd, EPOLLIN, pipe_cb, pr);
    }
    pidmap_put(s->pids, pid, pr);
    if (pr->lis)
        listener_spawned(pr->lis);
    spawn_free_argv(argv);
    spawn_free_argv(envp);
    free(filename);
    return pid;

fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&errp[i]);
    }
    logfile_close(pr->outlog);
    logfile_close(pr->errlog);
    pr->outlog = pr->errlog = NULL;
    fcgi_unref(pr);
    spawn_free_argv(argv);
    spawn_free_argv(envp);
    free(filename);
    return -1;
}

static int ops_kill(void *ctx, pid_t pid, int sig)
{
    (void)ctx;
    return kill(pid, sig) < 0 ? errno : 0;
}

static void ops_arm(void *ctx, struct process *p, int64_t deadline)
{
    struct proc *pr = ctx;
    (void)p;
    if (deadline < 0)
        loop_timer_cancel(pr->sup->loop, pr->timer);
    else
        loop_timer_arm(pr->sup->loop, pr->timer, deadline);
}

static int64_t ops_now(void *ctx)
{
    (void)ctx;
    return loop_clock_ms();
}

static double ops_wallclock(void *ctx)
{
    (void)ctx;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void stop_step(struct supervisor *s);

static void stop_step_deferred(void *arg)
{
    struct supervisor *s = arg;
    s->stop_step_queued = false;
    if (s->stopping)
        stop_step(s);
}

static void queue_stop_step(struct supervisor *s)
{
    if (!s->stop_step_queued) {
        s->stop_step_queued = true;
        loop_defer(s->loop, stop_step_deferred, s);
    }
}

static void ops_state_changed(void *ctx, struct process *p, enum proc_state from)
{
    struct proc *pr = ctx;
    struct supervisor *s = pr->sup;
    s->info_gen++;
    events_process_state(s->events, p, pr->group->cfg->name, from);
    if (pr->lis)
        listener_pool_kick(pr->group->pool);
    if (s->change_fn)
        s->change_fn(s->change_arg, pr, from);
    /* The next group is stopped after this change is fully handled (and
     * logged), as Supervisor does on its next loop pass. */
    if (s->stopping && process_state_is_stopped(p->state))
        queue_stop_step(s);
}

static bool ops_may_autostart(void *ctx)
{
    struct proc *pr = ctx;
    return pr->sup->mood > MOOD_RESTARTING;
}

static const struct process_ops proc_ops = {
    .spawn = ops_spawn,
    .kill = ops_kill,
    .arm = ops_arm,
    .now = ops_now,
    .wallclock = ops_wallclock,
    .state_changed = ops_state_changed,
    .may_autostart = ops_may_autostart,
};

static void proc_timer_cb(struct loop *l, void *arg)
{
    struct proc *pr = arg;
    (void)l;
    process_timer(&pr->p);
}

/* ---- listener pools ---- */

static int lis_write(void *proc, const char *data, size_t n)
{
    struct err e;
    return supervisor_write_stdin(proc, data, n, &e);
}

static bool lis_running(void *proc)
{
    const struct proc *pr = proc;
    return pr->p.state == PROC_RUNNING;
}

static const struct listener_ops listener_ops = {.write = lis_write, .running = lis_running};

/* ---- groups ---- */

/* An AUTO log: "<name>-<channel>---<identifier>-<8 random>.log", mode 0600,
 * created when the group is added and kept for the group's life. */
static char *make_autolog(const struct config *cfg, const char *name, const char *channel)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
    for (int attempt = 0; attempt < 100; attempt++) {
        char rnd[9];
        for (int i = 0; i < 8; i++)
            rnd[i] = alphabet[(unsigned)random() % (sizeof alphabet - 1)];
        rnd[8] = '\0';
        char *path = xasprintf("%s/%s-%s---%s-%s.log", cfg->childlogdir, name, channel,
                               cfg->identifier, rnd);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            return path;
        }
        int errnum = errno;
        free(path);
        if (errnum != EEXIST) {
            log_warn("cannot create AUTO log for '%s' in '%s': %s", name, cfg->childlogdir,
                     strerror(errnum));
            return NULL;
        }
    }
    return NULL;
}

static char *resolve_log(const struct config *cfg, const struct process_config *pc,
                         const struct logspec *ls, const char *channel)
{
    switch (ls->kind) {
    case LOGFILE_PATH:
        return xstrdup(ls->path);
    case LOGFILE_AUTO:
        return make_autolog(cfg, pc->name, channel);
    default:
        return NULL;
    }
}

static struct group *group_new(struct supervisor *s, struct group_config *gc,
                               struct cfghold *hold)
{
    struct group *g = xcalloc(1, sizeof *g);
    g->cfg = gc;
    g->hold = hold_ref(hold);
    g->fcgi_fd = -1;
    g->nprocs = gc->nprocs;
    g->procs = xcalloc(gc->nprocs ? gc->nprocs : 1, sizeof *g->procs);
    if (gc->type == GROUP_EVENTLISTENER)
        g->pool = listener_pool_new(gc->name, s->cfg->identifier, gc->buffer_size, gc->events,
                                    gc->nevents, s->events, s->loop, &listener_ops);
    for (size_t i = 0; i < gc->nprocs; i++) {
        struct proc *pr = xcalloc(1, sizeof *pr);
        pr->group = g;
        pr->sup = s;
        pr->stdin_fd = pr->stdout_fd = pr->stderr_fd = -1;
        pr->timer = xcalloc(1, sizeof *pr->timer);
        buf_init(&pr->stdin_buf);
        loop_timer_init(pr->timer, proc_timer_cb, pr);
        process_init(&pr->p, gc->procs[i], &proc_ops, pr);
        pr->p.owner = pr;
        if (g->pool)
            pr->lis = listener_pool_add(g->pool, gc->procs[i]->name, pr);
        pr->outlog_path = resolve_log(s->cfg, gc->procs[i], &gc->procs[i]->out, "stdout");
        if (!gc->procs[i]->redirect_stderr)
            pr->errlog_path = resolve_log(s->cfg, gc->procs[i], &gc->procs[i]->err, "stderr");
        g->procs[i] = pr;
    }
    return g;
}

static void group_free(struct supervisor *s, struct group *g)
{
    listener_pool_free(g->pool); /* unsubscribes first: the group's own REMOVED is not its */
    g->pool = NULL;
    for (size_t i = 0; i < g->nprocs; i++) {
        struct proc *pr = g->procs[i];
        pr->lis = NULL;
        proc_io_release(pr);
        loop_timer_cancel(s->loop, pr->timer);
        process_release(&pr->p);
        free(pr->timer);
        free(pr->outlog_path);
        free(pr->errlog_path);
        buf_release(&pr->stdin_buf);
        free(pr);
    }
    free(g->procs);
    hold_unref(g->hold);
    free(g);
}

/* stop_all(): signal every running process of the group, highest process
 * priority first; processes in BACKOFF give up (FATAL). */
static void group_stop_all(struct group *g)
{
    for (size_t k = g->nprocs; k-- > 0;) {
        /* procs are sorted by (priority, name) in the config */
        struct process *p = &g->procs[k]->p;
        if (p->state == PROC_RUNNING || p->state == PROC_STARTING)
            process_stop(p, NULL);
        else if (p->state == PROC_BACKOFF)
            process_give_up(p);
    }
}

/* ---- shutdown and restart ---- */

static void shutdown_report(struct supervisor *s, bool force)
{
    double now = ops_wallclock(NULL);
    if (!force && now <= s->lastshutdownreport + SHUTDOWN_REPORT_MS / 1000.0)
        return;
    struct buf names;
    buf_init(&names);
    bool any = false;
    for (size_t i = 0; i < s->ngroups; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
            struct proc *pr = s->groups[i]->procs[j];
            if (proc_is_stopped(pr))
                continue;
            if (any)
                buf_puts(&names, ", ");
            buf_puts(&names, pr->p.cfg->name);
            any = true;
        }
    if (any) {
        log_info("waiting for %s to die", names.data);
        s->lastshutdownreport = now;
        for (size_t i = 0; i < s->ngroups; i++)
            for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
                struct proc *pr = s->groups[i]->procs[j];
                if (!proc_is_stopped(pr))
                    log_blather("%s state: %s", pr->p.cfg->name,
                                process_state_name(pr->p.state));
            }
    }
    buf_release(&names);
}

static bool any_unstopped(const struct supervisor *s)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (group_has_unstopped(s->groups[i]))
            return true;
    return false;
}

/* Ordered stop: one group at a time from the highest priority number; the
 * next only once every process of the current one is stopped. Re-entered
 * from state changes, so guarded against recursion. */
static void stop_step(struct supervisor *s)
{
    static bool busy, again;
    if (busy) {
        again = true;
        return;
    }
    busy = true;
    do {
        again = false;
        while (s->nstop_groups > 0) {
            struct group *g = s->groups[s->nstop_groups - 1];
            /* A listener pool is stopped once it has delivered what the
             * other groups' stops produced (bounded wait): Python's slow
             * loop gives listeners that time by accident. */
            if (g->pool && !s->drain_expired && listener_pool_pending(g->pool)) {
                if (!loop_timer_armed(&s->drain_timer))
                    loop_timer_arm(s->loop, &s->drain_timer, loop_now(s->loop) + DRAIN_MAX_MS);
                break;
            }
            group_stop_all(g);
            if (group_has_unstopped(g))
                break;
            s->nstop_groups--;
        }
    } while (again);
    busy = false;
    if (!any_unstopped(s))
        loop_stop(s->loop);
}

static void drain_timer_cb(struct loop *l, void *arg)
{
    struct supervisor *s = arg;
    (void)l;
    s->drain_expired = true;
    if (s->stopping)
        stop_step(s);
}

static void report_timer_cb(struct loop *l, void *arg)
{
    struct supervisor *s = arg;
    if (!any_unstopped(s))
        return;
    shutdown_report(s, false);
    loop_timer_arm(l, &s->report_timer, loop_now(l) + SHUTDOWN_REPORT_MS);
}

static void begin_stopping(struct supervisor *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    events_supervisor_state(s->events, false);
    s->nstop_groups = s->ngroups;
    stop_step(s);
    if (any_unstopped(s)) {
        shutdown_report(s, true);
        loop_timer_arm(s->loop, &s->report_timer, loop_now(s->loop) + SHUTDOWN_REPORT_MS);
    }
}

void supervisor_shutdown(struct supervisor *s)
{
    s->mood = MOOD_SHUTDOWN;
    begin_stopping(s);
}

int supervisor_restart(struct supervisor *s, struct err *e)
{
    /* Supervisor stops everything, then dies on a config it cannot load.
     * Check it first: the running processes and config stay if it fails. */
    struct config *cfg = xcalloc(1, sizeof *cfg);
    int rc = config_load(cfg, s->cfg->path, s->cli, s->envp, NULL, e);
    config_release(cfg);
    free(cfg);
    if (rc < 0) {
        log_error("not restarting: %s", e->msg);
        e->code = ERR_CONFIG;
        return -1;
    }
    s->mood = MOOD_RESTARTING;
    begin_stopping(s);
    return 0;
}

void supervisor_reopen_logs(struct supervisor *s)
{
    struct err e;
    if (log_reopen(&e) < 0)
        log_error("%s", e.msg);
    for (size_t i = 0; i < s->ngroups; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
            struct proc *pr = s->groups[i]->procs[j];
            if (pr->outlog && logfile_reopen(pr->outlog, &e) < 0)
                log_error("%s", e.msg);
            if (pr->errlog && logfile_reopen(pr->errlog, &e) < 0)
                log_error("%s", e.msg);
        }
}

/* ---- signals and reaping ---- */

static void reap(struct supervisor *s)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        struct proc *pr = pidmap_take(s->pids, pid);
        if (!pr) {
            char msg[128];
            int code;
            process_describe_wait(status, &code, msg, sizeof msg);
            log_info("reaped unknown pid %d (%s)", (int)pid, msg);
            continue;
        }
        proc_io_release(pr);
        process_exited(&pr->p, status);
        s->info_gen++; /* pid and exit status change even without a new state (UNKNOWN) */
        if (pr->lis)
            listener_exited(pr->lis); /* its in-flight event goes back to the pool */
    }
}

static void signal_cb(struct loop *l, int signo, void *arg)
{
    struct supervisor *s = arg;
    (void)l;
    const char *name = dt_signame(signo);
    switch (signo) {
    case SIGTERM:
    case SIGINT:
    case SIGQUIT:
        log_warn("received %s indicating exit request", name);
        supervisor_shutdown(s);
        break;
    case SIGHUP:
        if (s->mood == MOOD_SHUTDOWN) {
            log_warn("ignored %s indicating restart request (shutdown in progress)", name);
        } else {
            log_warn("received %s indicating restart request", name);
            struct err e;
            supervisor_restart(s, &e); /* logged there */
        }
        break;
    case SIGCHLD:
        log_debug("received %s indicating a child quit", name);
        reap(s);
        break;
    case SIGUSR2:
        log_info("received %s indicating log reopen request", name);
        log_info("supervisord logreopen");
        supervisor_reopen_logs(s);
        break;
    default:
        log_blather("received %s indicating nothing", name);
    }
}

/* ---- public ---- */

static void report_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)events;
    (void)arg;
    spawn_report_drain(fd);
}

int supervisor_init(struct supervisor *s, struct config *cfg, const struct config_cli *cli,
                    char *const *envp, struct err *e)
{
    memset(s, 0, sizeof *s);
    s->report_fds[0] = s->report_fds[1] = -1;
    s->cfg = cfg;
    s->hold = hold_new(cfg);
    s->pending = hold_ref(s->hold);
    s->cli = cli;
    s->envp = envp;
    s->mood = MOOD_RUNNING;
    s->loop = loop_new();
    s->pids = pidmap_new();
    if (spawn_report_pipe(s->report_fds) < 0) {
        s->report_fds[0] = s->report_fds[1] = -1;
        return err_set(e, ERR_SYSTEM, "could not make the spawn report pipe: %s", strerror(errno));
    }
    loop_add_io(s->loop, s->report_fds[0], EPOLLIN, report_cb, s);
    loop_timer_init(&s->report_timer, report_timer_cb, s);
    loop_timer_init(&s->drain_timer, drain_timer_cb, s);
    s->events = xcalloc(1, sizeof *s->events);
    events_init(s->events, s->loop);
    srandom((unsigned)getpid() ^ (unsigned)loop_clock_ms());

    s->listen_fds = xcalloc(cfg->nservers ? cfg->nservers : 1, sizeof *s->listen_fds);
    for (size_t i = 0; i < cfg->nservers; i++)
        s->listen_fds[i] = -1;
    for (size_t i = 0; i < cfg->nservers; i++) {
        const struct server_config *sc = &cfg->servers[i];
        int fd = httpsock_open(sc, e);
        if (fd < 0)
            return -1;
        s->listen_fds[i] = fd;
        s->nlisten = i + 1;
    }
    /* Only once the sockets are ours: a second supervisord refused on the
     * socket must not purge the running one's AUTO logs (Supervisor does). */
    if (!cfg->nocleanup)
        daemon_clear_autochildlogdir(cfg->childlogdir, cfg->identifier);
    s->groups = xcalloc(cfg->ngroups ? cfg->ngroups : 1, sizeof *s->groups);
    for (size_t i = 0; i < cfg->ngroups; i++) {
        s->groups[s->ngroups++] = group_new(s, cfg->groups[i], s->hold);
        events_group(s->events, true, cfg->groups[i]->name);
        if (cfg->groups[i]->type == GROUP_FCGI) {
            /* fail early on a socket that cannot be made, as Supervisor does */
            struct err se;
            int fd = httpsock_fcgi_open(cfg->groups[i], &se);
            if (fd < 0)
                return err_set(e, ERR_CONFIG, "Could not create FastCGI socket %s: %s",
                               cfg->groups[i]->socket, se.msg);
            httpsock_fcgi_close(cfg->groups[i], fd);
        }
    }

    /* What Supervisor's make_http_servers logs for each server. The standard
     * factory takes no options: extra keys fail as they do in Python. */
    for (size_t i = 0; i < cfg->nservers; i++) {
        for (size_t k = 0; k < cfg->nrpcinterfaces; k++) {
            const struct plugin_config *pc = &cfg->rpcinterfaces[k];
            if (pc->extras.n > 0) {
                log_warn("rpcinterface factory of [rpcinterface:%s] got an unexpected keyword "
                         "argument '%s'", pc->name, pc->extras.v[0].key);
                return err_set(e, ERR_CONFIG, "Could not make %s rpc interface", pc->name);
            }
            log_info("RPC interface '%s' initialized", pc->name);
        }
        if (!cfg->servers[i].username)
            log_crit("Server '%s' running without any HTTP authentication checking",
                     cfg->servers[i].section);
    }
    if (cfg->nservers > 0) {
        s->rpc = rpc_new(s);
        s->httpd = httpd_new(s->loop, cfg->servers, s->listen_fds, s->nlisten, rpc_http_handler,
                             s->rpc, e);
        if (!s->httpd)
            return -1;
    }
    return 0;
}

enum mood supervisor_run(struct supervisor *s)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        loop_signal(s->loop, sigs[i], signal_cb, s);
    events_supervisor_state(s->events, true);
    /* Spawn autostart processes now, in priority order (Python waits for
     * its first one-second tick). */
    for (size_t i = 0; i < s->ngroups && s->mood == MOOD_RUNNING; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++)
            process_autostart(&s->groups[i]->procs[j]->p);
    reap(s);
    loop_run(s->loop);
    return s->mood;
}

void supervisor_release(struct supervisor *s)
{
    s->stopping = false; /* a queued stop step must not run on what we free */
    if (s->rpc)
        rpc_release_waiters(s->rpc);
    httpd_free(s->httpd);
    rpc_free(s->rpc);
    for (size_t i = 0; i < s->ngroups; i++)
        group_free(s, s->groups[i]);
    free(s->groups);
    for (size_t i = 0; i < s->nlisten; i++)
        httpsock_close(&s->cfg->servers[i], s->listen_fds[i]);
    free(s->listen_fds);
    pidmap_free(s->pids);
    if (s->report_fds[0] >= 0) {
        spawn_report_drain(s->report_fds[0]);
        loop_del_io(s->loop, s->report_fds[0]);
        close(s->report_fds[0]);
        close(s->report_fds[1]);
    }
    if (s->events)
        events_release(s->events);
    free(s->events);
    loop_timer_cancel(s->loop, &s->report_timer);
    loop_timer_cancel(s->loop, &s->drain_timer);
    loop_free(s->loop);
    hold_unref(s->pending);
    hold_unref(s->hold);
    memset(s, 0, sizeof *s);
}

struct proc *supervisor_find(const struct supervisor *s, const char *group, const char *name)
{
    for (size_t i = 0; i < s->ngroups; i++) {
        struct group *g = s->groups[i];
        if (group && strcmp(g->cfg->name, group) != 0)
            continue;
        for (size_t j = 0; j < g->nprocs; j++)
            if (strcmp(g->procs[j]->p.cfg->name, name) == 0)
                return g->procs[j];
    }
    return NULL;
}

struct group *supervisor_group(const struct supervisor *s, const char *name)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (strcmp(s->groups[i]->cfg->name, name) == 0)
            return s->groups[i];
    return NULL;
}

void supervisor_set_change_hook(struct supervisor *s, supervisor_change_fn fn, void *arg)
{
    s->change_fn = fn;
    s->change_arg = arg;
}

/* ---- child stdin ---- */

static void stdin_cb(struct loop *l, int fd, uint32_t events, void *arg);

/* Write what the pipe takes now; watch for EPOLLOUT while bytes remain.
 * Returns -1 with errno set on a write error (EPIPE: the child closed it). */
static int stdin_flush(struct proc *pr)
{
    struct buf *b = &pr->stdin_buf;
    while (b->len > 0) {
        ssize_t n = write(pr->stdin_fd, b->data, b->len);
        if (n > 0) {
            buf_consume(b, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return -1;
    }
    bool want = b->len > 0;
    if (want && !pr->stdin_watch)
        loop_add_io(pr->sup->loop, pr->stdin_fd, EPOLLOUT, stdin_cb, pr);
    else if (!want && pr->stdin_watch)
        loop_del_io(pr->sup->loop, pr->stdin_fd);
    pr->stdin_watch = want;
    return 0;
}

static void stdin_close(struct proc *pr)
{
    if (pr->stdin_watch)
        loop_del_io(pr->sup->loop, pr->stdin_fd);
    pr->stdin_watch = false;
    buf_reset(&pr->stdin_buf);
    close_fd(&pr->stdin_fd);
}

static void stdin_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    struct proc *pr = arg;
    (void)l;
    (void)fd;
    (void)events;
    if (stdin_flush(pr) < 0) {
        log_debug("cannot write to stdin of '%s': %s", pr->p.cfg->name, strerror(errno));
        stdin_close(pr);
    }
}

int supervisor_write_stdin(struct proc *pr, const char *data, size_t len, struct err *e)
{
    if (pr->p.pid == 0 || pr->p.killing)
        return err_set(e, ERR_STATE, "NOT_RUNNING");
    if (pr->stdin_fd < 0)
        return err_set(e, ERR_NOTFOUND, "NO_FILE");
    buf_append(&pr->stdin_buf, data, len);
    if (stdin_flush(pr) < 0) {
        int errnum = errno;
        stdin_close(pr);
        if (errnum == EPIPE)
            return err_set(e, ERR_NOTFOUND, "NO_FILE");
        return err_set(e, ERR_SYSTEM, "%s", strerror(errnum));
    }
    return 0;
}

/* ---- logs ---- */

/* Supervisor removes the file and reopens it; a process that is not
 * running has no open handler, so the file is just emptied in place. */
static int clear_one(struct logfile *lf, const char *path, struct err *e)
{
    if (lf)
        return logfile_clear(lf, e);
    if (!path)
        return 0;
    if (unlink(path) < 0 && errno != ENOENT)
        return err_set(e, ERR_SYSTEM, "cannot remove '%s': %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0)
        close(fd);
    return 0;
}

int supervisor_clear_proc_logs(struct proc *pr, struct err *e)
{
    if (clear_one(pr->outlog, pr->outlog_path, e) < 0)
        return -1;
    return clear_one(pr->errlog, pr->errlog_path, e);
}

/* ---- reread, add, remove ---- */

static void names_push(char ***v, size_t *n, size_t *cap, const char *name)
{
    *v = xgrow(*v, cap, *n + 2, sizeof **v);
    (*v)[(*n)++] = xstrdup(name);
    (*v)[*n] = NULL;
}

void supervisor_free_names(char **names)
{
    if (!names)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

int supervisor_reread(struct supervisor *s, char ***added, char ***changed, char ***removed,
                      struct err *e)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    if (config_load(cfg, s->cfg->path, s->cli, s->envp, NULL, e) < 0) {
        config_release(cfg);
        free(cfg);
        e->code = ERR_CONFIG;
        return -1;
    }
    hold_unref(s->pending);
    s->pending = hold_new(cfg);

    size_t na = 0, nc = 0, nr = 0, ca = 1, cc = 1, cr = 1;
    *added = xcalloc(1, sizeof **added);
    *changed = xcalloc(1, sizeof **changed);
    *removed = xcalloc(1, sizeof **removed);
    for (size_t i = 0; i < cfg->ngroups; i++) {
        const struct group *g = supervisor_group(s, cfg->groups[i]->name);
        if (!g)
            names_push(added, &na, &ca, cfg->groups[i]->name);
        else if (!group_config_equal(g->cfg, cfg->groups[i]))
            names_push(changed, &nc, &cc, cfg->groups[i]->name);
    }
    for (size_t i = 0; i < s->ngroups; i++)
        if (!config_group(cfg, s->groups[i]->cfg->name))
            names_push(removed, &nr, &cr, s->groups[i]->cfg->name);
    return 0;
}

int supervisor_add_group(struct supervisor *s, const char *name, struct err *e)
{
    struct group_config *gc = config_group(s->pending->cfg, name);
    if (!gc)
        return err_set(e, ERR_NOTFOUND, "BAD_NAME");
    if (supervisor_group(s, name))
        return err_set(e, ERR_STATE, "ALREADY_ADDED");
    if (gc->type == GROUP_FCGI) {
        struct err se;
        int fd = httpsock_fcgi_open(gc, &se);
        if (fd < 0)
            return err_set(e, ERR_SYSTEM, "Could not create FastCGI socket %s: %s", gc->socket,
                           se.msg);
        httpsock_fcgi_close(gc, fd);
    }
    struct group *g = group_new(s, gc, s->pending);
    /* keep groups sorted by priority; a tie goes after its equals, as
     * Supervisor's stable sort of an appended dict entry does */
    size_t at = s->ngroups;
    while (at > 0 && s->groups[at - 1]->cfg->priority > gc->priority)
        at--;
    s->groups = xrealloc(s->groups, (s->ngroups + 1) * sizeof *s->groups);
    memmove(s->groups + at + 1, s->groups + at, (s->ngroups - at) * sizeof *s->groups);
    s->groups[at] = g;
    s->ngroups++;
    s->info_gen++;
    events_group(s->events, true, name);
    for (size_t j = 0; j < g->nprocs; j++)
        process_autostart(&g->procs[j]->p);
    return 0;
}

int supervisor_remove_group(struct supervisor *s, const char *name, struct err *e)
{
    size_t at = 0;
    while (at < s->ngroups && strcmp(s->groups[at]->cfg->name, name) != 0)
        at++;
    if (at == s->ngroups)
        return err_set(e, ERR_NOTFOUND, "BAD_NAME");
    struct group *g = s->groups[at];
    if (group_has_unstopped(g))
        return err_set(e, ERR_STATE, "STILL_RUNNING");
    for (size_t j = 0; j < g->nprocs; j++)
        if (g->procs[j]->p.pid > 0) /* UNKNOWN: reaped later as an unknown pid */
            pidmap_take(s->pids, g->procs[j]->p.pid);
    memmove(s->groups + at, s->groups + at + 1, (s->ngroups - at - 1) * sizeof *s->groups);
    s->ngroups--;
    s->info_gen++;
    group_free(s, g);
    events_group(s->events, false, name);
    return 0;
}

const struct config *supervisor_pending_config(const struct supervisor *s)
{
    return s->pending->cfg;
}

bool supervisor_group_active(const struct supervisor *s, const char *name)
{
    return supervisor_group(s, name) != NULL;
}
