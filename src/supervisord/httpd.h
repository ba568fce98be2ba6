/* httpd: the HTTP server of [unix_http_server] and [inet_http_server],
 * libmicrohttpd in external-epoll mode nested in our loop, on the listening
 * sockets httpsock.c made. It owns connections, limits (connections, memory,
 * body size, per-connection timeout), HTTP Basic auth per server (plain or
 * {SHA} passwords, constant-time compare, 401 + WWW-Authenticate) and the
 * suspend/resume and streaming plumbing; what a request means is the
 * handler's business (rpc, logtail, web). Kept thin so the library could be
 * swapped. */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

struct loop;
struct httpd;
struct httpd_req;

/* Called once per authenticated request, with the whole body read. The
 * handler either answers now (httpd_respond / httpd_stream_begin) or keeps
 * req and answers later: a request not answered when the handler returns is
 * suspended until it is. */
typedef void (*httpd_handler)(void *arg, struct httpd_req *req);
/* Called when a kept request ends without an answer from us (client gone,
 * server freed); the handler must drop req. May be NULL. */
typedef void (*httpd_abort_cb)(void *arg, struct httpd_req *req);

#define HTTPD_MAX_BODY (2u * 1024 * 1024) /* 413 above */

/* Serve the n listening fds (fds[i] belongs to servers[i]); httpd takes
 * ownership of the fds. NULL + e on failure. */
struct httpd *httpd_new(struct loop *l, const struct server_config *servers, const int *fds,
                        size_t n, httpd_handler handler, void *arg, struct err *e);
/* Stop serving, abort pending requests, close the listening fds. NULL ok. */
void httpd_free(struct httpd *h);

const char *httpd_req_method(const struct httpd_req *r);
const char *httpd_req_path(const struct httpd_req *r);       /* without the query */
const char *httpd_req_query(const struct httpd_req *r, const char *key); /* NULL if absent */
const char *httpd_req_header(const struct httpd_req *r, const char *name); /* NULL if absent */
const char *httpd_req_body(const struct httpd_req *r, size_t *len);
/* Per-request pointer for the handler's own state. */
void httpd_req_set_data(struct httpd_req *r, void *data, httpd_abort_cb on_abort);
void *httpd_req_data(const struct httpd_req *r);

/* Add a response header (before httpd_respond / httpd_stream_begin). */
void httpd_add_header(struct httpd_req *r, const char *name, const char *value);
/* Answer with a complete body (copied). Ends the request from our side. */
void httpd_respond(struct httpd_req *r, int status, const char *content_type, const char *body,
                   size_t len);
/* Drop the connection without any response. */
void httpd_close(struct httpd_req *r);

/* Streaming: start a response of unknown length (chunked for HTTP/1.1),
 * then write pieces as they come, then end. Writes are buffered by httpd;
 * the connection is resumed as needed. */
void httpd_stream_begin(struct httpd_req *r, int status, const char *content_type);
void httpd_stream_write(struct httpd_req *r, const void *data, size_t len);
void httpd_stream_end(struct httpd_req *r);

#endif
