/* httpd: libmicrohttpd (MHD) daemons, one per listening socket, driven from
 * our loop: MHD's epoll fd sits in our epoll set and one loop timer follows
 * MHD_get_timeout, so an idle server arms nothing. Owns requests from first
 * header to completion; the meaning of a request is the handler's. */
#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "linger.h"
#include "log.h"
#include "loop.h"
#include "xalloc.h"
#include "xmlrpc.h"

struct httpd_server {
    struct httpd *h;      /* back pointer */
    size_t index;         /* position in httpd_new's arrays */
    char *section;        /* owned; for messages */
    char *username;       /* owned; NULL: no auth */
    char *password;       /* owned; plain or "{SHA}<hex>" */
    struct MHD_Daemon *d; /* owned; closes its duplicate of the listen fd */
    int epfd;             /* MHD's epoll fd, watched in our loop; -1 if none */
};

struct httpd {
    struct loop *loop;        /* borrowed */
    struct httpd_server *srv; /* owned array of n */
    size_t n;
    httpd_handler handler;
    void *arg;
    struct loop_timer timer; /* MHD_get_timeout, or a kick after a resume */
    struct httpd_req *reqs;  /* live requests (doubly linked) */
    size_t nreqs;
    unsigned timeout;    /* seconds, applied per request */
    bool kicked;         /* a resume happened: MHD_run on the next pass */
    struct buf startlog; /* MHD messages while a daemon starts */
    bool starting;
    struct linger_set *linger; /* owned: sockets closed with their body unread */
    int *marks;                /* fds of connections to linger on once MHD closes them */
    size_t nmarks, capmarks;
};

struct header {
    char *name, *value; /* owned */
};

/* One request: from MHD's first call (headers read) to its completion
 * notice, which frees it. "owned" = the handler holds req and must hear
 * about its end (it was handed over and is unanswered or mid-stream). */
struct httpd_req {
    struct httpd_server *s;
    struct MHD_Connection *conn;   /* borrowed from MHD */
    char *method, *path, *version; /* owned copies */
    struct buf body;
    size_t received;     /* body bytes read, kept or not */
    struct header *hdrs; /* owned, in the order added */
    size_t nhdrs, caphdrs;
    struct MHD_Response *resp; /* built, waiting to be queued (ours until then) */
    int status;                /* of resp */
    struct buf out;            /* stream bytes not yet taken by MHD */
    void *data;
    httpd_abort_cb on_abort;
    int watch_fd;    /* client socket watched for hang-up while suspended; -1 */
    bool handled;    /* handler called */
    bool in_handler; /* inside the handler call: no resume needed */
    bool owned;
    bool suspended;
    bool streaming, stream_ended;
    bool closing;      /* httpd_close: drop without a response */
    bool gone;         /* client hung up (or server stopping) */
    bool unauthorized; /* 401 once the body is read (and dropped) */
    struct httpd_req *prev, *next;
};

/* ---- small helpers ---- */

static const struct {
    int code;
    const char *text;
} reasons[] = {
    /* medusa's http_request.responses */
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Time-out"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Large"},
    {415, "Unsupported Media Type"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Time-out"},
    {505, "HTTP Version not supported"},
};

const char *httpd_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == status)
            return reasons[i].text;
    return "Unknown";
}

/* RFC 1123 date in GMT, independent of the locale. */
static void http_date(char out[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Equality of two secrets in time independent of where they differ: both
 * are hashed first, so even their lengths do not leak through timing. */
static bool secret_eq(const char *a, const char *b)
{
    unsigned char da[32], db[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, a, strlen(a), da) < 0 ||
        gnutls_hash_fast(GNUTLS_DIG_SHA256, b, strlen(b), db) < 0)
        return false;
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < sizeof da; i++)
        diff |= (unsigned char)(da[i] ^ db[i]);
    return diff == 0;
}

/* Supervisor's encrypted_dictionary_authorizer: "{SHA}<lowercase hex>" is
 * compared with sha1(given).hexdigest(), anything else as plain text. */
static bool password_ok(const char *configured, const char *given)
{
    if (strncmp(configured, "{SHA}", 5) == 0) {
        unsigned char d[20];
        char hex[41];
        if (gnutls_hash_fast(GNUTLS_DIG_SHA1, given, strlen(given), d) < 0)
            return false;
        for (size_t i = 0; i < sizeof d; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        return secret_eq(configured + 5, hex);
    }
    return secret_eq(configured, given);
}

static bool auth_ok(const struct httpd_server *s, struct MHD_Connection *conn)
{
    if (!s->username)
        return true;
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &pass);
    bool ok = false;
    if (user && pass) {
        /* both compared, no short cut on the first mismatch */
        bool u = secret_eq(s->username, user);
        bool p = password_ok(s->password ? s->password : "", pass);
        ok = u & p;
    }
    if (user)
        MHD_free(user);
    if (pass)
        MHD_free(pass);
    return ok;
}

/* ---- timer: MHD's timeouts without idle wake-ups ---- */

static void rearm(struct httpd *h)
{
    if (h->kicked) {
        /* MHD_get_timeout does not count resumed connections, and a resume
         * made inside MHD_run (one request answering another) does not
         * wake its epoll fd either */
        loop_timer_arm(h->loop, &h->timer, loop_now(h->loop));
        return;
    }
    bool any = false;
    MHD_UNSIGNED_LONG_LONG best = 0;
    for (size_t i = 0; i < h->n; i++) {
        MHD_UNSIGNED_LONG_LONG t;
        if (h->srv[i].d && MHD_get_timeout(h->srv[i].d, &t) == MHD_YES) {
            if (!any || t < best)
                best = t;
            any = true;
        }
    }
    if (!any) {
        loop_timer_cancel(h->loop, &h->timer);
        return;
    }
    if (best > INT32_MAX)
        best = INT32_MAX;
    loop_timer_arm(h->loop, &h->timer, loop_clock_ms() + (int64_t)best);
}

static void run_all(struct httpd *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->srv[i].d)
            MHD_run(h->srv[i].d);
    rearm(h);
}

static void timer_cb(struct loop *l, void *arg)
{
    (void)l;
    struct httpd *h = arg;
    h->kicked = false;
    run_all(h);
}

static void epoll_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)fd;
    (void)events;
    struct httpd_server *s = arg;
    MHD_run(s->d);
    rearm(s->h);
}

/* MHD wants MHD_run after a resume: run every daemon on the next pass. */
static void kick(struct httpd *h)
{
    h->kicked = true;
    loop_timer_arm(h->loop, &h->timer, loop_now(h->loop));
}

/* ---- suspend / resume ---- */

static void unwatch(struct httpd_req *r)
{
    if (r->watch_fd >= 0) {
        loop_del_io(r->s->h->loop, r->watch_fd);
        r->watch_fd = -1;
    }
}

static void resume(struct httpd_req *r)
{
    if (!r->suspended)
        return;
    unwatch(r);
    r->suspended = false;
    MHD_resume_connection(r->conn);
    kick(r->s->h);
}

/* MHD does not see a suspended client leave; we watch the socket for a
 * hang-up (only that: pipelined bytes must not wake us) and resume it so
 * MHD closes it and the handler hears about it. */
static void hangup_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)fd;
    (void)events;
    struct httpd_req *r = arg;
    r->gone = true;
    resume(r);
}

static void suspend(struct httpd_req *r)
{
    MHD_suspend_connection(r->conn);
    r->suspended = true;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci && r->watch_fd < 0 &&
        loop_add_io(r->s->h->loop, ci->connect_fd, EPOLLRDHUP, hangup_cb, r) == 0)
        r->watch_fd = ci->connect_fd;
}

/* ---- responses ---- */

static bool is_header(const struct header *hd, const char *name)
{
    return strcasecmp(hd->name, name) == 0;
}

/* Our headers in our order. MHD 0.9.75 puts its Connection header (its
 * own, or ours merged into it) right after the status line and its
 * Content-Length or Transfer-Encoding last, whatever we do. */
static void finish_response(struct httpd_req *r, struct MHD_Response *resp,
                            const char *content_type)
{
    char date[40];
    http_date(date);
    bool has_type = false;
    enum MHD_ResponseFlags flags = MHD_RF_NONE;
    /* Echo the request's version as medusa does (and use 1.0 rules). */
    if (r->version && strcmp(r->version, MHD_HTTP_VERSION_1_0) == 0)
        flags |= MHD_RF_HTTP_1_0_SERVER;
    MHD_set_response_options(resp, flags, MHD_RO_END);
    MHD_add_response_header(resp, "Server", "Medusa/1.12");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
    for (size_t i = 0; i < r->nhdrs; i++) {
        const struct header *hd = &r->hdrs[i];
        /* MHD writes Content-Length itself, last (with the insanity flag
         * it would write ours and its own) */
        if (is_header(hd, MHD_HTTP_HEADER_CONTENT_LENGTH))
            continue;
        if (is_header(hd, MHD_HTTP_HEADER_CONTENT_TYPE))
            has_type = true;
        if (MHD_add_response_header(resp, hd->name, hd->value) != MHD_YES)
            log_msg(LOG_DEBG, "httpd: header '%s' refused", hd->name);
    }
    if (content_type && !has_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

static void headers_free(struct httpd_req *r)
{
    for (size_t i = 0; i < r->nhdrs; i++) {
        free(r->hdrs[i].name);
        free(r->hdrs[i].value);
    }
    free(r->hdrs);
    r->hdrs = NULL;
    r->nhdrs = r->caphdrs = 0;
}

/* Hand a built response to MHD: now if we are inside MHD's call for this
 * request, else on the call that follows the resume. */
static void set_response(struct httpd_req *r, struct MHD_Response *resp)
{
    if (r->resp || r->closing) {
        log_msg(LOG_ERRO, "httpd: request '%s' answered twice", r->path);
        MHD_destroy_response(resp);
        return;
    }
    r->resp = resp;
    headers_free(r);
    if (!r->in_handler)
        resume(r);
}

void httpd_add_header(struct httpd_req *r, const char *name, const char *value)
{
    r->hdrs = xgrow(r->hdrs, &r->caphdrs, r->nhdrs + 1, sizeof *r->hdrs);
    r->hdrs[r->nhdrs].name = xstrdup(name);
    r->hdrs[r->nhdrs].value = xstrdup(value);
    r->nhdrs++;
}

/* Send resp (NULL: it could not be made, drop the connection). */
static void respond_with(struct httpd_req *r, int status, const char *content_type,
                         struct MHD_Response *resp)
{
    if (!resp) {
        httpd_close(r);
        return;
    }
    finish_response(r, resp, content_type);
    r->owned = false;
    r->status = status;
    set_response(r, resp);
}

void httpd_respond(struct httpd_req *r, int status, const char *content_type, const char *body,
                   size_t len)
{
    respond_with(r, status, content_type,
                 MHD_create_response_from_buffer(len, (void *)(body ? body : ""),
                                                 MHD_RESPMEM_MUST_COPY));
}

void httpd_respond_buf(struct httpd_req *r, int status, const char *content_type, struct buf *b)
{
    size_t len = b->len;
    char *data = buf_detach(b); /* MHD frees it with free(), as xalloc allocates */
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        free(data);
    respond_with(r, status, content_type, resp);
}

void httpd_respond_parts(struct httpd_req *r, int status, const char *content_type,
                         const char *prefix, const char *data, size_t len, const char *suffix,
                         void (*release)(void *), void *arg)
{
    const struct MHD_IoVec iov[3] = {
        {prefix, strlen(prefix)},
        {data, len},
        {suffix, strlen(suffix)},
    };
    struct MHD_Response *resp = MHD_create_response_from_iovec(iov, 3, release, arg);
    if (!resp)
        release(arg);
    respond_with(r, status, content_type, resp);
}

void httpd_respond_wrapped(struct httpd_req *r, int status, const char *content_type,
                           const char *prefix, struct buf *b, const char *suffix)
{
    size_t len = b->len;
    char *data = buf_detach(b); /* MHD frees it with free(), as xalloc allocates */
    httpd_respond_parts(r, status, content_type, prefix, data, len, suffix, free, data);
}

void httpd_respond_error(struct httpd_req *r, int status)
{
    /* medusa's DEFAULT_ERROR_MESSAGE (it sends Content-Length before
     * Content-Type; MHD puts the length last) */
    struct buf b;
    buf_init(&b);
    buf_printf(&b,
               "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
               "<h1>Error response</h1>\r\n<p>Error code %d.\r\n<p>Message: %s.\r\n"
               "</body>\r\n",
               status, httpd_reason(status));
    httpd_respond(r, status, "text/html", b.data, b.len);
    buf_release(&b);
}

void httpd_close(struct httpd_req *r)
{
    r->closing = true;
    r->owned = false;
    headers_free(r);
    if (!r->in_handler)
        resume(r);
}

/* MHD pulls stream bytes here. Nothing buffered: suspend until a write or
 * the end resumes us (returning 0 without suspending would spin). */
static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct httpd_req *r = cls;
    if (r->gone || r->closing) /* no final chunk: the client sees a cut */
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (r->out.len > 0) {
        size_t n = r->out.len < max ? r->out.len : max;
        memcpy(out, r->out.data, n);
        buf_consume(&r->out, n);
        return (ssize_t)n;
    }
    if (r->stream_ended)
        return MHD_CONTENT_READER_END_OF_STREAM;
    suspend(r);
    return 0;
}

void httpd_stream_begin(struct httpd_req *r, int status, const char *content_type)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, r, NULL);
    if (!resp) {
        httpd_close(r);
        return;
    }
    finish_response(r, resp, content_type);
    r->streaming = true;
    r->status = status;
    set_response(r, resp);
}

void httpd_stream_write(struct httpd_req *r, const void *data, size_t len)
{
    if (!r->streaming || r->stream_ended || r->closing || len == 0)
        return;
    buf_append(&r->out, data, len);
    /* suspended in the reader (the response is already with MHD) */
    if (!r->resp && !r->in_handler)
        resume(r);
}

size_t httpd_stream_pending(const struct httpd_req *r)
{
    return r->out.len;
}

void httpd_stream_end(struct httpd_req *r)
{
    if (!r->streaming || r->stream_ended || r->closing)
        return;
    r->stream_ended = true;
    r->owned = false;
    if (!r->resp && !r->in_handler)
        resume(r);
}

/* ---- requests ---- */

static struct httpd_req *req_new(struct httpd_server *s, struct MHD_Connection *conn,
                                 const char *method, const char *url, const char *version)
{
    struct httpd *h = s->h;
    struct httpd_req *r = xcalloc(1, sizeof *r);
    r->s = s;
    r->conn = conn;
    r->method = xstrdup(method);
    /* MHD hands the path %xx-decoded, the query already split off */
    r->path = xstrdup(url);
    r->version = xstrdup(version);
    r->watch_fd = -1;
    buf_init(&r->body);
    buf_init(&r->out);
    r->next = h->reqs;
    if (h->reqs)
        h->reqs->prev = r;
    h->reqs = r;
    h->nreqs++;
    return r;
}

static void req_free(struct httpd_req *r)
{
    struct httpd *h = r->s->h;
    unwatch(r);
    if (r->prev)
        r->prev->next = r->next;
    else
        h->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    h->nreqs--;
    if (r->resp)
        MHD_destroy_response(r->resp);
    headers_free(r);
    buf_release(&r->body);
    buf_release(&r->out);
    free(r->method);
    free(r->path);
    free(r->version);
    free(r);
}

static enum MHD_Result queue(struct httpd_req *r)
{
    struct MHD_Response *resp = r->resp;
    r->resp = NULL;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp); /* MHD holds its own reference */
    return ret;
}

/* This connection will be dropped with its body unread: once MHD has sent
 * the answer and closes it, it lingers (linger.h). */
static void mark_linger(struct httpd_req *r)
{
    struct httpd *h = r->s->h;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci || h->nmarks >= LINGER_MAX)
        return;
    if (h->nmarks == h->capmarks) {
        h->capmarks = h->capmarks ? 2 * h->capmarks : 4;
        h->marks = xrealloc(h->marks, h->capmarks * sizeof *h->marks);
    }
    h->marks[h->nmarks++] = ci->connect_fd;
}

static void notify_connection_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
                                 enum MHD_ConnectionNotificationCode toe)
{
    (void)socket_context;
    struct httpd *h = ((struct httpd_server *)cls)->h;
    if (toe != MHD_CONNECTION_NOTIFY_CLOSED || h->nmarks == 0)
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    for (size_t i = 0; i < h->nmarks; i++) {
        if (h->marks[i] != ci->connect_fd)
            continue;
        h->marks[i] = h->marks[--h->nmarks];
        /* MHD closes its fd right after this: a duplicate keeps the socket */
        int fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 3);
        if (fd >= 0)
            linger_add(h->linger, fd);
        return;
    }
}

/* An answer from httpd itself (401, 413), before or after the body. */
static enum MHD_Result early(struct httpd_req *r, int status, bool unauthorized)
{
    if (unauthorized) {
        /* auth_handler.handle_unauthorized's header order; the connection
         * is closed (medusa swallows every later byte instead: same effect
         * for any client that waits for answers). */
        httpd_add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
        httpd_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"default\"");
    }
    r->in_handler = true;
    httpd_respond_error(r, status);
    r->in_handler = false;
    return r->resp ? queue(r) : MHD_NO;
}

/* medusa decodes the header block as strict UTF-8 and drops the connection
 * (no response) when that fails. The raw URI is only seen here, before MHD
 * splits off the query and %xx-decodes the path; a request whose URI is not
 * UTF-8 starts with this marker as its con_cls. */
static char bad_uri_marker;

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    return uri && !xmlrpc_utf8_valid(uri, strlen(uri)) ? &bad_uri_marker : NULL;
}

static enum MHD_Result header_utf8_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    bool *ok = cls;
    if ((key && !xmlrpc_utf8_valid(key, key_size)) ||
        (value && !xmlrpc_utf8_valid(value, value_size))) {
        *ok = false;
        return MHD_NO;
    }
    return MHD_YES;
}

static bool header_block_utf8(struct MHD_Connection *conn, const char *method,
                              const char *version)
{
    bool ok = xmlrpc_utf8_valid(method, strlen(method)) &&
              xmlrpc_utf8_valid(version, strlen(version));
    if (ok)
        MHD_get_connection_values_n(conn, MHD_HEADER_KIND, header_utf8_cb, &ok);
    return ok;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct httpd_server *s = cls;
    struct httpd *h = s->h;
    struct httpd_req *r = *con_cls;

    if (r == (void *)&bad_uri_marker)
        return MHD_NO; /* *con_cls stays the marker: nothing to free */
    if (!r) {
        if (!header_block_utf8(conn, method, version))
            return MHD_NO;
        r = req_new(s, conn, method, url, version);
        *con_cls = r;
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, h->timeout);
        r->unauthorized = !auth_ok(s, conn);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            errno = 0;
            char *end;
            unsigned long long v = strtoull(cl, &end, 10);
            if (end != cl && (errno == ERANGE || v > HTTPD_MAX_BODY)) {
                if (v > 0)
                    mark_linger(r);
                return r->unauthorized ? early(r, 401, true) : early(r, 413, false);
            }
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        /* only a chunked body can get here past the cap: drop it */
        if (*upload_data_size > HTTPD_MAX_BODY - r->received) {
            mark_linger(r);
            return MHD_NO;
        }
        r->received += *upload_data_size;
        /* an unauthorized body is read and dropped, as medusa does: a
         * client still sending it would otherwise fail on a closed socket
         * instead of seeing the 401 */
        if (!r->unauthorized)
            buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (r->unauthorized)
        return early(r, 401, true);
    if (r->gone || r->closing)
        return MHD_NO;
    if (!r->handled) {
        r->handled = true;
        r->owned = true;
        r->in_handler = true;
        h->handler(h->arg, r);
        r->in_handler = false;
        if (r->closing)
            return MHD_NO;
    }
    if (r->resp)
        return queue(r);
    suspend(r);
    return MHD_YES;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    (void)cls;
    struct httpd_req *r = *con_cls;
    if (!r || r == (void *)&bad_uri_marker)
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
    struct httpd *h = cls;
    struct buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    if (h->starting) {
        buf_reset(&h->startlog);
        buf_puts(&h->startlog, b.data);
    }
    log_msg(LOG_DEBG, "httpd: %s", b.data);
    buf_release(&b);
}

/* ---- the accessors ---- */

const char *httpd_req_method(const struct httpd_req *r)
{
    return r->method;
}

const char *httpd_req_path(const struct httpd_req *r)
{
    return r->path;
}

const char *httpd_req_version(const struct httpd_req *r)
{
    return r->version;
}

const char *httpd_req_query(const struct httpd_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *httpd_req_header(const struct httpd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *httpd_req_body(const struct httpd_req *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return r->body.data;
}

size_t httpd_req_server(const struct httpd_req *r)
{
    return r->s->index;
}

void httpd_req_set_data(struct httpd_req *r, void *data, httpd_abort_cb on_abort)
{
    r->data = data;
    r->on_abort = on_abort;
}

void *httpd_req_data(const struct httpd_req *r)
{
    return r->data;
}

/* ---- the server ---- */

static int server_start(struct httpd *h, struct httpd_server *s, int fd, struct err *e)
{
    /* MHD closes the socket it is given when it stops: give it a duplicate
     * so the caller's fd (and the unix socket file) stay the caller's. */
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dupfd < 0)
        return err_set(e, ERR_SYSTEM, "cannot start HTTP server '%s': %s", s->section,
                       strerror(errno));
    h->starting = true;
    buf_reset(&h->startlog);
    s->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                                MHD_USE_SUPPRESS_DATE_NO_CLOCK,
                            /* Date is ours, placed after Server */ 0, NULL, NULL, access_cb, s,
                            /* the logger must come first to see errors from the options */
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_LISTEN_SOCKET, dupfd,
                            MHD_OPTION_CONNECTION_LIMIT, HTTPD_MAX_CONNECTIONS,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_CONN_MEMORY,
                            MHD_OPTION_CONNECTION_TIMEOUT, HTTPD_CONN_TIMEOUT,
                            MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
                            MHD_OPTION_NOTIFY_CONNECTION, notify_connection_cb, s,
                            MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, s, MHD_OPTION_END);
    h->starting = false;
    if (!s->d) {
        close(dupfd);
        return err_set(e, ERR_SYSTEM, "cannot start HTTP server '%s': %s", s->section,
                       h->startlog.len ? h->startlog.data : "libmicrohttpd refused");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di || di->epoll_fd < 0 || loop_add_io(h->loop, di->epoll_fd, EPOLLIN, epoll_cb, s) < 0)
        return err_set(e, ERR_SYSTEM, "cannot start HTTP server '%s': no epoll fd to watch",
                       s->section);
    s->epfd = di->epoll_fd;
    return 0;
}

struct httpd *httpd_new(struct loop *l, const struct server_config *servers, const int *fds,
                        size_t n, httpd_handler handler, void *arg, struct err *e)
{
    struct httpd *h = xcalloc(1, sizeof *h);
    h->loop = l;
    h->handler = handler;
    h->arg = arg;
    h->timeout = HTTPD_CONN_TIMEOUT;
    buf_init(&h->startlog);
    loop_timer_init(&h->timer, timer_cb, h);
    h->linger = linger_new(l);
    h->srv = xcalloc(n ? n : 1, sizeof *h->srv);
    h->n = n;
    for (size_t i = 0; i < n; i++) {
        struct httpd_server *s = &h->srv[i];
        s->h = h;
        s->index = i;
        s->epfd = -1;
        s->section = xstrdup(servers[i].section ? servers[i].section : "http_server");
        /* auth is on only with a non-empty username, as in Supervisor */
        if (servers[i].username && servers[i].username[0]) {
            s->username = xstrdup(servers[i].username);
            s->password = xstrdup(servers[i].password ? servers[i].password : "");
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (server_start(h, &h->srv[i], fds[i], e) < 0) {
            httpd_free(h);
            return NULL;
        }
    }
    rearm(h);
    return h;
}

void httpd_set_timeout(struct httpd *h, unsigned secs)
{
    if (secs > 0)
        h->timeout = secs;
}

size_t httpd_active(const struct httpd *h)
{
    return h->nreqs;
}

void httpd_free(struct httpd *h)
{
    if (!h)
        return;
    /* Tell the handler first, then let MHD close everything: a suspended
     * connection must be resumed before MHD_stop_daemon. */
    for (struct httpd_req *r = h->reqs; r; r = r->next) {
        if (r->owned) {
            r->owned = false;
            if (r->on_abort)
                r->on_abort(r->data, r);
        }
        r->gone = true;
        resume(r);
    }
    for (size_t i = 0; i < h->n; i++) {
        struct httpd_server *s = &h->srv[i];
        if (s->epfd >= 0)
            loop_del_io(h->loop, s->epfd);
        if (s->d)
            MHD_stop_daemon(s->d); /* completes (frees) its requests */
        free(s->section);
        free(s->username);
        free(s->password);
    }
    /* anything MHD did not report is ours to free */
    while (h->reqs)
        req_free(h->reqs);
    loop_timer_cancel(h->loop, &h->timer);
    linger_free(h->linger);
    free(h->marks);
    buf_release(&h->startlog);
    free(h->srv);
    free(h);
}
