/* spawn: command resolution (POSIX shlex split, PATH search, Supervisor's
 * checks), the child environment, and spawn_run(), which carries out a plan:
 * everything is prepared in the parent so that the child, between fork and
 * exec, makes only async-signal-safe calls. Pipes and log files belong to
 * the caller (process/supervisor); this file only borrows their fds. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

#define DEFAULT_PATH "/bin:/usr/bin:/usr/local/bin"

/* ---- errno names ------------------------------------------------------- */

const char *spawn_errno_name(int errnum)
{
    static char num[16];
    /* Python's errno.errorcode picks these aliases. */
    if (errnum == EDEADLK)
        return "EDEADLOCK";
    if (errnum == EOPNOTSUPP)
        return "ENOTSUP";
    const char *s = errnum ? strerrorname_np(errnum) : NULL;
    if (s)
        return s;
    snprintf(num, sizeof num, "%d", errnum); /* Python prints the number */
    return num;
}

/* ---- shlex ------------------------------------------------------------- */

struct strv {
    char **v;
    size_t n, cap;
};

static void strv_push(struct strv *a, char *s)
{
    a->v = xgrow(a->v, &a->cap, a->n + 2, sizeof *a->v);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

void spawn_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Python's shlex.split(s) (posix=True, comments=False, whitespace_split):
 * quotes join a word, '' gives an empty word, a backslash escapes anything
 * outside quotes and only \ and " inside double quotes, '#' is literal.
 * Returns NULL with *why set to Python's ValueError text on failure. */
static char **shlex_split(const char *s, const char **why)
{
    struct strv out = {0};
    size_t len = strlen(s);
    char *tok = xmalloc(len + 1);
    size_t i = 0;

    for (;;) {
        while (i < len && is_ws(s[i]))
            i++;
        if (i >= len)
            break;
        size_t n = 0;
        while (i < len && !is_ws(s[i])) {
            char c = s[i++];
            if (c == '\\') {
                if (i >= len)
                    goto no_escaped;
                tok[n++] = s[i++];
            } else if (c == '\'') {
                while (i < len && s[i] != '\'')
                    tok[n++] = s[i++];
                if (i >= len)
                    goto no_closing;
                i++;
            } else if (c == '"') {
                for (;;) {
                    if (i >= len)
                        goto no_closing;
                    c = s[i++];
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        if (i >= len)
                            goto no_escaped;
                        if (s[i] == '"' || s[i] == '\\')
                            c = s[i++];
                    }
                    tok[n++] = c;
                }
            } else {
                tok[n++] = c;
            }
        }
        strv_push(&out, xstrndup(tok, n));
    }
    free(tok);
    if (!out.v)
        out.v = xcalloc(1, sizeof *out.v); /* no words: just the NULL */
    return out.v;

no_escaped:
    *why = "No escaped character";
    goto fail;
no_closing:
    *why = "No closing quotation";
fail:
    free(tok);
    if (out.v)
        spawn_free_argv(out.v);
    return NULL;
}

/* ---- resolution -------------------------------------------------------- */

/* e->msg = pre + Python's repr of arg + post. */
static int err_repr(struct err *e, const char *pre, const char *arg, const char *post)
{
    char *r = dt_pyrepr(arg);
    err_set(e, ERR_SPAWN, "%s%s%s", pre, r, post);
    free(r);
    return -1;
}

/* os.path.join(dir, name) for a name without '/'. */
static char *path_join(const char *dir, size_t dlen, const char *name)
{
    if (dlen == 0)
        return xstrdup(name);
    if (dir[dlen - 1] == '/')
        return xasprintf("%.*s%s", (int)dlen, dir, name);
    return xasprintf("%.*s/%s", (int)dlen, dir, name);
}

int spawn_resolve(const char *command, const char *path_env, char ***argv, char **filename,
                  struct err *e)
{
    *argv = NULL;
    *filename = NULL;
    const char *why = NULL;
    char **args = shlex_split(command, &why);
    if (!args) {
        char *r = dt_pyrepr(command);
        err_set(e, ERR_SPAWN, "can't parse command %s: %s", r, why);
        free(r);
        return -1;
    }
    if (!args[0]) {
        spawn_free_argv(args);
        return err_set(e, ERR_SPAWN, "command is empty");
    }

    const char *prog = args[0];
    char *file = NULL;
    struct stat st;
    bool found = false;
    if (strchr(prog, '/')) {
        file = xstrdup(prog);
        found = stat(file, &st) == 0;
    } else {
        /* The first PATH entry where stat() succeeds wins, even a directory. */
        const char *p = path_env ? path_env : DEFAULT_PATH;
        for (;;) {
            const char *colon = strchr(p, ':');
            size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
            char *cand = path_join(p, dlen, prog);
            if (stat(cand, &st) == 0) {
                file = cand;
                found = true;
                break;
            }
            free(cand);
            if (!colon)
                break;
            p = colon + 1;
        }
        if (!found)
            file = xstrdup(prog);
    }

    int rc = -1;
    if (!found)
        err_repr(e, "can't find command ", file, "");
    else if (S_ISDIR(st.st_mode))
        err_repr(e, "command at ", file, " is a directory");
    else if (!(st.st_mode & 0111))
        err_repr(e, "command at ", file, " is not executable");
    else if (access(file, X_OK) != 0)
        err_repr(e, "no permission to run command ", file, "");
    else
        rc = 0;
    if (rc < 0) {
        free(file);
        spawn_free_argv(args);
        return -1;
    }
    *argv = args;
    *filename = file;
    return 0;
}

/* ---- environment ------------------------------------------------------- */

/* Set key=value in a "K=V" array: replace in place (dict update), else append. */
static void env_set(struct strv *env, const char *key, size_t klen, const char *value)
{
    char *entry = xasprintf("%.*s=%s", (int)klen, key, value);
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=') {
            free(env->v[i]);
            env->v[i] = entry;
            return;
        }
    }
    strv_push(env, entry);
}

char **spawn_build_env(char *const *base, const char *serverurl, const char *process_name,
                       const char *group_name, const struct kvlist *extra)
{
    struct strv env = {0};
    env.v = xcalloc(1, sizeof *env.v);
    env.cap = 1;
    for (char *const *p = base; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        if (!eq || eq == *p)
            continue; /* Python's os.environ skips these */
        size_t klen = (size_t)(eq - *p);
        bool dup = false;
        for (size_t i = 0; i < env.n && !dup; i++)
            dup = strncmp(env.v[i], *p, klen + 1) == 0;
        if (!dup) /* the first of duplicate keys wins, as in os.environ */
            strv_push(&env, xstrdup(*p));
    }
    env_set(&env, "SUPERVISOR_ENABLED", 18, "1");
    if (serverurl && *serverurl)
        env_set(&env, "SUPERVISOR_SERVER_URL", 21, serverurl);
    if (process_name)
        env_set(&env, "SUPERVISOR_PROCESS_NAME", 23, process_name);
    if (group_name)
        env_set(&env, "SUPERVISOR_GROUP_NAME", 21, group_name);
    for (size_t i = 0; extra && i < extra->n; i++)
        env_set(&env, extra->v[i].key, strlen(extra->v[i].key), extra->v[i].value);
    return env.v;
}

/* ---- running a plan ---------------------------------------------------- */

enum user_step { USER_NONE, USER_DROP, USER_NONROOT };

/* Everything the child needs, computed before fork. */
struct prepared {
    enum user_step user;
    gid_t *groups;
    size_t ngroups;
    char uidstr[24];
    int maxfd; /* for the close() fallback loop */
    int errfd; /* write end of the caller's report pipe, -1: none */
    pid_t parent;
    const char *name;
};

/* Sent through the report pipe when the child fails before exec: one
 * write under PIPE_BUF, so reports of many children never interleave. */
enum child_stage { STAGE_SETUP, STAGE_USER, STAGE_CHDIR, STAGE_EXEC };
struct child_report {
    pid_t pid;
    int stage;
    int err;
    char name[64]; /* the program's, cut */
};

static void prepare_user(const struct spawn_plan *plan, struct prepared *pr)
{
    snprintf(pr->uidstr, sizeof pr->uidstr, "%lu", (unsigned long)plan->uid);
    if (!plan->set_user || getuid() == plan->uid) {
        pr->user = USER_NONE; /* already that user: nothing to do, as Supervisor */
        return;
    }
    if (getuid() != 0) {
        pr->user = USER_NONROOT;
        return;
    }
    pr->user = USER_DROP;
    /* The primary gid first, then every group listing the user. */
    int n = 0;
    gid_t *list = NULL;
    if (plan->username) {
        n = 32;
        list = xmalloc((size_t)n * sizeof *list);
        int want = n;
        while (getgrouplist(plan->username, plan->gid, list, &want) < 0) {
            if (want <= n)
                want = n * 2;
            n = want;
            list = xrealloc(list, (size_t)n * sizeof *list);
        }
        n = want;
    }
    pr->groups = xmalloc(((size_t)n + 1) * sizeof *pr->groups);
    pr->groups[0] = plan->gid;
    pr->ngroups = 1;
    for (int i = 0; i < n; i++)
        if (list[i] != plan->gid)
            pr->groups[pr->ngroups++] = list[i];
    free(list);
}

/* Child-side message assembly: no allocation, no stdio. */
struct cbuf {
    char b[1024];
    size_t n;
};

static void cb_add(struct cbuf *c, const char *s)
{
    while (s && *s && c->n < sizeof c->b)
        c->b[c->n++] = *s++;
}

static void cb_write(struct cbuf *c, int fd)
{
    const char *p = c->b;
    size_t left = c->n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    c->n = 0;
}

static _Noreturn void child_fail(const struct prepared *pr, struct cbuf *msg, int stage, int err)
{
    cb_write(msg, 2);
    cb_add(msg, "supervisor: child process was not spawned\n");
    cb_write(msg, 2);
    if (pr->errfd >= 0) {
        struct child_report rep = {.pid = getpid(), .stage = stage, .err = err};
        for (size_t i = 0; pr->name[i] && i < sizeof rep.name - 1; i++)
            rep.name[i] = pr->name[i];
        ssize_t w;
        do
            w = write(pr->errfd, &rep, sizeof rep);
        while (w < 0 && errno == EINTR);
    }
    _exit(127);
}

static void close_from_3(const struct prepared *pr)
{
    /* Marked, not closed: exec closes them only after it has let the daemon
     * go on (vfork), so at 1,000 programs the daemon no longer waits on each
     * child closing its ~3,000 descriptors. The report pipe stays usable
     * until exec, which is all it is for. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    int keep = pr->errfd;
    int ok = 0;
    if (keep < 3) {
        ok = close_range(3, ~0U, 0);
    } else {
        if (keep > 3)
            ok |= close_range(3, (unsigned)keep - 1, 0);
        ok |= close_range((unsigned)keep + 1, ~0U, 0);
    }
    if (ok == 0)
        return;
    for (int fd = 3; fd < pr->maxfd; fd++) /* old kernels: no close_range */
        if (fd != keep)
            close(fd);
}


/* glibc refuses sigaction() on the signals it reserves (32, 33); an ignored
 * disposition there would survive exec, so reset them with the raw call.
 * The kernel's struct (handler, flags, restorer, mask) is the same on the
 * architectures we build for; SIG_DFL needs no restorer. */
static void reset_reserved_signal(int sig)
{
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } ksa = {.handler = SIG_DFL};
    syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof ksa.mask);
}

static _Noreturn void child(const struct spawn_plan *plan, const struct prepared *pr)
{
    struct cbuf msg = {.n = 0};

    /* Own process group: a Ctrl-C or signal to the daemon's group does not
     * reach the children (Supervisor's setpgrp). */
    setpgid(0, 0);

    /* Dispositions first (the mask still blocks everything the daemon
     * blocked), the empty mask last, right before exec. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        sa.sa_handler = (sig == SIGPIPE || sig == SIGXFSZ) ? SIG_IGN : SIG_DFL;
        if (sigaction(sig, &sa, NULL) < 0)
            reset_reserved_signal(sig);
    }

    /* Move the sources above 2 before dup2, so one of them being 0..2 cannot
     * be clobbered and dup2 always clears CLOEXEC. */
    int src[3] = {plan->stdin_fd, plan->stdout_fd, plan->stderr_fd};
    int hi[3];
    int nullfd = -1;
    for (int i = 0; i < 3; i++) {
        int fd = src[i];
        if (fd < 0) {
            if (nullfd < 0)
                nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
            fd = nullfd;
        }
        hi[i] = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (hi[i] < 0)
            child_fail(pr, &msg, STAGE_SETUP, errno);
    }
    for (int i = 0; i < 3; i++)
        if (dup2(hi[i], i) < 0)
            child_fail(pr, &msg, STAGE_SETUP, errno);
    close_from_3(pr);

    if (pr->user == USER_NONROOT) {
        cb_add(&msg, "supervisor: couldn't setuid to ");
        cb_add(&msg, pr->uidstr);
        cb_add(&msg, ": Can't drop privilege as nonroot user\n");
        child_fail(pr, &msg, STAGE_USER, EPERM);
    } else if (pr->user == USER_DROP) {
        const char *why = NULL;
        if (setgroups(pr->ngroups, pr->groups) < 0)
            why = "Could not set groups of effective user";
        else if (setgid(plan->gid) < 0)
            why = "Could not set group id of effective user";
        if (why) {
            int err = errno;
            cb_add(&msg, "supervisor: couldn't setuid to ");
            cb_add(&msg, pr->uidstr);
            cb_add(&msg, ": ");
            cb_add(&msg, why);
            cb_add(&msg, "\n");
            child_fail(pr, &msg, STAGE_USER, err);
        }
        /* Supervisor lets a setuid failure escape as an exception: only the
         * "not spawned" line is written. */
        if (setuid(plan->uid) < 0)
            child_fail(pr, &msg, STAGE_USER, errno);
    }

    /* After setuid, which clears it. If the daemon died before the
     * prctl, the signal is queued now and arrives once the mask is lifted. */
    if (plan->deathsig > 0) {
        prctl(PR_SET_PDEATHSIG, (unsigned long)plan->deathsig);
        if (getppid() != pr->parent)
            kill(getpid(), plan->deathsig);
    }

    if (plan->cwd && chdir(plan->cwd) < 0) {
        int err = errno;
        cb_add(&msg, "supervisor: couldn't chdir to ");
        cb_add(&msg, plan->cwd);
        cb_add(&msg, ": ");
        cb_add(&msg, spawn_errno_name(err));
        cb_add(&msg, "\n");
        child_fail(pr, &msg, STAGE_CHDIR, err);
    }
    if (plan->umask >= 0)
        umask((mode_t)plan->umask);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(plan->filename, plan->argv, plan->envp);
    int err = errno;
    cb_add(&msg, "supervisor: couldn't exec ");
    cb_add(&msg, plan->argv[0]);
    cb_add(&msg, ": ");
    cb_add(&msg, spawn_errno_name(err));
    cb_add(&msg, "\n");
    child_fail(pr, &msg, STAGE_EXEC, err);
}

int spawn_report_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    /* not 0..2: a child's dup2 onto 0..2 would clobber it */
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        close(fds[i]);
        fds[i] = nfd;
    }
    if (fds[0] >= 0 && fds[1] >= 0)
        return 0;
    int err = errno;
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    errno = err;
    return -1;
}

void spawn_report_drain(int fd)
{
    static const char *const stages[] = {"setup", "setuid", "chdir", "exec"};
    struct child_report rep;
    ssize_t n;
    while ((n = read(fd, &rep, sizeof rep)) == (ssize_t)sizeof rep || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        rep.name[sizeof rep.name - 1] = '\0';
        const char *st = rep.stage >= 0 && rep.stage <= STAGE_EXEC ? stages[rep.stage] : "?";
        log_debug("child %d of '%s' failed at %s: %s", (int)rep.pid, rep.name, st,
                  spawn_errno_name(rep.err));
    }
}

pid_t spawn_run(const struct spawn_plan *plan, const char *name, struct err *e)
{
    struct prepared pr = {.errfd = plan->report_fd, .maxfd = 1024, .parent = getpid(),
                          .name = name};
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        pr.maxfd = rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur;
    prepare_user(plan, &pr);

    /* vfork: no copy of the daemon's page tables, and no copy-on-write
     * faults in the daemon afterwards, which made a spawn cost ~1 ms at
     * 1,000 programs. The child shares our memory until its exec: it only
     * makes system calls, on its own stack frames, with everything
     * prepared above, and never returns (child() ends in exec or _exit).
     * We are held until its exec starts: tens of microseconds; the command
     * was already stat()ed here, as Supervisor does. */
    pid_t pid = vfork();
    if (pid == 0)
        child(plan, &pr);
    int fork_err = errno;
    free(pr.groups);
    if (pid < 0) {
        if (fork_err == EAGAIN)
            return err_set(e, ERR_SPAWN, "Too many processes in process table to spawn '%s'",
                           name);
        return err_set(e, ERR_SPAWN, "unknown error during fork for '%s': %s", name,
                       spawn_errno_name(fork_err));
    }
    /* No waiting for the exec's outcome: a failure comes back through the
     * report pipe, read by the loop. */
    return pid;
}
