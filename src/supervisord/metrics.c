/* metrics: the Prometheus text format for /metrics. Every value is computed
 * when scraped (the process table, /proc/<pid>/stat); the only
 * state kept between scrapes is how many times each process was started,
 * counted from the supervisor's state changes. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supervisor.h"
#include "xalloc.h"

#define SUPERVISOR_VERSION "4.2.5"

/* Starts per namespec: an open-addressing table keyed by "group:name" so a
 * count survives neither pointer reuse nor confusion between groups. */
struct start_count {
    char *key; /* owned; NULL: empty slot */
    unsigned long long starts;
};

struct metrics {
    struct supervisor *s;    /* borrowed */
    double started;          /* wall clock, seconds */
    struct timespec mono;    /* monotonic start, for uptime */
    struct start_count *tab; /* owned */
    size_t cap, used;        /* cap is a power of two */
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct start_count *slot(struct metrics *m, const char *key, bool add)
{
    if (add && (m->used + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        struct start_count *nt = xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->tab[i].key)
                continue;
            size_t j = hash(m->tab[i].key) & (ncap - 1);
            while (nt[j].key)
                j = (j + 1) & (ncap - 1);
            nt[j] = m->tab[i];
        }
        free(m->tab);
        m->tab = nt;
        m->cap = ncap;
    }
    if (!m->cap)
        return NULL;
    size_t i = hash(key) & (m->cap - 1);
    while (m->tab[i].key) {
        if (strcmp(m->tab[i].key, key) == 0)
            return &m->tab[i];
        i = (i + 1) & (m->cap - 1);
    }
    if (!add)
        return NULL;
    m->tab[i].key = xstrdup(key);
    m->used++;
    return &m->tab[i];
}

static char *key_of(const struct proc *pr)
{
    return xasprintf("%s:%s", pr->group->cfg->name, pr->p.cfg->name);
}

struct metrics *metrics_new(struct supervisor *s)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    m->s = s;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    clock_gettime(CLOCK_MONOTONIC, &m->mono);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->tab[i].key);
    free(m->tab);
    free(m);
}

void metrics_note_change(struct metrics *m, const struct proc *pr, enum proc_state from)
{
    (void)from;
    if (!m || pr->p.state != PROC_STARTING)
        return;
    char *k = key_of(pr);
    slot(m, k, true)->starts++;
    free(k);
}

/* A label value with \ " and newline escaped, as the format asks. */
static void label(struct buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            buf_puts(b, "\\\\");
        else if (*v == '"')
            buf_puts(b, "\\\"");
        else if (*v == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, *v);
    }
}

static void labels(struct buf *b, const struct proc *pr)
{
    buf_puts(b, "{group=\"");
    label(b, pr->group->cfg->name);
    buf_puts(b, "\",name=\"");
    label(b, pr->p.cfg->name);
    buf_puts(b, "\"}");
}

static void header(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

bool metrics_proc_usage(pid_t pid, double *cpu, double *rss)
{
    /* one open and read of /proc/<pid>/stat (utime, stime and rss are all
     * there): /proc lookups dominate the cost of a scrape */
    char path[64], data[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n;
    do
        n = read(fd, data, sizeof data - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return false;
    data[n] = '\0';
    /* the command name may hold spaces and parentheses: fields follow the last ')' */
    char *p = strrchr(data, ')');
    if (!p || !p[1])
        return false;
    /* fields 3.. of proc(5): state ... utime(14) stime(15) ... rss(24) */
    unsigned long long ut = 0, st = 0;
    long long res = 0;
    if (sscanf(p + 2,
               "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu "
               "%*s %*s %*s %*s %*s %*s %*s %*s %lld",
               &ut, &st, &res) != 3)
        return false;
    static long hz, page;
    if (!hz) {
        hz = sysconf(_SC_CLK_TCK);
        page = sysconf(_SC_PAGESIZE);
        if (hz <= 0)
            hz = 100;
        if (page <= 0)
            page = 4096;
    }
    *cpu = (double)(ut + st) / (double)hz;
    *rss = (double)(res < 0 ? 0 : res) * (double)page;
    return true;
}

unsigned long long metrics_restarts(const struct metrics *m, const struct proc *pr)
{
    char stack[256];
    const char *g = pr->group->cfg->name, *n = pr->p.cfg->name;
    char *key = stack;
    if ((size_t)snprintf(stack, sizeof stack, "%s:%s", g, n) >= sizeof stack)
        key = xasprintf("%s:%s", g, n);
    struct start_count *c = slot((struct metrics *)m, key, false);
    if (key != stack)
        free(key);
    return c && c->starts > 1 ? c->starts - 1 : 0;
}

struct sample {
    const struct proc *pr;
    bool has_usage;
    double cpu, rss;
    unsigned long long restarts;
};

void metrics_render(struct metrics *m, struct buf *out)
{
    struct supervisor *s = m->s;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double up =
        (double)(now.tv_sec - m->mono.tv_sec) + (double)(now.tv_nsec - m->mono.tv_nsec) / 1e9;

    header(out, "supervisor_build_info", "gauge", "Supervisor version served (always 1).");
    buf_printf(out, "supervisor_build_info{version=\"%s\"} 1\n", SUPERVISOR_VERSION);
    header(out, "supervisor_state", "gauge",
           "Daemon state code (1 RUNNING, 0 RESTARTING, -1 SHUTDOWN, 2 FATAL).");
    buf_printf(out, "supervisor_state %d\n", (int)s->mood);
    header(out, "supervisor_start_time_seconds", "gauge", "Unix time the daemon started serving.");
    buf_printf(out, "supervisor_start_time_seconds %.3f\n", m->started);
    header(out, "supervisor_uptime_seconds", "gauge", "Seconds since the daemon started.");
    buf_printf(out, "supervisor_uptime_seconds %.3f\n", up);

    size_t n = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        n += s->groups[i]->nprocs;
    struct sample *v = xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < s->ngroups; i++)
        for (size_t j = 0; j < s->groups[i]->nprocs; j++) {
            struct sample *x = &v[k++];
            x->pr = s->groups[i]->procs[j];
            if (x->pr->p.pid > 0)
                x->has_usage = metrics_proc_usage(x->pr->p.pid, &x->cpu, &x->rss);
            x->restarts = metrics_restarts(m, x->pr);
        }

    header(out, "supervisor_process_state", "gauge",
           "Process state code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING, "
           "100 EXITED, 200 FATAL, 1000 UNKNOWN).");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "supervisor_process_state");
        labels(out, v[i].pr);
        buf_printf(out, " %d\n", (int)v[i].pr->p.state);
    }
    header(out, "supervisor_process_up", "gauge", "1 if the process is RUNNING, else 0.");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "supervisor_process_up");
        labels(out, v[i].pr);
        buf_printf(out, " %d\n", v[i].pr->p.state == PROC_RUNNING);
    }
    header(out, "supervisor_process_start_time_seconds", "gauge",
           "Unix time of the last start (0: never started).");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "supervisor_process_start_time_seconds");
        labels(out, v[i].pr);
        buf_printf(out, " %.3f\n", v[i].pr->p.laststart);
    }
    header(out, "supervisor_process_restarts_total", "counter",
           "Starts after the first one since the daemon started (automatic or requested).");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "supervisor_process_restarts_total");
        labels(out, v[i].pr);
        buf_printf(out, " %llu\n", v[i].restarts);
    }
    header(out, "supervisor_process_exit_status", "gauge",
           "Exit code of the last exit (-1: killed by a signal; absent: never exited).");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].pr->p.has_exitstatus)
            continue;
        buf_puts(out, "supervisor_process_exit_status");
        labels(out, v[i].pr);
        buf_printf(out, " %d\n", v[i].pr->p.exitstatus);
    }
    header(out, "supervisor_process_cpu_seconds_total", "counter",
           "User and system CPU time of the running process (its own, not its children's).");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].has_usage)
            continue;
        buf_puts(out, "supervisor_process_cpu_seconds_total");
        labels(out, v[i].pr);
        buf_printf(out, " %.2f\n", v[i].cpu);
    }
    header(out, "supervisor_process_resident_memory_bytes", "gauge",
           "Resident set size of the running process.");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].has_usage)
            continue;
        buf_puts(out, "supervisor_process_resident_memory_bytes");
        labels(out, v[i].pr);
        buf_printf(out, " %.0f\n", v[i].rss);
    }
    free(v);
}
