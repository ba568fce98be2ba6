/* reply: jansson to bytes, and Supervisor's fault table. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"

json_t *reply_str(const char *s)
{
    return s ? jsonv_string(s, strlen(s)) : json_null();
}

void reply_json(struct http_req *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(body);
    if (!text)
        abort(); /* only on out-of-memory: every string was made valid */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, text);
    buf_putc(&b, '\n');
    free(text);
    http_add_header(req, "Cache-Control", "no-store");
    http_respond_buf(req, status, "application/json", &b);
}

void reply_result(struct http_req *req, int status, json_t *result)
{
    json_t *o = json_object();
    json_object_set_new(o, "result", result);
    reply_json(req, status, o);
}

void reply_error(struct http_req *req, int status, int code, const char *name,
                 const char *message)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "name", json_string(name));
    json_object_set_new(e, "message", reply_str(message));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    reply_json(req, status, o);
}

static const struct {
    int code;
    const char *name;
    int status;
} faults[] = {
    {1, "UNKNOWN_METHOD", 404},
    {2, "INCORRECT_PARAMETERS", 400},
    {3, "BAD_ARGUMENTS", 400},
    {4, "SIGNATURE_UNSUPPORTED", 500},
    {6, "SHUTDOWN_STATE", 409},
    {10, "BAD_NAME", 404},
    {11, "BAD_SIGNAL", 400},
    {20, "NO_FILE", 404},
    {21, "NOT_EXECUTABLE", 422},
    {30, "FAILED", 500},
    {40, "ABNORMAL_TERMINATION", 422},
    {50, "SPAWN_ERROR", 422},
    {60, "ALREADY_STARTED", 409},
    {70, "NOT_RUNNING", 409},
    {80, "SUCCESS", 500},
    {90, "ALREADY_ADDED", 409},
    {91, "STILL_RUNNING", 409},
    {92, "CANT_REREAD", 422},
};

const char *reply_fault_name(int code)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].code == code)
            return faults[i].name;
    return "UNKNOWN";
}

void reply_fault(struct http_req *req, int code, const char *text)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].code == code) {
            reply_error(req, faults[i].status, code, faults[i].name, text);
            return;
        }
    reply_error(req, 500, code, "UNKNOWN", text);
}

json_t *reply_body_object(struct http_req *req)
{
    size_t len;
    const char *body = http_req_body(req, &len);
    json_error_t jerr;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        reply_error(req, 400, 2, "INCORRECT_PARAMETERS", "expected a JSON object");
        return NULL;
    }
    return j;
}
