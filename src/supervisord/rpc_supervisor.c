/* rpc_supervisor: the methods of Supervisor's SupervisorNamespaceRPCInterface
 * (served under each [rpcinterface:x] name with the standard factory) and
 * their table. Faults, texts, result orders and parameter coercions copy
 * rpcinterface.py; calls that wait return jobs that rpc.c polls after state
 * changes. Dispatch and the system namespace are rpc.c's. */
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "datatypes.h"
#include "events.h"
#include "log.h"
#include "logfile.h"
#include "process.h"
#include "procdesc.h"
#include "spawn.h"
#include "supervisor.h"
#include "xalloc.h"

#define API_VERSION "3.0"
#define SUPERVISOR_VERSION "4.2.5"
#define MAXINT 2147483647LL

#define ARGS struct rpc *r, struct xmlrpc_value *const *args, size_t nargs, struct rpc_res *out
#define UNUSED_ARGS                                                                              \
    do {                                                                                         \
        (void)r;                                                                                 \
        (void)args;                                                                              \
        (void)nargs;                                                                             \
    } while (0)

/* ---- helpers ---- */

/* _update(): every method but sendRemoteCommEvent faults while the daemon
 * restarts or shuts down. */
static bool guard(struct rpc *r, struct rpc_res *out)
{
    if (rpc_supervisor(r)->mood < MOOD_RUNNING) {
        rpc_res_fault(out, FAULT_SHUTDOWN_STATE, NULL);
        return false;
    }
    return true;
}

static struct xmlrpc_value *str_or(const char *s, const char *dflt)
{
    return xmlrpc_string(s ? s : dflt);
}

static long long capped(long long v)
{
    return v > MAXINT ? MAXINT : v < -MAXINT - 1 ? -MAXINT - 1 : v;
}

static struct proc *group_proc(const struct group *g, const char *name)
{
    for (size_t i = 0; i < g->nprocs; i++)
        if (strcmp(g->procs[i]->p.cfg->name, name) == 0)
            return g->procs[i];
    return NULL;
}

static char *namespec(const struct proc *pr)
{
    const char *g = pr->group->cfg->name, *n = pr->p.cfg->name;
    return strcmp(g, n) == 0 ? xstrdup(n) : xasprintf("%s:%s", g, n);
}

/* process_groups.get(name): a non-string never matches, and a list or a
 * dict is unhashable (TypeError -> INCORRECT_PARAMETERS). NULL + out set
 * when not found. */
static struct group *group_arg(struct rpc *r, const struct xmlrpc_value *v, struct rpc_res *out)
{
    if (v->type == XMLRPC_ARRAY || v->type == XMLRPC_STRUCT) {
        rpc_res_fault(out, FAULT_INCORRECT_PARAMETERS, NULL);
        return NULL;
    }
    struct group *g = NULL;
    if (v->type == XMLRPC_STRING && strlen(v->s) == v->len)
        g = supervisor_group(rpc_supervisor(r), v->s);
    if (!g) {
        char *s = rpc_py_str(v);
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", s);
        free(s);
    }
    return g;
}

/* _getGroupAndProcess(): *pr NULL for a group spec ("g:" or "g:*").
 * -1 with BAD_NAME (the name as passed), or HTTP 500 for a non-string. */
static int resolve(struct rpc *r, const struct xmlrpc_value *v, struct group **g,
                   struct proc **pr, struct rpc_res *out)
{
    if (v->type != XMLRPC_STRING) {
        rpc_res_500(out, "<class 'AttributeError'>:'%s' object has no attribute 'split'",
                    rpc_py_type(v));
        return -1;
    }
    const char *name = v->s;
    const char *colon = strchr(name, ':');
    char *gname = colon ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
    const char *pname = colon ? colon + 1 : name;
    bool whole = colon && (!*pname || strcmp(pname, "*") == 0);
    *g = supervisor_group(rpc_supervisor(r), gname);
    free(gname);
    *pr = NULL;
    if (*g && !whole)
        *pr = group_proc(*g, pname);
    if (!*g || (!whole && !*pr)) {
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", name);
        return -1;
    }
    return 0;
}

/* resolve() for methods that take only a process. */
static struct proc *proc_arg(struct rpc *r, const struct xmlrpc_value *v, struct rpc_res *out)
{
    struct group *g;
    struct proc *pr;
    if (resolve(r, v, &g, &pr, out) < 0)
        return NULL;
    if (!pr)
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", v->s);
    return pr;
}

static bool state_running(enum proc_state s) /* RUNNING_STATES */
{
    return s == PROC_RUNNING || s == PROC_BACKOFF || s == PROC_STARTING;
}

static bool state_signallable(enum proc_state s) /* SIGNALLABLE_STATES */
{
    return s == PROC_RUNNING || s == PROC_STARTING || s == PROC_STOPPING;
}

struct proc_key {
    struct proc *pr;
    size_t group, pos; /* indexes: the tie-breakers that make qsort stable */
};

static int by_priority(const void *a, const void *b)
{
    const struct proc_key *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    int px = x->pr->p.cfg->priority, py = y->pr->p.cfg->priority;
    if (px != py)
        return px < py ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int by_name(const void *a, const void *b)
{
    const struct proc_key *x = a, *y = b;
    int c = strcmp(x->pr->group->cfg->name, y->pr->group->cfg->name);
    return c ? c : strcmp(x->pr->p.cfg->name, y->pr->p.cfg->name);
}

/* Processes in Supervisor's order: by group priority (groups are kept so),
 * then by process priority, ties in config order; lexical: by names. */
static struct proc **all_procs(struct supervisor *s, bool lexical, size_t *n)
{
    size_t cnt = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        cnt += s->groups[i]->nprocs;
    struct proc_key *keys = xcalloc(cnt + 1, sizeof *keys);
    size_t k = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++, k++)
            keys[k] = (struct proc_key){s->groups[i]->procs[j], i, j};
    qsort(keys, cnt, sizeof *keys, lexical ? by_name : by_priority);
    struct proc **v = xcalloc(cnt + 1, sizeof *v);
    for (size_t i = 0; i < cnt; i++)
        v[i] = keys[i].pr;
    free(keys);
    *n = cnt;
    return v;
}

static struct xmlrpc_value *result_struct(const struct proc *pr, int code, const char *text)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "name", xmlrpc_string(pr->p.cfg->name));
    xmlrpc_struct_set(st, "group", xmlrpc_string(pr->group->cfg->name));
    xmlrpc_struct_set(st, "status", xmlrpc_int(code));
    xmlrpc_struct_set(st, "description", xmlrpc_string(text));
    return st;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return false;
            c = (c << 6) | (s[i + j] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

/* as_string(): strict UTF-8, else Supervisor fails with HTTP 500. */
static void string_result(struct buf *b, struct rpc_res *out, struct xmlrpc_value **v)
{
    if (!valid_utf8((const unsigned char *)b->data, b->len)) {
        rpc_res_500(out, "<class 'UnicodeDecodeError'>:'utf-8' codec can't decode bytes");
        *v = NULL;
        return;
    }
    *v = xmlrpc_string_n(b->data, b->len);
}

/* options.readFile(): 0 with the bytes in b, or -1 with BAD_ARGUMENTS or
 * FAILED in out. */
static int read_file(const char *path, long long offset, long long length, struct buf *b,
                     struct rpc_res *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        rpc_res_fault(out, FAULT_FAILED, NULL);
        return -1;
    }
    long long size = st.st_size, pos, want;
    if (offset < 0) {
        if (length) {
            close(fd);
            rpc_res_fault(out, FAULT_BAD_ARGUMENTS, NULL);
            return -1;
        }
        pos = size + offset < 0 ? 0 : size + offset;
        want = -offset;
    } else {
        if (length < 0) {
            close(fd);
            rpc_res_fault(out, FAULT_BAD_ARGUMENTS, NULL);
            return -1;
        }
        pos = offset;
        want = length == 0 ? size : length;
    }
    if (pos > size)
        pos = size;
    if (want > size - pos)
        want = size - pos;
    char chunk[65536];
    while (want > 0) {
        size_t n = want > (long long)sizeof chunk ? sizeof chunk : (size_t)want;
        ssize_t got = pread(fd, chunk, n, (off_t)pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            close(fd);
            rpc_res_fault(out, FAULT_FAILED, NULL);
            return -1;
        }
        if (got == 0)
            break;
        buf_append(b, chunk, (size_t)got);
        pos += got;
        want -= got;
    }
    close(fd);
    return 0;
}

static bool exists(const char *path)
{
    return path && access(path, F_OK) == 0;
}

/* The three "read a log" methods: path NULL -> NO_FILE, absent -> NO_FILE:
 * path; then int() of offset and length, then readFile. */
static void read_log(const char *path, const struct xmlrpc_value *off,
                     const struct xmlrpc_value *len, struct rpc_res *out)
{
    if (!path) {
        rpc_res_fault(out, FAULT_NO_FILE, NULL);
        return;
    }
    if (!exists(path)) {
        rpc_res_fault(out, FAULT_NO_FILE, "%s", path);
        return;
    }
    long long o, l;
    if (rpc_py_int(off, &o, out) < 0 || rpc_py_int(len, &l, out) < 0)
        return;
    struct buf b;
    buf_init(&b);
    if (read_file(path, o, l, &b, out) == 0) {
        struct xmlrpc_value *v;
        string_result(&b, out, &v);
        if (v)
            rpc_res_value(out, v);
    }
    buf_release(&b);
}

/* ---- simple methods ---- */

static void m_getAPIVersion(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        rpc_res_value(out, xmlrpc_string(API_VERSION));
}

static void m_getSupervisorVersion(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        rpc_res_value(out, xmlrpc_string(SUPERVISOR_VERSION));
}

static void m_getIdentification(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        rpc_res_value(out, str_or(rpc_supervisor(r)->cfg->identifier, "supervisor"));
}

static void m_getState(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    int mood = rpc_supervisor(r)->mood;
    const char *name = mood == MOOD_FATAL     ? "FATAL"
                       : mood == MOOD_RUNNING ? "RUNNING"
                       : mood == MOOD_RESTARTING ? "RESTARTING"
                                                 : "SHUTDOWN";
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "statecode", xmlrpc_int(mood));
    xmlrpc_struct_set(st, "statename", xmlrpc_string(name));
    rpc_res_value(out, st);
}

static void m_getPID(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        rpc_res_value(out, xmlrpc_int(getpid()));
}

static void m_readLog(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        read_log(log_path(), args[0], args[1], out);
}

static void m_clearLog(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    const char *path = log_path();
    if (!exists(path)) {
        rpc_res_fault(out, FAULT_NO_FILE, NULL);
        return;
    }
    if (unlink(path) < 0) {
        rpc_res_fault(out, FAULT_FAILED, NULL);
        return;
    }
    /* logged before the reopen: it lands in the removed file, as in Supervisor */
    log_info("reopening log file");
    struct err e;
    if (log_reopen(&e) < 0)
        log_error("%s", e.msg);
    rpc_res_value(out, xmlrpc_bool(true));
}

static void m_shutdown(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    supervisor_shutdown(rpc_supervisor(r));
    rpc_res_value(out, xmlrpc_bool(true));
}

static void m_restart(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct err e;
    if (supervisor_restart(rpc_supervisor(r), &e) < 0) {
        rpc_res_fault(out, FAULT_CANT_REREAD, "%s", e.msg); /* ours: Supervisor would die */
        return;
    }
    rpc_res_value(out, xmlrpc_bool(true));
}

static struct xmlrpc_value *names_array(char **names)
{
    struct xmlrpc_value *a = xmlrpc_array();
    for (char **p = names; p && *p; p++)
        xmlrpc_array_push(a, xmlrpc_string(*p));
    return a;
}

static void m_reloadConfig(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    char **added = NULL, **changed = NULL, **removed = NULL;
    struct err e;
    err_clear(&e);
    if (supervisor_reread(rpc_supervisor(r), &added, &changed, &removed, &e) < 0) {
        rpc_res_fault(out, FAULT_CANT_REREAD, "%s", e.msg);
        return;
    }
    struct xmlrpc_value *inner = xmlrpc_array();
    xmlrpc_array_push(inner, names_array(added));
    xmlrpc_array_push(inner, names_array(changed));
    xmlrpc_array_push(inner, names_array(removed));
    supervisor_free_names(added);
    supervisor_free_names(changed);
    supervisor_free_names(removed);
    struct xmlrpc_value *outer = xmlrpc_array(); /* one element: Supervisor's shape */
    xmlrpc_array_push(outer, inner);
    rpc_res_value(out, outer);
}

static void m_addProcessGroup(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    const struct xmlrpc_value *v = args[0];
    char *name = rpc_py_str(v);
    struct err e;
    err_clear(&e);
    if (v->type != XMLRPC_STRING || strlen(v->s) != v->len) {
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", name);
    } else if (supervisor_add_group(rpc_supervisor(r), v->s, &e) == 0) {
        rpc_res_value(out, xmlrpc_bool(true));
    } else if (e.code == ERR_NOTFOUND) {
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", name);
    } else if (e.code == ERR_STATE) {
        rpc_res_fault(out, FAULT_ALREADY_ADDED, "%s", name);
    } else {
        rpc_res_500(out, "<class 'OSError'>:%s", e.msg);
    }
    free(name);
}

static void m_removeProcessGroup(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g = group_arg(r, args[0], out);
    if (!g)
        return;
    struct err e;
    err_clear(&e);
    char *name = xstrdup(g->cfg->name);
    if (supervisor_remove_group(rpc_supervisor(r), name, &e) == 0)
        rpc_res_value(out, xmlrpc_bool(true));
    else if (e.code == ERR_NOTFOUND)
        rpc_res_fault(out, FAULT_BAD_NAME, "%s", name);
    else
        rpc_res_fault(out, FAULT_STILL_RUNNING, "%s", name);
    free(name);
}

/* ---- waiting for one process ---- */

/* startProcess/stopProcess with wait: the process is found again by name
 * at each poll, so a removed group leaves nothing dangling. */
struct wait_job {
    struct rpc_job base;
    struct rpc *r;
    bool stop;
    char *group, *name; /* owned */
    char *spec;         /* owned: the name as passed, for fault texts */
    double lastreport;  /* stop: last "waiting for x to stop" (Supervisor's stop_report) */
};

static bool wait_poll(struct rpc_job *base, struct rpc_res *out)
{
    struct wait_job *j = (struct wait_job *)base;
    struct proc *pr = supervisor_find(rpc_supervisor(j->r), j->group, j->name);
    enum proc_state st = pr ? pr->p.state : PROC_STOPPED;
    if (j->stop) {
        if (st == PROC_STOPPING) {
            /* stop_report(): at most every 2 s, on the polls that happen */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
            if (now > j->lastreport + 2) {
                log_info("waiting for %s to stop", j->name);
                j->lastreport = now;
            }
        }
        if (!process_state_is_stopped(st))
            return false;
        rpc_res_value(out, xmlrpc_bool(true));
        return true;
    }
    if (pr && pr->p.spawnerr[0])
        rpc_res_fault(out, FAULT_SPAWN_ERROR, "%s", j->spec);
    else if (st != PROC_STARTING && st != PROC_RUNNING)
        rpc_res_fault(out, FAULT_ABNORMAL_TERMINATION, "%s", j->spec);
    else if (st == PROC_RUNNING)
        rpc_res_value(out, xmlrpc_bool(true));
    else
        return false;
    return true;
}

static void wait_free(struct rpc_job *base)
{
    struct wait_job *j = (struct wait_job *)base;
    free(j->group);
    free(j->name);
    free(j->spec);
    free(j);
}

static struct rpc_job *wait_new(struct rpc *r, struct proc *pr, const char *spec, bool stop)
{
    struct wait_job *j = xcalloc(1, sizeof *j);
    j->base.poll = wait_poll;
    j->base.free = wait_free;
    j->r = r;
    j->stop = stop;
    j->group = xstrdup(pr->group->cfg->name);
    j->name = xstrdup(pr->p.cfg->name);
    j->spec = xstrdup(spec);
    return &j->base;
}

/* ---- group and all operations (make_allfunc) ---- */

typedef void (*proc_op)(struct rpc *r, struct proc *pr, const char *spec,
                        const struct xmlrpc_value *arg, struct rpc_res *out);

struct all_sub {
    char *group, *name;  /* owned */
    struct rpc_job *job; /* owned */
};

struct all_job {
    struct rpc_job base;
    struct xmlrpc_value *results; /* owned */
    struct all_sub *subs;         /* owned; job NULL once done */
    size_t nsubs;
};

static struct xmlrpc_value *sub_result(const char *group, const char *name, int code,
                                       const char *text)
{
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "name", xmlrpc_string(name));
    xmlrpc_struct_set(st, "group", xmlrpc_string(group));
    xmlrpc_struct_set(st, "status", xmlrpc_int(code));
    xmlrpc_struct_set(st, "description", xmlrpc_string(text));
    return st;
}

/* Results come in completion order, as in Supervisor. */
static bool all_poll(struct rpc_job *base, struct rpc_res *out)
{
    struct all_job *j = (struct all_job *)base;
    bool left = false;
    for (size_t i = 0; i < j->nsubs; i++) {
        struct all_sub *s = &j->subs[i];
        if (!s->job)
            continue;
        struct rpc_res res = {0};
        if (!s->job->poll(s->job, &res)) {
            left = true;
            continue;
        }
        s->job->free(s->job);
        s->job = NULL;
        if (res.kind == RPC_FAULT) {
            xmlrpc_array_push(j->results, sub_result(s->group, s->name, res.code, res.text));
        } else if (res.kind == RPC_VALUE) {
            xmlrpc_array_push(j->results, sub_result(s->group, s->name, FAULT_SUCCESS, "OK"));
        } else {
            *out = res;
            return true;
        }
        rpc_res_release(&res);
    }
    if (left)
        return false;
    rpc_res_value(out, j->results);
    j->results = NULL;
    return true;
}

static void all_free(struct rpc_job *base)
{
    struct all_job *j = (struct all_job *)base;
    for (size_t i = 0; i < j->nsubs; i++) {
        free(j->subs[i].group);
        free(j->subs[i].name);
        if (j->subs[i].job)
            j->subs[i].job->free(j->subs[i].job);
    }
    free(j->subs);
    xmlrpc_free(j->results);
    free(j);
}

static void run_all(struct rpc *r, struct proc **procs, size_t n, bool (*pred)(enum proc_state),
                    proc_op op, const struct xmlrpc_value *arg, struct rpc_res *out)
{
    struct all_job *j = xcalloc(1, sizeof *j);
    j->base.poll = all_poll;
    j->base.free = all_free;
    j->results = xmlrpc_array();
    j->subs = xcalloc(n + 1, sizeof *j->subs);
    for (size_t i = 0; i < n; i++) {
        struct proc *pr = procs[i];
        if (!pred(pr->p.state))
            continue;
        char *spec = namespec(pr);
        struct rpc_res res = {0};
        op(r, pr, spec, arg, &res);
        free(spec);
        if (res.kind == RPC_FAULT) {
            xmlrpc_array_push(j->results, result_struct(pr, res.code, res.text));
        } else if (res.kind == RPC_VALUE) {
            xmlrpc_array_push(j->results, result_struct(pr, FAULT_SUCCESS, "OK"));
        } else if (res.kind == RPC_DEFER) {
            struct all_sub *s = &j->subs[j->nsubs++];
            s->group = xstrdup(pr->group->cfg->name);
            s->name = xstrdup(pr->p.cfg->name);
            s->job = res.job;
            res.job = NULL;
        } else { /* an exception escapes make_allfunc: HTTP 500 */
            all_free(&j->base);
            *out = res;
            return;
        }
        rpc_res_release(&res);
    }
    if (all_poll(&j->base, out))
        all_free(&j->base);
    else
        rpc_res_defer(out, &j->base);
}

static void group_procs(const struct group *g, struct proc ***v, size_t *n)
{
    *v = xcalloc(g->nprocs + 1, sizeof **v);
    memcpy(*v, g->procs, g->nprocs * sizeof **v);
    *n = g->nprocs;
    for (size_t a = 1; a < *n; a++) /* stable by priority */
        for (size_t b = a; b > 0 && (*v)[b - 1]->p.cfg->priority > (*v)[b]->p.cfg->priority; b--) {
            struct proc *t = (*v)[b];
            (*v)[b] = (*v)[b - 1];
            (*v)[b - 1] = t;
        }
}

static void run_group(struct rpc *r, const struct group *g, bool (*pred)(enum proc_state),
                      proc_op op, const struct xmlrpc_value *arg, struct rpc_res *out)
{
    struct proc **v;
    size_t n;
    group_procs(g, &v, &n);
    run_all(r, v, n, pred, op, arg, out);
    free(v);
}

static void run_every(struct rpc *r, bool (*pred)(enum proc_state), proc_op op,
                      const struct xmlrpc_value *arg, struct rpc_res *out)
{
    size_t n;
    struct proc **v = all_procs(rpc_supervisor(r), false, &n);
    run_all(r, v, n, pred, op, arg, out);
    free(v);
}

static bool not_running(enum proc_state s)
{
    return !state_running(s);
}

/* ---- start ---- */

static const char *env_path(const struct supervisor *s, const struct process_config *pc)
{
    const char *p = kvlist_get(&pc->environment, "PATH");
    if (p)
        return p;
    for (char *const *e = s->envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return "/bin:/usr/bin:/usr/local/bin";
}

/* startProcess for one process; arg is `wait` (NULL: true). */
static void start_one(struct rpc *r, struct proc *pr, const char *spec,
                      const struct xmlrpc_value *arg, struct rpc_res *out)
{
    struct supervisor *s = rpc_supervisor(r);
    if (!guard(r, out))
        return;
    /* don't bother spawning what will fail: Supervisor's get_execv_args() */
    char **argv = NULL, *filename = NULL;
    struct err e;
    err_clear(&e);
    if (spawn_resolve(pr->p.cfg->command, env_path(s, pr->p.cfg), &argv, &filename, &e) < 0) {
        bool notfound = strncmp(e.msg, "can't find command", 18) == 0;
        rpc_res_fault(out, notfound ? FAULT_NO_FILE : FAULT_NOT_EXECUTABLE, "%s", e.msg);
        return;
    }
    spawn_free_argv(argv);
    free(filename);
    enum proc_state st = pr->p.state;
    if (state_running(st)) {
        rpc_res_fault(out, FAULT_ALREADY_STARTED, "%s", spec);
        return;
    }
    if (st == PROC_UNKNOWN) {
        rpc_res_fault(out, FAULT_FAILED, "%s is in an unknown process state", spec);
        return;
    }
    if (process_start(&pr->p, &e) < 0) {
        rpc_res_fault(out, FAULT_ALREADY_STARTED, "%s", spec); /* STOPPING */
        return;
    }
    if (pr->p.spawnerr[0]) {
        rpc_res_fault(out, FAULT_SPAWN_ERROR, "%s", spec);
        return;
    }
    /* process.transition(): with startsecs=0 the process is RUNNING before
     * startProcess returns, so group and all results list it at once (in
     * process order), not when a later poll sees it. Supervisor reaps first:
     * a child that already exited is left to the loop's reap (STARTING ->
     * RUNNING -> EXITED there, so the wait ends in ABNORMAL_TERMINATION);
     * waitid(WNOWAIT) only peeks. */
    siginfo_t si = {0};
    bool exited = pr->p.pid > 0 &&
                  waitid(P_PID, (id_t)pr->p.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                  si.si_pid == pr->p.pid;
    if (pr->p.state == PROC_STARTING && pr->p.cfg->startsecs == 0 && pr->p.deadline_ms >= 0 &&
        !exited) {
        pr->p.ops->arm(pr->p.ctx, &pr->p, -1); /* it fires here instead */
        process_timer(&pr->p);
    }
    bool wait = arg ? rpc_py_truthy(arg) : true;
    if (wait && pr->p.state != PROC_RUNNING)
        rpc_res_defer(out, wait_new(r, pr, spec, false));
    else
        rpc_res_value(out, xmlrpc_bool(true));
}

static void m_startProcessGroup(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g = group_arg(r, args[0], out);
    if (g)
        run_group(r, g, not_running, start_one, nargs > 1 ? args[1] : NULL, out);
}

static void m_startProcess(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g;
    struct proc *pr;
    if (resolve(r, args[0], &g, &pr, out) < 0)
        return;
    if (!pr)
        run_group(r, g, not_running, start_one, nargs > 1 ? args[1] : NULL, out);
    else
        start_one(r, pr, args[0]->s, nargs > 1 ? args[1] : NULL, out);
}

static void m_startAllProcesses(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        run_every(r, not_running, start_one, nargs > 0 ? args[0] : NULL, out);
}

/* ---- stop ---- */

static void stop_one(struct rpc *r, struct proc *pr, const char *spec,
                     const struct xmlrpc_value *arg, struct rpc_res *out)
{
    if (!guard(r, out))
        return;
    if (!state_running(pr->p.state)) {
        rpc_res_fault(out, FAULT_NOT_RUNNING, "%s", spec);
        return;
    }
    struct err e;
    err_clear(&e);
    if (process_stop(&pr->p, &e) < 0) {
        rpc_res_fault(out, FAULT_FAILED, "%s", e.msg);
        return;
    }
    bool wait = arg ? rpc_py_truthy(arg) : true;
    if (wait && !process_state_is_stopped(pr->p.state))
        rpc_res_defer(out, wait_new(r, pr, spec, true));
    else
        rpc_res_value(out, xmlrpc_bool(true));
}

static void m_stopProcessGroup(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g = group_arg(r, args[0], out);
    if (g)
        run_group(r, g, state_running, stop_one, nargs > 1 ? args[1] : NULL, out);
}

static void m_stopProcess(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g;
    struct proc *pr;
    if (resolve(r, args[0], &g, &pr, out) < 0)
        return;
    if (!pr)
        run_group(r, g, state_running, stop_one, nargs > 1 ? args[1] : NULL, out);
    else
        stop_one(r, pr, args[0]->s, nargs > 1 ? args[1] : NULL, out);
}

static void m_stopAllProcesses(ARGS)
{
    UNUSED_ARGS;
    if (guard(r, out))
        run_every(r, state_running, stop_one, nargs > 0 ? args[0] : NULL, out);
}

/* ---- signal ---- */

/* datatypes.signal_number(): int() first, then a name. -1: BAD_SIGNAL or
 * HTTP 500 (None, list, dict: .strip() fails) in out. */
static int signal_arg(const struct xmlrpc_value *v, int *sig, struct rpc_res *out)
{
    struct err e;
    char num[32];
    const char *text;
    switch (v->type) {
    case XMLRPC_INT:
    case XMLRPC_BOOL:
        snprintf(num, sizeof num, "%lld", v->i);
        text = num;
        break;
    case XMLRPC_DOUBLE:
        snprintf(num, sizeof num, "%lld", (long long)v->d);
        text = num;
        break;
    case XMLRPC_STRING:
        text = v->s;
        break;
    default:
        rpc_res_500(out, "<class 'AttributeError'>:'%s' object has no attribute 'strip'",
                    rpc_py_type(v));
        return -1;
    }
    if (dt_signal(text, sig, &e) < 0) {
        char *s = rpc_py_str(v);
        rpc_res_fault(out, FAULT_BAD_SIGNAL, "%s", s);
        free(s);
        return -1;
    }
    return 0;
}

static void signal_one(struct rpc *r, struct proc *pr, const char *spec,
                       const struct xmlrpc_value *arg, struct rpc_res *out)
{
    if (!guard(r, out))
        return;
    int sig;
    if (signal_arg(arg, &sig, out) < 0)
        return;
    if (!state_signallable(pr->p.state)) {
        rpc_res_fault(out, FAULT_NOT_RUNNING, "%s", spec);
        return;
    }
    struct err e;
    err_clear(&e);
    if (process_signal(&pr->p, sig, &e) < 0) {
        if (e.code == ERR_STATE)
            rpc_res_fault(out, FAULT_NOT_RUNNING, "%s", spec);
        else
            rpc_res_fault(out, FAULT_FAILED, "%s", e.msg);
        return;
    }
    rpc_res_value(out, xmlrpc_bool(true));
}

static void m_signalProcessGroup(ARGS)
{
    UNUSED_ARGS;
    /* the group lookup comes before the guard in Supervisor */
    struct rpc_res look = {0};
    struct group *g = group_arg(r, args[0], &look);
    if (!guard(r, out)) {
        rpc_res_release(&look);
        return;
    }
    if (!g) {
        *out = look;
        return;
    }
    run_group(r, g, state_signallable, signal_one, args[1], out);
}

static void m_signalProcess(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct group *g;
    struct proc *pr;
    if (resolve(r, args[0], &g, &pr, out) < 0)
        return;
    if (!pr)
        run_group(r, g, state_signallable, signal_one, args[1], out);
    else
        signal_one(r, pr, args[0]->s, args[1], out);
}

static void m_signalAllProcesses(ARGS)
{
    UNUSED_ARGS;
    run_every(r, state_signallable, signal_one, args[0], out);
    /* the guard comes after acting in Supervisor */
    if (out->kind == RPC_VALUE && rpc_supervisor(r)->mood < MOOD_RUNNING) {
        rpc_res_release(out);
        rpc_res_fault(out, FAULT_SHUTDOWN_STATE, NULL);
    }
}

/* ---- info ---- */

/* Where process_info writes its fields: a struct value, or (big results)
 * straight into XML. */
struct info_sink {
    struct xmlrpc_value *st;
    struct buf *xml;
    struct buf desc; /* scratch, reused from process to process */
};

static void sink_int(struct info_sink *k, const char *name, long long v)
{
    if (!k->xml) {
        xmlrpc_struct_set(k->st, name, xmlrpc_int(v));
        return;
    }
    xmlrpc_write_member(k->xml, name);
    xmlrpc_write_int(k->xml, v);
    xmlrpc_write_member_end(k->xml);
}

static void sink_str(struct info_sink *k, const char *name, const char *s)
{
    if (!k->xml) {
        xmlrpc_struct_set(k->st, name, xmlrpc_string(s));
        return;
    }
    xmlrpc_write_member(k->xml, name);
    xmlrpc_write_string(k->xml, s, strlen(s));
    xmlrpc_write_member_end(k->xml);
}

static void process_info_to(const struct proc *pr, long long now, struct info_sink *k)
{
    const struct process *p = &pr->p;
    long long start = capped((long long)p->laststart);
    long long stop = capped((long long)p->laststop);
    struct buf *desc = &k->desc;
    buf_reset(desc);
    procdesc_write(desc, p->state, p->pid, start, stop, now, p->spawnerr, p->cfg->name);
    const char *out = pr->outlog_path ? pr->outlog_path : "";
    sink_str(k, "name", p->cfg->name);
    sink_str(k, "group", pr->group->cfg->name);
    sink_int(k, "start", start);
    sink_int(k, "stop", stop);
    sink_int(k, "now", now);
    sink_int(k, "state", p->state);
    sink_str(k, "statename", process_state_name(p->state));
    sink_str(k, "spawnerr", p->spawnerr);
    sink_int(k, "exitstatus", p->exitstatus);
    sink_str(k, "logfile", out);
    sink_str(k, "stdout_logfile", out);
    sink_str(k, "stderr_logfile", pr->errlog_path ? pr->errlog_path : "");
    sink_int(k, "pid", p->pid);
    sink_str(k, "description", desc->data);
}

static struct xmlrpc_value *process_info(const struct proc *pr)
{
    struct info_sink k = {xmlrpc_struct(), NULL, {0}};
    process_info_to(pr, capped((long long)time(NULL)), &k);
    buf_release(&k.desc);
    return k.st;
}

static void m_getProcessInfo(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct proc *pr = proc_arg(r, args[0], out);
    if (pr)
        rpc_res_value(out, process_info(pr));
}

/* getAllProcessInfo as XML. The answer only changes with the processes
 * (s->info_gen) and the second (now, uptimes), and monitoring polls it
 * over and over: it is made once per key and shared by every answer. */
static void all_info_xml(struct rpc *r, struct rpc_res *out)
{
    struct supervisor *s = rpc_supervisor(r);
    long long now = capped((long long)time(NULL));
    struct rpc_shared *sh = rpc_memo_get(r, s->info_gen, now);
    if (!sh) {
        size_t n;
        struct proc **v = all_procs(s, true, &n);
        struct buf b;
        buf_init(&b);
        buf_reserve(&b, n * 1536); /* about 1.1 KiB each: no copy while growing */
        struct info_sink k = {NULL, &b, {0}};
        xmlrpc_write_array_begin(&b);
        for (size_t i = 0; i < n; i++) {
            xmlrpc_write_struct_begin(&b);
            process_info_to(v[i], now, &k);
            xmlrpc_write_struct_end(&b);
        }
        xmlrpc_write_array_end(&b);
        buf_release(&k.desc);
        free(v);
        sh = rpc_memo_set(r, s->info_gen, now, &b);
    }
    rpc_res_shared(out, sh);
    rpc_shared_put(sh);
}

static void m_getAllProcessInfo(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    if (out->accept_xml) { /* the common case, and 1,000 structs: no tree */
        all_info_xml(r, out);
        return;
    }
    size_t n;
    struct proc **v = all_procs(rpc_supervisor(r), true, &n);
    struct xmlrpc_value *a = xmlrpc_array();
    for (size_t i = 0; i < n; i++)
        xmlrpc_array_push(a, process_info(v[i]));
    free(v);
    rpc_res_value(out, a);
}

/* A config log name: the real path for a group made from this very config
 * (AUTO names are resolved on it), else 'auto' / 'none' / the path. */
static struct xmlrpc_value *logname(const struct logspec *ls, const char *resolved,
                                    bool use_resolved)
{
    if (ls->kind == LOGFILE_AUTO)
        return xmlrpc_string(use_resolved && resolved ? resolved : "auto");
    if (ls->kind == LOGFILE_PATH && ls->path)
        return xmlrpc_string(ls->path);
    return xmlrpc_string("none");
}

static bool int_fits(long long v)
{
    return v >= -MAXINT - 1 && v <= MAXINT;
}

static void m_getAllConfigInfo(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct supervisor *s = rpc_supervisor(r);
    const struct config *cfg = supervisor_pending_config(s);
    size_t cnt = 0;
    for (size_t i = 0; i < cfg->ngroups; i++)
        cnt += cfg->groups[i]->nprocs;
    struct xmlrpc_value **items = xcalloc(cnt + 1, sizeof *items);
    const char **names = xcalloc(cnt + 1, sizeof *names);
    size_t k = 0;
    bool overflow = false;
    for (size_t i = 0; i < cfg->ngroups; i++) {
        const struct group_config *gc = cfg->groups[i];
        const struct group *g = supervisor_group(s, gc->name);
        bool inuse = g != NULL;
        bool fresh = g && g->hold && g->hold->cfg == cfg;
        for (size_t j = 0; j < gc->nprocs; j++) {
            const struct process_config *pc = gc->procs[j];
            const struct proc *pr = fresh ? group_proc(g, pc->name) : NULL;
            struct xmlrpc_value *st = xmlrpc_struct();
            xmlrpc_struct_set(st, "autostart", xmlrpc_bool(pc->autostart));
            xmlrpc_struct_set(st, "directory", str_or(pc->directory, "none"));
            xmlrpc_struct_set(st, "uid", pc->has_user ? xmlrpc_int(pc->uid) : xmlrpc_string("none"));
            xmlrpc_struct_set(st, "command", xmlrpc_string(pc->command));
            struct xmlrpc_value *codes = xmlrpc_array();
            for (int c = 0; c < 256; c++)
                if (dt_exitcode_in(pc->exitcodes, c))
                    xmlrpc_array_push(codes, xmlrpc_int(c));
            xmlrpc_struct_set(st, "exitcodes", codes);
            xmlrpc_struct_set(st, "group", xmlrpc_string(gc->name));
            xmlrpc_struct_set(st, "group_prio", xmlrpc_int(gc->priority));
            xmlrpc_struct_set(st, "inuse", xmlrpc_bool(inuse));
            xmlrpc_struct_set(st, "killasgroup", xmlrpc_bool(pc->killasgroup));
            xmlrpc_struct_set(st, "name", xmlrpc_string(pc->name));
            xmlrpc_struct_set(st, "process_prio", xmlrpc_int(pc->priority));
            xmlrpc_struct_set(st, "redirect_stderr", xmlrpc_bool(pc->redirect_stderr));
            xmlrpc_struct_set(st, "startretries", xmlrpc_int(pc->startretries));
            xmlrpc_struct_set(st, "startsecs", xmlrpc_int(pc->startsecs));
            xmlrpc_struct_set(st, "stdout_capture_maxbytes", xmlrpc_int(pc->out.capture_maxbytes));
            xmlrpc_struct_set(st, "stdout_events_enabled", xmlrpc_bool(pc->out.events_enabled));
            xmlrpc_struct_set(st, "stdout_logfile",
                              logname(&pc->out, pr ? pr->outlog_path : NULL, pr != NULL));
            xmlrpc_struct_set(st, "stdout_logfile_backups", xmlrpc_int(pc->out.backups));
            xmlrpc_struct_set(st, "stdout_logfile_maxbytes", xmlrpc_int(pc->out.maxbytes));
            xmlrpc_struct_set(st, "stdout_syslog", xmlrpc_bool(pc->out.syslog));
            xmlrpc_struct_set(st, "stopsignal", xmlrpc_int(pc->stopsignal));
            xmlrpc_struct_set(st, "stopwaitsecs", xmlrpc_int(pc->stopwaitsecs));
            xmlrpc_struct_set(st, "stderr_capture_maxbytes", xmlrpc_int(pc->err.capture_maxbytes));
            xmlrpc_struct_set(st, "stderr_events_enabled", xmlrpc_bool(pc->err.events_enabled));
            xmlrpc_struct_set(st, "stderr_logfile",
                              logname(&pc->err, pr ? pr->errlog_path : NULL, pr != NULL));
            xmlrpc_struct_set(st, "stderr_logfile_backups", xmlrpc_int(pc->err.backups));
            xmlrpc_struct_set(st, "stderr_logfile_maxbytes", xmlrpc_int(pc->err.maxbytes));
            xmlrpc_struct_set(st, "stderr_syslog", xmlrpc_bool(pc->err.syslog));
            xmlrpc_struct_set(st, "serverurl", str_or(pc->serverurl, "none"));
            long long big[] = {pc->out.capture_maxbytes, pc->out.backups, pc->out.maxbytes,
                               pc->err.capture_maxbytes, pc->err.backups, pc->err.maxbytes,
                               pc->stopwaitsecs, pc->startsecs, pc->startretries};
            for (size_t b = 0; b < sizeof big / sizeof big[0]; b++)
                if (!int_fits(big[b]))
                    overflow = true;
            names[k] = pc->name;
            items[k++] = st;
        }
    }
    /* sorted by process name only, stable */
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
            const char *tn = names[b];
            names[b] = names[b - 1];
            names[b - 1] = tn;
            struct xmlrpc_value *tv = items[b];
            items[b] = items[b - 1];
            items[b - 1] = tv;
        }
    struct xmlrpc_value *arr = xmlrpc_array();
    for (size_t i = 0; i < k; i++)
        xmlrpc_array_push(arr, items[i]);
    free(items);
    free(names);
    if (overflow) { /* Python's marshaller: OverflowError, HTTP 500 */
        xmlrpc_free(arr);
        rpc_res_500(out, "<class 'OverflowError'>:int exceeds XML-RPC limits");
        return;
    }
    rpc_res_value(out, arr);
}

/* ---- process logs ---- */

static const char *channel_path(const struct proc *pr, bool err)
{
    return err ? pr->errlog_path : pr->outlog_path;
}

static void read_proc_log(struct rpc *r, struct xmlrpc_value *const *args, bool err,
                          struct rpc_res *out)
{
    if (!guard(r, out))
        return;
    struct proc *pr = proc_arg(r, args[0], out);
    if (pr)
        read_log(channel_path(pr, err), args[1], args[2], out);
}

static void m_readProcessStdoutLog(ARGS)
{
    UNUSED_ARGS;
    read_proc_log(r, args, false, out);
}

static void m_readProcessStderrLog(ARGS)
{
    UNUSED_ARGS;
    read_proc_log(r, args, true, out);
}

static struct xmlrpc_value *tail_triple(struct xmlrpc_value *data, long long off, bool overflow)
{
    struct xmlrpc_value *a = xmlrpc_array();
    xmlrpc_array_push(a, data);
    xmlrpc_array_push(a, xmlrpc_int(off));
    xmlrpc_array_push(a, xmlrpc_bool(overflow));
    return a;
}

/* options.tailFile(): the last `length` bytes, offset = size, overflow. */
static void tail_proc_log(struct rpc *r, struct xmlrpc_value *const *args, bool err,
                          struct rpc_res *out)
{
    if (!guard(r, out))
        return;
    struct proc *pr = proc_arg(r, args[0], out);
    if (!pr)
        return;
    const char *path = channel_path(pr, err);
    if (!exists(path)) {
        rpc_res_value(out, tail_triple(xmlrpc_string(""), 0, false));
        return;
    }
    long long offset, length;
    if (rpc_py_int(args[1], &offset, out) < 0 || rpc_py_int(args[2], &length, out) < 0)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        rpc_res_value(out, tail_triple(xmlrpc_string(""), offset, false));
        return;
    }
    long long sz = st.st_size;
    bool overflow = false;
    if (sz > offset + length) {
        overflow = true;
        offset = sz - 1;
    }
    if (offset + length > sz) {
        if (offset > sz - 1)
            length = 0;
        offset = sz - length;
    }
    if (offset < 0)
        offset = 0;
    if (length < 0)
        length = 0;
    struct buf b;
    buf_init(&b);
    if (length > 0) {
        struct err e;
        char *tmp = xmalloc((size_t)length);
        ssize_t got = logfile_read_at(path, (off_t)offset, tmp, (size_t)length, &e);
        if (got > 0)
            buf_append(&b, tmp, (size_t)got);
        free(tmp);
    }
    close(fd);
    struct xmlrpc_value *data;
    string_result(&b, out, &data);
    buf_release(&b);
    if (!data)
        return;
    if (!int_fits(sz)) {
        xmlrpc_free(data);
        rpc_res_500(out, "<class 'OverflowError'>:int exceeds XML-RPC limits");
        return;
    }
    rpc_res_value(out, tail_triple(data, sz, overflow));
}

static void m_tailProcessStdoutLog(ARGS)
{
    UNUSED_ARGS;
    tail_proc_log(r, args, false, out);
}

static void m_tailProcessStderrLog(ARGS)
{
    UNUSED_ARGS;
    tail_proc_log(r, args, true, out);
}

static void clear_one(struct rpc *r, struct proc *pr, const char *spec, struct rpc_res *out)
{
    if (!guard(r, out))
        return;
    struct err e;
    err_clear(&e);
    if (supervisor_clear_proc_logs(pr, &e) < 0)
        rpc_res_fault(out, FAULT_FAILED, "%s", spec);
    else
        rpc_res_value(out, xmlrpc_bool(true));
}

static void m_clearProcessLogs(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    struct proc *pr = proc_arg(r, args[0], out);
    if (pr)
        clear_one(r, pr, args[0]->s, out);
}

/* Supervisor clears one process per poll of its deferred; the result is
 * the same done at once. */
static void m_clearAllProcessLogs(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    size_t n;
    struct proc **v = all_procs(rpc_supervisor(r), false, &n);
    struct xmlrpc_value *a = xmlrpc_array();
    for (size_t i = 0; i < n; i++) {
        char *spec = namespec(v[i]);
        struct rpc_res res = {0};
        clear_one(r, v[i], spec, &res);
        if (res.kind == RPC_FAULT)
            xmlrpc_array_push(a, result_struct(v[i], res.code, res.text));
        else
            xmlrpc_array_push(a, result_struct(v[i], FAULT_SUCCESS, "OK"));
        rpc_res_release(&res);
        free(spec);
    }
    free(v);
    rpc_res_value(out, a);
}

/* ---- stdin, events ---- */

static void m_sendProcessStdin(ARGS)
{
    UNUSED_ARGS;
    if (!guard(r, out))
        return;
    const struct xmlrpc_value *chars = args[1];
    if (chars->type != XMLRPC_STRING) { /* checked before the name */
        char *s = rpc_py_str(chars);
        rpc_res_fault(out, FAULT_INCORRECT_PARAMETERS, "%s", s);
        free(s);
        return;
    }
    struct proc *pr = proc_arg(r, args[0], out);
    if (!pr)
        return;
    struct err e;
    err_clear(&e);
    if (supervisor_write_stdin(pr, chars->s, chars->len, &e) == 0)
        rpc_res_value(out, xmlrpc_bool(true));
    else if (e.code == ERR_STATE)
        rpc_res_fault(out, FAULT_NOT_RUNNING, "%s", args[0]->s);
    else if (e.code == ERR_NOTFOUND)
        rpc_res_fault(out, FAULT_NO_FILE, "%s", args[0]->s);
    else
        rpc_res_500(out, "<class 'OSError'>:%s", e.msg);
}

/* str() of an argument: a string as is, anything else as Python prints it. */
static char *py_text(const struct xmlrpc_value *v, size_t *len)
{
    if (v->type == XMLRPC_STRING) {
        *len = v->len;
        return xstrndup(v->s, v->len);
    }
    char *s = rpc_py_str(v);
    *len = strlen(s);
    return s;
}

/* No guard, as in Supervisor. */
static void m_sendRemoteCommEvent(ARGS)
{
    UNUSED_ARGS;
    size_t tlen, dlen;
    char *type = py_text(args[0], &tlen);
    char *data = py_text(args[1], &dlen);
    events_remote(rpc_supervisor(r)->events, type, data, dlen);
    free(type);
    free(data);
    rpc_res_value(out, xmlrpc_bool(true));
}

/* ---- the table ---- */

#define M(name, lo, hi, fn) {name, lo, hi, fn, "supervisor." name}

const struct rpc_method rpc_supervisor_methods[] = {
    M("getAPIVersion", 0, 0, m_getAPIVersion),
    M("getVersion", 0, 0, m_getAPIVersion),
    M("getSupervisorVersion", 0, 0, m_getSupervisorVersion),
    M("getIdentification", 0, 0, m_getIdentification),
    M("getState", 0, 0, m_getState),
    M("getPID", 0, 0, m_getPID),
    M("readLog", 2, 2, m_readLog),
    M("readMainLog", 2, 2, m_readLog),
    M("clearLog", 0, 0, m_clearLog),
    M("shutdown", 0, 0, m_shutdown),
    M("restart", 0, 0, m_restart),
    M("reloadConfig", 0, 0, m_reloadConfig),
    M("addProcessGroup", 1, 1, m_addProcessGroup),
    M("removeProcessGroup", 1, 1, m_removeProcessGroup),
    M("startProcess", 1, 2, m_startProcess),
    M("startProcessGroup", 1, 2, m_startProcessGroup),
    M("startAllProcesses", 0, 1, m_startAllProcesses),
    M("stopProcess", 1, 2, m_stopProcess),
    M("stopProcessGroup", 1, 2, m_stopProcessGroup),
    M("stopAllProcesses", 0, 1, m_stopAllProcesses),
    M("signalProcess", 2, 2, m_signalProcess),
    M("signalProcessGroup", 2, 2, m_signalProcessGroup),
    M("signalAllProcesses", 1, 1, m_signalAllProcesses),
    M("getAllConfigInfo", 0, 0, m_getAllConfigInfo),
    M("getProcessInfo", 1, 1, m_getProcessInfo),
    M("getAllProcessInfo", 0, 0, m_getAllProcessInfo),
    M("readProcessStdoutLog", 3, 3, m_readProcessStdoutLog),
    M("readProcessLog", 3, 3, m_readProcessStdoutLog),
    M("readProcessStderrLog", 3, 3, m_readProcessStderrLog),
    M("tailProcessStdoutLog", 3, 3, m_tailProcessStdoutLog),
    M("tailProcessLog", 3, 3, m_tailProcessStdoutLog),
    M("tailProcessStderrLog", 3, 3, m_tailProcessStderrLog),
    M("clearProcessLogs", 1, 1, m_clearProcessLogs),
    M("clearProcessLog", 1, 1, m_clearProcessLogs),
    M("clearAllProcessLogs", 0, 0, m_clearAllProcessLogs),
    M("sendProcessStdin", 2, 2, m_sendProcessStdin),
    M("sendRemoteCommEvent", 2, 2, m_sendRemoteCommEvent),
    {NULL, 0, 0, NULL, NULL},
};
