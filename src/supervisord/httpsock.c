/* httpsock: opening the HTTP listening sockets as Supervisor does. */
#include "httpsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"

static const char in_use_msg[] =
    "Another program is already listening on a port that one of our HTTP servers is "
    "configured to use.  Shut this program down first before starting supervisord.";

static int sock_error(struct err *e, int errnum)
{
    if (errnum == EADDRINUSE)
        return err_set(e, ERR_CONFIG, "%s", in_use_msg);
    return err_set(e, ERR_CONFIG, "Cannot open an HTTP server: socket.error reported errno.%s (%d)",
                   spawn_errno_name(errnum), errnum);
}

static bool unix_answers(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool ok = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    close(fd);
    return ok;
}

static int open_unix(const struct server_config *sc, struct err *e)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sc->file) >= sizeof sa.sun_path)
        return err_set(e, ERR_CONFIG, "Cannot open an HTTP server: socket path too long: '%s'",
                       sc->file);
    strcpy(sa.sun_path, sc->file);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return sock_error(e, errno);
    for (int attempt = 0;; attempt++) {
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        int errnum = errno;
        if (errnum != EADDRINUSE || attempt > 0) {
            close(fd);
            return sock_error(e, errnum);
        }
        if (unix_answers(&sa)) {
            close(fd);
            return sock_error(e, EADDRINUSE);
        }
        /* Supervisor says this on stderr, not in the log. */
        fprintf(stderr, "Unlinking stale socket %s\n", sc->file);
        unlink(sc->file);
    }
    if (chmod(sc->file, (mode_t)sc->chmod) < 0) {
        int errnum = errno;
        close(fd);
        unlink(sc->file);
        return sock_error(e, errnum);
    }
    if ((sc->chown_uid != (uid_t)-1 || sc->chown_gid != (gid_t)-1) &&
        chown(sc->file, sc->chown_uid, sc->chown_gid) < 0) {
        close(fd);
        unlink(sc->file);
        return err_set(e, ERR_CONFIG, "Not permitted to chown %s to uid/gid %d/%d; adjust "
                       "\"sockchown\" value in config file or on command line to values "
                       "that the current user (%d) can successfully chown",
                       sc->file, (int)sc->chown_uid, (int)sc->chown_gid, (int)getuid());
    }
    if (listen(fd, 128) < 0) {
        int errnum = errno;
        close(fd);
        return sock_error(e, errnum);
    }
    return fd;
}

static int open_inet(const struct server_config *sc, struct err *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", sc->port);
    const char *host = sc->host && *sc->host ? sc->host : NULL;
    if (!host)
        hints.ai_family = AF_INET; /* Supervisor binds '' = all IPv4 interfaces */
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return err_set(e, ERR_CONFIG, "Cannot open an HTTP server: cannot resolve '%s': %s",
                       host ? host : "", gai_strerror(rc));
    int fd = -1, errnum = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            errnum = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
            break;
        errnum = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return sock_error(e, errnum);
    return fd;
}

int httpsock_open(const struct server_config *sc, struct err *e)
{
    return sc->type == SERVER_UNIX ? open_unix(sc, e) : open_inet(sc, e);
}

void httpsock_close(const struct server_config *sc, int fd)
{
    if (fd >= 0)
        close(fd);
    if (sc->type == SERVER_UNIX && sc->file)
        unlink(sc->file);
}

int httpsock_fcgi_open(const struct group_config *gc, struct err *e)
{
    const char *url = gc->socket;
    int fd = -1;
    log_info("Creating socket %s", url);
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof sa.sun_path)
            return err_set(e, ERR_SYSTEM, "AF_UNIX path too long");
        strcpy(sa.sun_path, path);
        unlink(path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return err_set(e, ERR_SYSTEM, "[Errno %d] %s", errno, strerror(errno));
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
            (gc->has_socket_owner && chown(path, gc->socket_uid, gc->socket_gid) < 0) ||
            chmod(path, (mode_t)gc->socket_mode) < 0) {
            int errnum = errno;
            close(fd);
            unlink(path);
            return err_set(e, ERR_SYSTEM, "[Errno %d] %s: '%s'", errnum, strerror(errnum), path);
        }
    } else if (strncmp(url, "tcp://", 6) == 0) {
        const char *hp = url + 6;
        const char *colon = strrchr(hp, ':');
        if (!colon)
            return err_set(e, ERR_SYSTEM, "bad socket url '%s'", url);
        char host[256];
        snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICSERV};
        struct addrinfo *res = NULL;
        int rc = getaddrinfo(host, colon + 1, &hints, &res);
        if (rc != 0)
            return err_set(e, ERR_SYSTEM, "%s", gai_strerror(rc));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0)
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
            int errnum = errno;
            if (fd >= 0)
                close(fd);
            freeaddrinfo(res);
            return err_set(e, ERR_SYSTEM, "[Errno %d] %s", errnum, strerror(errnum));
        }
        freeaddrinfo(res);
    } else {
        return err_set(e, ERR_SYSTEM, "bad socket url '%s'", url);
    }
    if (listen(fd, gc->socket_backlog > 0 ? (int)gc->socket_backlog : SOMAXCONN) < 0) {
        int errnum = errno;
        close(fd);
        return err_set(e, ERR_SYSTEM, "[Errno %d] %s", errnum, strerror(errnum));
    }
    return fd;
}

void httpsock_fcgi_close(const struct group_config *gc, int fd)
{
    log_info("Closing socket %s", gc->socket);
    close(fd);
}
