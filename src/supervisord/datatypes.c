/* datatypes: Supervisor's value converters (datatypes.py) with their exact
 * messages, Python int() parsing, signal names, and the environment= shlex
 * tokenizer. Integers are long long: what Python would accept beyond that
 * range is refused with our own message. */
#include "datatypes.h"

#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ini.h"
#include "xalloc.h"

char *dt_pyrepr(const char *s)
{
    return ini_pyrepr(s, strlen(s));
}

/* PyErr_Format's "%.200R": the repr cut to 200 characters. */
static char *repr200(const char *s)
{
    char *r = dt_pyrepr(s);
    size_t chars = 0, i = 0, n = strlen(r);
    while (i < n && chars < 200) {
        i++;
        while (i < n && ((unsigned char)r[i] & 0xc0) == 0x80)
            i++;
        chars++;
    }
    r[i] = '\0';
    return r;
}

static char *ascii_lower(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

enum { PYINT_OK, PYINT_INVALID, PYINT_OVERFLOW };

/* Python int(s, base) for base 8 or 10: surrounding (Unicode) whitespace,
 * a sign, "0o" for base 8, single '_' between digits. */
static int pyint(const char *s, int base, long long *out)
{
    size_t n = strlen(s);
    size_t i = ini_py_lspace(s, n);
    n = ini_py_rstrip(s, n);
    /* int() strips non-ASCII Unicode spaces but of ASCII only " \t\n\v\f\r" */
    for (size_t k = 0; k < i; k++)
        if (s[k] >= 0x1c && s[k] <= 0x1f)
            return PYINT_INVALID;
    for (size_t k = n; s[k]; k++)
        if (s[k] >= 0x1c && s[k] <= 0x1f)
            return PYINT_INVALID;
    if (i >= n)
        return PYINT_INVALID;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    if (base == 8 && i + 1 < n && s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O')) {
        i += 2;
        if (i < n && s[i] == '_')
            i++; /* one underscore may follow the prefix */
    }
    unsigned long long mag = 0;
    bool overflow = false, digit = false, under = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') {
            if (!digit || under)
                return PYINT_INVALID;
            under = true;
            continue;
        }
        if (c < '0' || c >= '0' + base)
            return PYINT_INVALID;
        under = false;
        digit = true;
        if (mag > (~0ULL - (unsigned)(c - '0')) / (unsigned)base)
            overflow = true;
        else
            mag = mag * (unsigned)base + (unsigned)(c - '0');
    }
    if (!digit || under)
        return PYINT_INVALID;
    if (overflow || mag > (neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX))
        return PYINT_OVERFLOW;
    *out = neg ? (long long)(0ULL - mag) : (long long)mag;
    return PYINT_OK;
}

static int int_error(const char *s, int rc, struct err *e)
{
    char *r = rc == PYINT_OVERFLOW ? dt_pyrepr(s) : repr200(s);
    if (rc == PYINT_OVERFLOW)
        err_set(e, ERR_CONFIG, "integer out of range: %s", r);
    else
        err_set(e, ERR_CONFIG, "invalid literal for int() with base 10: %s", r);
    free(r);
    return -1;
}

int dt_integer(const char *s, long long *out, struct err *e)
{
    int rc = pyint(s, 10, out);
    return rc == PYINT_OK ? 0 : int_error(s, rc, e);
}

static const char *const truthy[] = {"yes", "true", "on", "1"};
static const char *const falsy[] = {"no", "false", "off", "0"};

static int truth(const char *lower)
{
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(lower, truthy[i]) == 0)
            return 1;
        if (strcmp(lower, falsy[i]) == 0)
            return 0;
    }
    return -1;
}

int dt_boolean(const char *s, bool *out, struct err *e)
{
    char *l = ascii_lower(s);
    int t = truth(l);
    free(l);
    if (t < 0) {
        char *r = dt_pyrepr(s);
        err_set(e, ERR_CONFIG, "not a valid boolean value: %s", r);
        free(r);
        return -1;
    }
    *out = t == 1;
    return 0;
}

int dt_byte_size(const char *s, long long *out, struct err *e)
{
    char *v = ascii_lower(s);
    size_t n = strlen(v);
    long long mult = 1;
    if (n >= 2) {
        const char *suf = v + n - 2;
        if (strcmp(suf, "kb") == 0)
            mult = 1024;
        else if (strcmp(suf, "mb") == 0)
            mult = 1024LL * 1024;
        else if (strcmp(suf, "gb") == 0)
            mult = 1024LL * 1024 * 1024;
        if (mult != 1)
            v[n - 2] = '\0';
    }
    long long x;
    int rc = pyint(v, 10, &x);
    if (rc == PYINT_OK && __builtin_mul_overflow(x, mult, &x))
        rc = PYINT_OVERFLOW;
    if (rc != PYINT_OK) {
        int_error(v, rc, e);
        free(v);
        return -1;
    }
    free(v);
    *out = x;
    return 0;
}

int dt_octal(const char *s, long long *out, struct err *e)
{
    if (pyint(s, 8, out) != PYINT_OK)
        return err_set(e, ERR_CONFIG, "%s can not be converted to an octal type", s);
    return 0;
}

/* Every signal.SIG* name of Python 3.11 on Linux with its number. */
static const struct {
    const char *name;
    int num;
} signames[] = {
    {"SIGHUP", 1},     {"SIGINT", 2},     {"SIGQUIT", 3},    {"SIGILL", 4},
    {"SIGTRAP", 5},    {"SIGABRT", 6},    {"SIGIOT", 6},     {"SIGBUS", 7},
    {"SIGFPE", 8},     {"SIGKILL", 9},    {"SIGUSR1", 10},   {"SIGSEGV", 11},
    {"SIGUSR2", 12},   {"SIGPIPE", 13},   {"SIGALRM", 14},   {"SIGTERM", 15},
    {"SIGSTKFLT", 16}, {"SIGCHLD", 17},   {"SIGCLD", 17},    {"SIGCONT", 18},
    {"SIGSTOP", 19},   {"SIGTSTP", 20},   {"SIGTTIN", 21},   {"SIGTTOU", 22},
    {"SIGURG", 23},    {"SIGXCPU", 24},   {"SIGXFSZ", 25},   {"SIGVTALRM", 26},
    {"SIGPROF", 27},   {"SIGWINCH", 28},  {"SIGIO", 29},     {"SIGPOLL", 29},
    {"SIGPWR", 30},    {"SIGSYS", 31},    {"SIGRTMIN", 34},  {"SIGRTMAX", 64},
    {"SIG_BLOCK", 0},  {"SIG_UNBLOCK", 1}, {"SIG_SETMASK", 2}, {"SIG_DFL", 0},
    {"SIG_IGN", 1},
};

/* signame(): the name Supervisor prints (the last SIG* name of each number
 * in the signal module's dict order, SIG_* excluded). */
static const char *const signame_tab[65] = {
    [1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",  [4] = "SIGILL",
    [5] = "SIGTRAP",  [6] = "SIGABRT",    [7] = "SIGBUS",   [8] = "SIGFPE",
    [9] = "SIGKILL",  [10] = "SIGUSR1",   [11] = "SIGSEGV", [12] = "SIGUSR2",
    [13] = "SIGPIPE", [14] = "SIGALRM",   [15] = "SIGTERM", [16] = "SIGSTKFLT",
    [17] = "SIGCHLD", [18] = "SIGCONT",   [19] = "SIGSTOP", [20] = "SIGTSTP",
    [21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",  [24] = "SIGXCPU",
    [25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
    [29] = "SIGPOLL", [30] = "SIGPWR",    [31] = "SIGSYS",  [34] = "SIGRTMIN",
    [64] = "SIGRTMAX",
};

const char *dt_signame(int sig)
{
    return sig >= 0 && sig <= 64 ? signame_tab[sig] : NULL;
}

static bool signum_valid(long long n)
{
    return (n >= 0 && n <= 31) || n == 34 || n == 64;
}

int dt_signal(const char *s, int *out, struct err *e)
{
    long long num;
    int rc = pyint(s, 10, &num);
    if (rc == PYINT_INVALID) {
        /* value.strip().upper(), 'SIG' prepended when missing */
        size_t n = strlen(s), a = ini_py_lspace(s, n), b = ini_py_rstrip(s, n);
        struct buf up;
        buf_init(&up);
        for (size_t i = a; i < b; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == 0xc5 && i + 1 < b && (unsigned char)s[i + 1] == 0xbf) {
                buf_putc(&up, 'S'); /* 'ſ'.upper() */
                i++;
            } else if (c == 0xc4 && i + 1 < b && (unsigned char)s[i + 1] == 0xb1) {
                buf_putc(&up, 'I'); /* 'ı'.upper() */
                i++;
            } else {
                buf_putc(&up, (char)toupper(c));
            }
        }
        const char *name = up.data;
        char *full = strncmp(name, "SIG", 3) == 0 ? xstrdup(name) : xasprintf("SIG%s", name);
        buf_release(&up);
        bool found = false;
        for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
            if (strcmp(full, signames[i].name) == 0) {
                num = signames[i].num;
                found = true;
                break;
            }
        free(full);
        if (!found) {
            char *r = dt_pyrepr(s);
            err_set(e, ERR_CONFIG, "value %s is not a valid signal name", r);
            free(r);
            return -1;
        }
    } else if (rc == PYINT_OVERFLOW) {
        num = -1;
    }
    if (!signum_valid(num)) {
        char *r = dt_pyrepr(s);
        err_set(e, ERR_CONFIG, "value %s is not a valid signal number", r);
        free(r);
        return -1;
    }
    *out = (int)num;
    return 0;
}

int dt_exitcodes(const char *s, uint8_t set[32], struct err *e)
{
    memset(set, 0, 32);
    if (!*s)
        return 0;
    char *copy = xstrdup(s);
    int rc = 0;
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        long long v;
        if (pyint(p, 10, &v) != PYINT_OK || v < 0 || v > 255) {
            rc = -1;
            break;
        }
        set[v >> 3] |= (uint8_t)(1u << (v & 7));
        if (!comma)
            break;
        p = comma + 1;
    }
    free(copy);
    if (rc < 0) {
        memset(set, 0, 32);
        char *r = dt_pyrepr(s);
        err_set(e, ERR_CONFIG, "not a valid list of exit codes: %s", r);
        free(r);
    }
    return rc;
}

int dt_autorestart(const char *s, enum autorestart *out, struct err *e)
{
    char *l = ascii_lower(s);
    int t = truth(l);
    if (t == 1) {
        *out = AUTORESTART_ALWAYS;
    } else if (t == 0) {
        *out = AUTORESTART_NEVER;
    } else if (strcmp(l, "unexpected") == 0) {
        *out = AUTORESTART_UNEXPECTED;
    } else {
        char *r = dt_pyrepr(l); /* Python reports the lower-cased value */
        err_set(e, ERR_CONFIG, "invalid 'autorestart' value %s", r);
        free(r);
        free(l);
        return -1;
    }
    free(l);
    return 0;
}

int dt_loglevel(const char *s, int *out, struct err *e)
{
    static const struct {
        const char *name;
        int level;
    } levels[] = {
        {"critical", LOGLEVEL_CRITICAL}, {"error", LOGLEVEL_ERROR}, {"warn", LOGLEVEL_WARN},
        {"info", LOGLEVEL_INFO},         {"debug", LOGLEVEL_DEBUG}, {"trace", LOGLEVEL_TRACE},
        {"blather", LOGLEVEL_BLATHER},
    };
    char *l = ascii_lower(s);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strcmp(l, levels[i].name) == 0) {
            free(l);
            *out = levels[i].level;
            return 0;
        }
    free(l);
    char *r = dt_pyrepr(s);
    err_set(e, ERR_CONFIG, "bad logging level name %s", r);
    free(r);
    return -1;
}

/* os.path.expanduser */
static char *expanduser(const char *p)
{
    if (p[0] != '~')
        return xstrdup(p);
    const char *slash = strchr(p + 1, '/');
    size_t i = slash ? (size_t)(slash - p) : strlen(p);
    char *home = NULL;
    if (i == 1) {
        const char *h = getenv("HOME");
        if (h) {
            home = xstrdup(h);
        } else {
            struct passwd *pw = getpwuid(getuid());
            if (!pw)
                return xstrdup(p);
            home = xstrdup(pw->pw_dir);
        }
    } else {
        char *name = xstrndup(p + 1, i - 1);
        struct passwd *pw = getpwnam(name);
        free(name);
        if (!pw)
            return xstrdup(p);
        home = xstrdup(pw->pw_dir);
    }
    size_t hl = strlen(home);
    while (hl > 0 && home[hl - 1] == '/')
        home[--hl] = '\0';
    char *r = xasprintf("%s%s", home, p + i);
    free(home);
    if (!*r) {
        free(r);
        r = xstrdup("/");
    }
    return r;
}

static bool isdir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int dt_existing_directory(const char *s, char **out, struct err *e)
{
    char *nv = expanduser(s);
    if (isdir(nv)) {
        *out = nv;
        return 0;
    }
    free(nv);
    return err_set(e, ERR_CONFIG, "%s is not an existing directory", s);
}

int dt_existing_dirpath(const char *s, char **out, struct err *e)
{
    char *nv = expanduser(s);
    /* posixpath.dirname: up to the last '/', trailing slashes dropped
     * unless it is all slashes */
    const char *last = strrchr(nv, '/');
    if (!last) {
        *out = nv;
        return 0;
    }
    size_t hl = (size_t)(last - nv) + 1;
    char *dir = xstrndup(nv, hl);
    size_t k = hl;
    while (k > 0 && dir[k - 1] == '/')
        k--;
    if (k > 0)
        dir[k] = '\0';
    bool ok = isdir(dir);
    free(dir);
    if (ok) {
        *out = nv;
        return 0;
    }
    free(nv);
    return err_set(e, ERR_CONFIG, "The directory named as part of the path %s does not exist", s);
}

int dt_logfile_name(const char *s, enum logfile_kind *kind, char **path, struct err *e)
{
    char *l = ascii_lower(s);
    enum logfile_kind k = LOGFILE_PATH;
    if (!*l || strcmp(l, "none") == 0 || strcmp(l, "off") == 0)
        k = LOGFILE_NONE;
    else if (strcmp(l, "auto") == 0)
        k = LOGFILE_AUTO;
    else if (strcmp(l, "syslog") == 0)
        k = LOGFILE_SYSLOG;
    free(l);
    *path = NULL;
    *kind = k;
    if (k != LOGFILE_PATH)
        return 0;
    return dt_existing_dirpath(s, path, e);
}

int dt_name_to_uid(const char *s, uid_t *uid, gid_t *gid, struct err *e)
{
    long long v;
    int rc = pyint(s, 10, &v);
    if (rc == PYINT_INVALID) {
        struct passwd *pw = getpwnam(s);
        if (!pw)
            return err_set(e, ERR_CONFIG, "Invalid user name %s", s);
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
        return 0;
    }
    struct passwd *pw = NULL;
    if (rc == PYINT_OK && v >= 0 && v <= (long long)(uid_t)-1 - 1)
        pw = getpwuid((uid_t)v);
    if (!pw)
        return err_set(e, ERR_CONFIG, "Invalid user id %s", s);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

static int name_to_gid(const char *s, gid_t *gid)
{
    long long v;
    int rc = pyint(s, 10, &v);
    struct group *gr = NULL;
    if (rc == PYINT_INVALID)
        gr = getgrnam(s);
    else if (rc == PYINT_OK && v >= 0 && v <= (long long)(gid_t)-1 - 1)
        gr = getgrgid((gid_t)v);
    if (!gr)
        return -1;
    *gid = gr->gr_gid;
    return 0;
}

int dt_user_group(const char *s, uid_t *uid, gid_t *gid, struct err *e)
{
    const char *colon = strchr(s, ':');
    char *user = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
    gid_t primary;
    int rc = dt_name_to_uid(user, uid, &primary, NULL);
    free(user);
    if (rc == 0) {
        if (colon)
            rc = name_to_gid(colon + 1, gid);
        else
            *gid = (gid_t)-1;
    }
    if (rc < 0)
        return err_set(e, ERR_CONFIG, "Invalid user:group definition %s", s);
    return 0;
}

/* port_number(): integer with range 1..65535 and RangeCheckedConversion's
 * messages. Overflowing values are reported as Python would print them. */
static int port_number(const char *s, int *port, struct err *e)
{
    long long v;
    int rc = pyint(s, 10, &v);
    if (rc == PYINT_INVALID)
        return int_error(s, rc, e);
    if (rc == PYINT_OVERFLOW) {
        struct buf d;
        buf_init(&d);
        bool neg = false;
        for (const char *p = s; *p; p++) {
            if (*p == '-')
                neg = true;
            if (*p >= '0' && *p <= '9' && !(d.len == 0 && *p == '0'))
                buf_putc(&d, *p);
        }
        if (neg)
            err_set(e, ERR_CONFIG, "-%s is below lower bound (1)", d.data);
        else
            err_set(e, ERR_CONFIG, "%s is above upper bound (65535)", d.data);
        buf_release(&d);
        return -1;
    }
    if (v < 1)
        return err_set(e, ERR_CONFIG, "%lld is below lower bound (1)", v);
    if (v > 65535)
        return err_set(e, ERR_CONFIG, "%lld is above upper bound (65535)", v);
    *port = (int)v;
    return 0;
}

int dt_inet_address(const char *s, char **host, int *port, struct err *e)
{
    *host = NULL;
    const char *colon = strrchr(s, ':');
    if (colon) {
        if (!colon[1])
            return err_set(e, ERR_CONFIG, "no port number specified in ''");
        if (port_number(colon + 1, port, e) < 0)
            return -1;
        char *h = xstrndup(s, (size_t)(colon - s));
        char *l = ascii_lower(h);
        free(h);
        if (!*l || strcmp(l, "*") == 0)
            free(l);
        else
            *host = l;
        return 0;
    }
    if (port_number(s, port, NULL) < 0) {
        char *r = dt_pyrepr(s);
        err_set(e, ERR_CONFIG, "not a valid port number: %s ", r);
        free(r);
        return -1;
    }
    return 0;
}

int dt_process_or_group_name(const char *s, char **out, struct err *e)
{
    size_t n = strlen(s), a = ini_py_lspace(s, n), b = ini_py_rstrip(s, n);
    char *v = xstrndup(s + a, b > a ? b - a : 0);
    static const char bad[] = " :/";
    for (size_t i = 0; i < 3; i++)
        if (strchr(v, bad[i])) {
            char *r = dt_pyrepr(s);
            err_set(e, ERR_CONFIG, "Invalid name: %s because of character: '%c'", r, bad[i]);
            free(r);
            free(v);
            return -1;
        }
    *out = v;
    return 0;
}

/* ---- kvlist ------------------------------------------------------------ */

void kvlist_init(struct kvlist *l)
{
    memset(l, 0, sizeof *l);
}

void kvlist_release(struct kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static struct kv *kv_find(const struct kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return &l->v[i];
    return NULL;
}

void kvlist_set(struct kvlist *l, const char *key, const char *value)
{
    char *copy = xstrdup(value);
    struct kv *kv = kv_find(l, key);
    if (kv) {
        free(kv->value);
        kv->value = copy;
        return;
    }
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n].key = xstrdup(key);
    l->v[l->n].value = copy;
    l->n++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
    const struct kv *kv = kv_find(l, key);
    return kv ? kv->value : NULL;
}

void kvlist_copy(struct kvlist *dst, const struct kvlist *src)
{
    for (size_t i = 0; i < src->n; i++)
        kvlist_set(dst, src->v[i].key, src->v[i].value);
}

bool kvlist_equal(const struct kvlist *a, const struct kvlist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const char *v = kvlist_get(b, a->v[i].key);
        if (!v || strcmp(v, a->v[i].value) != 0)
            return false;
    }
    return true;
}

void kvlist_del(struct kvlist *l, const char *key)
{
    struct kv *kv = kv_find(l, key);
    if (!kv)
        return;
    free(kv->key);
    free(kv->value);
    size_t i = (size_t)(kv - l->v);
    memmove(kv, kv + 1, (l->n - i - 1) * sizeof *kv);
    l->n--;
}

/* ---- environment= ------------------------------------------------------ */

struct tok {
    size_t start, end; /* span in the raw text */
    char *text;        /* as shlex returns it (comments inside words removed) */
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

static void toks_release(struct toks *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
}

static void toks_add(struct toks *t, size_t start, size_t end, char *text)
{
    t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
    t->v[t->n++] = (struct tok){start, end, text};
}

static bool sh_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* shlex.wordchars (non-POSIX: ASCII only) plus Supervisor's "/.+-():" */
static bool sh_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (c && strchr("/.+-():", c));
}

/* One character as shlex reads it: a whole UTF-8 sequence. */
static size_t sh_charlen(const char *s, size_t n, size_t i)
{
    uint32_t cp;
    int l = ini_utf8_char(s + i, n - i, &cp);
    return l > 0 ? (size_t)l : 1;
}

/* readline(): up to and including the next '\n'. */
static size_t sh_skip_comment(const char *s, size_t n, size_t i)
{
    const char *nl = memchr(s + i, '\n', n - i);
    return nl ? (size_t)(nl - s) + 1 : n;
}

/* shlex.shlex(s) in non-POSIX mode, list(lexer). */
static int sh_tokenize(const char *s, struct toks *t, struct err *e)
{
    size_t n = strlen(s), i = 0;
    for (;;) {
        while (i < n && sh_space(s[i]))
            i++;
        if (i >= n)
            return 0;
        char c = s[i];
        if (c == '#') {
            i = sh_skip_comment(s, n, i + 1);
            continue;
        }
        if (c == '\'' || c == '"') {
            const char *close = memchr(s + i + 1, c, n - i - 1);
            if (!close)
                return err_set(e, ERR_CONFIG, "No closing quotation");
            size_t end = (size_t)(close - s) + 1;
            toks_add(t, i, end, xstrndup(s + i, end - i));
            i = end;
            continue;
        }
        if (!sh_word(c)) {
            size_t l = sh_charlen(s, n, i);
            toks_add(t, i, i + l, xstrndup(s + i, l));
            i += l;
            continue;
        }
        /* a word: word chars and quotes; '#' drops the rest of the line but
         * the word goes on (non-POSIX quirk) */
        struct buf w;
        buf_init(&w);
        size_t start = i, end = i;
        while (i < n) {
            c = s[i];
            if (sh_space(c)) {
                i++;
                break;
            }
            if (c == '#') {
                i = sh_skip_comment(s, n, i + 1);
                continue;
            }
            if (!sh_word(c) && c != '\'' && c != '"')
                break;
            buf_putc(&w, c);
            end = ++i;
        }
        char *text = buf_detach(&w);
        buf_release(&w);
        toks_add(t, start, end, text);
    }
}

static char *strip_quotes(const char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == '\'' || s[a] == '"'))
        a++;
    while (n > a && (s[n - 1] == '\'' || s[n - 1] == '"'))
        n--;
    return xstrndup(s + a, n - a);
}

static char *raw_trim(const char *s, size_t a, size_t b)
{
    while (b > a && sh_space(s[b - 1]))
        b--;
    return xstrndup(s + a, b - a);
}

/* A comma at or after `from` that is not inside a quoted token, or n. */
static size_t next_comma(const char *s, size_t n, size_t from, const struct toks *t)
{
    size_t k = 0;
    for (size_t p = from; p < n; p++) {
        if (s[p] != ',')
            continue;
        while (k < t->n && t->v[k].end <= p)
            k++;
        bool quoted = k < t->n && t->v[k].start <= p &&
                      (t->v[k].text[0] == '\'' || t->v[k].text[0] == '"');
        if (!quoted)
            return p;
    }
    return n;
}

/* Our reading: where Python drops text after a value (a non-comma token
 * taken as separator, a comment), keep the raw text up to the next comma and
 * read on after it. Returns -1 if that reading does not parse. */
static int env_ours(const char *s, struct kvlist *out, struct kvlist *warn)
{
    size_t off = 0;
    for (;;) {
        const char *b = s + off;
        size_t n = strlen(b);
        struct toks t = {0};
        struct err ignored;
        if (sh_tokenize(b, &t, &ignored) < 0) {
            toks_release(&t);
            return -1;
        }
        size_t i = 0;
        bool more = false;
        while (i < t.n) {
            if (i + 2 >= t.n || strcmp(t.v[i + 1].text, "=") != 0) {
                toks_release(&t);
                return -1;
            }
            const char *key = t.v[i].text;
            const struct tok *v = &t.v[i + 2];
            size_t sep = i + 3;
            char *raw = raw_trim(b, v->start, sep < t.n ? t.v[sep].start : n);
            bool dropped = (sep < t.n && strcmp(t.v[sep].text, ",") != 0 &&
                            strcmp(t.v[sep].text, ";") != 0) ||
                           strcmp(raw, v->text) != 0;
            free(raw);
            if (!dropped) {
                char *val = strip_quotes(v->text);
                kvlist_set(out, key, val);
                kvlist_del(warn, key);
                free(val);
                i += 4;
                continue;
            }
            size_t comma = next_comma(b, n, v->end, &t);
            char *ours = raw_trim(b, v->start, comma);
            char *py = strip_quotes(v->text);
            char *r1 = dt_pyrepr(ours), *r2 = dt_pyrepr(py);
            char *msg = xasprintf("value of %s was %s but Supervisor 4.2.5 would keep only %s",
                                  key, r1, r2);
            kvlist_set(out, key, ours);
            kvlist_set(warn, key, msg);
            free(msg);
            free(r1);
            free(r2);
            free(py);
            free(ours);
            if (comma < n) {
                off += comma + 1;
                more = true;
            }
            break;
        }
        toks_release(&t);
        if (!more)
            return 0;
    }
}

int dt_env_pairs(const char *s, struct kvlist *out, struct kvlist *warnings, struct err *e)
{
    struct toks t = {0};
    if (sh_tokenize(s, &t, e) < 0) {
        toks_release(&t);
        return -1;
    }
    /* Python's grouping: KEY '=' VALUE <any token>, repeated */
    struct kvlist py;
    kvlist_init(&py);
    for (size_t i = 0; i < t.n; i += 4) {
        if (i + 2 >= t.n || strcmp(t.v[i + 1].text, "=") != 0) {
            kvlist_release(&py);
            toks_release(&t);
            return err_set(e, ERR_CONFIG, "Unexpected end of key/value pairs in value '%s'", s);
        }
        char *val = strip_quotes(t.v[i + 2].text);
        kvlist_set(&py, t.v[i].text, val);
        free(val);
    }
    struct kvlist ours, warn;
    kvlist_init(&ours);
    kvlist_init(&warn);
    if (env_ours(s, &ours, &warn) == 0) {
        kvlist_copy(out, &ours);
        if (warnings)
            kvlist_copy(warnings, &warn);
    } else {
        kvlist_copy(out, &py); /* our regrouping failed: keep Python's reading */
    }
    kvlist_release(&ours);
    kvlist_release(&warn);
    kvlist_release(&py);
    toks_release(&t);
    return 0;
}
