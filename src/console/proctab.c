/* proctab: a node's processes, compact. The usual getAllProcessInfo
 * struct becomes six integers and one string block; the member order and
 * types are fixed, so writing it back needs no names stored. */
#include "proctab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "procdesc.h"
#include "xalloc.h"

enum slot { INT_START, INT_STOP, INT_NOW, INT_STATE, INT_EXITSTATUS, INT_PID };

/* getAllProcessInfo's members, in Supervisor's order (rpcinterface.py:
 * getProcessInfo, then the description): a string field or an integer. */
static const struct {
    const char *name;
    int field; /* enum proctab_field, or -1: an integer */
    int slot;  /* enum slot when an integer */
} MEMBERS[] = {
    {"name", PROCTAB_NAME, 0},
    {"group", PROCTAB_GROUP, 0},
    {"start", -1, INT_START},
    {"stop", -1, INT_STOP},
    {"now", -1, INT_NOW},
    {"state", -1, INT_STATE},
    {"statename", PROCTAB_STATENAME, 0},
    {"spawnerr", PROCTAB_SPAWNERR, 0},
    {"exitstatus", -1, INT_EXITSTATUS},
    {"logfile", PROCTAB_LOGFILE, 0},
    {"stdout_logfile", PROCTAB_STDOUT_LOGFILE, 0},
    {"stderr_logfile", PROCTAB_STDERR_LOGFILE, 0},
    {"pid", -1, INT_PID},
    {"description", PROCTAB_DESCRIPTION, 0},
};
#define NMEMBERS (sizeof MEMBERS / sizeof MEMBERS[0])
_Static_assert(NMEMBERS == PROCTAB_MEMBERS, "the header's count");

static const char *const FIELD_NAMES[PROCTAB_NFIELDS] = {
    "name",    "group",          "statename",      "spawnerr",
    "logfile", "stdout_logfile", "stderr_logfile", "description"};

/* The fields events do not carry (log paths, fixed per process). */
static const enum proctab_field LOGS[] = {PROCTAB_LOGFILE, PROCTAB_STDOUT_LOGFILE,
                                          PROCTAB_STDERR_LOGFILE};

static long long *slot_of(struct proctab_proc *p, int slot)
{
    switch (slot) {
    case INT_START: return &p->start;
    case INT_STOP: return &p->stop;
    case INT_NOW: return &p->now;
    case INT_STATE: return &p->state;
    case INT_EXITSTATUS: return &p->exitstatus;
    default: return &p->pid;
    }
}

static long long slot_value(const struct proctab_proc *p, int slot)
{
    return *slot_of((struct proctab_proc *)p, slot);
}

const char *proctab_field_name(enum proctab_field k)
{
    return k < PROCTAB_NFIELDS ? FIELD_NAMES[k] : "";
}

const char *proctab_str(const struct proctab_proc *p, enum proctab_field k)
{
    if (!p->strs || k >= PROCTAB_NFIELDS)
        return "";
    return p->strs + (k ? p->end[k - 1] : 0);
}

size_t proctab_len(const struct proctab_proc *p, enum proctab_field k)
{
    if (!p->strs || k >= PROCTAB_NFIELDS)
        return 0;
    return p->end[k] - (k ? p->end[k - 1] : 0) - 1;
}

/* The string block of s[k][0..len[k]) into p (its old block freed). A
 * block past 4 GiB cannot come (replies and events are capped far below):
 * its fields are then cut to empty. */
static void set_strs(struct proctab_proc *p, const char *const s[PROCTAB_NFIELDS],
                     const size_t len[PROCTAB_NFIELDS])
{
    size_t total = 0;
    for (size_t k = 0; k < PROCTAB_NFIELDS; k++)
        total += len[k] + 1;
    bool cut = total > UINT32_MAX;
    if (cut)
        total = PROCTAB_NFIELDS;
    char *block = xmalloc(total), *at = block;
    for (size_t k = 0; k < PROCTAB_NFIELDS; k++) {
        size_t n = cut ? 0 : len[k];
        memcpy(at, s[k], n);
        at[n] = '\0';
        at += n + 1;
        p->end[k] = (uint32_t)(at - block);
    }
    free(p->strs);
    p->strs = block;
}

void proctab_proc_release(struct proctab_proc *p)
{
    free(p->strs);
    xmlrpc_free(p->raw);
    memset(p, 0, sizeof *p);
}

void proctab_init(struct proctab *t)
{
    memset(t, 0, sizeof *t);
}

void proctab_release(struct proctab *t)
{
    for (size_t i = 0; i < t->n; i++)
        proctab_proc_release(&t->procs[i]);
    free(t->procs);
    memset(t, 0, sizeof *t);
}

void proctab_move(struct proctab *t, struct proctab *from)
{
    proctab_release(t);
    *t = *from;
    memset(from, 0, sizeof *from);
}

void proctab_push(struct proctab *t, struct proctab_proc *p)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->procs = xrealloc(t->procs, t->cap * sizeof *t->procs);
    }
    t->procs[t->n++] = *p;
    memset(p, 0, sizeof *p);
}

void proctab_replace(struct proctab *t, size_t i, struct proctab_proc *p)
{
    proctab_proc_release(&t->procs[i]);
    t->procs[i] = *p;
    memset(p, 0, sizeof *p);
}

/* ---- order and lookup ---- */

static int key_cmp(const struct proctab_proc *p, const char *group, const char *name)
{
    int c = strcmp(proctab_str(p, PROCTAB_GROUP), group);
    return c ? c : strcmp(proctab_str(p, PROCTAB_NAME), name);
}

static int proc_cmp(const void *a, const void *b)
{
    const struct proctab_proc *q = b;
    return key_cmp(a, proctab_str(q, PROCTAB_GROUP), proctab_str(q, PROCTAB_NAME));
}

/* Supervisor sorts by group, then name; a node that answers otherwise is
 * sorted, so lookups can bisect. */
void proctab_sort(struct proctab *t)
{
    for (size_t i = 1; i < t->n; i++) {
        if (proc_cmp(&t->procs[i - 1], &t->procs[i]) > 0) {
            qsort(t->procs, t->n, sizeof *t->procs, proc_cmp);
            return;
        }
    }
}

size_t proctab_index(const struct proctab *t, const char *group, const char *name)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&t->procs[mid], group, name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

struct proctab_proc *proctab_find(const struct proctab *t, const char *group, const char *name)
{
    size_t i = proctab_index(t, group, name);
    return i == SIZE_MAX ? NULL : &t->procs[i];
}

struct proctab_proc *proctab_find_ns(const struct proctab *t, const char *namespec)
{
    const char *colon = strchr(namespec, ':');
    if (!colon)
        return proctab_find(t, namespec, namespec);
    size_t glen = (size_t)(colon - namespec);
    char *group = xmalloc(glen + 1);
    memcpy(group, namespec, glen);
    group[glen] = '\0';
    struct proctab_proc *p = proctab_find(t, group, colon + 1);
    free(group);
    return p;
}

/* ---- from and to XML-RPC ---- */

static const char *str_of(const struct xmlrpc_value *v)
{
    return v && v->type == XMLRPC_STRING ? v->s : NULL;
}

/* The 14 members in order, with their types, strings without NULs. */
static bool usual_shape(const struct xmlrpc_value *st)
{
    if (st->type != XMLRPC_STRUCT || st->n != NMEMBERS)
        return false;
    for (size_t i = 0; i < NMEMBERS; i++) {
        const struct xmlrpc_member *m = &st->members[i];
        if (strcmp(m->name, MEMBERS[i].name) != 0)
            return false;
        if (MEMBERS[i].field < 0
                ? m->value->type != XMLRPC_INT
                : m->value->type != XMLRPC_STRING || strlen(m->value->s) != m->value->len)
            return false;
    }
    return true;
}

/* st's fields into p, read as the API read them: a missing or mistyped
 * string is "", a mistyped integer 0. */
static void from_struct(struct proctab_proc *p, const struct xmlrpc_value *st)
{
    memset(p, 0, sizeof *p);
    const char *s[PROCTAB_NFIELDS];
    size_t len[PROCTAB_NFIELDS];
    if (usual_shape(st)) { /* the members are where MEMBERS has them */
        for (size_t i = 0; i < NMEMBERS; i++) {
            const struct xmlrpc_value *v = st->members[i].value;
            int f = MEMBERS[i].field;
            if (f < 0) {
                *slot_of(p, MEMBERS[i].slot) = v->i;
            } else {
                s[f] = v->s;
                len[f] = v->len;
            }
        }
        set_strs(p, s, len);
        return;
    }
    for (size_t k = 0; k < PROCTAB_NFIELDS; k++) {
        const char *v = str_of(xmlrpc_struct_get(st, FIELD_NAMES[k]));
        s[k] = v ? v : "";
        len[k] = strlen(s[k]);
    }
    for (size_t i = 0; i < NMEMBERS; i++) {
        if (MEMBERS[i].field >= 0)
            continue;
        const struct xmlrpc_value *v = xmlrpc_struct_get(st, MEMBERS[i].name);
        *slot_of(p, MEMBERS[i].slot) = v && v->type == XMLRPC_INT ? v->i : 0;
    }
    set_strs(p, s, len);
    p->raw = xmlrpc_copy(st); /* written back as it came */
}

int proctab_from_array(struct proctab *t, const struct xmlrpc_value *a, struct err *e)
{
    proctab_release(t);
    if (!a || a->type != XMLRPC_ARRAY)
        return err_set(e, ERR_USAGE, "not an array");
    for (size_t i = 0; i < a->n; i++) {
        const struct xmlrpc_value *p = a->items[i];
        const struct xmlrpc_value *st =
            p->type == XMLRPC_STRUCT ? xmlrpc_struct_get(p, "state") : NULL;
        if (!str_of(xmlrpc_struct_get(p, "name")) || !str_of(xmlrpc_struct_get(p, "group")) ||
            !st || st->type != XMLRPC_INT)
            return err_set(e, ERR_USAGE, "process %zu: no string name and group or int state", i);
    }
    t->cap = a->n ? a->n : 1;
    t->procs = xcalloc(t->cap, sizeof *t->procs);
    for (size_t i = 0; i < a->n; i++)
        from_struct(&t->procs[t->n++], a->items[i]);
    proctab_sort(t);
    return 0;
}

const char *proctab_member(const struct proctab_proc *p, size_t i, enum proctab_field *field,
                           long long *ival)
{
    if (i >= NMEMBERS) {
        *field = PROCTAB_NFIELDS;
        *ival = 0;
        return "";
    }
    int f = MEMBERS[i].field;
    *field = f < 0 ? PROCTAB_NFIELDS : (enum proctab_field)f;
    *ival = f < 0 ? slot_value(p, MEMBERS[i].slot) : 0;
    return MEMBERS[i].name;
}

struct xmlrpc_value *proctab_to_xmlrpc(const struct proctab_proc *p)
{
    if (p->raw)
        return xmlrpc_copy(p->raw);
    struct xmlrpc_value *st = xmlrpc_struct();
    for (size_t i = 0; i < NMEMBERS; i++) {
        enum proctab_field f;
        long long v;
        const char *name = proctab_member(p, i, &f, &v);
        xmlrpc_struct_set(st, name,
                          f == PROCTAB_NFIELDS
                              ? xmlrpc_int(v)
                              : xmlrpc_string_n(proctab_str(p, f), proctab_len(p, f)));
    }
    return st;
}

void proctab_copy_logs(struct proctab_proc *to, const struct proctab_proc *from)
{
    if (!from)
        return;
    const char *s[PROCTAB_NFIELDS];
    size_t len[PROCTAB_NFIELDS];
    for (size_t k = 0; k < PROCTAB_NFIELDS; k++) {
        s[k] = proctab_str(to, (enum proctab_field)k);
        len[k] = proctab_len(to, (enum proctab_field)k);
    }
    for (size_t k = 0; k < sizeof LOGS / sizeof LOGS[0]; k++) {
        enum proctab_field f = LOGS[k];
        if (f >= PROCTAB_NFIELDS)
            continue; /* cannot be: for the compiler's bounds checks */
        s[f] = proctab_str(from, f);
        len[f] = strlen(s[f]);
        if (to->raw) /* replaced in place, or appended, as a struct does */
            xmlrpc_struct_set(to->raw, FIELD_NAMES[f], xmlrpc_string(s[f]));
    }
    char *old = to->strs;
    to->strs = NULL; /* s[] points into it until set_strs is done */
    set_strs(to, s, len);
    free(old);
}

/* ---- from event records ---- */

static int bad_record(struct err *e, size_t i, const char *key, const char *type)
{
    return err_set(e, ERR_USAGE, "process %zu: '%s' missing or not %s", i, key, type);
}

int proctab_from_record(struct proctab_proc *out, const json_t *rec, long long now, size_t i,
                        const struct proctab_proc *old, struct err *e)
{
    static const char *const INTS[] = {"state", "pid", "start", "stop"};
    static const char *const STRS[] = {"group", "name", "statename", "spawnerr"};
    long long iv[4];
    const char *sv[4];
    if (!json_is_object(rec))
        return err_set(e, ERR_USAGE, "process %zu is not an object", i);
    for (size_t k = 0; k < 4; k++) {
        const json_t *v = json_object_get(rec, INTS[k]);
        if (!json_is_integer(v))
            return bad_record(e, i, INTS[k], "an integer");
        iv[k] = json_integer_value(v);
        v = json_object_get(rec, STRS[k]);
        if (!json_is_string(v))
            return bad_record(e, i, STRS[k], "a string");
        sv[k] = json_string_value(v);
    }
    const json_t *ex = json_object_get(rec, "exitstatus");
    if (!json_is_integer(ex) && !json_is_null(ex))
        return bad_record(e, i, "exitstatus", "an integer or null");
    struct proctab_proc p = {
        .start = iv[2] / 1000, /* ms -> s, as XML-RPC has them */
        .stop = iv[3] / 1000,
        .now = now,
        .state = iv[0],
        /* null: none recorded, which getProcessInfo reports as 0 */
        .exitstatus = json_is_integer(ex) ? json_integer_value(ex) : 0,
        .pid = iv[1],
    };
    struct buf desc;
    buf_init(&desc);
    buf_reset(&desc);
    procdesc_write(&desc, p.state, p.pid, p.start, p.stop, now, sv[3], sv[1]);
    const char *s[PROCTAB_NFIELDS] = {
        [PROCTAB_NAME] = sv[1],     [PROCTAB_GROUP] = sv[0],           [PROCTAB_STATENAME] = sv[2],
        [PROCTAB_SPAWNERR] = sv[3], [PROCTAB_DESCRIPTION] = desc.data,
    };
    for (size_t k = 0; k < sizeof LOGS / sizeof LOGS[0]; k++)
        s[LOGS[k]] = old ? proctab_str(old, LOGS[k]) : "";
    size_t len[PROCTAB_NFIELDS];
    for (size_t k = 0; k < PROCTAB_NFIELDS; k++)
        len[k] = strlen(s[k]);
    set_strs(&p, s, len);
    buf_release(&desc);
    *out = p;
    return 0;
}
