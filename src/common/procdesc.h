/* procdesc: getProcessInfo's "description", worded as Supervisor words it
 * from a process's fields (rpcinterface._interpretProcessInfo). The daemon
 * writes it for its processes; the console for nodes' processes it rebuilds
 * from events. States are Supervisor's numbers (20 RUNNING, ...). */
#ifndef PROCDESC_H
#define PROCDESC_H

#include "buf.h"

/* "pid 42, uptime 1:02:03" (RUNNING), the spawn error or "unknown error
 * (try "tail NAME")" (FATAL, BACKOFF), the stop time as "Nov 27 09:38 AM"
 * or "Not started" (STOPPED, EXITED); nothing for other states. Appended
 * to b. Times in seconds. */
void procdesc_write(struct buf *b, long long state, long long pid, long long start,
                    long long stop, long long now, const char *spawnerr, const char *name);

/* Supervisor's uptime wording: "1:02:03", "2 days, 0:00:05" (negative: 0). */
void procdesc_uptime(struct buf *b, long long secs);

#endif
