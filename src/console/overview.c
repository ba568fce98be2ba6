/* overview: hand-written JSON of the process list. It owns nothing; the
 * values are the nodes'. */
#include "overview.h"

#include <string.h>

#include "procdesc.h"

/* Length of the valid UTF-8 sequence at s (1..4, at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t k = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (!k || k > n)
        return 0;
    return xmlrpc_utf8_valid((const char *)s, k) ? k : 0;
}

void overview_string(struct buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str, *end = s + n;
    buf_reserve(b, n + 2);
    buf_putc(b, '"');
    while (s < end) {
        const unsigned char *run = s;
        while (s < end && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        buf_append(b, run, (size_t)(s - run));
        if (s == end)
            break;
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            buf_append(b, esc, 2);
            s++;
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, esc, 6);
            s++;
        } else {
            size_t k = utf8_seq(s, (size_t)(end - s));
            if (k) {
                buf_append(b, s, k);
                s += k;
            } else {
                buf_puts(b, "\xef\xbf\xbd");
                s++;
            }
        }
    }
    buf_putc(b, '"');
}

static void put_cstr(struct buf *b, const char *s)
{
    if (s)
        overview_string(b, s, strlen(s));
    else
        buf_puts(b, "null");
}

void overview_value(struct buf *b, const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT: buf_put_int(b, v->i); return;
    case XMLRPC_BOOL: buf_puts(b, v->i ? "true" : "false"); return;
    case XMLRPC_STRING: overview_string(b, v->s, v->len); return;
    case XMLRPC_DOUBLE:
        /* as jansson writes a real: %.17g, with a ".0" when it reads as an integer */
        if (v->d != v->d || v->d - v->d != 0) {
            buf_puts(b, "null"); /* JSON has no NaN or infinity (jansson refuses them) */
        } else {
            size_t at = b->len;
            buf_printf(b, "%.17g", v->d);
            if (!strpbrk(b->data + at, ".eE"))
                buf_puts(b, ".0");
        }
        return;
    case XMLRPC_NIL: buf_puts(b, "null"); return;
    case XMLRPC_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_putc(b, ',');
            overview_value(b, v->items[i]);
        }
        buf_putc(b, ']');
        return;
    case XMLRPC_STRUCT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_putc(b, ',');
            put_cstr(b, v->members[i].name);
            buf_putc(b, ':');
            overview_value(b, v->members[i].value);
        }
        buf_putc(b, '}');
        return;
    }
    buf_puts(b, "null");
}

static bool ours(const char *name)
{
    return strcmp(name, "node") == 0 || strcmp(name, "environment") == 0 ||
           strcmp(name, "node_online") == 0;
}

void overview_process(struct buf *b, const struct xmlrpc_value *p, const char *node,
                      const char *env, bool online)
{
    buf_putc(b, '{');
    if (p->type == XMLRPC_STRUCT) {
        for (size_t i = 0; i < p->n; i++) {
            if (ours(p->members[i].name))
                continue;
            put_cstr(b, p->members[i].name);
            buf_putc(b, ':');
            overview_value(b, p->members[i].value);
            buf_putc(b, ',');
        }
    }
    buf_puts(b, "\"node\":");
    put_cstr(b, node);
    buf_puts(b, ",\"environment\":");
    put_cstr(b, env);
    buf_puts(b, ",\"node_online\":");
    buf_puts(b, online ? "true}" : "false}");
}

void overview_proc(struct buf *b, const struct proctab_proc *p, const char *node, const char *env,
                   bool online, long long now)
{
    if (p->raw) {
        overview_process(b, p->raw, node, env, online);
        return;
    }
    /* the usual members: plain ASCII names, none of ours */
    buf_putc(b, '{');
    for (size_t i = 0; i < PROCTAB_MEMBERS; i++) {
        enum proctab_field f;
        long long v;
        const char *name = proctab_member(p, i, &f, &v);
        buf_putc(b, '"');
        buf_puts(b, name);
        buf_puts(b, "\":");
        bool live = now > 0 && p->state == 20; /* RUNNING: its uptime moves */
        if (live && f == PROCTAB_NFIELDS && strcmp(name, "now") == 0) {
            buf_put_int(b, now);
        } else if (live && f == PROCTAB_DESCRIPTION) {
            struct buf d;
            buf_init(&d);
            buf_printf(&d, "pid %lld, uptime ", p->pid);
            procdesc_uptime(&d, now - p->start);
            overview_string(b, d.data, d.len);
            buf_release(&d);
        } else if (f == PROCTAB_NFIELDS) {
            buf_put_int(b, v);
        } else {
            overview_string(b, proctab_str(p, f), proctab_len(p, f));
        }
        buf_putc(b, ',');
    }
    buf_puts(b, "\"node\":");
    put_cstr(b, node);
    buf_puts(b, ",\"environment\":");
    put_cstr(b, env);
    buf_puts(b, ",\"node_online\":");
    buf_puts(b, online ? "true}" : "false}");
}
