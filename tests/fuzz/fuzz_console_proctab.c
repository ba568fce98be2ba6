/* libFuzzer target for what a node sends supervisor-console about its
 * processes (src/console/proctab.c and overview.c, built in here: the fuzz
 * rules link the daemon's libraries, not the console's). The first byte
 * picks the way in: a getAllProcessInfo answer (XML-RPC methodResponse) or
 * an event-stream record (JSON). Whatever is accepted must come back out
 * as it went in: each process's overview JSON written from the table must
 * be the bytes written from its getAllProcessInfo struct, and the struct
 * must survive a second trip through a table unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/console/overview.c"
#include "../../src/console/proctab.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The overview JSON of every process of t, two ways, compared. */
static void check_table(const struct proctab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct proctab_proc *p = &t->procs[i];
        struct xmlrpc_value *st = proctab_to_xmlrpc(p);
        struct buf a, b;
        buf_init(&a);
        buf_init(&b);
        overview_proc(&a, p, "n", "env", true, 0);
        overview_process(&b, st, "n", "env", true);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            abort();
        /* and once more through a table: the same struct */
        struct xmlrpc_value *arr = xmlrpc_array();
        xmlrpc_array_push(arr, st);
        struct proctab again;
        proctab_init(&again);
        struct err e;
        err_clear(&e);
        if (proctab_from_array(&again, arr, &e) < 0 || again.n != 1)
            abort();
        struct buf c;
        buf_init(&c);
        overview_proc(&c, &again.procs[0], "n", "env", true, 0);
        if (c.len != a.len || memcmp(c.data, a.data, a.len) != 0)
            abort();
        buf_release(&a);
        buf_release(&b);
        buf_release(&c);
        proctab_release(&again);
        xmlrpc_free(arr);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct err e;
    err_clear(&e);
    struct proctab t;
    proctab_init(&t);
    if (data[0] & 1) { /* an event record, as node.c hands them over */
        json_error_t je;
        json_t *rec = json_loadb((const char *)data + 1, size - 1, 0, &je);
        if (rec) {
            struct proctab_proc p;
            memset(&p, 0, sizeof p);
            if (proctab_from_record(&p, rec, 1795700000, 0, NULL, &e) == 0)
                proctab_push(&t, &p);
            json_decref(rec);
        }
    } else { /* a poll's answer */
        struct xmlrpc_value *v = NULL;
        int code = 0;
        char *fs = NULL;
        if (xmlrpc_parse_response((const char *)data + 1, size - 1, &v, &code, &fs, &e) == 0 &&
            !code && v && v->type == XMLRPC_ARRAY)
            proctab_from_array(&t, v, &e);
        xmlrpc_free(v);
        free(fs);
    }
    check_table(&t);
    proctab_release(&t);
    return 0;
}
