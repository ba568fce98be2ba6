/* datatypes: the value converters of Supervisor's datatypes.py, with its
 * exact error texts (ERR_CONFIG). Each returns 0, or -1 with e set.
 * Pure functions except the user/group and filesystem lookups. */
#ifndef DATATYPES_H
#define DATATYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Python int(): sign, surrounding whitespace, '_' between digits.
 * "invalid literal for int() with base 10: '1.5'" */
int dt_integer(const char *s, long long *out, struct err *e);
/* yes/true/on/1, no/false/off/0 (any case). "not a valid boolean value: 'maybe'" */
int dt_boolean(const char *s, bool *out, struct err *e);
/* "50MB", "1Gb", "10 KB", "123". "invalid literal for int() with base 10: '10b'" */
int dt_byte_size(const char *s, long long *out, struct err *e);
/* int(x, 8), also "0o27". "089 can not be converted to an octal type" */
int dt_octal(const char *s, long long *out, struct err *e);
/* number or name ("TERM", "sigterm"). Accepts 0..31, 34, 64.
 * "value 'FOO' is not a valid signal name" / "value '40' is not a valid signal number" */
int dt_signal(const char *s, int *out, struct err *e);
/* "SIGTERM" etc. as Supervisor's signame(); NULL for an unknown number. */
const char *dt_signame(int sig);
/* Comma list of 0..255 into a 256-bit set. "" -> empty set.
 * "not a valid list of exit codes: '0,256'" */
int dt_exitcodes(const char *s, uint8_t set[32], struct err *e);
static inline bool dt_exitcode_in(const uint8_t set[32], int code)
{
    return code >= 0 && code < 256 && (set[code >> 3] & (1u << (code & 7)));
}

enum autorestart { AUTORESTART_NEVER, AUTORESTART_UNEXPECTED, AUTORESTART_ALWAYS };
/* "invalid 'autorestart' value 'sometimes'" */
int dt_autorestart(const char *s, enum autorestart *out, struct err *e);

/* Main-log levels with Supervisor's numbers. */
enum loglevel {
    LOGLEVEL_BLATHER = 3, LOGLEVEL_TRACE = 5, LOGLEVEL_DEBUG = 10, LOGLEVEL_INFO = 20,
    LOGLEVEL_WARN = 30, LOGLEVEL_ERROR = 40, LOGLEVEL_CRITICAL = 50,
};
/* critical error warn info debug trace blather. "bad logging level name 'verbose'" */
int dt_loglevel(const char *s, int *out, struct err *e);

/* ~ expanded, must be a directory; result not absolutized (caller frees).
 * "<path> is not an existing directory" */
int dt_existing_directory(const char *s, char **out, struct err *e);
/* ~ expanded; its dirname must exist (or be empty).
 * "The directory named as part of the path <path> does not exist" */
int dt_existing_dirpath(const char *s, char **out, struct err *e);

enum logfile_kind { LOGFILE_NONE, LOGFILE_AUTO, LOGFILE_SYSLOG, LOGFILE_PATH };
/* none/off -> NONE; auto -> AUTO; syslog -> SYSLOG (deprecated); "" -> NONE;
 * else existing_dirpath -> PATH with *path set (caller frees). */
int dt_logfile_name(const char *s, enum logfile_kind *kind, char **path, struct err *e);

/* Numeric uid (must exist) or user name; also gives the primary gid.
 * "Invalid user name foo" / "Invalid user id 99999" */
int dt_name_to_uid(const char *s, uid_t *uid, gid_t *gid, struct err *e);
/* "user" -> (uid, -1) or "user:group". "Invalid user:group definition x" */
int dt_user_group(const char *s, uid_t *uid, gid_t *gid, struct err *e);
/* "port", "host:port", "*:port" (host NULL = all interfaces; lower-cased).
 * Errors as Python's inet_address. *host: caller frees. */
int dt_inet_address(const char *s, char **host, int *port, struct err *e);
/* Strip and validate: no space, ':' or '/'.
 * "Invalid name: 'a b' because of character: ' '". *out: caller frees. */
int dt_process_or_group_name(const char *s, char **out, struct err *e);

struct kv {
    char *key;   /* owned */
    char *value; /* owned */
};
struct kvlist {
    struct kv *v; /* owned, in order; setting an existing key replaces its value in place */
    size_t n, cap;
};
void kvlist_init(struct kvlist *l);
void kvlist_release(struct kvlist *l);
void kvlist_set(struct kvlist *l, const char *key, const char *value);
const char *kvlist_get(const struct kvlist *l, const char *key);
void kvlist_copy(struct kvlist *dst, const struct kvlist *src); /* dst inited */
/* Same keys with the same values, order ignored (Python dict equality). */
bool kvlist_equal(const struct kvlist *a, const struct kvlist *b);
/* Removes key if present, keeping the order of the rest. */
void kvlist_del(struct kvlist *l, const char *key);

/* environment= (dict_of_key_value_pairs): Python's non-POSIX shlex rules.
 * Pairs are added to *out (kvlist_set, so existing keys are replaced).
 * An unterminated quote fails with "No closing quotation" (shlex's text).
 * Where Python errors, this errors the same way:
 *   "Unexpected end of key/value pairs in value '<raw>'"
 * Where Python silently truncates or swallows (A=hello world -> 'hello',
 * A=$HOME -> '$', A=café -> 'caf', '#' comments, a separator other than ',' or ';'
 * token), we keep the whole comma-separated value instead and append one
 * human-readable warning per such key to *warnings (a kvlist of
 * key -> message; may be NULL to ignore). Quoted values are verbatim. */
int dt_env_pairs(const char *s, struct kvlist *out, struct kvlist *warnings, struct err *e);

/* Python's repr() of a str, for messages: 'abc', "it's", with \n \t \\ escapes
 * (see ini_pyrepr). Caller frees. */
char *dt_pyrepr(const char *s);

#endif
