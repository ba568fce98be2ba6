/* api: the JSON API under /api/v1/ (doc/api.md). Every route is a call of
 * the XML-RPC method table (rpc_call) whose value is converted to JSON, so
 * semantics and fault codes are those of XML-RPC; faults become
 * {"error":{"code","name","message"}} with an HTTP status by fault. Owns the
 * requests whose call waits (start/stop with wait, groups, restart); they
 * are re-polled after process state changes, never on a clock. Also
 * byte ranges of the logs for the dashboard (not an XML-RPC method: any
 * bytes, exact offsets). */
#ifndef API_H
#define API_H

struct rpc;
struct csrf;
struct httpd_req;
struct api;

/* An API over r and c (both borrowed; must outlive it): requests that
 * csrf_request_ok refuses get 403 FORBIDDEN. Never fails. */
struct api *api_new(struct rpc *r, const struct csrf *c);
/* Drops the waiting requests without an answer (connections closed). NULL ok. */
void api_free(struct api *a);

/* Answer a request whose path starts with "/api/" (now or, for a call
 * that waits, later). */
void api_handle(struct api *a, struct httpd_req *req);

/* For the other pages of the web layer: run an XML-RPC call (method, args:
 * an ARRAY, consumed) and hand its finished result to done(ctx, req, res)
 * once, now or after state changes; done answers req and releases res.
 * ctx is malloc'ed and freed by the api after done, or if the client goes
 * away first (done is then not called). */
struct rpc_res;
typedef void (*api_done_fn)(void *ctx, struct httpd_req *req, struct rpc_res *res);
struct xmlrpc_value;
void api_call_then(struct api *a, struct httpd_req *req, const char *method,
                   struct xmlrpc_value *args, api_done_fn done, void *ctx);

/* Answer req with the API's JSON error {"error":{"code","name","message"}}
 * (message bytes that are not UTF-8 become U+FFFD). */
void api_send_error(struct httpd_req *req, int status, int code, const char *name,
                    const char *message);

/* Process states changed: re-poll the waiting calls at the end of this
 * loop iteration. */
void api_kick(struct api *a);

#endif
