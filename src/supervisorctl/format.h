/* format: the text supervisorctl prints, built exactly as Python's
 * supervisorctl.py builds it (%-Ns padding by code points, cmd.Cmd's
 * columnize, namespecs, Python reprs of exceptions and bytes). Pure
 * functions on buffers: no I/O, no RPC. */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* make_namespec: "name" when group == name, else "group:name"; a NULL name
 * is Python's None ("group:None"). Caller frees. */
char *fmt_namespec(const char *group, const char *name);
/* split_namespec: "g:p" -> (g, p); "g:" or "g:*" -> (g, NULL); "p" -> (p, p).
 * *group and *name (NULL for None) are the caller's. */
void fmt_split_namespec(const char *ns, char **group, char **name);

/* Python's '%-Ns' % s: s padded with spaces to width code points. */
void fmt_ljust(struct buf *out, const char *s, size_t width);

/* One row of `status`: namespec, statename, description. */
struct fmt_status_row {
    const char *namespec;
    const char *statename;
    const char *description;
};
/* The rows of `status`, each "\n"-terminated: '%-{maxlen+3}s%-10s%s' with
 * maxlen = max(30, longest namespec). */
void fmt_status(struct buf *out, const struct fmt_status_row *rows, size_t n);
/* One `avail` line (no newline): '%-32s %-9s %-9s %s'. */
void fmt_avail(struct buf *out, const char *namespec, bool inuse, bool autostart,
               long long group_prio, long long process_prio);

/* cmd.Cmd.columnize(words, width): rows "\n"-terminated. */
void fmt_columnize(struct buf *out, const char *const *words, size_t n, size_t width);

/* repr() of a Python bytes object: b'...' with Python's escapes. */
void fmt_bytes_repr(struct buf *out, const char *data, size_t n);
/* repr() of a str (UTF-8 in). */
void fmt_str_repr(struct buf *out, const char *s);
/* The class of the OSError Python raises for errno e, e.g.
 * "ConnectionRefusedError" ("OSError" when it has no subclass). */
const char *fmt_oserror_class(int e);
/* "<class 'X'>, [Errno N] strerror" as an OSError prints in supervisorctl's
 * "error: ..." line. */
void fmt_oserror(struct buf *out, int e);

/* The LSB exit code supervisorctl sets from a per-result fault code:
 * unchanged (returns cur) for 0/80 (SUCCESS) and `ignored`, 7 for
 * SPAWN_ERROR/ABNORMAL_TERMINATION/NOT_RUNNING, else 1. */
int fmt_exit_from_fault(int cur, int code, int ignored);

/* Python's urlparse(url).scheme ("" when there is none). Caller frees. */
char *fmt_url_scheme(const char *url);
/* datatypes.url: a scheme and a netloc or path. */
bool fmt_url_valid(const char *url);

#endif
