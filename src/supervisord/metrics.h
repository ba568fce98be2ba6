/* metrics: GET /metrics in the Prometheus text exposition format (0.0.4).
 * Per-process state, up, start time, restarts, last exit status, CPU
 * seconds and resident memory (read from /proc at scrape time only: no
 * timers, no idle wake-ups), daemon start time, uptime and version. Owns
 * the per-process restart counts it learns from state changes; routing and
 * auth are web.c's and httpd.c's. */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"
#include "process.h"

struct supervisor;
struct proc;
struct metrics;

/* A collector for s (borrowed; must outlive it). The daemon's start time
 * is taken now. Never fails. */
struct metrics *metrics_new(struct supervisor *s);
void metrics_free(struct metrics *m); /* NULL ok */

/* Tell the collector about a state change (counts starts per namespec). */
void metrics_note_change(struct metrics *m, const struct proc *pr, enum proc_state from);

/* Append the whole exposition text to out. */
void metrics_render(struct metrics *m, struct buf *out);

/* For the dashboard (sse.c): user+system CPU seconds and resident bytes of
 * pid from /proc/<pid>/stat; false if the process is gone or /proc is
 * unreadable. One open and read: about 20 to 40 us each on a VM. */
bool metrics_proc_usage(pid_t pid, double *cpu, double *rss);
/* Starts after the first one of pr's namespec since the daemon started
 * (what supervisor_process_restarts_total says). */
unsigned long long metrics_restarts(const struct metrics *m, const struct proc *pr);

/* The Content-Type of the text format. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
