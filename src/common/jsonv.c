/* jsonv: XML-RPC values and raw bytes as JSON. */
#include "jsonv.h"

#include "buf.h"

json_t *jsonv_string(const char *s, size_t n)
{
    if (xmlrpc_utf8_valid(s, n))
        return json_stringn(s, n);
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xc0)
            k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0x80 || (i + k <= n && xmlrpc_utf8_valid(s + i, k))) {
            buf_append(&b, s + i, k);
            i += k;
        } else {
            buf_puts(&b, "\xef\xbf\xbd");
            i++;
        }
    }
    json_t *j = json_stringn(b.data, b.len);
    buf_release(&b);
    return j;
}

json_t *jsonv_from_xmlrpc(const struct xmlrpc_value *v)
{
    switch (v->type) {
    case XMLRPC_INT: return json_integer(v->i);
    case XMLRPC_BOOL: return json_boolean(v->i);
    case XMLRPC_STRING: return jsonv_string(v->s, v->len);
    case XMLRPC_DOUBLE: return json_real(v->d);
    case XMLRPC_NIL: return json_null();
    case XMLRPC_ARRAY: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->n; i++)
            json_array_append_new(a, jsonv_from_xmlrpc(v->items[i]));
        return a;
    }
    case XMLRPC_STRUCT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->n; i++)
            json_object_set_new(o, v->members[i].name, jsonv_from_xmlrpc(v->members[i].value));
        return o;
    }
    }
    return json_null();
}
