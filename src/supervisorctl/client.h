/* client: supervisorctl's side of the wire. XML-RPC calls over HTTP/1.1 on a
 * unix socket or TCP (a fresh connection per call, as each Python
 * ServerProxy makes), Basic auth, and the streaming GET of /logtail and
 * /mainlogtail. Errors are reported as the Python exception supervisorctl
 * would have caught or printed, so callers can reproduce its messages.
 * A small HTTP client of our own: libcurl's start-up alone (~8 ms, its TLS
 * and friends) would cost more than the whole command should. */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "xmlrpc.h"

struct client_conf {
    const char *serverurl; /* "unix:///path" or "http://host[:port]" (borrowed) */
    const char *username;  /* NULL = None */
    const char *password;  /* NULL = None */
};

enum client_kind {
    CLIENT_OK,      /* value set */
    CLIENT_FAULT,   /* fault_code, fault_string set */
    CLIENT_OSERROR, /* sys_errno set (connect/send/recv failed) */
    CLIENT_HTTP,    /* http_status set (non-200: xmlrpc ProtocolError) */
    CLIENT_OTHER,   /* anything else: exc has the whole Python text */
};

struct client_result {
    enum client_kind kind;
    struct xmlrpc_value *value; /* owned */
    int fault_code;
    char *fault_string;         /* owned */
    int sys_errno;
    int http_status;
    /* Python's "<class 'X'>, <str>: file: F line: N" for every kind but OK
     * and FAULT (a fault is raised where the caller decides). Owned. */
    char *exc;
};

void client_result_release(struct client_result *r);

/* Call method with params (an ARRAY or NULL; borrowed). Fills r (released by
 * the caller, also on failure). Returns r->kind. */
enum client_kind client_call(const struct client_conf *c, const char *method,
                             const struct xmlrpc_value *params, struct client_result *r);

/* ---- the /logtail stream ---- */

/* The incremental parser of supervisorctl's tail client
 * (http_client.py:HTTPHandler), with its quirks: chunk sizes read as
 * int(line.split()[0], 16), empty size lines skipped, a zero chunk enters a
 * trailer state that never ends, a plain body is read to Content-Length. */
enum tailp_state {
    TAILP_STATUS, TAILP_HEADERS, TAILP_SIZE, TAILP_CHUNK, TAILP_BODY, TAILP_TRAILER,
    TAILP_DONE,   /* closed: non-200 status, end of a plain body, or bad input */
};
struct tailp {
    enum tailp_state state;
    struct buf line;     /* pending bytes (owned) */
    bool chunked;
    long long length;    /* Content-Length / current chunk size */
    long long got;
    int status;          /* HTTP status once read */
    bool error;          /* bad input (Python would raise: handle_error) */
};
struct tailp_sink {
    void (*data)(void *ctx, const char *p, size_t n); /* a piece of body */
    void *ctx;
};
void tailp_init(struct tailp *t);
void tailp_release(struct tailp *t);
/* Feed bytes; returns the state (TAILP_DONE: stop reading). */
enum tailp_state tailp_feed(struct tailp *t, const char *p, size_t n,
                            const struct tailp_sink *sink);

/* A connected stream: GET path sent. Returns the fd, or -1 with errno. */
int client_stream_open(const struct client_conf *c, const char *path);

/* Connect to the server of serverurl. Returns the fd or -1: *err_errno is
 * the errno (or 0 and *exc the Python text for other failures: unknown
 * scheme, name resolution). */
int client_connect(const char *serverurl, int *err_errno, char **exc);

#endif
