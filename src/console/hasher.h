/* hasher: password hashing (yescrypt through libcrypt, ~70 ms a hash) off
 * the event loop, without threads. A child process, forked at start-up
 * before anything else exists (no SQLite, libcurl, libmicrohttpd or loop
 * in it), answers hash and verify requests over a SOCK_SEQPACKET
 * socketpair, one at a time, in order. The loop watches the parent's end;
 * each request's callback runs from the loop with the answer. The queue is
 * bounded: beyond HASHER_QUEUE_MAX requests waiting, a new one is refused
 * at once (the caller answers 503), so a flood of logins cannot pile up
 * work. If the child dies, the waiting requests fail and so do later ones
 * (logged once); the console goes on serving everything else.
 *
 * hasher_crypt/hasher_check are the same work done in the calling process,
 * for the command line (--set-user) and the first start, before the loop. */
#ifndef CONSOLE_HASHER_H
#define CONSOLE_HASHER_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct loop;
struct hasher;
struct hasher_req;

#define HASHER_QUEUE_MAX 16
#define HASHER_PASSWORD_MAX 1024 /* bytes; the API refuses longer passwords */
#define HASHER_HASH_MAX 255      /* a stored hash longer than this is not ours */

enum hasher_result {
    HASHER_OK,       /* verify: the password matches; hash: hash is set */
    HASHER_MISMATCH, /* verify: it does not */
    HASHER_FAILED,   /* the child is gone, or libcrypt failed (logged) */
};

/* hash: the new hash for HASHER_OK of a hash request, else NULL; borrowed
 * for the call. The request is freed right after: drop it. */
typedef void (*hasher_done_fn)(void *arg, enum hasher_result r, const char *hash);

/* Fork the child. Call before any thread, library state or loop exists.
 * NULL + e (ERR_SYSTEM) if the socketpair or fork fails. */
struct hasher *hasher_new(struct err *e);
/* Watch the child's answers on l (once, before the first request). */
void hasher_attach(struct hasher *h, struct loop *l);
/* Drops every request (callbacks not called), closes the pair and waits
 * for the child (it exits at the end of the hash in hand). NULL ok. */
void hasher_free(struct hasher *h);

/* Queue a request; password (at most HASHER_PASSWORD_MAX bytes) and stored
 * are copied. NULL when the queue is full, the child is gone, or an
 * argument is too long: nothing will be called. Otherwise done runs later,
 * from the loop, never from inside this call. */
struct hasher_req *hasher_hash(struct hasher *h, const char *password, hasher_done_fn done,
                               void *arg);
struct hasher_req *hasher_verify(struct hasher *h, const char *password, const char *stored,
                                 hasher_done_fn done, void *arg);
/* The caller no longer wants the answer: done is never called. The child
 * still does the work (it is already queued there). */
void hasher_cancel(struct hasher *h, struct hasher_req *r);
/* Requests waiting for an answer (cancelled ones included), the child. */
unsigned hasher_waiting(const struct hasher *h);
pid_t hasher_pid(const struct hasher *h);

/* Blocking, for the command line (--set-user) and the first start, before
 * the loop: a new yescrypt hash of password (malloc'ed; NULL on failure),
 * computed in a short-lived child so this process never holds yescrypt's
 * 16 MiB; and, in this process, whether password matches stored (constant
 * time compare). */
char *hasher_crypt(const char *password);
bool hasher_check(const char *password, const char *stored);
/* A fresh yescrypt setting ("$y$j9T$<salt>"), no hashing: checking a
 * password against it costs a whole hash and never matches (unknown users
 * cost what known ones do). malloc'ed; NULL on failure. */
char *hasher_setting(void);

#endif
