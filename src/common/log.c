/* log: the process-wide main log. Owns the main logfile and the handler
 * settings; formats "<date> <LEVL> <message>\n" and fans each line out to
 * the file, syslog, stdout and a test sink. Rotation lives in logfile.c. */

/* syslog.h's LOG_INFO/LOG_CRIT macros collide with our level names: take
 * the one value we need, then drop them before including log.h. */
#include <syslog.h>
static const int syslog_priority = LOG_INFO;
#undef LOG_INFO
#undef LOG_CRIT

#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "logfile.h"
#include "xalloc.h"

static struct {
    bool open;
    int level;
    struct logfile *file;   /* owned; NULL: no file */
    bool syslog;
    bool to_stdout;
    bool strip_ansi;
    bool early_stderr;
    bool file_failing;      /* a write error was reported; quiet until it heals */
    log_sink_fn sink;
    void *sink_arg;
} g = {.level = LOG_INFO};

const char *log_level_name(int level)
{
    switch (level) {
    case LOG_CRIT: return "CRIT";
    case LOG_ERRO: return "ERRO";
    case LOG_WARN: return "WARN";
    case LOG_INFO: return "INFO";
    case LOG_DEBG: return "DEBG";
    case LOG_TRAC: return "TRAC";
    case LOG_BLAT: return "BLAT";
    default: return "????";
    }
}

int log_open(const struct log_config *cfg, struct err *e)
{
    struct logfile *file = NULL;
    bool to_syslog = false;
    if (cfg->path && strcmp(cfg->path, "syslog") == 0)
        to_syslog = true;
    else if (cfg->path) {
        file = logfile_open(cfg->path, cfg->maxbytes, cfg->backups, e);
        if (!file)
            return -1;
    }
    logfile_close(g.file);
    g.file = file;
    g.syslog = to_syslog;
    g.to_stdout = cfg->to_stdout;
    g.strip_ansi = cfg->strip_ansi;
    g.level = cfg->level;
    g.file_failing = false;
    g.open = true;
    return 0;
}

int log_reopen(struct err *e)
{
    if (!g.file)
        return 0;
    g.file_failing = false;
    return logfile_reopen(g.file, e);
}

void log_close(void)
{
    logfile_close(g.file);
    g.file = NULL;
    g.syslog = false;
    g.to_stdout = false;
    g.open = false;
}

void log_set_level(int level)
{
    g.level = level;
}

int log_level(void)
{
    return g.level;
}

void log_set_early_stderr(bool on)
{
    g.early_stderr = on;
}

void log_set_sink(log_sink_fn fn, void *arg)
{
    g.sink = fn;
    g.sink_arg = arg;
}

const char *log_path(void)
{
    return g.file ? logfile_path(g.file) : NULL;
}

struct logfile *log_file(void)
{
    return g.file;
}

void log_strip_ansi(const void *data, size_t n, struct buf *out)
{
    static const char terminators[] = "HfABCDRsuJKhlpm";
    const char *s = data;
    size_t i = 0;
    while (i < n) {
        const char *esc = memmem(s + i, n - i, "\x1b[", 2);
        if (!esc) {
            buf_append(out, s + i, n - i);
            return;
        }
        buf_append(out, s + i, (size_t)(esc - (s + i)));
        /* stripEscapes resumes its terminator search at the '[' itself. */
        i = (size_t)(esc - s) + 1;
        while (i < n && !memchr(terminators, s[i], sizeof terminators - 1))
            i++;
        i++; /* past the terminator (or past the end) */
    }
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* stdout/stderr gone (EPIPE): nothing better to do */
        p += w;
        n -= (size_t)w;
    }
}

void log_syslog(const char *prefix, const void *text, size_t len)
{
    const char *s = text;
    while (len > 0 && s[len - 1] == '\n')
        len--;
    /* rstrip then split: an all-newline text still sends one empty line. */
    size_t start = 0;
    for (;;) {
        const char *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len;
        syslog(syslog_priority, "%s%.*s", prefix, (int)(end - start), s + start);
        if (!nl)
            break;
        start = end + 1;
    }
}

/* "%Y-%m-%d %H:%M:%S,mmm" in local time, milliseconds truncated. */
static void timestamp(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ",%03d", (int)(ts.tv_nsec / 1000000));
}

static void emit(int level, const char *text, size_t len)
{
    bool early = !g.open && g.early_stderr;
    if (!g.open && !g.sink && !early)
        return;
    struct buf stripped;
    buf_init(&stripped);
    if (g.strip_ansi) {
        log_strip_ansi(text, len, &stripped);
        text = stripped.data;
        len = stripped.len;
    }
    char ts[32];
    timestamp(ts);
    const char *name = log_level_name(level);
    struct buf line;
    buf_init(&line);
    buf_printf(&line, "%s %s ", ts, name);
    size_t head = line.len;
    buf_append(&line, text, len);
    buf_putc(&line, '\n');

    if (g.sink)
        g.sink(g.sink_arg, level, line.data, line.len);
    if (early)
        write_all(STDERR_FILENO, line.data, line.len);
    if (g.open && g.to_stdout)
        write_all(STDOUT_FILENO, line.data, line.len);
    if (g.open && g.file) {
        struct err e;
        if (logfile_write(g.file, line.data, line.len, &e) < 0) {
            /* The main log cannot report its own failure: say it once on
             * stderr, then again only after a write succeeded. */
            if (!g.file_failing) {
                char msg[sizeof e.msg + 2];
                int n = snprintf(msg, sizeof msg, "%s\n", e.msg);
                write_all(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
            }
            g.file_failing = true;
        } else {
            g.file_failing = false;
        }
    }
    if (g.open && g.syslog) {
        /* Supervisor formats each line of the message with the full record
         * format, so every syslog line carries the date and level. */
        line.data[head] = '\0';
        char *prefix = xstrdup(line.data);
        log_syslog(prefix, text, len);
        free(prefix);
    }
    buf_release(&line);
    buf_release(&stripped);
}

void log_raw(int level, const char *text, size_t len)
{
    if (level < g.level)
        return;
    emit(level, text, len);
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
    if (level < g.level)
        return;
    struct buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    emit(level, b.data, b.len);
    buf_release(&b);
}

void log_msg(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
