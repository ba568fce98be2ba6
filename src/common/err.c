/* err: caller-owned error records. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
    if (e) {
        e->code = ERR_NONE;
        e->msg[0] = '\0';
    }
}

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char pre[sizeof e->msg], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t np = strlen(pre), no = strlen(old);
    if (np > sizeof e->msg - 1)
        np = sizeof e->msg - 1;
    if (no > sizeof e->msg - 1 - np)
        no = sizeof e->msg - 1 - np;
    memcpy(e->msg, pre, np);
    memcpy(e->msg + np, old, no);
    e->msg[np + no] = '\0';
}

void err_suffix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return;
    size_t n = strlen(e->msg);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
    va_end(ap);
}
