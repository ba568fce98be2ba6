/* logfile: one append-only file descriptor and its size-based rotation, as
 * Supervisor's FileHandler/RotatingFileHandler. It owns the fd and the path
 * copy; what to write and when to reopen is the caller's business. */
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

struct logfile {
    char *path;         /* owned */
    int fd;             /* -1 after a failed reopen; retried on the next write */
    long long maxbytes;
    int backups;
    bool regular;       /* only regular files are rotated, sized or removed */
    off_t size;         /* size at open + bytes written since */
    unsigned long long lost; /* bytes logfile_write could not write, ever */
};

/* Never rename or unlink what a device path names (/dev/stdout is a symlink:
 * renaming it would break the system as root), even when it resolves to a
 * regular file. */
static bool special_path(const char *path)
{
    return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

static int open_fd(struct logfile *lf, bool truncate, struct err *e)
{
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY;
    if (truncate)
        flags |= O_TRUNC;
    int fd;
    do
        fd = open(lf->path, flags, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return err_set(e, ERR_SYSTEM, "cannot open '%s': %s", lf->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        return err_set(e, ERR_SYSTEM, "cannot open '%s': %s", lf->path, strerror(saved));
    }
    lf->fd = fd;
    lf->regular = S_ISREG(st.st_mode) && !special_path(lf->path);
    lf->size = lf->regular ? st.st_size : 0;
    return 0;
}

struct logfile *logfile_open(const char *path, long long maxbytes, int backups, struct err *e)
{
    struct logfile *lf = xcalloc(1, sizeof *lf);
    lf->path = xstrdup(path);
    lf->fd = -1;
    lf->maxbytes = maxbytes;
    lf->backups = backups < 0 ? 0 : backups;
    if (open_fd(lf, false, e) < 0) {
        free(lf->path);
        free(lf);
        return NULL;
    }
    return lf;
}

void logfile_close(struct logfile *lf)
{
    if (!lf)
        return;
    if (lf->fd >= 0)
        close(lf->fd);
    free(lf->path);
    free(lf);
}

static void close_fd(struct logfile *lf)
{
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = -1;
}

/* Rename src over dst as removeAndRename does: a missing source is fine
 * (someone removed the live log). */
static int shift(const char *src, const char *dst, struct err *e)
{
    if (rename(src, dst) < 0 && errno != ENOENT)
        return err_set(e, ERR_SYSTEM, "cannot rename '%s' to '%s': %s", src, dst,
                       strerror(errno));
    return 0;
}

/* doRollover: the live file is complete (every byte written) before any
 * rename, so nothing is lost or reordered. */
static int rotate(struct logfile *lf, struct err *e)
{
    close_fd(lf);
    int rc = 0;
    if (lf->backups > 0) {
        size_t n = strlen(lf->path) + 24;
        char *src = xmalloc(n), *dst = xmalloc(n);
        for (int i = lf->backups - 1; i >= 1; i--) {
            snprintf(src, n, "%s.%d", lf->path, i);
            snprintf(dst, n, "%s.%d", lf->path, i + 1);
            if (access(src, F_OK) == 0 && shift(src, dst, e) < 0)
                rc = -1;
        }
        snprintf(dst, n, "%s.1", lf->path);
        if (shift(lf->path, dst, e) < 0)
            rc = -1;
        free(src);
        free(dst);
    }
    /* backups == 0: reopening with O_TRUNC is Supervisor's truncation. If the
     * live file could not be moved aside, keep appending to it rather than
     * truncate what is not saved anywhere else. */
    struct err oe;
    if (open_fd(lf, rc == 0, &oe) < 0) {
        if (e)
            *e = oe;
        return -1;
    }
    return rc;
}

int logfile_write(struct logfile *lf, const void *data, size_t n, struct err *e)
{
    if (n == 0)
        return 0; /* Supervisor never emits an empty record: no rotation either */
    if (lf->fd < 0 && open_fd(lf, false, e) < 0) {
        lf->lost += n;
        err_suffix(e, " (%zu bytes not written)", n);
        return -1;
    }
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(lf->fd, p, left);
        if (w > 0) {
            p += w;
            left -= (size_t)w;
            if (lf->regular)
                lf->size += w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            /* A non-blocking pipe or tty: wait a bounded time to drain. */
            struct pollfd pfd = {.fd = lf->fd, .events = POLLOUT};
            if (poll(&pfd, 1, 1000) > 0)
                continue;
            errno = EAGAIN;
        }
        lf->lost += left;
        return err_set(e, ERR_SYSTEM, "cannot write '%s': %s (%zu of %zu bytes not written)",
                       lf->path, w < 0 ? strerror(errno) : "short write", left, n);
    }
    if (lf->maxbytes > 0 && lf->regular && lf->size >= lf->maxbytes)
        return rotate(lf, e);
    return 0;
}

int logfile_reopen(struct logfile *lf, struct err *e)
{
    close_fd(lf);
    return open_fd(lf, false, e);
}

int logfile_clear(struct logfile *lf, struct err *e)
{
    close_fd(lf);
    if (lf->regular && unlink(lf->path) < 0 && errno != ENOENT) {
        int saved = errno;
        open_fd(lf, false, NULL);
        return err_set(e, ERR_SYSTEM, "cannot remove '%s': %s", lf->path, strerror(saved));
    }
    return open_fd(lf, false, e);
}

off_t logfile_size(const struct logfile *lf)
{
    return lf->regular ? lf->size : 0;
}

unsigned long long logfile_lost(const struct logfile *lf)
{
    return lf->lost;
}

const char *logfile_path(const struct logfile *lf)
{
    return lf->path;
}

ssize_t logfile_read_at(const char *path, off_t offset, void *dst, size_t len, struct err *e)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return err_set(e, ERR_SYSTEM, "cannot open '%s': %s", path, strerror(errno));
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)dst + got, len - got, offset + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            close(fd);
            return err_set(e, ERR_SYSTEM, "cannot read '%s': %s", path, strerror(saved));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}
