/* expand: Python's "fmt % dict" (PyUnicode_Format) for %(name)s expansion.
 * Mirrors CPython 3.11's parser step by step (including where it reads a
 * stale character) so that every error text and index matches. Values are
 * str or int; a bare %s formats the whole mapping as a dict repr. */
#include "expand.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ini.h"
#include "xalloc.h"

/* Caps on width/precision and on a whole expanded value: Python would try
 * to allocate (a hostile config could ask for gigabytes); we refuse. */
#define EXPAND_MAX_WIDTH (1L * 1024 * 1024)
#define EXPAND_MAX_OUTPUT (16L * 1024 * 1024)

void expand_vars_init(struct expand_vars *vs)
{
    memset(vs, 0, sizeof *vs);
}

void expand_vars_release(struct expand_vars *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].s);
    }
    free(vs->v);
    memset(vs, 0, sizeof *vs);
}

static struct expand_var *find(const struct expand_vars *vs, const char *name)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i].name, name) == 0)
            return &vs->v[i];
    return NULL;
}

const struct expand_var *expand_vars_get(const struct expand_vars *vs, const char *name)
{
    return find(vs, name);
}

/* Python dicts keep a key's first position when its value is replaced. */
static struct expand_var *slot(struct expand_vars *vs, const char *name)
{
    struct expand_var *v = find(vs, name);
    if (v) {
        free(v->s);
        v->s = NULL;
        return v;
    }
    vs->v = xgrow(vs->v, &vs->cap, vs->n + 1, sizeof *vs->v);
    v = &vs->v[vs->n++];
    memset(v, 0, sizeof *v);
    v->name = xstrdup(name);
    return v;
}

void expand_vars_set_str(struct expand_vars *vs, const char *name, const char *value)
{
    char *copy = xstrdup(value); /* value may alias the slot being replaced */
    struct expand_var *v = slot(vs, name);
    v->type = EXPAND_STR;
    v->s = copy;
}

void expand_vars_set_int(struct expand_vars *vs, const char *name, long long value)
{
    struct expand_var *v = slot(vs, name);
    v->type = EXPAND_INT;
    v->i = value;
}

void expand_vars_copy(struct expand_vars *dst, const struct expand_vars *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (src->v[i].type == EXPAND_STR)
            expand_vars_set_str(dst, src->v[i].name, src->v[i].s);
        else
            expand_vars_set_int(dst, src->v[i].name, src->v[i].i);
    }
}

void expand_vars_add_environ(struct expand_vars *vs, char *const *envp)
{
    size_t before = vs->n;
    for (; envp && *envp; envp++) {
        const char *eq = strchr(*envp, '=');
        if (!eq)
            continue; /* os.environ skips entries without '=' */
        char *name = xasprintf("ENV_%.*s", (int)(eq - *envp), *envp);
        struct expand_var *old = find(vs, name);
        /* the first of duplicate entries wins, as in os.environ */
        if (!old || (size_t)(old - vs->v) < before)
            expand_vars_set_str(vs, name, eq + 1);
        free(name);
    }
}

/* ---- formatting -------------------------------------------------------- */

enum { F_LJUST = 1, F_SIGN = 2, F_BLANK = 4, F_ALT = 8, F_ZERO = 16 };

struct fmt {
    const char *s;      /* the format string */
    uint32_t *cp;       /* its code points */
    size_t *off;        /* byte offset of each code point; off[n] = strlen */
    size_t n;
    const struct expand_vars *vs;
    /* CPython's ctx->args / argidx: the dict itself until a key is looked up */
    const struct expand_var *arg; /* NULL means the whole mapping */
    int argidx;                   /* -2: one argument available, -1: used */
    struct buf out;
    char *keyerr;  /* set for a missing key (repr of the key) */
    const char *msg;
    char msgbuf[128];
};

static uint32_t rd(const struct fmt *f, long pos)
{
    return pos >= 0 && (size_t)pos < f->n ? f->cp[pos] : 0; /* NUL past the end */
}

static int fail(struct fmt *f, const char *msg)
{
    f->msg = msg;
    return -1;
}

static void repr_int(struct buf *b, long long v)
{
    buf_printf(b, "%lld", v);
}

static void put_repr(struct buf *b, const char *s)
{
    char *r = ini_pyrepr(s, strlen(s));
    buf_puts(b, r);
    free(r);
}

static void dict_repr(struct buf *b, const struct expand_vars *vs)
{
    buf_putc(b, '{');
    for (size_t i = 0; i < vs->n; i++) {
        if (i)
            buf_puts(b, ", ");
        put_repr(b, vs->v[i].name);
        buf_puts(b, ": ");
        if (vs->v[i].type == EXPAND_STR)
            put_repr(b, vs->v[i].s);
        else
            repr_int(b, vs->v[i].i);
    }
    buf_putc(b, '}');
}

/* ascii(): repr with every non-ASCII character escaped. */
static void ascii_of(struct buf *dst, const char *repr)
{
    size_t n = strlen(repr);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int l = ini_utf8_char(repr + i, n - i, &c);
        if (l == 0) {
            buf_putc(dst, repr[i++]);
            continue;
        }
        if (c < 0x80)
            buf_putc(dst, (char)c);
        else if (c <= 0xff)
            buf_printf(dst, "\\x%02x", (unsigned)c);
        else if (c <= 0xffff)
            buf_printf(dst, "\\u%04x", (unsigned)c);
        else
            buf_printf(dst, "\\U%08x", (unsigned)c);
        i += (size_t)l;
    }
}

static const char *type_name(const struct expand_var *v)
{
    return !v ? "dict" : v->type == EXPAND_STR ? "str" : "int";
}

static int next_arg(struct fmt *f, const struct expand_var **v, bool *whole)
{
    if (f->argidx != -2)
        return fail(f, "not enough arguments for format string");
    f->argidx = -1;
    *v = f->arg;
    *whole = f->arg == NULL;
    return 0;
}

static size_t u8len(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            count++;
    return count;
}

/* Byte length of the first `chars` code points of s. */
static size_t u8prefix(const char *s, size_t n, size_t chars)
{
    size_t i = 0;
    while (i < n && chars) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

static void fill(struct buf *b, char c, long count)
{
    if (count <= 0)
        return;
    buf_reserve(b, (size_t)count);
    memset(b->data + b->len, c, (size_t)count);
    b->len += (size_t)count;
    b->data[b->len] = '\0';
}

/* unicode_format_arg_output: padding, sign and 0x prefix placement. */
static void output(struct fmt *f, const char *str, int flags, long width, long prec, int sign,
                   uint32_t ch)
{
    size_t blen = strlen(str);
    long len = (long)u8len(str, blen);
    if ((width == -1 || width <= len) && (prec == -1 || prec >= len) &&
        !(flags & (F_SIGN | F_BLANK))) {
        buf_append(&f->out, str, blen);
        return;
    }
    if ((ch == 's' || ch == 'r' || ch == 'a') && prec >= 0 && len > prec)
        len = prec;
    size_t p = 0;
    char signchar = 0;
    char fillc = (sign && (flags & F_ZERO)) ? '0' : ' '; /* before sign is cleared */
    if (sign) {
        if (str[0] == '-' || str[0] == '+') {
            signchar = str[0];
            len--;
            p++;
        } else if (flags & F_SIGN) {
            signchar = '+';
        } else if (flags & F_BLANK) {
            signchar = ' ';
        } else {
            sign = 0;
        }
    }
    if (width < len)
        width = len;
    bool alt = (flags & F_ALT) && (ch == 'x' || ch == 'X' || ch == 'o');
    if (signchar) {
        if (fillc != ' ')
            buf_putc(&f->out, signchar);
        if (width > len)
            width--;
    }
    if (alt) {
        if (fillc != ' ') {
            buf_append(&f->out, str + p, 2);
            p += 2;
        }
        width -= 2;
        if (width < 0)
            width = 0;
        len -= 2;
    }
    if (width > len && !(flags & F_LJUST)) {
        fill(&f->out, fillc, width - len);
        width = len;
    }
    if (fillc == ' ') {
        if (signchar)
            buf_putc(&f->out, signchar);
        if (alt) {
            buf_append(&f->out, str + p, 2);
            p += 2;
        }
    }
    if (len > 0)
        buf_append(&f->out, str + p, u8prefix(str + p, blen - p, (size_t)len));
    if (width > len)
        fill(&f->out, ' ', width - len);
}

/* _PyUnicode_FormatLong: sign, 0x/0o prefix with '#', zero-padded digits. */
static char *format_long(long long v, int flags, long prec, uint32_t type)
{
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char digits[80];
    unsigned base = type == 'o' ? 8 : (type == 'x' || type == 'X') ? 16 : 10;
    const char *set = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[80];
    size_t nd0 = 0;
    do {
        rev[nd0++] = set[mag % base];
        mag /= base;
    } while (mag);
    for (size_t i = 0; i < nd0; i++)
        digits[i] = rev[nd0 - 1 - i];
    digits[nd0] = '\0';
    struct buf b;
    buf_init(&b);
    if (v < 0)
        buf_putc(&b, '-');
    if ((flags & F_ALT) && (type == 'o' || type == 'x' || type == 'X')) {
        buf_putc(&b, '0');
        buf_putc(&b, (char)type);
    }
    long nd = (long)strlen(digits);
    if (prec > nd)
        fill(&b, '0', prec - nd);
    buf_puts(&b, digits);
    char *r = buf_detach(&b);
    buf_release(&b);
    return r;
}

static void format_double(struct buf *b, uint32_t ch, bool alt, int pr, double x)
{
    switch (ch) {
    case 'e': alt ? buf_printf(b, "%#.*e", pr, x) : buf_printf(b, "%.*e", pr, x); break;
    case 'E': alt ? buf_printf(b, "%#.*E", pr, x) : buf_printf(b, "%.*E", pr, x); break;
    case 'f': alt ? buf_printf(b, "%#.*f", pr, x) : buf_printf(b, "%.*f", pr, x); break;
    case 'F': alt ? buf_printf(b, "%#.*F", pr, x) : buf_printf(b, "%.*F", pr, x); break;
    case 'g': alt ? buf_printf(b, "%#.*g", pr, x) : buf_printf(b, "%.*g", pr, x); break;
    default: alt ? buf_printf(b, "%#.*G", pr, x) : buf_printf(b, "%.*G", pr, x); break;
    }
}

/* One conversion after its spec is parsed (unicode_format_arg_format). */
static int convert(struct fmt *f, int flags, long width, long prec, uint32_t ch, long chpos)
{
    const struct expand_var *v;
    bool whole;
    if (next_arg(f, &v, &whole) < 0)
        return -1;
    struct buf tmp;
    buf_init(&tmp);
    int sign = 0;
    switch (ch) {
    case 's':
    case 'r':
    case 'a':
        if (whole)
            dict_repr(&tmp, f->vs);
        else if (v->type == EXPAND_INT)
            repr_int(&tmp, v->i);
        else if (ch == 's')
            buf_puts(&tmp, v->s);
        else
            put_repr(&tmp, v->s);
        if (ch == 'a') {
            char *r = buf_detach(&tmp);
            buf_reset(&tmp);
            ascii_of(&tmp, r);
            free(r);
        }
        break;
    case 'i':
    case 'd':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
        if (whole || v->type != EXPAND_INT) {
            snprintf(f->msgbuf, sizeof f->msgbuf, "%%%c format: %s is required, not %s",
                     (char)ch, (ch == 'o' || ch == 'x' || ch == 'X') ? "an integer" : "a real number",
                     type_name(v));
            buf_release(&tmp);
            return fail(f, f->msgbuf);
        }
        {
            char *s = format_long(v->i, flags, prec, ch == 'i' || ch == 'u' ? 'd' : ch);
            buf_puts(&tmp, s);
            free(s);
        }
        sign = 1;
        break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
        if (whole || v->type != EXPAND_INT) {
            snprintf(f->msgbuf, sizeof f->msgbuf, "must be real number, not %s", type_name(v));
            buf_release(&tmp);
            return fail(f, f->msgbuf);
        }
        format_double(&tmp, ch, (flags & F_ALT) != 0, prec < 0 ? 6 : (int)prec, (double)v->i);
        sign = 1;
        break;
    case 'c':
        if (!whole && v->type == EXPAND_INT) {
            if (v->i < 0 || v->i > 0x10ffff) {
                buf_release(&tmp);
                return fail(f, "%c arg not in range(0x110000)");
            }
            uint32_t c = (uint32_t)v->i;
            if (c >= 0xd800 && c <= 0xdfff) {
                buf_putc(&tmp, '?'); /* a lone surrogate has no UTF-8 form */
            } else if (c < 0x80) {
                buf_putc(&tmp, (char)c);
            } else if (c < 0x800) {
                buf_putc(&tmp, (char)(0xc0 | (c >> 6)));
                buf_putc(&tmp, (char)(0x80 | (c & 0x3f)));
            } else if (c < 0x10000) {
                buf_putc(&tmp, (char)(0xe0 | (c >> 12)));
                buf_putc(&tmp, (char)(0x80 | ((c >> 6) & 0x3f)));
                buf_putc(&tmp, (char)(0x80 | (c & 0x3f)));
            } else {
                buf_putc(&tmp, (char)(0xf0 | (c >> 18)));
                buf_putc(&tmp, (char)(0x80 | ((c >> 12) & 0x3f)));
                buf_putc(&tmp, (char)(0x80 | ((c >> 6) & 0x3f)));
                buf_putc(&tmp, (char)(0x80 | (c & 0x3f)));
            }
        } else if (!whole && u8len(v->s, strlen(v->s)) == 1) {
            buf_puts(&tmp, v->s);
        } else {
            buf_release(&tmp);
            return fail(f, "%c requires int or char");
        }
        break;
    default:
        snprintf(f->msgbuf, sizeof f->msgbuf,
                 "unsupported format character '%c' (0x%x) at index %ld",
                 (ch >= 31 && ch <= 126) ? (char)ch : '?', (unsigned)ch, chpos);
        buf_release(&tmp);
        return fail(f, f->msgbuf);
    }
    output(f, tmp.data, flags, width, prec, sign, ch);
    buf_release(&tmp);
    return 0;
}

/* An int argument for '*' (ctx->args when it is an int). */
static int star_arg(struct fmt *f, long long *out)
{
    const struct expand_var *v;
    bool whole;
    if (next_arg(f, &v, &whole) < 0)
        return -1;
    if (whole || v->type != EXPAND_INT)
        return fail(f, "* wants int");
    *out = v->i;
    return 0;
}

/* unicode_format_arg + unicode_format_arg_parse; pos is just past '%',
 * cnt the number of characters after it. */
static int format_arg(struct fmt *f, long *pos, long *cnt)
{
    uint32_t ch = rd(f, *pos);
    if (ch == '%') {
        (*pos)++;
        (*cnt)--;
        buf_putc(&f->out, '%');
        return 0;
    }
    int flags = 0;
    long width = -1, prec = -1;
    if (ch == '(') {
        (*pos)++;
        (*cnt)--;
        long keystart = *pos;
        int pcount = 1;
        while (pcount > 0 && --(*cnt) >= 0) {
            ch = rd(f, *pos);
            if (ch == ')')
                pcount--;
            else if (ch == '(')
                pcount++;
            (*pos)++;
        }
        if (*cnt < 0 || pcount > 0)
            return fail(f, "incomplete format key");
        long keyend = *pos - 1;
        char *key = xstrndup(f->s + f->off[keystart], f->off[keyend] - f->off[keystart]);
        const struct expand_var *v = find(f->vs, key);
        if (!v) {
            f->keyerr = ini_pyrepr(key, strlen(key));
            free(key);
            return -1;
        }
        free(key);
        f->arg = v;
        f->argidx = -2;
    }
    while (--(*cnt) >= 0) {
        ch = rd(f, (*pos)++);
        if (ch == '-')
            flags |= F_LJUST;
        else if (ch == '+')
            flags |= F_SIGN;
        else if (ch == ' ')
            flags |= F_BLANK;
        else if (ch == '#')
            flags |= F_ALT;
        else if (ch == '0')
            flags |= F_ZERO;
        else
            break;
    }
    if (ch == '*') {
        long long w;
        if (star_arg(f, &w) < 0)
            return -1;
        if (w < 0) {
            flags |= F_LJUST;
            w = w == LLONG_MIN ? LLONG_MAX : -w;
        }
        if (w > EXPAND_MAX_WIDTH)
            return fail(f, "width too big");
        width = (long)w;
        if (--(*cnt) >= 0)
            ch = rd(f, (*pos)++);
    } else if (ch >= '0' && ch <= '9') {
        width = (long)(ch - '0');
        while (--(*cnt) >= 0) {
            ch = rd(f, (*pos)++);
            if (ch < '0' || ch > '9')
                break;
            width = width * 10 + (long)(ch - '0');
            if (width > EXPAND_MAX_WIDTH)
                return fail(f, "width too big");
        }
    }
    if (ch == '.') {
        prec = 0;
        if (--(*cnt) >= 0)
            ch = rd(f, (*pos)++);
        if (ch == '*') {
            long long p;
            if (star_arg(f, &p) < 0)
                return -1;
            if (p > INT_MAX || p < INT_MIN)
                return fail(f, "Python int too large to convert to C int");
            if (p > EXPAND_MAX_WIDTH)
                return fail(f, "precision too big");
            prec = p < 0 ? 0 : (long)p;
            if (--(*cnt) >= 0)
                ch = rd(f, (*pos)++);
        } else if (ch >= '0' && ch <= '9') {
            prec = (long)(ch - '0');
            while (--(*cnt) >= 0) {
                ch = rd(f, (*pos)++);
                if (ch < '0' || ch > '9')
                    break;
                prec = prec * 10 + (long)(ch - '0');
                if (prec > EXPAND_MAX_WIDTH)
                    return fail(f, "precision too big");
            }
        }
    }
    if (*cnt >= 0 && (ch == 'h' || ch == 'l' || ch == 'L')) {
        if (--(*cnt) >= 0)
            ch = rd(f, (*pos)++);
    }
    if (*cnt < 0)
        return fail(f, "incomplete format");
    return convert(f, flags, width, prec, ch, *pos - 1);
}

char *expand(const char *s, const struct expand_vars *vs, const char *name, struct err *e)
{
    struct fmt f;
    memset(&f, 0, sizeof f);
    f.s = s;
    f.vs = vs;
    f.argidx = -2;
    size_t len = strlen(s);
    f.cp = xmalloc((len + 1) * sizeof *f.cp);
    f.off = xmalloc((len + 1) * sizeof *f.off);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int l = ini_utf8_char(s + i, len - i, &c);
        if (l == 0) { /* surrogateescape, as Python would hold such a byte */
            c = 0xdc00u + (unsigned char)s[i];
            l = 1;
        }
        f.off[f.n] = i;
        f.cp[f.n++] = c;
        i += (size_t)l;
    }
    f.off[f.n] = len;
    buf_init(&f.out);

    int rc = 0;
    long pos = 0, cnt = (long)f.n;
    while (--cnt >= 0) {
        if (f.cp[pos] != '%') {
            buf_append(&f.out, s + f.off[pos], f.off[pos + 1] - f.off[pos]);
            pos++;
            continue;
        }
        pos++;
        if (format_arg(&f, &pos, &cnt) < 0) {
            rc = -1;
            break;
        }
        if (f.out.len > (size_t)EXPAND_MAX_OUTPUT) {
            fail(&f, "expanded value too large");
            rc = -1;
            break;
        }
    }
    free(f.cp);
    free(f.off);
    if (rc == 0) {
        char *r = buf_detach(&f.out);
        buf_release(&f.out);
        return r;
    }
    buf_release(&f.out);
    char *sr = ini_pyrepr(s, len), *nr = ini_pyrepr(name, strlen(name));
    if (f.keyerr) {
        /* Supervisor lists the names sorted (code point order = byte order) */
        const char **names = xmalloc((vs->n + 1) * sizeof *names);
        for (size_t i = 0; i < vs->n; i++)
            names[i] = vs->v[i].name;
        for (size_t i = 1; i < vs->n; i++)
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        struct buf avail;
        buf_init(&avail);
        for (size_t i = 0; i < vs->n; i++) {
            if (i)
                buf_puts(&avail, ", ");
            buf_puts(&avail, names[i]);
        }
        err_set(e, ERR_CONFIG,
                "Format string %s for %s contains names (%s) which cannot be expanded. "
                "Available names: %s",
                sr, nr, f.keyerr, avail.data);
        buf_release(&avail);
        free(names);
        free(f.keyerr);
    } else {
        err_set(e, ERR_CONFIG, "Format string %s for %s is badly formatted: %s", sr, nr, f.msg);
    }
    free(sr);
    free(nr);
    return NULL;
}
