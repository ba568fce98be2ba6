/* daemon: privileges, rlimits, daemonizing, pidfile, AUTO log purge.
 * Behaviour and texts follow Supervisor 4.2.5's options.py. */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

void daemon_msgs_add(struct daemon_msgs *m, int level, const char *fmt, ...)
{
    va_list ap;
    char *text;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = xstrdup("?");
    va_end(ap);
    m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof *m->v);
    m->v[m->n++] = (struct config_msg){.level = level, .text = text};
}

void daemon_msgs_release(struct daemon_msgs *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].text);
        free(m->v[i].file);
    }
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

static int lookup_user(const char *user, struct passwd *pw, char *buf, size_t len,
                       struct err *e)
{
    struct passwd *res = NULL;
    char *end;
    errno = 0;
    long v = strtol(user, &end, 10);
    bool numeric = *user && *end == '\0';
    if (numeric) {
        if (getpwuid_r((uid_t)v, pw, buf, len, &res) != 0 || !res)
            return err_set(e, ERR_CONFIG, "Can't find uid %ld", v);
    } else if (getpwnam_r(user, pw, buf, len, &res) != 0 || !res) {
        return err_set(e, ERR_CONFIG, "Can't find username '%s'", user);
    }
    return 0;
}

int daemon_drop_privileges(const char *user, struct err *e)
{
    struct passwd pw;
    char buf[16384];
    if (!user)
        return err_set(e, ERR_CONFIG, "No user specified to setuid to!");
    if (lookup_user(user, &pw, buf, sizeof buf, e) < 0)
        return -1;
    uid_t cur = getuid();
    if (cur == pw.pw_uid)
        return 0;
    if (cur != 0)
        return err_set(e, ERR_CONFIG, "Can't drop privilege as nonroot user");
    int ng = 64;
    gid_t *groups = xmalloc(sizeof *groups * (size_t)ng);
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) < 0) {
        groups = xrealloc(groups, sizeof *groups * (size_t)ng);
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) < 0)
            ng = 0;
    }
    /* getgrouplist puts the primary gid first, as Supervisor's list does. */
    if (ng == 0) {
        groups[0] = pw.pw_gid;
        ng = 1;
    }
    int r = setgroups((size_t)ng, groups);
    free(groups);
    if (r < 0)
        return err_set(e, ERR_CONFIG, "Could not set groups of effective user");
    if (setgid(pw.pw_gid) < 0)
        return err_set(e, ERR_CONFIG, "Could not set group id of effective user");
    if (setuid(pw.pw_uid) < 0)
        return err_set(e, ERR_CONFIG, "Could not set user id of effective user");
    return 0;
}

int daemon_set_uid(const struct config *cfg, struct daemon_msgs *m, struct err *e)
{
    if (!cfg->has_user) {
        if (getuid() == 0)
            daemon_msgs_add(m, LOG_CRIT,
                            "Supervisor is running as root.  Privileges were not dropped "
                            "because no user is specified in the config file.  If you "
                            "intend to run as root, you can set user=root in the config "
                            "file to avoid this message.");
        return 0;
    }
    char uidbuf[32];
    snprintf(uidbuf, sizeof uidbuf, "%u", (unsigned)cfg->uid);
    if (daemon_drop_privileges(uidbuf, e) < 0)
        return -1;
    daemon_msgs_add(m, LOG_INFO, "Set uid to user %u succeeded", (unsigned)cfg->uid);
    return 0;
}

static int raise_limit(int res, const char *name, long long min, const char *what,
                       const char *unit, const char *setting, const char *obj,
                       struct daemon_msgs *m, struct err *e)
{
    struct rlimit rl;
    if (getrlimit(res, &rl) < 0)
        return 0;
    if (rl.rlim_cur == RLIM_INFINITY || (long long)rl.rlim_cur >= min)
        return 0;
    rlim_t hard = rl.rlim_max;
    if (hard != RLIM_INFINITY && (long long)hard < min)
        hard = (rlim_t)min;
    struct rlimit nl = {.rlim_cur = (rlim_t)min, .rlim_max = hard};
    if (setrlimit(res, &nl) < 0) {
        char hardtxt[32];
        if (hard == RLIM_INFINITY)
            snprintf(hardtxt, sizeof hardtxt, "-1");
        else
            snprintf(hardtxt, sizeof hardtxt, "%llu", (unsigned long long)hard);
        return err_set(e, ERR_CONFIG,
                       "The minimum number of %s required to run this %s is %lld as per "
                       "the \"%s\" command-line argument or config file setting. The "
                       "current environment will only allow you to open %s %s.  Either "
                       "raise the number of usable %s in your environment (see README.rst) "
                       "or lower the %s setting in the config file to allow the %s to "
                       "start.",
                       what, obj, min, setting, hardtxt, unit, unit, setting, obj);
    }
    daemon_msgs_add(m, LOG_INFO, "Increased %s limit to %lld", name, min);
    return 0;
}

int daemon_set_rlimits(const struct config *cfg, struct daemon_msgs *m, struct err *e)
{
    if (raise_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", cfg->minfds, "file descriptors",
                    "file descriptors", "minfds", "process", m, e) < 0)
        return -1;
    return raise_limit(RLIMIT_NPROC, "RLIMIT_NPROC", cfg->minprocs, "available processes",
                       "processes", "minprocs", "program", m, e);
}

void daemon_daemonize(const struct config *cfg)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_crit("could not fork to daemonize: %s", strerror(errno));
        return;
    }
    if (pid != 0) {
        log_blather("supervisord forked; parent exiting");
        _exit(0);
    }
    log_info("daemonizing the supervisord process");
    if (cfg->directory) {
        if (chdir(cfg->directory) < 0)
            log_crit("can't chdir into '%s': %s", cfg->directory, strerror(errno));
        else
            log_info("set current directory: '%s'", cfg->directory);
    }
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    setsid();
    umask((mode_t)cfg->umask);
}

bool daemon_write_pidfile(const char *path)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%d\n", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, text, (size_t)len) == len;
    if (fd >= 0 && close(fd) < 0)
        ok = false;
    if (!ok) {
        log_crit("could not write pidfile %s", path);
        return false;
    }
    log_info("supervisord started with pid %d", (int)getpid());
    return true;
}

void daemon_clear_autochildlogdir(const char *dir, const char *identifier)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_warn("Could not clear childlog dir");
        return;
    }
    /* Supervisor's pattern, anchored at the start like re.match. */
    char *pat = xasprintf("^.+---%s-[^[:space:]]+\\.log\\.?[0-9]{0,4}", identifier);
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
    free(pat);
    if (rc != 0) {
        closedir(d);
        log_warn("Could not clear childlog dir");
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (regexec(&re, de->d_name, 0, NULL, 0) != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        if (unlink(path) < 0)
            log_warn("Failed to clean up '%s'", path);
        free(path);
    }
    regfree(&re);
    closedir(d);
}
