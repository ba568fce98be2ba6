/* client: HTTP/1.1 over unix or TCP sockets for XML-RPC calls and the
 * /logtail stream, reporting failures as the Python exceptions
 * supervisorctl 4.2.5 shows (class, text, and the file:line where Python's
 * stack raises them, which supervisorctl prints). */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "format.h"
#include "xalloc.h"

/* Where Python 3.11 raises what supervisorctl prints (compact_traceback
 * names the innermost frame). */
#define PY_SOCKET "/usr/lib/python3.11/socket.py"
#define PY_HTTPCLIENT "/usr/lib/python3.11/http/client.py"
#define PY_SV_XMLRPC "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py"
#define PY_XMLRPC_CLIENT "/usr/lib/python3.11/xmlrpc/client.py"

void client_result_release(struct client_result *r)
{
    xmlrpc_free(r->value);
    free(r->fault_string);
    free(r->exc);
    memset(r, 0, sizeof *r);
}

static void b64(struct buf *out, const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        buf_putc(out, tab[(v >> 18) & 63]);
        buf_putc(out, tab[(v >> 12) & 63]);
        buf_putc(out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
        buf_putc(out, i + 2 < n ? tab[v & 63] : '=');
    }
}

/* urlparse(url) for an http:// URL: hostname (lower-cased, brackets off),
 * port (-1 = None), netloc. Returns -1 + *exc for a bad port. */
static int parse_http(const char *url, char **host, int *port, char **netloc, char **exc)
{
    const char *p = url + strlen("http://");
    size_t nl = strcspn(p, "/?#");
    *netloc = xstrndup(p, nl);
    const char *hp = *netloc;
    const char *at = strrchr(hp, '@');
    if (at)
        hp = at + 1;
    const char *portstr = NULL;
    if (hp[0] == '[') {
        const char *rb = strchr(hp, ']');
        size_t hl = rb ? (size_t)(rb - hp - 1) : strlen(hp + 1);
        *host = xstrndup(hp + 1, hl);
        if (rb && rb[1] == ':')
            portstr = rb + 2;
    } else {
        const char *colon = strchr(hp, ':');
        *host = colon ? xstrndup(hp, (size_t)(colon - hp)) : xstrdup(hp);
        if (colon)
            portstr = colon + 1;
    }
    for (char *c = *host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *port = -1;
    if (portstr && *portstr) {
        char *end;
        long v = strtol(portstr, &end, 10);
        bool digits = true;
        for (const char *c = portstr; *c; c++)
            if (!isdigit((unsigned char)*c))
                digits = false;
        if (!digits || *end || v > 65535) {
            if (digits)
                *exc = xasprintf("<class 'ValueError'>, Port out of range 0-65535: file: "
                                 "/usr/lib/python3.11/urllib/parse.py line: 184");
            else
                *exc = xasprintf("<class 'ValueError'>, Port could not be cast to integer "
                                 "value as '%s': file: /usr/lib/python3.11/urllib/parse.py "
                                 "line: 182",
                                 portstr);
            free(*host);
            free(*netloc);
            *host = *netloc = NULL;
            return -1;
        }
        *port = (int)v;
    }
    return 0;
}

static char *oserror_exc(int e, const char *file, int line)
{
    struct buf b;
    buf_init(&b);
    fmt_oserror(&b, e);
    buf_printf(&b, ": file: %s line: %d", file, line);
    return buf_detach(&b);
}

int client_connect(const char *serverurl, int *err_errno, char **exc)
{
    *err_errno = 0;
    *exc = NULL;
    if (strncmp(serverurl, "unix://", 7) == 0) {
        const char *path = serverurl + 7;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path) {
            *exc = xasprintf("<class 'OSError'>, AF_UNIX path too long: file: %s line: 557",
                             PY_SV_XMLRPC);
            return -1;
        }
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            *err_errno = errno;
            *exc = oserror_exc(errno, PY_SV_XMLRPC, 557);
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    if (strncmp(serverurl, "http://", 7) != 0) {
        *exc = xasprintf("<class 'ValueError'>, Unknown protocol for serverurl %s: file: %s "
                         "line: 505",
                         serverurl, PY_SV_XMLRPC);
        return -1;
    }
    char *host, *netloc;
    int port;
    if (parse_http(serverurl, &host, &port, &netloc, exc) < 0)
        return -1;
    free(netloc);
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port < 0 ? 80 : port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, portbuf, &hints, &res);
    free(host);
    if (rc != 0) {
        if (rc == EAI_SYSTEM) {
            *err_errno = errno;
            *exc = oserror_exc(errno, PY_SOCKET, 962);
        } else {
            *exc = xasprintf("<class 'socket.gaierror'>, [Errno %d] %s: file: %s line: 962", rc,
                             gai_strerror(rc), PY_SOCKET);
        }
        return -1;
    }
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        last = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *err_errno = last;
        *exc = oserror_exc(last, PY_SOCKET, 836);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read until the peer closes or `want` (if >= 0) body bytes past the header
 * are in b. Returns 0, or -1 with errno. */
static ssize_t recv_some(int fd, struct buf *b)
{
    char tmp[65536];
    for (;;) {
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0)
            buf_append(b, tmp, (size_t)r);
        return r;
    }
}

static void fail_other(struct client_result *r, char *exc)
{
    r->kind = CLIENT_OTHER;
    r->exc = exc;
}

/* Decode a chunked body in place; -1 when malformed or incomplete. */
static int dechunk(const char *p, size_t n, struct buf *out)
{
    size_t i = 0;
    for (;;) {
        const char *eol = memchr(p + i, '\n', n - i);
        if (!eol)
            return -1;
        char *end;
        unsigned long long sz = strtoull(p + i, &end, 16);
        if (end == p + i)
            return -1;
        i = (size_t)(eol - p) + 1;
        if (sz == 0)
            return 0;
        if (sz > n - i)
            return -1;
        buf_append(out, p + i, sz);
        i += sz;
        if (i < n && p[i] == '\r')
            i++;
        if (i < n && p[i] == '\n')
            i++;
    }
}

/* The header value of name (case-insensitive) in the header block, or NULL. */
static char *header_value(const char *hdr, size_t hlen, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = hdr, *end = hdr + hlen;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            return xstrndup(v, (size_t)(ve - v));
        }
        p = eol + 1;
    }
    return NULL;
}

enum client_kind client_call(const struct client_conf *c, const char *method,
                             const struct xmlrpc_value *params, struct client_result *r)
{
    memset(r, 0, sizeof *r);
    int e;
    char *exc;
    int fd = client_connect(c->serverurl, &e, &exc);
    if (fd < 0) {
        r->kind = e ? CLIENT_OSERROR : CLIENT_OTHER;
        r->sys_errno = e;
        r->exc = exc;
        return r->kind;
    }
    struct buf body, req, resp, decoded;
    buf_init(&body);
    buf_init(&req);
    buf_init(&resp);
    buf_init(&decoded);
    xmlrpc_write_call(&body, method, params);
    const char *host = "localhost";
    char *hostbuf = NULL;
    if (strncmp(c->serverurl, "http://", 7) == 0) {
        char *h, *nl, *x = NULL;
        int port;
        if (parse_http(c->serverurl, &h, &port, &nl, &x) == 0) {
            bool v6 = strchr(h, ':') != NULL;
            hostbuf = (port < 0 || port == 80) ? xasprintf(v6 ? "[%s]" : "%s", h)
                                               : xasprintf(v6 ? "[%s]:%d" : "%s:%d", h, port);
            host = hostbuf;
            free(h);
            free(nl);
        }
        free(x);
    }
    buf_printf(&req,
               "POST /RPC2 HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: identity\r\n"
               "User-Agent: Python-xmlrpc/3.11\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n",
               host);
    free(hostbuf);
    if (c->username && c->password) {
        char *cred = xasprintf("%s:%s", c->username, c->password);
        buf_puts(&req, "Authorization: Basic ");
        b64(&req, cred);
        buf_puts(&req, "\r\n");
        free(cred);
    }
    buf_printf(&req, "Content-Length: %zu\r\n\r\n", body.len);
    buf_append(&req, body.data, body.len);
    if (send_all(fd, req.data, req.len) < 0) {
        r->kind = CLIENT_OSERROR;
        r->sys_errno = errno;
        r->exc = oserror_exc(errno, PY_SOCKET, 0);
        goto out;
    }
    /* Headers first: a non-200 ends the call at once (a 401 from Supervisor
     * keeps the socket open). */
    char *hend = NULL;
    for (;;) {
        hend = strstr(resp.data, "\r\n\r\n");
        if (hend)
            break;
        ssize_t n = recv_some(fd, &resp);
        if (n < 0) {
            r->kind = CLIENT_OSERROR;
            r->sys_errno = errno;
            r->exc = oserror_exc(errno, PY_SOCKET, 706);
            goto out;
        }
        if (n == 0) {
            if (resp.len == 0)
                fail_other(r, xasprintf("<class 'http.client.RemoteDisconnected'>, Remote end "
                                        "closed connection without response: file: %s line: 287",
                                        PY_HTTPCLIENT));
            else
                fail_other(r, xasprintf("<class 'http.client.IncompleteRead'>, "
                                        "IncompleteRead(%zu bytes read): file: %s line: 287",
                                        resp.len, PY_HTTPCLIENT));
            goto out;
        }
    }
    size_t hlen = (size_t)(hend - resp.data) + 4;
    int status = 0;
    char reason[256] = "";
    if (sscanf(resp.data, "HTTP/%*s %d %255[^\r\n]", &status, reason) < 1) {
        char *line = xstrndup(resp.data, strcspn(resp.data, "\r\n"));
        struct buf b;
        buf_init(&b);
        buf_puts(&b, "<class 'http.client.BadStatusLine'>, ");
        fmt_str_repr(&b, line);
        buf_printf(&b, ": file: %s line: 300", PY_HTTPCLIENT);
        free(line);
        fail_other(r, buf_detach(&b));
        goto out;
    }
    if (status != 200) {
        r->kind = CLIENT_HTTP;
        r->http_status = status;
        r->exc = xasprintf("<class 'xmlrpc.client.ProtocolError'>, <ProtocolError for "
                           "127.0.0.1/RPC2: %d %s>: file: %s line: 539",
                           status, reason, PY_SV_XMLRPC);
        goto out;
    }
    char *cl = header_value(resp.data, hlen, "Content-Length");
    char *te = header_value(resp.data, hlen, "Transfer-Encoding");
    bool chunked = te && strcasecmp(te, "chunked") == 0;
    long long want = cl && !chunked ? atoll(cl) : -1;
    free(cl);
    free(te);
    for (;;) {
        size_t have = resp.len - hlen;
        if (want >= 0 && (long long)have >= want)
            break;
        if (chunked && dechunk(resp.data + hlen, have, &decoded) == 0)
            break;
        buf_reset(&decoded);
        ssize_t n = recv_some(fd, &resp);
        if (n < 0) {
            r->kind = CLIENT_OSERROR;
            r->sys_errno = errno;
            r->exc = oserror_exc(errno, PY_SOCKET, 706);
            goto out;
        }
        if (n == 0) {
            if (want >= 0 || chunked) {
                fail_other(r, xasprintf("<class 'http.client.IncompleteRead'>, "
                                        "IncompleteRead(%zu bytes read): file: %s line: 629",
                                        resp.len - hlen, PY_HTTPCLIENT));
                goto out;
            }
            break;
        }
    }
    const char *data = chunked ? decoded.data : resp.data + hlen;
    size_t dlen = chunked ? decoded.len : (want >= 0 ? (size_t)want : resp.len - hlen);
    struct err err;
    err_clear(&err);
    if (xmlrpc_parse_response(data, dlen, &r->value, &r->fault_code, &r->fault_string, &err) <
        0) {
        fail_other(r, xasprintf("<class 'xml.parsers.expat.ExpatError'>, %s: file: %s line: 451",
                                err.msg, PY_XMLRPC_CLIENT));
        goto out;
    }
    r->kind = r->fault_code ? CLIENT_FAULT : CLIENT_OK;
out:
    close(fd);
    buf_release(&body);
    buf_release(&req);
    buf_release(&resp);
    buf_release(&decoded);
    return r->kind;
}

/* ---- /logtail ---- */

int client_stream_open(const struct client_conf *c, const char *path)
{
    int e;
    char *exc;
    int fd = client_connect(c->serverurl, &e, &exc);
    free(exc);
    if (fd < 0) {
        errno = e ? e : ECONNREFUSED;
        return -1;
    }
    /* Host is urlparse(serverurl + path).netloc: empty for unix://. */
    char *netloc = xstrdup("");
    if (strncmp(c->serverurl, "http://", 7) == 0) {
        const char *p = c->serverurl + 7;
        free(netloc);
        netloc = xstrndup(p, strcspn(p, "/?#"));
    }
    struct buf req;
    buf_init(&req);
    buf_printf(&req,
               "GET %s HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: chunked\r\nAccept: */*\r\n"
               "User-agent: Supervisor HTTP Client\r\n",
               path, netloc);
    free(netloc);
    if (c->password && *c->password) {
        char *cred = xasprintf("%s:%s", c->username ? c->username : "None", c->password);
        buf_puts(&req, "Authorization: Basic ");
        b64(&req, cred);
        buf_puts(&req, "\r\n");
        free(cred);
    }
    buf_puts(&req, "\r\n\r\n"); /* the extra CRLF is Supervisor's */
    int rc = send_all(fd, req.data, req.len);
    int saved = errno;
    buf_release(&req);
    if (rc < 0) {
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void tailp_init(struct tailp *t)
{
    memset(t, 0, sizeof *t);
    buf_init(&t->line);
}

void tailp_release(struct tailp *t)
{
    buf_release(&t->line);
}

/* One CRLF-terminated line (without the CRLF) from the pending bytes. */
static void tailp_line(struct tailp *t, const char *line, size_t n)
{
    switch (t->state) {
    case TAILP_STATUS: {
        /* version, status, reason = line.split(None, 2) */
        char *copy = xstrndup(line, n);
        char *save = NULL;
        char *version = strtok_r(copy, " \t\v\f\r\n", &save);
        char *st = version ? strtok_r(NULL, " \t\v\f\r\n", &save) : NULL;
        char *rest = st ? strtok_r(NULL, "", &save) : NULL;
        char *end = NULL;
        long v = st ? strtol(st, &end, 10) : 0;
        if (!rest || !st || *end || strncmp(version, "HTTP/", 5) != 0) {
            t->error = true;
            t->state = TAILP_DONE;
        } else {
            t->status = (int)v;
            t->state = v == 200 ? TAILP_HEADERS : TAILP_DONE;
        }
        free(copy);
        break;
    }
    case TAILP_HEADERS:
        if (n == 0) {
            if (t->chunked) {
                t->state = TAILP_SIZE;
            } else {
                /* No Content-Length: asynchat's terminator 0 collects
                 * everything until the server closes. */
                t->state = TAILP_BODY;
                t->got = 0;
            }
            break;
        }
        {
            const char *colon = memchr(line, ':', n);
            if (!colon) {
                t->error = true;
                t->state = TAILP_DONE;
                break;
            }
            size_t nl = (size_t)(colon - line);
            const char *v = colon + 1, *ve = line + n;
            while (v < ve && isspace((unsigned char)*v))
                v++;
            while (ve > v && isspace((unsigned char)ve[-1]))
                ve--;
            if (nl == 0 || colon + 1 == line + n)
                break; /* "if name and value" */
            if (nl == 17 && strncasecmp(line, "transfer-encoding", 17) == 0)
                t->chunked = (size_t)(ve - v) == 7 && memcmp(v, "chunked", 7) == 0;
            else if (nl == 14 && strncasecmp(line, "content-length", 14) == 0) {
                char *num = xstrndup(v, (size_t)(ve - v));
                char *end;
                long long len = strtoll(num, &end, 10);
                if (end == num || *end) {
                    t->error = true;
                    t->state = TAILP_DONE;
                } else {
                    t->length = len;
                }
                free(num);
            }
        }
        break;
    case TAILP_SIZE: {
        if (n == 0)
            break;
        /* int(line.split()[0], 16) */
        size_t i = 0;
        while (i < n && isspace((unsigned char)line[i]))
            i++;
        size_t j = i;
        while (j < n && !isspace((unsigned char)line[j]))
            j++;
        char *word = xstrndup(line + i, j - i);
        char *w = word;
        if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
            w += 2;
        char *end;
        errno = 0;
        long long sz = strtoll(w, &end, 16);
        bool ok = *w && !*end && w[0] != '-' && w[0] != '+' && errno == 0;
        free(word);
        if (!ok) {
            t->error = true;
            t->state = TAILP_DONE;
        } else if (sz == 0) {
            t->state = TAILP_TRAILER;
        } else {
            t->length = sz;
            t->got = 0;
            t->state = TAILP_CHUNK;
        }
        break;
    }
    default:
        break; /* trailer: never done (Python compares a stripped line with CRLF) */
    }
}

enum tailp_state tailp_feed(struct tailp *t, const char *p, size_t n,
                            const struct tailp_sink *sink)
{
    while (n > 0 && t->state != TAILP_DONE) {
        if (t->state == TAILP_CHUNK) {
            /* A chunk goes out whole, as asynchat's numeric terminator gives it. */
            size_t need = (size_t)(t->length - (long long)t->line.len);
            size_t k = n < need ? n : need;
            buf_append(&t->line, p, k);
            p += k;
            n -= k;
            if ((long long)t->line.len == t->length) {
                sink->data(sink->ctx, t->line.data, t->line.len);
                buf_reset(&t->line);
                t->state = TAILP_SIZE;
            }
            continue;
        }
        if (t->state == TAILP_BODY) {
            size_t k = n;
            if (t->length > 0 && (size_t)(t->length - t->got) < n)
                k = (size_t)(t->length - t->got);
            sink->data(sink->ctx, p, k);
            t->got += (long long)k;
            p += k;
            n -= k;
            if (t->length > 0 && t->got == t->length)
                t->state = TAILP_DONE;
            continue;
        }
        /* Line states: asynchat's CRLF terminator. */
        const char *lf = NULL;
        size_t i = 0;
        for (; i < n; i++) {
            if (p[i] == '\n' && ((i > 0 && p[i - 1] == '\r') ||
                                 (i == 0 && t->line.len && t->line.data[t->line.len - 1] == '\r'))) {
                lf = p + i;
                break;
            }
        }
        if (!lf) {
            buf_append(&t->line, p, n);
            if (t->line.len > 1 << 20) { /* no line is that long */
                t->error = true;
                t->state = TAILP_DONE;
            }
            break;
        }
        buf_append(&t->line, p, i + 1);
        p += i + 1;
        n -= i + 1;
        size_t linelen = t->line.len - 2;
        char *line = xmalloc(linelen + 1); /* may hold NULs */
        memcpy(line, t->line.data, linelen);
        line[linelen] = '\0';
        buf_reset(&t->line);
        tailp_line(t, line, linelen);
        free(line);
    }
    return t->state;
}
