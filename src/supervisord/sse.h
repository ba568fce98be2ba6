/* sse: the dashboard's live feed, GET /api/v1/events, as server-sent events
 * (text/event-stream; the wire format is in doc/api.md). Owns the connected
 * clients and what is pushed to them: a snapshot of every process when a
 * client connects and when the set of processes changes, the records of
 * the processes whose state changed (coalesced per loop iteration), and CPU
 * and memory of the running processes every SSE_PERIOD_MS. Each update is
 * built once, in one buffer, and written to every client.
 * Nothing runs while no client is connected: no timer, and a state change
 * costs one test. Routing and auth are web.c's and httpd.c's; /proc reads
 * and restart counts are metrics.c's. */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#include "buf.h"

struct supervisor;
struct metrics;
struct csrf;
struct httpd_req;
struct proc;
struct sse;

#define SSE_MAX_CLIENTS 16                /* more get 503 */
#define SSE_MAX_PENDING ((size_t)4 << 20) /* bytes a client may leave unread */
#define SSE_PERIOD_MS 2000                /* CPU/memory refresh */
#define SSE_KEEPALIVE_MS 15000            /* default, for clients that asked for no stats */
/* Reading /proc costs 20 to 40 us a process on a VM: a refresh reads for at
 * most SSE_SLICE_US at a time, then goes on SSE_GAP_MS later, so that no
 * update keeps the loop busy for long whatever the number of processes. */
#define SSE_SLICE_US 2000
#define SSE_GAP_MS 100

/* A feed over s (borrowed), m (borrowed: restarts, /proc) and c (borrowed:
 * its token is sent to each client, for the dashboard's POSTs). All must
 * outlive it. Never fails. */
struct sse *sse_new(struct supervisor *s, struct metrics *m, const struct csrf *c);
/* Closes every client's connection (cut, no final chunk). NULL ok. */
void sse_free(struct sse *e);

/* Answer GET /api/v1/events: a stream that lasts until the client leaves
 * or the feed is freed. Another method: 405; SSE_MAX_CLIENTS already
 * connected: 503 (JSON errors, as the API's). */
void sse_handle(struct sse *e, struct httpd_req *req);

/* A process changed state (web.c's change hook). Records nothing when no
 * client is connected. */
void sse_note_change(struct sse *e, const struct proc *pr);

/* Clients connected now. */
size_t sse_clients(const struct sse *e);

/* Append the JSON object of a snapshot ({"now", "state", "processes"}) to
 * out, as the snapshot event carries it. */
void sse_render_snapshot(struct sse *e, struct buf *out);

#endif
