/* http: the console's HTTP server: libmicrohttpd in external-epoll mode
 * nested in our loop (as supervisord's httpd.c does), on one listening
 * socket it creates itself. It owns connections, limits and the
 * suspend/resume plumbing: a request not answered when the handler returns
 * waits (suspended) until http_respond, and the handler hears through its
 * abort callback if the client leaves first. What a request means is the
 * handler's (api.c). An idle server arms no timer. */
#ifndef CONSOLE_HTTP_H
#define CONSOLE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "hdr.h"

struct buf;
struct loop;
struct http;
struct http_req;

typedef void (*http_handler)(void *arg, struct http_req *req);
/* A kept request ended without an answer (client gone, server freed): drop
 * req; it is freed right after. */
typedef void (*http_abort_cb)(void *data, struct http_req *req);

#define HTTP_MAX_BODY (64u * 1024) /* request bodies: 413 above */
#define HTTP_MAX_CONNECTIONS 256u
#define HTTP_CONN_TIMEOUT 120u /* seconds idle or stalled mid-request */

/* HTTPS: PEM text (NUL-terminated), borrowed for the server's life. */
struct http_tls {
    const char *cert_pem; /* the certificate, then its chain */
    const char *key_pem;  /* its private key, unencrypted */
};

/* TLS 1.2 at least: older versions have known weaknesses. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"

/* Listen on host:port (numeric address; port 0 picks a free one) and serve,
 * over TLS when tls is non-NULL (plain HTTP on that port is then refused:
 * the handshake fails). NULL + e (ERR_SYSTEM: "cannot listen on
 * 127.0.0.1:9100: Address in use"; "cannot start the HTTPS server ..."). */
struct http *http_new(struct loop *l, const char *host, int port, const struct http_tls *tls,
                      http_handler handler, void *arg, struct err *e);
/* Kept requests get their abort callback; every connection is closed. Not
 * from inside a handler. NULL ok. */
void http_free(struct http *h);
/* The port actually bound (for port 0). */
int http_port(const struct http *h);

/* Accessors, valid until the request is answered or aborted; strings are
 * http's. The path is %xx-decoded, without the query. */
const char *http_req_method(const struct http_req *r);
const char *http_req_path(const struct http_req *r);
const char *http_req_query(const struct http_req *r, const char *key);   /* NULL if absent */
const char *http_req_header(const struct http_req *r, const char *name); /* caseless */
/* The client's numeric address ("127.0.0.1", "::1"; "?" if unknown): the
 * peer's, or, when the peer is a trusted proxy, the one its
 * X-Forwarded-For names (hdr_forwarded_client). */
const char *http_req_client(struct http_req *r);
/* The request body (NUL-terminated; *len bytes). */
const char *http_req_body(const struct http_req *r, size_t *len);
void http_req_set_data(struct http_req *r, void *data, http_abort_cb on_abort);

/* Proxies (numeric, as hdr_numeric_addr writes them; borrowed until the
 * next call or http_free) whose X-Forwarded-For header is believed
 * (hdr_forwarded_client). None by default: the header is then ignored, as
 * anyone can send it. */
void http_set_trusted_proxies(struct http *h, char *const *addrs, size_t n);
/* Answers of HTTP_GZIP_MIN bytes or more are sent gzipped to a client
 * whose Accept-Encoding takes gzip (hdr_accepts_gzip), with "Vary:
 * Accept-Encoding". */
#define HTTP_GZIP_MIN 1024

/* Before http_respond. */
void http_add_header(struct http_req *r, const char *name, const char *value);
/* Answer (body copied). Ends the request from our side: drop req. */
void http_respond(struct http_req *r, int status, const char *content_type, const char *body,
                  size_t len);
/* The same, taking b's bytes instead of copying them (a big answer is not
 * held twice); b is left released. */
void http_respond_buf(struct http_req *r, int status, const char *content_type, struct buf *b);

#endif
