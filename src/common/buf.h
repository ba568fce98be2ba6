/* buf: a growable byte buffer, always NUL-terminated (like git's strbuf).
 * The struct owns `data`; buf_release() frees it, buf_detach() hands it over. */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* owned; never NULL after buf_init */
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);                         /* len = 0, keep memory */
void buf_reserve(struct buf *b, size_t extra);         /* room for extra more bytes */
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_put_int(struct buf *b, long long v); /* decimal, without printf: hot JSON paths */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_consume(struct buf *b, size_t n);             /* drop the first n bytes */
char *buf_detach(struct buf *b); /* caller frees; b is left released (buf_init to reuse) */

#endif
