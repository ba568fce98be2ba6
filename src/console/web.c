/* web: routing of the UI's paths (/ and /static/<file>) to the embedded
 * files, with their headers; every other path is api.c's. The files are the
 * generated console_assets.c's (Makefile). */
#include "web.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

/* Scripts, styles, images and API calls from this origin only; no inline
 * code or style (the page has none), no plugins, never framed. */
#define WEB_CSP                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

static const struct web_file *find_file(const char *name)
{
    for (const struct web_file *f = web_files; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static void plain(struct http_req *req, int status, const char *text)
{
    http_add_header(req, "Cache-Control", "no-store");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_respond(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* The files are not fingerprinted: browsers revalidate each time (no-cache)
 * and a 304 answers when the binary has not changed. FNV-1a of the bytes:
 * a few microseconds per file. */
static void etag_of(const struct web_file *f, char *out, size_t size)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < f->len; i++) {
        h ^= f->data[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, size, "\"%016" PRIx64 "\"", h);
}

static void serve_file(struct http_req *req, const struct web_file *f)
{
    char etag[24];
    etag_of(f, etag, sizeof etag);
    http_add_header(req, "Cache-Control", "no-cache");
    http_add_header(req, "ETag", etag);
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_add_header(req, "X-Frame-Options", "DENY");
    http_add_header(req, "Referrer-Policy", "same-origin");
    http_add_header(req, "Content-Security-Policy", WEB_CSP);
    const char *inm = http_req_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        http_respond(req, 304, NULL, NULL, 0);
        return;
    }
    http_respond(req, 200, content_type(f->name), (const char *)f->data, f->len);
}

void web_handle(void *arg, struct http_req *req)
{
    static const char prefix[] = "/static/";
    const char *path = http_req_path(req);
    const char *name = NULL;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
        name = "index.html";
    else if (strncmp(path, prefix, sizeof prefix - 1) == 0)
        name = path + sizeof prefix - 1;
    if (!name) {
        api_handle(arg, req);
        return;
    }
    const char *method = http_req_method(req);
    /* DNS rebinding: the API's rule (loopback names and server_name) */
    if (!api_host_ok(arg, http_req_header(req, "Host"))) {
        plain(req, 403,
              "403 Forbidden: the Host header is neither a loopback name nor a "
              "server_name\n");
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        http_add_header(req, "Allow", "GET, HEAD");
        plain(req, 405, "405 Method Not Allowed\n");
        return;
    }
    const struct web_file *f = find_file(name);
    if (!f) {
        plain(req, 404, "404 Not Found\n");
        return;
    }
    serve_file(req, f);
}
