/* api: the console's JSON API (jansson) over http.c: the nodes, every
 * process of every node, and actions forwarded to a node's XML-RPC; it
 * routes logins and users to account.c, bulk actions and jobs to bulk.c. An
 * action's request stays open until the node answers or the action times
 * out; a client that leaves cancels its call. Every route but login needs
 * a session (cookie) and every POST its CSRF token; roles and environments
 * are enforced here, and every action and login goes to the activity log.
 * Routes and errors: doc/console.md. Never shows node credentials. */
#ifndef CONSOLE_API_H
#define CONSOLE_API_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "hasher.h"
#include "http.h"
#include "loop.h"
#include "node.h"
#include "store.h"

struct api;

/* All borrowed; they must outlive the api. The hasher is attached to l
 * here, and the store's activity log pruned to cfg->audit_keep rows. */
struct api *api_new(const struct config *cfg, struct loop *l, struct node **nodes, size_t n,
                    struct store *store, struct hasher *hasher);
/* Cancels the actions, jobs and hashes in flight (call after http_free,
 * which aborts their requests). NULL ok. */
void api_free(struct api *a);
/* A reload (SIGHUP): the config and nodes from now on, borrowed as in
 * api_new (server_name, audit_keep and the nodes apply at once). Call
 * api_node_gone first for every node that is not among them. */
void api_reload(struct api *a, const struct config *cfg, struct node **nodes, size_t n);
/* n leaves: its actions and log reads in flight are answered 503
 * NODE_REMOVED (their calls dropped), its bulk items end as errors. n is
 * still valid during the call. */
void api_node_gone(struct api *a, struct node *n);
/* The http_handler: arg is the api. */
void api_handle(void *arg, struct http_req *req);
/* Whether a Host header (NULL: none, HTTP/1.0) names this console: a
 * loopback name or one of the config's server_name, any port. A page of
 * another site (DNS rebinding) sends its own name. */
bool api_host_ok(const struct api *a, const char *host);

#endif
