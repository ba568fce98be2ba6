/* session: logged-in users, in memory (a restart logs everyone out). A
 * session is a random 256-bit id sent as an HttpOnly, SameSite=Strict
 * cookie, with its own random CSRF token that every state-changing request
 * must echo in X-CSRF-Token. Sessions end at logout or after
 * SESSION_IDLE_MS without a request; expiry is checked on use, so no
 * timer runs. */
#ifndef CONSOLE_SESSION_H
#define CONSOLE_SESSION_H

#include <stdint.h>

#include "store.h"

#define SESSION_COOKIE "console_session"
#define SESSION_IDLE_MS (8 * 3600 * 1000LL)
#define SESSION_MAX 10000 /* the oldest is dropped beyond this */

struct session {
    char id[65];   /* hex */
    char csrf[65]; /* hex */
    char *user;    /* owned */
    enum store_role role;
    char *environments; /* owned: comma list, "" = all */
    int64_t last_used;  /* monotonic ms */
    struct session *prev, *next;
};

struct sessions {
    struct session *head; /* owned list, most recently made first */
    unsigned n;
};

void sessions_init(struct sessions *ss);
void sessions_release(struct sessions *ss);
/* A new session (owned by ss; borrowed by the caller). environments is
 * copied. */
struct session *session_new(struct sessions *ss, const char *user, enum store_role role,
                            const char *environments, int64_t now);
/* The live session named by the Cookie header (NULL: none or expired; an
 * expired one is dropped). Touches it. */
struct session *session_find(struct sessions *ss, const char *cookie_header, int64_t now);
void session_end(struct sessions *ss, struct session *s);
/* The live session with this id (64 hex), without touching it; NULL if
 * none (a request that waited looks its session up again). */
struct session *session_by_id(struct sessions *ss, const char *id);
/* End every session of user but keep (NULL: all of them). Returns how
 * many ended. */
unsigned sessions_end_user(struct sessions *ss, const char *user, const struct session *keep);
/* Whether environment is one of the session's (always, when it has none). */
bool session_allows(const struct session *s, const char *environment);

#endif
