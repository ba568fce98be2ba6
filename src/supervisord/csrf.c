/* csrf: a random per-run token and the browser-or-not rule of csrf.h. The
 * token is compared in time independent of where it differs. */
#include "csrf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "httpd.h"

void csrf_init(struct csrf *c)
{
    unsigned char raw[32];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "supervisord: getrandom: %s\n", strerror(errno));
            abort();
        }
        got += (size_t)n;
    }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t k = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            c->token[k++] = b64[(acc >> bits) & 63];
        }
    }
    if (bits)
        c->token[k++] = b64[(acc << (6 - bits)) & 63];
    c->token[k] = '\0';
}

static bool token_eq(const char *token, const char *given)
{
    size_t n = strlen(token);
    if (strlen(given) != n) /* the length is public (CSRF_TOKEN_LEN) */
        return false;
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(token[i] ^ given[i]);
    return diff == 0;
}

bool csrf_request_ok(const struct csrf *c, const struct httpd_req *req, const char **why)
{
    const char *m = httpd_req_method(req);
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return true;
    const char *given = httpd_req_header(req, CSRF_HEADER);
    if (given) {
        if (token_eq(c->token, given))
            return true;
        *why = "FORBIDDEN: the " CSRF_HEADER " header does not match (reload the page)";
        return false;
    }
    /* Browsers add one of these to every POST a page makes (Origin to all
     * of them since 2020, Sec-Fetch-* on secure contexts, Referer unless
     * suppressed, Cookie when the site has any); scripts send none. */
    static const char *const marks[] = {"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Referer",
                                        "Cookie"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (httpd_req_header(req, marks[i])) {
            *why = "FORBIDDEN: a request from a browser page needs the " CSRF_HEADER
                   " header (the dashboard sends it)";
            return false;
        }
    }
    return true;
}
