/* jsonv: values as jansson JSON, for the JSON APIs of supervisord and the
 * console. XML-RPC values map one to one (int -> integer, boolean, string,
 * double -> real, nil -> null, array, struct -> object in member order);
 * bytes that are not UTF-8 become U+FFFD (jansson refuses them, and log
 * text or a description may hold any bytes). Every result is a new
 * reference the caller owns. */
#ifndef JSONV_H
#define JSONV_H

#include <jansson.h>
#include <stddef.h>

#include "xmlrpc.h"

json_t *jsonv_string(const char *s, size_t n);
json_t *jsonv_from_xmlrpc(const struct xmlrpc_value *v);

#endif
