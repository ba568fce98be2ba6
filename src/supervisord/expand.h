/* expand: Python's "s % dict" as Supervisor uses it for %(name)s expansion.
 * Supports the printf-style mini-language with mapping keys: %(k)s, %(k)d,
 * %(k)02d, %(k)r, flags/width/precision, %%; a bare %s formats the whole
 * mapping as a Python dict repr (as Python does). Messages match Python's. */
#ifndef EXPAND_H
#define EXPAND_H

#include <stddef.h>

#include "err.h"

enum expand_type { EXPAND_STR, EXPAND_INT };

struct expand_var {
    char *name;  /* owned */
    enum expand_type type;
    char *s;     /* owned; EXPAND_STR */
    long long i; /* EXPAND_INT */
};

/* A mapping of names to values; setting an existing name replaces it. */
struct expand_vars {
    struct expand_var *v; /* owned array, insertion order */
    size_t n, cap;
};

void expand_vars_init(struct expand_vars *vs);
void expand_vars_release(struct expand_vars *vs);
void expand_vars_copy(struct expand_vars *dst, const struct expand_vars *src); /* dst inited */
void expand_vars_set_str(struct expand_vars *vs, const char *name, const char *value);
void expand_vars_set_int(struct expand_vars *vs, const char *name, long long value);
/* Adds ENV_<NAME> for every entry of environ-style array (NULL-terminated). */
void expand_vars_add_environ(struct expand_vars *vs, char *const *envp);
const struct expand_var *expand_vars_get(const struct expand_vars *vs, const char *name);

/* Expand s. Returns a malloc'd string, or NULL with e set (ERR_CONFIG) to:
 *   "Format string '<s>' for '<name>' contains names ('<key>') which cannot be
 *    expanded. Available names: <sorted names, ', '-joined>"
 *   "Format string '<s>' for '<name>' is badly formatted: <python message>"
 *   (e.g. "incomplete format", "unsupported format character 'z' (0x7a) at index 1",
 *    "%d format: a real number is required, not str") */
char *expand(const char *s, const struct expand_vars *vs, const char *name, struct err *e);

#endif
