/* httpsock: the listening sockets of [unix_http_server] and
 * [inet_http_server], opened with Supervisor's rules: a unix socket file
 * that still answers means another supervisord is running ("Another program
 * is already listening ..."); a stale one is unlinked with a note on stderr;
 * chmod/chown applied after bind. The HTTP server (a later module) serves
 * them; until then connections are accepted and closed. */
#ifndef HTTPSOCK_H
#define HTTPSOCK_H

#include "config.h"
#include "err.h"

/* Returns a listening, non-blocking, CLOEXEC fd, or -1 + e with the text
 * Supervisor prints after "Error: ". */
int httpsock_open(const struct server_config *sc, struct err *e);
/* Close fd and remove the socket file of a unix server. */
void httpsock_close(const struct server_config *sc, int fd);

/* The listening socket of an [fcgi-program:x] group ("unix:///abs/path" or
 * "tcp://host:port"), created as Supervisor's socket_manager does: an
 * existing unix socket file is replaced, chown/chmod applied, listen with
 * socket_backlog (SOMAXCONN when 0). Logs INFO "Creating socket <url>".
 * Returns a blocking, CLOEXEC fd or -1 + e ("<strerror>"). */
int httpsock_fcgi_open(const struct group_config *gc, struct err *e);
/* Logs INFO "Closing socket <url>" and closes fd. */
void httpsock_fcgi_close(const struct group_config *gc, int fd);

#endif
