/* sse_client: a parser of server-sent events (text/event-stream, WHATWG
 * HTML "Server-sent events", the stream a node's GET /api/v1/events sends).
 * Pure: bytes in, whole events out through a callback; no I/O, no clock.
 * Lines end with LF, CRLF or CR, a split anywhere between two feeds; the
 * fields are event, data (several join with LF), id and retry (ignored);
 * lines starting with ':' are comments; a blank line ends an event; an
 * event with no data is not dispatched. Hostile input is bounded: one
 * event's data (and so any line) is capped, an event name is at most
 * SSE_CLIENT_NAME_MAX bytes, a NUL byte is refused. Events the consumer
 * does not want (want() false, e.g. the nodes' `stats`) are skipped as
 * they stream: their data is never kept. */
#ifndef CONSOLE_SSE_CLIENT_H
#define CONSOLE_SSE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

#define SSE_CLIENT_NAME_MAX 63

/* Whether the events of that name are kept and dispatched. */
typedef bool (*sse_client_want_fn)(void *arg, const char *event);
/* One whole event: its name ("message" when the stream gave none) and its
 * data (NUL-terminated, len bytes, borrowed for the call). Returns 0, or
 * -1 + e to stop the stream: sse_client_feed then fails with e. */
typedef int (*sse_client_event_fn)(void *arg, const char *event, const char *data, size_t len,
                                   struct err *e);

struct sse_client {
    size_t max_event;        /* cap on one event's data, bytes */
    sse_client_want_fn want; /* NULL: every event */
    sse_client_event_fn on_event;
    void *arg;
    struct buf line;                     /* the line being read */
    struct buf data;                     /* the event's data so far (LF-joined) */
    char event[SSE_CLIENT_NAME_MAX + 1]; /* the event's name; "" until given */
    bool has_data;                       /* a data field was seen in this event */
    bool skip;                           /* the consumer does not want this event */
    bool after_cr; /* the last line ended with CR: an LF next is its end too */
    bool failed;   /* a feed failed: every later feed fails */
    size_t events; /* dispatched so far */
};

void sse_client_init(struct sse_client *p, size_t max_event, sse_client_want_fn want,
                     sse_client_event_fn on_event, void *arg);
/* Back to the start of a stream (a new connection); keeps the memory. */
void sse_client_reset(struct sse_client *p);
void sse_client_release(struct sse_client *p);
/* Parse n more bytes; dispatches every event they complete. -1 + e when
 * the stream is malformed (an event over max_event, a long name, a NUL
 * byte) or on_event failed; the parser is then failed until reset. */
int sse_client_feed(struct sse_client *p, const char *bytes, size_t n, struct err *e);

#endif
