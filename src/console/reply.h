/* reply: the JSON answers of the console's API, one shape everywhere:
 * success is {"result": ...}, an error {"error": {"code", "name",
 * "message"}}; and Supervisor's fault codes with the HTTP status
 * supervisord's own API gives them (doc/console.md). */
#ifndef CONSOLE_REPLY_H
#define CONSOLE_REPLY_H

#include <jansson.h>

#include "http.h"

/* A JSON string of s (bytes that are not UTF-8 become U+FFFD), or null. */
json_t *reply_str(const char *s);
/* Answer body (taken) with status. */
void reply_json(struct http_req *req, int status, json_t *body);
/* {"result": result} (taken) with status (200, 202). */
void reply_result(struct http_req *req, int status, json_t *result);
void reply_error(struct http_req *req, int status, int code, const char *name,
                 const char *message);
/* A node's fault: its code and text, Supervisor's name, the status of
 * supervisord's API (500 "UNKNOWN" for a code it does not know). */
void reply_fault(struct http_req *req, int code, const char *text);
const char *reply_fault_name(int code); /* "UNKNOWN" if none */
/* The request's body as a JSON object (a new reference), or NULL after
 * answering 400 INCORRECT_PARAMETERS. */
json_t *reply_body_object(struct http_req *req);

#endif
