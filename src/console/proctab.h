/* proctab: one node's processes as plain C structs, sorted by group then
 * name (getAllProcessInfo's order), with lookup by group and name or by
 * namespec. A process is its six integers inline and its eight strings in
 * one owned block (about 0.3 KB a process, where the XML-RPC tree of
 * getAllProcessInfo costs 1.8 KB).
 *
 * Filled from a getAllProcessInfo ARRAY (a poll) or from the event
 * stream's JSON records; written back as a getAllProcessInfo STRUCT with
 * the same members, order, types and bytes. A node's struct that is not of
 * Supervisor's usual shape (the 14 members in Supervisor's order with
 * their types; strings without NUL bytes) is kept whole as it came, so
 * whatever a node sends is written back unchanged; its fields read as
 * before (a missing or mistyped string is "", a missing or mistyped
 * integer 0).
 *
 * Every table owns its processes; every process owns its strings. */
#ifndef CONSOLE_PROCTAB_H
#define CONSOLE_PROCTAB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "xmlrpc.h"

/* The strings of a process (the names of getAllProcessInfo's members). */
enum proctab_field {
    PROCTAB_NAME,
    PROCTAB_GROUP,
    PROCTAB_STATENAME,
    PROCTAB_SPAWNERR,
    PROCTAB_LOGFILE,
    PROCTAB_STDOUT_LOGFILE,
    PROCTAB_STDERR_LOGFILE,
    PROCTAB_DESCRIPTION,
    PROCTAB_NFIELDS
};

struct proctab_proc {
    long long start, stop, now, state, exitstatus, pid; /* seconds; as getAllProcessInfo */
    char *strs;                    /* owned: the fields back to back, each NUL-terminated */
    uint32_t end[PROCTAB_NFIELDS]; /* end[k]: offset just past field k's NUL */
    struct xmlrpc_value *raw;      /* owned: a struct not of the usual shape, kept whole;
                                    * NULL for the usual shape */
};

struct proctab {
    struct proctab_proc *procs; /* owned; sorted by group, then name (strcmp) */
    size_t n, cap;
};

void proctab_init(struct proctab *t);
void proctab_release(struct proctab *t); /* frees every process; t is then empty */
/* t takes over the contents of from (whose slot is left empty). */
void proctab_move(struct proctab *t, struct proctab *from);

/* A field as a C string (never NULL) and its length in bytes. */
const char *proctab_str(const struct proctab_proc *p, enum proctab_field k);
size_t proctab_len(const struct proctab_proc *p, enum proctab_field k);
/* getAllProcessInfo's member name of a field ("stdout_logfile"...). */
const char *proctab_field_name(enum proctab_field k);

/* A getAllProcessInfo ARRAY into t (emptied first), sorted. Every item must
 * be a STRUCT with a string name and group and an int state: otherwise -1
 * + e and t is left empty (a node we do not understand). a is only read. */
int proctab_from_array(struct proctab *t, const struct xmlrpc_value *a, struct err *e);

/* One event record ({"group", "name", "statename", "spawnerr": strings;
 * "state", "pid", "start", "stop": integers, times in ms; "exitstatus":
 * an integer or null}) into *out, as getProcessInfo would give it at now
 * (seconds): times in seconds, a null exitstatus 0, the description worded
 * as Supervisor words it. The log paths (events do not carry them) are
 * old's, or empty when old is NULL. -1 + e ("process 3: 'pid' missing or
 * not an integer"; i is the record's index) when rec is not such a record;
 * *out is then untouched. */
int proctab_from_record(struct proctab_proc *out, const json_t *rec, long long now, size_t i,
                        const struct proctab_proc *old, struct err *e);

/* The log paths of from into to (for processes filled from events); from
 * NULL: nothing is done. */
void proctab_copy_logs(struct proctab_proc *to, const struct proctab_proc *from);

/* The members of the usual shape, in Supervisor's order: PROCTAB_MEMBERS
 * of them. Member i's name; its value is p's string field *field, or
 * (*field = PROCTAB_NFIELDS) the integer *ival. Not for a raw process. */
#define PROCTAB_MEMBERS 14
const char *proctab_member(const struct proctab_proc *p, size_t i, enum proctab_field *field,
                           long long *ival);

/* p's getAllProcessInfo STRUCT (the caller frees it). */
struct xmlrpc_value *proctab_to_xmlrpc(const struct proctab_proc *p);

/* The process group:name, or NULL. */
struct proctab_proc *proctab_find(const struct proctab *t, const char *group, const char *name);
/* The index of group:name, or SIZE_MAX. */
size_t proctab_index(const struct proctab *t, const char *group, const char *name);
/* By namespec "group:name"; a namespec without ':' is name:name, as
 * Supervisor reads it. NULL if there is none. */
struct proctab_proc *proctab_find_ns(const struct proctab *t, const char *namespec);

/* Append p (t takes over its contents; *p is left empty) without sorting. */
void proctab_push(struct proctab *t, struct proctab_proc *p);
/* Replace process i with p (taken over as by proctab_push); order kept. */
void proctab_replace(struct proctab *t, size_t i, struct proctab_proc *p);
/* Restore the order after pushes (nothing to do when already sorted). */
void proctab_sort(struct proctab *t);
void proctab_proc_release(struct proctab_proc *p);

#endif
