/* throttle: a small array searched linearly (logins are rare; THROTTLE_MAX
 * bounds the scan), entries forgotten lazily on use. */
#include "throttle.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void throttle_init(struct throttle *t, int64_t base_ms, int64_t max_ms)
{
    memset(t, 0, sizeof *t);
    t->base_ms = base_ms > 0 ? base_ms : 1;
    t->max_ms = max_ms >= t->base_ms ? max_ms : t->base_ms;
}

void throttle_release(struct throttle *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].key);
    free(t->v);
    memset(t, 0, sizeof *t);
}

int64_t throttle_delay(const struct throttle *t, unsigned fails)
{
    if (fails < THROTTLE_FAILURES)
        return 0;
    int64_t d = t->base_ms;
    for (unsigned i = THROTTLE_FAILURES; i < fails && d < t->max_ms; i++)
        d *= 2;
    return d < t->max_ms ? d : t->max_ms;
}

static void drop(struct throttle *t, size_t i)
{
    free(t->v[i].key);
    t->v[i] = t->v[--t->n];
}

static bool stale(const struct throttle *t, const struct throttle_entry *en, int64_t now)
{
    return now >= en->until && now - en->last > t->max_ms;
}

static struct throttle_entry *find(struct throttle *t, const char *key, int64_t now)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].key, key) != 0)
            continue;
        if (stale(t, &t->v[i], now)) {
            drop(t, i);
            return NULL;
        }
        return &t->v[i];
    }
    return NULL;
}

int64_t throttle_wait(struct throttle *t, const char *key, int64_t now)
{
    struct throttle_entry *en = find(t, key, now);
    return en && en->until > now ? en->until - now : 0;
}

int64_t throttle_fail(struct throttle *t, const char *key, int64_t now)
{
    struct throttle_entry *en = find(t, key, now);
    if (!en) {
        if (t->n >= THROTTLE_MAX) {
            /* forget the stale, else the one whose last failure is oldest */
            for (size_t i = t->n; i-- > 0;)
                if (stale(t, &t->v[i], now))
                    drop(t, i);
            if (t->n >= THROTTLE_MAX) {
                size_t oldest = 0;
                for (size_t i = 1; i < t->n; i++)
                    if (t->v[i].last < t->v[oldest].last)
                        oldest = i;
                drop(t, oldest);
            }
        }
        t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
        en = &t->v[t->n++];
        memset(en, 0, sizeof *en);
        en->key = xstrdup(key);
    }
    if (en->fails < 64)
        en->fails++;
    en->last = now;
    int64_t d = throttle_delay(t, en->fails);
    en->until = now + d;
    return d;
}

void throttle_reset(struct throttle *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].key, key) == 0) {
            drop(t, i);
            return;
        }
}
