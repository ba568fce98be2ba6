/* node: one supervisord the console watches, and its client state machine.
 * On connect it reads the version, identification, state and every process
 * in one system.multicall. Then, where the node offers an event stream
 * (ours: GET /api/v1/events), it subscribes: the snapshot and change events
 * keep the processes fresh and periodic polls stop (a safety poll every
 * NODE_SAFETY_POLLS poll intervals, at least NODE_SAFETY_MIN_MS, re-syncs);
 * where it has none (Python's: 404) it polls getAllProcessInfo every
 * poll_interval. A failed poll, a stalled stream (nothing for the node's
 * event period plus the timeout) or a malformed stream marks the node
 * offline with the error and retries with a doubling delay capped at
 * retry_max; the first good answer brings it back (and subscribes again).
 * A stream that just ends is checked with a poll 0.1 s later. One poll in
 * flight at a time; actions go through node_call. Speaks plain Supervisor
 * XML-RPC: Python's supervisord and ours alike. */
#ifndef CONSOLE_NODE_H
#define CONSOLE_NODE_H

#include <stdbool.h>

#include "config.h"
#include "loop.h"
#include "proctab.h"
#include "rpcclient.h"
#include "sse_client.h"
#include "xmlrpc.h"

#define NODE_EVENT_MAX (4u << 20) /* bytes of one event: a snapshot of ~20,000 processes */
#define NODE_SAFETY_POLLS 10      /* subscribed: poll every that many poll intervals */
#define NODE_SAFETY_MIN_MS 60000  /* ... and not more often than that */

struct node {
    const struct config_node *cfg; /* borrowed from the config (outlives the node) */
    const struct config *conf;     /* borrowed: intervals and caps */
    struct loop *loop;             /* borrowed */
    struct rpcclient *rc;          /* borrowed */
    struct rpcclient_target target;
    bool online;
    double last_seen;            /* wall clock of the last good answer; 0: never */
    char *error;                 /* owned: why it is offline; NULL when online */
    char *version;               /* owned: getSupervisorVersion, NULL until connected */
    char *identification;        /* owned */
    char *state_name;            /* owned: getState's statename at connect */
    struct proctab processes;    /* sorted by group then name (last good poll or event,
                                  * kept while offline); empty until seen */
    struct rpcclient_call *poll; /* in flight, owned by rc; NULL if none */
    bool connected;              /* connect multicall done since the last failure */
    bool poll_again;             /* poll as soon as the one in flight ends */
    int failures;                /* in a row */
    int64_t poll_started;        /* monotonic ms */
    struct loop_timer timer;     /* next poll */

    /* the event stream */
    char *events_url;              /* owned: the node's /api/v1/events */
    struct rpcclient_call *stream; /* in flight, owned by rc; NULL if none */
    struct sse_client sse;         /* its parser */
    bool subscribed;               /* the stream's snapshot came: no periodic poll */
    long long clock_skew;          /* its clock minus ours (s), as of its last event */
    bool no_events;                /* the node has no event stream: poll (until offline) */
    bool stream_bad;               /* the stream sent what we refuse: offline */
    int stream_failures;           /* streams lost or refused in a row */
    int64_t stream_retry_at;       /* monotonic ms: no new stream before */
    long stall_ms;                 /* no byte for that long: the stream stalled */
    struct loop_timer stall;       /* re-armed by every read: fires only on a stall */
    unsigned long events_seen;     /* snapshot and change events applied */
    unsigned long poll_events;     /* events_seen when the poll in flight started */
    bool fields_missing;           /* processes the events told of, not yet polled */
    bool fresh_next;               /* the next poll opens a new connection */
};

void node_init(struct node *n, const struct config_node *cfg, const struct config *conf,
               struct loop *l, struct rpcclient *rc);
/* Cancels the poll in flight and the timer. */
void node_release(struct node *n);
/* Poll now (start; after an action, so the overview follows at once). A
 * subscribed node is not polled: its change events follow the action. */
void node_poll_now(struct node *n);

/* An action: method(params) on this node with the action timeout; params
 * is only read now. The call belongs to rc until done (see rpcclient.h);
 * cancel it with rpcclient_cancel(n->rc, call). */
struct rpcclient_call *node_call(struct node *n, const char *method,
                                 const struct xmlrpc_value *params, rpcclient_done_fn done,
                                 void *arg);

#endif
