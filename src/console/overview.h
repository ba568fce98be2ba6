/* overview: the JSON of GET /api/v1/processes written by hand, straight
 * from the nodes' process structs into one buffer: no JSON tree is built
 * (for 5,000 processes a tree costs tens of milliseconds and megabytes).
 * The output is the value jsonv_from_xmlrpc gives, written compactly, with
 * raw UTF-8 (bytes that are not UTF-8 become U+FFFD, as jsonv does). */
#ifndef CONSOLE_OVERVIEW_H
#define CONSOLE_OVERVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "proctab.h"
#include "xmlrpc.h"

/* A JSON string of s[0..n). */
void overview_string(struct buf *b, const char *s, size_t n);
/* Any XML-RPC value as JSON (structs as objects in member order). */
void overview_value(struct buf *b, const struct xmlrpc_value *v);
/* One process of the overview: the members of p (a getAllProcessInfo
 * struct) plus "node", "environment" and "node_online", which win over
 * members of those names from the node. node and env may be NULL (null). */
void overview_process(struct buf *b, const struct xmlrpc_value *p, const char *node,
                      const char *env, bool online);

/* The same for a process of a proctab: the bytes overview_process writes
 * for its getAllProcessInfo struct (proctab_to_xmlrpc), without building
 * it. now > 0 (the node's clock, in seconds): a RUNNING process's "now"
 * and uptime are as of then, not as of the list (a subscribed node's list
 * is as of its last event, which may be minutes old). */
void overview_proc(struct buf *b, const struct proctab_proc *p, const char *node, const char *env,
                   bool online, long long now);

#endif
