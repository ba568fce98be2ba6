/* format: supervisorctl's output text, byte for byte as Python's
 * supervisorctl.py and cmd.Cmd produce it. */
#include "format.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "xalloc.h"

char *fmt_namespec(const char *group, const char *name)
{
    if (name && strcmp(group, name) == 0)
        return xstrdup(name);
    return xasprintf("%s:%s", group, name ? name : "None");
}

void fmt_split_namespec(const char *ns, char **group, char **name)
{
    const char *colon = strchr(ns, ':');
    if (!colon) {
        *group = xstrdup(ns);
        *name = xstrdup(ns);
        return;
    }
    *group = xstrndup(ns, (size_t)(colon - ns));
    const char *p = colon + 1;
    *name = (!*p || strcmp(p, "*") == 0) ? NULL : xstrdup(p);
}

/* len() of a str: code points (undecodable bytes count one each, as
 * surrogateescape would). */
static size_t py_len(const char *s)
{
    size_t n = strlen(s), count = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = ini_utf8_char(s + i, n - i, &cp);
        i += k > 0 ? (size_t)k : 1;
        count++;
    }
    return count;
}

void fmt_ljust(struct buf *out, const char *s, size_t width)
{
    buf_puts(out, s);
    for (size_t len = py_len(s); len < width; len++)
        buf_putc(out, ' ');
}

void fmt_status(struct buf *out, const struct fmt_status_row *rows, size_t n)
{
    size_t maxlen = 30;
    for (size_t i = 0; i < n; i++) {
        size_t l = py_len(rows[i].namespec);
        if (l > maxlen)
            maxlen = l;
    }
    for (size_t i = 0; i < n; i++) {
        fmt_ljust(out, rows[i].namespec, maxlen + 3);
        fmt_ljust(out, rows[i].statename, 10);
        buf_puts(out, rows[i].description);
        buf_putc(out, '\n');
    }
}

void fmt_avail(struct buf *out, const char *namespec, bool inuse, bool autostart,
               long long group_prio, long long process_prio)
{
    fmt_ljust(out, namespec, 32);
    buf_putc(out, ' ');
    fmt_ljust(out, inuse ? "in use" : "avail", 9);
    buf_putc(out, ' ');
    fmt_ljust(out, autostart ? "auto" : "manual", 9);
    buf_printf(out, " %lld:%lld", group_prio, process_prio);
}

void fmt_columnize(struct buf *out, const char *const *words, size_t n, size_t width)
{
    if (n == 0) {
        buf_puts(out, "<empty>\n");
        return;
    }
    if (n == 1) {
        buf_printf(out, "%s\n", words[0]);
        return;
    }
    size_t *colwidths = xcalloc(n, sizeof *colwidths);
    size_t nrows = 0, ncols = 0;
    bool fits = false;
    for (nrows = 1; nrows < n; nrows++) {
        ncols = (n + nrows - 1) / nrows;
        long totwidth = -2;
        size_t col;
        for (col = 0; col < ncols; col++) {
            size_t colwidth = 0;
            for (size_t row = 0; row < nrows; row++) {
                size_t i = row + nrows * col;
                if (i >= n)
                    break;
                size_t l = py_len(words[i]);
                if (l > colwidth)
                    colwidth = l;
            }
            colwidths[col] = colwidth;
            totwidth += (long)colwidth + 2;
            if (totwidth > (long)width)
                break;
        }
        if (totwidth <= (long)width) {
            fits = true;
            break;
        }
    }
    if (!fits) {
        nrows = n;
        ncols = 1;
        colwidths[0] = 0;
    }
    for (size_t row = 0; row < nrows; row++) {
        size_t last = 0; /* texts after trailing empties are dropped */
        for (size_t col = 0; col < ncols; col++) {
            size_t i = row + nrows * col;
            if (i < n && words[i][0])
                last = col + 1;
        }
        for (size_t col = 0; col < last; col++) {
            size_t i = row + nrows * col;
            if (col)
                buf_puts(out, "  ");
            fmt_ljust(out, i < n ? words[i] : "", colwidths[col]);
        }
        buf_putc(out, '\n');
    }
    free(colwidths);
}

void fmt_bytes_repr(struct buf *out, const char *data, size_t n)
{
    bool squote = memchr(data, '\'', n) != NULL, dquote = memchr(data, '"', n) != NULL;
    char q = (squote && !dquote) ? '"' : '\'';
    buf_putc(out, 'b');
    buf_putc(out, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == (unsigned char)q || c == '\\')
            buf_printf(out, "\\%c", c);
        else if (c == '\t')
            buf_puts(out, "\\t");
        else if (c == '\n')
            buf_puts(out, "\\n");
        else if (c == '\r')
            buf_puts(out, "\\r");
        else if (c < 0x20 || c >= 0x7f)
            buf_printf(out, "\\x%02x", c);
        else
            buf_putc(out, (char)c);
    }
    buf_putc(out, q);
}

void fmt_str_repr(struct buf *out, const char *s)
{
    char *r = ini_pyrepr(s, strlen(s));
    buf_puts(out, r);
    free(r);
}

const char *fmt_oserror_class(int e)
{
    switch (e) {
    case EAGAIN: case EALREADY: case EINPROGRESS: return "BlockingIOError";
    case ECHILD: return "ChildProcessError";
    case EPIPE: case ESHUTDOWN: return "BrokenPipeError";
    case ECONNABORTED: return "ConnectionAbortedError";
    case ECONNREFUSED: return "ConnectionRefusedError";
    case ECONNRESET: return "ConnectionResetError";
    case EEXIST: return "FileExistsError";
    case ENOENT: return "FileNotFoundError";
    case EISDIR: return "IsADirectoryError";
    case ENOTDIR: return "NotADirectoryError";
    case EINTR: return "InterruptedError";
    case EACCES: case EPERM: return "PermissionError";
    case ESRCH: return "ProcessLookupError";
    case ETIMEDOUT: return "TimeoutError";
    default: return "OSError";
    }
}

void fmt_oserror(struct buf *out, int e)
{
    buf_printf(out, "<class '%s'>, [Errno %d] %s", fmt_oserror_class(e), e, strerror(e));
}

int fmt_exit_from_fault(int cur, int code, int ignored)
{
    if (code == ignored || code == 80)
        return cur;
    if (code == 50 || code == 40 || code == 70) /* SPAWN_ERROR, ABNORMAL_TERMINATION, NOT_RUNNING */
        return 7;
    return 1;
}

/* urlsplit's scheme: letters, digits, "+-." before the first ':', starting
 * with a letter. Leading C0 controls and spaces are stripped first. */
static const char *url_rest(const char *url, char **scheme)
{
    while (*url && (unsigned char)*url <= ' ')
        url++;
    const char *colon = strchr(url, ':');
    *scheme = xstrdup("");
    if (!colon || colon == url || !isalpha((unsigned char)url[0]))
        return url;
    for (const char *p = url; p < colon; p++)
        if (!isalnum((unsigned char)*p) && !strchr("+-.", *p))
            return url;
    free(*scheme);
    *scheme = xstrndup(url, (size_t)(colon - url));
    for (char *p = *scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return colon + 1;
}

char *fmt_url_scheme(const char *url)
{
    char *scheme;
    url_rest(url, &scheme);
    return scheme;
}

bool fmt_url_valid(const char *url)
{
    char *scheme;
    const char *rest = url_rest(url, &scheme);
    bool has_scheme = scheme[0] != '\0';
    free(scheme);
    if (!has_scheme)
        return false;
    size_t restlen = strcspn(rest, "#?");
    if (restlen >= 2 && rest[0] == '/' && rest[1] == '/') {
        size_t net = strcspn(rest + 2, "/?#");
        if (net > 0)
            return true;
        rest += 2 + net;
        restlen -= 2 + net;
    }
    /* urlparse moves ";params" of the last segment out of the path. */
    size_t plen = restlen;
    const char *slash = NULL;
    for (size_t i = 0; i < restlen; i++)
        if (rest[i] == '/')
            slash = rest + i;
    const char *from = slash ? slash : rest;
    const char *semi = memchr(from, ';', restlen - (size_t)(from - rest));
    if (semi)
        plen = (size_t)(semi - rest);
    return plen > 0;
}
