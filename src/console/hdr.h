/* hdr: the values of the request headers the console acts on, parsed
 * without trusting them: X-Forwarded-For (who the client is behind a
 * proxy) and Accept-Encoding (whether it takes gzip). Pure functions,
 * bounded work, no allocation. */
#ifndef CONSOLE_HDR_H
#define CONSOLE_HDR_H

#include <stdbool.h>
#include <stddef.h>

/* Numeric addresses as compared here: inet_ntop's form of an IPv4 or IPv6
 * address. */
#define HDR_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

/* s (len bytes) in that form into out; false if it is no IP address. */
bool hdr_numeric_addr(const char *s, size_t len, char out[HDR_ADDR_MAX]);

/* The client behind peer: peer itself unless it is in list (numeric, as
 * above) and xff (an X-Forwarded-For value; NULL: none) names another: the
 * rightmost entry not in list, walking left over trusted hops (an entry
 * may carry a port: "1.2.3.4:5678", "[::1]:80"); a malformed entry stops
 * the walk at the hop that wrote it. out gets the answer. */
void hdr_forwarded_client(const char *peer, const char *xff, char *const *list, size_t n,
                          char out[HDR_ADDR_MAX]);

/* Whether an Accept-Encoding value (NULL: none) takes gzip: named (or
 * x-gzip) with a q above 0, or "*" with one and gzip not named. */
bool hdr_accepts_gzip(const char *accept_encoding);

#endif
