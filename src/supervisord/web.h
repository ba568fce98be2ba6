/* web: the HTTP paths other than /RPC2 and the log tails: /metrics
 * (metrics.c), the JSON API under /api/v1/ (api.c) with its event stream
 * /api/v1/events (sse.c), Supervisor 4.2.5's pages (/, /index.html,
 * /tail.html, /ok.html) with their stylesheet, and the dashboard
 * (/dashboard/: the files of src/supervisord/web/).
 * Owned by the rpc layer, which routes to it; auth is httpd's. */
#ifndef WEB_H
#define WEB_H

#include "process.h"

struct rpc;
struct proc;
struct httpd_req;
struct web;

/* A web layer over r (borrowed; must outlive it). Never fails. */
struct web *web_new(struct rpc *r);
/* Drops the requests still waiting (without an answer). NULL ok. */
void web_free(struct web *w);

/* Answer req (any method, any path rpc.c does not claim), now or later:
 * a waiting action keeps req until its calls finish. Unknown paths get
 * what Supervisor's static handler answers (GET/HEAD 404, else 400). */
void web_handle(struct web *w, struct httpd_req *req);

/* Called after every process state change (rpc.c's change hook): counts
 * for /metrics, the dashboard's feed, re-polls waiting page and API
 * actions. */
void web_note_change(struct web *w, const struct proc *pr, enum proc_state from);

#endif
