/* daemon: what makes supervisord a daemon, as Supervisor 4.2.5 does it:
 * dropping privileges, raising rlimits, the single-fork daemonize, the
 * pidfile, and purging old AUTO child logs. Messages that must wait for the
 * logger are appended to a caller-owned list. */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

/* Messages to log once the logger exists. */
struct daemon_msgs {
    struct config_msg *v; /* owned */
    size_t n, cap;
};
void daemon_msgs_add(struct daemon_msgs *m, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void daemon_msgs_release(struct daemon_msgs *m);

/* Supervisor's drop_privileges(): name or uid; setgroups (primary first,
 * then every /etc/group entry listing the user), setgid, setuid. Returns 0,
 * or -1 with e = "Can't find username 'x'", "Can't drop privilege as nonroot
 * user", "Could not set groups of effective user", ... */
int daemon_drop_privileges(const char *user, struct err *e);
/* set_uid_or_exit(): with no user as root, queue the CRIT "Supervisor is
 * running as root..."; else drop privileges and queue INFO "Set uid to user
 * <uid> succeeded". -1 + e on failure. */
int daemon_set_uid(const struct config *cfg, struct daemon_msgs *m, struct err *e);
/* set_rlimits_or_exit(): raise RLIMIT_NOFILE to minfds and RLIMIT_NPROC to
 * minprocs when lower; queue "Increased RLIMIT_NOFILE limit to N". -1 + e
 * with Supervisor's long message when it cannot. */
int daemon_set_rlimits(const struct config *cfg, struct daemon_msgs *m, struct err *e);
/* Single fork: the parent _exits(0); the child chdirs (directory), points
 * 0/1/2 at /dev/null, setsid(), umask(). Logs as Supervisor does. */
void daemon_daemonize(const struct config *cfg);
/* Write "<pid>\n"; logs INFO "supervisord started with pid N" or CRIT
 * "could not write pidfile <path>". Returns true if written. */
bool daemon_write_pidfile(const char *path);
/* Delete files in childlogdir whose names match Supervisor's AUTO pattern
 * for this identifier. */
void daemon_clear_autochildlogdir(const char *dir, const char *identifier);

#endif
