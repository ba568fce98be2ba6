/* store: the console's SQLite database (one file): users with their
 * password hashes (yescrypt through libcrypt), roles, environments and
 * creation time, the activity log, pruned to its newest audit_keep
 * rows, and the last finished jobs. Each call is one short statement on a local file (WAL,
 * synchronous=NORMAL: no fsync per write). store_user_set hashes in the
 * calling process (~70 ms: for the command line and the first start); the
 * API hashes through hasher.h and hands finished hashes to the
 * store_user_* verbs below. */
#ifndef CONSOLE_STORE_H
#define CONSOLE_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"

struct store;

#define STORE_AUDIT_KEEP 100000L /* rows of the activity log kept by default */

enum store_role { ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

/* "viewer", "operator", "admin"; store_role_parse: -1 if none of them. */
const char *store_role_name(enum store_role r);
int store_role_parse(const char *s);

/* Open (creating, mode 0600) the database at path and its tables. NULL + e
 * (ERR_SYSTEM: "cannot open database '<path>': <why>"). */
struct store *store_open(const char *path, struct err *e);
void store_close(struct store *s); /* NULL ok */

/* Users in the table (-1 on a database error). */
int store_user_count(struct store *s);
/* Add or replace user name with password (hashed here), role and
 * environments (a comma list; "" = all). -1 + e on a database or hashing
 * error. */
int store_user_set(struct store *s, const char *name, const char *password, enum store_role role,
                   const char *environments, struct err *e);
/* A user's row (store_user_get fills it; store_user_release frees it). */
struct store_user {
    char *name, *hash, *environments; /* owned */
    enum store_role role;
    double created; /* Unix time; 0: unknown (made before it was recorded) */
};

/* 1 and *u filled when name exists, 0 if not, -1 on a database error. */
int store_user_get(struct store *s, const char *name, struct store_user *u);
void store_user_release(struct store_user *u);
/* The hash an unknown user's password is checked against (so timing does
 * not tell unknown users apart). Borrowed. */
const char *store_dummy_hash(const struct store *s);
/* A new user with a finished hash. -1 + e: ERR_STATE if name exists,
 * ERR_SYSTEM on a database error. */
int store_user_add(struct store *s, const char *name, const char *hash, enum store_role role,
                   const char *environments, struct err *e);
/* Change what is given (hash/environments NULL, role -1: unchanged). -1 +
 * e: ERR_NOTFOUND if there is no such user, ERR_SYSTEM. */
int store_user_update(struct store *s, const char *name, const char *hash, int role,
                      const char *environments, struct err *e);
/* -1 + e: ERR_NOTFOUND, ERR_SYSTEM. */
int store_user_delete(struct store *s, const char *name, struct err *e);
/* Users with the admin role (-1 on a database error). */
int store_admin_count(struct store *s);
/* [{"username","role","environments":[...],"created"}] by name, never a
 * hash. A new reference; NULL on a database error. */
json_t *store_user_list(struct store *s);

/* Keep only the newest keep rows of the activity log (<= 0: the default);
 * prunes at once, then after each row written. */
void store_set_audit_keep(struct store *s, long keep);

/* One activity: who, what, where (node and process may be NULL), result.
 * Errors are logged, never fatal. */
void store_audit(struct store *s, const char *user, const char *action, const char *node,
                 const char *process, const char *result);
/* The activity log, newest first, at most limit rows, each filter NULL or
 * exact: [{"id","time","user","action","node","process","result"}]. A new
 * reference (the caller decrefs); NULL on a database error. */
json_t *store_audit_list(struct store *s, const char *user, const char *action, const char *node,
                         long limit);

/* Finished jobs (bulk.c), as JSON text: keep job id (replacing a row of
 * that id), then only the newest `keep`. store_job_list: the newest `keep`
 * parsed, newest first (a row that does not parse is logged and skipped);
 * an empty array on a database error. */
void store_job_save(struct store *s, unsigned long long id, const char *job, int keep);
json_t *store_job_list(struct store *s, int keep);

#endif
