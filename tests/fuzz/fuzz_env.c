/* libFuzzer target for environment= parsing (dt_env_pairs, Python's
 * non-POSIX shlex with our keep-and-warn reading) and the small converters
 * that take one config value. Input is treated as a C string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datatypes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct err e;
    struct kvlist kv, w;
    kvlist_init(&kv);
    kvlist_init(&w);
    if (dt_env_pairs(s, &kv, &w, &e) == 0) {
        for (size_t i = 0; i < w.n; i++)
            if (!kvlist_get(&kv, w.v[i].key))
                abort(); /* every warning names a key we kept */
    }
    kvlist_release(&kv);
    kvlist_release(&w);

    long long ll;
    int i;
    bool b;
    uint8_t set[32];
    enum autorestart ar;
    char *p = NULL;
    (void)dt_integer(s, &ll, &e);
    (void)dt_byte_size(s, &ll, &e);
    (void)dt_octal(s, &ll, &e);
    (void)dt_boolean(s, &b, &e);
    (void)dt_signal(s, &i, &e);
    (void)dt_exitcodes(s, set, &e);
    (void)dt_autorestart(s, &ar, &e);
    (void)dt_loglevel(s, &i, &e);
    if (dt_inet_address(s, &p, &i, &e) == 0)
        free(p);
    p = NULL;
    if (dt_process_or_group_name(s, &p, &e) == 0)
        free(p);
    free(dt_pyrepr(s));
    free(s);
    return 0;
}
