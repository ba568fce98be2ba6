/* hdr: the request header values the console acts on; pure parsing. */
#include "hdr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- X-Forwarded-For ---- */

bool hdr_numeric_addr(const char *s, size_t len, char out[HDR_ADDR_MAX])
{
    char tmp[HDR_ADDR_MAX];
    if (len >= sizeof tmp)
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    unsigned char bin[16];
    if (inet_pton(AF_INET, tmp, bin) == 1)
        return inet_ntop(AF_INET, bin, out, HDR_ADDR_MAX) != NULL;
    if (inet_pton(AF_INET6, tmp, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, HDR_ADDR_MAX) != NULL;
    return false;
}

static bool trusted(char *const *list, size_t n, const char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], addr) == 0)
            return true;
    return false;
}

/* An X-Forwarded-For entry: an address, maybe with a port as some proxies
 * write it ("1.2.3.4:5678", "[::1]:80"). */
static bool forwarded_addr(const char *w, size_t wl, char out[HDR_ADDR_MAX])
{
    if (hdr_numeric_addr(w, wl, out))
        return true;
    const char *end;
    if (wl > 2 && w[0] == '[' && (end = memchr(w, ']', wl)) != NULL)
        return hdr_numeric_addr(w + 1, (size_t)(end - w - 1), out) && strchr(out, ':');
    end = memchr(w, ':', wl);
    return end && !memchr(end + 1, ':', wl - (size_t)(end - w) - 1) &&
           hdr_numeric_addr(w, (size_t)(end - w), out);
}

void hdr_forwarded_client(const char *peer, const char *xff, char *const *list, size_t n,
                           char out[HDR_ADDR_MAX])
{
    snprintf(out, HDR_ADDR_MAX, "%s", peer);
    if (!xff || !trusted(list, n, peer))
        return;
    /* Right to left: each trusted hop vouches for the one before it; the
     * first address no trusted proxy owns is the client. An entry that is
     * no address ends the walk at the hop that wrote it. */
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        const char *w = xff + start;
        size_t wl = end - start;
        while (wl && (*w == ' ' || *w == '\t'))
            w++, wl--;
        while (wl && (w[wl - 1] == ' ' || w[wl - 1] == '\t'))
            wl--;
        char addr[HDR_ADDR_MAX];
        if (!forwarded_addr(w, wl, addr))
            return;
        snprintf(out, HDR_ADDR_MAX, "%s", addr);
        if (!trusted(list, n, addr))
            return;
        end = start > 0 ? start - 1 : 0;
    }
}

/* ---- Accept-Encoding ---- */

/* One token of a comma list ("gzip;q=0.5"): its name and whether its q
 * is above zero. */
static bool coding_token(const char *t, size_t n, const char **name, size_t *namelen)
{
    const char *semi = memchr(t, ';', n);
    size_t nl = semi ? (size_t)(semi - t) : n;
    while (nl && (t[nl - 1] == ' ' || t[nl - 1] == '\t'))
        nl--;
    *name = t;
    *namelen = nl;
    for (const char *p = semi; p && p < t + n;) {
        p++;
        while (p < t + n && (*p == ' ' || *p == '\t'))
            p++;
        if (t + n - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            /* q=0, q=0.0, q=0.000: refused; anything else accepts */
            const char *v = p + 2;
            if (v < t + n && *v == '0') {
                v++;
                if (v < t + n && *v == '.')
                    for (v++; v < t + n && *v == '0'; v++)
                        ;
                while (v < t + n && (*v == ' ' || *v == '\t'))
                    v++;
                if (v == t + n || *v == ';')
                    return false;
            }
        }
        p = memchr(p, ';', (size_t)(t + n - p));
    }
    return true;
}

bool hdr_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return false;
    int gzip = -1, star = -1; /* -1: not named; 0: refused; 1: accepted */
    const char *p = accept_encoding;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *t = p;
        size_t tl = len;
        while (tl && (*t == ' ' || *t == '\t'))
            t++, tl--;
        const char *name;
        size_t nl;
        bool ok = coding_token(t, tl, &name, &nl);
        if ((nl == 4 && strncasecmp(name, "gzip", 4) == 0) ||
            (nl == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            gzip = ok;
        else if (nl == 1 && name[0] == '*')
            star = ok;
        p += len;
        if (*p == ',')
            p++;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}
