/* events: the bus (subscriptions, serials, TICK timer) and the payloads of
 * every event type, rendered as Supervisor's events.py does. Owns the
 * subscription table and the events until their last reference goes; the
 * pools that buffer and deliver them are listener.c's. */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "xalloc.h"
#include "xmlrpc.h"

static const struct {
    const char *name;
    enum event_type parent;
} types[EVT_COUNT] = {
    [EVT_EVENT] = {"EVENT", EVT_EVENT},
    [EVT_PROCESS_STATE] = {"PROCESS_STATE", EVT_EVENT},
    [EVT_PROCESS_STATE_STOPPED] = {"PROCESS_STATE_STOPPED", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_EXITED] = {"PROCESS_STATE_EXITED", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_STARTING] = {"PROCESS_STATE_STARTING", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_STOPPING] = {"PROCESS_STATE_STOPPING", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_BACKOFF] = {"PROCESS_STATE_BACKOFF", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_FATAL] = {"PROCESS_STATE_FATAL", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_RUNNING] = {"PROCESS_STATE_RUNNING", EVT_PROCESS_STATE},
    [EVT_PROCESS_STATE_UNKNOWN] = {"PROCESS_STATE_UNKNOWN", EVT_PROCESS_STATE},
    [EVT_PROCESS_COMMUNICATION] = {"PROCESS_COMMUNICATION", EVT_EVENT},
    [EVT_PROCESS_COMMUNICATION_STDOUT] = {"PROCESS_COMMUNICATION_STDOUT",
                                          EVT_PROCESS_COMMUNICATION},
    [EVT_PROCESS_COMMUNICATION_STDERR] = {"PROCESS_COMMUNICATION_STDERR",
                                          EVT_PROCESS_COMMUNICATION},
    [EVT_PROCESS_LOG] = {"PROCESS_LOG", EVT_EVENT},
    [EVT_PROCESS_LOG_STDOUT] = {"PROCESS_LOG_STDOUT", EVT_PROCESS_LOG},
    [EVT_PROCESS_LOG_STDERR] = {"PROCESS_LOG_STDERR", EVT_PROCESS_LOG},
    [EVT_REMOTE_COMMUNICATION] = {"REMOTE_COMMUNICATION", EVT_EVENT},
    [EVT_SUPERVISOR_STATE_CHANGE] = {"SUPERVISOR_STATE_CHANGE", EVT_EVENT},
    [EVT_SUPERVISOR_STATE_CHANGE_RUNNING] = {"SUPERVISOR_STATE_CHANGE_RUNNING",
                                             EVT_SUPERVISOR_STATE_CHANGE},
    [EVT_SUPERVISOR_STATE_CHANGE_STOPPING] = {"SUPERVISOR_STATE_CHANGE_STOPPING",
                                              EVT_SUPERVISOR_STATE_CHANGE},
    [EVT_TICK] = {"TICK", EVT_EVENT},
    [EVT_TICK_5] = {"TICK_5", EVT_TICK},
    [EVT_TICK_60] = {"TICK_60", EVT_TICK},
    [EVT_TICK_3600] = {"TICK_3600", EVT_TICK},
    [EVT_PROCESS_GROUP] = {"PROCESS_GROUP", EVT_EVENT},
    [EVT_PROCESS_GROUP_ADDED] = {"PROCESS_GROUP_ADDED", EVT_PROCESS_GROUP},
    [EVT_PROCESS_GROUP_REMOVED] = {"PROCESS_GROUP_REMOVED", EVT_PROCESS_GROUP},
};

static const struct {
    enum event_type type;
    int period;
} ticks[3] = {{EVT_TICK_5, 5}, {EVT_TICK_60, 60}, {EVT_TICK_3600, 3600}};

#define TICK_MASK ((1u << EVT_TICK_5) | (1u << EVT_TICK_60) | (1u << EVT_TICK_3600))

/* ---- types ---- */

const char *events_type_name(enum event_type t)
{
    return (unsigned)t < EVT_COUNT ? types[t].name : "EVENT";
}

int events_type_by_name(const char *name)
{
    for (int t = 0; t < EVT_COUNT; t++)
        if (strcmp(types[t].name, name) == 0)
            return t;
    return -1;
}

enum event_type events_type_parent(enum event_type t)
{
    return (unsigned)t < EVT_COUNT ? types[t].parent : EVT_EVENT;
}

bool events_type_is(enum event_type t, enum event_type ancestor)
{
    if ((unsigned)t >= EVT_COUNT)
        return false;
    for (;;) {
        if (t == ancestor)
            return true;
        if (t == EVT_EVENT)
            return false;
        t = types[t].parent;
    }
}

event_mask events_type_mask(enum event_type t)
{
    event_mask m = 0;
    for (int k = 0; k < EVT_COUNT; k++)
        if (events_type_is((enum event_type)k, t))
            m |= 1u << k;
    return m;
}

enum event_type events_state_type(enum proc_state s)
{
    switch (s) {
    case PROC_STOPPED: return EVT_PROCESS_STATE_STOPPED;
    case PROC_STARTING: return EVT_PROCESS_STATE_STARTING;
    case PROC_RUNNING: return EVT_PROCESS_STATE_RUNNING;
    case PROC_BACKOFF: return EVT_PROCESS_STATE_BACKOFF;
    case PROC_STOPPING: return EVT_PROCESS_STATE_STOPPING;
    case PROC_EXITED: return EVT_PROCESS_STATE_EXITED;
    case PROC_FATAL: return EVT_PROCESS_STATE_FATAL;
    case PROC_UNKNOWN: return EVT_PROCESS_STATE_UNKNOWN;
    }
    return EVT_PROCESS_STATE_UNKNOWN;
}

/* ---- events ---- */

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

struct event *events_new(enum event_type t, char *payload, size_t len)
{
    struct event *ev = xcalloc(1, sizeof *ev);
    ev->refs = 1;
    ev->type = t;
    ev->payload = payload;
    ev->len = len;
    ev->nchars = utf8_chars(payload, len);
    return ev;
}

struct event *events_ref(struct event *ev)
{
    ev->refs++;
    return ev;
}

void events_unref(struct event *ev)
{
    if (!ev || --ev->refs > 0)
        return;
    free(ev->payload);
    free(ev);
}

static struct event *event_from_buf(enum event_type t, struct buf *b)
{
    size_t len = b->len;
    return events_new(t, buf_detach(b), len);
}

/* ---- the bus ---- */

static double wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* timeslice(period, when) */
static long long slice(int period, double now)
{
    long long t = (long long)now;
    return t - t % period;
}

static void tick_cb(struct loop *l, void *arg);

/* Arm the timer at the next slice boundary of the shortest wanted period. */
static void tick_arm(struct events *b)
{
    if (!b->loop)
        return;
    int period = 0;
    for (int i = 0; i < 3 && !period; i++)
        if (b->wanted & (1u << ticks[i].type))
            period = ticks[i].period;
    if (!period) {
        loop_timer_cancel(b->loop, &b->tick_timer);
        return;
    }
    double now = wall_now();
    double next = (double)(slice(period, now) + period);
    int64_t ms = (int64_t)((next - now) * 1000.0) + 1; /* land just past the boundary */
    loop_timer_arm(b->loop, &b->tick_timer, loop_clock_ms() + ms);
}

static void tick_cb(struct loop *l, void *arg)
{
    struct events *b = arg;
    (void)l;
    events_tick(b, wall_now());
    tick_arm(b);
}

void events_init(struct events *b, struct loop *loop)
{
    memset(b, 0, sizeof *b);
    b->loop = loop;
    loop_timer_init(&b->tick_timer, tick_cb, b);
    double now = wall_now();
    for (int i = 0; i < 3; i++)
        b->last_tick[i] = slice(ticks[i].period, now);
}

void events_release(struct events *b)
{
    if (b->loop)
        loop_timer_cancel(b->loop, &b->tick_timer);
    free(b->subs);
    b->subs = NULL;
    b->nsubs = b->cap = 0;
    b->wanted = 0;
}

static void recompute(struct events *b)
{
    event_mask old = b->wanted;
    b->wanted = 0;
    for (size_t i = 0; i < b->nsubs; i++)
        b->wanted |= b->subs[i].mask;
    if ((old ^ b->wanted) & TICK_MASK)
        tick_arm(b);
}

void events_subscribe(struct events *b, event_mask mask, events_cb cb, void *arg)
{
    b->subs = xgrow(b->subs, &b->cap, b->nsubs + 1, sizeof *b->subs);
    b->subs[b->nsubs++] = (struct events_sub){.mask = mask, .cb = cb, .arg = arg};
    recompute(b);
}

void events_unsubscribe(struct events *b, events_cb cb, void *arg)
{
    for (size_t i = 0; i < b->nsubs; i++) {
        if (b->subs[i].cb == cb && b->subs[i].arg == arg) {
            memmove(b->subs + i, b->subs + i + 1, (b->nsubs - i - 1) * sizeof *b->subs);
            b->nsubs--;
            i--;
        }
    }
    recompute(b);
}

bool events_wanted(const struct events *b, enum event_type t)
{
    return b && (unsigned)t < EVT_COUNT && (b->wanted & (1u << t)) != 0;
}

void events_publish(struct events *b, struct event *ev)
{
    if (!b || !events_wanted(b, ev->type)) {
        events_unref(ev); /* nobody listens: no serial consumed, as in Supervisor */
        return;
    }
    if (!ev->has_serial) {
        /* GlobalSerial: starts at 0, wraps from sys.maxsize to 0 */
        b->serial = !b->any_serial || b->serial >= (uint64_t)INT64_MAX ? 0 : b->serial + 1;
        b->any_serial = true;
        ev->has_serial = true;
        ev->serial = b->serial;
    }
    /* A subscriber may unsubscribe (or subscribe) from its callback: walk a
     * snapshot. */
    size_t n = b->nsubs;
    struct events_sub *snap = xmalloc((n ? n : 1) * sizeof *snap);
    memcpy(snap, b->subs, n * sizeof *snap);
    for (size_t i = 0; i < n; i++)
        if (snap[i].mask & (1u << ev->type))
            snap[i].cb(snap[i].arg, ev);
    free(snap);
    events_unref(ev);
}

/* ---- payloads ---- */

/* repr(bytes) */
static void bytes_repr(struct buf *out, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = data;
    bool single = memchr(s, '\'', n) != NULL, dbl = memchr(s, '"', n) != NULL;
    char q = single && !dbl ? '"' : '\'';
    buf_putc(out, 'b');
    buf_putc(out, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch == (unsigned char)q || ch == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (char)ch);
        } else if (ch == '\t') {
            buf_puts(out, "\\t");
        } else if (ch == '\n') {
            buf_puts(out, "\\n");
        } else if (ch == '\r') {
            buf_puts(out, "\\r");
        } else if (ch < 0x20 || ch >= 0x7f) {
            char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
            buf_append(out, esc, 4);
        } else {
            buf_putc(out, (char)ch);
        }
    }
    buf_putc(out, q);
}

void events_put_text(struct buf *out, const void *data, size_t n)
{
    if (xmlrpc_utf8_valid(data, n)) {
        buf_append(out, data, n);
    } else {
        buf_puts(out, "Undecodable: ");
        bytes_repr(out, data, n);
    }
}

void events_state_payload(struct buf *out, enum proc_state to, const char *pname, const char *gname,
                          enum proc_state from, int tries, pid_t pid, bool expected)
{
    buf_printf(out, "processname:%s groupname:%s from_state:%s", pname, gname ? gname : "",
               process_state_name(from));
    switch (to) {
    case PROC_STARTING:
    case PROC_BACKOFF: buf_printf(out, " tries:%d", tries); break;
    case PROC_EXITED: buf_printf(out, " expected:%d pid:%d", expected ? 1 : 0, (int)pid); break;
    case PROC_RUNNING:
    case PROC_STOPPING:
    case PROC_STOPPED: buf_printf(out, " pid:%d", (int)pid); break;
    default: break;
    }
}

void events_process_state(struct events *b, const struct process *p, const char *gname,
                          enum proc_state from)
{
    enum event_type t = events_state_type(p->state);
    if (!events_wanted(b, t))
        return;
    struct buf pl;
    buf_init(&pl);
    /* Values are taken now, as Python's get_extra_values() does at creation. */
    events_state_payload(&pl, p->state, p->cfg->name, gname, from, p->backoff, p->pid,
                         process_exit_expected(p));
    events_publish(b, event_from_buf(t, &pl));
}

void events_log_payload(struct buf *out, bool comm, const char *pname, const char *gname, pid_t pid,
                        const char *channel, const void *data, size_t n)
{
    if (comm)
        buf_printf(out, "processname:%s groupname:%s pid:%d\n", pname, gname ? gname : "",
                   (int)pid);
    else
        buf_printf(out, "processname:%s groupname:%s pid:%d channel:%s\n", pname,
                   gname ? gname : "", (int)pid, channel);
    events_put_text(out, data, n);
}

void events_process_output(struct events *b, bool comm, const char *channel, const char *pname,
                           const char *gname, pid_t pid, const void *data, size_t n)
{
    bool err = strcmp(channel, "stderr") == 0;
    enum event_type t =
        comm ? (err ? EVT_PROCESS_COMMUNICATION_STDERR : EVT_PROCESS_COMMUNICATION_STDOUT)
             : (err ? EVT_PROCESS_LOG_STDERR : EVT_PROCESS_LOG_STDOUT);
    if (!events_wanted(b, t))
        return;
    struct buf pl;
    buf_init(&pl);
    events_log_payload(&pl, comm, pname, gname, pid, channel, data, n);
    events_publish(b, event_from_buf(t, &pl));
}

void events_remote(struct events *b, const char *type, const char *data, size_t n)
{
    if (!events_wanted(b, EVT_REMOTE_COMMUNICATION))
        return;
    struct buf pl;
    buf_init(&pl);
    buf_printf(&pl, "type:%s\n", type);
    buf_append(&pl, data, n);
    events_publish(b, event_from_buf(EVT_REMOTE_COMMUNICATION, &pl));
}

void events_group(struct events *b, bool added, const char *gname)
{
    enum event_type t = added ? EVT_PROCESS_GROUP_ADDED : EVT_PROCESS_GROUP_REMOVED;
    if (!events_wanted(b, t))
        return;
    struct buf pl;
    buf_init(&pl);
    buf_printf(&pl, "groupname:%s\n", gname);
    events_publish(b, event_from_buf(t, &pl));
}

void events_supervisor_state(struct events *b, bool running)
{
    enum event_type t =
        running ? EVT_SUPERVISOR_STATE_CHANGE_RUNNING : EVT_SUPERVISOR_STATE_CHANGE_STOPPING;
    if (!events_wanted(b, t))
        return;
    events_publish(b, events_new(t, xstrdup(""), 0));
}

void events_tick(struct events *b, double now)
{
    for (int i = 0; i < 3; i++) {
        long long this_tick = slice(ticks[i].period, now);
        if (this_tick == b->last_tick[i])
            continue;
        b->last_tick[i] = this_tick;
        if (!events_wanted(b, ticks[i].type))
            continue;
        struct buf pl;
        buf_init(&pl);
        buf_printf(&pl, "when:%lld", this_tick);
        events_publish(b, event_from_buf(ticks[i].type, &pl));
    }
}
