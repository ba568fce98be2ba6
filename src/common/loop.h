/* loop: the one event loop. epoll for fds, signalfd for signals, a binary
 * heap of timers on the monotonic clock. The poll timeout is the nearest
 * timer; with no timer armed the loop sleeps until an fd is ready (zero idle
 * wake-ups). Callbacks may add/remove fds and timers freely, including their
 * own; anything that must outlive the current callback but be freed soon is
 * handed to loop_defer(), which runs at the end of the iteration. */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

typedef void (*loop_io_cb)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *arg);
typedef void (*loop_defer_cb)(void *arg);
/* Called before each poll; returns an extra timeout in ms (-1: none). Lets a
 * library with its own timers (libmicrohttpd) shorten the wait. */
typedef int64_t (*loop_prepoll_cb)(struct loop *l, void *arg);

/* A timer is embedded in its owner's struct; the loop never frees it. */
struct loop_timer {
    int64_t deadline;    /* monotonic ms */
    size_t heap_index;   /* 0: not armed; else position + 1 */
    uint64_t seq;        /* arm order: equal deadlines fire first-armed first */
    loop_timer_cb cb;
    void *arg;
};

struct loop *loop_new(void);          /* aborts if epoll cannot be created */
/* Runs pending deferred callbacks, closes its epoll and signal fds, disarms
 * its timers. Routed signals stay blocked. NULL ok. */
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN, EPOLLOUT, ...). One registration per fd.
 * Returns 0 or -1 (errno set; EEXIST if fd is already watched). */
int loop_add_io(struct loop *l, int fd, uint32_t events, loop_io_cb cb, void *arg);
int loop_mod_io(struct loop *l, int fd, uint32_t events);
/* Stop watching fd (does not close it). Safe inside any callback: a pending
 * event for fd in this iteration is not delivered after this. */
void loop_del_io(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* Arm (or re-arm) t to fire at an absolute monotonic deadline in ms. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t deadline_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
    return t->heap_index != 0;
}
size_t loop_timer_count(const struct loop *l);

/* Monotonic ms, refreshed once per iteration and after the poll returns. */
int64_t loop_now(const struct loop *l);
/* Monotonic ms read from the clock now. */
int64_t loop_clock_ms(void);

/* Route signo through the loop's signalfd: the signal is blocked in the
 * process mask and cb runs from the loop. Returns 0 or -1. */
int loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);
/* The mask of signals routed so far (children must unblock these). */
void loop_signal_mask(const struct loop *l, void *sigset_out /* sigset_t* */);

void loop_defer(struct loop *l, loop_defer_cb cb, void *arg);
void loop_set_prepoll(struct loop *l, loop_prepoll_cb cb, void *arg);

/* Run until loop_stop(). Returns 0, or -1 if epoll_wait fails (not EINTR).
 * Each iteration: poll, fd and signal callbacks, due timers, deferred
 * callbacks. A timer re-armed for the past inside a timer callback fires
 * in the next iteration, never in the same one. */
int loop_run(struct loop *l);
/* One iteration: wait at most max_wait_ms (-1: as long as needed).
 * Returns 0, or -1 if epoll_wait fails (not EINTR). */
int loop_run_once(struct loop *l, int64_t max_wait_ms);
void loop_stop(struct loop *l);
/* Count of iterations so far (for tests of idle wake-ups). */
uint64_t loop_iterations(const struct loop *l);

#endif
