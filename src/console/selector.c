/* selector: JSON in, struct selector out, every field bounded. */
#include "selector.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define FIELD_MAX 255

void selector_release(struct selector *sel)
{
    for (size_t i = 0; i < sel->ntargets; i++) {
        free(sel->targets[i].node);
        free(sel->targets[i].name);
    }
    free(sel->targets);
    free(sel->environment);
    free(sel->node);
    free(sel->group);
    free(sel->state);
    free(sel->name);
    memset(sel, 0, sizeof *sel);
}

/* A string of 0 (if empty_ok) or 1..FIELD_MAX printable bytes (they reach
 * the log and the node's XML-RPC). */
static const char *text(const json_t *v, bool empty_ok)
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    size_t len = json_string_length(v);
    if (len != strlen(s) || len > FIELD_MAX || (!len && !empty_ok))
        return NULL;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return NULL;
    return s;
}

static int fail(struct selector *sel, struct err *e, const char *what)
{
    selector_release(sel);
    return err_set(e, ERR_USAGE, "%s", what);
}

int selector_parse(struct selector *sel, const json_t *body, struct err *e)
{
    memset(sel, 0, sizeof *sel);
    if (!json_is_object(body))
        return fail(sel, e, "expected a JSON object");
    const char *key;
    const json_t *v;
    bool has_action = false, has_filter = false, has_targets = false;
    json_object_foreach((json_t *)body, key, v)
    {
        char **filter = NULL;
        if (strcmp(key, "action") == 0) {
            int a = json_is_string(v) ? job_action_parse(json_string_value(v)) : -1;
            if (a < 0)
                return fail(sel, e, "\"action\" must be \"start\", \"stop\" or \"restart\"");
            sel->action = (enum job_action)a;
            has_action = true;
        } else if (strcmp(key, "rolling") == 0) {
            if (json_is_null(v))
                continue;
            json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
            if (n < 1 || n > SELECTOR_ROLLING_MAX)
                return fail(sel, e, "\"rolling\" must be a whole number in 1..1000");
            sel->rolling = (unsigned)n;
        } else if (strcmp(key, "all") == 0) {
            if (!json_is_boolean(v))
                return fail(sel, e, "\"all\" must be true or false");
            sel->all = json_is_true(v);
        } else if (strcmp(key, "targets") == 0) {
            size_t n = json_array_size(v);
            if (!json_is_array(v) || n == 0 || n > JOB_ITEMS_MAX)
                return fail(sel, e, "\"targets\" must be an array of 1..10000 objects");
            sel->targets = xcalloc(n, sizeof *sel->targets);
            for (size_t i = 0; i < n; i++) {
                const json_t *t = json_array_get(v, i);
                const char *node = text(json_object_get(t, "node"), false);
                const char *name = text(json_object_get(t, "name"), false);
                if (!json_is_object(t) || json_object_size(t) != 2 || !node || !name)
                    return fail(sel, e,
                                "each target must be {\"node\": ..., \"name\": ...} (printable, "
                                "1..255 bytes)");
                sel->targets[i].node = xstrdup(node);
                sel->targets[i].name = xstrdup(name);
                sel->ntargets++;
            }
            has_targets = true;
        } else if (strcmp(key, "environment") == 0) {
            filter = &sel->environment;
        } else if (strcmp(key, "node") == 0) {
            filter = &sel->node;
        } else if (strcmp(key, "group") == 0) {
            filter = &sel->group;
        } else if (strcmp(key, "state") == 0) {
            filter = &sel->state;
        } else if (strcmp(key, "name") == 0) {
            filter = &sel->name;
        } else {
            char msg[320];
            snprintf(msg, sizeof msg, "unknown key \"%.255s\"", key);
            return fail(sel, e, msg);
        }
        if (filter) {
            /* environment "" names the nodes without one */
            const char *s = text(v, filter == &sel->environment);
            if (!s)
                return fail(sel, e, "a filter must be a printable string of 1..255 bytes");
            *filter = xstrdup(s);
            has_filter = true;
        }
    }
    if (!has_action)
        return fail(sel, e, "\"action\" is required");
    if (has_targets && (has_filter || sel->all))
        return fail(sel, e, "give either \"targets\" or filters, not both");
    if (!has_targets && !has_filter && !sel->all)
        return fail(sel, e,
                    "give \"targets\", at least one filter (environment, node, group, state, "
                    "name), or \"all\": true");
    if (sel->rolling && sel->action != JOB_RESTART)
        return fail(sel, e, "\"rolling\" is for a restart only");
    return 0;
}

bool selector_state_matches(const char *list, const char *statename)
{
    size_t len = strlen(statename);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == len && strncasecmp(p, statename, len) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return false;
}

bool selector_name_matches(const char *pattern, const char *group, const char *name)
{
    if (fnmatch(pattern, name, 0) == 0)
        return true;
    char *spec = xasprintf("%s:%s", group, name);
    bool ok = fnmatch(pattern, spec, 0) == 0;
    free(spec);
    return ok;
}

bool selector_matches(const struct selector *sel, const char *node, const char *environment,
                      const char *group, const char *name, const char *statename)
{
    return (!sel->node || strcmp(sel->node, node) == 0) &&
           (!sel->environment || strcmp(sel->environment, environment) == 0) &&
           (!sel->group || strcmp(sel->group, group) == 0) &&
           (!sel->state || selector_state_matches(sel->state, statename)) &&
           (!sel->name || selector_name_matches(sel->name, group, name));
}
