/* bulk: the routes of bulk actions and their jobs (doc/console.md):
 * POST /api/v1/actions resolves a selection (selector.h) against the nodes'
 * last known processes into a job (job.h) and answers 202 at once; the job
 * runs from the loop, one XML-RPC call per target (node_call, capped by
 * action_timeout): start and stop with wait=True, restart as a multicall of
 * stop then start (a stopped process is fine), so a rolling restart moves
 * on only once a process is RUNNING. Roles and environments are checked for
 * every target before anything runs; each target's outcome goes to the
 * activity log. GET /api/v1/jobs[/<id>], POST /api/v1/jobs/<id>/cancel. */
#ifndef CONSOLE_BULK_H
#define CONSOLE_BULK_H

#include <stddef.h>

#include "http.h"
#include "node.h"
#include "session.h"
#include "store.h"

struct bulk;

/* nodes (an array of n pointers) and store are borrowed and outlive the
 * bulk (or until bulk_set_nodes). */
struct bulk *bulk_new(struct node **nodes, size_t n, struct store *store);
/* A reload: the nodes from now on (borrowed). Call bulk_node_gone first for
 * each node that is not among them. */
void bulk_set_nodes(struct bulk *b, struct node **nodes, size_t n);
/* n leaves (a reload removed or replaced it): the job items on it that have
 * not ended end as errors NODE_REMOVED, calls in flight dropped. */
void bulk_node_gone(struct bulk *b, struct node *n);
/* Cancels the calls in flight (no activity logged). NULL ok. */
void bulk_free(struct bulk *b);

void bulk_post_actions(struct bulk *b, struct http_req *req, const struct session *s);
void bulk_get_jobs(struct bulk *b, struct http_req *req, const struct session *s);
/* id: the path's text after /api/v1/jobs/ (checked here). */
void bulk_get_job(struct bulk *b, struct http_req *req, const struct session *s, const char *id);
void bulk_cancel_job(struct bulk *b, struct http_req *req, const struct session *s,
                     const char *id);

#endif
