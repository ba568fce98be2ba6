/* listener: event listener pools (Supervisor's EventListenerPool) and the
 * READY / RESULT protocol of each member (PEventListenerDispatcher). Owns
 * the pool buffers, the members' parser state and their in-flight events;
 * the member processes themselves belong to the supervisor. */
#include "listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "xalloc.h"

#define READY_TOKEN "READY\n"
#define READY_LEN 6
#define RESULT_TOKEN_LEN 7                  /* "RESULT ", never checked, as in Supervisor */
#define MAX_RESULT_LINE ((size_t)64 * 1024) /* a longer line without '\n' is a bad line */
#define MAX_RESULT_LEN (1024LL * 1024)

struct item {
    struct event *ev; /* one reference; NULL: none */
    uint64_t poolserial;
    int rejects; /* times this event came back */
};

struct listener {
    struct listener_pool *pool; /* borrowed: the owner */
    char *name;                 /* owned: the process name */
    void *proc;                 /* borrowed: passed to ops */
    enum listener_state state;
    struct buf in;       /* stdout bytes not yet parsed (state_buffer) */
    long long resultlen; /* -1: waiting for the RESULT line */
    struct buf result;
    struct item inflight; /* the event sent, while BUSY */
    bool answered_ok;     /* its last answer was OK: a READY is coming */
};

struct listener_pool {
    char *name;       /* owned */
    char *identifier; /* owned */
    size_t buffer_size;
    event_mask mask;
    struct events *bus; /* borrowed */
    struct loop *loop;  /* borrowed; NULL in unit tests (no timer) */
    const struct listener_ops *ops;
    struct item *buf; /* owned: the buffer, oldest first */
    size_t n, cap;
    bool any_serial;
    uint64_t serial;           /* last poolserial handed out */
    struct listener **members; /* owned */
    size_t nmembers, mcap;
    struct loop_timer timer; /* dispatch soon / after a redelivery delay */
    int64_t hold_until;      /* monotonic ms: no dispatch before this */
    bool dispatching;        /* re-entry guard */
};

const char *listener_state_name(enum listener_state s)
{
    switch (s) {
    case LISTENER_READY: return "READY";
    case LISTENER_BUSY: return "BUSY";
    case LISTENER_ACKNOWLEDGED: return "ACKNOWLEDGED";
    case LISTENER_UNKNOWN: return "UNKNOWN";
    }
    return "UNKNOWN";
}

/* ---- the buffer ---- */

static void item_release(struct item *it)
{
    events_unref(it->ev);
    it->ev = NULL;
}

/* _acceptEvent: full -> drop the oldest (logged), then append or, for a
 * re-buffered event, insert at the head. */
static void push(struct listener_pool *p, struct item it, bool head)
{
    if (head)
        log_debug("rebuffering event %llu for pool %s (buf size=%zu, max=%zu)",
                  (unsigned long long)it.ev->serial, p->name, p->n, p->buffer_size);
    if (p->n >= p->buffer_size && p->n > 0) {
        log_error("pool %s event buffer overflowed, discarding event %llu", p->name,
                  (unsigned long long)p->buf[0].ev->serial);
        item_release(&p->buf[0]);
        memmove(p->buf, p->buf + 1, (p->n - 1) * sizeof *p->buf);
        p->n--;
    }
    p->buf = xgrow(p->buf, &p->cap, p->n + 1, sizeof *p->buf);
    if (head) {
        memmove(p->buf + 1, p->buf, p->n * sizeof *p->buf);
        p->buf[0] = it;
    } else {
        p->buf[p->n] = it;
    }
    p->n++;
}

static void pool_timer_cb(struct loop *l, void *arg)
{
    (void)l;
    listener_pool_dispatch(arg);
}

/* Dispatch at once when allowed (so, e.g., SUPERVISOR_STATE_CHANGE_STOPPING
 * reaches a READY listener before the shutdown signals it), else when the
 * redelivery delay is over. */
void listener_pool_kick(struct listener_pool *p)
{
    if (!p)
        return;
    if (loop_clock_ms() >= p->hold_until) {
        listener_pool_dispatch(p);
        return;
    }
    if (!p->loop || (loop_timer_armed(&p->timer) && p->timer.deadline <= p->hold_until))
        return;
    loop_timer_arm(p->loop, &p->timer, p->hold_until);
}

static void accept_cb(void *arg, struct event *ev)
{
    struct listener_pool *p = arg;
    /* new_serial(self): per pool, from 0 */
    p->serial = !p->any_serial || p->serial >= (uint64_t)INT64_MAX ? 0 : p->serial + 1;
    p->any_serial = true;
    push(p, (struct item){.ev = events_ref(ev), .poolserial = p->serial}, false);
    listener_pool_kick(p);
}

/* The event came back (rejected, bad result, listener died): to the head of
 * the buffer, and no dispatch before a delay that grows with each return. */
static void requeue(struct listener_pool *p, struct item it)
{
    it.rejects++;
    int64_t delay = LISTENER_REDELIVER_MIN_MS;
    for (int i = 1; i < it.rejects && delay < LISTENER_REDELIVER_MAX_MS; i++)
        delay *= 2;
    if (delay > LISTENER_REDELIVER_MAX_MS)
        delay = LISTENER_REDELIVER_MAX_MS;
    log_debug("event %llu for pool %s will be re-sent in %lld ms",
              (unsigned long long)it.ev->serial, p->name, (long long)delay);
    p->hold_until = loop_clock_ms() + delay;
    push(p, it, true);
    listener_pool_kick(p);
}

/* ---- the pool ---- */

struct listener_pool *listener_pool_new(const char *name, const char *identifier,
                                        long long buffer_size, char *const *events, size_t nevents,
                                        struct events *bus, struct loop *loop,
                                        const struct listener_ops *ops)
{
    struct listener_pool *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(name);
    p->identifier = xstrdup(identifier ? identifier : "supervisor");
    p->buffer_size = buffer_size > 0 ? (size_t)buffer_size : 1;
    p->bus = bus;
    p->loop = loop;
    p->ops = ops;
    loop_timer_init(&p->timer, pool_timer_cb, p);
    for (size_t i = 0; i < nevents; i++) {
        int t = events_type_by_name(events[i]);
        if (t >= 0)
            p->mask |= events_type_mask((enum event_type)t);
    }
    if (bus && p->mask)
        events_subscribe(bus, p->mask, accept_cb, p);
    return p;
}

void listener_pool_free(struct listener_pool *p)
{
    if (!p)
        return;
    if (p->bus && p->mask)
        events_unsubscribe(p->bus, accept_cb, p);
    if (p->loop)
        loop_timer_cancel(p->loop, &p->timer);
    for (size_t i = 0; i < p->n; i++)
        item_release(&p->buf[i]);
    free(p->buf);
    for (size_t i = 0; i < p->nmembers; i++) {
        struct listener *l = p->members[i];
        item_release(&l->inflight);
        buf_release(&l->in);
        buf_release(&l->result);
        free(l->name);
        free(l);
    }
    free(p->members);
    free(p->name);
    free(p->identifier);
    free(p);
}

struct listener *listener_pool_add(struct listener_pool *p, const char *name, void *proc)
{
    struct listener *l = xcalloc(1, sizeof *l);
    l->pool = p;
    l->name = xstrdup(name);
    l->proc = proc;
    l->state = LISTENER_ACKNOWLEDGED;
    l->resultlen = -1;
    buf_init(&l->in);
    buf_init(&l->result);
    p->members = xgrow(p->members, &p->mcap, p->nmembers + 1, sizeof *p->members);
    p->members[p->nmembers++] = l;
    return l;
}

size_t listener_pool_buffered(const struct listener_pool *p)
{
    return p->n;
}

bool listener_pool_pending(const struct listener_pool *p)
{
    for (size_t i = 0; i < p->nmembers; i++) {
        const struct listener *l = p->members[i];
        if (!p->ops->running(l->proc))
            continue;
        if (l->state == LISTENER_BUSY && l->inflight.ev)
            return true; /* an answer is due */
        if (p->n > 0 &&
            (l->state == LISTENER_READY || (l->state == LISTENER_ACKNOWLEDGED && l->answered_ok)))
            return true; /* takes the next one soon (after any redelivery delay) */
    }
    return false;
}

static void envelope(const struct listener_pool *p, const struct item *it, struct buf *out)
{
    buf_printf(out, "ver:3.0 server:%s serial:%llu pool:%s poolserial:%llu eventname:%s len:%zu\n",
               p->identifier, (unsigned long long)it->ev->serial, p->name,
               (unsigned long long)it->poolserial, events_type_name(it->ev->type), it->ev->nchars);
    buf_append(out, it->ev->payload, it->ev->len);
}

/* _dispatchEvent: the first member RUNNING and READY, in config order. */
static bool send_one(struct listener_pool *p, const struct item *it)
{
    for (size_t i = 0; i < p->nmembers; i++) {
        struct listener *l = p->members[i];
        if (l->state != LISTENER_READY || !p->ops->running(l->proc))
            continue;
        struct buf env;
        buf_init(&env);
        envelope(p, it, &env);
        int rc = p->ops->write(l->proc, env.data, env.len);
        buf_release(&env);
        if (rc < 0) {
            log_debug("epipe occurred while sending event %llu to listener %s, listener state "
                      "unchanged",
                      (unsigned long long)it->ev->serial, l->name);
            continue;
        }
        l->state = LISTENER_BUSY; /* no state-change line here, as in Supervisor */
        l->inflight = *it;
        l->resultlen = -1;
        buf_reset(&l->result);
        log_debug("event %llu sent to listener %s", (unsigned long long)it->ev->serial, l->name);
        return true;
    }
    return false;
}

void listener_pool_dispatch(struct listener_pool *p)
{
    if (p->n == 0 || p->dispatching)
        return;
    if (loop_clock_ms() < p->hold_until) {
        listener_pool_kick(p);
        return;
    }
    p->dispatching = true;
    while (p->n > 0) {
        struct item it = p->buf[0];
        if (!send_one(p, &it))
            break;
        memmove(p->buf, p->buf + 1, (p->n - 1) * sizeof *p->buf);
        p->n--;
    }
    p->dispatching = false;
}

/* ---- one member: the protocol ---- */

static void change_state(struct listener *l, enum listener_state next)
{
    log_debug("%s: %s -> %s", l->name, listener_state_name(l->state), listener_state_name(next));
    l->state = next;
    if (next == LISTENER_UNKNOWN)
        log_warn("%s: has entered the UNKNOWN state and will no longer receive events, this "
                 "usually indicates the process violated the eventlistener protocol",
                 l->name);
}

static void reject_inflight(struct listener *l)
{
    l->answered_ok = false;
    struct item it = l->inflight;
    l->inflight = (struct item){0};
    if (it.ev)
        requeue(l->pool, it);
}

void listener_spawned(struct listener *l)
{
    l->state = LISTENER_ACKNOWLEDGED;
    l->answered_ok = false;
    buf_reset(&l->in);
    buf_reset(&l->result);
    l->resultlen = -1;
    if (l->inflight.ev) /* not reaped yet? never lose it */
        reject_inflight(l);
}

void listener_exited(struct listener *l)
{
    l->state = LISTENER_ACKNOWLEDGED; /* silently: what the next spawn sets anyway */
    buf_reset(&l->in);
    buf_reset(&l->result);
    l->resultlen = -1;
    reject_inflight(l);
}

enum listener_state listener_get_state(const struct listener *l)
{
    return l->state;
}

const struct event *listener_inflight(const struct listener *l)
{
    return l->inflight.ev;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool listener_parse_resultlen(const char *s, size_t n, long long *out)
{
    size_t i = 0, end = n;
    while (i < end && is_space(s[i]))
        i++;
    while (end > i && is_space(s[end - 1]))
        end--;
    bool neg = false;
    if (i < end && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == end)
        return false;
    long long v = 0;
    bool prev_digit = false;
    for (; i < end; i++) {
        if (s[i] == '_' && prev_digit && i + 1 < end && s[i + 1] >= '0' && s[i + 1] <= '9') {
            prev_digit = false;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > MAX_RESULT_LEN)
            return false; /* keep going would only overflow: too large anyway */
        v = v * 10 + (s[i] - '0');
        prev_digit = true;
    }
    if (neg && v != 0)
        return false; /* Python takes it and then misbehaves; a bad line here */
    if (v > MAX_RESULT_LEN)
        return false;
    *out = v;
    return true;
}

/* handle_result with the default handler (supervisor.dispatchers:default_handler). */
static void handle_result(struct listener *l)
{
    if (l->result.len == 2 && memcmp(l->result.data, "OK", 2) == 0) {
        log_debug("%s: event was processed", l->name);
        change_state(l, LISTENER_ACKNOWLEDGED);
        l->answered_ok = true;
        item_release(&l->inflight);
        l->inflight = (struct item){0};
    } else {
        log_warn("%s: event was rejected", l->name);
        change_state(l, LISTENER_ACKNOWLEDGED);
        l->answered_ok = false;
        reject_inflight(l);
    }
    l->resultlen = -1;
    buf_reset(&l->result);
}

static void bad_result_line(struct listener *l, const char *line, size_t n)
{
    struct buf text;
    buf_init(&text);
    events_put_text(&text, line, n);
    log_warn("%s: bad result line: '%s'", l->name, text.data);
    buf_release(&text);
    change_state(l, LISTENER_UNKNOWN);
    buf_reset(&l->in);
    reject_inflight(l);
}

void listener_feed(struct listener *l, const void *data, size_t n)
{
    if (l->state == LISTENER_UNKNOWN) {
        buf_reset(&l->in); /* a fatal state: everything is discarded */
        return;
    }
    buf_append(&l->in, data, n);
    bool ready = false;
    for (;;) {
        switch (l->state) {
        case LISTENER_UNKNOWN: buf_reset(&l->in); goto out;
        case LISTENER_ACKNOWLEDGED:
            if (l->in.len < READY_LEN)
                goto out;
            if (memcmp(l->in.data, READY_TOKEN, READY_LEN) == 0) {
                change_state(l, LISTENER_READY);
                buf_consume(&l->in, READY_LEN);
                ready = true;
                if (l->in.len == 0)
                    goto out;
            } else {
                change_state(l, LISTENER_UNKNOWN);
                buf_reset(&l->in);
                goto out;
            }
            break;
        case LISTENER_READY:
            if (l->in.len == 0)
                goto out;
            /* spurious data: Supervisor is strict about it */
            change_state(l, LISTENER_UNKNOWN);
            buf_reset(&l->in);
            goto out;
        case LISTENER_BUSY:
            if (l->resultlen < 0) {
                const char *nl = memchr(l->in.data, '\n', l->in.len);
                if (!nl) {
                    if (l->in.len > MAX_RESULT_LINE)
                        bad_result_line(l, l->in.data, 200);
                    goto out;
                }
                size_t pos = (size_t)(nl - l->in.data);
                long long len;
                bool ok = pos >= RESULT_TOKEN_LEN &&
                          listener_parse_resultlen(l->in.data + RESULT_TOKEN_LEN,
                                                   pos - RESULT_TOKEN_LEN, &len);
                if (!ok) {
                    bad_result_line(l, l->in.data, pos);
                    goto out;
                }
                buf_consume(&l->in, pos + 1);
                l->resultlen = len;
                buf_reset(&l->result);
            }
            size_t need = (size_t)l->resultlen - l->result.len;
            size_t take = need < l->in.len ? need : l->in.len;
            buf_append(&l->result, l->in.data, take);
            buf_consume(&l->in, take);
            if (take < need)
                goto out;
            /* A RESULT 0 is handled at once (Supervisor waits for more
             * output first). */
            handle_result(l);
            break;
        }
    }
out:
    if (ready)
        listener_pool_kick(l->pool);
}
