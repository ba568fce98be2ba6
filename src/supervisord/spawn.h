/* spawn: starting a child, described as data (a plan) and carried out by one
 * function: fork, set up in the child, exec. Also the command resolution
 * and environment building Supervisor does before forking.
 * Child setup order (as Supervisor): new process group (setpgid), dup2 the
 * pipe ends to 0/1/2, close every other fd, drop privileges (setgroups with
 * the user's supplementary groups, setgid, setuid), chdir, umask, reset signal
 * dispositions (SIGPIPE and SIGXFSZ ignored, as Python children inherit) and
 * an empty signal mask, execve. With deathsig the child also asks the kernel
 * for that signal when the daemon dies without stopping it (SIGKILL, crash):
 * a restarted daemon then never runs a second copy beside the orphan. A
 * failure writes Supervisor's message to fd 2
 * ("supervisor: couldn't chdir to /x: ENOENT\n",
 *  "supervisor: child process was not spawned\n") and exits 127. */
#ifndef SPAWN_H
#define SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "datatypes.h"
#include "err.h"

struct spawn_plan {
    const char *filename;   /* resolved executable (spawn_resolve) */
    char *const *argv;      /* NULL-terminated */
    char *const *envp;      /* NULL-terminated */
    const char *cwd;        /* NULL: no chdir */
    int umask;              /* -1: inherit */
    bool set_user;
    uid_t uid;
    gid_t gid;
    const char *username;   /* for supplementary groups; NULL: only gid */
    int stdin_fd;           /* child ends; -1: /dev/null */
    int stdout_fd;
    int stderr_fd;
    int deathsig;           /* > 0: sent to the child if the daemon dies first */
    int report_fd;          /* write end of a spawn_report_pipe; -1: no reports */
};

/* Fork and exec. Returns the pid (> 0), or -1 + e (ERR_SPAWN) when fork
 * fails: "Too many processes in process table to spawn '<name>'" (EAGAIN) or
 * "unknown error during fork for '<name>': <ERRNO>".
 * Returns at once, without waiting for the exec (as Supervisor): spawning a
 * thousand programs is not a thousand waits. Exec-side failures are not
 * errors here: the child writes Supervisor's message to its fd 2 and exits
 * 127, and sends (stage, errno) through plan->report_fd, from which
 * spawn_report_drain logs a DEBG line ("child <pid> of '<name>' failed at
 * exec: ENOENT"). The plan's fds are borrowed: the caller closes its copies
 * of the child ends afterwards. With set_user and a uid equal to ours
 * nothing is changed; as a non-root user the child fails with "couldn't
 * setuid to <uid>: Can't drop privilege as nonroot user". */
pid_t spawn_run(const struct spawn_plan *plan, const char *name, struct err *e);
/* The report pipe, one for every child: CLOEXEC (so an exec closes the
 * child's copy), non-blocking, both ends above fd 2. 0, or -1 + errno. */
int spawn_report_pipe(int fds[2]);
/* Log every report waiting on the read end (non-blocking). */
void spawn_report_drain(int fd);

/* Tokenise command with POSIX shlex rules and find the executable, with
 * Supervisor's checks and messages (ERR_SPAWN):
 *   "can't parse command <repr>: No closing quotation" (or "No escaped
 *   character"), "command is empty",
 *   "can't find command <repr>", "command at <repr> is a directory",
 *   "command at <repr> is not executable", "no permission to run command <repr>".
 * path_env: PATH from the program environment if set, else the daemon's,
 * else "/bin:/usr/bin:/usr/local/bin" (caller decides; NULL means that
 * default). An empty entry means the current directory, as in Python. The
 * first entry where stat() succeeds wins, even a directory. An argv[0] with a
 * '/' is used as is (relative to our cwd). On success *argv is a
 * NULL-terminated malloc'd array of malloc'd strings (free with
 * spawn_free_argv) and *filename is malloc'd. */
int spawn_resolve(const char *command, const char *path_env, char ***argv, char **filename,
                  struct err *e);
void spawn_free_argv(char **argv);

/* Child environment: base (environ) + SUPERVISOR_ENABLED=1 +
 * SUPERVISOR_SERVER_URL (if serverurl) + SUPERVISOR_PROCESS_NAME +
 * SUPERVISOR_GROUP_NAME, then every entry of extra (which may override).
 * Returns a NULL-terminated malloc'd array (free with spawn_free_argv). */
char **spawn_build_env(char *const *base, const char *serverurl, const char *process_name,
                       const char *group_name, const struct kvlist *extra);

/* Python's errno.errorcode name: "ENOENT", "EDEADLOCK", "ENOTSUP"; the
 * number as text if unnamed (a static buffer). Async-signal-safe. */
const char *spawn_errno_name(int errnum);

#endif
