/* capture: routes one child output channel as Supervisor's POutputDispatcher
 * (record_output, _log, toggle_capturemode). Owns the pending bytes and the
 * capture-mode buffer; borrows the logfile; events leave through hooks. */
#include "capture.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "logfile.h"
#include "xalloc.h"
#include "xmlrpc.h"

static const char BEGIN_TOKEN[] = "<!--XSUPERVISOR:BEGIN-->";
static const char END_TOKEN[] = "<!--XSUPERVISOR:END-->";

struct capture {
    struct capture_config cfg;  /* name and channel point at the copies below */
    char *name;                 /* owned */
    char *channel;              /* owned */
    char *syslog_prefix;        /* owned: "<name> " */
    struct capture_hooks hooks;
    bool to_mainlog;            /* decided at creation, as Supervisor does per spawn */
    bool capturing;
    bool log_failing;           /* a write error was reported; quiet until healed */
    unsigned long long lost_before; /* logfile_lost() when the failure began */
    struct buf pending;         /* output_buffer: bytes not yet routed */
    struct buf captured;        /* the BoundIO of capture mode */
};

struct capture *capture_new(const struct capture_config *cfg, const struct capture_hooks *hooks)
{
    struct capture *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->name = xstrdup(cfg->name ? cfg->name : "");
    c->channel = xstrdup(cfg->channel ? cfg->channel : "stdout");
    c->cfg.name = c->name;
    c->cfg.channel = c->channel;
    c->syslog_prefix = xasprintf("%s ", c->name);
    if (hooks)
        c->hooks = *hooks;
    c->to_mainlog = log_enabled(LOG_DEBG);
    buf_init(&c->pending);
    buf_init(&c->captured);
    return c;
}

void capture_free(struct capture *c)
{
    if (!c)
        return;
    buf_release(&c->pending);
    buf_release(&c->captured);
    free(c->name);
    free(c->channel);
    free(c->syslog_prefix);
    free(c);
}

void capture_set_log(struct capture *c, struct logfile *log)
{
    c->cfg.log = log;
    c->log_failing = false;
}

/* ---- Python reprs for the main log ---- */

static char repr_quote(const unsigned char *s, size_t n)
{
    bool single = memchr(s, '\'', n) != NULL;
    bool dbl = memchr(s, '"', n) != NULL;
    return single && !dbl ? '"' : '\'';
}

static void repr_byte(struct buf *out, unsigned char ch, char quote)
{
    static const char hex[] = "0123456789abcdef";
    if (ch == (unsigned char)quote || ch == '\\') {
        buf_putc(out, '\\');
        buf_putc(out, (char)ch);
    } else if (ch == '\t') {
        buf_puts(out, "\\t");
    } else if (ch == '\n') {
        buf_puts(out, "\\n");
    } else if (ch == '\r') {
        buf_puts(out, "\\r");
    } else if (ch < 0x20 || ch >= 0x7f) {
        char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
        buf_append(out, esc, 4);
    } else {
        buf_putc(out, (char)ch);
    }
}

/* repr(bytes): b'...' */
static void bytes_repr(struct buf *out, const void *data, size_t n)
{
    const unsigned char *s = data;
    char q = repr_quote(s, n);
    buf_putc(out, 'b');
    buf_putc(out, q);
    for (size_t i = 0; i < n; i++)
        repr_byte(out, s[i], q);
    buf_putc(out, q);
}

/* repr(str) of a UTF-8 name: ASCII as bytes_repr; non-ASCII kept, except
 * the non-printable U+0080..U+00A0 and U+00AD, which Python escapes. */
static void str_repr(struct buf *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    char q = repr_quote(s, n);
    buf_putc(out, q);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            repr_byte(out, s[i], q);
        } else if (s[i] == 0xc2 && i + 1 < n && (s[i + 1] <= 0xa0 || s[i + 1] == 0xad)) {
            repr_byte(out, s[i + 1], q);
            i++;
        } else {
            buf_putc(out, (char)s[i]);
        }
    }
    buf_putc(out, q);
}

/* ---- routing ---- */

static void mainlog_copy(struct capture *c, const void *raw, size_t rawn, const void *data,
                         size_t n)
{
    struct buf msg;
    buf_init(&msg);
    str_repr(&msg, c->name);
    buf_printf(&msg, " %s output:\n", c->channel);
    if (c->cfg.mainlog_repr) {
        bytes_repr(&msg, raw, rawn); /* the listener dispatcher logs the raw bytes */
    } else if (xmlrpc_utf8_valid(data, n)) {
        buf_append(&msg, data, n);
    } else {
        buf_puts(&msg, "Undecodable: ");
        bytes_repr(&msg, data, n);
    }
    log_raw(LOG_DEBG, msg.data, msg.len);
    buf_release(&msg);
}

/* BoundIO.write: over the bound, drop as many leading bytes as are being
 * written (not "keep the last maxbytes"); Supervisor's quirk, kept. */
static void bound_write(struct capture *c, const void *data, size_t n)
{
    if ((long long)(c->captured.len + n) > c->cfg.capture_maxbytes)
        buf_consume(&c->captured, n);
    buf_append(&c->captured, data, n);
}

/* _log: one piece of output to every destination. */
static void route(struct capture *c, const char *raw, size_t rawn)
{
    if (rawn == 0)
        return;
    struct buf stripped;
    buf_init(&stripped);
    const char *data = raw;
    size_t n = rawn;
    if (c->cfg.strip_ansi) {
        log_strip_ansi(raw, rawn, &stripped);
        data = stripped.data;
        n = stripped.len;
    }
    if (c->capturing) {
        bound_write(c, data, n);
    } else {
        if (c->cfg.log) {
            struct err e;
            unsigned long long lost = logfile_lost(c->cfg.log);
            if (logfile_write(c->cfg.log, data, n, &e) < 0) {
                if (!c->log_failing) {
                    log_error("%s", e.msg);
                    c->lost_before = lost;
                }
                c->log_failing = true;
            } else if (c->log_failing) {
                /* say once that the log heals, and what the gap cost */
                log_info("resumed writing '%s' (%llu bytes lost)", logfile_path(c->cfg.log),
                         lost - c->lost_before);
                c->log_failing = false;
            }
        }
        if (c->cfg.syslog)
            log_syslog(c->syslog_prefix, data, n);
    }
    if (c->to_mainlog)
        mainlog_copy(c, raw, rawn, data, n);
    if (c->cfg.events_enabled && c->hooks.log_event)
        c->hooks.log_event(c->hooks.ctx, c->channel, data, n);
    buf_release(&stripped);
}

static void toggle(struct capture *c)
{
    c->capturing = !c->capturing;
    if (c->capturing)
        return;
    if (c->hooks.comm_event)
        c->hooks.comm_event(c->hooks.ctx, c->channel, c->captured.data, c->captured.len);
    struct buf name;
    buf_init(&name);
    str_repr(&name, c->name);
    log_debug("%s %s emitted a comm event", name.data, c->channel);
    buf_release(&name);
    buf_reset(&c->captured);
}

/* find_prefix_at_end: the longest proper prefix of tok ending data. */
static size_t prefix_at_end(const char *data, size_t n, const char *tok, size_t toklen)
{
    for (size_t l = toklen - 1; l > 0; l--)
        if (l <= n && memcmp(data + n - l, tok, l) == 0)
            return l;
    return 0;
}

/* record_output. With final set (EOF) nothing is held back: a token is
 * still recognised however short the rest, and any partial token is
 * written as data. */
static void record(struct capture *c, bool final)
{
    while (c->pending.len > 0) {
        const char *tok = c->capturing ? END_TOKEN : BEGIN_TOKEN;
        size_t toklen = c->capturing ? sizeof END_TOKEN - 1 : sizeof BEGIN_TOKEN - 1;
        /* Supervisor waits for more than a token's length before looking. */
        if (!final && c->pending.len <= toklen)
            return;
        const char *at = memmem(c->pending.data, c->pending.len, tok, toklen);
        if (!at) {
            size_t hold = final ? 0 : prefix_at_end(c->pending.data, c->pending.len, tok, toklen);
            size_t n = c->pending.len - hold;
            route(c, c->pending.data, n);
            buf_consume(&c->pending, n);
            return;
        }
        size_t before = (size_t)(at - c->pending.data);
        route(c, c->pending.data, before);
        toggle(c);
        buf_consume(&c->pending, before + toklen);
    }
}

void capture_feed(struct capture *c, const void *data, size_t n)
{
    if (n == 0)
        return;
    if (c->cfg.capture_maxbytes <= 0) {
        route(c, data, n); /* no tokens to look for: nothing is ever held */
        return;
    }
    buf_append(&c->pending, data, n);
    record(c, false);
}

void capture_flush(struct capture *c)
{
    record(c, true);
}
