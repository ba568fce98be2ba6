/* xmlrpc: XML-RPC values, the server-side call decoder (an emulation of
 * Supervisor's ElementTree-based loads()), the client-side response decoder
 * (an emulation of xmlrpc.client.Unmarshaller) and the encoder (Python's
 * xmlrpc.client.dumps byte for byte). Transport and dispatch live elsewhere. */
#include "xmlrpc.h"

#include <expat.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* err.h has no protocol code; bad input from the peer is a usage error. */
#define XMLRPC_ERR ERR_USAGE

/* ------------------------------------------------------------------ values */

static struct xmlrpc_value *value_new(enum xmlrpc_type t)
{
    struct xmlrpc_value *v = xcalloc(1, sizeof(*v));
    v->type = t;
    return v;
}

struct xmlrpc_value *xmlrpc_int(long long v)
{
    struct xmlrpc_value *x = value_new(XMLRPC_INT);
    x->i = v;
    return x;
}

struct xmlrpc_value *xmlrpc_bool(bool v)
{
    struct xmlrpc_value *x = value_new(XMLRPC_BOOL);
    x->i = v ? 1 : 0;
    return x;
}

struct xmlrpc_value *xmlrpc_string_n(const char *s, size_t n)
{
    struct xmlrpc_value *x = value_new(XMLRPC_STRING);
    x->s = xmalloc(n + 1);
    if (n)
        memcpy(x->s, s, n);
    x->s[n] = '\0';
    x->len = n;
    return x;
}

struct xmlrpc_value *xmlrpc_string(const char *s)
{
    return xmlrpc_string_n(s, strlen(s));
}

/* Takes ownership of a malloc'ed, NUL-terminated string of n bytes. */
static struct xmlrpc_value *string_take(char *s, size_t n)
{
    struct xmlrpc_value *x = value_new(XMLRPC_STRING);
    x->s = s;
    x->len = n;
    return x;
}

struct xmlrpc_value *xmlrpc_double(double d)
{
    struct xmlrpc_value *x = value_new(XMLRPC_DOUBLE);
    x->d = d;
    return x;
}

struct xmlrpc_value *xmlrpc_nil(void)
{
    return value_new(XMLRPC_NIL);
}

struct xmlrpc_value *xmlrpc_array(void)
{
    return value_new(XMLRPC_ARRAY);
}

struct xmlrpc_value *xmlrpc_struct(void)
{
    return value_new(XMLRPC_STRUCT);
}

void xmlrpc_array_push(struct xmlrpc_value *a, struct xmlrpc_value *v)
{
    a->items = xgrow(a->items, &a->cap, a->n + 1, sizeof(*a->items));
    a->items[a->n++] = v;
}

/* Member names Supervisor's structs repeat, each kept once instead of
 * copied into every struct: a getAllProcessInfo answer holds 14 of them a
 * process, and a console keeps thousands of processes. A name pointing
 * into this table is not freed. */
static const char known_names[][16] = {
    "name",        "group",      "description", "start",      "stop",
    "now",         "state",      "statename",   "spawnerr",   "exitstatus",
    "logfile",     "stdout_logfile", "stderr_logfile", "pid", "status",
    "faultCode",   "faultString", "inuse",      "autostart",  "group_prio",
    "process_prio", "priority",  "methodName",  "params",     "command",
};
#define NKNOWN (sizeof known_names / sizeof known_names[0])

static char *member_name(const char *name)
{
    size_t n = strnlen(name, sizeof known_names[0]);
    if (n < sizeof known_names[0])
        for (size_t i = 0; i < NKNOWN; i++)
            if (known_names[i][0] == name[0] && memcmp(known_names[i], name, n + 1) == 0)
                return (char *)known_names[i];
    return xstrdup(name);
}

static void member_name_free(char *name)
{
    uintptr_t p = (uintptr_t)name;
    if (p < (uintptr_t)known_names || p >= (uintptr_t)(known_names + NKNOWN))
        free(name);
}

static struct xmlrpc_member *member_find(const struct xmlrpc_value *st, const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->members[i].name, name) == 0)
            return &st->members[i];
    return NULL;
}

void xmlrpc_struct_set(struct xmlrpc_value *st, const char *name, struct xmlrpc_value *v)
{
    /* Like a Python dict: a repeated key keeps its first position. */
    struct xmlrpc_member *m = member_find(st, name);
    if (m) {
        xmlrpc_free(m->value);
        m->value = v;
        return;
    }
    st->members = xgrow(st->members, &st->cap, st->n + 1, sizeof(*st->members));
    st->members[st->n].name = member_name(name);
    st->members[st->n].value = v;
    st->n++;
}

const struct xmlrpc_value *xmlrpc_struct_get(const struct xmlrpc_value *st, const char *name)
{
    if (!st || st->type != XMLRPC_STRUCT)
        return NULL;
    struct xmlrpc_member *m = member_find(st, name);
    return m ? m->value : NULL;
}

void xmlrpc_free(struct xmlrpc_value *v)
{
    if (!v)
        return;
    free(v->s);
    for (size_t i = 0; v->type == XMLRPC_ARRAY && i < v->n; i++)
        xmlrpc_free(v->items[i]);
    for (size_t i = 0; v->type == XMLRPC_STRUCT && i < v->n; i++) {
        member_name_free(v->members[i].name);
        xmlrpc_free(v->members[i].value);
    }
    free(v->items);
    free(v->members);
    free(v);
}

struct xmlrpc_value *xmlrpc_copy(const struct xmlrpc_value *v)
{
    if (!v)
        return NULL;
    struct xmlrpc_value *c = value_new(v->type);
    c->i = v->i;
    c->d = v->d;
    if (v->type == XMLRPC_STRING) {
        xmlrpc_free(c);
        return xmlrpc_string_n(v->s, v->len);
    }
    for (size_t i = 0; v->type == XMLRPC_ARRAY && i < v->n; i++)
        xmlrpc_array_push(c, xmlrpc_copy(v->items[i]));
    for (size_t i = 0; v->type == XMLRPC_STRUCT && i < v->n; i++)
        xmlrpc_struct_set(c, v->members[i].name, xmlrpc_copy(v->members[i].value));
    return c;
}

void xmlrpc_call_release(struct xmlrpc_call *c)
{
    free(c->method);
    xmlrpc_free(c->params);
    c->method = NULL;
    c->params = NULL;
}

/* ------------------------------------------------------- text conversions */

bool xmlrpc_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xbf; /* allowed range of the 2nd byte */
        if (c >= 0xc2 && c <= 0xdf)
            need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f; /* > U+10FFFF */
        } else
            return false;
        if (n - i <= need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        i += need + 1;
    }
    return true;
}

static bool is_pyspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Strip Python whitespace; returns the trimmed bounds. */
static void trim(const char **s, size_t *n)
{
    while (*n && is_pyspace(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_pyspace((*s)[*n - 1]))
        (*n)--;
}

/* Copy digits with Python's underscore rule (only single underscores between
 * two digits) into out; returns the count consumed, or 0 if none/bad. */
static size_t take_digits(const char *s, size_t n, struct buf *out, bool *bad)
{
    size_t i = 0;
    while (i < n && is_digit(s[i])) {
        buf_putc(out, s[i++]);
        if (i < n && s[i] == '_') {
            if (i + 1 < n && is_digit(s[i + 1]))
                i++;
            else
                *bad = true;
        }
    }
    return i;
}

/* Python's int(text) on ASCII text; values beyond long long are refused
 * (Python would take a big int and usually fail later). */
static int parse_pyint(const char *s, size_t n, long long *out)
{
    trim(&s, &n);
    bool neg = false;
    if (n && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
        n--;
    }
    struct buf d;
    buf_init(&d);
    bool bad = false;
    size_t used = take_digits(s, n, &d, &bad);
    int rc = -1;
    if (!bad && used && used == n) {
        unsigned long long acc = 0, lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
        rc = 0;
        for (size_t i = 0; i < d.len && rc == 0; i++) {
            unsigned dig = (unsigned)(d.data[i] - '0');
            if (acc > (lim - dig) / 10)
                rc = -1;
            else
                acc = acc * 10 + dig;
        }
        if (rc == 0)
            *out = neg ? (long long)(0 - acc) : (long long)acc;
    }
    buf_release(&d);
    return rc;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Python's float(text) on ASCII text (no hex, no C99 "nan(...)"). */
static int parse_pyfloat(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    const char *p = s;
    size_t left = n;
    bool neg = false;
    if (left && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
        left--;
    }
    if (ieq(p, left, "inf") || ieq(p, left, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (ieq(p, left, "nan")) {
        *out = neg ? -NAN : NAN;
        return 0;
    }
    struct buf c;
    buf_init(&c);
    bool bad = false;
    size_t i = take_digits(p, left, &c, &bad);
    size_t mant = i;
    if (i < left && p[i] == '.') {
        buf_putc(&c, '.');
        i++;
        size_t f = take_digits(p + i, left - i, &c, &bad);
        i += f;
        mant += f;
    }
    if (mant && i < left && (p[i] == 'e' || p[i] == 'E')) {
        buf_putc(&c, 'e');
        i++;
        if (i < left && (p[i] == '+' || p[i] == '-'))
            buf_putc(&c, p[i++]);
        size_t e = take_digits(p + i, left - i, &c, &bad);
        if (!e)
            bad = true;
        i += e;
    }
    int rc = -1;
    if (!bad && mant && i == left) {
        double d = strtod(c.data, NULL);
        *out = neg ? -d : d;
        rc = 0;
    }
    buf_release(&c);
    return rc;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* base64.decodebytes (binascii.a2b_base64, non-strict), step for step:
 * characters outside the alphabet are skipped, a pad that completes a quad
 * ends the input, a dangling quad is an error. *out is malloc'ed. */
int xmlrpc_base64_decode(const char *in, size_t n, char **out, size_t *outlen)
{
    unsigned char *o = xmalloc(n / 4 * 3 + 4);
    size_t len = 0;
    int quad = 0, pads = 0;
    unsigned left = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        int v = b64val(ch);
        if (v < 0)
            continue;
        pads = 0;
        switch (quad) {
        case 0:
            quad = 1;
            left = (unsigned)v;
            break;
        case 1:
            quad = 2;
            o[len++] = (unsigned char)((left << 2) | ((unsigned)v >> 4));
            left = (unsigned)v & 0x0f;
            break;
        case 2:
            quad = 3;
            o[len++] = (unsigned char)((left << 4) | ((unsigned)v >> 2));
            left = (unsigned)v & 0x03;
            break;
        default:
            quad = 0;
            o[len++] = (unsigned char)((left << 6) | (unsigned)v);
            left = 0;
            break;
        }
    }
    if (quad != 0) {
        free(o);
        return -1;
    }
done:
    o[len] = '\0';
    *out = (char *)o;
    *outlen = len;
    return 0;
}

/* One alternative of a strptime field regex: a digit pattern per position. */
static bool field_at(const char *s, size_t n, const char *pat, int *val)
{
    size_t k = strlen(pat);
    if (k > n)
        return false;
    int v = 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[i], p = pat[i];
        if (p == ' ') {
            if (c != ' ')
                return false;
            continue;
        }
        /* p names the allowed range: '0'..p, with 'd' = any digit, or a
         * two-char class encoded below. */
        if (!is_digit(c))
            return false;
        if (p != 'd' && !(c >= pat[k + 1 + 2 * i] && c <= pat[k + 2 + 2 * i]))
            return false;
        v = v * 10 + (c - '0');
    }
    *val = v;
    return true;
}

/* Alternatives of Python's _strptime regexes, in regex order. Each is
 * "<shape>\0<ranges>": shape has one char per position ('x' = a digit in
 * the range given by the two range chars for that position, 'd' = any
 * digit, ' ' = a space). */
#define ALT(shape, ranges) shape "\0" ranges
static const char *const month_alts[] = {ALT("xx", "1102"), ALT("xx", "0019"), ALT("x", "19"), NULL};
static const char *const day_alts[] = {ALT("xx", "3301"), ALT("xd", "12"), ALT("xx", "0019"),
                                       ALT("x", "19"), ALT(" x", "  19"), NULL};
static const char *const hour_alts[] = {ALT("xx", "2203"), ALT("xd", "01"), ALT("d", ""), NULL};
static const char *const min_alts[] = {ALT("xd", "05"), ALT("d", ""), NULL};
static const char *const sec_alts[] = {ALT("xx", "6601"), ALT("xd", "05"), ALT("d", ""), NULL};

/* Match field `f` of the regex at s; recursion gives regex backtracking. */
static const char *const *const fields[] = {month_alts, day_alts, hour_alts, min_alts, sec_alts};
static const char field_sep[] = {0, 0, 'T', ':', ':'};

static bool match_from(const char *s, size_t n, int f, int *vals)
{
    if (f == 5)
        return n == 0; /* "unconverted data remains" otherwise */
    if (field_sep[f]) {
        char c = field_sep[f];
        if (!n || !(s[0] == c || (c == 'T' && s[0] == 't')))
            return false;
        s++;
        n--;
    }
    for (const char *const *a = fields[f]; *a; a++) {
        size_t k = strlen(*a);
        if (!field_at(s, n, *a, &vals[f]))
            continue;
        if (match_from(s + k, n - k, f + 1, vals))
            return true;
    }
    return false;
}

/* Supervisor's make_datetime: time.strptime(text, "%Y%m%dT%H:%M:%S") and
 * then datetime(), which refuses day 31 of a 30-day month and second 60/61. */
static bool datetime_valid(const char *s, size_t n)
{
    if (n < 4)
        return false;
    int year = 0;
    for (int i = 0; i < 4; i++) {
        if (!is_digit(s[i]))
            return false;
        year = year * 10 + (s[i] - '0');
    }
    int v[5];
    if (!match_from(s + 4, n - 4, 0, v))
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int dim = mdays[v[0] - 1] + (v[0] == 2 && leap);
    return year >= 1 && v[1] <= dim && v[4] <= 59;
}

/* ------------------------------------------------------ shared expat setup */

struct limits {
    int depth;
    size_t count;
    const char *why; /* set when a handler stopped the parser */
};

static void stop(XML_Parser p, struct limits *l, const char *why)
{
    if (!l->why)
        l->why = why;
    XML_StopParser(p, XML_FALSE);
}

static void XMLCALL doctype_cb(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    XML_Parser p = ud;
    stop(p, XML_GetUserData(p), "DOCTYPE is not allowed");
}

/* Counts one element; false (parser stopped) when a limit is passed. */
static bool enter(XML_Parser p, struct limits *l)
{
    if (++l->depth > XMLRPC_MAX_DEPTH) {
        stop(p, l, "nesting too deep");
        return false;
    }
    if (++l->count > XMLRPC_MAX_VALUES) {
        stop(p, l, "too many elements");
        return false;
    }
    return true;
}

/* expat salts its hash tables from getrandom() for every new parser, a
 * system call per request; one secret per process protects as well. */
static unsigned long hash_salt(void)
{
    static unsigned long salt;
    while (!salt)
        if (getrandom(&salt, sizeof salt, 0) != (ssize_t)sizeof salt)
            salt = (unsigned long)getpid() * 2654435761u ^ (unsigned long)time(NULL);
    return salt;
}

static XML_Parser parser_new(const char *encoding, bool ns, void *ud)
{
    XML_Parser p = ns ? XML_ParserCreateNS(encoding, '}') : XML_ParserCreate(encoding);
    if (!p)
        abort(); /* only fails on OOM; house rule: abort */
    XML_SetHashSalt(p, hash_salt());
    XML_SetUserData(p, ud);
    /* The handler gets the parser so it can stop it. */
    XML_UseParserAsHandlerArg(p);
    XML_SetStartDoctypeDeclHandler(p, doctype_cb);
#if defined(XML_DTD) && (XML_MAJOR_VERSION > 2 || XML_MINOR_VERSION >= 4)
    XML_SetBillionLaughsAttackProtectionActivationThreshold(p, 64 * 1024);
#endif
    return p;
}

/* Feed the whole body; returns 0 or -1 with e filled. */
static int parse_all(XML_Parser p, struct limits *l, const char *body, size_t len,
                     const char **sem_err, struct err *e)
{
    if (len > XMLRPC_MAX_BODY)
        return err_set(e, XMLRPC_ERR, "body too large (%zu bytes)", len);
    enum XML_Status st = XML_Parse(p, body, (int)len, XML_TRUE);
    if (*sem_err)
        return err_set(e, XMLRPC_ERR, "%s", *sem_err);
    if (l->why)
        return err_set(e, XMLRPC_ERR, "%s", l->why);
    if (st != XML_STATUS_OK)
        return err_set(e, XMLRPC_ERR, "%s: line %lu, column %lu",
                       XML_ErrorString(XML_GetErrorCode(p)),
                       (unsigned long)XML_GetCurrentLineNumber(p),
                       (unsigned long)XML_GetCurrentColumnNumber(p));
    return 0;
}

/* ------------------------------------------------------ the call decoder */

/* Supervisor's loads() walks ElementTree "end" events: an element in its
 * unmarshaller table is replaced by its value and cleared, <value> takes its
 * first child's value (or its own text), methodName and params are picked up
 * wherever they end. Each element's ".text" (a value, or None) is modelled
 * as a struct xmlrpc_value * (NULL = None). */
enum tag {
    T_OTHER,
    T_INT,
    T_BOOLEAN,
    T_STRING,
    T_DOUBLE,
    T_DATETIME,
    T_ARRAY,
    T_DATA,
    T_STRUCT,
    T_BASE64,
    T_PARAM,
    T_VALUE,
    T_METHODNAME,
    T_PARAMS,
};

static enum tag tag_of(const char *name)
{
    static const struct {
        const char *name;
        enum tag tag;
    } tab[] = {
        {"int", T_INT},           {"i4", T_INT},           {"boolean", T_BOOLEAN},
        {"string", T_STRING},     {"double", T_DOUBLE},    {"dateTime.iso8601", T_DATETIME},
        {"array", T_ARRAY},       {"data", T_DATA},        {"struct", T_STRUCT},
        {"base64", T_BASE64},     {"param", T_PARAM},      {"value", T_VALUE},
        {"methodName", T_METHODNAME}, {"params", T_PARAMS},
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcmp(name, tab[i].name) == 0)
            return tab[i].tag;
    return T_OTHER; /* namespaced names ("uri}local") land here, as in ET */
}

/* What a finished child leaves in its parent: its text, and (unless it was
 * cleared) its child count and first two children's texts, which is all a
 * <struct> parent's `for k, v in x` can see. */
struct node {
    struct xmlrpc_value *text;
    size_t nkids;
    struct xmlrpc_value *k[2];
};

struct frame {
    enum tag tag;
    struct buf text;
    bool has_text;  /* ET text is None until some character data arrives */
    size_t nkids;      /* children started */
    struct node *kids; /* all of them for data/params/struct, else the first two */
    size_t nstored, cap;
};

struct callp {
    struct limits lim; /* first: the doctype handler casts user data */
    struct frame *st;
    size_t n, cap;
    char *method;                /* last methodName seen (NULL = None) */
    bool have_params;
    struct xmlrpc_value *params; /* last <params> seen */
    const char *bad;             /* a Python exception in an unmarshaller */
};

static void node_clear(struct node *nd)
{
    xmlrpc_free(nd->text);
    xmlrpc_free(nd->k[0]);
    xmlrpc_free(nd->k[1]);
    memset(nd, 0, sizeof(*nd));
}

static void frame_release(struct frame *f)
{
    buf_release(&f->text);
    for (size_t i = 0; i < f->nstored; i++)
        node_clear(&f->kids[i]);
    free(f->kids);
}

static bool keeps_all_kids(enum tag t)
{
    return t == T_DATA || t == T_PARAMS || t == T_STRUCT;
}

static struct xmlrpc_value *nil_if_none(struct xmlrpc_value *v)
{
    return v ? v : xmlrpc_nil();
}

static struct xmlrpc_value *text_value(struct frame *f)
{
    return f->has_text ? xmlrpc_string_n(f->text.data, f->text.len) : NULL;
}

/* Python truthiness of a struct key's text (`k.text or ""`). */
static bool truthy(const struct xmlrpc_value *v)
{
    if (!v)
        return false;
    switch (v->type) {
    case XMLRPC_INT:
    case XMLRPC_BOOL:
        return v->i != 0;
    case XMLRPC_DOUBLE:
        return v->d != 0;
    case XMLRPC_STRING:
        return v->len != 0;
    case XMLRPC_ARRAY:
    case XMLRPC_STRUCT:
        return v->n != 0;
    case XMLRPC_NIL:
        return false;
    }
    return false;
}

/* Computes the element's replacement value (its new .text). Returns false
 * with cp->bad set where Python's unmarshaller raises. */
static bool unmarshal(struct callp *cp, struct frame *f, struct xmlrpc_value **out)
{
    *out = NULL;
    switch (f->tag) {
    case T_INT: {
        long long v;
        if (!f->has_text || parse_pyint(f->text.data, f->text.len, &v) < 0) {
            cp->bad = "bad int value";
            return false;
        }
        *out = xmlrpc_int(v);
        return true;
    }
    case T_BOOLEAN: /* Supervisor's quirk: only "1" is true */
        *out = xmlrpc_bool(f->has_text && strcmp(f->text.data, "1") == 0);
        return true;
    case T_STRING:
        *out = xmlrpc_string_n(f->text.data, f->text.len);
        return true;
    case T_DOUBLE: {
        double d;
        if (!f->has_text || parse_pyfloat(f->text.data, f->text.len, &d) < 0) {
            cp->bad = "bad double value";
            return false;
        }
        *out = xmlrpc_double(d);
        return true;
    }
    case T_DATETIME:
        if (!f->has_text || !datetime_valid(f->text.data, f->text.len)) {
            cp->bad = "bad dateTime.iso8601 value";
            return false;
        }
        *out = xmlrpc_string_n(f->text.data, f->text.len);
        return true;
    case T_BASE64: {
        char *raw;
        size_t n;
        if (xmlrpc_base64_decode(f->text.data, f->text.len, &raw, &n) < 0) {
            cp->bad = "bad base64 value";
            return false;
        }
        if (!xmlrpc_utf8_valid(raw, n)) { /* as_string(): strict UTF-8 */
            free(raw);
            cp->bad = "base64 value is not UTF-8";
            return false;
        }
        *out = string_take(raw, n);
        return true;
    }
    case T_ARRAY: /* x[0].text */
    case T_PARAM:
        if (f->nkids == 0) {
            cp->bad = "empty array or param";
            return false;
        }
        *out = f->kids[0].text;
        f->kids[0].text = NULL;
        return true;
    case T_VALUE:
        if (f->nkids) {
            *out = f->kids[0].text;
            f->kids[0].text = NULL;
        } else
            *out = xmlrpc_string_n(f->text.data, f->text.len);
        return true;
    case T_DATA: {
        struct xmlrpc_value *a = xmlrpc_array();
        for (size_t i = 0; i < f->nkids; i++) {
            xmlrpc_array_push(a, nil_if_none(f->kids[i].text));
            f->kids[i].text = NULL;
        }
        *out = a;
        return true;
    }
    case T_STRUCT: {
        struct xmlrpc_value *st = xmlrpc_struct();
        for (size_t i = 0; i < f->nkids; i++) {
            struct node *m = &f->kids[i];
            if (m->nkids != 2) { /* `for k, v in x` unpacks each member */
                xmlrpc_free(st);
                cp->bad = "struct member without exactly two children";
                return false;
            }
            const char *key = "";
            if (truthy(m->k[0])) {
                if (m->k[0]->type != XMLRPC_STRING) {
                    /* Python would key the dict by a number (or fail for a
                     * list); we only have string keys. */
                    xmlrpc_free(st);
                    cp->bad = "struct member name is not a string";
                    return false;
                }
                key = m->k[0]->s;
            }
            xmlrpc_struct_set(st, key, nil_if_none(m->k[1]));
            m->k[1] = NULL;
        }
        *out = st;
        return true;
    }
    default:
        return true;
    }
}

static bool is_cleared(enum tag t)
{
    return t != T_OTHER && t != T_METHODNAME && t != T_PARAMS;
}

static void XMLCALL call_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    XML_Parser p = ud;
    struct callp *cp = XML_GetUserData(p);
    if (cp->lim.why || cp->bad || !enter(p, &cp->lim))
        return;
    if (cp->n)
        cp->st[cp->n - 1].nkids++; /* text after this point is a tail */
    cp->st = xgrow(cp->st, &cp->cap, cp->n + 1, sizeof(*cp->st));
    struct frame *f = &cp->st[cp->n++];
    memset(f, 0, sizeof(*f));
    f->tag = tag_of(name);
    buf_init(&f->text);
}

static void XMLCALL call_text(void *ud, const XML_Char *s, int len)
{
    XML_Parser p = ud;
    struct callp *cp = XML_GetUserData(p);
    if (cp->lim.why || cp->bad || !cp->n)
        return;
    struct frame *f = &cp->st[cp->n - 1];
    if (f->nkids)
        return; /* a tail: ElementTree gives it to the previous child */
    buf_append(&f->text, s, (size_t)len);
    f->has_text = true;
}

/* Stores a finished child in its parent; nd is moved. */
static void give_to_parent(struct frame *parent, struct node *nd)
{
    size_t idx = parent->nkids - 1;
    if (!keeps_all_kids(parent->tag) && idx >= 2) {
        node_clear(nd);
        return;
    }
    parent->kids = xgrow(parent->kids, &parent->cap, idx + 1, sizeof(*parent->kids));
    parent->kids[idx] = *nd;
    parent->nstored = idx + 1;
}

static void XMLCALL call_end(void *ud, const XML_Char *name)
{
    (void)name;
    XML_Parser p = ud;
    struct callp *cp = XML_GetUserData(p);
    /* expat may still report the end of an empty element after a stop. */
    if (cp->lim.why || cp->bad)
        return;
    cp->lim.depth--;
    struct frame *f = &cp->st[cp->n - 1];
    struct node nd = {0};
    if (is_cleared(f->tag)) {
        if (!unmarshal(cp, f, &nd.text)) {
            XML_StopParser(p, XML_FALSE);
            return; /* the frame is freed by the caller's cleanup */
        }
    } else {
        nd.text = text_value(f);
        nd.nkids = f->nkids;
        for (size_t i = 0; i < 2 && i < f->nkids; i++) {
            nd.k[i] = f->kids[i].text;
            f->kids[i].text = NULL;
        }
        if (f->tag == T_METHODNAME) {
            free(cp->method);
            cp->method = f->has_text ? xstrndup(f->text.data, f->text.len) : NULL;
        } else if (f->tag == T_PARAMS) {
            /* The params element is not cleared, so its children stay
             * visible to an enclosing struct: copy rather than move. */
            xmlrpc_free(cp->params);
            cp->params = xmlrpc_array();
            for (size_t i = 0; i < f->nkids; i++) {
                const struct xmlrpc_value *t = i < 2 ? nd.k[i] : f->kids[i].text;
                xmlrpc_array_push(cp->params, t ? xmlrpc_copy(t) : xmlrpc_nil());
            }
            cp->have_params = true;
        }
    }
    frame_release(f);
    cp->n--;
    if (cp->n)
        give_to_parent(&cp->st[cp->n - 1], &nd);
    else
        node_clear(&nd);
}

enum xmlrpc_parse_status xmlrpc_parse_call(const char *body, size_t len, struct xmlrpc_call *out,
                                           struct err *e)
{
    out->method = NULL;
    out->params = NULL;
    /* Supervisor decodes the body as strict UTF-8 before parsing; failure
     * drops the connection. */
    if (!xmlrpc_utf8_valid(body, len)) {
        err_set(e, XMLRPC_ERR, "request body is not UTF-8");
        return XMLRPC_PARSE_NOT_UTF8;
    }
    struct callp cp;
    memset(&cp, 0, sizeof(cp));
    /* The body was decoded to str, so any encoding declaration is moot. */
    XML_Parser p = parser_new("UTF-8", true, &cp);
    XML_SetElementHandler(p, call_start, call_end);
    XML_SetCharacterDataHandler(p, call_text);
    int rc = parse_all(p, &cp.lim, body, len, &cp.bad, e);
    XML_ParserFree(p);
    while (cp.n)
        frame_release(&cp.st[--cp.n]);
    free(cp.st);
    if (rc == 0 && (!cp.method || !*cp.method))
        rc = err_set(e, XMLRPC_ERR, "no method name");
    if (rc < 0) {
        free(cp.method);
        xmlrpc_free(cp.params);
        return XMLRPC_PARSE_BAD;
    }
    out->method = cp.method;
    out->params = cp.have_params ? cp.params : xmlrpc_array();
    return XMLRPC_PARSE_OK;
}

/* -------------------------------------------------- the response decoder */

/* xmlrpc.client.Unmarshaller: a flat value stack with marks for open arrays
 * and structs; tags are dispatched at their end on the text collected since
 * the last start tag. Lenient about structure, as Python's is. */
struct respp {
    struct limits lim;
    struct xmlrpc_value **stack;
    size_t n, cap;
    size_t *marks;
    size_t nmarks, mcap;
    struct buf data;
    bool value;   /* the last start tag was <value> */
    int type;     /* 0 none, 'p' params, 'f' fault, 'm' methodName */
    const char *bad;
};

enum rtag {
    R_UNKNOWN,
    R_NIL,
    R_BOOLEAN,
    R_INT,
    R_DOUBLE,
    R_STRING,
    R_ARRAY,
    R_STRUCT,
    R_BASE64,
    R_DATETIME,
    R_VALUE,
    R_PARAMS,
    R_FAULT,
    R_METHODNAME,
};

static enum rtag rtag_of(const char *name)
{
    const char *colon = strrchr(name, ':');
    if (colon)
        name = colon + 1;
    /* Most frequent first: an answer of many processes is thousands of
     * value, member, name, string and int tags (tags without a meaning
     * here are listed too, to end their search early). The length and
     * first letter rule out nearly every entry without a call. */
#define RT(s, t) {s, sizeof(s) - 1, t}
    static const struct {
        const char *name;
        size_t len;
        enum rtag tag;
    } tab[] = {
        RT("value", R_VALUE),     RT("member", R_UNKNOWN), RT("name", R_STRING),
        RT("string", R_STRING),   RT("int", R_INT),        RT("struct", R_STRUCT),
        RT("data", R_UNKNOWN),    RT("array", R_ARRAY),    RT("boolean", R_BOOLEAN),
        RT("i4", R_INT),          RT("param", R_UNKNOWN),  RT("params", R_PARAMS),
        RT("double", R_DOUBLE),   RT("nil", R_NIL),        RT("i8", R_INT),
        RT("base64", R_BASE64),   RT("dateTime.iso8601", R_DATETIME),
        RT("fault", R_FAULT),     RT("methodName", R_METHODNAME),
        RT("i1", R_INT),          RT("i2", R_INT),         RT("biginteger", R_INT),
        RT("float", R_DOUBLE),    RT("bigdecimal", R_DOUBLE),
    };
#undef RT
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (tab[i].len == len && tab[i].name[0] == name[0] &&
            memcmp(name, tab[i].name, len) == 0)
            return tab[i].tag;
    return R_UNKNOWN;
}

static void rpush(struct respp *rp, struct xmlrpc_value *v)
{
    rp->stack = xgrow(rp->stack, &rp->cap, rp->n + 1, sizeof(*rp->stack));
    rp->stack[rp->n++] = v;
}

static void XMLCALL resp_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    XML_Parser p = ud;
    struct respp *rp = XML_GetUserData(p);
    if (rp->lim.why || rp->bad || !enter(p, &rp->lim))
        return;
    enum rtag t = rtag_of(name);
    if (t == R_ARRAY || t == R_STRUCT) {
        rp->marks = xgrow(rp->marks, &rp->mcap, rp->nmarks + 1, sizeof(*rp->marks));
        rp->marks[rp->nmarks++] = rp->n;
    }
    buf_reset(&rp->data);
    if (rp->value && t == R_UNKNOWN) {
        rp->bad = "unknown tag inside <value>";
        XML_StopParser(p, XML_FALSE);
        return;
    }
    rp->value = t == R_VALUE;
}

static void XMLCALL resp_text(void *ud, const XML_Char *s, int len)
{
    XML_Parser p = ud;
    struct respp *rp = XML_GetUserData(p);
    if (rp->lim.why || rp->bad)
        return;
    buf_append(&rp->data, s, (size_t)len);
}

static bool resp_end_value(struct respp *rp, enum rtag t)
{
    const char *d = rp->data.data;
    size_t n = rp->data.len;
    switch (t) {
    case R_NIL:
        rpush(rp, xmlrpc_nil());
        break;
    case R_BOOLEAN:
        if (strcmp(d, "0") != 0 && strcmp(d, "1") != 0) {
            rp->bad = "bad boolean value";
            return false;
        }
        rpush(rp, xmlrpc_bool(d[0] == '1'));
        break;
    case R_INT: {
        long long v;
        if (parse_pyint(d, n, &v) < 0) {
            rp->bad = "bad int value";
            return false;
        }
        rpush(rp, xmlrpc_int(v));
        break;
    }
    case R_DOUBLE: {
        double v;
        if (parse_pyfloat(d, n, &v) < 0) {
            rp->bad = "bad double value";
            return false;
        }
        rpush(rp, xmlrpc_double(v));
        break;
    }
    case R_STRING:
        rpush(rp, xmlrpc_string_n(d, n));
        break;
    case R_BASE64: {
        char *raw;
        size_t rn;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)d[i] >= 0x80) {
                rp->bad = "base64 value is not ASCII";
                return false;
            }
        if (xmlrpc_base64_decode(d, n, &raw, &rn) < 0) {
            rp->bad = "bad base64 value";
            return false;
        }
        rpush(rp, string_take(raw, rn));
        break;
    }
    case R_DATETIME: { /* DateTime.decode keeps str(data).strip() */
        trim(&d, &n);
        rpush(rp, xmlrpc_string_n(d, n));
        return true; /* Python leaves the value flag alone here */
    }
    default:
        break;
    }
    rp->value = false;
    return true;
}

static void XMLCALL resp_end(void *ud, const XML_Char *name)
{
    XML_Parser p = ud;
    struct respp *rp = XML_GetUserData(p);
    if (rp->lim.why || rp->bad)
        return;
    rp->lim.depth--;
    enum rtag t = rtag_of(name);
    bool ok = true;
    switch (t) {
    case R_ARRAY:
    case R_STRUCT: {
        size_t mark = rp->marks[--rp->nmarks];
        struct xmlrpc_value *c = t == R_ARRAY ? xmlrpc_array() : xmlrpc_struct();
        if (t == R_STRUCT && (rp->n - mark) % 2) {
            rp->bad = "struct with a name and no value";
            ok = false;
        }
        for (size_t i = mark; ok && i < rp->n; i++) {
            if (t == R_ARRAY) {
                xmlrpc_array_push(c, rp->stack[i]);
                rp->stack[i] = NULL;
            } else if (i % 2 == mark % 2) {
                if (rp->stack[i]->type != XMLRPC_STRING) {
                    rp->bad = "struct member name is not a string";
                    ok = false;
                    break;
                }
                xmlrpc_struct_set(c, rp->stack[i]->s, rp->stack[i + 1]);
                rp->stack[i + 1] = NULL;
            }
        }
        for (size_t i = mark; i < rp->n; i++)
            xmlrpc_free(rp->stack[i]);
        rp->n = mark;
        if (!ok) {
            xmlrpc_free(c);
            break;
        }
        rpush(rp, c);
        rp->value = false;
        break;
    }
    case R_VALUE:
        if (rp->value)
            ok = resp_end_value(rp, R_STRING);
        break;
    case R_PARAMS:
        rp->type = 'p';
        break;
    case R_FAULT:
        rp->type = 'f';
        break;
    case R_METHODNAME:
        rp->type = 'm';
        break;
    case R_UNKNOWN:
        break;
    default:
        ok = resp_end_value(rp, t);
        break;
    }
    if (!ok)
        XML_StopParser(p, XML_FALSE);
}

int xmlrpc_parse_response(const char *body, size_t len, struct xmlrpc_value **result,
                          int *fault_code, char **fault_string, struct err *e)
{
    *result = NULL;
    *fault_code = 0;
    *fault_string = NULL;
    struct respp rp;
    memset(&rp, 0, sizeof(rp));
    buf_init(&rp.data);
    /* xmlrpc.client parses bytes: the declared encoding counts. */
    XML_Parser p = parser_new(NULL, false, &rp);
    XML_SetElementHandler(p, resp_start, resp_end);
    XML_SetCharacterDataHandler(p, resp_text);
    int rc = parse_all(p, &rp.lim, body, len, &rp.bad, e);
    XML_ParserFree(p);
    if (rc == 0 && (rp.type == 0 || rp.nmarks))
        rc = err_set(e, XMLRPC_ERR, "not an XML-RPC response");
    if (rc == 0 && rp.type == 'f') {
        const struct xmlrpc_value *st = rp.n ? rp.stack[0] : NULL;
        const struct xmlrpc_value *code = xmlrpc_struct_get(st, "faultCode");
        const struct xmlrpc_value *str = xmlrpc_struct_get(st, "faultString");
        if (!code || code->type != XMLRPC_INT || code->i == 0 || code->i < INT_MIN ||
            code->i > INT_MAX || !str || str->type != XMLRPC_STRING)
            rc = err_set(e, XMLRPC_ERR, "malformed fault");
        else {
            *fault_code = (int)code->i;
            *fault_string = xstrndup(str->s, str->len);
        }
    } else if (rc == 0) {
        if (rp.n == 1) {
            *result = rp.stack[0];
            rp.stack[0] = NULL;
        } else { /* Python hands back the whole tuple */
            struct xmlrpc_value *a = xmlrpc_array();
            for (size_t i = 0; i < rp.n; i++) {
                xmlrpc_array_push(a, rp.stack[i]);
                rp.stack[i] = NULL;
            }
            *result = a;
        }
    }
    for (size_t i = 0; i < rp.n; i++)
        xmlrpc_free(rp.stack[i]);
    free(rp.stack);
    free(rp.marks);
    buf_release(&rp.data);
    return rc;
}

/* ----------------------------------------------------------------- encoder */

/* xmlrpc.client.escape: only & < >; quotes and control bytes go raw. */
static void put_escaped(struct buf *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] > '>' || (s[i] != '&' && s[i] != '<' && s[i] != '>'))
            continue;
        const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : "&gt;";
        buf_append(out, s + run, i - run);
        buf_puts(out, rep);
        run = i + 1;
    }
    buf_append(out, s + run, n - run);
}

void xmlrpc_format_double(char *out, size_t size, double d)
{
    if (isnan(d)) {
        snprintf(out, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(out, size, d < 0 ? "-inf" : "inf");
        return;
    }
    /* Shortest digits that round-trip, as Python's repr finds them. */
    char tmp[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p))
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1;
    struct buf b;
    buf_init(&b);
    if (neg)
        buf_putc(&b, '-');
    if (d == 0) {
        buf_puts(&b, "0.0");
    } else if (decpt <= -4 || decpt > 16) {
        buf_putc(&b, digits[0]);
        if (nd > 1) {
            buf_putc(&b, '.');
            buf_puts(&b, digits + 1);
        }
        buf_printf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        buf_puts(&b, "0.");
        for (int i = 0; i < -decpt; i++)
            buf_putc(&b, '0');
        buf_puts(&b, digits);
    } else if ((size_t)decpt >= nd) {
        buf_puts(&b, digits);
        for (size_t i = nd; i < (size_t)decpt; i++)
            buf_putc(&b, '0');
        buf_puts(&b, ".0");
    } else {
        buf_append(&b, digits, (size_t)decpt);
        buf_putc(&b, '.');
        buf_puts(&b, digits + decpt);
    }
    snprintf(out, size, "%s", b.data);
    buf_release(&b);
}

/* a string literal, without strlen */
#define PUT_LIT(out, lit) buf_append(out, lit, sizeof lit - 1)

void xmlrpc_write_int(struct buf *out, long long i)
{
    /* without printf: big results are mostly these */
    static const char head[] = "<value><int>", tail[] = "</int></value>\n";
    char tmp[sizeof head + 24 + sizeof tail], *e = tmp + sizeof tmp, *p = e;
    p -= sizeof tail - 1;
    memcpy(p, tail, sizeof tail - 1);
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (i < 0)
        *--p = '-';
    p -= sizeof head - 1;
    memcpy(p, head, sizeof head - 1);
    buf_append(out, p, (size_t)(e - p));
}

void xmlrpc_write_string(struct buf *out, const char *s, size_t n)
{
    PUT_LIT(out, "<value><string>");
    put_escaped(out, s, n);
    PUT_LIT(out, "</string></value>\n");
}

void xmlrpc_write_struct_begin(struct buf *out)
{
    PUT_LIT(out, "<value><struct>\n");
}

void xmlrpc_write_member(struct buf *out, const char *name)
{
    PUT_LIT(out, "<member>\n<name>");
    put_escaped(out, name, strlen(name));
    PUT_LIT(out, "</name>\n");
}

void xmlrpc_write_member_end(struct buf *out)
{
    PUT_LIT(out, "</member>\n");
}

void xmlrpc_write_struct_end(struct buf *out)
{
    PUT_LIT(out, "</struct></value>\n");
}

void xmlrpc_write_array_begin(struct buf *out)
{
    PUT_LIT(out, "<value><array><data>\n");
}

void xmlrpc_write_array_end(struct buf *out)
{
    PUT_LIT(out, "</data></array></value>\n");
}

void xmlrpc_write_value(struct buf *out, const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT:
        xmlrpc_write_int(out, v->i);
        break;
    case XMLRPC_BOOL:
        buf_puts(out, v->i ? "<value><boolean>1</boolean></value>\n"
                           : "<value><boolean>0</boolean></value>\n");
        break;
    case XMLRPC_STRING:
        xmlrpc_write_string(out, v->s, v->len);
        break;
    case XMLRPC_DOUBLE: {
        char num[40];
        xmlrpc_format_double(num, sizeof(num), v->d);
        buf_printf(out, "<value><double>%s</double></value>\n", num);
        break;
    }
    case XMLRPC_ARRAY:
        xmlrpc_write_array_begin(out);
        for (size_t i = 0; i < v->n; i++)
            xmlrpc_write_value(out, v->items[i]);
        xmlrpc_write_array_end(out);
        break;
    case XMLRPC_STRUCT:
        xmlrpc_write_struct_begin(out);
        for (size_t i = 0; i < v->n; i++) {
            xmlrpc_write_member(out, v->members[i].name);
            xmlrpc_write_value(out, v->members[i].value);
            xmlrpc_write_member_end(out);
        }
        xmlrpc_write_struct_end(out);
        break;
    case XMLRPC_NIL: /* Python writes no newline after this one */
        buf_puts(out, "<value><nil/></value>");
        break;
    }
}

#define XML_HEADER "<?xml version='1.0'?>\n"

void xmlrpc_write_response(struct buf *out, const struct xmlrpc_value *v)
{
    buf_puts(out, XMLRPC_RESPONSE_HEAD);
    xmlrpc_write_value(out, v);
    buf_puts(out, XMLRPC_RESPONSE_TAIL);
}

void xmlrpc_write_fault(struct buf *out, int code, const char *string)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "faultCode", xmlrpc_int(code));
    xmlrpc_struct_set(st, "faultString", xmlrpc_string(string));
    buf_puts(out, XML_HEADER "<methodResponse>\n<fault>\n");
    xmlrpc_write_value(out, st);
    buf_puts(out, "</fault>\n</methodResponse>\n");
    xmlrpc_free(st);
}

void xmlrpc_write_call(struct buf *out, const char *method, const struct xmlrpc_value *params)
{
    /* Python does not escape the method name. */
    buf_printf(out, XML_HEADER "<methodCall>\n<methodName>%s</methodName>\n<params>\n", method);
    for (size_t i = 0; params && i < params->n; i++) {
        buf_puts(out, "<param>\n");
        xmlrpc_write_value(out, params->items[i]);
        buf_puts(out, "</param>\n");
    }
    buf_puts(out, "</params>\n</methodCall>\n");
}

int xmlrpc_check_marshal(const struct xmlrpc_value *v, struct err *e)
{
    switch (v->type) {
    case XMLRPC_INT:
        if (v->i > INT32_MAX || v->i < INT32_MIN)
            return err_set(e, XMLRPC_ERR, "int exceeds XML-RPC limits");
        return 0;
    case XMLRPC_NIL:
        return err_set(e, XMLRPC_ERR, "cannot marshal None unless allow_none is enabled");
    case XMLRPC_ARRAY:
        for (size_t i = 0; i < v->n; i++)
            if (xmlrpc_check_marshal(v->items[i], e) < 0)
                return -1;
        return 0;
    case XMLRPC_STRUCT:
        for (size_t i = 0; i < v->n; i++)
            if (xmlrpc_check_marshal(v->members[i].value, e) < 0)
                return -1;
        return 0;
    default:
        return 0;
    }
}
