/* api: the console's JSON API (jansson) over http.c: the nodes, every
 * process of every node, and actions forwarded to a node's XML-RPC. An
 * action's request stays open until the node answers or the action times
 * out; a client that leaves cancels its call. Every route but login needs
 * a session (cookie) and every POST its CSRF token; roles and environments
 * are enforced here, and every action and login goes to the activity log.
 * Routes and errors: doc/console.md. Never shows node credentials. */
#ifndef CONSOLE_API_H
#define CONSOLE_API_H

#include <stddef.h>

#include "http.h"
#include "node.h"
#include "store.h"

struct api;

/* nodes (n of them) and store are borrowed and must outlive the api. */
struct api *api_new(struct node *nodes, size_t n, struct store *store);
/* Cancels the actions in flight (call after http_free, which aborts their
 * requests). NULL ok. */
void api_free(struct api *a);
/* The http_handler: arg is the api. */
void api_handle(void *arg, struct http_req *req);

#endif
