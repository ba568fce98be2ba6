/* web: the console's web UI, a one-page app (src/console/web/: index.html,
 * console.js, console.css) embedded in the binary at build time by a
 * Makefile rule (the generated console_assets.c). web_handle serves GET /
 * and /static/<file> with strict headers (CSP without inline code, nosniff,
 * no framing) and hands every other request to api_handle. What the page
 * does is doc/console.md's "Web UI". */
#ifndef CONSOLE_WEB_H
#define CONSOLE_WEB_H

#include <stddef.h>

#include "http.h"

struct web_file {
    const char *name;          /* file name, e.g. "console.js" */
    const unsigned char *data; /* len bytes (plus a NUL) */
    size_t len;
};

/* The embedded files, terminated by an entry with a NULL name (generated). */
extern const struct web_file web_files[];

/* The http_handler of the console: arg is the api (api.h), passed on to
 * api_handle for every request that is not a page of the UI. Pages answer
 * 403 to a Host that api_host_ok refuses (DNS rebinding), 404 to an
 * unknown file, 405 to a method other than GET or HEAD, and 304 to an
 * If-None-Match of the file's ETag. */
void web_handle(void *arg, struct http_req *req);

#endif
