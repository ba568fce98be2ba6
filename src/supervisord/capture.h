/* capture: one output channel (stdout or stderr) of a child. Takes the bytes
 * read from the pipe and sends them where the config says: the log file
 * (borrowed logfile), syslog ("<name> " prefixed lines), the main log at
 * DEBG ("'<name>' stdout output:\n<data>"), PROCESS_LOG events, and capture
 * mode (<!--XSUPERVISOR:BEGIN--> ... <!--XSUPERVISOR:END--> ->
 * PROCESS_COMMUNICATION events). strip_ansi removes CSI sequences.
 * Unlike Supervisor, bytes held back while looking for a token are written
 * at EOF instead of being lost (doc/compat.md). */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

struct logfile;

struct capture_hooks {
    void *ctx;
    /* PROCESS_LOG_STDOUT/STDERR payload data (only if events_enabled). */
    void (*log_event)(void *ctx, const char *channel, const void *data, size_t n);
    /* PROCESS_COMMUNICATION_STDOUT/STDERR with the captured bytes. */
    void (*comm_event)(void *ctx, const char *channel, const void *data, size_t n);
};

struct capture_config {
    const char *name;          /* process name (copied) */
    const char *channel;       /* "stdout" or "stderr" (copied) */
    struct logfile *log;       /* borrowed; NULL: no file */
    bool syslog;
    bool strip_ansi;
    long long capture_maxbytes; /* > 0 enables capture mode */
    bool events_enabled;
    bool mainlog_repr;         /* listener stdout: main log shows a bytes repr
                                * of the raw (unstripped) data. Supervisor's
                                * listener dispatcher also has no syslog, no
                                * capture mode and no events: set those off. */
};

/* Whether the main log gets a DEBG copy of each chunk is decided here, from
 * log_enabled(LOG_DEBG), as Supervisor decides it per spawn. hooks may be
 * NULL or have NULL members. Never fails. */
struct capture *capture_new(const struct capture_config *cfg, const struct capture_hooks *hooks);
void capture_free(struct capture *c);   /* NULL ok; does not close the logfile */
/* Feed bytes read from the pipe (any size, any split). A log file write
 * error is logged once (ERRO) until a write succeeds again. */
void capture_feed(struct capture *c, const void *data, size_t n);
/* The pipe reached EOF or the process was reaped: route what is held back
 * (a token is still recognised, however short; a partial token is written
 * as data). Bytes captured after a BEGIN with no END are dropped, as in
 * Supervisor. Idempotent. */
void capture_flush(struct capture *c);
/* Point at a different log file (reopen, clear). */
void capture_set_log(struct capture *c, struct logfile *log);

#endif
