/* xmlrpc: the XML-RPC value layer. Values are a small tree (int, boolean,
 * string, double, dateTime, base64, array, struct, nil); a decoder over expat
 * reads calls (server side, with Supervisor's parsing quirks) and responses
 * (client side); an encoder writes responses, faults and calls byte-for-byte
 * as Python's xmlrpc.client.dumps does. Hostile input is bounded: any
 * DOCTYPE is rejected, and document size, nesting depth and value count are
 * capped. Every value is owned by its parent; xmlrpc_free frees a tree. */
#ifndef XMLRPC_H
#define XMLRPC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

enum xmlrpc_type {
    XMLRPC_INT,
    XMLRPC_BOOL,
    XMLRPC_STRING,   /* also dateTime (text kept) and decoded base64 */
    XMLRPC_DOUBLE,
    XMLRPC_ARRAY,
    XMLRPC_STRUCT,
    XMLRPC_NIL,
};

struct xmlrpc_member;

struct xmlrpc_value {
    enum xmlrpc_type type;
    long long i;                       /* INT; BOOL (0/1) */
    double d;                          /* DOUBLE */
    char *s;                           /* STRING: owned, NUL-terminated */
    size_t len;                        /* STRING: byte length (may hold NULs) */
    struct xmlrpc_value **items;       /* ARRAY: owned */
    struct xmlrpc_member *members;     /* STRUCT: owned, in insertion order */
    size_t n, cap;                     /* ARRAY/STRUCT count */
};

struct xmlrpc_member {
    char *name;                        /* owned */
    struct xmlrpc_value *value;        /* owned */
};

struct xmlrpc_value *xmlrpc_int(long long v);
struct xmlrpc_value *xmlrpc_bool(bool v);
struct xmlrpc_value *xmlrpc_string(const char *s);            /* copies */
struct xmlrpc_value *xmlrpc_string_n(const char *s, size_t n); /* copies */
struct xmlrpc_value *xmlrpc_double(double d);
struct xmlrpc_value *xmlrpc_nil(void);
struct xmlrpc_value *xmlrpc_array(void);
struct xmlrpc_value *xmlrpc_struct(void);
/* Takes ownership of v. */
void xmlrpc_array_push(struct xmlrpc_value *a, struct xmlrpc_value *v);
/* Takes ownership of v; replaces an existing member of that name. */
void xmlrpc_struct_set(struct xmlrpc_value *st, const char *name, struct xmlrpc_value *v);
const struct xmlrpc_value *xmlrpc_struct_get(const struct xmlrpc_value *st, const char *name);
void xmlrpc_free(struct xmlrpc_value *v); /* NULL ok */
/* A deep copy (NULL in, NULL out); the caller frees it. */
struct xmlrpc_value *xmlrpc_copy(const struct xmlrpc_value *v);

/* A decoded methodCall. */
struct xmlrpc_call {
    char *method;                 /* owned */
    struct xmlrpc_value *params;  /* owned ARRAY (empty when <params> is absent) */
};
void xmlrpc_call_release(struct xmlrpc_call *c);

/* Limits on hostile input. */
#define XMLRPC_MAX_DEPTH 64
#define XMLRPC_MAX_VALUES 1000000          /* elements per document */
#define XMLRPC_MAX_BODY (256u * 1024 * 1024) /* bytes; expat takes an int length */

enum xmlrpc_parse_status {
    XMLRPC_PARSE_OK = 0,
    XMLRPC_PARSE_BAD = -1,      /* Supervisor answers HTTP 400 */
    XMLRPC_PARSE_NOT_UTF8 = -2, /* Supervisor closes the connection without a response */
};
/* Any DOCTYPE, nesting deeper than XMLRPC_MAX_DEPTH elements, more than
 * XMLRPC_MAX_VALUES elements or a body over XMLRPC_MAX_BODY is refused (BAD
 * for a call, -1 for a response); e->code is ERR_USAGE for every bad input.
 *
 * Decode a methodCall with Supervisor's rules (spec rpc-http-ctl 1.9):
 * int/i4, boolean is text == "1", string, double, dateTime.iso8601 (kept as
 * text), base64 decoded leniently then required to be UTF-8, array, struct,
 * untyped <value>text</value> is a string, unknown child tags give their text
 * as a string, <nil/> gives NIL, <params> may be absent, an empty or missing
 * methodName is BAD. The whole ElementTree model is followed: params are
 * the children of the last <params> to end (any tag: <params><value>..
 * works without <param>), <value> takes its first child's value, an unknown
 * element with no text gives NIL. Deviations (all BAD where Python would
 * go on): integers beyond long long, non-string struct member names,
 * non-ASCII digits in int/double/dateTime, any DOCTYPE. A body that is not
 * strict UTF-8 gives NOT_UTF8 before any parsing. e gets a short reason;
 * a missing or empty methodName is the only one reading "no method name".
 * On OK the caller releases *out; otherwise *out is empty. */
enum xmlrpc_parse_status xmlrpc_parse_call(const char *body, size_t len, struct xmlrpc_call *out,
                                           struct err *e);

/* Decode a methodResponse (client side). Returns 0 with *result set (owned)
 * and *fault_code = 0, or 0 with *fault_code != 0 and *fault_string set
 * (owned) for a fault, or -1 + e on malformed XML. It reads what Python's
 * xmlrpc.client reads (i8/nil/base64/double/dateTime too; untyped values are
 * strings; base64 gives the raw bytes in a STRING, dateTime its text). A
 * response with zero or several params gives them all as an ARRAY. A fault
 * whose faultCode is not a non-zero int or whose faultString is not a
 * string is malformed (-1). The declared encoding of the document counts. */
int xmlrpc_parse_response(const char *body, size_t len, struct xmlrpc_value **result,
                          int *fault_code, char **fault_string, struct err *e);

/* Append Python's exact bytes for a methodResponse with one value, e.g.
 * "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>1</int></value>\n
 *  </param>\n</params>\n</methodResponse>\n". Only & < > are escaped. */
void xmlrpc_write_response(struct buf *out, const struct xmlrpc_value *v);
void xmlrpc_write_fault(struct buf *out, int code, const char *string);
/* A methodCall (client side), as xmlrpc.client sends it: params is an ARRAY
 * of the parameters (NULL = none); the method name is written unescaped,
 * like Python's. */
void xmlrpc_write_call(struct buf *out, const char *method, const struct xmlrpc_value *params);
/* One <value>...</value> as Python marshals it (used by the three above);
 * NIL is "<value><nil/></value>" with no newline, as allow_none writes it;
 * doubles are repr(), strings raw UTF-8 with only & < > escaped. */
void xmlrpc_write_value(struct buf *out, const struct xmlrpc_value *v);
/* The pieces xmlrpc_write_value is made of, for results written straight
 * out without building a tree first (thousands of processes): a struct is
 * struct_begin, then per member: member(name), one value, member_end; then
 * struct_end. Arrays alike. The bytes are the same as the tree's. */
void xmlrpc_write_int(struct buf *out, long long v);
void xmlrpc_write_string(struct buf *out, const char *s, size_t n);
void xmlrpc_write_struct_begin(struct buf *out);
void xmlrpc_write_member(struct buf *out, const char *name);
void xmlrpc_write_member_end(struct buf *out);
void xmlrpc_write_struct_end(struct buf *out);
void xmlrpc_write_array_begin(struct buf *out);
void xmlrpc_write_array_end(struct buf *out);
/* What xmlrpc_write_response writes around its value. */
#define XMLRPC_RESPONSE_HEAD "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
#define XMLRPC_RESPONSE_TAIL "</param>\n</params>\n</methodResponse>\n"
/* Python cannot marshal ints outside 32 bits (OverflowError) nor None
 * without allow_none: Supervisor then answers HTTP 500. Returns 0 when v
 * would marshal, else -1 + e; the writers above do not check. */
int xmlrpc_check_marshal(const struct xmlrpc_value *v, struct err *e);

/* Helpers shared with other parsers. */
/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool xmlrpc_utf8_valid(const char *s, size_t n);
/* base64.decodebytes: non-alphabet bytes skipped, a completing pad ends the
 * input; -1 on a dangling quad ("Incorrect padding"). *out (malloc'ed,
 * NUL-terminated, *outlen bytes) is the caller's. */
int xmlrpc_base64_decode(const char *in, size_t n, char **out, size_t *outlen);
/* repr(float) into out (32 bytes are enough). */
void xmlrpc_format_double(char *out, size_t size, double d);

#endif
