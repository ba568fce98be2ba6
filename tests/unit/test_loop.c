/* Unit tests for loop.c: timers, fds, signals, deletion inside callbacks,
 * idle blocking, deferred callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"

/* Run iterations until *flag or the deadline passes. */
static void run_until(struct loop *l, const int *flag, int64_t ms)
{
    int64_t end = loop_clock_ms() + ms;
    while (!*flag && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(l, 20), 0);
}

/* ---- timers ---- */

struct order {
    int seen[16];
    int n;
};

struct tagged {
    struct order *o;
    int tag;
    struct loop_timer t;
};

static void record_cb(struct loop *l, void *arg)
{
    (void)l;
    struct tagged *x = arg;
    x->o->seen[x->o->n++] = x->tag;
}

static void test_timers_fire_in_deadline_order(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct order o = {0};
    struct tagged x[6];
    int64_t base = loop_clock_ms();
    int delays[6] = {30, 10, 50, 0, 20, 40};
    for (int i = 0; i < 6; i++) {
        x[i].o = &o;
        x[i].tag = delays[i];
        loop_timer_init(&x[i].t, record_cb, &x[i]);
        loop_timer_arm(l, &x[i].t, base + delays[i]);
    }
    assert_int_equal(loop_timer_count(l), 6);
    int64_t end = base + 2000;
    while (o.n < 6 && loop_clock_ms() < end)
        loop_run_once(l, -1);
    assert_int_equal(o.n, 6);
    int want[6] = {0, 10, 20, 30, 40, 50};
    for (int i = 0; i < 6; i++)
        assert_int_equal(o.seen[i], want[i]);
    assert_int_equal(loop_timer_count(l), 0);
    for (int i = 0; i < 6; i++)
        assert_false(loop_timer_armed(&x[i].t));
    /* Not before its deadline. */
    assert_true(loop_clock_ms() >= base + 50);
    loop_free(l);
}

static void test_timers_equal_deadline_fifo(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct order o = {0};
    struct tagged x[8];
    int64_t when = loop_clock_ms() - 1;
    for (int i = 0; i < 8; i++) {
        x[i].o = &o;
        x[i].tag = i;
        loop_timer_init(&x[i].t, record_cb, &x[i]);
        loop_timer_arm(l, &x[i].t, when);
    }
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(o.n, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(o.seen[i], i);
    loop_free(l);
}

static void test_timer_cancel_and_rearm(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct order o = {0};
    struct tagged a = {.o = &o, .tag = 1}, b = {.o = &o, .tag = 2}, c = {.o = &o, .tag = 3};
    loop_timer_init(&a.t, record_cb, &a);
    loop_timer_init(&b.t, record_cb, &b);
    loop_timer_init(&c.t, record_cb, &c);
    int64_t now = loop_clock_ms();
    loop_timer_arm(l, &a.t, now - 5);
    loop_timer_arm(l, &b.t, now - 4);
    loop_timer_arm(l, &c.t, now - 3);
    loop_timer_cancel(l, &b.t);
    loop_timer_cancel(l, &b.t); /* twice is fine */
    assert_false(loop_timer_armed(&b.t));
    /* Re-arm moves c before a. */
    loop_timer_arm(l, &c.t, now - 10);
    assert_int_equal(loop_timer_count(l), 2);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.seen[0], 3);
    assert_int_equal(o.seen[1], 1);
    /* Re-arm into the future: does not fire now. */
    loop_timer_arm(l, &a.t, now + 100000);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(o.n, 2);
    assert_true(loop_timer_armed(&a.t));
    loop_free(l);
    assert_false(loop_timer_armed(&a.t));
}

struct heap_rec {
    int64_t deadlines[256];
    int tags[256];
    int n;
};

struct heap_item {
    struct heap_rec *rec;
    int tag;
    struct loop_timer t;
};

static void heap_cb(struct loop *l, void *arg)
{
    (void)l;
    struct heap_item *x = arg;
    x->rec->deadlines[x->rec->n] = x->t.deadline;
    x->rec->tags[x->rec->n++] = x->tag;
}

static void test_timer_heap_many_random(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    enum { N = 200 };
    static struct heap_item x[N];
    static struct heap_rec rec;
    rec.n = 0;
    int64_t now = loop_clock_ms();
    srand(7);
    for (int i = 0; i < N; i++) {
        x[i].rec = &rec;
        x[i].tag = i;
        loop_timer_init(&x[i].t, heap_cb, &x[i]);
        loop_timer_arm(l, &x[i].t, now - 1000 + rand() % 50);
    }
    /* Cancel every third, then re-arm every fifth (some were cancelled). */
    for (int i = 0; i < N; i += 3)
        loop_timer_cancel(l, &x[i].t);
    for (int i = 0; i < N; i += 5)
        loop_timer_arm(l, &x[i].t, now - 1000 + rand() % 50);
    int expect = 0;
    for (int i = 0; i < N; i++)
        expect += (i % 3 != 0 || i % 5 == 0);
    assert_int_equal(loop_timer_count(l), expect);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(rec.n, expect);
    assert_int_equal(loop_timer_count(l), 0);
    for (int k = 1; k < rec.n; k++)
        assert_true(rec.deadlines[k - 1] <= rec.deadlines[k]);
    for (int k = 0; k < rec.n; k++) {
        int i = rec.tags[k];
        assert_true(i % 3 != 0 || i % 5 == 0);
    }
    loop_free(l);
}

struct rearm {
    struct loop_timer t;
    int fired;
};

static void rearm_now_cb(struct loop *l, void *arg)
{
    struct rearm *r = arg;
    r->fired++;
    loop_timer_arm(l, &r->t, loop_now(l) - 1); /* already due */
}

static void test_timer_rearm_in_callback_waits_next_iteration(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rearm r = {0};
    loop_timer_init(&r.t, rearm_now_cb, &r);
    loop_timer_arm(l, &r.t, loop_clock_ms() - 1);
    assert_int_equal(loop_run_once(l, -1), 0);
    assert_int_equal(r.fired, 1);
    assert_int_equal(loop_run_once(l, -1), 0);
    assert_int_equal(r.fired, 2);
    assert_int_equal(loop_iterations(l), 2);
    loop_free(l);
}

/* ---- fds ---- */

struct reader {
    int fd;
    char got[64];
    size_t len;
    int calls;
    int done;
};

static void read_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    struct reader *r = arg;
    assert_int_equal(fd, r->fd);
    assert_true(events & EPOLLIN);
    r->calls++;
    ssize_t n = read(fd, r->got + r->len, sizeof r->got - r->len - 1);
    if (n > 0)
        r->len += (size_t)n;
    r->done = 1;
}

static void test_fd_readiness(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    struct reader r = {.fd = p[0]};
    assert_int_equal(loop_add_io(l, p[0], EPOLLIN, read_cb, &r), 0);
    assert_int_equal(loop_add_io(l, p[0], EPOLLIN, read_cb, &r), -1);
    assert_int_equal(errno, EEXIST);
    /* Nothing to read: a bounded wait returns without a callback. */
    assert_int_equal(loop_run_once(l, 10), 0);
    assert_int_equal(r.calls, 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    run_until(l, &r.done, 2000);
    assert_int_equal(r.calls, 1);
    assert_memory_equal(r.got, "hello", 5);

    /* Deleted: later data does not call back. */
    loop_del_io(l, p[0]);
    r.done = 0;
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(loop_run_once(l, 10), 0);
    assert_int_equal(r.calls, 1); /* deleted: not called */
    assert_int_equal(loop_mod_io(l, p[0], EPOLLIN), -1);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

static void mod_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    int *n = arg;
    (*n)++;
    if (events & EPOLLOUT)
        loop_mod_io(l, fd, EPOLLIN); /* writable once is enough */
}

static void test_fd_mod(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    int n = 0;
    assert_int_equal(loop_add_io(l, p[1], EPOLLOUT, mod_cb, &n), 0);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(n, 1);
    /* Now watching EPOLLIN on a write end: never readable. */
    assert_int_equal(loop_run_once(l, 10), 0);
    assert_int_equal(n, 1);
    loop_del_io(l, p[1]);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

/* Two pipes both readable in the same batch; whichever callback runs first
 * deletes the other's fd, so only one callback ever runs. */
struct pair {
    int fds[2];
    int calls[2];
};

static void deleter_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)events;
    struct pair *p = arg;
    int me = fd == p->fds[0] ? 0 : 1;
    p->calls[me]++;
    loop_del_io(l, p->fds[1 - me]);
    loop_del_io(l, fd);
}

static void test_delete_other_fd_in_callback(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int a[2], b[2];
    assert_int_equal(pipe2(a, O_CLOEXEC), 0);
    assert_int_equal(pipe2(b, O_CLOEXEC), 0);
    struct pair p = {.fds = {a[0], b[0]}};
    assert_int_equal(loop_add_io(l, a[0], EPOLLIN, deleter_cb, &p), 0);
    assert_int_equal(loop_add_io(l, b[0], EPOLLIN, deleter_cb, &p), 0);
    assert_int_equal(write(a[1], "1", 1), 1);
    assert_int_equal(write(b[1], "2", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(p.calls[0] + p.calls[1], 1);
    assert_int_equal(loop_run_once(l, 10), 0);
    assert_int_equal(p.calls[0] + p.calls[1], 1);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]);
    loop_free(l);
}

/* Delete then re-add the other fd number with a new callback in the same
 * batch: the stale event must not reach the new registration. */
struct swap {
    int fds[2];
    int first_calls;
    int replaced_calls;
};

static void replaced_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l, (void)fd, (void)events;
    struct swap *s = arg;
    s->replaced_calls++;
}

static void swapper_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)events;
    struct swap *s = arg;
    s->first_calls++;
    int other = fd == s->fds[0] ? s->fds[1] : s->fds[0];
    loop_del_io(l, fd);
    loop_del_io(l, other);
    assert_int_equal(loop_add_io(l, other, EPOLLIN, replaced_cb, s), 0);
}

static void test_readd_in_callback_suppresses_stale_event(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int a[2], b[2];
    assert_int_equal(pipe2(a, O_CLOEXEC), 0);
    assert_int_equal(pipe2(b, O_CLOEXEC), 0);
    struct swap s = {.fds = {a[0], b[0]}};
    assert_int_equal(loop_add_io(l, a[0], EPOLLIN, swapper_cb, &s), 0);
    assert_int_equal(loop_add_io(l, b[0], EPOLLIN, swapper_cb, &s), 0);
    assert_int_equal(write(a[1], "1", 1), 1);
    assert_int_equal(write(b[1], "2", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(s.first_calls, 1);
    assert_int_equal(s.replaced_calls, 0);
    /* Next iteration, the new registration sees the (level) event. */
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_int_equal(s.replaced_calls, 1);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]);
    loop_free(l);
}

/* A callback that registers a much higher fd number grows the table. */
static void grow_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)events;
    int *hi = arg;
    loop_del_io(l, fd);
    assert_int_equal(loop_add_io(l, *hi, EPOLLIN, replaced_cb, NULL), 0);
}

static void test_add_high_fd_in_callback(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    int hi = fcntl(p[0], F_DUPFD_CLOEXEC, 900);
    assert_true(hi >= 900);
    assert_int_equal(loop_add_io(l, p[0], EPOLLIN, grow_cb, &hi), 0);
    assert_int_equal(write(p[1], "1", 1), 1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    loop_del_io(l, hi);
    close(hi), close(p[0]), close(p[1]);
    loop_free(l);
}

/* ---- signals ---- */

struct sigs {
    int usr1, usr2, last;
};

static void sig_cb(struct loop *l, int signo, void *arg)
{
    (void)l;
    struct sigs *s = arg;
    s->last = signo;
    if (signo == SIGUSR1)
        s->usr1++;
    if (signo == SIGUSR2)
        s->usr2++;
}

static void test_signals_raise_and_kill(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct sigs s = {0};
    assert_int_equal(loop_signal(l, SIGUSR1, sig_cb, &s), 0);
    assert_int_equal(loop_signal(l, SIGUSR2, sig_cb, &s), 0);
    sigset_t m;
    loop_signal_mask(l, &m);
    assert_true(sigismember(&m, SIGUSR1));
    assert_true(sigismember(&m, SIGUSR2));
    assert_false(sigismember(&m, SIGTERM));
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    assert_true(sigismember(&cur, SIGUSR1));

    raise(SIGUSR1);
    kill(getpid(), SIGUSR2);
    int64_t end = loop_clock_ms() + 2000;
    while ((s.usr1 < 1 || s.usr2 < 1) && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(l, 100), 0);
    assert_int_equal(s.usr1, 1);
    assert_int_equal(s.usr2, 1);

    /* Coalesced: several raises before the loop runs give at least one. */
    raise(SIGUSR1);
    raise(SIGUSR1);
    assert_int_equal(loop_run_once(l, 1000), 0);
    assert_true(s.usr1 >= 2 && s.usr1 <= 3);
    assert_int_equal(s.last, SIGUSR1);
    loop_free(l);
}

static void test_signal_invalid(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct sigs s = {0};
    assert_int_equal(loop_signal(l, 0, sig_cb, &s), -1);
    assert_int_equal(loop_signal(l, NSIG + 5, sig_cb, &s), -1);
    loop_free(l);
}

/* ---- idle: no timer means no wake-up ---- */

static int64_t prepoll_50(struct loop *l, void *arg)
{
    (void)l;
    int *calls = arg;
    (*calls)++;
    return 50;
}

static void test_idle_prepoll_timeout(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    int calls = 0;
    loop_set_prepoll(l, prepoll_50, &calls);
    int64_t t0 = loop_clock_ms();
    assert_int_equal(loop_run_once(l, -1), 0);
    int64_t took = loop_clock_ms() - t0;
    assert_true(took >= 49);
    assert_true(took < 1000);
    assert_int_equal(calls, 1);
    assert_int_equal(loop_iterations(l), 1);
    assert_true(loop_now(l) >= t0 + 49);
    loop_free(l);
}

struct arming {
    struct loop_timer t;
    int fired;
};

static void arming_fire_cb(struct loop *l, void *arg)
{
    (void)l;
    struct arming *a = arg;
    a->fired++;
}

static int64_t prepoll_arms(struct loop *l, void *arg)
{
    struct arming *a = arg;
    if (!a->fired && !loop_timer_armed(&a->t))
        loop_timer_arm(l, &a->t, loop_now(l));
    return -1;
}

/* A timer armed by the prepoll hook counts for this poll's timeout. */
static void test_prepoll_arms_timer(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct arming a = {0};
    loop_timer_init(&a.t, arming_fire_cb, &a);
    loop_set_prepoll(l, prepoll_arms, &a);
    int64_t t0 = loop_clock_ms();
    assert_int_equal(loop_run_once(l, 5000), 0);
    assert_int_equal(a.fired, 1);
    assert_true(loop_clock_ms() - t0 < 1000);
    loop_free(l);
}

static void test_idle_blocks_until_signal(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct sigs s = {0};
    assert_int_equal(loop_signal(l, SIGUSR1, sig_cb, &s), 0);
    pid_t parent = getpid();
    int64_t t0 = loop_clock_ms();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        usleep(200 * 1000); /* the event source, not a wait in the test */
        kill(parent, SIGUSR1);
        _exit(0);
    }
    /* No fds, no timers: one iteration blocks until the signal. */
    assert_int_equal(loop_run_once(l, -1), 0);
    int64_t took = loop_clock_ms() - t0;
    assert_int_equal(s.usr1, 1);
    assert_int_equal(loop_iterations(l), 1);
    assert_true(took >= 150);
    waitpid(pid, NULL, 0);
    loop_free(l);
}

static void test_max_wait_bounds(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct loop_timer t;
    int fired = 0;
    loop_timer_init(&t, NULL, &fired);
    loop_timer_arm(l, &t, loop_clock_ms() + 100000);
    int64_t t0 = loop_clock_ms();
    assert_int_equal(loop_run_once(l, 30), 0);
    int64_t took = loop_clock_ms() - t0;
    assert_true(took >= 29 && took < 1000);
    assert_true(loop_timer_armed(&t));
    loop_timer_cancel(l, &t);
    loop_free(l);
}

/* ---- defer, stop ---- */

struct deferrer {
    struct loop *l;
    int runs;
    int chained;
    int order[4];
    int n;
};

static void chained_cb(void *arg)
{
    struct deferrer *d = arg;
    d->chained++;
    d->order[d->n++] = 3;
}

static void defer_cb(void *arg)
{
    struct deferrer *d = arg;
    d->runs++;
    d->order[d->n++] = 2;
    if (d->runs == 1)
        loop_defer(d->l, chained_cb, d);
}

static void timer_defers_cb(struct loop *l, void *arg)
{
    struct deferrer *d = arg;
    d->order[d->n++] = 1;
    loop_defer(l, defer_cb, d);
}

static void test_defer_runs_after_callbacks(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct deferrer d = {.l = l};
    struct loop_timer t;
    loop_timer_init(&t, timer_defers_cb, &d);
    loop_timer_arm(l, &t, loop_clock_ms() - 1);
    assert_int_equal(loop_run_once(l, 0), 0);
    assert_int_equal(d.runs, 1);
    assert_int_equal(d.chained, 1);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.order[0], 1);
    assert_int_equal(d.order[1], 2);
    assert_int_equal(d.order[2], 3);
    /* Pending defers run at loop_free. */
    loop_defer(l, defer_cb, &d);
    loop_free(l);
    assert_int_equal(d.runs, 2);
}

static void free_cb(void *arg)
{
    free(arg);
}

struct stopper {
    struct loop_timer t;
    int count;
};

static void stop_cb(struct loop *l, void *arg)
{
    struct stopper *s = arg;
    s->count++;
    loop_defer(l, free_cb, malloc(16)); /* freed by the loop, no leak */
    if (s->count == 3)
        loop_stop(l);
    else
        loop_timer_arm(l, &s->t, loop_now(l) + 1);
}

static void test_run_and_stop(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct stopper s = {0};
    loop_timer_init(&s.t, stop_cb, &s);
    loop_timer_arm(l, &s.t, loop_clock_ms());
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(s.count, 3);
    assert_true(loop_iterations(l) >= 3);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_deadline_order),
        cmocka_unit_test(test_timers_equal_deadline_fifo),
        cmocka_unit_test(test_timer_cancel_and_rearm),
        cmocka_unit_test(test_timer_heap_many_random),
        cmocka_unit_test(test_timer_rearm_in_callback_waits_next_iteration),
        cmocka_unit_test(test_fd_readiness),
        cmocka_unit_test(test_fd_mod),
        cmocka_unit_test(test_delete_other_fd_in_callback),
        cmocka_unit_test(test_readd_in_callback_suppresses_stale_event),
        cmocka_unit_test(test_add_high_fd_in_callback),
        cmocka_unit_test(test_signals_raise_and_kill),
        cmocka_unit_test(test_signal_invalid),
        cmocka_unit_test(test_idle_prepoll_timeout),
        cmocka_unit_test(test_prepoll_arms_timer),
        cmocka_unit_test(test_idle_blocks_until_signal),
        cmocka_unit_test(test_max_wait_bounds),
        cmocka_unit_test(test_defer_runs_after_callbacks),
        cmocka_unit_test(test_run_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
