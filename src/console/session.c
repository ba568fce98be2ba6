/* session: the in-memory table of logins, random ids from getrandom. */
#include "session.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "xalloc.h"

static void random_hex(char out[65])
{
    unsigned char b[32];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0)
            abort(); /* no randomness: never hand out a guessable session */
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void sessions_init(struct sessions *ss)
{
    ss->head = NULL;
    ss->n = 0;
}

void session_end(struct sessions *ss, struct session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        ss->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    ss->n--;
    free(s->user);
    free(s->environments);
    explicit_bzero(s, sizeof *s);
    free(s);
}

void sessions_release(struct sessions *ss)
{
    while (ss->head)
        session_end(ss, ss->head);
}

struct session *session_new(struct sessions *ss, const char *user, enum store_role role,
                            const char *environments, int64_t now)
{
    if (ss->n >= SESSION_MAX) {
        struct session *last = ss->head;
        while (last->next)
            last = last->next;
        session_end(ss, last);
    }
    struct session *s = xcalloc(1, sizeof *s);
    random_hex(s->id);
    random_hex(s->csrf);
    s->user = xstrdup(user);
    s->role = role;
    s->environments = xstrdup(environments ? environments : "");
    s->last_used = now;
    s->next = ss->head;
    if (ss->head)
        ss->head->prev = s;
    ss->head = s;
    ss->n++;
    return s;
}

/* Equal in time independent of where they differ (both are 64 hex). */
static bool id_eq(const char *a, const char *b, size_t blen)
{
    if (blen != 64)
        return false;
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < 64; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

struct session *session_find(struct sessions *ss, const char *cookie, int64_t now)
{
    if (!cookie)
        return NULL;
    /* "a=1; console_session=<hex>; b=2" */
    static const char name[] = SESSION_COOKIE "=";
    for (const char *p = cookie; (p = strstr(p, name));) {
        bool start = p == cookie || p[-1] == ' ' || p[-1] == ';';
        const char *v = p + sizeof name - 1;
        size_t len = strcspn(v, "; ");
        p = v;
        if (!start)
            continue;
        for (struct session *s = ss->head; s; s = s->next) {
            if (!id_eq(s->id, v, len))
                continue;
            if (now - s->last_used > SESSION_IDLE_MS) {
                session_end(ss, s);
                return NULL;
            }
            s->last_used = now;
            return s;
        }
    }
    return NULL;
}

bool session_allows(const struct session *s, const char *environment)
{
    if (!s->environments[0])
        return true;
    size_t len = strlen(environment);
    for (const char *p = s->environments; *p;) {
        size_t k = strcspn(p, ",");
        if (k == len && strncmp(p, environment, len) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return false;
}

struct session *session_by_id(struct sessions *ss, const char *id)
{
    for (struct session *s = ss->head; s; s = s->next)
        if (id_eq(s->id, id, strlen(id)))
            return s;
    return NULL;
}

unsigned sessions_end_user(struct sessions *ss, const char *user, const struct session *keep)
{
    unsigned n = 0;
    for (struct session *s = ss->head, *next; s; s = next) {
        next = s->next;
        if (s != keep && strcmp(s->user, user) == 0) {
            session_end(ss, s);
            n++;
        }
    }
    return n;
}
