/* account: logins, sessions' passwords and users through the API
 * (doc/console.md, "Users, roles"). Every password check and hash goes to
 * the hasher child, so a login or a password change is a request that
 * waits (suspended) for it while the loop serves everyone else; a full
 * hasher queue answers 503 BUSY. Failed logins are throttled per username
 * and per client address (throttle.h): 429 TOO_MANY_REQUESTS with
 * Retry-After, no hash spent. User management is for admins; changing a
 * user's password, role or environments ends their other sessions, and no
 * change may leave the console without an admin. Everything goes to the
 * activity log. */
#ifndef CONSOLE_ACCOUNT_H
#define CONSOLE_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "hasher.h"
#include "http.h"
#include "session.h"
#include "store.h"

struct account;

#define ACCOUNT_PASSWORD_MIN 8
#define ACCOUNT_USERNAME_MAX 64

/* All borrowed; they outlive the account. */
struct account *account_new(struct store *store, struct hasher *hasher, struct sessions *ss,
                            const struct config *cfg);
/* Drops the requests still waiting for the hasher (call after http_free).
 * NULL ok. */
void account_free(struct account *a);

/* POST /api/v1/login {"username", "password"} */
void account_login(struct account *a, struct http_req *req);
/* POST /api/v1/logout */
void account_logout(struct account *a, struct http_req *req, struct session *s);
/* POST /api/v1/session/password {"old", "new"} */
void account_password(struct account *a, struct http_req *req, struct session *s);
/* /api/v1/users: GET lists, POST adds. */
void account_users(struct account *a, struct http_req *req, struct session *s);
/* /api/v1/users/<name>: POST changes, DELETE deletes. */
void account_user(struct account *a, struct http_req *req, struct session *s, const char *name);
/* {"user", "role", "environments", "csrf_token"} (a new reference). */
json_t *account_session_json(const struct session *s);
/* Whether name is a valid new username: 1..64 of [A-Za-z0-9._@-]. */
bool account_username_ok(const char *name);

#endif
