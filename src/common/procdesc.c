/* procdesc: Supervisor's wording of a process's state. */
#include "procdesc.h"

#include <time.h>

void procdesc_uptime(struct buf *b, long long secs)
{
    if (secs < 0)
        secs = 0;
    long long days = secs / 86400;
    secs %= 86400;
    if (days)
        buf_printf(b, "%lld day%s, ", days, days == 1 ? "" : "s");
    buf_printf(b, "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
}

void procdesc_write(struct buf *b, long long state, long long pid, long long start,
                    long long stop, long long now, const char *spawnerr, const char *name)
{
    if (state == 20) { /* RUNNING */
        buf_printf(b, "pid %lld, uptime ", pid);
        procdesc_uptime(b, now - start);
    } else if (state == 200 || state == 30) { /* FATAL, BACKOFF */
        if (spawnerr[0])
            buf_puts(b, spawnerr);
        else
            buf_printf(b, "unknown error (try \"tail %s\")", name);
    } else if (state == 0 || state == 100) { /* STOPPED, EXITED */
        if (start) {
            time_t t = (time_t)stop;
            struct tm tm;
            char tb[64];
            localtime_r(&t, &tm);
            strftime(tb, sizeof tb, "%b %d %I:%M %p", &tm);
            buf_puts(b, tb);
        } else {
            buf_puts(b, "Not started");
        }
    }
}
