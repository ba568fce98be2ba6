/* logtail: GET /logtail/<namespec>[/<channel>] and GET /mainlogtail, tail -f
 * over HTTP as Supervisor's logtail_handler and tail_f_producer do: the last
 * 1024 bytes, then every new byte as it is written, following rotation,
 * until the client goes away. Growth is noticed by one repeating loop timer
 * that runs only while a tail is open. Routing of other paths is rpc.c's. */
#ifndef LOGTAIL_H
#define LOGTAIL_H

struct supervisor;
struct httpd_req;
struct logtail;

/* s is borrowed and must outlive the result. */
struct logtail *logtail_new(struct supervisor *s);
/* Ends every open tail (the connection is dropped, as when Supervisor
 * exits) and frees. NULL ok. */
void logtail_free(struct logtail *t);

/* Handle a request whose path starts with "/logtail" or "/mainlogtail"
 * (Supervisor routes by prefix): only GET (else 400); unknown process,
 * channel or missing file -> 404; "/logtail" alone -> 500. Otherwise 200,
 * text/plain;charset=utf-8, streamed (chunked on HTTP/1.1). */
void logtail_handle(struct logtail *t, struct httpd_req *req);

#endif
