/* selector: the body of POST /api/v1/actions, checked and typed: the
 * action, either a list of targets ({"node", "name"}) or filters with the
 * meaning of GET /api/v1/processes (environment, node, group, state, name;
 * at least one, or "all": true), and "rolling": N for a restart. Unknown
 * keys are refused (a misspelt filter must not widen the selection). Pure:
 * which nodes exist and who may touch them is bulk.c's. */
#ifndef CONSOLE_SELECTOR_H
#define CONSOLE_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "job.h"

#define SELECTOR_ROLLING_MAX 1000

struct selector_target {
    char *node, *name; /* owned */
};

struct selector {
    enum job_action action;
    unsigned rolling;                 /* 0: not rolling */
    struct selector_target *targets;  /* owned; NULL: filters */
    size_t ntargets;
    char *environment, *node, *group, *state, *name; /* owned filters; NULL: any */
    bool all;
};

/* Fill sel from body (borrowed). -1 + e (the message for a 400) if it is
 * not a valid request; sel is then empty. */
int selector_parse(struct selector *sel, const json_t *body, struct err *e);
void selector_release(struct selector *sel);

/* Whether a process of a node matches the filters (not the targets). */
bool selector_matches(const struct selector *sel, const char *node, const char *environment,
                      const char *group, const char *name, const char *statename);
/* state: a comma list of state names, any case; pattern: a shell pattern
 * against the name or group:name (as GET /api/v1/processes). */
bool selector_state_matches(const char *list, const char *statename);
bool selector_name_matches(const char *pattern, const char *group, const char *name);

#endif
