/* web_assets: the files of src/supervisord/web/, embedded at build time by
 * a Makefile rule (the generated web_assets.c). Read-only, static. */
#ifndef WEB_ASSETS_H
#define WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *name;          /* file name, e.g. "supervisor.css" */
    const unsigned char *data; /* len bytes (plus a NUL) */
    size_t len;
};

/* Terminated by an entry with a NULL name. */
extern const struct web_asset web_assets[];

#endif
