/* libFuzzer target for the INI reader: any bytes, read as a file twice (the
 * second read merges), then every section and value is looked up and one
 * value is %-expanded, so ini, ini_pyrepr and expand all see fuzzed text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ini ini;
    struct err e;
    ini_init(&ini);
    if (ini_read_string(&ini, (const char *)data, size, "fuzz.conf", &e) == 0)
        (void)ini_read_string(&ini, (const char *)data, size, "again.conf", &e);
    struct expand_vars vs;
    expand_vars_init(&vs);
    expand_vars_set_str(&vs, "here", "/etc");
    expand_vars_set_int(&vs, "process_num", 3);
    for (size_t i = 0; i < ini.n; i++) {
        struct ini_section *s = ini.sections[i];
        if (ini_section(&ini, s->name) == NULL)
            abort();
        for (size_t j = 0; j < s->n; j++) {
            const char *v = ini_value(&ini, s, s->entries[j].key);
            if (!v)
                abort();
            char *x = expand(v, &vs, s->entries[j].key, &e);
            free(x);
        }
    }
    char *r = ini_pyrepr((const char *)data, size);
    free(r);
    expand_vars_release(&vs);
    ini_release(&ini);
    return 0;
}
