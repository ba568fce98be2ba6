/* rpc: the XML-RPC interface on POST /RPC2 (and the HTTP routing of the
 * daemon's requests: /logtail and /mainlogtail go to logtail.c). Owns the
 * method tables (system.* here, supervisor.* in rpc_supervisor.c, help texts
 * in rpc_help.c), dispatch with Supervisor's fault codes and texts and its
 * HTTP 400/500 rules, and the calls that wait (start/stop with wait=True,
 * group operations, multicall): they are completed from the supervisor's
 * state-change hook, never by polling. The wire encoding is xmlrpc.c's,
 * HTTP framing is httpd.c's. */
#ifndef RPC_H
#define RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "xmlrpc.h"

struct supervisor;
struct httpd_req;
struct rpc;

/* A new RPC layer over s (borrowed; must outlive it). Installs itself as
 * s's state-change hook (supervisor_set_change_hook). The namespaces are
 * the [rpcinterface:x] sections of s->cfg with the standard factory, then
 * "system". Never fails. */
struct rpc *rpc_new(struct supervisor *s);
/* Closes every waiting request (rpc_release_waiters), removes the hook and
 * closes open log tails. NULL ok. */
void rpc_free(struct rpc *r);

/* The httpd handler (arg = struct rpc *): POST /RPC2* -> XML-RPC,
 * GET /logtail..., /mainlogtail... -> log tails (logtail.h), anything else
 * to the web layer (web.h: pages, JSON API, metrics). */
void rpc_http_handler(void *arg, struct httpd_req *req);

/* Shutdown: answer the waiting calls that can be answered now, drop the
 * connections of the others without a response (Supervisor's clients see
 * the connection close when the daemon exits). */
void rpc_release_waiters(struct rpc *r);

/* ---- internals shared by rpc.c, rpc_supervisor.c, rpc_help.c, logtail.c ---- */

/* Supervisor's xmlrpc.Faults. */
enum rpc_fault {
    FAULT_UNKNOWN_METHOD = 1,
    FAULT_INCORRECT_PARAMETERS = 2,
    FAULT_BAD_ARGUMENTS = 3,
    FAULT_SIGNATURE_UNSUPPORTED = 4,
    FAULT_SHUTDOWN_STATE = 6,
    FAULT_BAD_NAME = 10,
    FAULT_BAD_SIGNAL = 11,
    FAULT_NO_FILE = 20,
    FAULT_NOT_EXECUTABLE = 21,
    FAULT_FAILED = 30,
    FAULT_ABNORMAL_TERMINATION = 40,
    FAULT_SPAWN_ERROR = 50,
    FAULT_ALREADY_STARTED = 60,
    FAULT_NOT_RUNNING = 70,
    FAULT_SUCCESS = 80,
    FAULT_ALREADY_ADDED = 90,
    FAULT_STILL_RUNNING = 91,
    FAULT_CANT_REREAD = 92,
};
/* "BAD_NAME" etc.; "UNKNOWN" for a code not in the table. */
const char *rpc_fault_name(int code);

enum rpc_kind {
    RPC_VALUE,    /* value */
    RPC_FAULT,    /* code + text */
    RPC_DEFER,    /* job: not done yet */
    RPC_HTTP_500, /* an uncaught exception in Supervisor: HTTP 500 (text: why, for logs) */
    RPC_XML,      /* xml or shared: the value already encoded (only when the caller set
                   * accept_xml) */
};

/* An encoded <value> that several answers send as it is: refcounted, freed
 * with the last reference. */
struct rpc_shared {
    unsigned refs;
    struct buf xml;
};

struct rpc_job;

/* The outcome of a method call. Owns what it points to. */
struct rpc_res {
    enum rpc_kind kind;
    struct xmlrpc_value *value;
    int code;
    char *text; /* FAULT: "NAME" or "NAME: extra"; HTTP_500: Python-like exception text */
    struct rpc_job *job;
    struct buf xml;
    struct rpc_shared *shared; /* one reference (RPC_XML without xml) */
    bool accept_xml; /* set by the caller before the call: it can send RPC_XML as is */
};

/* Fill res (previously empty). fault: text is rpc_fault_name(code), plus
 * ": <extra>" when extra_fmt is non-NULL. */
void rpc_res_value(struct rpc_res *res, struct xmlrpc_value *v);
/* Takes b: one <value> written with xmlrpc_write_*. */
void rpc_res_xml(struct rpc_res *res, struct buf *b);
/* Takes one more reference on sh. */
void rpc_res_shared(struct rpc_res *res, struct rpc_shared *sh);
void rpc_res_fault(struct rpc_res *res, int code, const char *extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rpc_res_500(struct rpc_res *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rpc_res_defer(struct rpc_res *res, struct rpc_job *job);
void rpc_res_release(struct rpc_res *res);

/* A deferred result (Supervisor's NOT_DONE_YET callbacks). poll() is called
 * once when the call is made and again after state changes; it returns
 * true when done, with *out filled (VALUE, FAULT or HTTP_500), false if not
 * yet. free() releases the job (done or not). */
struct rpc_job {
    bool (*poll)(struct rpc_job *j, struct rpc_res *out);
    void (*free)(struct rpc_job *j);
};

typedef void (*rpc_fn)(struct rpc *r, struct xmlrpc_value *const *args, size_t nargs,
                       struct rpc_res *out);

/* One method of a namespace. The arity is checked before fn runs
 * (INCORRECT_PARAMETERS, as Python's TypeError). */
struct rpc_method {
    const char *name; /* without namespace, e.g. "getState" */
    int minargs, maxargs;
    rpc_fn fn;
    const char *help_name; /* key in the help table: "supervisor.getState" */
};

/* The supervisor namespace table (rpc_supervisor.c), NULL-name terminated. */
extern const struct rpc_method rpc_supervisor_methods[];

/* rpc_help.c (generated): help text and signature by full name
 * ("supervisor.getState"); NULL if unknown. */
struct rpc_help {
    const char *name;
    const char *help;
    const char *sig[8]; /* NULL-terminated: return type, then parameter types */
};
const struct rpc_help *rpc_help_find(const char *name);

/* The daemon the methods act on. */
struct supervisor *rpc_supervisor(struct rpc *r);

/* The memo of one encoded result (getAllProcessInfo's), valid while its
 * key holds: its owner's generation of what it shows and the second it was
 * made in. get: a new reference, or NULL if there is none for this key.
 * set: takes b (the encoded value) and returns a new reference to the memo
 * made of it. The memo goes at the next process state change or when a
 * newer one replaces it (no timer: an idle daemon never wakes), so it holds
 * at most one answer's bytes. */
struct rpc_shared *rpc_memo_get(struct rpc *r, uint64_t gen, long long now);
struct rpc_shared *rpc_memo_set(struct rpc *r, uint64_t gen, long long now, struct buf *b);
void rpc_shared_put(struct rpc_shared *sh); /* drop one reference; NULL ok */

/* Ask for the waiting calls to be re-evaluated at the end of this loop
 * iteration (after process state changes). */
void rpc_kick(struct rpc *r);

/* Dispatch one call by full method name ("ns.method") with Supervisor's
 * traverse() rules. Used by the request handler and multicall. */
void rpc_call(struct rpc *r, const char *method, struct xmlrpc_value *const *args, size_t nargs,
              struct rpc_res *out);

/* Python-like views of parameter values, for faults and coercions. */
/* str(v): "5", "True", "1.5", "None", the string itself; lists and dicts
 * roughly as repr. Caller frees. */
char *rpc_py_str(const struct xmlrpc_value *v);
/* bool(v). */
bool rpc_py_truthy(const struct xmlrpc_value *v);
/* Python's type name: "int", "bool", "str", "float", "list", "dict", "NoneType". */
const char *rpc_py_type(const struct xmlrpc_value *v);
/* int(v): 0 ok; -1 and out set to INCORRECT_PARAMETERS (TypeError: None,
 * list, dict) or HTTP 500 (ValueError: a non-numeric string). */
int rpc_py_int(const struct xmlrpc_value *v, long long *n, struct rpc_res *out);

/* Medusa's error page: "<head>\r\n<title>Error response</title>..." with
 * code and its reason phrase. */
void rpc_http_error(struct httpd_req *req, int code);

#endif
