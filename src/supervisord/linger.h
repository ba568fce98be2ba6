/* linger: lingering close, as Apache httpd does it. A server that answers
 * before reading a request body (413 on its Content-Length) must then drop
 * the connection; closing a socket with input still arriving resets it,
 * and a client still sending its body sees the reset instead of the answer.
 * A lingering socket has had its answer sent and its write side shut down;
 * what the client still sends is read and dropped until it closes, up to a
 * byte bound and a deadline, and only then is the socket closed. The number
 * of lingering sockets is capped: past it a socket is closed at once. An
 * empty set arms nothing. */
#ifndef LINGER_H
#define LINGER_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct linger_set;

#define LINGER_MAX 32                    /* sockets at once */
#define LINGER_MS 5000                   /* longest wait for the client to finish */
#define LINGER_BYTES (64u * 1024 * 1024) /* most bytes dropped per socket */

struct linger_set *linger_new(struct loop *l);
/* Closes every lingering socket. NULL ok. */
void linger_free(struct linger_set *ls);
/* Take fd (a connected stream socket, non-blocking) and close it once the
 * peer has closed, LINGER_BYTES were dropped or LINGER_MS passed. */
void linger_add(struct linger_set *ls, int fd);
size_t linger_count(const struct linger_set *ls);

#endif
