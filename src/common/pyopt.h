/* pyopt: command-line options read as Python's getopt.getopt reads them
 * (Supervisor's Options.realize): short options clustered ("-nc file",
 * "-cfile"), long options with a unique-prefix match ("--config=f",
 * "--nod"), all of argv parsed before any option is acted on, stopping at
 * "--" or at the first argument that is not an option. */
#ifndef PYOPT_H
#define PYOPT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct pyopt {
    char shortname;       /* 0: long only */
    const char *longname; /* NULL: short only */
    bool has_arg;
    int id; /* the caller's */
};

/* One option as given, in command-line order. */
struct pyopt_item {
    const struct pyopt *o;
    char given[64];  /* "-c" or "--configuration": what messages name */
    const char *arg; /* borrowed from argv; NULL without an argument */
};

/* Parse argv[1..]. Returns the index of the first positional argument and
 * *items (caller frees; *n of them), or -1 + e (ERR_USAGE) with getopt's
 * message: "option --x not recognized", "option --co not a unique prefix",
 * "option -c requires argument", "option --nodaemon must not have an
 * argument". */
int pyopt_parse(const struct pyopt *opts, size_t nopts, int argc, char **argv,
                struct pyopt_item **items, size_t *n, struct err *e);

#endif
