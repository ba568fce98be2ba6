/* node: one supervisord the console watches, and its XML-RPC client state
 * machine. Polls getAllProcessInfo every poll_interval (after a connect
 * that also reads the version, identification and state in one
 * system.multicall); a failed poll marks the node offline with the error
 * and retries with a doubling delay capped at retry_max; the first good
 * answer brings it back. One call in flight for polling at a time; actions
 * go through node_call. Speaks plain Supervisor XML-RPC: Python's
 * supervisord and ours alike. */
#ifndef CONSOLE_NODE_H
#define CONSOLE_NODE_H

#include <stdbool.h>

#include "config.h"
#include "loop.h"
#include "rpcclient.h"
#include "xmlrpc.h"

struct node {
    const struct config_node *cfg; /* borrowed from the config (outlives the node) */
    const struct config *conf;     /* borrowed: intervals and caps */
    struct loop *loop;             /* borrowed */
    struct rpcclient *rc;          /* borrowed */
    struct rpcclient_target target;
    bool online;
    double last_seen;               /* wall clock of the last good answer; 0: never */
    char *error;                    /* owned: why it is offline; NULL when online */
    char *version;                  /* owned: getSupervisorVersion, NULL until connected */
    char *identification;           /* owned */
    char *state_name;               /* owned: getState's statename at connect */
    struct xmlrpc_value *processes; /* owned ARRAY of getAllProcessInfo structs (last good
                                     * poll, kept while offline); NULL: never seen */
    struct rpcclient_call *poll;    /* in flight, owned by rc; NULL if none */
    bool connected;                 /* connect multicall done since the last failure */
    bool poll_again;                /* poll as soon as the one in flight ends */
    int failures;                   /* in a row */
    int64_t poll_started;           /* monotonic ms */
    struct loop_timer timer;        /* next poll */
};

void node_init(struct node *n, const struct config_node *cfg, const struct config *conf,
               struct loop *l, struct rpcclient *rc);
/* Cancels the poll in flight and the timer. */
void node_release(struct node *n);
/* Poll now (start; after an action, so the overview follows at once). */
void node_poll_now(struct node *n);

/* An action: method(params) on this node with the action timeout; params
 * is only read now. The call belongs to rc until done (see rpcclient.h);
 * cancel it with rpcclient_cancel(n->rc, call). */
struct rpcclient_call *node_call(struct node *n, const char *method,
                                 const struct xmlrpc_value *params, rpcclient_done_fn done,
                                 void *arg);

#endif
