/* listener: [eventlistener:x] pools. A pool subscribes to its events= types
 * on the bus, buffers up to buffer_size events (a full buffer drops the
 * oldest and logs it), and hands each to the first member process that is
 * RUNNING and READY, as the envelope
 *   ver:3.0 server:<id> serial:<S> pool:<pool> poolserial:<PS> eventname:<NAME> len:<L>\n<payload>
 * on its stdin. Each member parses its stdout with Supervisor's READY /
 * RESULT protocol (states ACKNOWLEDGED, READY, BUSY, UNKNOWN; the default
 * result handler: "OK" accepts, anything else rejects).
 * Beyond Supervisor: a rejected event is re-sent after a growing delay, not
 * at once in a tight loop; dispatch is event-driven (a zero-delay timer),
 * not a once-a-second scan. The process side (spawn, pipes, state) is the
 * supervisor's, reached through struct listener_ops. */
#ifndef LISTENER_H
#define LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "loop.h"

/* Supervisor's EventListenerStates. */
enum listener_state {
    LISTENER_READY = 10,
    LISTENER_BUSY = 20,
    LISTENER_ACKNOWLEDGED = 30,
    LISTENER_UNKNOWN = 40,
};

struct listener_pool;
struct listener;

struct listener_ops {
    /* Queue bytes on the member process's stdin. 0, or -1 when it cannot
     * take them (no process, being stopped, stdin closed: Python's EPIPE). */
    int (*write)(void *proc, const char *data, size_t n);
    /* The member process is in state RUNNING (past startsecs). */
    bool (*running)(void *proc);
};

/* Retry delay of a rejected event: first after REDELIVER_MIN_MS, doubling
 * with each rejection of the same event up to REDELIVER_MAX_MS. */
#define LISTENER_REDELIVER_MIN_MS 100
#define LISTENER_REDELIVER_MAX_MS 5000

/* A pool named name subscribing to the given event type names (unknown
 * names are ignored: the config validated them). identifier is the
 * envelope's server:. All strings are copied; bus, loop and ops borrowed. */
struct listener_pool *listener_pool_new(const char *name, const char *identifier,
                                        long long buffer_size, char *const *events, size_t nevents,
                                        struct events *bus, struct loop *loop,
                                        const struct listener_ops *ops);
/* Unsubscribes, drops buffered and in-flight events, frees the members.
 * NULL ok. */
void listener_pool_free(struct listener_pool *p);
/* Add a member (in the pool's dispatch order). proc is passed to ops.
 * The pool owns the member. */
struct listener *listener_pool_add(struct listener_pool *p, const char *name, void *proc);
/* Something changed (a member's process state): try to dispatch soon. */
void listener_pool_kick(struct listener_pool *p);
/* Events waiting in the buffer (not counting those in flight). */
size_t listener_pool_buffered(const struct listener_pool *p);
/* Progress is due: a RUNNING member is BUSY with an event, or READY (or
 * about to be: its last answer was OK) while events are buffered.
 * Shutdown waits a little for these. */
bool listener_pool_pending(const struct listener_pool *p);
/* Dispatch now (the pool's timer does this; public for tests). */
void listener_pool_dispatch(struct listener_pool *p);

/* The member's process was spawned: ACKNOWLEDGED, parser reset. */
void listener_spawned(struct listener *l);
/* Bytes the member wrote on stdout: run the protocol. */
void listener_feed(struct listener *l, const void *data, size_t n);
/* The member's process was reaped: its in-flight event goes back to the
 * head of the pool's buffer (Supervisor's EventRejectedEvent). */
void listener_exited(struct listener *l);
enum listener_state listener_get_state(const struct listener *l);
/* The event in flight to l, or NULL. */
const struct event *listener_inflight(const struct listener *l);

const char *listener_state_name(enum listener_state s);

/* Parse a RESULT line's length as Python's int() of what follows the first
 * 7 bytes (unchecked): ASCII whitespace around, an optional sign, digits
 * with single '_' between them. Negative or too large -> false. */
bool listener_parse_resultlen(const char *line, size_t n, long long *out);

#endif
