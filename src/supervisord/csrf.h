/* csrf: the token that the dashboard's POSTs carry, and the rule that says
 * which requests to the JSON API must carry it (doc/api.md). A token is made
 * per daemon run from the kernel's random source; it is not tied to a user
 * (the HTTP server's Basic auth decides who may talk at all). Routing and
 * the answer to a refused request are web.c's and api.c's. */
#ifndef CSRF_H
#define CSRF_H

#include <stdbool.h>

struct httpd_req;

#define CSRF_HEADER "X-CSRF-Token"
#define CSRF_TOKEN_LEN 43 /* 32 random bytes, base64url without padding */

struct csrf {
    char token[CSRF_TOKEN_LEN + 1];
};

/* A fresh random token. Never fails (aborts if the kernel has no random
 * bytes to give, as the allocation wrappers do on out-of-memory). */
void csrf_init(struct csrf *c);

/* Whether req may go on. Reads (GET, HEAD) always may. Any other method
 * may when its X-CSRF-Token header equals the token, or when it carries
 * none of the headers a browser adds to a request a page makes (Origin,
 * Sec-Fetch-Site, Sec-Fetch-Mode, Referer, Cookie): curl and scripts keep
 * working, a form or fetch() from another site cannot act. On refusal
 * *why says why (static text). */
bool csrf_request_ok(const struct csrf *c, const struct httpd_req *req, const char **why);

#endif
