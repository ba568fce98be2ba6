/* envdump FILE [ARGS...]: test child that writes what it inherited to FILE as
 * key=value lines (argv, cwd, umask, ids, pgid/sid, SigIgn/SigBlk, open fds
 * and their targets, environment; newlines and backslashes escaped), written
 * to FILE.tmp then renamed so readers never see a partial file (FILE "-":
 * written to stdout, ending with "end=1"). Then prints
 * "envdump ready" on stdout and sleeps until SIGTERM (exit 0). */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t got;

static void on_sig(int sig) { got = sig; }

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            fputc(*s, f);
    }
}

static void status_fields(FILE *f)
{
    FILE *st = fopen("/proc/self/status", "r");
    char line[512];
    if (!st)
        return;
    while (fgets(line, sizeof line, st)) {
        if (strncmp(line, "SigIgn:", 7) == 0 || strncmp(line, "SigBlk:", 7) == 0) {
            char *v = line + 7;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            fprintf(f, "%.6s=%s\n", line, v);
        }
    }
    fclose(st);
}

static void fds(FILE *f, int skip)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    if (!d)
        return;
    int own = dirfd(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        int fd = atoi(de->d_name);
        if (fd == own || fd == skip)
            continue;
        char path[64], target[4096];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0)
            n = 0;
        target[n] = '\0';
        fprintf(f, "fd.%d=", fd);
        put_escaped(f, target);
        fputc('\n', f);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    if (argc < 2) {
        fprintf(stderr, "usage: envdump FILE [ARGS...]\n");
        return 64;
    }
    char tmp[4096];
    int to_stdout = strcmp(argv[1], "-") == 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = to_stdout ? stdout : fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return 1;
    }
    /* Record the fd table before anything else of ours is open (except f). */
    fds(f, to_stdout ? -1 : fileno(f));
    for (int i = 0; i < argc; i++) {
        fprintf(f, "argv.%d=", i);
        put_escaped(f, argv[i]);
        fputc('\n', f);
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) {
        fputs("cwd=", f);
        put_escaped(f, cwd);
        fputc('\n', f);
    }
    mode_t m = umask(0);
    umask(m);
    fprintf(f, "umask=%04o\n", (unsigned)m);
    fprintf(f, "uid=%ld\neuid=%ld\ngid=%ld\negid=%ld\n", (long)getuid(), (long)geteuid(),
            (long)getgid(), (long)getegid());
    gid_t groups[256];
    int ng = getgroups(256, groups);
    fputs("groups=", f);
    for (int i = 0; i < ng; i++)
        fprintf(f, "%s%ld", i ? "," : "", (long)groups[i]);
    fputc('\n', f);
    fprintf(f, "pid=%ld\nppid=%ld\npgid=%ld\nsid=%ld\n", (long)getpid(), (long)getppid(),
            (long)getpgrp(), (long)getsid(0));
    status_fields(f);
    for (char **e = environ; *e; e++) {
        fputs("env.", f);
        put_escaped(f, *e);
        fputc('\n', f);
    }
    if (to_stdout) {
        fputs("end=1\n", f);
    } else {
        fclose(f);
        rename(tmp, argv[1]);
    }
    printf("envdump ready\n");
    fflush(stdout);
    /* SIGTERM blocked but inside sigsuspend: one arriving between the test
     * of `got` and a pause() would be lost */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!got)
        sigsuspend(&old);
    return 0;
}
