/* rpcclient: XML-RPC calls to supervisord nodes over libcurl's multi
 * interface, driven by our loop (curl's sockets are watched with
 * loop_add_io, its one timeout is a loop timer). Nothing blocks: a call is
 * started, and its done callback runs later from the loop with the value,
 * the fault or a transport error. Every call has a time cap. Connections to
 * a node are kept and reused (the multi handle's connection cache).
 *
 * It never puts credentials or URLs in its error texts: they reach the API
 * and the log. */
#ifndef RPCCLIENT_H
#define RPCCLIENT_H

#include <stdbool.h>

#include "err.h"
#include "xmlrpc.h"

struct loop;
struct rpcclient;
struct rpcclient_call;

/* Where a node listens. Borrowed by each call only while rpcclient_call()
 * runs (everything is copied into curl). */
struct rpcclient_target {
    const char *url;       /* "http://host:port/RPC2" (for unix: "http://localhost/RPC2") */
    const char *unix_path; /* non-NULL: connect to this unix socket instead */
    const char *username;  /* NULL: no auth */
    const char *password;
};

enum rpcclient_status {
    RPCCLIENT_OK,      /* value set */
    RPCCLIENT_FAULT,   /* fault_code, fault_string set */
    RPCCLIENT_TIMEOUT, /* the call's time cap passed; error set */
    RPCCLIENT_ERROR,   /* connection, HTTP status or malformed reply; error set */
};

struct rpcclient_result {
    enum rpcclient_status status;
    struct xmlrpc_value *value; /* OK: owned by rpcclient; the callback may take it (set NULL) */
    int fault_code;
    const char *fault_string; /* FAULT: borrowed for the callback's duration */
    const char *error; /* TIMEOUT/ERROR: borrowed, e.g. "cannot connect: Connection refused" */
};

/* Runs from the loop, never from inside rpcclient_call(). The call is freed
 * right after it returns: drop any pointer to it. The callback may start new
 * calls and cancel others. */
typedef void (*rpcclient_done_fn)(void *arg, struct rpcclient_result *r);

/* NULL + e (ERR_SYSTEM) if curl cannot be set up. Call curl_global_init once
 * before (main does). */
struct rpcclient *rpcclient_new(struct loop *l, struct err *e);
/* Cancels every call in flight (their callbacks are not called). NULL ok. */
void rpcclient_free(struct rpcclient *c);

/* Start method(params) on t; params is an ARRAY or NULL and is only read
 * now. timeout_ms caps the whole call (connect included). Returns the call,
 * owned by rpcclient until done (or cancelled); never NULL: a call that
 * cannot even start reports its error through done, from the loop. */
struct rpcclient_call *rpcclient_call(struct rpcclient *c, const struct rpcclient_target *t,
                                      const char *method, const struct xmlrpc_value *params,
                                      long timeout_ms, rpcclient_done_fn done, void *arg);
/* Drop a call in flight: done is not called. */
void rpcclient_cancel(struct rpcclient *c, struct rpcclient_call *call);
/* Calls in flight (tests, shutdown). */
unsigned rpcclient_active(const struct rpcclient *c);

#endif
