/* web: routing of the non-RPC paths and the requests they keep waiting.
 * /metrics is metrics.c's, /api/v1/ is api.c's; the compatible pages of
 * Supervisor 4.2.5 are rendered here. */
#include "web.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "httpd.h"
#include "metrics.h"
#include "rpc.h"
#include "xalloc.h"

struct web {
    struct rpc *r;       /* borrowed */
    struct metrics *met; /* owned */
    struct api *api;     /* owned */
};

struct web *web_new(struct rpc *r)
{
    struct web *w = xcalloc(1, sizeof *w);
    w->r = r;
    w->met = metrics_new(rpc_supervisor(r));
    w->api = api_new(r);
    return w;
}

void web_free(struct web *w)
{
    if (!w)
        return;
    api_free(w->api);
    metrics_free(w->met);
    free(w);
}

void web_note_change(struct web *w, const struct proc *pr, enum proc_state from)
{
    metrics_note_change(w->met, pr, from);
    api_kick(w->api);
}

static bool is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static void serve_metrics(struct web *w, struct httpd_req *req)
{
    if (!is_get(httpd_req_method(req))) {
        httpd_add_header(req, "Allow", "GET, HEAD");
        httpd_respond_error(req, 405);
        return;
    }
    struct buf b;
    buf_init(&b);
    metrics_render(w->met, &b);
    httpd_add_header(req, "Cache-Control", "no-cache");
    httpd_respond(req, 200, METRICS_CONTENT_TYPE, b.data, b.len);
    buf_release(&b);
}

void web_handle(struct web *w, struct httpd_req *req)
{
    const char *path = httpd_req_path(req);
    const char *method = httpd_req_method(req);
    if (strcmp(path, "/metrics") == 0)
        serve_metrics(w, req);
    else if (strncmp(path, "/api/", 5) == 0)
        api_handle(w->api, req);
    else if (is_get(method)) /* Supervisor's static handler: no such file */
        rpc_http_error(req, 404);
    else
        rpc_http_error(req, 400);
}
