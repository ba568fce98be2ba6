/* hasher: the hashing child and the parent's queue of requests to it. The
 * child knows only libcrypt and its socket; what a hash is for is the
 * caller's business (account.c, store.c). */
#include "hasher.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "xalloc.h"

enum { OP_HASH = 1, OP_VERIFY = 2 };

/* A request: this header, then the password, then the stored hash. */
struct req_hdr {
    uint32_t id;
    uint8_t op;
    uint8_t pad;
    uint16_t pwlen;
    uint16_t storedlen;
    uint16_t pad2;
};

/* An answer: this header, then the new hash (OP_HASH, HASHER_OK). */
struct rep_hdr {
    uint32_t id;
    uint8_t result;
    uint8_t pad[3];
};

#define REQ_MAX (sizeof(struct req_hdr) + HASHER_PASSWORD_MAX + HASHER_HASH_MAX)
#define REP_MAX (sizeof(struct rep_hdr) + HASHER_HASH_MAX)

struct hasher_req {
    uint32_t id;
    hasher_done_fn done; /* NULL: cancelled */
    void *arg;
    struct hasher_req *next;
};

struct hasher {
    int fd; /* owned: the parent's end of the pair */
    pid_t pid;
    struct loop *loop; /* borrowed; NULL until attached */
    bool dead;         /* the child is gone: every request fails */
    uint32_t next_id;
    struct hasher_req *head, *tail; /* owned FIFO: the child answers in order */
    unsigned n;
};

/* ---- the work, in whichever process ---- */

char *hasher_setting(void)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    return crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) ? xstrdup(salt) : NULL;
}

static char *crypt_here(const char *password)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
        return NULL;
    struct crypt_data *cd = xcalloc(1, sizeof *cd);
    const char *h = crypt_r(password, salt, cd);
    char *out = h && h[0] == '$' && strlen(h) <= HASHER_HASH_MAX ? xstrdup(h) : NULL;
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return out;
}

/* yescrypt takes 16 MiB for a hash: done in a child of ours, so that the
 * console itself never grows by that much (its peak RSS is a target). */
char *hasher_crypt(const char *password)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        close(fds[0]);
        char *h = crypt_here(password);
        size_t n = h ? strlen(h) : 0;
        ssize_t w = n ? write(fds[1], h, n) : 0;
        _exit(w == (ssize_t)n && n ? 0 : 1);
    }
    close(fds[1]);
    char buf[HASHER_HASH_MAX + 1];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == sizeof buf - 1)
            break;
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got == 0)
        return NULL;
    buf[got] = '\0';
    return xstrdup(buf);
}

bool hasher_check(const char *password, const char *stored)
{
    struct crypt_data *cd = xcalloc(1, sizeof *cd);
    const char *h = crypt_r(password, stored, cd);
    bool ok = false;
    if (h && h[0] == '$' && strlen(h) == strlen(stored)) {
        volatile unsigned char diff = 0;
        for (size_t i = 0; h[i]; i++)
            diff |= (unsigned char)(h[i] ^ stored[i]);
        ok = diff == 0;
    }
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

/* ---- the child ---- */

static void child_answer(int fd, const unsigned char *msg, size_t n)
{
    struct req_hdr q;
    unsigned char out[REP_MAX];
    struct rep_hdr r = {0};
    size_t len = sizeof r;
    memcpy(&q, msg, sizeof q);
    r.id = q.id;
    r.result = HASHER_FAILED;
    if (sizeof q + (size_t)q.pwlen + q.storedlen == n && q.pwlen <= HASHER_PASSWORD_MAX &&
        q.storedlen <= HASHER_HASH_MAX) {
        char pw[HASHER_PASSWORD_MAX + 1], stored[HASHER_HASH_MAX + 1];
        memcpy(pw, msg + sizeof q, q.pwlen);
        pw[q.pwlen] = '\0';
        memcpy(stored, msg + sizeof q + q.pwlen, q.storedlen);
        stored[q.storedlen] = '\0';
        if (q.op == OP_VERIFY) {
            r.result = hasher_check(pw, stored) ? HASHER_OK : HASHER_MISMATCH;
        } else if (q.op == OP_HASH) {
            char *h = crypt_here(pw);
            if (h) {
                r.result = HASHER_OK;
                memcpy(out + sizeof r, h, strlen(h));
                len += strlen(h);
                free(h);
            }
        }
        explicit_bzero(pw, sizeof pw);
    }
    memcpy(out, &r, sizeof r);
    while (send(fd, out, len, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

static _Noreturn void child_main(int fd, pid_t parent)
{
    /* the parent's end of things: SIGINT/SIGTERM are for it (it closes the
     * pair, and we exit on EOF); if it dies, so do we */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    unsigned char msg[REQ_MAX + 1];
    for (;;) {
        ssize_t n = recv(fd, msg, sizeof msg, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the parent closed its end */
        if ((size_t)n >= sizeof(struct req_hdr))
            child_answer(fd, msg, (size_t)n);
        explicit_bzero(msg, sizeof msg);
    }
}

struct hasher *hasher_new(struct err *e)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        err_set(e, ERR_SYSTEM, "cannot start the password hasher: socketpair: %s",
                strerror(errno));
        return NULL;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        err_set(e, ERR_SYSTEM, "cannot start the password hasher: fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return NULL;
    }
    if (pid == 0) {
        close(sv[0]);
        child_main(sv[1], parent);
    }
    close(sv[1]);
    struct hasher *h = xcalloc(1, sizeof *h);
    h->fd = sv[0];
    h->pid = pid;
    h->next_id = 1;
    return h;
}

/* ---- the parent ---- */

static struct hasher_req *pop(struct hasher *h)
{
    struct hasher_req *r = h->head;
    h->head = r->next;
    if (!h->head)
        h->tail = NULL;
    h->n--;
    return r;
}

static void child_gone(struct hasher *h, const char *why)
{
    if (h->dead)
        return;
    h->dead = true;
    log_error("the password hasher (pid %d) is gone (%s): logins and password changes fail",
              (int)h->pid, why);
    if (h->loop)
        loop_del_io(h->loop, h->fd);
    waitpid(h->pid, NULL, WNOHANG);
    while (h->head) {
        struct hasher_req *r = pop(h);
        if (r->done)
            r->done(r->arg, HASHER_FAILED, NULL);
        free(r);
    }
}

static void io_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)events;
    struct hasher *h = arg;
    unsigned char msg[REP_MAX + 1];
    for (;;) {
        ssize_t n = recv(fd, msg, sizeof msg, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            child_gone(h, n == 0 ? "end of file" : strerror(errno));
            return;
        }
        struct rep_hdr rep;
        if ((size_t)n < sizeof rep || (size_t)n > REP_MAX || !h->head) {
            child_gone(h, "unexpected answer");
            return;
        }
        memcpy(&rep, msg, sizeof rep);
        struct hasher_req *r = pop(h);
        if (rep.id != r->id) {
            free(r);
            child_gone(h, "answer out of order");
            return;
        }
        char hash[HASHER_HASH_MAX + 1];
        size_t hlen = (size_t)n - sizeof rep;
        memcpy(hash, msg + sizeof rep, hlen);
        hash[hlen] = '\0';
        enum hasher_result res = rep.result <= HASHER_FAILED ? rep.result : HASHER_FAILED;
        if (r->done)
            r->done(r->arg, res, hlen ? hash : NULL);
        free(r);
        if (h->dead)
            return;
    }
}

void hasher_attach(struct hasher *h, struct loop *l)
{
    h->loop = l;
    if (loop_add_io(l, h->fd, EPOLLIN, io_cb, h) < 0)
        child_gone(h, strerror(errno));
}

void hasher_free(struct hasher *h)
{
    if (!h)
        return;
    if (h->loop && !h->dead)
        loop_del_io(h->loop, h->fd);
    while (h->head)
        free(pop(h));
    close(h->fd); /* the child reads end of file and exits */
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    free(h);
}

static struct hasher_req *submit(struct hasher *h, int op, const char *password,
                                 const char *stored, hasher_done_fn done, void *arg)
{
    size_t pwlen = strlen(password), slen = stored ? strlen(stored) : 0;
    if (h->dead || !h->loop || h->n >= HASHER_QUEUE_MAX || pwlen > HASHER_PASSWORD_MAX ||
        slen > HASHER_HASH_MAX)
        return NULL;
    unsigned char msg[REQ_MAX];
    struct req_hdr q = {.id = h->next_id++, .op = (uint8_t)op, .pwlen = (uint16_t)pwlen,
                        .storedlen = (uint16_t)slen};
    memcpy(msg, &q, sizeof q);
    memcpy(msg + sizeof q, password, pwlen);
    if (slen)
        memcpy(msg + sizeof q + pwlen, stored, slen);
    ssize_t n;
    while ((n = send(h->fd, msg, sizeof q + pwlen + slen, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 &&
           errno == EINTR)
        ;
    explicit_bzero(msg, sizeof msg);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            child_gone(h, strerror(errno));
        return NULL;
    }
    struct hasher_req *r = xcalloc(1, sizeof *r);
    r->id = q.id;
    r->done = done;
    r->arg = arg;
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    h->n++;
    return r;
}

struct hasher_req *hasher_hash(struct hasher *h, const char *password, hasher_done_fn done,
                               void *arg)
{
    return submit(h, OP_HASH, password, NULL, done, arg);
}

struct hasher_req *hasher_verify(struct hasher *h, const char *password, const char *stored,
                                 hasher_done_fn done, void *arg)
{
    return submit(h, OP_VERIFY, password, stored, done, arg);
}

void hasher_cancel(struct hasher *h, struct hasher_req *r)
{
    (void)h;
    r->done = NULL;
}

unsigned hasher_waiting(const struct hasher *h)
{
    return h->n;
}

pid_t hasher_pid(const struct hasher *h)
{
    return h->pid;
}
