/* log: the main log (supervisord.log), in Supervisor's format:
 *   "2026-11-26 15:20:18,879 INFO supervisord started with pid 11435\n"
 * Handlers: a file (rotating by size with backups, see logfile.h), syslog,
 * and a copy on stdout (nodaemon and not silent). Before log_open() messages
 * are dropped, unless log_set_early_stderr(true) (then they go to stderr) or
 * a sink is set. Tests can install a sink to see every formatted line.
 * The level defaults to INFO until log_open() or log_set_level(). */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum {
    LOG_BLAT = 3, LOG_TRAC = 5, LOG_DEBG = 10, LOG_INFO = 20,
    LOG_WARN = 30, LOG_ERRO = 40, LOG_CRIT = 50,
};

struct log_config {
    const char *path;       /* file path, "syslog", or NULL (no file) */
    long long maxbytes;     /* 0: never rotate */
    int backups;            /* 0 with maxbytes > 0: truncate on rotation */
    int level;              /* minimum level written */
    bool to_stdout;         /* copy every line to stdout */
    bool strip_ansi;        /* strip CSI sequences from every message text.
                             * Supervisor strips only child output, which
                             * capture already does: leave false to match it. */
};

/* Open (or re-open with new settings) the main log. -1 + e if the file
 * cannot be opened ("cannot open '<path>': <strerror>"); the previous
 * handlers, if any, are then kept. cfg is copied. */
int log_open(const struct log_config *cfg, struct err *e);
int log_reopen(struct err *e);        /* SIGUSR2: close and reopen the file */
void log_close(void);
void log_set_level(int level);
int log_level(void);
static inline bool log_enabled(int level)
{
    return level >= log_level();
}
/* "CRIT", "INFO", ... for a level number; "????" for an unknown one. */
const char *log_level_name(int level);
/* Before log_open(): write messages to stderr instead of dropping them. */
void log_set_early_stderr(bool on);
/* The path of the main log file, or NULL (none, syslog, or not open). */
const char *log_path(void);
/* The main log's file, for clearLog (NULL if none). Borrowed. */
struct logfile *log_file(void);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* A message whose text is given raw (may hold newlines or any bytes). */
void log_raw(int level, const char *text, size_t len);

#define log_crit(...) log_msg(LOG_CRIT, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERRO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBG, __VA_ARGS__)
#define log_trace(...) log_msg(LOG_TRAC, __VA_ARGS__)
#define log_blather(...) log_msg(LOG_BLAT, __VA_ARGS__)

struct buf;
/* Append data with CSI sequences removed to out, exactly as Supervisor's
 * dispatchers.stripEscapes: each "ESC [" and everything up to and including
 * the first of HfABCDRsuJKhlpm is dropped (an unterminated one runs to the
 * end of data; no state carries over between calls). */
void log_strip_ansi(const void *data, size_t n, struct buf *out);
/* Send text to syslog(3) at LOG_INFO as Supervisor's SyslogHandler does:
 * trailing newlines removed, then one message "<prefix><line>" per line. */
void log_syslog(const char *prefix, const void *text, size_t len);

/* Tests: receive every formatted line (with timestamp and level). NULL fn
 * removes the sink. */
typedef void (*log_sink_fn)(void *arg, int level, const char *line, size_t len);
void log_set_sink(log_sink_fn fn, void *arg);

#endif
