/* Unit tests for spawn.c: shlex splitting and command resolution (messages
 * as Supervisor's, shlex results checked against Python's shlex.split), the
 * child environment, and real forks of /bin/sh that report their setup
 * (environment, cwd, umask, process group, fds, signal state, user). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "spawn.h"
#include "xalloc.h"

#define DEADLINE_MS 10000
/* A writable string (the API takes char *const *, as execve does). */
#define W(s) ((char[]){s})

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- shlex via spawn_resolve --------------------------------------------- */

/* Resolve and compare argv with the expected words (NULL-terminated). */
static void check_split(const char *command, ...)
{
    char **argv, *file;
    struct err e;
    err_clear(&e);
    if (spawn_resolve(command, NULL, &argv, &file, &e) != 0)
        fail_msg("resolve '%s': %s", command, e.msg);
    assert_string_equal(file, "/bin/echo");
    va_list ap;
    va_start(ap, command);
    size_t i = 0;
    for (const char *w; (w = va_arg(ap, const char *)); i++) {
        assert_non_null(argv[i]);
        assert_string_equal(argv[i], w);
    }
    va_end(ap);
    assert_null(argv[i]);
    spawn_free_argv(argv);
    free(file);
}

static void check_resolve_error(const char *command, const char *path, const char *msg)
{
    char **argv = (char **)1, *file = (char *)1;
    struct err e;
    err_clear(&e);
    assert_int_equal(spawn_resolve(command, path, &argv, &file, &e), -1);
    assert_int_equal(e.code, ERR_SPAWN);
    assert_string_equal(e.msg, msg);
    assert_null(argv);
    assert_null(file);
}

/* Expected values from /usr/bin/python3 -c 'import shlex; print(shlex.split(...))'. */
static void test_shlex_words(void **state)
{
    (void)state;
    check_split("/bin/echo a b  c", "/bin/echo", "a", "b", "c", NULL);
    check_split("/bin/echo 'a b' \"c d\"", "/bin/echo", "a b", "c d", NULL);
    check_split("/bin/echo a'b c'd", "/bin/echo", "ab cd", NULL);
    check_split("/bin/echo '' x \"\"", "/bin/echo", "", "x", "", NULL);
    check_split("/bin/echo a\\ b", "/bin/echo", "a b", NULL);
    check_split("/bin/echo \\'", "/bin/echo", "'", NULL);
    check_split("/bin/echo a\\\nb", "/bin/echo", "a\nb", NULL);
    check_split("\t/bin/echo\ta\r\nb ", "/bin/echo", "a", "b", NULL);
    check_split("/bin/echo caf\xc3\xa9", "/bin/echo", "caf\xc3\xa9", NULL);
    check_split("/bin/echo $HOME ~ *", "/bin/echo", "$HOME", "~", "*", NULL);
}

static void test_shlex_quotes_and_escapes(void **state)
{
    (void)state;
    /* inside double quotes only \" and \\ are escapes */
    check_split("/bin/echo \"a\\\"b\" \"c\\\\d\" \"e\\nf\"", "/bin/echo", "a\"b", "c\\d", "e\\nf",
                NULL);
    check_split("/bin/echo 'a\\b'", "/bin/echo", "a\\b", NULL);
    check_split("/bin/echo \"it's\"", "/bin/echo", "it's", NULL);
    /* '#' is literal: shlex.split has no comments */
    check_split("/bin/echo # not a comment", "/bin/echo", "#", "not", "a", "comment", NULL);
    check_split("/bin/echo a#b", "/bin/echo", "a#b", NULL);
}

static void test_shlex_errors(void **state)
{
    (void)state;
    check_resolve_error("/bin/echo 'x", NULL,
                        "can't parse command \"/bin/echo 'x\": No closing quotation");
    check_resolve_error("/bin/echo \"x", NULL,
                        "can't parse command '/bin/echo \"x': No closing quotation");
    check_resolve_error("/bin/echo x\\", NULL,
                        "can't parse command '/bin/echo x\\\\': No escaped character");
    check_resolve_error("/bin/echo \"x\\", NULL,
                        "can't parse command '/bin/echo \"x\\\\': No escaped character");
    check_resolve_error("/bin/sh -c 'echo a", NULL,
                        "can't parse command \"/bin/sh -c 'echo a\": No closing quotation");
    check_resolve_error("", NULL, "command is empty");
    check_resolve_error("  \t ", NULL, "command is empty");
    /* an empty word is searched like a name: os.path.join('/bin', '') */
    check_resolve_error("''", NULL, "command at '/bin/' is a directory");
}

/* ---- resolution ------------------------------------------------------------ */

struct tmpdir {
    char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/test_spawn.XXXXXX");
    assert_non_null(mkdtemp(t->path));
    chmod(t->path, 0755);
}

static void tmpdir_remove(struct tmpdir *t)
{
    char *cmd = xasprintf("rm -rf '%s'", t->path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static char *make_file(const char *dir, const char *name, mode_t mode)
{
    char *p = xasprintf("%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static void test_resolve_path_search(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    char *a = xasprintf("%s/a", t.path), *b = xasprintf("%s/b/", t.path);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    char *prog = make_file(b, "prog", 0755);

    char **argv, *file;
    struct err e;
    char *path = xasprintf("/nonexistent:%s:%s", a, b);
    assert_int_equal(spawn_resolve("prog --x 'y z'", path, &argv, &file, &e), 0);
    char *want = xasprintf("%sprog", b); /* "dir/" + name: no doubled slash */
    assert_string_equal(file, want);
    assert_string_equal(argv[0], "prog"); /* argv[0] is as written */
    assert_string_equal(argv[1], "--x");
    assert_string_equal(argv[2], "y z");
    assert_null(argv[3]);
    spawn_free_argv(argv);
    free(file);
    free(want);

    /* the first entry where stat() succeeds wins, even a directory */
    char *adir = xasprintf("%s/prog", a);
    assert_int_equal(mkdir(adir, 0755), 0);
    char *msg = xasprintf("command at '%s' is a directory", adir);
    check_resolve_error("prog", path, msg);
    free(msg);

    /* the default PATH finds sh */
    assert_int_equal(spawn_resolve("sh -c true", NULL, &argv, &file, &e), 0);
    assert_string_equal(file, "/bin/sh");
    spawn_free_argv(argv);
    free(file);

    free(adir);
    free(path);
    free(prog);
    free(a);
    free(b);
    tmpdir_remove(&t);
}

static void test_resolve_empty_path_entry_is_cwd(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    char *prog = make_file(t.path, "localprog", 0755);
    char old[4096];
    assert_non_null(getcwd(old, sizeof old));
    assert_int_equal(chdir(t.path), 0);
    char **argv, *file;
    struct err e;
    int rc = spawn_resolve("localprog", "/nonexistent:", &argv, &file, &e);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(file, "localprog"); /* os.path.join('', name) */
    spawn_free_argv(argv);
    free(file);
    free(prog);
    tmpdir_remove(&t);
}

static void test_resolve_messages(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    check_resolve_error("nope_no_such_cmd a", "/bin:/usr/bin",
                        "can't find command 'nope_no_such_cmd'");
    check_resolve_error("/nonexistent/x", NULL, "can't find command '/nonexistent/x'");
    check_resolve_error("\"it's\"", "/bin", "can't find command \"it's\"");
    check_resolve_error("/tmp", NULL, "command at '/tmp' is a directory");
    char *plain = make_file(t.path, "plain", 0644);
    char *msg = xasprintf("command at '%s' is not executable", plain);
    check_resolve_error(plain, NULL, msg);
    free(msg);
    free(plain);
    tmpdir_remove(&t);
}

/* "no permission": some x bit is set but access(X_OK) fails, which root
 * never sees; check it in a child running as nobody. */
static void test_resolve_no_permission(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip(); /* needs a file with an x bit that we may not run */
    struct tmpdir t;
    tmpdir_make(&t);
    char *prog = make_file(t.path, "owneronly", 0700);
    char *want = xasprintf("no permission to run command '%s'", prog);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(3);
        char **argv, *file;
        struct err e;
        err_clear(&e);
        int rc = spawn_resolve(prog, NULL, &argv, &file, &e);
        ssize_t w = write(pfd[1], e.msg, strlen(e.msg));
        (void)w;
        _exit(rc == -1 ? 0 : 4);
    }
    close(pfd[1]);
    char buf[512];
    size_t n = 0;
    ssize_t r;
    while ((r = read(pfd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(pfd[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_string_equal(buf, want);
    free(want);
    free(prog);
    tmpdir_remove(&t);
}

/* ---- environment ------------------------------------------------------------ */

static void test_build_env(void **state)
{
    (void)state;
    char *base[] = {W("A=1"), W("B=2"), W("NOEQUALS"), W("A=dup"), W("SUPERVISOR_ENABLED=0"), NULL};
    struct kvlist extra = {0};
    struct kv kvs[] = {{W("B"), W("two")}, {W("SUPERVISOR_PROCESS_NAME"), W("override")}, {W("C"), W("3")}};
    extra.v = kvs;
    extra.n = extra.cap = 3;
    char **env = spawn_build_env(base, "unix:///tmp/s.sock", "web", "grp", &extra);
    static const char *const want[] = {
        "A=1", "B=two", "SUPERVISOR_ENABLED=1", "SUPERVISOR_SERVER_URL=unix:///tmp/s.sock",
        "SUPERVISOR_PROCESS_NAME=override", "SUPERVISOR_GROUP_NAME=grp", "C=3",
    };
    size_t i = 0;
    for (; env[i]; i++) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_string_equal(env[i], want[i]);
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    spawn_free_argv(env);

    /* no server URL: the variable is omitted; no extra */
    env = spawn_build_env(NULL, NULL, "web", "web", NULL);
    assert_string_equal(env[0], "SUPERVISOR_ENABLED=1");
    assert_string_equal(env[1], "SUPERVISOR_PROCESS_NAME=web");
    assert_string_equal(env[2], "SUPERVISOR_GROUP_NAME=web");
    assert_null(env[3]);
    spawn_free_argv(env);
}

static void test_errno_name(void **state)
{
    (void)state;
    assert_string_equal(spawn_errno_name(ENOENT), "ENOENT");
    assert_string_equal(spawn_errno_name(EACCES), "EACCES");
    assert_string_equal(spawn_errno_name(EAGAIN), "EAGAIN");
    assert_string_equal(spawn_errno_name(EDEADLK), "EDEADLOCK"); /* Python's alias */
    assert_string_equal(spawn_errno_name(EOPNOTSUPP), "ENOTSUP");
    assert_string_equal(spawn_errno_name(0), "0");
    assert_string_equal(spawn_errno_name(9999), "9999");
}

/* ---- real forks --------------------------------------------------------------- */

struct child {
    pid_t pid;
    int in;  /* parent ends; -1 if none */
    int out;
    int err;
    char outbuf[8192];
    size_t outlen;
    char errbuf[4096];
    size_t errlen;
    int status;
};

static char *sh_argv[] = {W("sh"), W("-c"), NULL, NULL};

/* Spawn /bin/sh -c script with pipes for 0/1/2 (stdin pipe unless no_stdin). */
static void start_sh(struct child *c, const char *script, struct spawn_plan *plan, bool no_stdin)
{
    int pin[2] = {-1, -1}, pout[2], perr[2];
    if (!no_stdin)
        assert_int_equal(pipe2(pin, O_CLOEXEC), 0);
    assert_int_equal(pipe2(pout, O_CLOEXEC), 0);
    assert_int_equal(pipe2(perr, O_CLOEXEC), 0);
    sh_argv[2] = (char *)script;
    if (!plan->filename)
        plan->filename = "/bin/sh";
    if (!plan->argv)
        plan->argv = sh_argv;
    plan->stdin_fd = pin[0];
    plan->stdout_fd = pout[1];
    plan->stderr_fd = perr[1];
    struct err e;
    err_clear(&e);
    memset(c, 0, sizeof *c);
    c->pid = spawn_run(plan, "t", &e);
    if (c->pid <= 0)
        fail_msg("spawn_run: %s", e.msg);
    if (pin[0] >= 0)
        close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    c->in = pin[1];
    c->out = pout[0];
    c->err = perr[0];
}

static void plan_init(struct spawn_plan *plan, char **envp)
{
    memset(plan, 0, sizeof *plan);
    plan->envp = envp;
    plan->umask = -1;
    plan->report_fd = -1;
}

/* Read stdout until it holds `want` (or EOF), within the deadline. */
static void read_until(struct child *c, const char *want)
{
    int64_t end = mono_ms() + DEADLINE_MS;
    while (!want || !memmem(c->outbuf, c->outlen, want, strlen(want))) {
        int left = (int)(end - mono_ms());
        assert_true(left > 0);
        struct pollfd pfd = {.fd = c->out, .events = POLLIN};
        if (poll(&pfd, 1, left) <= 0)
            continue;
        ssize_t r = read(c->out, c->outbuf + c->outlen, sizeof c->outbuf - 1 - c->outlen);
        if (r <= 0)
            break;
        c->outlen += (size_t)r;
        c->outbuf[c->outlen] = '\0';
    }
}

/* Close stdin, drain stdout and stderr to EOF, reap; all within the deadline. */
static void finish(struct child *c)
{
    if (c->in >= 0)
        close(c->in);
    c->in = -1;
    int64_t end = mono_ms() + DEADLINE_MS;
    while (c->out >= 0 || c->err >= 0) {
        int left = (int)(end - mono_ms());
        assert_true(left > 0);
        struct pollfd pfd[2] = {{.fd = c->out, .events = POLLIN}, {.fd = c->err, .events = POLLIN}};
        if (poll(pfd, 2, left) <= 0)
            continue;
        if (pfd[0].revents) {
            ssize_t r = read(c->out, c->outbuf + c->outlen, sizeof c->outbuf - 1 - c->outlen);
            if (r > 0)
                c->outlen += (size_t)r;
            else {
                close(c->out);
                c->out = -1;
            }
        }
        if (pfd[1].revents) {
            ssize_t r = read(c->err, c->errbuf + c->errlen, sizeof c->errbuf - 1 - c->errlen);
            if (r > 0)
                c->errlen += (size_t)r;
            else {
                close(c->err);
                c->err = -1;
            }
        }
    }
    c->outbuf[c->outlen] = '\0';
    c->errbuf[c->errlen] = '\0';
    for (;;) {
        pid_t r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid)
            break;
        assert_int_equal(r, 0);
        assert_true(mono_ms() < end);
        poll(NULL, 0, 5);
    }
}

static int run_sh(struct child *c, const char *script, struct spawn_plan *plan)
{
    start_sh(c, script, plan, false);
    finish(c);
    assert_true(WIFEXITED(c->status));
    return WEXITSTATUS(c->status);
}

static void test_run_env_cwd_umask(void **state)
{
    (void)state;
    char *envp[] = {W("FOO=bar baz"), W("PATH=/usr/bin:/bin"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    plan.cwd = "/tmp";
    plan.umask = 027;
    struct child c;
    int rc = run_sh(&c, "echo \"foo=$FOO\"; echo \"home=${HOME-unset}\"; pwd; umask; "
                        "echo oops >&2; exit 3",
                    &plan);
    assert_int_equal(rc, 3);
    assert_string_equal(c.outbuf, "foo=bar baz\nhome=unset\n/tmp\n0027\n");
    assert_string_equal(c.errbuf, "oops\n");
}

static void test_run_inherits_umask_and_cwd(void **state)
{
    (void)state;
    char *envp[] = {NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    mode_t old = umask(022);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    struct child c;
    assert_int_equal(run_sh(&c, "pwd; umask", &plan), 0);
    umask(old);
    char *want = xasprintf("%s\n0022\n", cwd);
    assert_string_equal(c.outbuf, want);
    free(want);
}

/* Field 5 of /proc/<pid>/stat: the process group. */
static long proc_pgrp(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    assert_non_null(p);
    char st;
    long ppid, pgrp;
    assert_int_equal(sscanf(p + 1, " %c %ld %ld", &st, &ppid, &pgrp), 3);
    return pgrp;
}

/* A "Key:\tvalue" line of /proc/<pid>/status (caller frees). */
static char *proc_status(pid_t pid, const char *key)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    char *val = NULL;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            char *v = line + kl + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            val = xstrdup(v);
            break;
        }
    }
    fclose(f);
    assert_non_null(val);
    return val;
}

/* Inspect a live child (blocked in `read`) from the parent: process group,
 * open fds, signal dispositions and mask. The test process first makes its
 * own state noisy: leaked fds without CLOEXEC, SIGUSR1 ignored, SIGTERM
 * blocked, so the child must really reset them. */
static void test_run_child_state(void **state)
{
    (void)state;
    int leak = dup(0);
    int lp[2];
    assert_true(leak >= 0);
    assert_int_equal(pipe(lp), 0);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_usr1;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGUSR1, &ign, &old_usr1);
    sigset_t block, old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old_mask);

    char *envp[] = {NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    struct child c;
    start_sh(&c, "echo ready; read x; echo done", &plan, false);

    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    close(leak);
    close(lp[0]);
    close(lp[1]);

    read_until(&c, "ready\n");
    assert_int_equal(proc_pgrp(c.pid), c.pid);
    assert_int_not_equal(proc_pgrp(c.pid), proc_pgrp(getpid()));
    char *ign_s = proc_status(c.pid, "SigIgn");
    char *blk_s = proc_status(c.pid, "SigBlk");
    assert_string_equal(ign_s, "0000000001001000"); /* SIGPIPE and SIGXFSZ only */
    assert_string_equal(blk_s, "0000000000000000");
    free(ign_s);
    free(blk_s);

    char dpath[64];
    snprintf(dpath, sizeof dpath, "/proc/%d/fd", (int)c.pid);
    char *cmd = xasprintf("ls %s", dpath);
    FILE *ls = popen(cmd, "r");
    free(cmd);
    assert_non_null(ls);
    char fds[256];
    size_t n = fread(fds, 1, sizeof fds - 1, ls);
    fds[n] = '\0';
    assert_int_equal(pclose(ls), 0);
    assert_string_equal(fds, "0\n1\n2\n");

    finish(&c);
    assert_true(WIFEXITED(c.status));
    assert_int_equal(WEXITSTATUS(c.status), 0);
    assert_string_equal(c.outbuf, "ready\ndone\n");
}

static void test_run_stdin_devnull_and_redirect(void **state)
{
    (void)state;
    char *envp[] = {W("PATH=/usr/bin:/bin"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    int pout[2];
    assert_int_equal(pipe2(pout, O_CLOEXEC), 0);
    sh_argv[2] = W("readlink /proc/self/fd/0; echo to-stderr >&2");
    plan.filename = "/bin/sh";
    plan.argv = sh_argv;
    plan.stdin_fd = -1;
    plan.stdout_fd = pout[1];
    plan.stderr_fd = pout[1]; /* redirect_stderr */
    struct err e;
    pid_t pid = spawn_run(&plan, "t", &e);
    assert_true(pid > 0);
    close(pout[1]);
    struct child c;
    memset(&c, 0, sizeof c);
    c.pid = pid;
    c.in = -1;
    c.out = pout[0];
    c.err = open("/dev/null", O_RDONLY | O_CLOEXEC);
    finish(&c);
    assert_string_equal(c.outbuf, "/dev/null\nto-stderr\n");
}

struct logcap {
    char text[4096];
};

static void cap_sink(void *arg, int level, const char *line, size_t len)
{
    struct logcap *lc = arg;
    (void)level;
    strncat(lc->text, line, len < sizeof lc->text - strlen(lc->text) - 1
                                ? len
                                : sizeof lc->text - strlen(lc->text) - 1);
}

static void test_run_exec_failure(void **state)
{
    (void)state;
    struct logcap lc = {{0}};
    int old_level = log_level();
    log_set_level(LOG_DEBG);
    log_set_sink(cap_sink, &lc);
    char *envp[] = {NULL};
    char *argv[] = {W("./relative-prog"), W("x"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    plan.filename = "/nonexistent/prog";
    plan.argv = argv;
    int rep[2];
    assert_int_equal(spawn_report_pipe(rep), 0);
    assert_true(rep[0] > 2 && rep[1] > 2);
    plan.report_fd = rep[1];
    struct child c;
    start_sh(&c, NULL, &plan, false);
    finish(&c); /* reaped: its report is in the pipe */
    spawn_report_drain(rep[0]);
    close(rep[0]);
    close(rep[1]);
    log_set_sink(NULL, NULL);
    log_set_level(old_level);
    assert_true(WIFEXITED(c.status));
    assert_int_equal(WEXITSTATUS(c.status), 127);
    assert_string_equal(c.errbuf, "supervisor: couldn't exec ./relative-prog: ENOENT\n"
                                  "supervisor: child process was not spawned\n");
    assert_string_equal(c.outbuf, "");
    char *want = xasprintf("child %d of 't' failed at exec: ENOENT", (int)c.pid);
    assert_non_null(strstr(lc.text, want));
    free(want);
}

static void test_run_exec_not_executable(void **state)
{
    (void)state;
    char *envp[] = {NULL};
    char *argv[] = {W("/dev/null"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    plan.filename = "/dev/null";
    plan.argv = argv;
    struct child c;
    start_sh(&c, NULL, &plan, false);
    finish(&c);
    assert_int_equal(WEXITSTATUS(c.status), 127);
    assert_string_equal(c.errbuf, "supervisor: couldn't exec /dev/null: EACCES\n"
                                  "supervisor: child process was not spawned\n");
}

static void test_run_chdir_failure(void **state)
{
    (void)state;
    char *envp[] = {NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    plan.cwd = "/nonexistent/dir";
    struct child c;
    assert_int_equal(run_sh(&c, "echo should-not-run", &plan), 127);
    assert_string_equal(c.outbuf, "");
    assert_string_equal(c.errbuf, "supervisor: couldn't chdir to /nonexistent/dir: ENOENT\n"
                                  "supervisor: child process was not spawned\n");
}

static void test_run_set_user(void **state)
{
    (void)state;
    char *envp[] = {W("PATH=/usr/bin:/bin"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    struct child c;
    if (getuid() != 0) {
        plan.set_user = true;
        plan.uid = getuid() + 1;
        plan.gid = getgid();
        assert_int_equal(run_sh(&c, "echo ran", &plan), 127);
        char *want = xasprintf("supervisor: couldn't setuid to %lu: Can't drop privilege as "
                               "nonroot user\nsupervisor: child process was not spawned\n",
                               (unsigned long)plan.uid);
        assert_string_equal(c.errbuf, want);
        free(want);
        return;
    }
    plan.set_user = true;
    plan.uid = 65534;
    plan.gid = 65534;
    plan.username = "nobody";
    assert_int_equal(run_sh(&c,
                            "id -u; id -g; grep '^Groups:' /proc/self/status; "
                            "echo \"home=${HOME-unset}\"",
                            &plan),
                     0);
    /* Groups: the primary gid plus groups listing nobody (none here). */
    assert_string_equal(c.outbuf, "65534\n65534\nGroups:\t65534 \nhome=unset\n");
    assert_string_equal(c.errbuf, "");
}

static void test_run_set_user_same_uid_is_noop(void **state)
{
    (void)state;
    char *envp[] = {W("PATH=/usr/bin:/bin"), NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    plan.set_user = true;
    plan.uid = getuid();
    plan.gid = 12345; /* not applied: already that user */
    struct child c;
    assert_int_equal(run_sh(&c, "id -u; id -g", &plan), 0);
    char *want = xasprintf("%lu\n%lu\n", (unsigned long)getuid(), (unsigned long)getgid());
    assert_string_equal(c.outbuf, want);
    free(want);
}

static void test_run_argv_passed(void **state)
{
    (void)state;
    char *envp[] = {NULL};
    struct spawn_plan plan;
    plan_init(&plan, envp);
    char **argv, *file;
    struct err e;
    assert_int_equal(spawn_resolve("sh -c 'printf \"%s|\" \"$0\" \"$@\"' zero 'a b' '' c", NULL,
                                   &argv, &file, &e),
                     0);
    plan.filename = file;
    plan.argv = argv;
    struct child c;
    assert_int_equal(run_sh(&c, NULL, &plan), 0);
    assert_string_equal(c.outbuf, "zero|a b||c|");
    spawn_free_argv(argv);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shlex_words),
        cmocka_unit_test(test_shlex_quotes_and_escapes),
        cmocka_unit_test(test_shlex_errors),
        cmocka_unit_test(test_resolve_path_search),
        cmocka_unit_test(test_resolve_empty_path_entry_is_cwd),
        cmocka_unit_test(test_resolve_messages),
        cmocka_unit_test(test_resolve_no_permission),
        cmocka_unit_test(test_build_env),
        cmocka_unit_test(test_errno_name),
        cmocka_unit_test(test_run_env_cwd_umask),
        cmocka_unit_test(test_run_inherits_umask_and_cwd),
        cmocka_unit_test(test_run_child_state),
        cmocka_unit_test(test_run_stdin_devnull_and_redirect),
        cmocka_unit_test(test_run_exec_failure),
        cmocka_unit_test(test_run_exec_not_executable),
        cmocka_unit_test(test_run_chdir_failure),
        cmocka_unit_test(test_run_set_user),
        cmocka_unit_test(test_run_set_user_same_uid_is_noop),
        cmocka_unit_test(test_run_argv_passed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
