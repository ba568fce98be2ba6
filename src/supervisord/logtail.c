/* logtail: tail -f of a process log or the main log over HTTP, as
 * Supervisor's logtail_handler / mainlogtail_handler / tail_f_producer.
 * Each open tail keeps its file open and the size it has sent up to; one
 * repeating loop timer (armed only while a tail is open) checks for growth
 * and rotation. httpd.c does the chunked framing and the buffering. */
#include "logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "rpc.h"
#include "supervisor.h"
#include "xalloc.h"

#define TAIL_HEAD 1024      /* bytes sent from before the request */
#define TAIL_POLL_MS 100    /* Supervisor's producer delay */

struct tail {
    struct tail *next, *prev;
    struct logtail *t;      /* borrowed */
    struct httpd_req *req;  /* borrowed from httpd until it ends */
    char *path;             /* owned */
    int fd;
    ino_t ino;
    off_t sent;             /* file size already sent up to */
};

struct logtail {
    struct supervisor *s;   /* borrowed */
    struct tail *tails;     /* owned list */
    struct loop_timer timer;
};

static void tail_unlink(struct tail *tl)
{
    if (tl->prev)
        tl->prev->next = tl->next;
    else
        tl->t->tails = tl->next;
    if (tl->next)
        tl->next->prev = tl->prev;
    if (!tl->t->tails)
        loop_timer_cancel(tl->t->s->loop, &tl->t->timer);
}

static void tail_free(struct tail *tl)
{
    if (tl->fd >= 0)
        close(tl->fd);
    free(tl->path);
    free(tl);
}

static void abort_cb(void *arg, struct httpd_req *req)
{
    (void)req;
    struct tail *tl = arg;
    tail_unlink(tl);
    tail_free(tl);
}

static int tail_open(struct tail *tl)
{
    int fd = open(tl->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (tl->fd >= 0)
        close(tl->fd);
    tl->fd = fd;
    tl->ino = st.st_ino;
    tl->sent = 0;
    return 0;
}

/* Send what the file gained since the last look. */
static void tail_pump(struct tail *tl)
{
    struct stat st;
    /* rotation: a new inode behind the name; send all of the new file */
    if (stat(tl->path, &st) == 0 && st.st_ino != tl->ino)
        tail_open(tl);
    if (fstat(tl->fd, &st) < 0)
        return;
    if (st.st_size < tl->sent) {
        /* Supervisor means to say this (a str/bytes bug kills its
         * connection instead); we say it and go on from the start */
        static const char msg[] = "==> File truncated <==\n";
        httpd_stream_write(tl->req, msg, sizeof msg - 1);
        tl->sent = 0;
    }
    char chunk[65536];
    while (tl->sent < st.st_size) {
        off_t want = st.st_size - tl->sent;
        size_t n = want > (off_t)sizeof chunk ? sizeof chunk : (size_t)want;
        ssize_t got = pread(tl->fd, chunk, n, tl->sent);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        httpd_stream_write(tl->req, chunk, (size_t)got);
        tl->sent += got;
    }
}

static void timer_cb(struct loop *l, void *arg)
{
    struct logtail *t = arg;
    for (struct tail *tl = t->tails; tl; tl = tl->next)
        tail_pump(tl);
    if (t->tails)
        loop_timer_arm(l, &t->timer, loop_now(l) + TAIL_POLL_MS);
}

struct logtail *logtail_new(struct supervisor *s)
{
    struct logtail *t = xcalloc(1, sizeof *t);
    t->s = s;
    loop_timer_init(&t->timer, timer_cb, t);
    return t;
}

void logtail_free(struct logtail *t)
{
    if (!t)
        return;
    while (t->tails) {
        struct tail *tl = t->tails;
        tail_unlink(tl);
        httpd_req_set_data(tl->req, NULL, NULL);
        httpd_close(tl->req); /* no final chunk, as when Supervisor exits */
        tail_free(tl);
    }
    loop_timer_cancel(t->s->loop, &t->timer);
    free(t);
}

static void start_tail(struct logtail *t, struct httpd_req *req, const char *path, bool proclog)
{
    struct stat st;
    if (!path || stat(path, &st) < 0) {
        /* "no logfile is a temporary condition" */
        rpc_http_error(req, 404);
        return;
    }
    struct tail *tl = xcalloc(1, sizeof *tl);
    tl->t = t;
    tl->req = req;
    tl->fd = -1;
    tl->path = xstrdup(path);
    if (tail_open(tl) < 0) {
        tail_free(tl);
        rpc_http_error(req, 404);
        return;
    }
    struct stat fst;
    if (fstat(tl->fd, &fst) == 0 && fst.st_size >= TAIL_HEAD)
        tl->sent = fst.st_size - TAIL_HEAD;

    char date[64];
    struct tm tm;
    time_t mt = st.st_mtime;
    gmtime_r(&mt, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    httpd_add_header(req, "Last-Modified", date);
    if (proclog) /* tell a reverse proxy not to buffer */
        httpd_add_header(req, "X-Accel-Buffering", "no");
    httpd_stream_begin(req, 200, "text/plain;charset=utf-8");
    httpd_req_set_data(req, tl, abort_cb);
    tl->next = t->tails;
    if (tl->next)
        tl->next->prev = tl;
    t->tails = tl;
    tail_pump(tl);
    if (!loop_timer_armed(&t->timer))
        loop_timer_arm(t->s->loop, &t->timer, loop_now(t->s->loop) + TAIL_POLL_MS);
}

/* /logtail/<namespec>[/<channel>] -> the log path, or NULL (404). */
static const char *proc_log_path(struct logtail *t, const char *rest, bool *bad)
{
    *bad = false;
    const char *slash = strchr(rest, '/');
    if (!slash) { /* "logtail" alone: Supervisor's split fails, HTTP 500 */
        *bad = true;
        return NULL;
    }
    const char *spec = slash + 1;
    const char *chan_sep = strchr(spec, '/');
    char *name = chan_sep ? xstrndup(spec, (size_t)(chan_sep - spec)) : xstrdup(spec);
    const char *channel = chan_sep ? chan_sep + 1 : "stdout";
    const char *path = NULL;
    char *colon = strchr(name, ':');
    const char *pname = name;
    if (colon) {
        *colon = '\0';
        pname = colon + 1;
    }
    struct group *g = supervisor_group(t->s, name);
    if (g && *pname && strcmp(pname, "*") != 0) {
        struct proc *pr = NULL;
        for (size_t i = 0; i < g->nprocs && !pr; i++)
            if (strcmp(g->procs[i]->p.cfg->name, pname) == 0)
                pr = g->procs[i];
        if (pr && strcmp(channel, "stdout") == 0)
            path = pr->outlog_path;
        else if (pr && strcmp(channel, "stderr") == 0)
            path = pr->errlog_path;
    }
    free(name);
    return path;
}

void logtail_handle(struct logtail *t, struct httpd_req *req)
{
    if (strcmp(httpd_req_method(req), "GET") != 0) {
        rpc_http_error(req, 400);
        return;
    }
    const char *path = httpd_req_path(req);
    while (*path == '/')
        path++;
    if (strncmp(path, "mainlogtail", 11) == 0) {
        start_tail(t, req, log_path(), false);
        return;
    }
    bool bad;
    const char *file = proc_log_path(t, path, &bad);
    if (bad) {
        rpc_http_error(req, 500);
        return;
    }
    start_tail(t, req, file, true);
}
