/* Unit tests for xmlrpc. The call and response case tables were produced by
 * running Supervisor 4.2.5's loads() and Python's xmlrpc.client.loads over
 * the same bodies and rendering the result canonically (see canon()); the
 * encoder's expected bytes are xmlrpc.client.dumps output. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "xalloc.h"
#include "xmlrpc.h"

#define B(s) s, sizeof(s) - 1

/* i<int> b<0|1> s<hex> d<repr> n [a,b] {s<hex>:v}: the renderer the Python
 * side used for the tables. */
static void canon(struct buf *b, const struct xmlrpc_value *v)
{
    char d[40];
    switch (v->type) {
    case XMLRPC_INT:
        buf_printf(b, "i%lld", v->i);
        break;
    case XMLRPC_BOOL:
        buf_printf(b, "b%lld", v->i);
        break;
    case XMLRPC_STRING:
        buf_putc(b, 's');
        for (size_t i = 0; i < v->len; i++)
            buf_printf(b, "%02x", (unsigned char)v->s[i]);
        break;
    case XMLRPC_DOUBLE:
        xmlrpc_format_double(d, sizeof(d), v->d);
        buf_printf(b, "d%s", d);
        break;
    case XMLRPC_NIL:
        buf_putc(b, 'n');
        break;
    case XMLRPC_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_putc(b, ',');
            canon(b, v->items[i]);
        }
        buf_putc(b, ']');
        break;
    case XMLRPC_STRUCT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_putc(b, ',');
            buf_putc(b, 's');
            for (const char *p = v->members[i].name; *p; p++)
                buf_printf(b, "%02x", (unsigned char)*p);
            buf_putc(b, ':');
            canon(b, v->members[i].value);
        }
        buf_putc(b, '}');
        break;
    }
}

/* "m<hex method> <params>", "BAD" or "NOTUTF8". */
static char *call_canon(const char *body, size_t len)
{
    struct xmlrpc_call c;
    struct err e;
    err_clear(&e);
    struct buf b;
    buf_init(&b);
    enum xmlrpc_parse_status st = xmlrpc_parse_call(body, len, &c, &e);
    if (st == XMLRPC_PARSE_NOT_UTF8) {
        buf_puts(&b, "NOTUTF8");
    } else if (st == XMLRPC_PARSE_BAD) {
        assert_int_equal(e.code, ERR_USAGE);
        assert_true(e.msg[0] != '\0');
        assert_null(c.method);
        assert_null(c.params);
        buf_puts(&b, "BAD");
    } else {
        assert_int_equal(st, XMLRPC_PARSE_OK);
        buf_putc(&b, 'm');
        for (const char *p = c.method; *p; p++)
            buf_printf(&b, "%02x", (unsigned char)*p);
        buf_putc(&b, ' ');
        canon(&b, c.params);
        xmlrpc_call_release(&c);
    }
    return buf_detach(&b);
}

static const struct {
    const char *name;
    const char *body;
    size_t len;
    const char *want;
} call_cases[] = {
    {"int", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><int>42</int></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [i42]"},
    {"i4 negative", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><i4>-7</i4></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [i-7]"},
    {"int spaces underscores", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><int> +1_000 </int></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [i1000]"},
    {"int non-numeric", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><int>abc</int></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"int empty", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><int></int></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"int float text", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><int>1.5</int></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"i8 is a string", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><i8>0</i8></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s30]"},
    {"unknown tag text", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><foo>bar</foo></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s626172]"},
    {"unknown empty tag is nil", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><i8/></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [n]"},
    {"nil", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><nil/></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [n]"},
    {"boolean 1", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [b1]"},
    {"boolean true is false", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><boolean>true</boolean></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [b0]"},
    {"boolean 0", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [b0]"},
    {"boolean empty", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><boolean/></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [b0]"},
    {"boolean spaced", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><boolean> 1</boolean></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [b0]"},
    {"string", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string>hello</string></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s68656c6c6f]"},
    {"string empty", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s]"},
    {"string selfclosed", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string/></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s]"},
    {"untyped value", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value>plain text</value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s706c61696e2074657874]"},
    {"empty value", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s]"},
    {"untyped value with comment", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value>a<!--x-->b</value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s6162]"},
    {"entities", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string>&amp;&lt;&gt;&quot;&apos;&#65;&#x20AC;</string></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s263c3e222741e282ac]"},
    {"cdata", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string><![CDATA[<&>]]></string></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s3c263e]"},
    {"unicode", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string>h\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""</string></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s68c3a9e282acf09f9880]"},
    {"value text before child ignored", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value>junk<int>3</int></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [i3]"},
    {"double", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><double>1.5</double></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [d1.5]"},
    {"double exp", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><double> -1e-5 </double></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [d-1e-05]"},
    {"double inf", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><double>-Infinity</double></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [d-inf]"},
    {"double bad", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><double>1.5x</double></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"double hex refused", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><double>0x1p3</double></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"datetime", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>20240131T12:30:05</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s32303234303133315431323a33303a3035]"},
    {"datetime bad day", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>20230229T00:00:00</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"datetime short", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>2024131T1:2:3</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s3230323431333154313a323a33]"},
    {"datetime dashes", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>2024-01-31T12:30:05</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"base64", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>aGVsbG8=</base64></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s68656c6c6f]"},
    {"base64 lenient junk", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>!!!</base64></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s]"},
    {"base64 junk inside", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>aGV*sbG8=</base64></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s68656c6c6f]"},
    {"base64 bad padding", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>YQ</base64></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"base64 one extra char", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>YWJjZ</base64></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"base64 not utf8", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>/w==</base64></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"base64 esc", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>G1szMW0=</base64></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s1b5b33316d]"},
    {"base64 stops at pad", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64>YQ==YWJj</base64></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s61]"},
    {"base64 empty", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><base64/></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [s]"},
    {"array", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><array><data><value><int>1</int></value><value>a</value><value><nil/></value></data></array></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [[i1,s61,n]]"},
    {"array empty", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><array><data></data></array></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [[]]"},
    {"array without data", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><array></array></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"struct", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><member><name>b</name><value><int>2</int></value></member><member><name>a</name><value>x</value></member></struct></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [{s62:i2,s61:s78}]"},
    {"struct duplicate key keeps first slot", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><member><name>a</name><value>1</value></member><member><name>b</name><value>2</value></member><member><name>a</name><value>3</value></member></struct></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [{s61:s33,s62:s32}]"},
    {"struct empty name", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><member><name></name><value>1</value></member></struct></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [{s:s31}]"},
    {"struct member with one child", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><member><name>a</name></member></struct></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"struct member three children", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><member><name>a</name><value>1</value><value>2</value></member></struct></value>\n</param>\n</params>\n</methodCall>\n"), "BAD"},
    {"struct any two children", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><struct><x><foo>k</foo><bar>v</bar></x></struct></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [{s6b:s76}]"},
    {"nested", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><array><data><value><struct><member><name>l</name><value><array><data><value><boolean>1</boolean></value></data></array></value></member></struct></value></data></array></value>\n</param>\n</params>\n</methodCall>\n"), "m78 [[{s6c:[b1]}]]"},
    {"no params", B("<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName></methodCall>"), "m73757065727669736f722e6765745374617465 []"},
    {"empty params", B("<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n</params>\n</methodCall>\n"), "m73757065727669736f722e6765745374617465 []"},
    {"params without param", B("<methodCall><methodName>m.x</methodName><params><value><int>1</int></value><foo>z</foo></params></methodCall>"), "m6d2e78 [i1,s7a]"},
    {"param without value", B("<methodCall><methodName>m.x</methodName><params><param><int>5</int></param></params></methodCall>"), "m6d2e78 [i5]"},
    {"empty param", B("<methodCall><methodName>m.x</methodName><params><param></param></params></methodCall>"), "BAD"},
    {"missing methodName", B("<methodCall><params/></methodCall>"), "BAD"},
    {"empty methodName", B("<methodCall><methodName></methodName></methodCall>"), "BAD"},
    {"methodName with spaces kept", B("<methodCall><methodName> a.b </methodName></methodCall>"), "m20612e6220 []"},
    {"any root element", B("<foo><methodName>a.b</methodName></foo>"), "m612e62 []"},
    {"last params wins", B("<methodCall><methodName>a.b</methodName><params><param><value>1</value></param></params><params><param><value>2</value></param></params></methodCall>"), "m612e62 [s32]"},
    {"encoding declaration ignored", B("<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>a.b</methodName><params><param><value>\xc3""\xa9""</value></param></params></methodCall>"), "m612e62 [sc3a9]"},
    {"bogus encoding declared", B("<?xml version='1.0' encoding='bogus'?><methodCall><methodName>a.b</methodName></methodCall>"), "m612e62 []"},
    {"namespaced tags do not match", B("<methodCall xmlns='urn:x'><methodName>a.b</methodName></methodCall>"), "BAD"},
    {"unbound prefix", B("<methodCall><methodName>a.b</methodName><params><param><value><x:int>1</x:int></value></param></params></methodCall>"), "BAD"},
    {"not utf8", B("<methodCall><methodName>a.b\xff""</methodName></methodCall>"), "NOTUTF8"},
    {"not utf8 surrogate", B("<methodCall><methodName>a.b</methodName><params><param><value>\xed""\xa0""\x80""</value></param></params></methodCall>"), "NOTUTF8"},
    {"control char", B("<methodCall><methodName>a.b</methodName><params><param><value>\x1b""[31m</value></param></params></methodCall>"), "BAD"},
    {"control char ref", B("<methodCall><methodName>a.b</methodName><params><param><value>&#1;</value></param></params></methodCall>"), "BAD"},
    {"nul byte", B("<methodCall><methodName>a.b</methodName>\x00""</methodCall>"), "BAD"},
    {"truncated", B("<methodCall><methodName>a.b</methodName><params><param><value>"), "BAD"},
    {"empty body", B(""), "BAD"},
    {"junk after root", B("<methodCall><methodName>a.b</methodName></methodCall><x/>"), "BAD"},
    {"undefined entity", B("<methodCall><methodName>a.b&foo;</methodName></methodCall>"), "BAD"},
    {"bom", B("\xef""\xbb""\xbf""<methodCall><methodName>a.b</methodName></methodCall>"), "m612e62 []"},
};

static void test_call_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof(call_cases) / sizeof(call_cases[0]); i++) {
        char *got = call_canon(call_cases[i].body, call_cases[i].len);
        if (strcmp(got, call_cases[i].want) != 0) {
            print_error("%s: want %s got %s\n", call_cases[i].name, call_cases[i].want, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
}

/* "<result canon>", "F<code> <hex string>" or "BAD". */
static char *resp_canon(const char *body, size_t len)
{
    struct xmlrpc_value *v;
    int code;
    char *fs;
    struct err e;
    err_clear(&e);
    struct buf b;
    buf_init(&b);
    int rc = xmlrpc_parse_response(body, len, &v, &code, &fs, &e);
    if (rc < 0) {
        assert_null(v);
        assert_null(fs);
        assert_true(e.msg[0] != '\0');
        buf_puts(&b, "BAD");
    } else if (code) {
        assert_null(v);
        buf_printf(&b, "F%d ", code);
        for (const char *p = fs; *p; p++)
            buf_printf(&b, "%02x", (unsigned char)*p);
        free(fs);
    } else {
        assert_null(fs);
        canon(&b, v);
        xmlrpc_free(v);
    }
    return buf_detach(&b);
}

static const struct {
    const char *name;
    const char *body;
    size_t len;
    const char *want;
} resp_cases[] = {
    {"int", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>12185</int></value>\n</param>\n</params>\n</methodResponse>\n"), "i12185"},
    {"string", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n"), "s332e30"},
    {"true", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodResponse>\n"), "b1"},
    {"process info", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>start</name>\n<value><int>1700000000</int></value>\n</member>\n<member>\n<name>stop</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>now</name>\n<value><int>1700000100</int></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n<member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n<member>\n<name>exitstatus</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stdout_logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stderr_logfile</name>\n<value><string></string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>4242</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>pid 4242, uptime 0:01:40</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n"), "{s6e616d65:s636174,s67726f7570:s636174,s7374617274:i1700000000,s73746f70:i0,s6e6f77:i1700000100,s7374617465:i20,s73746174656e616d65:s52554e4e494e47,s737061776e657272:s,s65786974737461747573:i0,s6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646f75745f6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646572725f6c6f6766696c65:s,s706964:i4242,s6465736372697074696f6e:s70696420343234322c20757074696d6520303a30313a3430}"},
    {"process list", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>start</name>\n<value><int>1700000000</int></value>\n</member>\n<member>\n<name>stop</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>now</name>\n<value><int>1700000100</int></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n<member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n<member>\n<name>exitstatus</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stdout_logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stderr_logfile</name>\n<value><string></string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>4242</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>pid 4242, uptime 0:01:40</string></value>\n</member>\n</struct></value>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>start</name>\n<value><int>1700000000</int></value>\n</member>\n<member>\n<name>stop</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>now</name>\n<value><int>1700000100</int></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n<member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n<member>\n<name>exitstatus</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stdout_logfile</name>\n<value><string>/tmp/cat.log</string></value>\n</member>\n<member>\n<name>stderr_logfile</name>\n<value><string></string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>4242</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>pid 4242, uptime 0:01:40</string></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n"), "[{s6e616d65:s636174,s67726f7570:s636174,s7374617274:i1700000000,s73746f70:i0,s6e6f77:i1700000100,s7374617465:i20,s73746174656e616d65:s52554e4e494e47,s737061776e657272:s,s65786974737461747573:i0,s6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646f75745f6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646572725f6c6f6766696c65:s,s706964:i4242,s6465736372697074696f6e:s70696420343234322c20757074696d6520303a30313a3430},{s6e616d65:s636174,s67726f7570:s636174,s7374617274:i1700000000,s73746f70:i0,s6e6f77:i1700000100,s7374617465:i20,s73746174656e616d65:s52554e4e494e47,s737061776e657272:s,s65786974737461747573:i0,s6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646f75745f6c6f6766696c65:s2f746d702f6361742e6c6f67,s7374646572725f6c6f6766696c65:s,s706964:i4242,s6465736372697074696f6e:s70696420343234322c20757074696d6520303a30313a3430}]"},
    {"reloadConfig", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><array><data>\n<value><array><data>\n<value><string>a</string></value>\n</data></array></value>\n<value><array><data>\n</data></array></value>\n<value><array><data>\n<value><string>b</string></value>\n<value><string>c</string></value>\n</data></array></value>\n</data></array></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n"), "[[[s61],[],[s62,s63]]]"},
    {"unicode escape", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>x&lt;&amp;&gt;y h\xc3""\xa9""</string></value>\n</param>\n</params>\n</methodResponse>\n"), "s783c263e792068c3a9"},
    {"multicall mixed", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>statecode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n</struct></value>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n</member>\n</struct></value>\n<value><boolean>1</boolean></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n"), "[{s7374617465636f6465:i1,s73746174656e616d65:s52554e4e494e47},{s6661756c74436f6465:i1,s6661756c74537472696e67:s554e4b4e4f574e5f4d4554484f44},b1]"},
    {"fault", B("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"), "F10 4241445f4e414d453a20666f6f"},
    {"fault unknown", B("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"), "F1 554e4b4e4f574e5f4d4554484f44"},
    {"nil", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><nil/></value></param>\n</params>\n</methodResponse>\n"), "n"},
    {"double", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><double>1.5</double></value>\n</param>\n</params>\n</methodResponse>\n"), "d1.5"},
    {"i8", B("<methodResponse><params><param><value><i8>-9000000000</i8></value></param></params></methodResponse>"), "i-9000000000"},
    {"base64 bytes", B("<methodResponse><params><param><value><base64>/wAB</base64></value></param></params></methodResponse>"), "sff0001"},
    {"untyped", B("<methodResponse><params><param><value>abc</value></param></params></methodResponse>"), "s616263"},
    {"empty value", B("<methodResponse><params><param><value></value></param></params></methodResponse>"), "s"},
    {"prefixed tags", B("<methodResponse xmlns:ex='urn:x'><params><param><value><ex:int>5</ex:int></value></param></params></methodResponse>"), "i5"},
    {"dateTime", B("<methodResponse><params><param><value><dateTime.iso8601> 20240101T00:00:00 </dateTime.iso8601></value></param></params></methodResponse>"), "s32303234303130315430303a30303a3030"},
    {"two params", B("<methodResponse><params><param><value><int>1</int></value></param><param><value><int>2</int></value></param></params></methodResponse>"), "[i1,i2]"},
    {"no params", B("<methodResponse><params></params></methodResponse>"), "[]"},
    {"bad boolean", B("<methodResponse><params><param><value><boolean>true</boolean></value></param></params></methodResponse>"), "BAD"},
    {"bad int", B("<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>"), "BAD"},
    {"unknown tag in value", B("<methodResponse><params><param><value><foo>1</foo></value></param></params></methodResponse>"), "BAD"},
    {"not a response", B("<foo/>"), "BAD"},
    {"truncated", B("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>cat</string>"), "BAD"},
    {"control char raw", B("<methodResponse><params><param><value><string>\x1b""[31m</string></value></param></params></methodResponse>"), "BAD"},
    {"struct odd", B("<methodResponse><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodResponse>"), "BAD"},

};

static void test_response_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
        char *got = resp_canon(resp_cases[i].body, resp_cases[i].len);
        if (strcmp(got, resp_cases[i].want) != 0) {
            print_error("%s: want %s got %s\n", resp_cases[i].name, resp_cases[i].want, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
}

static void assert_response_bytes(struct xmlrpc_value *v, const char *want)
{
    struct buf b;
    buf_init(&b);
    xmlrpc_write_response(&b, v);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    buf_release(&b);
    xmlrpc_free(v);
}

static void test_write_response(void **state)
{
    (void)state;
    assert_response_bytes(xmlrpc_int(12185),
                          "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                          "<value><int>12185</int></value>\n</param>\n</params>\n</methodResponse>\n");

    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "statecode", xmlrpc_int(1));
    xmlrpc_struct_set(st, "statename", xmlrpc_string("RUNNING"));
    assert_response_bytes(st, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                              "<value><struct>\n<member>\n<name>statecode</name>\n"
                              "<value><int>1</int></value>\n</member>\n<member>\n"
                              "<name>statename</name>\n<value><string>RUNNING</string></value>\n"
                              "</member>\n</struct></value>\n</param>\n</params>\n"
                              "</methodResponse>\n");

    /* [1, [True, False], {'a': 'x<y&z>"q\'', 'b': []}, '', 'hé€😀'] */
    struct xmlrpc_value *a = xmlrpc_array(), *inner = xmlrpc_array(), *s = xmlrpc_struct();
    xmlrpc_array_push(a, xmlrpc_int(1));
    xmlrpc_array_push(inner, xmlrpc_bool(true));
    xmlrpc_array_push(inner, xmlrpc_bool(false));
    xmlrpc_array_push(a, inner);
    xmlrpc_struct_set(s, "a", xmlrpc_string("x<y&z>\"q'"));
    xmlrpc_struct_set(s, "b", xmlrpc_array());
    xmlrpc_array_push(a, s);
    xmlrpc_array_push(a, xmlrpc_string(""));
    xmlrpc_array_push(a, xmlrpc_string("h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    assert_response_bytes(
        a, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n"
           "<value><int>1</int></value>\n<value><array><data>\n<value><boolean>1</boolean></value>\n"
           "<value><boolean>0</boolean></value>\n</data></array></value>\n<value><struct>\n"
           "<member>\n<name>a</name>\n<value><string>x&lt;y&amp;z&gt;\"q'</string></value>\n"
           "</member>\n<member>\n<name>b</name>\n<value><array><data>\n</data></array></value>\n"
           "</member>\n</struct></value>\n<value><string></string></value>\n"
           "<value><string>h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</string></value>\n"
           "</data></array></value>\n</param>\n</params>\n</methodResponse>\n");

    struct xmlrpc_value *lim = xmlrpc_array();
    xmlrpc_array_push(lim, xmlrpc_int(2147483647));
    xmlrpc_array_push(lim, xmlrpc_int(-2147483647 - 1));
    assert_response_bytes(lim, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                               "<value><array><data>\n<value><int>2147483647</int></value>\n"
                               "<value><int>-2147483648</int></value>\n</data></array></value>\n"
                               "</param>\n</params>\n</methodResponse>\n");

    /* allow_none=True: no newline after <nil/> */
    assert_response_bytes(xmlrpc_nil(), "<?xml version='1.0'?>\n<methodResponse>\n<params>\n"
                                        "<param>\n<value><nil/></value></param>\n</params>\n"
                                        "</methodResponse>\n");

    /* Control bytes go out raw, as Python's do. */
    assert_response_bytes(xmlrpc_string("\x1b[31m\x01"),
                          "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                          "<value><string>\x1b[31m\x01</string></value>\n</param>\n</params>\n"
                          "</methodResponse>\n");
}

/* The streaming pieces write what the tree writes. */
static void test_write_streaming(void **state)
{
    (void)state;
    static const long long ints[] = {0, 7, -1, 2147483647, -2147483647 - 1, LLONG_MAX, LLONG_MIN};
    struct xmlrpc_value *a = xmlrpc_array();
    struct buf direct;
    buf_init(&direct);
    xmlrpc_write_array_begin(&direct);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct xmlrpc_value *st = xmlrpc_struct();
        xmlrpc_struct_set(st, "n<&>", xmlrpc_int(ints[i]));
        xmlrpc_struct_set(st, "s", xmlrpc_string_n("a&b\0<c>", 7));
        xmlrpc_array_push(a, st);
        xmlrpc_write_struct_begin(&direct);
        xmlrpc_write_member(&direct, "n<&>");
        xmlrpc_write_int(&direct, ints[i]);
        xmlrpc_write_member_end(&direct);
        xmlrpc_write_member(&direct, "s");
        xmlrpc_write_string(&direct, "a&b\0<c>", 7);
        xmlrpc_write_member_end(&direct);
        xmlrpc_write_struct_end(&direct);
    }
    xmlrpc_write_array_end(&direct);
    struct buf tree;
    buf_init(&tree);
    xmlrpc_write_value(&tree, a);
    assert_int_equal(direct.len, tree.len);
    assert_memory_equal(direct.data, tree.data, tree.len);
    static const char min[] = "<value><int>-9223372036854775808</int></value>\n";
    static const char name[] = "<name>n&lt;&amp;&gt;</name>";
    static const char str[] = "<value><string>a&amp;b\0&lt;c&gt;</string></value>\n";
    assert_non_null(memmem(tree.data, tree.len, min, sizeof min - 1));
    assert_non_null(memmem(tree.data, tree.len, name, sizeof name - 1));
    assert_non_null(memmem(tree.data, tree.len, str, sizeof str - 1));
    buf_release(&direct);
    buf_release(&tree);
    xmlrpc_free(a);
}

static void test_write_response_nul(void **state)
{
    (void)state;
    struct xmlrpc_value *v = xmlrpc_string_n("a\0b", 3);
    struct buf b;
    buf_init(&b);
    xmlrpc_write_value(&b, v);
    assert_int_equal(b.len, 36);
    assert_memory_equal(b.data, "<value><string>a\0b</string></value>\n", 36);
    buf_release(&b);
    xmlrpc_free(v);
}

static void test_write_fault(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    xmlrpc_write_fault(&b, 1, "UNKNOWN_METHOD");
    const char *want = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
                       "<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n"
                       "</member>\n<member>\n<name>faultString</name>\n"
                       "<value><string>UNKNOWN_METHOD</string></value>\n</member>\n"
                       "</struct></value>\n</fault>\n</methodResponse>\n";
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, 269);
    buf_reset(&b);
    xmlrpc_write_fault(&b, 10, "BAD_NAME: a<b&c");
    assert_non_null(strstr(b.data, "<value><string>BAD_NAME: a&lt;b&amp;c</string></value>"));
    assert_non_null(strstr(b.data, "<value><int>10</int></value>"));
    buf_release(&b);
}

static void test_write_call(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    struct xmlrpc_value *p = xmlrpc_array();
    xmlrpc_array_push(p, xmlrpc_string("a"));
    xmlrpc_array_push(p, xmlrpc_int(1));
    xmlrpc_write_call(&b, "supervisor.startProcess", p);
    assert_string_equal(b.data, "<?xml version='1.0'?>\n<methodCall>\n"
                                "<methodName>supervisor.startProcess</methodName>\n<params>\n"
                                "<param>\n<value><string>a</string></value>\n</param>\n<param>\n"
                                "<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n");
    xmlrpc_free(p);

    buf_reset(&b);
    xmlrpc_write_call(&b, "supervisor.getState", NULL);
    assert_string_equal(b.data, "<?xml version='1.0'?>\n<methodCall>\n"
                                "<methodName>supervisor.getState</methodName>\n<params>\n"
                                "</params>\n</methodCall>\n");

    buf_reset(&b);
    p = xmlrpc_array();
    struct xmlrpc_value *calls = xmlrpc_array(), *c = xmlrpc_struct();
    xmlrpc_struct_set(c, "methodName", xmlrpc_string("supervisor.getState"));
    xmlrpc_struct_set(c, "params", xmlrpc_array());
    xmlrpc_array_push(calls, c);
    xmlrpc_array_push(p, calls);
    xmlrpc_write_call(&b, "system.multicall", p);
    assert_string_equal(b.data,
                        "<?xml version='1.0'?>\n<methodCall>\n<methodName>system.multicall"
                        "</methodName>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n"
                        "<member>\n<name>methodName</name>\n<value><string>supervisor.getState"
                        "</string></value>\n</member>\n<member>\n<name>params</name>\n"
                        "<value><array><data>\n</data></array></value>\n</member>\n"
                        "</struct></value>\n</data></array></value>\n</param>\n</params>\n"
                        "</methodCall>\n");
    xmlrpc_free(p);
    buf_release(&b);
}

static void test_format_double(void **state)
{
    (void)state;
    /* repr() of each, from /usr/bin/python3 */
    static const struct {
        double d;
        const char *repr;
    } t[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {1.5, "1.5"},
        {0.1, "0.1"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1e-4, "0.0001"},
        {1e-5, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {-2.5, "-2.5"},
        {1e300, "1e+300"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {100.0, "100.0"},
        {0.30000000000000004, "0.30000000000000004"},
        {1234.5678, "1234.5678"},
    };
    char out[40];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        xmlrpc_format_double(out, sizeof(out), t[i].d);
        assert_string_equal(out, t[i].repr);
    }
    xmlrpc_format_double(out, sizeof(out), INFINITY);
    assert_string_equal(out, "inf");
    xmlrpc_format_double(out, sizeof(out), -INFINITY);
    assert_string_equal(out, "-inf");
    xmlrpc_format_double(out, sizeof(out), NAN);
    assert_string_equal(out, "nan");

    struct buf b;
    buf_init(&b);
    struct xmlrpc_value *v = xmlrpc_double(1e-5);
    xmlrpc_write_value(&b, v);
    assert_string_equal(b.data, "<value><double>1e-05</double></value>\n");
    xmlrpc_free(v);
    buf_release(&b);
}

/* A tree of every type survives write_call -> parse_call and
 * write_response -> parse_response unchanged. */
static struct xmlrpc_value *sample(void)
{
    struct xmlrpc_value *a = xmlrpc_array(), *st = xmlrpc_struct(), *deep = xmlrpc_array();
    xmlrpc_array_push(a, xmlrpc_int(-2147483647 - 1));
    xmlrpc_array_push(a, xmlrpc_bool(true));
    xmlrpc_array_push(a, xmlrpc_bool(false));
    xmlrpc_array_push(a, xmlrpc_string("<&>]]> \"'\t\n h\xc3\xa9"));
    xmlrpc_array_push(a, xmlrpc_string(""));
    xmlrpc_array_push(a, xmlrpc_double(-1.25e-9));
    xmlrpc_struct_set(st, "k<&>", xmlrpc_string("v"));
    xmlrpc_struct_set(st, "", xmlrpc_int(0));
    xmlrpc_array_push(deep, xmlrpc_array());
    xmlrpc_struct_set(st, "deep", deep);
    xmlrpc_array_push(a, st);
    xmlrpc_array_push(a, xmlrpc_struct());
    return a;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct xmlrpc_value *v = sample();
    struct buf want, got, b;
    buf_init(&want);
    buf_init(&got);
    buf_init(&b);
    canon(&want, v);

    struct xmlrpc_value *params = xmlrpc_array();
    xmlrpc_array_push(params, xmlrpc_copy(v));
    xmlrpc_array_push(params, xmlrpc_nil()); /* nil reads back as NIL */
    xmlrpc_write_call(&b, "supervisor.x", params);
    struct xmlrpc_call c;
    struct err e;
    assert_int_equal(xmlrpc_parse_call(b.data, b.len, &c, &e), XMLRPC_PARSE_OK);
    assert_string_equal(c.method, "supervisor.x");
    assert_int_equal(c.params->n, 2);
    canon(&got, c.params->items[0]);
    assert_string_equal(got.data, want.data);
    assert_int_equal(c.params->items[1]->type, XMLRPC_NIL);
    xmlrpc_call_release(&c);
    xmlrpc_free(params);

    buf_reset(&b);
    buf_reset(&got);
    xmlrpc_write_response(&b, v);
    struct xmlrpc_value *r;
    int code;
    char *fs;
    assert_int_equal(xmlrpc_parse_response(b.data, b.len, &r, &code, &fs, &e), 0);
    assert_int_equal(code, 0);
    canon(&got, r);
    assert_string_equal(got.data, want.data);
    xmlrpc_free(r);

    buf_reset(&b);
    xmlrpc_write_fault(&b, 92, "CANT_REREAD: x & <y>");
    assert_int_equal(xmlrpc_parse_response(b.data, b.len, &r, &code, &fs, &e), 0);
    assert_null(r);
    assert_int_equal(code, 92);
    assert_string_equal(fs, "CANT_REREAD: x & <y>");
    free(fs);

    xmlrpc_free(v);
    buf_release(&want);
    buf_release(&got);
    buf_release(&b);
}

static void test_values(void **state)
{
    (void)state;
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "a", xmlrpc_int(1));
    xmlrpc_struct_set(st, "b", xmlrpc_int(2));
    xmlrpc_struct_set(st, "a", xmlrpc_int(3));
    assert_int_equal(st->n, 2);
    assert_string_equal(st->members[0].name, "a");
    assert_int_equal(xmlrpc_struct_get(st, "a")->i, 3);
    assert_null(xmlrpc_struct_get(st, "c"));
    assert_null(xmlrpc_struct_get(NULL, "a"));
    struct xmlrpc_value *c = xmlrpc_copy(st);
    xmlrpc_free(st);
    assert_int_equal(xmlrpc_struct_get(c, "b")->i, 2);
    xmlrpc_free(c);
    xmlrpc_free(NULL);
    assert_null(xmlrpc_copy(NULL));
}

static void test_check_marshal(void **state)
{
    (void)state;
    struct err e;
    struct xmlrpc_value *a = xmlrpc_array();
    xmlrpc_array_push(a, xmlrpc_int(2147483647));
    assert_int_equal(xmlrpc_check_marshal(a, &e), 0);
    struct xmlrpc_value *st = xmlrpc_struct();
    xmlrpc_struct_set(st, "stdout_logfile_maxbytes", xmlrpc_int(3221225472LL)); /* 3GB */
    xmlrpc_array_push(a, st);
    assert_int_equal(xmlrpc_check_marshal(a, &e), -1);
    assert_string_equal(e.msg, "int exceeds XML-RPC limits");
    xmlrpc_free(a);
    struct xmlrpc_value *n = xmlrpc_nil();
    assert_int_equal(xmlrpc_check_marshal(n, &e), -1);
    xmlrpc_free(n);
    n = xmlrpc_int(-2147483647LL - 2);
    assert_int_equal(xmlrpc_check_marshal(n, &e), -1);
    xmlrpc_free(n);
}

static void test_base64_helper(void **state)
{
    (void)state;
    /* base64.decodebytes results */
    static const struct {
        const char *in, *out;
        int rc;
    } t[] = {
        {"YQ==", "a", 0},    {"Y!Q=!=", "a", 0},  {"YQ=x=", "a\x0c", 0}, {"Y=Q==", "a", 0},
        {"YW=Jj", "abc", 0}, {"YWI=YQ==", "ab", 0}, {"YQ===", "a", 0},   {"", "", 0},
        {"YQ", NULL, -1},    {"YQ=", NULL, -1},   {"YQ=x", NULL, -1},    {"Y", NULL, -1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *out = NULL;
        size_t n = 0;
        assert_int_equal(xmlrpc_base64_decode(t[i].in, strlen(t[i].in), &out, &n), t[i].rc);
        if (t[i].rc == 0) {
            assert_int_equal(n, strlen(t[i].out));
            assert_memory_equal(out, t[i].out, n);
            free(out);
        }
    }
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(xmlrpc_utf8_valid(B("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0")));
    assert_false(xmlrpc_utf8_valid(B("\xff")));
    assert_false(xmlrpc_utf8_valid(B("\xc0\xaf")));         /* overlong */
    assert_false(xmlrpc_utf8_valid(B("\xe0\x80\xaf")));     /* overlong */
    assert_false(xmlrpc_utf8_valid(B("\xed\xa0\x80")));     /* surrogate */
    assert_false(xmlrpc_utf8_valid(B("\xf4\x90\x80\x80"))); /* > U+10FFFF */
    assert_false(xmlrpc_utf8_valid(B("\xc3")));             /* truncated */
    assert_false(xmlrpc_utf8_valid(B("\xe2\x82")));
}

/* ------------------------------------------------------------ hostile input */

static enum xmlrpc_parse_status parse_status(const char *body, size_t len, char *why, size_t wsz)
{
    struct xmlrpc_call c;
    struct err e;
    err_clear(&e);
    enum xmlrpc_parse_status st = xmlrpc_parse_call(body, len, &c, &e);
    if (st == XMLRPC_PARSE_OK)
        xmlrpc_call_release(&c);
    size_t n = strnlen(e.msg, wsz - 1);
    memcpy(why, e.msg, n);
    why[n] = '\0';
    return st;
}

static void test_doctype_rejected(void **state)
{
    (void)state;
    char why[256];
    const char bomb[] =
        "<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
        "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
        "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>"
        "<!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>"
        "<!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>"
        "<!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>"
        "<!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>]>\n"
        "<methodCall><methodName>a.b</methodName><params><param><value>&lol9;</value>"
        "</param></params></methodCall>";
    assert_int_equal(parse_status(B(bomb), why, sizeof(why)), XMLRPC_PARSE_BAD);
    assert_string_equal(why, "DOCTYPE is not allowed");
    assert_int_equal(
        parse_status(B("<!DOCTYPE x><methodCall><methodName>a.b</methodName></methodCall>"),
                     why, sizeof(why)),
        XMLRPC_PARSE_BAD);
    assert_string_equal(why, "DOCTYPE is not allowed");
    assert_int_equal(parse_status(B("<!DOCTYPE x SYSTEM 'file:///etc/passwd'><x>&e;</x>"), why,
                                  sizeof(why)),
                     XMLRPC_PARSE_BAD);

    struct xmlrpc_value *r;
    int code;
    char *fs;
    struct err e;
    assert_int_equal(xmlrpc_parse_response(B(bomb), &r, &code, &fs, &e), -1);
    assert_string_equal(e.msg, "DOCTYPE is not allowed");
}

static char *nested(int depth, const char *open, const char *close, const char *pre,
                    const char *post)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, pre);
    for (int i = 0; i < depth; i++)
        buf_puts(&b, open);
    for (int i = 0; i < depth; i++)
        buf_puts(&b, close);
    buf_puts(&b, post);
    return buf_detach(&b);
}

static void test_depth(void **state)
{
    (void)state;
    char why[256];
    const char *pre = "<methodCall><methodName>a.b</methodName><params><param>";
    const char *post = "</param></params></methodCall>";
    /* 4 elements above the first <value>; each level is value+array+data */
    char *ok = nested(20, "<value><array><data>", "</data></array></value>", pre, post);
    struct xmlrpc_call c;
    struct err e;
    assert_int_equal(xmlrpc_parse_call(ok, strlen(ok), &c, &e), XMLRPC_PARSE_OK);
    const struct xmlrpc_value *v = c.params->items[0];
    for (int i = 0; i < 19; i++) {
        assert_int_equal(v->type, XMLRPC_ARRAY);
        assert_int_equal(v->n, 1);
        v = v->items[0];
    }
    assert_int_equal(v->type, XMLRPC_ARRAY);
    assert_int_equal(v->n, 0);
    xmlrpc_call_release(&c);
    free(ok);

    char *deep = nested(100, "<value><array><data>", "</data></array></value>", pre, post);
    assert_int_equal(parse_status(deep, strlen(deep), why, sizeof(why)), XMLRPC_PARSE_BAD);
    assert_string_equal(why, "nesting too deep");
    free(deep);

    /* Exactly the limit passes, one more fails (methodCall is level 1). */
    char *edge = nested(XMLRPC_MAX_DEPTH - 1, "<a>", "</a>", "<methodCall><methodName>a.b</methodName>",
                        "</methodCall>");
    assert_int_equal(parse_status(edge, strlen(edge), why, sizeof(why)), XMLRPC_PARSE_OK);
    free(edge);
    edge = nested(XMLRPC_MAX_DEPTH, "<a>", "</a>", "<methodCall><methodName>a.b</methodName>",
                  "</methodCall>");
    assert_int_equal(parse_status(edge, strlen(edge), why, sizeof(why)), XMLRPC_PARSE_BAD);
    free(edge);

    /* Self-closing elements past the limit: expat reports their end even
     * after the parser was stopped in the start handler. */
    edge = nested(XMLRPC_MAX_DEPTH - 1, "<a>", "</a>",
                  "<methodCall><methodName>a.b</methodName>", "</methodCall>");
    char *p = strstr(edge, "</a>");
    struct buf b;
    buf_init(&b);
    buf_append(&b, edge, (size_t)(p - edge));
    buf_puts(&b, "<x/><y/>");
    buf_puts(&b, p);
    assert_int_equal(parse_status(b.data, b.len, why, sizeof(why)), XMLRPC_PARSE_BAD);
    buf_release(&b);
    free(edge);

    struct xmlrpc_value *r;
    int code;
    char *fs;
    deep = nested(100, "<value><array><data>", "</data></array></value>",
                  "<methodResponse><params><param>", "</param></params></methodResponse>");
    assert_int_equal(xmlrpc_parse_response(deep, strlen(deep), &r, &code, &fs, &e), -1);
    assert_string_equal(e.msg, "nesting too deep");
    free(deep);
}

static void test_value_count(void **state)
{
    (void)state;
    char why[256];
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "<methodCall><methodName>a.b</methodName>");
    for (int i = 0; i < XMLRPC_MAX_VALUES; i++)
        buf_puts(&b, "<a/>");
    buf_puts(&b, "</methodCall>");
    /* methodCall + methodName + 1e6 <a/> is two over the limit */
    assert_int_equal(parse_status(b.data, b.len, why, sizeof(why)), XMLRPC_PARSE_BAD);
    assert_string_equal(why, "too many elements");
    buf_release(&b);
}

static void test_malformed(void **state)
{
    (void)state;
    char why[256];
    /* every prefix of a real call is BAD, never a crash or a leak */
    static const char full[] =
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n"
        "<params>\n<param>\n<value><string>cat</string></value>\n</param>\n<param>\n"
        "<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n";
    for (size_t n = 0; n < sizeof(full) - 2; n++)
        assert_int_equal(parse_status(full, n, why, sizeof(why)), XMLRPC_PARSE_BAD);
    assert_int_equal(parse_status(full, sizeof(full) - 2, why, sizeof(why)), XMLRPC_PARSE_OK);
    /* a UTF-8 sequence cut short is NOT_UTF8 before it is truncated XML */
    assert_int_equal(parse_status(B("<m><methodName>\xc3"), why, sizeof(why)),
                     XMLRPC_PARSE_NOT_UTF8);

    struct xmlrpc_value *r;
    int code;
    char *fs;
    struct err e;
    static const char resp[] =
        "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n"
        "<value><struct>\n<member>\n<name>a</name>\n<value><int>1</int></value>\n</member>\n"
        "</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
    for (size_t n = 0; n < sizeof(resp) - 2; n++)
        assert_int_equal(xmlrpc_parse_response(resp, n, &r, &code, &fs, &e), -1);
    assert_int_equal(xmlrpc_parse_response(resp, sizeof(resp) - 1, &r, &code, &fs, &e), 0);
    xmlrpc_free(r);
    /* a fault that is not {int, string} */
    assert_int_equal(xmlrpc_parse_response(B("<methodResponse><fault><value><struct><member>"
                                             "<name>faultCode</name><value>x</value></member>"
                                             "<member><name>faultString</name><value>y</value>"
                                             "</member></struct></value></fault>"
                                             "</methodResponse>"),
                                           &r, &code, &fs, &e),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_cases),       cmocka_unit_test(test_response_cases),
        cmocka_unit_test(test_write_response),   cmocka_unit_test(test_write_response_nul),
        cmocka_unit_test(test_write_streaming),
        cmocka_unit_test(test_write_fault),      cmocka_unit_test(test_write_call),
        cmocka_unit_test(test_format_double),    cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_values),           cmocka_unit_test(test_check_marshal),
        cmocka_unit_test(test_base64_helper),    cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_doctype_rejected), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_value_count),      cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
