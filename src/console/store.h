/* store: the console's SQLite database (one file): users with their
 * password hashes (yescrypt through libcrypt), roles and environments, and
 * the activity log. Each call is one short statement on a local file
 * (WAL, synchronous=NORMAL: no fsync per write); checking a password costs
 * one yescrypt hash (~70 ms) by design, paid only at login. */
#ifndef CONSOLE_STORE_H
#define CONSOLE_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"

struct store;

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
/* Check name/password. true with *role and *environments (malloc'ed; the
 * caller frees) when they match; false otherwise (unknown users cost a hash
 * too, so timing does not tell them apart). */
bool store_user_check(struct store *s, const char *name, const char *password,
                      enum store_role *role, char **environments);

/* One activity: who, what, where (node and process may be NULL), result.
 * Errors are logged, never fatal. */
void store_audit(struct store *s, const char *user, const char *action, const char *node,
                 const char *process, const char *result);
/* The activity log, newest first, at most limit rows, each filter NULL or
 * exact: [{"id","time","user","action","node","process","result"}]. A new
 * reference (the caller decrefs); NULL on a database error. */
json_t *store_audit_list(struct store *s, const char *user, const char *action, const char *node,
                         long limit);

#endif
