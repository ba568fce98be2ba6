/* sse: clients of GET /api/v1/events and the events they get. JSON is
 * written by hand in one pass into one buffer (no value tree): a snapshot
 * of 1,000 processes is a few hundred microseconds. Changed processes are
 * remembered by namespec (a pointer could be freed by a group removal
 * before the flush) and sent at the end of the loop iteration. */
#include "sse.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "csrf.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "supervisor.h"
#include "xalloc.h"
#include "xmlrpc.h"

#define SUPERVISOR_VERSION "4.2.5"

struct client {
    struct client *next, *prev;
    struct sse *e;         /* back pointer */
    struct httpd_req *req; /* borrowed from httpd until it ends */
    bool stats;            /* wants the stats events; else keepalive comments */
    int64_t keepalive_ms;
    struct loop_timer keep; /* next keepalive (clients without stats) */
};

struct sse {
    struct supervisor *s;    /* borrowed */
    struct metrics *met;     /* borrowed */
    const struct csrf *csrf; /* borrowed */
    struct client *clients;  /* owned list */
    size_t nclients;
    size_t nstats;           /* clients that want stats: the tick runs for them */
    struct loop_timer tick;  /* CPU/memory slices; armed only while clients */
    struct loop_timer flush; /* changes of this iteration; armed only while clients */
    char **dirty;            /* owned namespecs changed since the last flush */
    size_t ndirty, capdirty;
    size_t cursor;       /* next process (in walk order) to sample */
    int64_t round_start; /* monotonic ms the current refresh round began */
    uint64_t set_hash;   /* of the namespecs the clients were last sent */
    struct buf msg;      /* the event being built, then sent to all */
};

/* ---- JSON by hand ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0. Reads no byte
 * past a NUL. */
static size_t utf8_seq(const unsigned char *p)
{
    size_t k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    if (!k)
        return 0;
    for (size_t j = 1; j < k; j++)
        if ((p[j] & 0xc0) != 0x80)
            return 0;
    return xmlrpc_utf8_valid((const char *)p, k) ? k : 0;
}

/* A JSON string: ", \ and control characters escaped, bytes that are not
 * UTF-8 replaced by U+FFFD (JSON text is Unicode). */
static void jstr(struct buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    buf_putc(b, '"');
    for (;;) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        buf_append(b, run, (size_t)(s - run));
        unsigned char c = *s;
        if (!c)
            break;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
            s++;
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
            s++;
        } else {
            size_t k = utf8_seq(s);
            if (k) {
                buf_append(b, s, k);
                s += k;
            } else {
                buf_puts(b, "\xef\xbf\xbd");
                s++;
            }
        }
    }
    buf_putc(b, '"');
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *mood_name(enum mood m)
{
    return m == MOOD_FATAL        ? "FATAL"
           : m == MOOD_RUNNING    ? "RUNNING"
           : m == MOOD_RESTARTING ? "RESTARTING"
                                  : "SHUTDOWN";
}

/* {"now":<ms>,"state":"RUNNING", -- the start every event's object shares */
static void obj_head(struct sse *e, struct buf *b)
{
    buf_puts(b, "{\"now\":");
    buf_put_int(b, wall_ms());
    buf_puts(b, ",\"state\":\"");
    buf_puts(b, mood_name(e->s->mood));
    buf_putc(b, '"');
}

/* The namespec as XML-RPC spells it: "name" when the group has its name. */
static const char *namespec(const struct proc *pr, char *stack, size_t size, char **heap)
{
    const char *g = pr->group->cfg->name, *n = pr->p.cfg->name;
    *heap = NULL;
    if (strcmp(g, n) == 0)
        return n;
    if ((size_t)snprintf(stack, size, "%s:%s", g, n) < size)
        return stack;
    *heap = xasprintf("%s:%s", g, n);
    return *heap;
}

static uint64_t hash_add(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* a separator no name holds */
}

/* The hash records() returns, without writing anything. */
static uint64_t set_hash(const struct sse *e)
{
    const struct supervisor *s = e->s;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s->ngroups; i++) {
        for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
            char stack[256], *heap;
            h = hash_add(h, namespec(s->groups[i]->procs[j], stack, sizeof stack, &heap));
            free(heap);
        }
    }
    return h;
}

static void record(struct sse *e, struct buf *b, const struct proc *pr, const char *ns)
{
    const struct process *p = &pr->p;
    buf_puts(b, "{\"ns\":");
    jstr(b, ns);
    buf_puts(b, ",\"group\":");
    jstr(b, pr->group->cfg->name);
    buf_puts(b, ",\"name\":");
    jstr(b, p->cfg->name);
    buf_puts(b, ",\"state\":");
    buf_put_int(b, p->state);
    buf_puts(b, ",\"statename\":\"");
    buf_puts(b, process_state_name(p->state));
    buf_puts(b, "\",\"pid\":");
    buf_put_int(b, p->pid);
    buf_puts(b, ",\"start\":");
    buf_put_int(b, (long long)(p->laststart * 1000));
    buf_puts(b, ",\"stop\":");
    buf_put_int(b, (long long)(p->laststop * 1000));
    buf_puts(b, ",\"exitstatus\":");
    if (p->has_exitstatus)
        buf_put_int(b, p->exitstatus);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\"expected\":");
    buf_puts(b, p->has_exitstatus && process_exit_expected(p) ? "true" : "false");
    buf_puts(b, ",\"spawnerr\":");
    jstr(b, p->spawnerr);
    buf_puts(b, ",\"restarts\":");
    buf_put_int(b, (long long)metrics_restarts(e->met, pr));
    buf_puts(b, ",\"stdout\":");
    buf_puts(b, pr->outlog_path ? "true" : "false");
    buf_puts(b, ",\"stderr\":");
    buf_puts(b, pr->errlog_path ? "true" : "false");
    buf_putc(b, '}');
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the records of every process (want == NULL) or of those whose
 * namespec is in the sorted array want[0..nwant). Returns the hash of all
 * the namespecs, in walk order. */
static uint64_t records(struct sse *e, struct buf *b, char *const *want, size_t nwant)
{
    struct supervisor *s = e->s;
    uint64_t h = 1469598103934665603ULL;
    bool first = true;
    for (size_t i = 0; i < s->ngroups; i++) {
        for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
            const struct proc *pr = s->groups[i]->procs[j];
            char stack[256], *heap;
            const char *ns = namespec(pr, stack, sizeof stack, &heap);
            h = hash_add(h, ns);
            if (!want || bsearch(&ns, want, nwant, sizeof *want, cmp_str)) {
                if (!first)
                    buf_putc(b, ',');
                first = false;
                record(e, b, pr, ns);
            }
            free(heap);
        }
    }
    return h;
}

void sse_render_snapshot(struct sse *e, struct buf *out)
{
    obj_head(e, out);
    buf_puts(out, ",\"processes\":[");
    records(e, out, NULL, 0);
    buf_puts(out, "]}");
}

/* e->msg = "event: snapshot" with every process; returns the set's hash. */
static uint64_t build_snapshot(struct sse *e)
{
    struct buf *b = &e->msg;
    buf_reset(b);
    buf_puts(b, "event: snapshot\ndata: ");
    obj_head(e, b);
    buf_puts(b, ",\"processes\":[");
    uint64_t h = records(e, b, NULL, 0);
    buf_puts(b, "]}\n\n");
    return h;
}

static void trace_cost(const char *what, size_t n, size_t bytes, int64_t t0)
{
    if (log_enabled(LOG_TRAC))
        log_trace("sse: %s: %zu processes, %zu bytes, %.3f ms", what, n, bytes,
                  (double)(mono_us() - t0) / 1000.0);
}

static size_t nprocs(const struct supervisor *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        n += s->groups[i]->nprocs;
    return n;
}

/* ---- clients ---- */

static void dirty_clear(struct sse *e)
{
    for (size_t i = 0; i < e->ndirty; i++)
        free(e->dirty[i]);
    e->ndirty = 0;
}

static void client_unlink(struct client *c)
{
    struct sse *e = c->e;
    if (c->prev)
        c->prev->next = c->next;
    else
        e->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    e->nclients--;
    loop_timer_cancel(e->s->loop, &c->keep);
    if (c->stats && --e->nstats == 0)
        loop_timer_cancel(e->s->loop, &e->tick);
    log_trace("sse: a client left, %zu connected", e->nclients);
    if (!e->clients) { /* idle again: nothing armed, nothing kept */
        loop_timer_cancel(e->s->loop, &e->tick);
        loop_timer_cancel(e->s->loop, &e->flush);
        dirty_clear(e);
        free(e->dirty);
        e->dirty = NULL;
        e->capdirty = 0;
        buf_release(&e->msg); /* a snapshot of many processes is big */
        buf_init(&e->msg);
    }
}

static void abort_cb(void *arg, struct httpd_req *req)
{
    (void)req;
    struct client *c = arg;
    client_unlink(c);
    free(c);
}

static void drop(struct client *c, size_t pending)
{
    log_warn("sse: dropping a slow events client (%zu bytes unread)", pending);
    struct httpd_req *req = c->req;
    client_unlink(c);
    free(c);
    httpd_req_set_data(req, NULL, NULL);
    httpd_close(req);
}

/* Queue data for c, or drop c if it has left too much unread. */
static void send_to(struct client *c, const char *data, size_t len)
{
    size_t pending = httpd_stream_pending(c->req);
    if (pending > 0 && pending + len > SSE_MAX_PENDING) {
        drop(c, pending);
        return;
    }
    httpd_stream_write(c->req, data, len);
}

static void broadcast(struct sse *e, const struct buf *b)
{
    for (struct client *c = e->clients, *next; c; c = next) {
        next = c->next;
        send_to(c, b->data, b->len);
    }
}

static void broadcast_stats(struct sse *e, const struct buf *b)
{
    for (struct client *c = e->clients, *next; c; c = next) {
        next = c->next;
        if (c->stats)
            send_to(c, b->data, b->len);
    }
}

/* ---- updates ---- */

static void flush_cb(struct loop *l, void *arg)
{
    (void)l;
    struct sse *e = arg;
    if (!e->clients || !e->ndirty)
        return;
    int64_t t0 = mono_us();
    qsort(e->dirty, e->ndirty, sizeof *e->dirty, cmp_str);
    struct buf *b = &e->msg;
    buf_reset(b);
    buf_puts(b, "event: change\ndata: ");
    obj_head(e, b);
    buf_puts(b, ",\"processes\":[");
    uint64_t h = records(e, b, e->dirty, e->ndirty);
    buf_puts(b, "]}\n\n");
    size_t n = e->ndirty;
    const char *what = "change";
    dirty_clear(e);
    if (h != e->set_hash) { /* groups came or went: everything again */
        e->set_hash = build_snapshot(e);
        n = nprocs(e->s);
        what = "snapshot";
    }
    broadcast(e, b);
    trace_cost(what, n, b->len, t0);
}

void sse_note_change(struct sse *e, const struct proc *pr)
{
    if (!e || !e->clients)
        return;
    char stack[256], *heap;
    const char *ns = namespec(pr, stack, sizeof stack, &heap);
    e->dirty = xgrow(e->dirty, &e->capdirty, e->ndirty + 1, sizeof *e->dirty);
    e->dirty[e->ndirty++] = heap ? heap : xstrdup(ns);
    if (!loop_timer_armed(&e->flush))
        loop_timer_arm(e->s->loop, &e->flush, loop_now(e->s->loop));
}

/* One slice of the CPU/memory refresh: read /proc for the running
 * processes from the cursor on, for at most SSE_SLICE_US, and send what
 * was read. The round ends when the walk does. */
static void tick_cb(struct loop *l, void *arg)
{
    struct sse *e = arg;
    if (!e->nstats)
        return;
    int64_t t0 = mono_us();
    if (e->cursor == 0)
        e->round_start = loop_now(l);
    struct supervisor *s = e->s;
    struct buf *b = &e->msg;
    buf_reset(b);
    buf_puts(b, "event: stats\ndata: ");
    obj_head(e, b);
    buf_puts(b, ",\"usage\":[");
    size_t k = 0, sampled = 0;
    bool first = true, done = true;
    for (size_t i = 0; i < s->ngroups && done; i++) {
        for (size_t j = 0; j < s->groups[i]->nprocs; j++, k++) {
            if (k < e->cursor)
                continue;
            const struct proc *pr = s->groups[i]->procs[j];
            double cpu, rss;
            if (pr->p.pid <= 0 || !metrics_proc_usage(pr->p.pid, &cpu, &rss))
                continue;
            char stack[256], *heap;
            const char *ns = namespec(pr, stack, sizeof stack, &heap);
            if (!first)
                buf_putc(b, ',');
            first = false;
            buf_putc(b, '[');
            jstr(b, ns);
            buf_printf(b, ",%.2f,%.0f]", cpu, rss);
            free(heap);
            sampled++;
            if (mono_us() - t0 >= SSE_SLICE_US) {
                e->cursor = k + 1;
                done = false;
                break;
            }
        }
    }
    buf_printf(b, "],\"round_end\":%s}\n\n", done ? "true" : "false");
    broadcast_stats(e, b);
    trace_cost("stats", sampled, b->len, t0);
    if (!e->nstats)
        return; /* every client was dropped */
    int64_t next = loop_now(l) + SSE_GAP_MS;
    if (done) {
        e->cursor = 0;
        /* a removed group sends no state change: the set is checked here */
        if (set_hash(e) != e->set_hash) {
            int64_t t1 = mono_us();
            e->set_hash = build_snapshot(e);
            broadcast(e, b);
            trace_cost("snapshot", nprocs(s), b->len, t1);
            if (!e->nstats)
                return;
        }
        if (e->round_start + SSE_PERIOD_MS > next)
            next = e->round_start + SSE_PERIOD_MS;
    }
    loop_timer_arm(l, &e->tick, next);
}

/* A client without stats hears from us every keepalive_ms all the same, so
 * that it can tell a hung daemon from a quiet one. The set of processes is
 * checked here too: with no stats round running, a removed group would go
 * unnoticed otherwise. */
static void keep_cb(struct loop *l, void *arg)
{
    struct client *c = arg;
    struct sse *e = c->e;
    loop_timer_arm(l, &c->keep, loop_now(l) + c->keepalive_ms);
    if (set_hash(e) != e->set_hash) {
        e->set_hash = build_snapshot(e);
        broadcast(e, &e->msg); /* may drop c */
        return;
    }
    static const char ka[] = ": keepalive\n\n";
    send_to(c, ka, sizeof ka - 1);
}

/* ?stats=0|1 and ?keepalive_ms=N (1000..600000). false + a 400 sent if bad. */
static bool stream_options(struct httpd_req *req, bool *stats, int64_t *keepalive_ms)
{
    const char *v = httpd_req_query(req, "stats");
    *stats = true;
    if (v && (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)) {
        *stats = false;
    } else if (v && strcmp(v, "1") != 0 && strcmp(v, "true") != 0) {
        api_send_error(req, 400, 0, "BAD_REQUEST", "stats must be 0 or 1");
        return false;
    }
    *keepalive_ms = SSE_KEEPALIVE_MS;
    v = httpd_req_query(req, "keepalive_ms");
    if (v) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || n < 1000 || n > 600000) {
            api_send_error(req, 400, 0, "BAD_REQUEST",
                           "keepalive_ms must be an integer from 1000 to 600000");
            return false;
        }
        *keepalive_ms = n;
    }
    return true;
}

void sse_handle(struct sse *e, struct httpd_req *req)
{
    if (strcmp(httpd_req_method(req), "GET") != 0) {
        httpd_add_header(req, "Allow", "GET");
        char *m = xasprintf("method %s not allowed here (allowed: GET)", httpd_req_method(req));
        api_send_error(req, 405, 0, "METHOD_NOT_ALLOWED", m);
        free(m);
        return;
    }
    if (e->nclients >= SSE_MAX_CLIENTS) {
        httpd_add_header(req, "Retry-After", "5");
        char *m = xasprintf("too many event streams open (at most %u)", SSE_MAX_CLIENTS);
        api_send_error(req, 503, 0, "TOO_MANY_CLIENTS", m);
        free(m);
        return;
    }
    bool stats;
    int64_t keepalive_ms;
    if (!stream_options(req, &stats, &keepalive_ms))
        return;
    int64_t t0 = mono_us();
    httpd_add_header(req, "Cache-Control", "no-store");
    httpd_add_header(req, "X-Accel-Buffering", "no"); /* a reverse proxy must not hold events */
    httpd_stream_begin(req, 200, "text/event-stream; charset=utf-8");
    struct client *c = xcalloc(1, sizeof *c);
    c->e = e;
    c->req = req;
    c->stats = stats;
    c->keepalive_ms = keepalive_ms;
    loop_timer_init(&c->keep, keep_cb, c);
    if (stats)
        e->nstats++;
    else
        loop_timer_arm(e->s->loop, &c->keep, loop_now(e->s->loop) + keepalive_ms);
    c->next = e->clients;
    if (c->next)
        c->next->prev = c;
    e->clients = c;
    e->nclients++;
    httpd_req_set_data(req, c, abort_cb);
    log_trace("sse: a client connected, %zu connected", e->nclients);

    struct supervisor *s = e->s;
    struct buf *b = &e->msg;
    buf_reset(b);
    buf_printf(b, "retry: %d\n\nevent: hello\ndata: {\"token\":", SSE_PERIOD_MS);
    jstr(b, e->csrf->token);
    buf_puts(b, ",\"version\":\"" SUPERVISOR_VERSION "\",\"identification\":");
    jstr(b, s->cfg && s->cfg->identifier ? s->cfg->identifier : "supervisor");
    /* period_ms: the longest the client goes without hearing from us */
    buf_printf(b, ",\"pid\":%d,\"period_ms\":%lld,\"stats\":%s}\n\n", (int)getpid(),
               (long long)(stats ? SSE_PERIOD_MS : keepalive_ms), stats ? "true" : "false");
    httpd_stream_write(req, b->data, b->len);

    uint64_t h = build_snapshot(e);
    if (h != e->set_hash && e->nclients > 1) {
        broadcast(e, b); /* the others have not seen this set either */
    } else {
        httpd_stream_write(req, b->data, b->len);
    }
    e->set_hash = h;
    trace_cost("snapshot", nprocs(s), b->len, t0);
    if (!stats)
        return; /* c may be gone (dropped by the broadcast): not touched again */
    /* a new round now, so the newcomer has CPU and memory at once */
    e->cursor = 0;
    loop_timer_arm(s->loop, &e->tick, loop_now(s->loop));
}

size_t sse_clients(const struct sse *e)
{
    return e ? e->nclients : 0;
}

struct sse *sse_new(struct supervisor *s, struct metrics *m, const struct csrf *c)
{
    struct sse *e = xcalloc(1, sizeof *e);
    e->s = s;
    e->met = m;
    e->csrf = c;
    loop_timer_init(&e->tick, tick_cb, e);
    loop_timer_init(&e->flush, flush_cb, e);
    buf_init(&e->msg);
    return e;
}

void sse_free(struct sse *e)
{
    if (!e)
        return;
    while (e->clients) {
        struct client *c = e->clients;
        struct httpd_req *req = c->req;
        client_unlink(c);
        free(c);
        httpd_req_set_data(req, NULL, NULL);
        httpd_close(req); /* no final chunk: EventSource reconnects */
    }
    loop_timer_cancel(e->s->loop, &e->tick);
    loop_timer_cancel(e->s->loop, &e->flush);
    dirty_clear(e);
    free(e->dirty);
    buf_release(&e->msg);
    free(e);
}
