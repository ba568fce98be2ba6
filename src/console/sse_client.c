/* sse_client: the event-stream parser. It owns the line and data buffers;
 * what an event means is the consumer's (node.c). Lines are found with
 * memchr, so a 4 MiB snapshot costs a few passes over memory. */
#include "sse_client.h"

#include <string.h>

void sse_client_init(struct sse_client *p, size_t max_event, sse_client_want_fn want,
                     sse_client_event_fn on_event, void *arg)
{
    memset(p, 0, sizeof *p);
    p->max_event = max_event;
    p->want = want;
    p->on_event = on_event;
    p->arg = arg;
    buf_init(&p->line);
    buf_init(&p->data);
}

/* Keep a buffer's memory for the next event unless a big one (a snapshot)
 * grew it: an idle stream holds little. */
#define KEEP_BYTES (64u << 10)

static void shrink(struct buf *b)
{
    if (b->cap > KEEP_BYTES) {
        buf_release(b);
        buf_init(b);
    } else {
        buf_reset(b);
    }
}

static void event_reset(struct sse_client *p)
{
    shrink(&p->data);
    p->event[0] = '\0';
    p->has_data = false;
    p->skip = false;
}

void sse_client_reset(struct sse_client *p)
{
    shrink(&p->line);
    event_reset(p);
    p->after_cr = false;
    p->failed = false;
    p->events = 0;
}

void sse_client_release(struct sse_client *p)
{
    buf_release(&p->line);
    buf_release(&p->data);
}

static int dispatch(struct sse_client *p, struct err *e)
{
    if (!p->has_data || p->skip || !p->data.len) {
        event_reset(p);
        return 0;
    }
    const char *name = p->event[0] ? p->event : "message";
    if (!p->event[0] && p->want && !p->want(p->arg, name)) {
        event_reset(p);
        return 0;
    }
    p->data.len--; /* the LF after the last data line */
    p->data.data[p->data.len] = '\0';
    p->events++;
    int rc = p->on_event(p->arg, name, p->data.data, p->data.len, e);
    event_reset(p);
    return rc;
}

static int field(struct sse_client *p, const char *line, size_t len, struct err *e)
{
    if (len == 0)
        return dispatch(p, e);
    if (line[0] == ':')
        return 0; /* a comment: keepalives look like this */
    const char *colon = memchr(line, ':', len);
    size_t flen = colon ? (size_t)(colon - line) : len;
    const char *v = colon ? colon + 1 : line + len;
    size_t vlen = (size_t)(line + len - v);
    if (vlen && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (flen == 5 && memcmp(line, "event", 5) == 0) {
        if (vlen > SSE_CLIENT_NAME_MAX)
            return err_set(e, ERR_USAGE, "event name longer than %d bytes", SSE_CLIENT_NAME_MAX);
        memcpy(p->event, v, vlen);
        p->event[vlen] = '\0';
        p->skip = p->want && !p->want(p->arg, p->event);
        if (p->skip) { /* what came before is dropped with the event */
            shrink(&p->data);
            p->has_data = false;
        }
    } else if (flen == 4 && memcmp(line, "data", 4) == 0) {
        if (p->skip)
            return 0;
        p->has_data = true;
        if (vlen + 1 > p->max_event - p->data.len)
            return err_set(e, ERR_USAGE, "event larger than %zu bytes", p->max_event);
        buf_append(&p->data, v, vlen);
        buf_putc(&p->data, '\n');
    }
    /* id, retry and unknown fields: nothing the console uses */
    return 0;
}

int sse_client_feed(struct sse_client *p, const char *bytes, size_t n, struct err *e)
{
    if (p->failed)
        return err_set(e, ERR_USAGE, "the event stream failed before");
    /* a data line holds at most one event's data */
    size_t line_max = p->max_event + 16;
    const char *s = bytes, *end = bytes + n;
    if (p->after_cr && s < end) {
        p->after_cr = false;
        if (*s == '\n')
            s++; /* the LF of a CRLF split between two feeds */
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *lim = nl ? nl : end;
        const char *cr = memchr(s, '\r', (size_t)(lim - s));
        if (cr)
            lim = cr;
        if (memchr(s, '\0', (size_t)(lim - s))) {
            p->failed = true;
            return err_set(e, ERR_USAGE, "NUL byte in the event stream");
        }
        size_t seg = (size_t)(lim - s);
        if (seg > line_max - p->line.len) {
            p->failed = true;
            return err_set(e, ERR_USAGE, "event larger than %zu bytes", p->max_event);
        }
        buf_append(&p->line, s, seg);
        if (lim == end)
            break; /* the rest of this line comes later */
        s = lim + 1;
        if (*lim == '\r') {
            if (s < end && *s == '\n')
                s++;
            else if (s == end)
                p->after_cr = true;
        }
        int rc = field(p, p->line.data, p->line.len, e);
        shrink(&p->line);
        if (rc < 0) {
            p->failed = true;
            return -1;
        }
    }
    return 0;
}
