/* Unit tests for httpd.c: our loop runs the server in this process; a
 * forked child plays the client (libcurl easy/multi or a raw socket) and
 * writes what it saw to a pipe. Covers GET/POST, keep-alive, 413, Basic
 * auth (plain and {SHA}, the exact 401), deferred and streamed answers,
 * client hang-up while suspended, stalled bodies, and idle quiet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "httpd.h"
#include "loop.h"
#include "xalloc.h"

/* ---- fixture: one unix and one inet server ---- */

struct fx;

struct later {
    struct fx *f;
    struct httpd_req *req;
    struct loop_timer t;
    int step;
};

struct fx {
    char dir[64];
    char path[100];
    int fds[2];
    int port;
    struct server_config sc[2];
    struct loop *l;
    struct httpd *h;
    /* handler state */
    int handled;
    int aborted;
    struct httpd_req *kept;
    struct later later[4];
    size_t nlater;
    struct later tag; /* data of kept requests */
    struct httpd_req *waiting;
};

static int unix_listener(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 64), 0);
    return fd;
}

static int inet_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 64), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void handler(void *arg, struct httpd_req *req);

static struct fx *fx_new(const char *user, const char *pass)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_httpd.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/s.sock", f->dir);
    f->fds[0] = unix_listener(f->path);
    f->fds[1] = inet_listener(&f->port);
    for (int i = 0; i < 2; i++) {
        f->sc[i].type = i == 0 ? SERVER_UNIX : SERVER_INET;
        f->sc[i].section = (char *)(i == 0 ? "unix_http_server" : "inet_http_server");
        f->sc[i].username = (char *)user;
        f->sc[i].password = (char *)pass;
    }
    f->l = loop_new();
    struct err e;
    f->h = httpd_new(f->l, f->sc, f->fds, 2, handler, f, &e);
    assert_non_null(f->h);
    return f;
}

/* Wait until the server has let go of every connection: no request, no
 * timer (MHD reports no timeout), and then an idle iteration. */
static void assert_idle(struct fx *f)
{
    int64_t end = loop_clock_ms() + 5000;
    while ((httpd_active(f->h) > 0 || loop_timer_count(f->l) > 0) && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_int_equal(httpd_active(f->h), 0);
    assert_int_equal(loop_timer_count(f->l), 0);
    /* nothing wakes an idle server: one 100 ms iteration, whole */
    uint64_t it = loop_iterations(f->l);
    int64_t t0 = loop_clock_ms();
    assert_int_equal(loop_run_once(f->l, 100), 0);
    assert_true(loop_clock_ms() - t0 >= 90);
    assert_int_equal(loop_iterations(f->l), it + 1);
}

static void fx_free(struct fx *f)
{
    for (size_t i = 0; i < f->nlater; i++)
        loop_timer_cancel(f->l, &f->later[i].t);
    httpd_free(f->h);
    /* the listening fds are still ours, and still listening */
    for (int i = 0; i < 2; i++) {
        int acc = 0;
        socklen_t len = sizeof acc;
        assert_int_equal(getsockopt(f->fds[i], SOL_SOCKET, SO_ACCEPTCONN, &acc, &len), 0);
        assert_int_equal(acc, 1);
        close(f->fds[i]);
    }
    loop_free(f->l);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
}

/* ---- the handler under test ---- */

static void later_cb(struct loop *l, void *arg);

static struct later *later_new(struct fx *f, struct httpd_req *req, int64_t ms)
{
    assert_true(f->nlater < 4);
    struct later *x = &f->later[f->nlater++];
    x->f = f;
    x->req = req;
    x->step = 0;
    loop_timer_init(&x->t, later_cb, x);
    loop_timer_arm(f->l, &x->t, loop_clock_ms() + ms);
    return x;
}

static void later_cb(struct loop *l, void *arg)
{
    struct later *x = arg;
    const char *path = httpd_req_path(x->req);
    if (strcmp(path, "/slow") == 0) {
        httpd_respond(x->req, 200, "text/plain", "slow", 4);
        return;
    }
    if (strcmp(path, "/cutstream") == 0 || strcmp(path, "/latedrop") == 0) {
        httpd_close(x->req);
        return;
    }
    /* /stream: "one" was written at once; now "two", then "three" + end */
    if (x->step++ == 0) {
        httpd_stream_write(x->req, "two", 3);
        loop_timer_arm(l, &x->t, loop_clock_ms() + 30);
    } else {
        httpd_stream_write(x->req, "three", 5);
        httpd_stream_end(x->req);
    }
}

static void abort_cb(void *arg, struct httpd_req *req)
{
    struct fx *f = ((struct later *)arg)->f; /* arg: the request's data */
    assert_ptr_equal(req, f->kept);
    assert_ptr_equal(httpd_req_data(req), arg);
    f->kept = NULL;
    f->aborted++;
}

static void handler(void *arg, struct httpd_req *req)
{
    struct fx *f = arg;
    const char *path = httpd_req_path(req);
    f->handled++;
    if (strcmp(path, "/echo") == 0) {
        size_t len;
        const char *body = httpd_req_body(req, &len);
        const char *x = httpd_req_query(req, "x");
        const char *t = httpd_req_header(req, "x-test");
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "%s %s x=%s h=%s len=%zu ", httpd_req_method(req), path, x ? x : "-",
                   t ? t : "-", len);
        buf_append(&b, body, len < 64 ? len : 64);
        httpd_add_header(req, "X-Order", "1");
        httpd_respond(req, 200, "text/plain", b.data, b.len);
        buf_release(&b);
    } else if (strcmp(path, "/fast") == 0) {
        httpd_respond(req, 200, "text/plain", "fast", 4);
    } else if (strcmp(path, "/slow") == 0) {
        later_new(f, req, 200);
    } else if (strcmp(path, "/stream") == 0) {
        httpd_stream_begin(req, 200, "text/plain");
        httpd_stream_write(req, "one", 3);
        later_new(f, req, 30);
    } else if (strcmp(path, "/hang") == 0 || strcmp(path, "/hangstream") == 0) {
        f->kept = req;
        f->tag.f = f;
        httpd_req_set_data(req, &f->tag, abort_cb);
        if (path[5] == 's') {
            httpd_stream_begin(req, 200, "text/plain");
            httpd_stream_write(req, "x", 1);
        }
    } else if (strcmp(path, "/cutstream") == 0) {
        httpd_stream_begin(req, 200, "text/plain");
        httpd_stream_write(req, "a", 1);
        later_new(f, req, 30);
    } else if (strcmp(path, "/latedrop") == 0) {
        later_new(f, req, 30);
    } else if (strcmp(path, "/wait") == 0) {
        f->waiting = req;
    } else if (strcmp(path, "/release") == 0) {
        /* answer another, suspended request from inside this handler */
        assert_non_null(f->waiting);
        httpd_respond(f->waiting, 200, "text/plain", "released", 8);
        f->waiting = NULL;
        httpd_respond(req, 200, "text/plain", "ok", 2);
    } else if (strcmp(path, "/drop") == 0) {
        httpd_close(req);
    } else {
        httpd_respond_error(req, 404);
    }
}

/* ---- the client side (in a child) ---- */

struct run {
    struct buf out;
    int done;
};

static void pipe_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)events;
    struct run *r = arg;
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n > 0) {
        buf_append(&r->out, tmp, (size_t)n);
    } else if (n == 0 || errno != EINTR) {
        loop_del_io(l, fd);
        r->done = 1;
    }
}

typedef void (*client_fn)(struct fx *f, struct buf *out, int go_fd);

/* Fork fn as the client and run the loop until it has written everything.
 * go: when non-NULL, *go is set to a fd whose write lets the child go on. */
static pid_t client_start(struct fx *f, client_fn fn, struct run *r, int *go)
{
    int p[2], g[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(pipe2(g, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        close(g[1]);
        struct buf b;
        buf_init(&b);
        fn(f, &b, g[0]);
        size_t off = 0;
        while (off < b.len) {
            ssize_t n = write(p[1], b.data + off, b.len - off);
            if (n <= 0)
                _exit(3);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(p[1]);
    close(g[0]);
    if (go)
        *go = g[1];
    else
        close(g[1]);
    buf_init(&r->out);
    r->done = 0;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(loop_add_io(f->l, p[0], EPOLLIN, pipe_cb, r), 0);
    return pid;
}

static void run_until(struct fx *f, const int *flag, int64_t ms)
{
    int64_t end = loop_clock_ms() + ms;
    while (!*flag && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_true(*flag);
}

static void client_finish(struct fx *f, pid_t pid, struct run *r)
{
    run_until(f, &r->done, 10000);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static char *run_client(struct fx *f, client_fn fn)
{
    struct run r;
    pid_t pid = client_start(f, fn, &r, NULL);
    client_finish(f, pid, &r);
    return buf_detach(&r.out);
}

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
    buf_append(arg, p, sz * n);
    return sz * n;
}

/* One request with an easy handle; appends "<code> <conns> <body>\n". */
static void curl_req(CURL *c, struct buf *out, const char *url, const char *post, size_t len,
                     struct curl_slist *hdrs)
{
    struct buf body;
    buf_init(&body);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(c);
    long code = 0, conns = -1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
    if (rc != CURLE_OK)
        buf_printf(out, "curl:%d ", (int)rc);
    buf_printf(out, "%ld %ld %s\n", code, conns, body.data);
    buf_release(&body);
}

static CURL *easy_unix(struct fx *f)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, f->path);
    return c;
}

/* Raw socket to the unix server: send req, read until close or max. */
static int raw_connect(struct fx *f)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", f->path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        _exit(4);
    return fd;
}

static void raw_send(int fd, const char *s)
{
    size_t len = strlen(s);
    if (write(fd, s, len) != (ssize_t)len)
        _exit(5);
}

/* Read until EOF or timeout_ms; returns 1 on EOF, 0 on timeout. */
static int raw_read(int fd, struct buf *into, int timeout_ms)
{
    int64_t end = loop_clock_ms() + timeout_ms;
    for (;;) {
        int64_t left = end - loop_clock_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0)
            return 1;
        buf_append(into, tmp, (size_t)n);
    }
}

static void wait_go(int go_fd)
{
    struct pollfd p = {.fd = go_fd, .events = POLLIN};
    char c;
    if (poll(&p, 1, 8000) != 1 || read(go_fd, &c, 1) != 1)
        _exit(6);
}

/* ---- tests ---- */

static void c_basic(struct fx *f, struct buf *out, int go)
{
    (void)go;
    struct curl_slist *hdrs = curl_slist_append(NULL, "X-Test: yes");
    CURL *c = easy_unix(f);
    curl_req(c, out, "http://localhost/echo?x=1", NULL, 0, hdrs);
    curl_req(c, out, "http://localhost/echo", "hello", 5, hdrs);
    curl_req(c, out, "http://localhost/nosuch", NULL, 0, NULL);
    curl_easy_cleanup(c);
    c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/echo?x=%%41b", f->port);
    curl_req(c, out, url, "inet", 4, NULL);
    curl_req(c, out, url, NULL, 0, NULL);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
}

static void test_get_post_keepalive(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_basic);
    assert_string_equal(out,
                        "200 1 GET /echo x=1 h=yes len=0 \n"
                        "200 0 POST /echo x=- h=yes len=5 hello\n"
                        "404 0 <head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
                        "<h1>Error response</h1>\r\n<p>Error code 404.\r\n<p>Message: Not "
                        "Found.\r\n</body>\r\n\n"
                        "200 1 POST /echo x=Ab h=- len=4 inet\n"
                        "200 0 GET /echo x=Ab h=- len=0 \n");
    free(out);
    assert_int_equal(f->handled, 5);
    assert_idle(f);
    fx_free(f);
}

static void c_headers(struct fx *f, struct buf *out, int go)
{
    (void)go;
    int fd = raw_connect(f);
    raw_send(fd, "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    raw_read(fd, out, 5000);
    close(fd);
    buf_puts(out, "|");
    /* HTTP/1.0: the status line echoes 1.0, the connection closes */
    fd = raw_connect(f);
    raw_send(fd, "GET /nosuch HTTP/1.0\r\n\r\n");
    raw_read(fd, out, 5000);
    close(fd);
}

/* Blank out the Date value so the rest compares exactly. */
static void strip_dates(char *s)
{
    for (char *p = s; (p = strstr(p, "\r\nDate: ")) != NULL; p += 8) {
        char *e = strstr(p + 8, "\r\n");
        assert_non_null(e);
        assert_int_equal(e - (p + 8), 29);
        memset(p + 8, '*', (size_t)(e - (p + 8)));
    }
}

static void test_header_order(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_headers);
    strip_dates(out);
    const char *date = "*****************************";
    char want[2048];
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nConnection: close\r\nServer: Medusa/1.12\r\nDate: %s\r\n"
             "X-Order: 1\r\nContent-Type: text/plain\r\nContent-Length: 24\r\n\r\n"
             "GET /echo x=- h=- len=0 |"
             "HTTP/1.0 404 Not Found\r\nConnection: close\r\nServer: Medusa/1.12\r\n"
             "Date: %s\r\nContent-Type: text/html\r\nContent-Length: 134\r\n\r\n"
             "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
             "<h1>Error response</h1>\r\n<p>Error code 404.\r\n<p>Message: Not Found.\r\n"
             "</body>\r\n",
             date, date);
    assert_string_equal(out, want);
    free(out);
    assert_idle(f);
    fx_free(f);
}

static void c_big(struct fx *f, struct buf *out, int go)
{
    (void)go;
    size_t ok = HTTPD_MAX_BODY, big = HTTPD_MAX_BODY + 1;
    char *data = xmalloc(big);
    memset(data, 'a', big);
    CURL *c = easy_unix(f);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    curl_req(c, out, "http://localhost/echo", data, ok, hdrs);
    curl_req(c, out, "http://localhost/echo", data, big, hdrs);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    free(data);
}

static void test_body_limit(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_big);
    char want[1024];
    snprintf(want, sizeof want,
             "200 1 POST /echo x=- h=- len=%u "
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
             "413 0 <head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
             "<h1>Error response</h1>\r\n<p>Error code 413.\r\n<p>Message: Request Entity Too "
             "Large.\r\n</body>\r\n\n",
             HTTPD_MAX_BODY);
    assert_string_equal(out, want);
    free(out);
    assert_int_equal(f->handled, 1);
    assert_idle(f);
    fx_free(f);
}

static void c_auth(struct fx *f, struct buf *out, int go)
{
    (void)go;
    const char *creds[] = {NULL, "user:wrong", "user:pa:ss", "other:pa:ss", "user:"};
    for (size_t i = 0; i < sizeof creds / sizeof creds[0]; i++) {
        CURL *c = easy_unix(f);
        if (creds[i]) {
            curl_easy_setopt(c, CURLOPT_USERPWD, creds[i]);
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        }
        struct buf b;
        buf_init(&b);
        curl_req(c, &b, "http://localhost/echo", NULL, 0, NULL);
        /* code and first word of the body suffice */
        buf_printf(out, "%.*s\n", (int)strcspn(b.data, "\r\n "), b.data);
        buf_release(&b);
        curl_easy_cleanup(c);
    }
    /* a POST with the wrong password: its body is read, then 401 (a client
     * still sending must not find the socket closed) */
    size_t big = 1024 * 1024;
    char *data = xmalloc(big);
    memset(data, 'b', big);
    CURL *c = easy_unix(f);
    curl_easy_setopt(c, CURLOPT_USERPWD, "user:wrong");
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    struct buf b;
    buf_init(&b);
    curl_req(c, &b, "http://localhost/echo", data, big, hdrs);
    buf_printf(out, "%.*s\n", (int)strcspn(b.data, "\r\n "), b.data);
    buf_release(&b);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    free(data);
    /* the exact 401 */
    int fd = raw_connect(f);
    raw_send(fd, "GET /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjp4\r\n\r\n");
    raw_read(fd, out, 5000);
    close(fd);
}

static void test_auth_plain(void **state)
{
    (void)state;
    struct fx *f = fx_new("user", "pa:ss");
    char *out = run_client(f, c_auth);
    strip_dates(out);
    assert_string_equal(out,
                        "401\n401\n200\n401\n401\n401\n"
                        /* MHD puts Connection first; medusa has it after Date */
                        "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n"
                        "Server: Medusa/1.12\r\nDate: *****************************\r\n"
                        "WWW-Authenticate: Basic realm=\"default\"\r\nContent-Type: text/html\r\n"
                        "Content-Length: 137\r\n\r\n"
                        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
                        "<h1>Error response</h1>\r\n<p>Error code 401.\r\n<p>Message: "
                        "Unauthorized.\r\n</body>\r\n");
    free(out);
    assert_int_equal(f->handled, 1);
    assert_idle(f);
    fx_free(f);
}

static void c_auth_sha(struct fx *f, struct buf *out, int go)
{
    (void)go;
    char hash[64];
    snprintf(hash, sizeof hash, "user:%s", f->sc[0].password + 5); /* the hex itself */
    const char *creds[] = {"user:pa:ss", hash, "user:PA:SS"};
    for (size_t i = 0; i < 3; i++) {
        CURL *c = easy_unix(f);
        curl_easy_setopt(c, CURLOPT_USERPWD, creds[i]);
        struct buf b;
        buf_init(&b);
        curl_req(c, &b, "http://localhost/echo", NULL, 0, NULL);
        buf_printf(out, "%.*s\n", (int)strcspn(b.data, " "), b.data);
        buf_release(&b);
        curl_easy_cleanup(c);
    }
}

static void test_auth_sha(void **state)
{
    (void)state;
    /* sha1("pa:ss") */
    unsigned char d[20];
    char pw[64] = "{SHA}";
    assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA1, "pa:ss", 5, d), 0);
    for (int i = 0; i < 20; i++)
        snprintf(pw + 5 + 2 * i, 3, "%02x", d[i]);
    struct fx *f = fx_new("user", pw);
    char *out = run_client(f, c_auth_sha);
    /* the right password passes; the hash itself does not */
    assert_string_equal(out, "200\n401\n401\n");
    free(out);
    assert_int_equal(f->handled, 1);
    assert_idle(f);
    fx_free(f);
}

static void c_deferred(struct fx *f, struct buf *out, int go)
{
    (void)go;
    CURLM *m = curl_multi_init();
    CURL *slow = easy_unix(f), *fast = easy_unix(f);
    struct buf bs, bf;
    buf_init(&bs);
    buf_init(&bf);
    curl_easy_setopt(slow, CURLOPT_URL, "http://localhost/slow");
    curl_easy_setopt(slow, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(slow, CURLOPT_WRITEDATA, &bs);
    curl_easy_setopt(fast, CURLOPT_URL, "http://localhost/fast");
    curl_easy_setopt(fast, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(fast, CURLOPT_WRITEDATA, &bf);
    int64_t t0 = loop_clock_ms();
    curl_multi_add_handle(m, slow);
    curl_multi_add_handle(m, fast);
    int running = 1;
    while (running && loop_clock_ms() - t0 < 8000) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            int64_t dt = loop_clock_ms() - t0;
            if (msg->easy_handle == slow)
                buf_printf(out, "slow:%s:%s ", bs.data, dt >= 190 ? "late" : "early");
            else
                buf_printf(out, "fast:%s:%s ", bf.data, dt < 190 ? "early" : "late");
        }
        if (running)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    curl_multi_remove_handle(m, slow);
    curl_multi_remove_handle(m, fast);
    curl_easy_cleanup(slow);
    curl_easy_cleanup(fast);
    curl_multi_cleanup(m);
    buf_release(&bs);
    buf_release(&bf);
}

static void test_deferred_does_not_block(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_deferred);
    assert_string_equal(out, "fast:fast:early slow:slow:late ");
    free(out);
    assert_idle(f);
    fx_free(f);
}

static void c_stream(struct fx *f, struct buf *out, int go)
{
    (void)go;
    CURL *c = easy_unix(f);
    curl_req(c, out, "http://localhost/stream", NULL, 0, NULL);
    curl_req(c, out, "http://localhost/echo", NULL, 0, NULL); /* same connection */
    curl_easy_cleanup(c);
    /* the chunk framing on the wire */
    int fd = raw_connect(f);
    raw_send(fd, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    struct buf b;
    buf_init(&b);
    while (!strstr(b.data, "\r\n0\r\n\r\n") && !raw_read(fd, &b, 200) && b.len < 4096)
        ;
    close(fd);
    const char *body = strstr(b.data, "\r\n\r\n");
    buf_printf(out, "%s|%s", strstr(b.data, "Transfer-Encoding: chunked") ? "chunked" : "?",
               body ? body + 4 : "none");
    buf_release(&b);
}

static void test_stream(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_stream);
    assert_string_equal(out, "200 1 onetwothree\n200 0 GET /echo x=- h=- len=0 \n"
                             "chunked|3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n");
    free(out);
    assert_idle(f);
    fx_free(f);
}

static void c_hang(struct fx *f, struct buf *out, int go)
{
    int fd = raw_connect(f);
    raw_send(fd, f->kept == NULL && f->handled == 0
                     ? "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"
                     : "GET /hangstream HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_go(go);
    close(fd);
    buf_puts(out, "closed");
}

static void hang_case(struct fx *f)
{
    struct run r;
    int go;
    int before = f->aborted;
    pid_t pid = client_start(f, c_hang, &r, &go);
    int64_t end = loop_clock_ms() + 5000;
    while (!f->kept && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_non_null(f->kept);
    assert_int_equal(httpd_active(f->h), 1);
    assert_int_equal(write(go, "g", 1), 1);
    close(go);
    client_finish(f, pid, &r);
    assert_string_equal(r.out.data, "closed");
    buf_release(&r.out);
    end = loop_clock_ms() + 5000;
    while (f->aborted == before && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_int_equal(f->aborted, before + 1);
    assert_null(f->kept);
}

static void test_client_gone_while_suspended(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    hang_case(f); /* suspended before any answer */
    hang_case(f); /* suspended mid-stream */
    assert_idle(f);
    /* a request kept when the server goes away is aborted too */
    struct run r;
    int go;
    f->handled = 0;
    pid_t pid = client_start(f, c_hang, &r, &go);
    int64_t end = loop_clock_ms() + 5000;
    while (!f->kept && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_non_null(f->kept);
    httpd_free(f->h);
    f->h = NULL;
    assert_int_equal(f->aborted, 3);
    assert_int_equal(write(go, "g", 1), 1);
    close(go);
    client_finish(f, pid, &r);
    buf_release(&r.out);
    struct err e;
    f->h = httpd_new(f->l, f->sc, f->fds, 2, handler, f, &e);
    assert_non_null(f->h);
    fx_free(f);
}

static void c_stall(struct fx *f, struct buf *out, int go)
{
    (void)go;
    /* a body shorter than its Content-Length: the loop must go on */
    int fd = raw_connect(f);
    raw_send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    CURL *c = easy_unix(f);
    curl_req(c, out, "http://localhost/fast", NULL, 0, NULL);
    curl_easy_cleanup(c);
    /* and the stalled connection is closed by the server's timeout */
    int64_t t0 = loop_clock_ms();
    struct buf b;
    buf_init(&b);
    int eof = raw_read(fd, &b, 6000);
    int64_t dt = loop_clock_ms() - t0;
    buf_printf(out, "eof=%d bytes=%zu %s", eof, b.len, dt >= 500 ? "after-timeout" : "early");
    buf_release(&b);
    close(fd);
    /* /drop: no response at all */
    fd = raw_connect(f);
    raw_send(fd, "GET /drop HTTP/1.1\r\nHost: x\r\n\r\n");
    buf_reset(&b);
    eof = raw_read(fd, &b, 5000);
    buf_printf(out, " drop:eof=%d bytes=%zu", eof, b.len);
    buf_release(&b);
    close(fd);
}

static void test_stalled_body_and_close(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    httpd_set_timeout(f->h, 1);
    char *out = run_client(f, c_stall);
    assert_string_equal(out, "200 1 fast\neof=1 bytes=0 after-timeout drop:eof=1 bytes=0");
    free(out);
    assert_int_equal(f->handled, 2);
    assert_idle(f);
    fx_free(f);
}

static void c_cut(struct fx *f, struct buf *out, int go)
{
    (void)go;
    const char *paths[] = {"/cutstream", "/latedrop"};
    for (int i = 0; i < 2; i++) {
        int fd = raw_connect(f);
        char req[128];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        raw_send(fd, req);
        struct buf b;
        buf_init(&b);
        int eof = raw_read(fd, &b, 5000);
        const char *body = strstr(b.data, "\r\n\r\n");
        buf_printf(out, "%s eof=%d body=%s|", paths[i], eof, body ? body + 4 : "none");
        buf_release(&b);
        close(fd);
    }
}

static void test_close_later(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    char *out = run_client(f, c_cut);
    /* cut mid-stream: no final chunk; dropped while suspended: nothing */
    assert_string_equal(out, "/cutstream eof=1 body=1\r\na\r\n|/latedrop eof=1 body=none|");
    free(out);
    assert_int_equal(f->aborted, 0);
    assert_idle(f);
    fx_free(f);
}

static void c_release(struct fx *f, struct buf *out, int go)
{
    int a = raw_connect(f);
    raw_send(a, "GET /wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    wait_go(go);
    int b = raw_connect(f);
    raw_send(b, "GET /release HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    struct buf ra, rb;
    buf_init(&ra);
    buf_init(&rb);
    int ea = raw_read(a, &ra, 5000), eb = raw_read(b, &rb, 5000);
    const char *ba = strstr(ra.data, "\r\n\r\n"), *bb = strstr(rb.data, "\r\n\r\n");
    buf_printf(out, "%d %s %d %s", ea, ba ? ba + 4 : "-", eb, bb ? bb + 4 : "-");
    buf_release(&ra);
    buf_release(&rb);
    close(a);
    close(b);
}

static void test_answer_from_other_handler(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, NULL);
    struct run r;
    int go;
    pid_t pid = client_start(f, c_release, &r, &go);
    int64_t end = loop_clock_ms() + 5000;
    while (!f->waiting && loop_clock_ms() < end)
        assert_int_equal(loop_run_once(f->l, 20), 0);
    assert_non_null(f->waiting);
    assert_int_equal(write(go, "g", 1), 1);
    close(go);
    client_finish(f, pid, &r);
    assert_string_equal(r.out.data, "1 released 1 ok");
    buf_release(&r.out);
    assert_idle(f);
    fx_free(f);
}

static void test_reason_and_bad_fd(void **state)
{
    (void)state;
    assert_string_equal(httpd_reason(411), "Length Required");
    assert_string_equal(httpd_reason(299), "Unknown");
    struct loop *l = loop_new();
    struct server_config sc = {.type = SERVER_UNIX, .section = (char *)"unix_http_server"};
    int fd = -1;
    struct err e;
    assert_null(httpd_new(l, &sc, &fd, 1, handler, NULL, &e));
    assert_int_equal(e.code, ERR_SYSTEM);
    assert_non_null(strstr(e.msg, "unix_http_server"));
    assert_int_equal(loop_timer_count(l), 0);
    loop_free(l);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_post_keepalive),
        cmocka_unit_test(test_header_order),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_auth_plain),
        cmocka_unit_test(test_auth_sha),
        cmocka_unit_test(test_deferred_does_not_block),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_client_gone_while_suspended),
        cmocka_unit_test(test_stalled_body_and_close),
        cmocka_unit_test(test_close_later),
        cmocka_unit_test(test_answer_from_other_handler),
        cmocka_unit_test(test_reason_and_bad_fd),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
