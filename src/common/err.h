/* err: the caller-owned error record every fallible function fills.
 * Functions return 0 on success or -1 and set *e (when e is non-NULL). */
#ifndef ERR_H
#define ERR_H

enum err_code {
    ERR_NONE = 0,
    ERR_CONFIG,   /* bad configuration: exits 2 at startup, CANT_REREAD on reload */
    ERR_USAGE,    /* bad command line */
    ERR_SYSTEM,   /* an OS call failed; errno-derived text in msg */
    ERR_SPAWN,    /* a child could not be started; msg is Supervisor's spawnerr */
    ERR_STATE,    /* operation not allowed in the current state */
    ERR_NOTFOUND, /* no such process or group */
};

struct err {
    enum err_code code;
    char msg[8192]; /* long: Python's messages list every available name */
};

void err_clear(struct err *e);
/* Sets code and message (truncated to fit). Returns -1 so callers can
 * `return err_set(e, ...)`. e may be NULL. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the existing message: "<prefix><old msg>". */
void err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append to the existing message: "<old msg><suffix>". */
void err_suffix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
