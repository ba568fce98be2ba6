/* store: SQLite behind small verbs. It owns the connection and the SQL;
 * what a role may do is api.c's business. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hasher.h"
#include "log.h"
#include "xalloc.h"

struct store {
    sqlite3 *db; /* owned */
    char *dummy; /* owned: a yescrypt setting checked for unknown users */
    long audit_keep;
};

static const char *const role_names[] = {"viewer", "operator", "admin"};

const char *store_role_name(enum store_role r)
{
    return (unsigned)r < 3 ? role_names[r] : "?";
}

int store_role_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS users("
    " name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK(role IN ('viewer','operator','admin')),"
    " environments TEXT NOT NULL DEFAULT '', created REAL NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY, time REAL NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,"
    " node TEXT, process TEXT, result TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jobs(id INTEGER PRIMARY KEY, job TEXT NOT NULL);";

struct store *store_open(const char *path, struct err *e)
{
    /* create it 0600 ourselves: it holds password hashes */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(e, ERR_SYSTEM, "cannot open database '%s': %s", path, strerror(errno));
        return NULL;
    }
    close(fd);
    sqlite3 *db = NULL;
    char *msg = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_SYSTEM, "cannot open database '%s': %s", path,
                msg  ? msg
                : db ? sqlite3_errmsg(db)
                     : "out of memory");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    /* a database of the first version has no users.created */
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(db, "SELECT created FROM users LIMIT 0", -1, &probe, NULL) != SQLITE_OK &&
        sqlite3_exec(db, "ALTER TABLE users ADD COLUMN created REAL NOT NULL DEFAULT 0", NULL, NULL,
                     &msg) != SQLITE_OK) {
        err_set(e, ERR_SYSTEM, "cannot open database '%s': %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_finalize(probe);
    struct store *s = xcalloc(1, sizeof *s);
    s->db = db;
    s->audit_keep = STORE_AUDIT_KEEP;
    s->dummy = hasher_setting(); /* no hashing here: that would take 16 MiB */
    if (!s->dummy) {
        store_close(s);
        err_set(e, ERR_SYSTEM, "cannot hash passwords: libcrypt has no yescrypt");
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s->dummy);
    free(s);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("database: %s", sqlite3_errmsg(s->db));
        return NULL;
    }
    return st;
}

int store_user_count(struct store *s)
{
    sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM users");
    int n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int store_user_set(struct store *s, const char *name, const char *password, enum store_role role,
                   const char *environments, struct err *e)
{
    char *h = hasher_crypt(password);
    if (!h)
        return err_set(e, ERR_SYSTEM, "cannot hash the password");
    /* a replaced user keeps its creation time */
    sqlite3_stmt *st = prepare(s, "INSERT INTO users(name, hash, role, environments, created) "
                                  "VALUES(?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                                  "hash = excluded.hash, role = excluded.role, "
                                  "environments = excluded.environments");
    int r = -1;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, store_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, environments ? environments : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 5, wall_now());
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    if (r < 0)
        err_set(e, ERR_SYSTEM, "cannot store user '%s': %s", name, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    free(h);
    return r;
}

/* Keep the newest audit_keep rows. Ids grow by one per row and only the
 * oldest are ever deleted, so "id <= max - keep" is exact; on the rowid
 * index it costs a seek (and one row's delete in the steady state). */
static void audit_prune(struct store *s)
{
    sqlite3_stmt *st = prepare(s, "DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?");
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, s->audit_keep);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_error("database: cannot prune the activity log: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
}

void store_set_audit_keep(struct store *s, long keep)
{
    s->audit_keep = keep > 0 ? keep : STORE_AUDIT_KEEP;
    audit_prune(s);
}

void store_audit(struct store *s, const char *user, const char *action, const char *node,
                 const char *process, const char *result)
{
    sqlite3_stmt *st = prepare(s, "INSERT INTO audit(time, user, action, node, process, result) "
                                  "VALUES(?, ?, ?, ?, ?, ?)");
    if (!st)
        return;
    sqlite3_bind_double(st, 1, wall_now());
    sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
    if (node)
        sqlite3_bind_text(st, 4, node, -1, SQLITE_TRANSIENT);
    if (process)
        sqlite3_bind_text(st, 5, process, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, result, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_error("database: cannot log the activity: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    audit_prune(s);
}

static json_t *column(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return json_null();
    json_t *j = json_string((const char *)t); /* NULL if not UTF-8 (a %xx path) */
    return j ? j : json_string("\xef\xbf\xbd");
}

json_t *store_audit_list(struct store *s, const char *user, const char *action, const char *node,
                         long limit)
{
    sqlite3_stmt *st = prepare(s, "SELECT id, time, user, action, node, process, result FROM audit"
                                  " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR action = ?2)"
                                  " AND (?3 IS NULL OR node = ?3) ORDER BY id DESC LIMIT ?4");
    if (!st)
        return NULL;
    if (user)
        sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
    if (action)
        sqlite3_bind_text(st, 2, action, -1, SQLITE_TRANSIENT);
    if (node)
        sqlite3_bind_text(st, 3, node, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "time", json_real(sqlite3_column_double(st, 1)));
        json_object_set_new(o, "user", column(st, 2));
        json_object_set_new(o, "action", column(st, 3));
        json_object_set_new(o, "node", column(st, 4));
        json_object_set_new(o, "process", column(st, 5));
        json_object_set_new(o, "result", column(st, 6));
        json_array_append_new(arr, o);
    }
    if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(s->db));
        json_decref(arr);
        arr = NULL;
    }
    sqlite3_finalize(st);
    return arr;
}

/* ---- users, for the API (hashes come from the hasher) ---- */

const char *store_dummy_hash(const struct store *s)
{
    return s->dummy;
}

static char *text_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return xstrdup(t ? (const char *)t : "");
}

int store_user_get(struct store *s, const char *name, struct store_user *u)
{
    memset(u, 0, sizeof *u);
    sqlite3_stmt *st =
        prepare(s, "SELECT name, hash, role, environments, created FROM users WHERE name = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), r = -1;
    if (rc == SQLITE_ROW) {
        int role = store_role_parse((const char *)sqlite3_column_text(st, 2));
        u->name = text_dup(st, 0);
        u->hash = text_dup(st, 1);
        u->role = (enum store_role)(role < 0 ? ROLE_VIEWER : role);
        u->environments = text_dup(st, 3);
        u->created = sqlite3_column_double(st, 4);
        r = role < 0 ? -1 : 1; /* the CHECK makes that impossible */
        if (r < 0)
            store_user_release(u);
    } else if (rc == SQLITE_DONE) {
        r = 0;
    } else {
        log_error("database: %s", sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(st);
    return r;
}

void store_user_release(struct store_user *u)
{
    free(u->name);
    if (u->hash)
        explicit_bzero(u->hash, strlen(u->hash));
    free(u->hash);
    free(u->environments);
    memset(u, 0, sizeof *u);
}

int store_user_add(struct store *s, const char *name, const char *hash, enum store_role role,
                   const char *environments, struct err *e)
{
    sqlite3_stmt *st = prepare(s, "INSERT INTO users(name, hash, role, environments, created) "
                                  "VALUES(?, ?, ?, ?, ?)");
    if (!st)
        return err_set(e, ERR_SYSTEM, "cannot store user '%s'", name);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, store_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, environments, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 5, wall_now());
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_CONSTRAINT)
        r = err_set(e, ERR_STATE, "user '%s' exists", name);
    else if (rc != SQLITE_DONE)
        r = err_set(e, ERR_SYSTEM, "cannot store user '%s': %s", name, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return r;
}

int store_user_update(struct store *s, const char *name, const char *hash, int role,
                      const char *environments, struct err *e)
{
    sqlite3_stmt *st = prepare(s, "UPDATE users SET hash = coalesce(?2, hash),"
                                  " role = coalesce(?3, role),"
                                  " environments = coalesce(?4, environments) WHERE name = ?1");
    if (!st)
        return err_set(e, ERR_SYSTEM, "cannot change user '%s'", name);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (hash)
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    if (role >= 0)
        sqlite3_bind_text(st, 3, store_role_name((enum store_role)role), -1, SQLITE_STATIC);
    if (environments)
        sqlite3_bind_text(st, 4, environments, -1, SQLITE_TRANSIENT);
    int r = 0;
    if (sqlite3_step(st) != SQLITE_DONE)
        r = err_set(e, ERR_SYSTEM, "cannot change user '%s': %s", name, sqlite3_errmsg(s->db));
    else if (sqlite3_changes(s->db) == 0)
        r = err_set(e, ERR_NOTFOUND, "no user '%s'", name);
    sqlite3_finalize(st);
    return r;
}

int store_user_delete(struct store *s, const char *name, struct err *e)
{
    sqlite3_stmt *st = prepare(s, "DELETE FROM users WHERE name = ?");
    if (!st)
        return err_set(e, ERR_SYSTEM, "cannot delete user '%s'", name);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = 0;
    if (sqlite3_step(st) != SQLITE_DONE)
        r = err_set(e, ERR_SYSTEM, "cannot delete user '%s': %s", name, sqlite3_errmsg(s->db));
    else if (sqlite3_changes(s->db) == 0)
        r = err_set(e, ERR_NOTFOUND, "no user '%s'", name);
    sqlite3_finalize(st);
    return r;
}

int store_admin_count(struct store *s)
{
    sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM users WHERE role = 'admin'");
    int n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

json_t *store_user_list(struct store *s)
{
    sqlite3_stmt *st =
        prepare(s, "SELECT name, role, environments, created FROM users ORDER BY name");
    if (!st)
        return NULL;
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "username", column(st, 0));
        json_object_set_new(o, "role", column(st, 1));
        json_t *envs = json_array();
        const char *list = (const char *)sqlite3_column_text(st, 2);
        for (const char *p = list ? list : ""; *p;) {
            size_t k = strcspn(p, ",");
            json_t *one = json_stringn(p, k);
            if (one)
                json_array_append_new(envs, one);
            p += k;
            if (*p == ',')
                p++;
        }
        json_object_set_new(o, "environments", envs);
        double created = sqlite3_column_double(st, 3);
        json_object_set_new(o, "created", created > 0 ? json_real(created) : json_null());
        json_array_append_new(arr, o);
    }
    if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(s->db));
        json_decref(arr);
        arr = NULL;
    }
    sqlite3_finalize(st);
    return arr;
}

void store_job_save(struct store *s, unsigned long long id, const char *job, int keep)
{
    sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO jobs(id, job) VALUES(?, ?)");
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    sqlite3_bind_text(st, 2, job, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_error("database: cannot keep job %llu: %s", id, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    st = prepare(s, "DELETE FROM jobs WHERE id NOT IN (SELECT id FROM jobs ORDER BY id DESC LIMIT ?)");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, keep);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_error("database: cannot prune the jobs: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
}

json_t *store_job_list(struct store *s, int keep)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = prepare(s, "SELECT id, job FROM jobs ORDER BY id DESC LIMIT ?");
    if (!st)
        return arr;
    sqlite3_bind_int(st, 1, keep);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 1);
        json_error_t je;
        json_t *j = text ? json_loads(text, 0, &je) : NULL;
        if (j)
            json_array_append_new(arr, j);
        else
            log_warn("database: job %lld is not readable: skipped",
                     (long long)sqlite3_column_int64(st, 0));
    }
    if (rc != SQLITE_DONE)
        log_error("database: cannot read the jobs: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return arr;
}
