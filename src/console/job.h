/* job: one bulk action (start, stop or restart of many processes across
 * nodes) and its progress, and the list of recent jobs. The state machine
 * only: how an item is carried out is the runner's (struct job_ops; bulk.c
 * calls the nodes, the unit tests a fake). A job runs at most `width`
 * items at a time: a rolling job its N, stopping at the first failure (the
 * pending items are then "skipped"), any other JOB_PARALLEL and never
 * stopping. Cancel drops the pending items and the calls in flight. The
 * list keeps the newest JOBS_KEEP jobs; a finished one is dropped first. */
#ifndef CONSOLE_JOB_H
#define CONSOLE_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOBS_KEEP 100
#define JOB_PARALLEL 64     /* calls in flight for one non-rolling job */
#define JOB_ITEMS_MAX 10000 /* targets of one job */

enum job_action { JOB_START, JOB_STOP, JOB_RESTART };
enum job_state { JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };
enum job_item_state {
    ITEM_PENDING,
    ITEM_RUNNING,
    ITEM_OK,
    ITEM_ERROR,
    ITEM_SKIPPED,
    ITEM_CANCELLED
};

struct job_item {
    char *node, *name;       /* owned: node name, namespec */
    char *environment;       /* owned: the node's when the job was made */
    void *ref;               /* borrowed: the runner's (bulk.c: struct node *); NULL
                              * once jobs_drop_ref ended the item */
    enum job_item_state state;
    int err_code;                   /* ITEM_ERROR */
    char *err_name, *err_message;   /* owned, ITEM_ERROR only */
    void *call;                     /* the runner's, while ITEM_RUNNING */
};

struct job;

struct job_ops {
    /* Start it (a job's item) and return a handle for cancel (may be
     * NULL); later, from the loop, report with job_item_done. Never report
     * from inside start. */
    void *(*start)(void *ctx, struct job *j, struct job_item *it);
    /* Drop the call of a running item: it is never reported. */
    void (*cancel)(void *ctx, struct job *j, struct job_item *it);
    /* it has reached its final state (ok, error, skipped, cancelled). */
    void (*ended)(void *ctx, struct job *j, struct job_item *it);
    /* j has ended (done, failed or cancelled), after its items' ended.
     * May be NULL. */
    void (*finished)(void *ctx, struct job *j);
};

struct jobs {
    struct job *head; /* owned list, newest first */
    size_t n;
    uint64_t next_id;
    const struct job_ops *ops; /* borrowed */
    void *ctx;
};

struct job {
    uint64_t id;
    enum job_action action;
    char *user; /* owned: who started it */
    double created, finished; /* Unix time; finished 0 while running */
    enum job_state state;
    unsigned rolling; /* 0: not rolling */
    unsigned width;   /* items at a time */
    struct job_item *items; /* owned array */
    size_t n, cap;
    size_t next;            /* first item not started yet */
    size_t running, ok, failed;
    struct jobs *owner;
    struct job *prev, *next_job;
};

const char *job_action_name(enum job_action a);
int job_action_parse(const char *s); /* -1 if none */
const char *job_state_name(enum job_state s);
const char *job_item_state_name(enum job_item_state s);

void jobs_init(struct jobs *js, const struct job_ops *ops, void *ctx);
/* Drops every job; running calls are cancelled through ops->cancel (no
 * ended). */
void jobs_release(struct jobs *js);
/* Jobs running now (a new one is refused at JOBS_KEEP). */
size_t jobs_running(const struct jobs *js);
struct job *jobs_find(struct jobs *js, uint64_t id);

/* A new job, not yet listed nor started (add items, then job_start, or
 * job_free). rolling 0: not rolling. */
struct job *job_new(enum job_action a, const char *user, unsigned rolling, double now);
void job_add_item(struct job *j, const char *node, const char *name, const char *environment,
                  void *ref);
void job_free(struct job *j);
/* List j first in js (dropping the oldest finished jobs beyond JOBS_KEEP)
 * and start its first items. A job with no item is done at once. */
void job_start(struct jobs *js, struct job *j, double now);
/* The runner's report of a running item: ok, or the error's code, name
 * and message (copied). Starts what comes next. */
void job_item_done(struct job *j, struct job_item *it, bool ok, int code, const char *name,
                   const char *message, double now);
/* Cancel a running job: pending items and running calls become cancelled.
 * -1 if it is not running. */
int job_cancel(struct job *j, double now);
/* The runner's ref (bulk.c: a node removed by a reload) is gone: the items
 * on it that have not ended end now as errors (code, name, message),
 * running ones cancelled first through ops->cancel; every item's pointer
 * to it is cleared. The jobs go on with their other items (a rolling one
 * stops, as at any failure). */
void jobs_drop_ref(struct jobs *js, const void *ref, int code, const char *name,
                   const char *message, double now);
/* The job as the API shows it (a new reference). */
json_t *job_json(const struct job *j);
/* The same with each item's environment: what job_from_json reads back. */
json_t *job_saved_json(const struct job *j);
/* A finished job from job_saved_json's form (as a restarted console lists
 * it); NULL if o is not one (any field missing or of the wrong type). */
struct job *job_from_json(const json_t *o);
/* List a finished job read back, after (older than) those listed, as long
 * as fewer than JOBS_KEEP are; new jobs are numbered after it. false: not
 * listed (full, or its id taken), j still the caller's. */
bool jobs_restore(struct jobs *js, struct job *j);

#endif
