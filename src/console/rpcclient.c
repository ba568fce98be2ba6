/* rpcclient: libcurl multi on our loop. Owns the multi handle, one easy
 * handle per call, the request and reply bodies; the XML is xmlrpc.c's. A
 * call ends exactly once: done from the loop, or cancelled by its owner. */
#include "rpcclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "xalloc.h"

#define REPLY_MAX (64u << 20) /* bytes; a getAllProcessInfo of 5,000 processes is ~3 MiB */

struct rpcclient_call {
    struct rpcclient *c;
    CURL *easy;                 /* owned; NULL if it could not be made */
    struct curl_slist *headers; /* owned */
    struct buf body;            /* the methodCall; curl reads it in place */
    struct buf reply;
    long timeout_ms;
    bool start_failed; /* reported from the kick timer */
    bool too_big;
    rpcclient_data_fn data; /* a stream: its bytes go there; NULL: a call */
    bool checked;           /* a stream's status and type were checked */
    bool not_a_stream;      /* ... and were not 200 text/event-stream */
    bool data_failed;       /* data refused the bytes: data_error says why */
    char data_error[256];
    rpcclient_done_fn done;
    void *arg;
    struct rpcclient_call *prev, *next;
};

struct rpcclient {
    struct loop *loop;            /* borrowed */
    CURLM *multi;                 /* owned */
    struct loop_timer timer;      /* curl's timeout */
    struct loop_timer kick;       /* calls that failed to start */
    struct rpcclient_call *calls; /* owned list: every call not yet done */
    unsigned ncalls;
};

/* ---- the list ---- */

static void unlink_call(struct rpcclient_call *k)
{
    struct rpcclient *c = k->c;
    if (k->prev)
        k->prev->next = k->next;
    else
        c->calls = k->next;
    if (k->next)
        k->next->prev = k->prev;
    c->ncalls--;
}

static void free_call(struct rpcclient_call *k)
{
    if (k->easy) {
        curl_multi_remove_handle(k->c->multi, k->easy);
        curl_easy_cleanup(k->easy);
    }
    curl_slist_free_all(k->headers);
    buf_release(&k->body);
    buf_release(&k->reply);
    free(k);
}

/* ---- finishing a call ---- */

static void deliver(struct rpcclient_call *k, struct rpcclient_result *r)
{
    unlink_call(k);
    if (k->easy) {
        /* out of the multi before the callback: it may start new calls */
        curl_multi_remove_handle(k->c->multi, k->easy);
    }
    k->done(k->arg, r);
    free_call(k);
}

static void http_error(char *msg, size_t size, long http)
{
    if (http == 401)
        snprintf(msg, size, "HTTP 401: unauthorized (check the node's username and password)");
    else
        snprintf(msg, size, "HTTP %ld", http);
}

static void finish(struct rpcclient_call *k, CURLcode code)
{
    struct rpcclient_result r = {.status = RPCCLIENT_ERROR};
    char msg[256];
    struct err e;
    err_clear(&e);
    char *fault_string = NULL;
    long http = 0;
    curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &http);
    r.http_status = http;

    if (k->data_failed) {
        snprintf(msg, sizeof msg, "%s", k->data_error);
    } else if (k->data && (k->not_a_stream || http == 404)) {
        r.not_a_stream = true;
        if (http == 200)
            snprintf(msg, sizeof msg, "no event stream (not text/event-stream)");
        else
            snprintf(msg, sizeof msg, "no event stream (HTTP %ld)", http);
    } else if (k->data && http == 200 && code == CURLE_OK) {
        snprintf(msg, sizeof msg, "the event stream ended");
    } else if (k->data && http == 200 && (code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR)) {
        snprintf(msg, sizeof msg, "the event stream was cut");
    } else if (k->data && http != 0 && http != 200) {
        http_error(msg, sizeof msg, http); /* the stream refused: 503 when full */
    } else if (k->too_big) {
        snprintf(msg, sizeof msg, "reply larger than %u MiB", REPLY_MAX >> 20);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        r.status = RPCCLIENT_TIMEOUT;
        snprintf(msg, sizeof msg, "no answer within %ld ms", k->timeout_ms);
    } else if (code == CURLE_COULDNT_CONNECT) {
        long oserr = 0;
        curl_easy_getinfo(k->easy, CURLINFO_OS_ERRNO, &oserr);
        snprintf(msg, sizeof msg, "cannot connect: %s",
                 oserr ? strerror((int)oserr) : "connection failed");
    } else if (code != CURLE_OK) {
        /* curl_easy_strerror names the failure, never the URL or user */
        snprintf(msg, sizeof msg, "%s", curl_easy_strerror(code));
    } else if (http != 200 || k->data) {
        http_error(msg, sizeof msg, http);
    } else if (xmlrpc_parse_response(k->reply.data, k->reply.len, &r.value, &r.fault_code,
                                     &fault_string, &e) < 0) {
        snprintf(msg, sizeof msg, "malformed XML-RPC reply: %.200s", e.msg);
    } else if (r.fault_code) {
        r.status = RPCCLIENT_FAULT;
        r.fault_string = fault_string;
    } else {
        r.status = RPCCLIENT_OK;
    }
    if (r.status == RPCCLIENT_ERROR || r.status == RPCCLIENT_TIMEOUT)
        r.error = msg;
    deliver(k, &r);
    xmlrpc_free(r.value);
    free(fault_string);
}

static void check_done(struct rpcclient *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *easy = m->easy_handle;
        CURLcode code = m->data.result;
        struct rpcclient_call *k = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&k);
        if (k)
            finish(k, code);
    }
}

/* ---- curl on the loop ---- */

static void io_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    struct rpcclient *c = arg;
    int flags = 0, running;
    if (events & EPOLLIN)
        flags |= CURL_CSELECT_IN;
    if (events & EPOLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (events & (EPOLLERR | EPOLLHUP))
        flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    check_done(c);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct rpcclient *c = userp;
    if (what == CURL_POLL_REMOVE) {
        if (socketp) {
            loop_del_io(c->loop, fd);
            curl_multi_assign(c->multi, fd, NULL);
        }
        return 0;
    }
    uint32_t ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= EPOLLOUT;
    if (socketp) {
        loop_mod_io(c->loop, fd, ev);
    } else if (loop_add_io(c->loop, fd, ev, io_cb, c) == 0) {
        curl_multi_assign(c->multi, fd, c); /* marks the fd as watched */
    } else {
        log_error("rpcclient: cannot watch fd %d: %s", fd, strerror(errno));
        return -1;
    }
    return 0;
}

static void timer_cb(struct loop *l, void *arg)
{
    (void)l;
    struct rpcclient *c = arg;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

static int timerfn_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct rpcclient *c = userp;
    if (timeout_ms < 0)
        loop_timer_cancel(c->loop, &c->timer);
    else
        loop_timer_arm(c->loop, &c->timer, loop_clock_ms() + timeout_ms);
    return 0;
}

static void kick_cb(struct loop *l, void *arg)
{
    (void)l;
    struct rpcclient *c = arg;
    struct rpcclient_call *k = c->calls;
    while (k) {
        struct rpcclient_call *next = k->next;
        if (k->start_failed) {
            struct rpcclient_result r = {.status = RPCCLIENT_ERROR,
                                         .error = "cannot start the call"};
            deliver(k, &r);
            /* the callback may have cancelled or started calls: rescan */
            kick_cb(l, arg);
            return;
        }
        k = next;
    }
}

/* A stream's bytes: checked once (HTTP 200, text/event-stream), then
 * handed over. Returning less than len makes curl fail the transfer. */
static size_t stream_write(struct rpcclient_call *k, char *p, size_t len)
{
    if (!k->checked) {
        k->checked = true;
        long http = 0;
        const char *type = NULL;
        curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &http);
        curl_easy_getinfo(k->easy, CURLINFO_CONTENT_TYPE, &type);
        if (http != 200)
            return 0; /* finish names the status */
        if (!type || strncasecmp(type, "text/event-stream", 17) != 0) {
            k->not_a_stream = true;
            return 0;
        }
    }
    struct err e;
    err_clear(&e);
    if (k->data(k->arg, p, len, &e) < 0) {
        k->data_failed = true;
        snprintf(k->data_error, sizeof k->data_error, "%.255s", e.msg);
        return 0;
    }
    return len;
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
    struct rpcclient_call *k = arg;
    size_t len = size * n;
    if (k->data)
        return stream_write(k, p, len);
    if (len > REPLY_MAX - k->reply.len) {
        k->too_big = true;
        return 0; /* curl fails the transfer */
    }
    buf_append(&k->reply, p, len);
    return len;
}

/* ---- the interface ---- */

struct rpcclient *rpcclient_new(struct loop *l, struct err *e)
{
    struct rpcclient *c = xcalloc(1, sizeof *c);
    c->loop = l;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        err_set(e, ERR_SYSTEM, "cannot set up libcurl");
        return NULL;
    }
    loop_timer_init(&c->timer, timer_cb, c);
    loop_timer_init(&c->kick, kick_cb, c);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timerfn_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

void rpcclient_free(struct rpcclient *c)
{
    if (!c)
        return;
    while (c->calls)
        rpcclient_cancel(c, c->calls);
    curl_multi_cleanup(c->multi); /* closes cached connections (socket_cb REMOVE) */
    loop_timer_cancel(c->loop, &c->timer);
    loop_timer_cancel(c->loop, &c->kick);
    free(c);
}

static bool setup(struct rpcclient_call *k, const struct rpcclient_target *t, const char *url)
{
    CURL *h = k->easy;
    bool ok = true;
    ok &= curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK;
    if (t->unix_path)
        ok &= curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, t->unix_path) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    if (t->ca_file)
        ok &= curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file) == CURLE_OK;
    if (t->insecure) {
        ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
    }
    ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, k->timeout_ms) == CURLE_OK;
    if (t->fresh)
        ok &= curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK;
    if (k->data) {
        /* no cap on the whole: a stream lasts; its owner watches for stalls */
        ok &= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
        k->headers = curl_slist_append(k->headers, "Accept: text/event-stream");
    } else {
        ok &= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, k->timeout_ms) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDS, k->body.data) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->body.len) == CURLE_OK;
        k->headers = curl_slist_append(k->headers, "Content-Type: text/xml");
        k->headers = curl_slist_append(k->headers, "Expect:");
    }
    ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, k) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PRIVATE, k) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, "supervisor-console") == CURLE_OK;
    if (t->username) {
        ok &= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_USERNAME, t->username) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_PASSWORD, t->password ? t->password : "") == CURLE_OK;
    }
    ok &= k->headers && curl_easy_setopt(h, CURLOPT_HTTPHEADER, k->headers) == CURLE_OK;
    return ok;
}

static struct rpcclient_call *new_call(struct rpcclient *c, long timeout_ms, rpcclient_done_fn done,
                                       void *arg)
{
    struct rpcclient_call *k = xcalloc(1, sizeof *k);
    k->c = c;
    k->done = done;
    k->arg = arg;
    k->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    buf_init(&k->body);
    buf_init(&k->reply);
    return k;
}

/* Into the list and the multi handle; a failure is reported from the loop. */
static void launch(struct rpcclient_call *k, const struct rpcclient_target *t, const char *url)
{
    struct rpcclient *c = k->c;
    k->next = c->calls;
    if (c->calls)
        c->calls->prev = k;
    c->calls = k;
    c->ncalls++;
    k->easy = curl_easy_init();
    if (!k->easy || !setup(k, t, url) || curl_multi_add_handle(c->multi, k->easy) != CURLM_OK) {
        if (k->easy)
            curl_easy_cleanup(k->easy);
        k->easy = NULL;
        k->start_failed = true;
        loop_timer_arm(c->loop, &c->kick, loop_now(c->loop));
    }
}

struct rpcclient_call *rpcclient_call(struct rpcclient *c, const struct rpcclient_target *t,
                                      const char *method, const struct xmlrpc_value *params,
                                      long timeout_ms, rpcclient_done_fn done, void *arg)
{
    struct rpcclient_call *k = new_call(c, timeout_ms, done, arg);
    xmlrpc_write_call(&k->body, method, params);
    launch(k, t, t->url);
    return k;
}

struct rpcclient_call *rpcclient_stream(struct rpcclient *c, const struct rpcclient_target *t,
                                        const char *url, long connect_timeout_ms,
                                        rpcclient_data_fn data, rpcclient_done_fn done, void *arg)
{
    struct rpcclient_call *k = new_call(c, connect_timeout_ms, done, arg);
    k->data = data;
    launch(k, t, url);
    return k;
}

void rpcclient_cancel(struct rpcclient *c, struct rpcclient_call *k)
{
    (void)c;
    if (!k)
        return;
    unlink_call(k);
    free_call(k);
}

unsigned rpcclient_active(const struct rpcclient *c)
{
    return c->ncalls;
}
