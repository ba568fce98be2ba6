/* throttle: login failures counted per key (a username, a client address)
 * on a clock the caller passes in (tests use a fake one). After
 * THROTTLE_FAILURES failures in a row a key is refused for base_ms, then
 * each further failure doubles the wait up to max_ms; a success resets the
 * key. A key with no failure for max_ms after its wait is forgotten. The
 * table is bounded (THROTTLE_MAX keys; the stalest is dropped beyond), and
 * nothing runs between calls: no timer. */
#ifndef CONSOLE_THROTTLE_H
#define CONSOLE_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define THROTTLE_FAILURES 5
#define THROTTLE_MAX 4096

struct throttle_entry {
    char *key;      /* owned */
    unsigned fails; /* in a row */
    int64_t until;  /* refused before this (ms) */
    int64_t last;   /* the last failure (ms) */
};

struct throttle {
    struct throttle_entry *v; /* owned array */
    size_t n, cap;
    int64_t base_ms, max_ms;
};

void throttle_init(struct throttle *t, int64_t base_ms, int64_t max_ms);
void throttle_release(struct throttle *t);
/* How long key must still wait at now (ms; 0: it may try). */
int64_t throttle_wait(struct throttle *t, const char *key, int64_t now);
/* One more failure of key at now; returns the wait it starts (0: none yet). */
int64_t throttle_fail(struct throttle *t, const char *key, int64_t now);
/* A success: key starts afresh. */
void throttle_reset(struct throttle *t, const char *key);
/* The wait after fails failures in a row (0 below THROTTLE_FAILURES). */
int64_t throttle_delay(const struct throttle *t, unsigned fails);

#endif
