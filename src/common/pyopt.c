/* pyopt: Python getopt-compatible option parsing. */
#include "pyopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A long option by exact name, else by unique prefix (getopt.long_has_args). */
static const struct pyopt *find_long(const struct pyopt *opts, size_t nopts, const char *name,
                                     size_t len, struct err *e)
{
    const struct pyopt *match = NULL;
    int count = 0;
    for (size_t i = 0; i < nopts; i++) {
        if (!opts[i].longname || strncmp(opts[i].longname, name, len) != 0)
            continue;
        if (strlen(opts[i].longname) == len)
            return &opts[i];
        match = &opts[i];
        count++;
    }
    if (!match)
        err_set(e, ERR_USAGE, "option --%.*s not recognized", (int)len, name);
    else if (count > 1)
        err_set(e, ERR_USAGE, "option --%.*s not a unique prefix", (int)len, name);
    return count == 1 ? match : NULL;
}

static const struct pyopt *find_short(const struct pyopt *opts, size_t nopts, char c, struct err *e)
{
    for (size_t i = 0; i < nopts; i++)
        if (opts[i].shortname == c)
            return &opts[i];
    err_set(e, ERR_USAGE, "option -%c not recognized", c);
    return NULL;
}

int pyopt_parse(const struct pyopt *opts, size_t nopts, int argc, char **argv,
                struct pyopt_item **items, size_t *n, struct err *e)
{
    size_t cap = 0, np = 0;
    struct pyopt_item *ps = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct pyopt *o = find_long(opts, nopts, name, len, e);
            if (!o)
                goto fail;
            const char *arg = NULL;
            if (o->has_arg) {
                if (eq)
                    arg = eq + 1;
                else if (i + 1 < argc)
                    arg = argv[++i];
                else {
                    err_set(e, ERR_USAGE, "option --%s requires argument", o->longname);
                    goto fail;
                }
            } else if (eq) {
                err_set(e, ERR_USAGE, "option --%s must not have an argument", o->longname);
                goto fail;
            }
            ps = xgrow(ps, &cap, np + 1, sizeof *ps);
            ps[np].o = o;
            snprintf(ps[np].given, sizeof ps[np].given, "--%s", o->longname);
            ps[np++].arg = arg;
            continue;
        }
        for (const char *p = a + 1; *p; p++) {
            const struct pyopt *o = find_short(opts, nopts, *p, e);
            if (!o)
                goto fail;
            ps = xgrow(ps, &cap, np + 1, sizeof *ps);
            ps[np].o = o;
            snprintf(ps[np].given, sizeof ps[np].given, "-%c", *p);
            ps[np].arg = NULL;
            if (o->has_arg) {
                if (p[1])
                    ps[np].arg = p + 1;
                else if (i + 1 < argc)
                    ps[np].arg = argv[++i];
                else {
                    err_set(e, ERR_USAGE, "option -%c requires argument", *p);
                    goto fail;
                }
                np++;
                break;
            }
            np++;
        }
    }
    *items = ps;
    *n = np;
    return i;
fail:
    free(ps);
    *items = NULL;
    *n = 0;
    return -1;
}
