/* httpd: the HTTP server of [unix_http_server] and [inet_http_server],
 * libmicrohttpd in external-epoll mode nested in our loop, on the listening
 * sockets httpsock.c made. It owns connections, limits (connections, memory,
 * body size, per-connection timeout), HTTP Basic auth per server (plain or
 * {SHA} passwords, constant-time compare, 401 + WWW-Authenticate) and the
 * suspend/resume and streaming plumbing; what a request means is the
 * handler's business (rpc, logtail, web). Kept thin so the library could be
 * swapped.
 *
 * Who closes what: httpd only borrows the listening fds (MHD works on its own
 * duplicates and closes those). The caller keeps each fd, must not watch it
 * in the loop while httpd serves it (accepts would race), and closes it with
 * httpsock_close() after httpd_free() (that also unlinks a unix socket). */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"

struct loop;
struct httpd;
struct httpd_req;

/* Called once per authenticated request, with the whole body read. The
 * handler either answers now (httpd_respond / httpd_stream_begin /
 * httpd_close) or keeps req and answers later: a request not answered when
 * the handler returns is suspended until it is. A suspended request cannot
 * time out on its own: the handler caps its wait with its own timer. */
typedef void (*httpd_handler)(void *arg, struct httpd_req *req);
/* Called when a kept request ends without an answer from us (client gone,
 * server freed), or a stream before httpd_stream_end; the handler must drop
 * req (it is freed right after) and must not call httpd on it. arg is the
 * data given to httpd_req_set_data. Not called after httpd_respond,
 * httpd_stream_end or httpd_close. */
typedef void (*httpd_abort_cb)(void *arg, struct httpd_req *req);

#define HTTPD_MAX_BODY (2u * 1024 * 1024) /* 413 above */
#define HTTPD_MAX_CONNECTIONS 512u        /* per server */
/* Per connection: headers and buffers. MHD zeroes it for every request, so
 * it is kept small; longer headers get 431. */
#define HTTPD_CONN_MEMORY (16u * 1024)
/* Seconds a connection may sit idle (keep-alive) or stall mid-request
 * (a body shorter than its Content-Length) before it is closed. Python's
 * medusa has none; a cap keeps stalled clients from holding slots forever. */
#define HTTPD_CONN_TIMEOUT 300u

/* Serve the n listening fds (fds[i] belongs to servers[i]). The fds are
 * borrowed (see above); servers are read now and not kept. NULL + e
 * (ERR_SYSTEM) on failure; the fds are then untouched. */
struct httpd *httpd_new(struct loop *l, const struct server_config *servers, const int *fds,
                        size_t n, httpd_handler handler, void *arg, struct err *e);
/* Stop serving: pending requests get their abort callback, every connection
 * is closed; the listening fds stay open for the caller. Never call it from
 * inside a handler (use loop_defer). NULL ok. */
void httpd_free(struct httpd *h);

/* Idle/stall timeout for requests that start from now on (seconds, > 0). */
void httpd_set_timeout(struct httpd *h, unsigned secs);
/* Requests in flight (read, being handled, waiting or streaming). */
size_t httpd_active(const struct httpd *h);

/* Accessors: valid until the request is answered or aborted. Strings are
 * owned by httpd. The path is %xx-decoded, without the query. */
const char *httpd_req_method(const struct httpd_req *r);
const char *httpd_req_path(const struct httpd_req *r);
const char *httpd_req_version(const struct httpd_req *r);                  /* "HTTP/1.1" */
const char *httpd_req_query(const struct httpd_req *r, const char *key);   /* NULL if absent */
const char *httpd_req_header(const struct httpd_req *r, const char *name); /* NULL if absent;
                                                                              name caseless */
const char *httpd_req_body(const struct httpd_req *r, size_t *len);        /* NUL-terminated */
/* Which server (index into httpd_new's arrays) the request came to. */
size_t httpd_req_server(const struct httpd_req *r);
/* Per-request pointer for the handler's own state. */
void httpd_req_set_data(struct httpd_req *r, void *data, httpd_abort_cb on_abort);
void *httpd_req_data(const struct httpd_req *r);

/* Add a response header (before httpd_respond / httpd_stream_begin).
 * Headers go out in this order: Connection (when sent: libmicrohttpd puts
 * it first), "Server: Medusa/1.12", "Date", the added ones, Content-Type
 * (when content_type is given and none was added), then Content-Length or
 * Transfer-Encoding. An added Content-Length is ignored (the real length is
 * sent); an added "Connection: close" closes after the response. */
void httpd_add_header(struct httpd_req *r, const char *name, const char *value);
/* Answer with a complete body (copied). Ends the request from our side:
 * the handler drops req. content_type may be NULL (none sent). */
void httpd_respond(struct httpd_req *r, int status, const char *content_type, const char *body,
                   size_t len);
/* The same for a body built in b, handed over without a copy (big XML-RPC
 * results): b is left released. */
void httpd_respond_buf(struct httpd_req *r, int status, const char *content_type, struct buf *b);
/* The body is prefix (static), b (taken as above), suffix (static): a big
 * body goes out without being copied into a bigger one first. */
void httpd_respond_wrapped(struct httpd_req *r, int status, const char *content_type,
                           const char *prefix, struct buf *b, const char *suffix);
/* The body is prefix (static), data[0..len) and suffix (static), none
 * copied: release(arg) is called once data is no longer needed (at once if
 * the response cannot be made). For a body shared by several answers. */
void httpd_respond_parts(struct httpd_req *r, int status, const char *content_type,
                         const char *prefix, const char *data, size_t len, const char *suffix,
                         void (*release)(void *), void *arg);
/* Answer with medusa's HTML error page for status ("<p>Error code 404.\r\n
 * <p>Message: Not Found."), Content-Type: text/html, as Supervisor's
 * http_request.error does. Ends the request. */
void httpd_respond_error(struct httpd_req *r, int status);
/* Medusa's reason phrase for status ("Not Found"); "Unknown" if none. */
const char *httpd_reason(int status);
/* Drop the connection without any (more) response: mid-stream, the client
 * sees the body cut with no final chunk. Ends the request. */
void httpd_close(struct httpd_req *r);

/* Streaming: start a response of unknown length (chunked for HTTP/1.1,
 * close-delimited for 1.0), then write pieces as they come, then end.
 * Writes are buffered by httpd (unbounded: the writer paces itself); the
 * connection is resumed as needed. The handler keeps req until
 * httpd_stream_end or its abort callback. */
void httpd_stream_begin(struct httpd_req *r, int status, const char *content_type);
void httpd_stream_write(struct httpd_req *r, const void *data, size_t len);
/* Bytes written but not yet taken by the connection. */
size_t httpd_stream_pending(const struct httpd_req *r);
void httpd_stream_end(struct httpd_req *r);

#endif
