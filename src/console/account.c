/* account: the login and user routes, and the requests waiting on the
 * hasher (struct op). The hashing is hasher.c's, the rows store.c's, the
 * counting of failures throttle.c's. */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "reply.h"
#include "throttle.h"
#include "xalloc.h"

#define ENVS_MAX 100
#define ENV_LEN_MAX 64

enum op_kind { OP_LOGIN, OP_PASSWORD_OLD, OP_PASSWORD_NEW, OP_USER_ADD, OP_USER_CHANGE };

/* A request waiting for the hasher. */
struct op {
    struct account *a;
    struct http_req *req;   /* borrowed until answered or aborted */
    struct hasher_req *hr;  /* the hasher's, while waiting */
    enum op_kind kind;
    char *user;      /* owned: who logs in, whose password, the user added or changed */
    char *actor;     /* owned: who asked (the activity log) */
    char *addr_key;  /* owned: login: "addr:<client>" */
    char sid[65];    /* the asker's session (looked up again: it may end meanwhile) */
    char *secret;    /* owned, zeroed: the password to hash next */
    char *stored;    /* owned: login: the hash checked (the user must still have it) */
    bool found;      /* login: the user exists */
    int role;        /* add/change: -1 unchanged */
    char *envs;      /* owned: add/change: comma list; NULL unchanged */
    struct op *prev, *next;
};

struct account {
    struct store *store;     /* borrowed */
    struct hasher *hasher;   /* borrowed */
    struct sessions *ss;     /* borrowed (the api's) */
    struct throttle throttle;
    struct op *ops; /* owned list */
    bool tls;       /* served over HTTPS: the cookie is Secure */
};

/* ---- ops ---- */

static void zfree(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

static void op_free(struct op *op)
{
    struct account *a = op->a;
    if (op->prev)
        op->prev->next = op->next;
    else
        a->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
    free(op->user);
    free(op->actor);
    free(op->addr_key);
    zfree(op->secret);
    free(op->stored);
    free(op->envs);
    free(op);
}

static void op_abort(void *data, struct http_req *req)
{
    (void)req;
    struct op *op = data;
    if (op->hr)
        hasher_cancel(op->a->hasher, op->hr);
    op_free(op);
}

static struct op *op_new(struct account *a, struct http_req *req, enum op_kind kind,
                         const char *user, const char *actor)
{
    struct op *op = xcalloc(1, sizeof *op);
    op->a = a;
    op->req = req;
    op->kind = kind;
    op->user = xstrdup(user);
    op->actor = xstrdup(actor);
    op->role = -1;
    op->next = a->ops;
    if (a->ops)
        a->ops->prev = op;
    a->ops = op;
    return op;
}

static void hashed(void *arg, enum hasher_result r, const char *hash);

/* Hand op to the hasher (verify against stored, or hash password) and let
 * its request wait. false after answering 503 (op freed). */
static bool op_submit(struct op *op, const char *password, const char *stored)
{
    op->hr = stored ? hasher_verify(op->a->hasher, password, stored, hashed, op)
                    : hasher_hash(op->a->hasher, password, hashed, op);
    if (!op->hr) {
        log_warn("the password hasher is busy or gone: a request for user '%s' refused",
                 op->user);
        http_add_header(op->req, "Retry-After", "1");
        reply_error(op->req, 503, 0, "BUSY", "too many password checks at once: retry");
        op_free(op);
        return false;
    }
    http_req_set_data(op->req, op, op_abort);
    return true;
}

/* ---- JSON ---- */

json_t *account_session_json(const struct session *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "user", reply_str(s->user));
    json_object_set_new(o, "role", json_string(store_role_name(s->role)));
    json_object_set_new(o, "environments", reply_str(s->environments));
    json_object_set_new(o, "csrf_token", json_string(s->csrf));
    return o;
}

static json_t *envs_json(const char *list)
{
    json_t *arr = json_array();
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        json_t *one = json_stringn(p, k); /* NULL if not UTF-8 */
        json_array_append_new(arr, one ? one : json_null());
        p += k;
        if (*p == ',')
            p++;
    }
    return arr;
}

static json_t *user_json(const struct store_user *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "username", reply_str(u->name));
    json_object_set_new(o, "role", json_string(store_role_name(u->role)));
    json_object_set_new(o, "environments", envs_json(u->environments));
    json_object_set_new(o, "created", u->created > 0 ? json_real(u->created) : json_null());
    return o;
}

/* Answer with the user's row as it is now. */
static void reply_user(struct account *a, struct http_req *req, const char *name)
{
    struct store_user u;
    if (store_user_get(a->store, name, &u) != 1) {
        reply_error(req, 500, 30, "FAILED", "cannot read the user back");
        return;
    }
    reply_result(req, 200, user_json(&u));
    store_user_release(&u);
}

static void set_cookie(struct account *a, struct http_req *req, const char *value, bool clear)
{
    char *c = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", SESSION_COOKIE, value,
                        a->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
    http_add_header(req, "Set-Cookie", c);
    free(c);
}

/* ---- checks of what comes in ---- */

bool account_username_ok(const char *name)
{
    size_t len = strlen(name);
    return len >= 1 && len <= ACCOUNT_USERNAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") ==
               len;
}

static bool printable(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len < 1 || len > max)
        return false;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

/* A JSON string of 8..1024 bytes without NUL, or NULL. */
static const char *password_of(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (!s || len != strlen(s) || len < ACCOUNT_PASSWORD_MIN || len > HASHER_PASSWORD_MAX)
        return NULL;
    return s;
}

/* ["prod", "qa"] into "prod,qa" (malloc'ed); NULL if not a list of 0..100
 * printable labels of 1..64 bytes without commas. */
static char *envs_of(const json_t *v)
{
    if (!json_is_array(v) || json_array_size(v) > ENVS_MAX)
        return NULL;
    size_t cap = json_array_size(v) * (ENV_LEN_MAX + 1) + 1, len = 0;
    char *out = xmalloc(cap);
    out[0] = '\0';
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        if (!s || json_string_length(e) != strlen(s) || !printable(s, ENV_LEN_MAX) ||
            strchr(s, ',')) {
            free(out);
            return NULL;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "", s);
    }
    return out;
}

static void refuse(struct account *a, struct http_req *req, const struct session *s,
                   const char *what, const char *target, const char *why)
{
    store_audit(a->store, s->user, what, NULL, target, "refused");
    log_warn("user '%s' (%s): %s%s%s refused: %s", s->user, store_role_name(s->role), what,
             target ? " of " : "", target ? target : "", why);
    reply_error(req, 403, 0, "FORBIDDEN", why);
}

static void bad_request(struct http_req *req, const char *msg)
{
    reply_error(req, 400, 2, "INCORRECT_PARAMETERS", msg);
}

/* ---- throttling ---- */

static char *user_key(const char *user)
{
    return xasprintf("user:%s", user);
}

/* 429 with Retry-After if key (or key2) must still wait. */
static bool throttled(struct account *a, struct http_req *req, const char *key, const char *key2)
{
    int64_t now = loop_clock_ms();
    int64_t w = throttle_wait(&a->throttle, key, now);
    int64_t w2 = key2 ? throttle_wait(&a->throttle, key2, now) : 0;
    if (w2 > w)
        w = w2;
    if (w <= 0)
        return false;
    char secs[32];
    snprintf(secs, sizeof secs, "%lld", (long long)((w + 999) / 1000));
    http_add_header(req, "Retry-After", secs);
    char msg[128];
    snprintf(msg, sizeof msg, "too many failed attempts: retry in %s s", secs);
    reply_error(req, 429, 0, "TOO_MANY_REQUESTS", msg);
    return true;
}

/* ---- login ---- */

/* Login CSRF: a login posted by a page of another site is refused (a
 * browser sends Origin with a POST; scripts send none). An https:// origin
 * is ours too: behind a TLS proxy the page is https while we are not. */
static bool same_origin(const struct account *a, const struct http_req *req)
{
    const char *origin = http_req_header(req, "Origin");
    const char *host = http_req_header(req, "Host");
    if (!origin)
        return true;
    if (!host)
        return false;
    if (strncmp(origin, "https://", 8) == 0)
        return strcmp(origin + 8, host) == 0;
    return !a->tls && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

static void login_failed(struct op *op, const char *why)
{
    struct account *a = op->a;
    char *ukey = user_key(op->user);
    int64_t now = loop_clock_ms();
    int64_t d = throttle_fail(&a->throttle, ukey, now);
    int64_t d2 = throttle_fail(&a->throttle, op->addr_key, now);
    free(ukey);
    store_audit(a->store, op->user, "login", NULL, NULL, "failed");
    if (d || d2)
        log_warn("login failed for user '%s' from %s (%s): further attempts refused for %lld ms",
                 op->user, op->addr_key + 5, why, (long long)(d > d2 ? d : d2));
    else
        log_warn("login failed for user '%s' from %s (%s)", op->user, op->addr_key + 5, why);
    reply_error(op->req, 401, 0, "UNAUTHORIZED", "bad username or password");
}

static void login_done(struct op *op, enum hasher_result r)
{
    struct account *a = op->a;
    if (r == HASHER_FAILED) {
        reply_error(op->req, 503, 0, "BUSY", "cannot check the password now");
        return;
    }
    /* the user may have changed while the hasher worked: the row must
     * still hold the hash that matched */
    struct store_user u;
    int got = r == HASHER_OK && op->found ? store_user_get(a->store, op->user, &u) : 0;
    if (got != 1 || strcmp(u.hash, op->stored) != 0) {
        if (got == 1)
            store_user_release(&u);
        login_failed(op, r == HASHER_OK && op->found ? "changed meanwhile" : "bad password");
        return;
    }
    char *ukey = user_key(op->user);
    throttle_reset(&a->throttle, ukey);
    throttle_reset(&a->throttle, op->addr_key);
    free(ukey);
    struct session *s = session_new(a->ss, u.name, u.role, u.environments, loop_clock_ms());
    store_audit(a->store, u.name, "login", NULL, NULL, "ok");
    log_info("user '%s' logged in (%s)", u.name, store_role_name(u.role));
    store_user_release(&u);
    set_cookie(a, op->req, s->id, false);
    reply_result(op->req, 200, account_session_json(s));
}

void account_login(struct account *a, struct http_req *req)
{
    if (!same_origin(a, req)) {
        reply_error(req, 403, 0, "FORBIDDEN", "a login from another site's page");
        return;
    }
    size_t len;
    const char *body = http_req_body(req, &len);
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *user = json_string_value(json_object_get(j, "username"));
    const char *pass = json_string_value(json_object_get(j, "password"));
    /* the name goes to the log */
    if (!user || !printable(user, 255) || !pass) {
        json_decref(j);
        bad_request(req, "expected a JSON object with \"username\" (printable) and \"password\"");
        return;
    }
    char *addr_key = xasprintf("addr:%s", http_req_client(req));
    char *ukey = user_key(user);
    bool wait = throttled(a, req, ukey, addr_key);
    free(ukey);
    if (wait) {
        store_audit(a->store, user, "login", NULL, NULL, "throttled");
        log_warn("login for user '%s' from %s refused: too many failures", user, addr_key + 5);
        free(addr_key);
        json_decref(j);
        return;
    }
    struct op *op = op_new(a, req, OP_LOGIN, user, user);
    op->addr_key = addr_key;
    struct store_user u;
    int got = store_user_get(a->store, user, &u);
    if (got < 0) {
        reply_error(req, 500, 30, "FAILED", "cannot read the users");
        op_free(op);
        json_decref(j);
        return;
    }
    op->found = got == 1;
    /* unknown users cost a hash too, so timing does not tell them apart */
    op->stored = xstrdup(op->found ? u.hash : store_dummy_hash(a->store));
    if (got == 1)
        store_user_release(&u);
    /* no password of ours is that long, or holds a NUL */
    size_t plen = json_string_length(json_object_get(j, "password"));
    if (plen > HASHER_PASSWORD_MAX || plen != strlen(pass)) {
        login_failed(op, "impossible password");
        op_free(op);
    } else {
        op_submit(op, pass, op->stored);
    }
    json_decref(j);
}

void account_logout(struct account *a, struct http_req *req, struct session *s)
{
    store_audit(a->store, s->user, "logout", NULL, NULL, "ok");
    session_end(a->ss, s);
    set_cookie(a, req, "", true);
    reply_result(req, 200, json_true());
}

/* ---- the hasher's answers ---- */

/* Apply a change (hash or NULL) to op->user; answers. */
static void apply_change(struct op *op, const char *hash);
static void apply_add(struct op *op, const char *hash);

static void password_done(struct op *op, enum hasher_result r, const char *hash)
{
    struct account *a = op->a;
    if (r == HASHER_FAILED) {
        reply_error(op->req, 503, 0, "BUSY", "cannot check the password now");
        return;
    }
    if (op->kind == OP_PASSWORD_OLD) {
        char *ukey = user_key(op->user);
        if (r != HASHER_OK) {
            throttle_fail(&a->throttle, ukey, loop_clock_ms());
            free(ukey);
            store_audit(a->store, op->user, "password", NULL, op->user, "failed");
            log_warn("user '%s': password change refused: the old password is wrong", op->user);
            reply_error(op->req, 403, 0, "FORBIDDEN", "the old password is wrong");
            return;
        }
        throttle_reset(&a->throttle, ukey);
        free(ukey);
        /* now the new one's hash, in a new op (this one is freed) */
        char *secret = op->secret;
        op->secret = NULL;
        struct op *again = op_new(a, op->req, OP_PASSWORD_NEW, op->user, op->actor);
        memcpy(again->sid, op->sid, sizeof again->sid);
        again->stored = op->stored;
        op->stored = NULL;
        op_submit(again, secret, NULL);
        zfree(secret);
        return;
    }
    /* OP_PASSWORD_NEW: it must still be the hash we checked the old one with */
    struct store_user u;
    if (store_user_get(a->store, op->user, &u) != 1 || strcmp(u.hash, op->stored) != 0) {
        if (u.name)
            store_user_release(&u);
        store_audit(a->store, op->user, "password", NULL, op->user, "conflict");
        reply_error(op->req, 409, 0, "CONFLICT", "the user changed meanwhile: try again");
        return;
    }
    store_user_release(&u);
    apply_change(op, hash);
}

static void hashed(void *arg, enum hasher_result r, const char *hash)
{
    struct op *op = arg;
    op->hr = NULL;
    /* the answer ends the request, unless it goes on to another hash */
    http_req_set_data(op->req, NULL, NULL);
    switch (op->kind) {
    case OP_LOGIN:
        login_done(op, r);
        break;
    case OP_PASSWORD_OLD:
    case OP_PASSWORD_NEW:
        password_done(op, r, hash);
        break;
    case OP_USER_ADD:
    case OP_USER_CHANGE:
        if (r != HASHER_OK) {
            reply_error(op->req, 503, 0, "BUSY", "cannot hash the password now");
            break;
        }
        if (op->kind == OP_USER_ADD)
            apply_add(op, hash);
        else
            apply_change(op, hash);
        break;
    }
    op_free(op);
}

/* ---- password ---- */

void account_password(struct account *a, struct http_req *req, struct session *s)
{
    json_t *body = reply_body_object(req);
    if (!body)
        return;
    const char *old = json_string_value(json_object_get(body, "old"));
    const char *new = password_of(json_object_get(body, "new"));
    if (!old || !new) {
        json_decref(body);
        bad_request(req, "expected {\"old\": ..., \"new\": ...} with a new password of 8..1024 "
                         "bytes");
        return;
    }
    char *ukey = user_key(s->user);
    bool wait = throttled(a, req, ukey, NULL);
    free(ukey);
    struct store_user u;
    if (wait) {
        store_audit(a->store, s->user, "password", NULL, s->user, "throttled");
    } else if (store_user_get(a->store, s->user, &u) != 1) {
        reply_error(req, 404, 0, "NOT_FOUND", "no such user");
    } else {
        struct op *op = op_new(a, req, OP_PASSWORD_OLD, s->user, s->user);
        memcpy(op->sid, s->id, sizeof op->sid);
        op->secret = xstrdup(new);
        op->stored = xstrdup(u.hash);
        store_user_release(&u);
        if (strlen(old) > HASHER_PASSWORD_MAX)
            op_submit(op, "", op->stored); /* cannot match: a plain failure */
        else
            op_submit(op, old, op->stored);
    }
    json_decref(body);
}

/* ---- users ---- */

/* A change of role that would leave no admin. */
static bool last_admin(struct account *a, const struct store_user *u, int new_role, bool del)
{
    if (u->role != ROLE_ADMIN || (!del && (new_role < 0 || new_role == ROLE_ADMIN)))
        return false;
    return store_admin_count(a->store) <= 1;
}

static void apply_add(struct op *op, const char *hash)
{
    struct account *a = op->a;
    struct err e;
    err_clear(&e);
    if (store_user_add(a->store, op->user, hash, (enum store_role)op->role, op->envs, &e) < 0) {
        bool exists = e.code == ERR_STATE;
        store_audit(a->store, op->actor, "user_add", NULL, op->user,
                    exists ? "exists" : "FAILED");
        reply_error(op->req, exists ? 409 : 500, exists ? 0 : 30,
                    exists ? "ALREADY_EXISTS" : "FAILED", e.msg);
        return;
    }
    store_audit(a->store, op->actor, "user_add", NULL, op->user, "ok");
    log_info("user '%s' added user '%s' (%s)", op->actor, op->user,
             store_role_name((enum store_role)op->role));
    reply_user(a, op->req, op->user);
}

static void apply_change(struct op *op, const char *hash)
{
    struct account *a = op->a;
    const char *what = op->kind == OP_USER_CHANGE ? "user_change" : "password";
    struct store_user u;
    int got = store_user_get(a->store, op->user, &u);
    if (got != 1) {
        reply_error(op->req, got < 0 ? 500 : 404, 0, got < 0 ? "FAILED" : "NOT_FOUND",
                    got < 0 ? "cannot read the users" : "no such user");
        return;
    }
    if (last_admin(a, &u, op->role, false)) {
        store_user_release(&u);
        store_audit(a->store, op->actor, what, NULL, op->user, "last_admin");
        reply_error(op->req, 409, 0, "LAST_ADMIN", "the last admin cannot lose the role");
        return;
    }
    /* a form may send back what did not change: that ends no session */
    bool changed = hash || (op->role >= 0 && op->role != (int)u.role) ||
                   (op->envs && strcmp(op->envs, u.environments) != 0);
    store_user_release(&u);
    struct err e;
    err_clear(&e);
    if (store_user_update(a->store, op->user, hash, op->role, op->envs, &e) < 0) {
        store_audit(a->store, op->actor, what, NULL, op->user, "FAILED");
        reply_error(op->req, e.code == ERR_NOTFOUND ? 404 : 500, 0,
                    e.code == ERR_NOTFOUND ? "NOT_FOUND" : "FAILED", e.msg);
        return;
    }
    /* the user's other sessions end: they were opened with the old
     * password, role or environments */
    struct session *keep = op->sid[0] ? session_by_id(a->ss, op->sid) : NULL;
    unsigned ended = changed ? sessions_end_user(a->ss, op->user, keep) : 0;
    if (keep && op->role >= 0) /* an admin's own change: this session follows it */
        keep->role = (enum store_role)op->role;
    if (keep && op->envs) {
        free(keep->environments);
        keep->environments = xstrdup(op->envs);
    }
    store_audit(a->store, op->actor, what, NULL, op->user, "ok");
    log_info("user '%s': %s of user '%s' (%u other sessions ended)", op->actor,
             op->kind == OP_USER_CHANGE ? "change" : "password change", op->user, ended);
    if (op->kind == OP_USER_CHANGE)
        reply_user(a, op->req, op->user);
    else
        reply_result(op->req, 200, json_true());
}

static void users_add(struct account *a, struct http_req *req, struct session *s)
{
    json_t *body = reply_body_object(req);
    if (!body)
        return;
    const char *name = json_string_value(json_object_get(body, "username"));
    const char *pw = password_of(json_object_get(body, "password"));
    const char *rs = json_string_value(json_object_get(body, "role"));
    int role = rs ? store_role_parse(rs) : -1;
    json_t *ev = json_object_get(body, "environments");
    char *envs = ev ? envs_of(ev) : xstrdup("");
    const char *bad = NULL;
    if (json_object_size(body) != 3 + (ev != NULL))
        bad = "expected {\"username\", \"password\", \"role\", \"environments\"} and no other key";
    else if (!name || !account_username_ok(name))
        bad = "username: 1..64 of letters, digits, '.', '_', '@' and '-'";
    else if (!pw)
        bad = "password: 8..1024 bytes";
    else if (role < 0)
        bad = "role: viewer, operator or admin";
    else if (!envs)
        bad = "environments: a list of up to 100 labels of 1..64 printable bytes, no commas";
    struct store_user u;
    int got = bad ? 0 : store_user_get(a->store, name, &u);
    if (bad) {
        bad_request(req, bad);
    } else if (got != 0) {
        if (got == 1)
            store_user_release(&u);
        store_audit(a->store, s->user, "user_add", NULL, name, got < 0 ? "FAILED" : "exists");
        reply_error(req, got < 0 ? 500 : 409, 0, got < 0 ? "FAILED" : "ALREADY_EXISTS",
                    got < 0 ? "cannot read the users" : "the user exists");
    } else {
        struct op *op = op_new(a, req, OP_USER_ADD, name, s->user);
        op->role = role;
        op->envs = envs;
        envs = NULL;
        op_submit(op, pw, NULL);
    }
    free(envs);
    json_decref(body);
}

void account_users(struct account *a, struct http_req *req, struct session *s)
{
    const char *method = http_req_method(req);
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!get && strcmp(method, "POST") != 0) {
        http_add_header(req, "Allow", "GET, HEAD, POST");
        reply_error(req, 405, 0, "METHOD_NOT_ALLOWED", "method not allowed");
        return;
    }
    if (s->role != ROLE_ADMIN) {
        refuse(a, req, s, get ? "users" : "user_add", NULL, "users are for admins");
        return;
    }
    if (!get) {
        users_add(a, req, s);
        return;
    }
    json_t *list = store_user_list(a->store);
    if (list)
        reply_result(req, 200, list);
    else
        reply_error(req, 500, 30, "FAILED", "cannot read the users");
}

/* actor is a copy: deleting oneself ends the session it came from. */
static void user_delete(struct account *a, struct http_req *req, const char *actor,
                        const struct store_user *u)
{
    if (last_admin(a, u, -1, true)) {
        store_audit(a->store, actor, "user_delete", NULL, u->name, "last_admin");
        reply_error(req, 409, 0, "LAST_ADMIN", "the last admin cannot be deleted");
        return;
    }
    struct err e;
    err_clear(&e);
    if (store_user_delete(a->store, u->name, &e) < 0) {
        store_audit(a->store, actor, "user_delete", NULL, u->name, "FAILED");
        reply_error(req, 500, 30, "FAILED", e.msg);
        return;
    }
    unsigned ended = sessions_end_user(a->ss, u->name, NULL);
    store_audit(a->store, actor, "user_delete", NULL, u->name, "ok");
    log_info("user '%s' deleted user '%s' (%u sessions ended)", actor, u->name, ended);
    reply_result(req, 200, json_true());
}

static void user_change(struct account *a, struct http_req *req, struct session *s,
                        const char *name)
{
    json_t *body = reply_body_object(req);
    if (!body)
        return;
    json_t *pv = json_object_get(body, "password"), *rv = json_object_get(body, "role"),
           *ev = json_object_get(body, "environments");
    const char *pw = pv ? password_of(pv) : NULL;
    int role = rv ? (json_is_string(rv) ? store_role_parse(json_string_value(rv)) : -1) : -1;
    char *envs = ev ? envs_of(ev) : NULL;
    size_t given = (pv != NULL) + (rv != NULL) + (ev != NULL);
    const char *bad = NULL;
    if (given == 0 || json_object_size(body) != given)
        bad = "expected any of {\"password\", \"role\", \"environments\"} and no other key";
    else if (pv && !pw)
        bad = "password: 8..1024 bytes";
    else if (rv && role < 0)
        bad = "role: viewer, operator or admin";
    else if (ev && !envs)
        bad = "environments: a list of up to 100 labels of 1..64 printable bytes, no commas";
    if (bad) {
        bad_request(req, bad);
    } else {
        struct op *op = op_new(a, req, OP_USER_CHANGE, name, s->user);
        if (strcmp(name, s->user) == 0)
            memcpy(op->sid, s->id, sizeof op->sid); /* an admin's own change keeps this one */
        op->role = role;
        op->envs = envs;
        envs = NULL;
        if (pw) {
            op_submit(op, pw, NULL);
        } else {
            apply_change(op, NULL);
            op_free(op);
        }
    }
    free(envs);
    json_decref(body);
}

void account_user(struct account *a, struct http_req *req, struct session *s, const char *name)
{
    const char *method = http_req_method(req);
    bool del = strcmp(method, "DELETE") == 0;
    if (!del && strcmp(method, "POST") != 0) {
        http_add_header(req, "Allow", "POST, DELETE");
        reply_error(req, 405, 0, "METHOD_NOT_ALLOWED", "method not allowed");
        return;
    }
    if (!printable(name, 255)) {
        reply_error(req, 404, 0, "NOT_FOUND", "no such user");
        return;
    }
    if (s->role != ROLE_ADMIN) {
        refuse(a, req, s, del ? "user_delete" : "user_change", name, "users are for admins");
        return;
    }
    struct store_user u;
    int got = store_user_get(a->store, name, &u);
    if (got != 1) {
        reply_error(req, got < 0 ? 500 : 404, 0, got < 0 ? "FAILED" : "NOT_FOUND",
                    got < 0 ? "cannot read the users" : "no such user");
        return;
    }
    if (del) {
        char *actor = xstrdup(s->user);
        user_delete(a, req, actor, &u);
        free(actor);
    } else {
        user_change(a, req, s, name);
    }
    store_user_release(&u);
}

/* ---- lifecycle ---- */

struct account *account_new(struct store *store, struct hasher *hasher, struct sessions *ss,
                            const struct config *cfg)
{
    struct account *a = xcalloc(1, sizeof *a);
    a->store = store;
    a->hasher = hasher;
    a->ss = ss;
    a->tls = cfg->tls_cert != NULL;
    throttle_init(&a->throttle, cfg->login_delay_ms, cfg->login_delay_max_ms);
    return a;
}

void account_free(struct account *a)
{
    if (!a)
        return;
    while (a->ops) {
        struct op *op = a->ops;
        if (op->hr)
            hasher_cancel(a->hasher, op->hr);
        op_free(op);
    }
    throttle_release(&a->throttle);
    free(a);
}
