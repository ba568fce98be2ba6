/* cmd: what supervisorctl's command files share (commands.c: the table,
 * the process commands and help; follow.c: tail, maintail, fg; admin.c:
 * the configuration and daemon commands): calling the server, raising
 * Python's exceptions, splitting arguments, JSON output, upcheck. A
 * function that "raises" stores the exception text in c->exc and returns
 * -1 (see commands.c). Internal to supervisorctl. */
#ifndef CMD_H
#define CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "commands.h"
#include "xmlrpc.h"

/* Fault codes (xmlrpc.py:Faults) */
enum {
    F_UNKNOWN_METHOD = 1,
    F_SHUTDOWN_STATE = 6,
    F_BAD_NAME = 10,
    F_BAD_SIGNAL = 11,
    F_NO_FILE = 20,
    F_NOT_EXECUTABLE = 21,
    F_FAILED = 30,
    F_ABNORMAL_TERMINATION = 40,
    F_SPAWN_ERROR = 50,
    F_ALREADY_STARTED = 60,
    F_NOT_RUNNING = 70,
    F_SUCCESS = 80,
    F_ALREADY_ADDED = 90,
    F_STILL_RUNNING = 91,
    F_CANT_REREAD = 92,
};
#define NO_IGNORE (-1)
#define PROC_RUNNING 20

#define PY_CTL "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py"

/* ---- raising ---- */

int cmd_raise_text(struct ctl *c, char *text); /* takes text */
int cmd_raise_fault(struct ctl *c);            /* xmlrpc.client.Fault of the last fault */
int cmd_raise_value_error(struct ctl *c, int code, const char *name, int line);
char *cmd_fault_str(const struct ctl *c); /* "<Fault 6: 'SHUTDOWN_STATE'>"; caller frees */
/* raw_input with Python's EOFError. 0 ok (*out, caller frees), -1 raised. */
int cmd_input_or_raise(struct ctl *c, const char *prompt, int pyline, char **out);

/* ---- calling the server ---- */

struct client_conf cmd_conf_of(const struct ctl *c);
/* Call method with params (owned, NULL = none). 0: *out set (owned; out may
 * be NULL); 1: a fault (c->fault_code/fault_string); -1: raised. */
int cmd_rpc(struct ctl *c, const char *method, struct xmlrpc_value *params,
            struct xmlrpc_value **out);
/* The same, a fault raised as an exception. */
int cmd_rpc_or_raise(struct ctl *c, const char *method, struct xmlrpc_value *params,
                     struct xmlrpc_value **out);
struct xmlrpc_value *cmd_args1(const char *a);
struct xmlrpc_value *cmd_args2(const char *a, const char *b);
struct xmlrpc_value *cmd_args_ii(long long a, long long b);
/* A struct's string or int member; "" or 0 when absent or of another type. */
const char *cmd_sget(const struct xmlrpc_value *st, const char *key);
long long cmd_iget(const struct xmlrpc_value *st, const char *key);
size_t cmd_alen(const struct xmlrpc_value *a); /* 0 unless an array */

/* Controller.upcheck: 1 up, 0 refused (message printed, status set), -1 raised. */
int cmd_upcheck(struct ctl *c);
#define CMD_UPCHECK(c)                                                                             \
    do {                                                                                           \
        int up_ = cmd_upcheck(c);                                                                  \
        if (up_ <= 0)                                                                              \
            return up_;                                                                            \
    } while (0)

/* ---- words and output ---- */

struct cmd_words {
    char **w;
    size_t n;
};
struct cmd_words cmd_split(const char *arg); /* str.split() */
void cmd_words_free(struct cmd_words *ws);
bool cmd_words_has(const struct cmd_words *ws, const char *s);
bool cmd_take_json(struct cmd_words *ws); /* remove every "--json"; true if any */

void cmd_output_n(const char *s, size_t n); /* a str that may hold NULs, then "\n" */
/* A JSON array of the structs, each with "namespec" first, one per line. */
void cmd_json_print(const struct xmlrpc_value *const *items, size_t n);
/* commands.c: `help <name>`; run the command name (one of the table). */
void commands_help(struct ctl *c, const char *name);
int commands_run(struct ctl *c, const char *name, const char *arg);

/* ---- the handlers outside commands.c: 0, 1 to stop the shell, -1 raised ---- */

int follow_tail(struct ctl *c, const char *arg);
int follow_maintail(struct ctl *c, const char *arg);
int follow_fg(struct ctl *c, const char *arg);
int admin_avail(struct ctl *c, const char *arg);
int admin_reread(struct ctl *c, const char *arg);
int admin_add(struct ctl *c, const char *arg);
int admin_remove(struct ctl *c, const char *arg);
int admin_update(struct ctl *c, const char *arg);
int admin_open(struct ctl *c, const char *arg);
int admin_version(struct ctl *c, const char *arg);
int admin_shutdown(struct ctl *c, const char *arg);
int admin_reload(struct ctl *c, const char *arg);

#endif
