/* events: the event bus. Supervisor's event types with their parent
 * hierarchy (EVENT > PROCESS_STATE > PROCESS_STATE_RUNNING, ...), payloads
 * rendered byte for byte as Python's event.payload(), the global serial,
 * subscriptions by type (a parent type matches every descendant), and the
 * TICK_* timers, armed only while some subscriber wants a TICK type (no
 * idle wake-ups otherwise). Listener pools (listener.c) are the
 * subscribers; the envelope and the per-pool serial are theirs. */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "loop.h"
#include "process.h"

/* In the order of Supervisor's EventTypes (the first name wins a lookup). */
enum event_type {
    EVT_EVENT,
    EVT_PROCESS_STATE,
    EVT_PROCESS_STATE_STOPPED,
    EVT_PROCESS_STATE_EXITED,
    EVT_PROCESS_STATE_STARTING,
    EVT_PROCESS_STATE_STOPPING,
    EVT_PROCESS_STATE_BACKOFF,
    EVT_PROCESS_STATE_FATAL,
    EVT_PROCESS_STATE_RUNNING,
    EVT_PROCESS_STATE_UNKNOWN,
    EVT_PROCESS_COMMUNICATION,
    EVT_PROCESS_COMMUNICATION_STDOUT,
    EVT_PROCESS_COMMUNICATION_STDERR,
    EVT_PROCESS_LOG,
    EVT_PROCESS_LOG_STDOUT,
    EVT_PROCESS_LOG_STDERR,
    EVT_REMOTE_COMMUNICATION,
    EVT_SUPERVISOR_STATE_CHANGE,
    EVT_SUPERVISOR_STATE_CHANGE_RUNNING,
    EVT_SUPERVISOR_STATE_CHANGE_STOPPING,
    EVT_TICK,
    EVT_TICK_5,
    EVT_TICK_60,
    EVT_TICK_3600,
    EVT_PROCESS_GROUP,
    EVT_PROCESS_GROUP_ADDED,
    EVT_PROCESS_GROUP_REMOVED,
    EVT_COUNT
};

/* A set of event types: bit (1u << type). */
typedef uint32_t event_mask;

/* One published event. Reference-counted: each pool buffer holding it and
 * each listener it is in flight to own one reference. */
struct event {
    int refs;
    enum event_type type;
    char *payload; /* owned, UTF-8, NUL-terminated */
    size_t len;    /* bytes */
    size_t nchars; /* Unicode characters: the envelope's len: (as Python's len(str)) */
    bool has_serial;
    uint64_t serial; /* assigned when the first subscriber takes it */
};

/* Borrows ev: take events_ref() to keep it beyond the call. */
typedef void (*events_cb)(void *arg, struct event *ev);

struct events_sub {
    event_mask mask;
    events_cb cb;
    void *arg;
};

struct events {
    struct loop *loop;       /* borrowed; NULL: no TICK timer (tests) */
    struct events_sub *subs; /* owned array */
    size_t nsubs, cap;
    event_mask wanted; /* union of the subscriptions */
    uint64_t serial;   /* the last serial handed out */
    bool any_serial;
    long long last_tick[3]; /* slice start of TICK_5/60/3600 seen last, -1: none */
    struct loop_timer tick_timer;
};

/* ---- types ---- */

const char *events_type_name(enum event_type t); /* "PROCESS_STATE_RUNNING" */
/* -1 if name is not an event type (names are exact, upper case). */
int events_type_by_name(const char *name);
/* The parent type; EVT_EVENT for the top-level ones, and for EVT_EVENT itself. */
enum event_type events_type_parent(enum event_type t);
/* t is ancestor or a descendant of it. */
bool events_type_is(enum event_type t, enum event_type ancestor);
/* Every type that t matches as a subscription (t and its descendants). */
event_mask events_type_mask(enum event_type t);
/* The PROCESS_STATE_* type of a process state. */
enum event_type events_state_type(enum proc_state s);

/* ---- the bus ---- */

/* The first TICK slices are taken now, as Supervisor does at startup. */
void events_init(struct events *b, struct loop *loop);
void events_release(struct events *b); /* drops subscriptions, cancels the tick timer */

/* Call cb for every event whose type is in mask. Each event reaches one
 * subscription once, however many of its types match (Supervisor delivers
 * it once per matching name). */
void events_subscribe(struct events *b, event_mask mask, events_cb cb, void *arg);
void events_unsubscribe(struct events *b, events_cb cb, void *arg);
/* Whether anyone subscribes to t now: callers skip building payloads. */
bool events_wanted(const struct events *b, enum event_type t);

/* Takes ownership of payload (malloc'd, NUL-terminated, len bytes). */
struct event *events_new(enum event_type t, char *payload, size_t len);
struct event *events_ref(struct event *ev);
void events_unref(struct event *ev); /* NULL ok */

/* Give ev to every matching subscriber (assigning the next serial if any
 * matches), then drop the caller's reference. b may be NULL (no bus). */
void events_publish(struct events *b, struct event *ev);

/* ---- payloads (Python's event.payload()) and publishing ---- */

/* Python's as_string(data), or "Undecodable: b'...'" (a bytes repr) when
 * data is not strict UTF-8. */
void events_put_text(struct buf *out, const void *data, size_t n);

/* PROCESS_STATE_<to>: "processname:P groupname:G from_state:S" plus
 * tries:N (STARTING, BACKOFF), pid:N (RUNNING, STOPPING, STOPPED),
 * expected:0|1 pid:N (EXITED). */
void events_state_payload(struct buf *out, enum proc_state to, const char *pname, const char *gname,
                          enum proc_state from, int tries, pid_t pid, bool expected);
void events_process_state(struct events *b, const struct process *p, const char *gname,
                          enum proc_state from);
/* PROCESS_LOG_STDOUT/STDERR ("...pid:N channel:C\n<data>") and
 * PROCESS_COMMUNICATION_STDOUT/STDERR ("...pid:N\n<data>"); undecodable
 * data becomes "Undecodable: b'...'" as in Python. */
void events_log_payload(struct buf *out, bool comm, const char *pname, const char *gname, pid_t pid,
                        const char *channel, const void *data, size_t n);
void events_process_output(struct events *b, bool comm, const char *channel, const char *pname,
                           const char *gname, pid_t pid, const void *data, size_t n);
/* REMOTE_COMMUNICATION: "type:T\n<data>". */
void events_remote(struct events *b, const char *type, const char *data, size_t n);
/* PROCESS_GROUP_ADDED / _REMOVED: "groupname:G\n". */
void events_group(struct events *b, bool added, const char *gname);
/* SUPERVISOR_STATE_CHANGE_RUNNING / _STOPPING: empty payload. */
void events_supervisor_state(struct events *b, bool running);
/* Publish TICK_* for every period whose slice changed since the last call
 * (wall-clock seconds now). The timer calls it; public for tests. */
void events_tick(struct events *b, double now);

#endif
