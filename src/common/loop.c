/* loop: epoll set, fd table indexed by fd, signalfd, a min-heap of embedded
 * timers and a list of deferred callbacks. It owns its epoll and signal fds
 * and its tables; it borrows every timer and never closes a watched fd. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define MAX_EVENTS 64
/* epoll data tag of the signalfd; fd slots use (generation << 32 | fd). */
#define SIGFD_TAG UINT64_MAX

struct io_slot {
    loop_io_cb cb;
    void *arg;
    uint32_t events;
    uint32_t gen;   /* bumped on add and del: a queued event with an old gen is stale */
    bool used;
};

struct sig_slot {
    loop_signal_cb cb;
    void *arg;
};

struct deferred {
    loop_defer_cb cb;
    void *arg;
};

struct loop {
    int epfd;
    int sigfd;                  /* -1 until the first loop_signal() */
    sigset_t sigmask;
    struct sig_slot sigs[NSIG];

    struct io_slot *ios;        /* owned; indexed by fd */
    size_t ios_cap;

    struct loop_timer **heap;   /* owned array of borrowed timers */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;         /* arm order: FIFO among equal deadlines */

    struct deferred *defers;    /* owned */
    size_t defer_len, defer_cap;

    loop_prepoll_cb prepoll;
    void *prepoll_arg;

    int64_t now;
    uint64_t iterations;
    bool stopping;
};

int64_t loop_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
    struct loop *l = xcalloc(1, sizeof *l);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0)
        abort();
    l->sigfd = -1;
    sigemptyset(&l->sigmask);
    l->now = loop_clock_ms();
    return l;
}

static void run_defers(struct loop *l)
{
    /* Deferred callbacks may defer more; take the list each round. */
    while (l->defer_len) {
        struct deferred *list = l->defers;
        size_t n = l->defer_len;
        l->defers = NULL;
        l->defer_len = l->defer_cap = 0;
        for (size_t i = 0; i < n; i++)
            list[i].cb(list[i].arg);
        free(list);
    }
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    run_defers(l); /* they usually free memory: running them avoids leaks */
    for (size_t i = 0; i < l->heap_len; i++)
        l->heap[i]->heap_index = 0;
    close(l->epfd);
    if (l->sigfd >= 0)
        close(l->sigfd);
    /* Routed signals stay blocked: unblocking would deliver pending ones
     * with their default action. */
    free(l->ios);
    free(l->heap);
    free(l->defers);
    free(l);
}

/* ---- fds ---- */

static uint64_t io_tag(int fd, uint32_t gen)
{
    return (uint64_t)gen << 32 | (uint32_t)fd;
}

int loop_add_io(struct loop *l, int fd, uint32_t events, loop_io_cb cb, void *arg)
{
    if (fd < 0 || !cb) {
        errno = EBADF;
        return -1;
    }
    if ((size_t)fd >= l->ios_cap) {
        size_t old = l->ios_cap;
        l->ios = xgrow(l->ios, &l->ios_cap, (size_t)fd + 1, sizeof *l->ios);
        memset(l->ios + old, 0, (l->ios_cap - old) * sizeof *l->ios);
    }
    struct io_slot *s = &l->ios[fd];
    if (s->used) {
        errno = EEXIST;
        return -1;
    }
    uint32_t gen = s->gen + 1;
    struct epoll_event ev = {.events = events, .data.u64 = io_tag(fd, gen)};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    s->gen = gen;
    s->used = true;
    s->cb = cb;
    s->arg = arg;
    s->events = events;
    return 0;
}

int loop_mod_io(struct loop *l, int fd, uint32_t events)
{
    if (fd < 0 || (size_t)fd >= l->ios_cap || !l->ios[fd].used) {
        errno = ENOENT;
        return -1;
    }
    struct io_slot *s = &l->ios[fd];
    struct epoll_event ev = {.events = events, .data.u64 = io_tag(fd, s->gen)};
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        return -1;
    s->events = events;
    return 0;
}

void loop_del_io(struct loop *l, int fd)
{
    if (fd < 0 || (size_t)fd >= l->ios_cap || !l->ios[fd].used)
        return;
    struct io_slot *s = &l->ios[fd];
    /* Fails harmlessly if the fd was already closed (epoll dropped it). */
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    s->used = false;
    s->gen++;
    s->cb = NULL;
    s->arg = NULL;
}

/* ---- timers: binary min-heap on (deadline, seq) ---- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
    l->heap[i] = t;
    t->heap_index = i + 1;
}

static void heap_up(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, l->heap[parent]))
            break;
        heap_set(l, i, l->heap[parent]);
        i = parent;
    }
    heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= l->heap_len)
            break;
        if (child + 1 < l->heap_len && timer_before(l->heap[child + 1], l->heap[child]))
            child++;
        if (!timer_before(l->heap[child], t))
            break;
        heap_set(l, i, l->heap[child]);
        i = child;
    }
    heap_set(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
    size_t i = t->heap_index - 1;
    t->heap_index = 0;
    l->heap_len--;
    if (i == l->heap_len)
        return;
    heap_set(l, i, l->heap[l->heap_len]);
    /* The moved timer may need to go either way. */
    if (i > 0 && timer_before(l->heap[i], l->heap[(i - 1) / 2]))
        heap_up(l, i);
    else
        heap_down(l, i);
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
    memset(t, 0, sizeof *t);
    t->cb = cb;
    t->arg = arg;
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t deadline_ms)
{
    if (t->heap_index)
        heap_remove(l, t);
    t->deadline = deadline_ms;
    t->seq = l->timer_seq++;
    l->heap = xgrow(l->heap, &l->heap_cap, l->heap_len + 1, sizeof *l->heap);
    l->heap_len++;
    heap_set(l, l->heap_len - 1, t);
    heap_up(l, l->heap_len - 1);
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
    if (t->heap_index)
        heap_remove(l, t);
}

size_t loop_timer_count(const struct loop *l)
{
    return l->heap_len;
}

int64_t loop_now(const struct loop *l)
{
    return l->now;
}

static void run_timers(struct loop *l)
{
    /* A timer re-armed for "now" inside a callback waits for the next
     * iteration, so a self-re-arming timer cannot starve the fds. */
    uint64_t seq_limit = l->timer_seq;
    while (l->heap_len) {
        struct loop_timer *t = l->heap[0];
        if (t->deadline > l->now || t->seq >= seq_limit)
            break;
        heap_remove(l, t);
        t->cb(l, t->arg);
    }
}

/* ---- signals ---- */

int loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
    if (signo <= 0 || signo >= NSIG || !cb) {
        errno = EINVAL;
        return -1;
    }
    sigset_t mask = l->sigmask;
    if (sigaddset(&mask, signo) < 0)
        return -1;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
        return -1;
    int fd = signalfd(l->sigfd, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        return -1;
    if (l->sigfd < 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = SIGFD_TAG};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        l->sigfd = fd;
    }
    l->sigmask = mask;
    l->sigs[signo].cb = cb;
    l->sigs[signo].arg = arg;
    return 0;
}

void loop_signal_mask(const struct loop *l, void *sigset_out)
{
    memcpy(sigset_out, &l->sigmask, sizeof(sigset_t));
}

static void read_signals(struct loop *l)
{
    struct signalfd_siginfo si[16];
    for (;;) {
        ssize_t n = read(l->sigfd, si, sizeof si);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* EAGAIN: drained */
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++) {
            int signo = (int)si[i].ssi_signo;
            if (signo > 0 && signo < NSIG && l->sigs[signo].cb)
                l->sigs[signo].cb(l, signo, l->sigs[signo].arg);
        }
    }
}

/* ---- deferred work, iteration ---- */

void loop_defer(struct loop *l, loop_defer_cb cb, void *arg)
{
    l->defers = xgrow(l->defers, &l->defer_cap, l->defer_len + 1, sizeof *l->defers);
    l->defers[l->defer_len++] = (struct deferred){cb, arg};
}

void loop_set_prepoll(struct loop *l, loop_prepoll_cb cb, void *arg)
{
    l->prepoll = cb;
    l->prepoll_arg = arg;
}

static int64_t min_timeout(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int loop_run_once(struct loop *l, int64_t max_wait_ms)
{
    l->now = loop_clock_ms();
    int64_t timeout = max_wait_ms < 0 ? -1 : max_wait_ms;
    /* The hook first: it may arm timers of its own. */
    if (l->prepoll) {
        int64_t p = l->prepoll(l, l->prepoll_arg);
        timeout = min_timeout(timeout, p < 0 ? -1 : p);
    }
    if (l->heap_len) {
        int64_t d = l->heap[0]->deadline - l->now;
        timeout = min_timeout(timeout, d < 0 ? 0 : d);
    }
    if (timeout > INT32_MAX)
        timeout = INT32_MAX;

    struct epoll_event evs[MAX_EVENTS];
    int n = epoll_wait(l->epfd, evs, MAX_EVENTS, (int)timeout);
    if (n < 0) {
        if (errno != EINTR)
            return -1;
        n = 0;
    }
    l->now = loop_clock_ms();

    for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        if (tag == SIGFD_TAG) {
            read_signals(l);
            continue;
        }
        int fd = (int)(uint32_t)tag;
        uint32_t gen = (uint32_t)(tag >> 32);
        /* Re-read the slot each time: callbacks may grow the table. */
        if ((size_t)fd >= l->ios_cap)
            continue;
        struct io_slot *s = &l->ios[fd];
        if (!s->used || s->gen != gen)
            continue; /* deleted (or replaced) earlier in this batch */
        s->cb(l, fd, evs[i].events, s->arg);
    }

    run_timers(l);
    run_defers(l);
    l->iterations++;
    return 0;
}

int loop_run(struct loop *l)
{
    int rc = 0;
    while (!l->stopping) {
        if (loop_run_once(l, -1) < 0) {
            rc = -1;
            break;
        }
    }
    l->stopping = false;
    return rc;
}

void loop_stop(struct loop *l)
{
    l->stopping = true;
}

uint64_t loop_iterations(const struct loop *l)
{
    return l->iterations;
}
