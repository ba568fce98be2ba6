/* logfile: an append-only log file that rotates by size, as Supervisor's
 * RotatingFileHandler does: after each whole write, if the size reached
 * maxbytes (> 0): with backups > 0 shift <f>.i -> <f>.i+1 (i = backups-1..1),
 * <f> -> <f>.1 and reopen <f> empty; with backups == 0 truncate <f>.
 * Not one byte is lost or reordered across a rotation. Files that are not
 * regular (/dev/stdout, a fifo, a tty), and any path under /dev/ or /proc/,
 * are written but never rotated, renamed, unlinked or seeked.
 * Used for child stdout/stderr logs and for the main log. */
#ifndef LOGFILE_H
#define LOGFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct logfile;

/* Open path for appending (created 0666 & ~umask, O_CLOEXEC).
 * NULL + e ("cannot open '<path>': <strerror>") on failure. */
struct logfile *logfile_open(const char *path, long long maxbytes, int backups,
                             struct err *e);
/* Write all of data (retrying EINTR and short writes), then rotate if due.
 * -1 + e on a write error ("cannot write '<path>': <strerror> (N of M bytes
 * not written)") or a rotation error ("cannot rename ..."; the data is then
 * written, and the live file is kept and appended to rather than truncated).
 * After a failed reopen the next write tries to open the path again. */
int logfile_write(struct logfile *lf, const void *data, size_t n, struct err *e);
/* Close and reopen the same path (SIGUSR2). */
int logfile_reopen(struct logfile *lf, struct err *e);
/* clearLog: unlink the live file (backups are kept, as in Supervisor) and
 * reopen it empty. Non-regular files and /dev/, /proc/ paths are only
 * reopened, never unlinked. */
int logfile_clear(struct logfile *lf, struct err *e);
/* Current size of the live file: its size at open plus bytes written since
 * (0 for non-regular files). */
off_t logfile_size(const struct logfile *lf);
/* Bytes logfile_write failed to write since the file was opened (a full
 * disk, say): the caller reports the loss when writing resumes. */
unsigned long long logfile_lost(const struct logfile *lf);
const char *logfile_path(const struct logfile *lf);
void logfile_close(struct logfile *lf); /* NULL ok */

/* Read up to len bytes from path starting at offset (for tail/readLog).
 * Returns bytes read or -1 + e. */
ssize_t logfile_read_at(const char *path, off_t offset, void *dst, size_t len,
                        struct err *e);

#endif
