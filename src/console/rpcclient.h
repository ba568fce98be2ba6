/* rpcclient: XML-RPC calls to supervisord nodes over libcurl's multi
 * interface, driven by our loop (curl's sockets are watched with
 * loop_add_io, its one timeout is a loop timer). Nothing blocks: a call is
 * started, and its done callback runs later from the loop with the value,
 * the fault or a transport error. Every call has a time cap. Connections to
 * a node are kept and reused (the multi handle's connection cache).
 *
 * A stream (rpcclient_stream) is a GET whose body is handed over as it
 * comes, for as long as the node sends it: the nodes' event stream.
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
    const char *url;       /* "http[s]://host:port/RPC2" (for unix: "http://localhost/RPC2") */
    const char *unix_path; /* non-NULL: connect to this unix socket instead */
    const char *ca_file;   /* https: the CA bundle (PEM); NULL: the system's */
    bool insecure;         /* https: no check of the node's certificate or name */
    const char *username;  /* NULL: no auth */
    const char *password;
    bool fresh; /* open a new connection (the cached ones may be dead) */
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
    long http_status;  /* the node's HTTP status; 0 if none came */
    bool not_a_stream; /* a stream answered 404 or with another Content-Type than
                        * text/event-stream: the node has no such stream */
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
/* The bytes of a stream, as they come (only from an HTTP 200 answer of
 * type text/event-stream). It runs inside curl: it must not start or cancel
 * calls (arm a timer for that). Returns 0, or -1 + e to end the stream:
 * done then reports RPCCLIENT_ERROR with e's text. */
typedef int (*rpcclient_data_fn)(void *arg, const char *p, size_t n, struct err *e);

/* Start GET url on t (t->url is not used) and hand its body to data as it
 * comes, with no cap on the whole: connect_timeout_ms caps only the
 * connection, so the owner watches for a stall itself. done runs once when
 * the stream ends, for whatever reason (status ERROR; "the event stream
 * ended" when the node closed it cleanly), unless cancelled. The rest is as
 * rpcclient_call. */
struct rpcclient_call *rpcclient_stream(struct rpcclient *c, const struct rpcclient_target *t,
                                        const char *url, long connect_timeout_ms,
                                        rpcclient_data_fn data, rpcclient_done_fn done, void *arg);
/* Drop a call in flight: done is not called. */
void rpcclient_cancel(struct rpcclient *c, struct rpcclient_call *call);
/* Calls in flight (tests, shutdown). */
unsigned rpcclient_active(const struct rpcclient *c);

#endif
