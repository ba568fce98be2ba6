/* libFuzzer target for xmlrpc: any bytes go to both decoders; a decoded call
 * is re-encoded with xmlrpc_write_call and decoded again, and when every
 * string in it survives XML unchanged the second decode must equal the
 * first. A decoded response is re-encoded the same way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text that XML carries unchanged: UTF-8 (a response's base64 gives raw
 * bytes), no control bytes but tab/newline (\r is normalised to \n), no
 * U+FFFE/U+FFFF. */
static bool text_safe(const char *s, size_t n)
{
    if (!xmlrpc_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') ||
            (c == 0xef && i + 2 < n && (unsigned char)s[i + 1] == 0xbf &&
             ((unsigned char)s[i + 2] == 0xbe || (unsigned char)s[i + 2] == 0xbf)))
            return false;
    }
    return true;
}

static bool tree_safe(const struct xmlrpc_value *v)
{
    if (v->type == XMLRPC_STRING)
        return text_safe(v->s, v->len);
    for (size_t i = 0; v->type == XMLRPC_ARRAY && i < v->n; i++)
        if (!tree_safe(v->items[i]))
            return false;
    for (size_t i = 0; v->type == XMLRPC_STRUCT && i < v->n; i++)
        if (!text_safe(v->members[i].name, strlen(v->members[i].name)) ||
            !tree_safe(v->members[i].value))
            return false;
    return true;
}

static bool same(const struct xmlrpc_value *a, const struct xmlrpc_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case XMLRPC_INT:
    case XMLRPC_BOOL:
        return a->i == b->i;
    case XMLRPC_DOUBLE: {
        char x[40], y[40];
        xmlrpc_format_double(x, sizeof(x), a->d);
        xmlrpc_format_double(y, sizeof(y), b->d);
        return strcmp(x, y) == 0;
    }
    case XMLRPC_STRING:
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case XMLRPC_NIL:
        return true;
    case XMLRPC_ARRAY:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!same(a->items[i], b->items[i]))
                return false;
        return true;
    case XMLRPC_STRUCT:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->members[i].name, b->members[i].name) != 0 ||
                !same(a->members[i].value, b->members[i].value))
                return false;
        return true;
    }
    return false;
}

static void call_round_trip(const struct xmlrpc_call *c)
{
    struct buf b;
    buf_init(&b);
    xmlrpc_write_call(&b, c->method, c->params);
    struct xmlrpc_call c2;
    struct err e;
    enum xmlrpc_parse_status st = xmlrpc_parse_call(b.data, b.len, &c2, &e);
    /* Python does not escape the method name, so only plain names count. */
    bool plain = strpbrk(c->method, "&<>") == NULL && text_safe(c->method, strlen(c->method));
    if (plain && tree_safe(c->params)) {
        if (st != XMLRPC_PARSE_OK || strcmp(c->method, c2.method) != 0 ||
            !same(c->params, c2.params))
            abort();
    }
    if (st == XMLRPC_PARSE_OK)
        xmlrpc_call_release(&c2);
    (void)xmlrpc_check_marshal(c->params, &e);
    buf_release(&b);
}

static void response_round_trip(const struct xmlrpc_value *v)
{
    struct buf b;
    buf_init(&b);
    xmlrpc_write_response(&b, v);
    struct xmlrpc_value *r;
    int code;
    char *fs;
    struct err e;
    int rc = xmlrpc_parse_response(b.data, b.len, &r, &code, &fs, &e);
    if (tree_safe(v) && (rc != 0 || code != 0 || !same(v, r)))
        abort();
    if (rc == 0) {
        xmlrpc_free(r);
        free(fs);
    }
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct xmlrpc_call c;
    struct err e;
    if (xmlrpc_parse_call(body, size, &c, &e) == XMLRPC_PARSE_OK) {
        if (!c.method || !*c.method || !c.params || c.params->type != XMLRPC_ARRAY)
            abort();
        call_round_trip(&c);
        xmlrpc_call_release(&c);
    }
    struct xmlrpc_value *r;
    int code;
    char *fs;
    if (xmlrpc_parse_response(body, size, &r, &code, &fs, &e) == 0) {
        if (code == 0) {
            response_round_trip(r);
            xmlrpc_free(r);
        } else {
            struct buf b;
            buf_init(&b);
            xmlrpc_write_fault(&b, code, fs);
            buf_release(&b);
            free(fs);
        }
    }
    return 0;
}
