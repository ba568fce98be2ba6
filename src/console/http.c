/* http: one libmicrohttpd daemon on a socket we make, driven from our loop:
 * MHD's epoll fd sits in our epoll set, one loop timer follows
 * MHD_get_timeout (nothing armed when idle). The pattern is supervisord's
 * httpd.c, cut down to what the console needs. */
#include "http.h"

#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "hdr.h"
#include "log.h"
#include "loop.h"
#include "xalloc.h"

struct http {
    struct loop *loop;    /* borrowed */
    struct MHD_Daemon *d; /* owned; closes the listening socket */
    int epfd;             /* MHD's, watched in our loop */
    int port;
    http_handler handler;
    void *arg;
    struct loop_timer timer;
    bool kicked;
    struct http_req *reqs; /* live requests */
    char last_log[256];    /* MHD's last message: why a start failed */
    char *const *trusted;  /* borrowed: http_set_trusted_proxies */
    size_t ntrusted;
};

struct header {
    char *name, *value;
};

struct http_req {
    struct http *h;
    struct MHD_Connection *conn; /* MHD's */
    char *method, *path;         /* owned */
    struct buf body;             /* up to HTTP_MAX_BODY */
    size_t received;
    struct header *hdrs; /* owned */
    size_t nhdrs, caphdrs;
    struct MHD_Response *resp; /* built, not yet queued */
    int status;
    void *data;
    http_abort_cb on_abort;
    int watch_fd;
    char client[HDR_ADDR_MAX]; /* numeric address, filled on first use */
    bool handled, in_handler, owned, suspended, gone, too_big;
    struct http_req *prev, *next;
};

/* ---- timer ---- */

static void rearm(struct http *h)
{
    if (h->kicked) {
        loop_timer_arm(h->loop, &h->timer, loop_now(h->loop));
        return;
    }
    MHD_UNSIGNED_LONG_LONG t;
    if (MHD_get_timeout(h->d, &t) != MHD_YES) {
        loop_timer_cancel(h->loop, &h->timer);
        return;
    }
    if (t > INT32_MAX)
        t = INT32_MAX;
    loop_timer_arm(h->loop, &h->timer, loop_clock_ms() + (int64_t)t);
}

static void timer_cb(struct loop *l, void *arg)
{
    (void)l;
    struct http *h = arg;
    h->kicked = false;
    MHD_run(h->d);
    rearm(h);
}

static void epoll_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)fd;
    (void)events;
    struct http *h = arg;
    MHD_run(h->d);
    rearm(h);
}

/* ---- suspend / resume ---- */

static void unwatch(struct http_req *r)
{
    if (r->watch_fd >= 0) {
        loop_del_io(r->h->loop, r->watch_fd);
        r->watch_fd = -1;
    }
}

static void resume(struct http_req *r)
{
    if (!r->suspended)
        return;
    unwatch(r);
    r->suspended = false;
    MHD_resume_connection(r->conn);
    /* MHD wants MHD_run after a resume, and its epoll fd may not wake */
    r->h->kicked = true;
    loop_timer_arm(r->h->loop, &r->h->timer, loop_now(r->h->loop));
}

/* A suspended connection is invisible to MHD: watch it for a hang-up. */
static void hangup_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)fd;
    (void)events;
    struct http_req *r = arg;
    r->gone = true;
    resume(r);
}

static void suspend(struct http_req *r)
{
    MHD_suspend_connection(r->conn);
    r->suspended = true;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci && r->watch_fd < 0 &&
        loop_add_io(r->h->loop, ci->connect_fd, EPOLLRDHUP, hangup_cb, r) == 0)
        r->watch_fd = ci->connect_fd;
}

/* ---- responses ---- */

static void headers_free(struct http_req *r)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        free(r->hdrs[i].name);
        free(r->hdrs[i].value);
    }
    free(r->hdrs);
    r->hdrs = NULL;
    r->nhdrs = r->caphdrs = 0;
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
    r->hdrs = xgrow(r->hdrs, &r->caphdrs, r->nhdrs + 1, sizeof *r->hdrs);
    r->hdrs[r->nhdrs].name = xstrdup(name);
    r->hdrs[r->nhdrs].value = xstrdup(value);
    r->nhdrs++;
}

static void respond_with(struct http_req *r, int status, const char *content_type,
                         struct MHD_Response *resp);

/* in[0..n) gzipped into out (fast level: the console's answers are big
 * and repetitive, ~15x smaller). false: not worth it or not possible. */
static bool gzip_into(const char *in, size_t n, struct buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (n > UINT_MAX || deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t cap = deflateBound(&zs, (uLong)n);
    buf_reserve(out, cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)(cap > UINT_MAX ? UINT_MAX : cap);
    int rc = deflate(&zs, Z_FINISH);
    out->len = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END && out->len < n;
}

/* The response for body[0..len), gzipped when the client takes it and the
 * body is big enough to gain; takes body when own (freed with free()). */
static struct MHD_Response *make_response(struct http_req *r, const char *body, size_t len,
                                          bool own)
{
    if (len >= HTTP_GZIP_MIN) {
        http_add_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        struct buf z;
        buf_init(&z);
        if (hdr_accepts_gzip(
                MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding")) &&
            gzip_into(body, len, &z)) {
            if (own)
                free((void *)(uintptr_t)body);
            http_add_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
            len = z.len;
            return MHD_create_response_from_buffer(len, buf_detach(&z), MHD_RESPMEM_MUST_FREE);
        }
        buf_release(&z);
    }
    if (!body)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    return MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                           own ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
}

void http_respond(struct http_req *r, int status, const char *content_type, const char *body,
                  size_t len)
{
    if (r->resp) {
        log_error("http: request '%s' answered twice", r->path);
        return;
    }
    respond_with(r, status, content_type, make_response(r, body, body ? len : 0, false));
}

void http_respond_buf(struct http_req *r, int status, const char *content_type, struct buf *b)
{
    if (r->resp) {
        log_error("http: request '%s' answered twice", r->path);
        buf_release(b);
        return;
    }
    size_t len = b->len;
    char *data = buf_detach(b); /* MHD frees it with free(), as xalloc allocates */
    respond_with(r, status, content_type, make_response(r, data, data ? len : 0, true));
}

static void respond_with(struct http_req *r, int status, const char *content_type,
                         struct MHD_Response *resp)
{
    if (!resp)
        abort(); /* only on out-of-memory */
    for (size_t i = 0; i < r->nhdrs; i++)
        MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    headers_free(r);
    r->resp = resp;
    r->status = status;
    r->owned = false;
    if (!r->in_handler)
        resume(r);
}

/* ---- requests ---- */

static struct http_req *req_new(struct http *h, struct MHD_Connection *conn, const char *method,
                                const char *url)
{
    struct http_req *r = xcalloc(1, sizeof *r);
    r->h = h;
    r->conn = conn;
    r->method = xstrdup(method);
    r->path = xstrdup(url);
    r->watch_fd = -1;
    buf_init(&r->body);
    r->next = h->reqs;
    if (h->reqs)
        h->reqs->prev = r;
    h->reqs = r;
    return r;
}

static void req_free(struct http_req *r)
{
    struct http *h = r->h;
    unwatch(r);
    if (r->prev)
        r->prev->next = r->next;
    else
        h->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    if (r->resp)
        MHD_destroy_response(r->resp);
    headers_free(r);
    buf_release(&r->body);
    free(r->method);
    free(r->path);
    free(r);
}

void http_set_trusted_proxies(struct http *h, char *const *addrs, size_t n)
{
    h->trusted = addrs;
    h->ntrusted = n;
}

/* Every X-Forwarded-For header, joined with commas, as RFC 9110 reads
 * repeated fields. */
static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct buf *b = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0 && b->len < 8192) {
        if (b->len)
            buf_putc(b, ',');
        buf_append(b, value, strlen(value));
    }
    return MHD_YES;
}

const char *http_req_client(struct http_req *r)
{
    if (!r->client[0]) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        socklen_t len = !sa                        ? 0
                        : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);
        char peer[HDR_ADDR_MAX];
        if (!sa || getnameinfo(sa, len, peer, sizeof peer, NULL, 0, NI_NUMERICHOST))
            snprintf(peer, sizeof peer, "?");
        struct buf xff;
        buf_init(&xff);
        if (r->h->ntrusted)
            MHD_get_connection_values(r->conn, MHD_HEADER_KIND, join_xff, &xff);
        hdr_forwarded_client(peer, xff.len ? xff.data : NULL, r->h->trusted, r->h->ntrusted,
                              r->client);
        buf_release(&xff);
    }
    return r->client;
}

static enum MHD_Result queue(struct http_req *r)
{
    struct MHD_Response *resp = r->resp;
    r->resp = NULL;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http *h = cls;
    struct http_req *r = *con_cls;
    if (!r) {
        *con_cls = req_new(h, conn, method, url);
        return MHD_YES;
    }
    if (*upload_data_size) {
        r->received += *upload_data_size;
        if (r->received > HTTP_MAX_BODY)
            r->too_big = true; /* read on, keep nothing: answered with 413 */
        else
            buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->gone)
        return MHD_NO;
    if (!r->handled) {
        r->handled = true;
        r->in_handler = true;
        if (r->too_big) {
            static const char msg[] = "{\"error\":{\"code\":0,\"name\":\"TOO_LARGE\","
                                      "\"message\":\"request body too large\"}}\n";
            http_respond(r, 413, "application/json", msg, sizeof msg - 1);
        } else {
            r->owned = true;
            h->handler(h->arg, r);
        }
        r->in_handler = false;
    }
    if (r->resp)
        return queue(r);
    suspend(r);
    return MHD_YES;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct http_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->owned) {
        r->owned = false;
        if (r->on_abort)
            r->on_abort(r->data, r);
    }
    req_free(r);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http *h = cls;
    struct buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    log_debug("http: %s", b.data);
    snprintf(h->last_log, sizeof h->last_log, "%s", b.data);
    buf_release(&b);
}

/* ---- accessors ---- */

const char *http_req_method(const struct http_req *r)
{
    return r->method;
}

const char *http_req_path(const struct http_req *r)
{
    return r->path;
}

const char *http_req_query(const struct http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_req_header(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
    *len = r->body.len;
    return r->body.data;
}

void http_req_set_data(struct http_req *r, void *data, http_abort_cb on_abort)
{
    r->data = data;
    r->on_abort = on_abort;
}

/* ---- the server ---- */

static int listen_on(const char *host, int port, int *bound, struct err *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &ai);
    if (rc != 0)
        return err_set(e, ERR_SYSTEM, "cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return err_set(e, ERR_SYSTEM, "cannot listen on %s:%d: %s", host, port, strerror(saved));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    *bound = port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            *bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return fd;
}

struct http *http_new(struct loop *l, const char *host, int port, const struct http_tls *tls,
                      http_handler handler, void *arg, struct err *e)
{
    int bound = port;
    int fd = listen_on(host, port, &bound, e);
    if (fd < 0)
        return NULL;
    struct http *h = xcalloc(1, sizeof *h);
    h->loop = l;
    h->handler = handler;
    h->arg = arg;
    h->port = bound;
    h->epfd = -1;
    loop_timer_init(&h->timer, timer_cb, h);
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        close(fd);
        free(h);
        err_set(e, ERR_SYSTEM, "cannot serve HTTPS: libmicrohttpd was built without TLS");
        return NULL;
    }
    /* The TLS options go through MHD_OPTION_ARRAY so that one call serves
     * both cases; without TLS the array is empty. MHD copies nothing: the
     * PEM strings are the config's, alive as long as the server. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? (void *)tls->cert_pem : NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? (void *)tls->key_pem : NULL},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!tls)
        tls_opts[0].option = MHD_OPTION_END;
    h->d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0), 0,
        NULL, NULL, access_cb, h,
        /* the logger first, to see errors from the options */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(64 * 1024), MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!h->d) {
        close(fd);
        err_set(e, ERR_SYSTEM, "cannot start the HTTP%s server on %s:%d%s%s", tls ? "S" : "", host,
                bound, h->last_log[0] ? ": " : "", h->last_log);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di || di->epoll_fd < 0 || loop_add_io(l, di->epoll_fd, EPOLLIN, epoll_cb, h) < 0) {
        http_free(h);
        err_set(e, ERR_SYSTEM, "cannot start the HTTP server: no epoll fd to watch");
        return NULL;
    }
    h->epfd = di->epoll_fd;
    rearm(h);
    return h;
}

int http_port(const struct http *h)
{
    return h->port;
}

void http_free(struct http *h)
{
    if (!h)
        return;
    for (struct http_req *r = h->reqs; r; r = r->next) {
        if (r->owned) {
            r->owned = false;
            if (r->on_abort)
                r->on_abort(r->data, r);
        }
        r->gone = true;
        resume(r);
    }
    if (h->epfd >= 0)
        loop_del_io(h->loop, h->epfd);
    MHD_stop_daemon(h->d);
    while (h->reqs)
        req_free(h->reqs);
    loop_timer_cancel(h->loop, &h->timer);
    free(h);
}
