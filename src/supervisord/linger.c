/* linger: see linger.h. */
#include "linger.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "xalloc.h"

struct lingering {
    struct linger_set *ls;
    int fd;
    size_t left; /* bytes still to drop */
    struct loop_timer timer;
    struct lingering *prev, *next;
};

struct linger_set {
    struct loop *loop; /* borrowed */
    struct lingering *head;
    size_t n;
};

static void end(struct lingering *g)
{
    struct linger_set *ls = g->ls;
    loop_del_io(ls->loop, g->fd);
    loop_timer_cancel(ls->loop, &g->timer);
    close(g->fd);
    if (g->prev)
        g->prev->next = g->next;
    else
        ls->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    ls->n--;
    free(g);
}

static void timer_cb(struct loop *l, void *arg)
{
    (void)l;
    end(arg);
}

static void io_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
    (void)l;
    (void)events;
    struct lingering *g = arg;
    char b[16384];
    /* a few reads a turn: a fast sender must not starve the loop */
    for (int i = 0; i < 8; i++) {
        ssize_t n = read(fd, b, sizeof b);
        if (n > 0 && (size_t)n < g->left) {
            g->left -= (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        end(g); /* EOF, error, or the byte bound */
        return;
    }
}

struct linger_set *linger_new(struct loop *l)
{
    struct linger_set *ls = xcalloc(1, sizeof *ls);
    ls->loop = l;
    return ls;
}

void linger_free(struct linger_set *ls)
{
    if (!ls)
        return;
    while (ls->head)
        end(ls->head);
    free(ls);
}

void linger_add(struct linger_set *ls, int fd)
{
    shutdown(fd, SHUT_WR); /* the answer is complete: the client sees its end */
    if (ls->n >= LINGER_MAX) {
        close(fd);
        return;
    }
    struct lingering *g = xcalloc(1, sizeof *g);
    g->ls = ls;
    g->fd = fd;
    g->left = LINGER_BYTES;
    if (loop_add_io(ls->loop, fd, EPOLLIN | EPOLLRDHUP, io_cb, g) < 0) {
        close(fd);
        free(g);
        return;
    }
    loop_timer_init(&g->timer, timer_cb, g);
    loop_timer_arm(ls->loop, &g->timer, loop_now(ls->loop) + LINGER_MS);
    g->next = ls->head;
    if (ls->head)
        ls->head->prev = g;
    ls->head = g;
    ls->n++;
}

size_t linger_count(const struct linger_set *ls)
{
    return ls ? ls->n : 0;
}
