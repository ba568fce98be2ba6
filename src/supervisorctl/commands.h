/* commands: supervisorctl's command table (name, handler, help) and the
 * interpreter of one command line, with supervisorctl 4.2.5's parsing,
 * messages and exit statuses. The shell (shell.c) and main.c drive it. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "xmlrpc.h"

/* LSB exit statuses (supervisorctl.py) */
enum {
    CTL_SUCCESS = 0,
    CTL_GENERIC = 1,
    CTL_INVALID_ARGS = 2,
    CTL_UNIMPLEMENTED = 3,
    CTL_INSUFFICIENT_PRIVILEGES = 4,
    CTL_NOT_INSTALLED = 5,
    CTL_NOT_RUNNING = 7,
    CTL_STATUS_NOT_RUNNING = 3,
    CTL_STATUS_UNKNOWN = 4,
};

struct ctl {
    char *serverurl;    /* owned */
    char *username;     /* owned; NULL = None */
    char *password;     /* owned; NULL = None */
    char *prompt;       /* owned: the [supervisorctl] prompt, without "> " */
    char *history_file; /* owned; NULL = none */
    bool interactive;   /* options.interactive: confirmations, 401 prompts */
    int exitstatus;
    struct xmlrpc_value *complete_info; /* completion cache (owned) */
    /* The Python exception a command raised (owned), with its HTTP status
     * (0 when not a ProtocolError) and errno (0 when not an OSError). */
    char *exc;
    int exc_http;
    int exc_errno;
    /* The last fault an RPC returned. */
    int fault_code;
    char *fault_string; /* owned */
};

void ctl_init(struct ctl *c);
void ctl_release(struct ctl *c);

/* Print a line (message + "\n") on stdout, as Controller.output. */
void ctl_output(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run one command line as Controller.onecmd: parse (cmd.Cmd.parseline),
 * dispatch, print uncaught errors as "error: <class ...>, ...". Returns true
 * when the shell should stop (EOF, quit, exit). */
bool ctl_onecmd(struct ctl *c, const char *line);

/* The command names (sorted, without EOF) for completion. */
const char *const *ctl_command_names(size_t *n);
/* Completion candidates for `text` in `line` (Controller.complete): a
 * NULL-terminated array of malloc'd strings, each with a trailing space;
 * the caller frees each and the array. May call getAllProcessInfo (cached
 * until the next command). */
char **ctl_complete(struct ctl *c, const char *line, const char *text);

/* Read a line from stdin after writing prompt to stdout (raw_input): the
 * line without its newline (caller frees), or NULL at EOF. */
char *ctl_input(const char *prompt);
/* getpass.getpass(prompt): /dev/tty with echo off, else stdin with Python's
 * warning on stderr. NULL at EOF. */
char *ctl_getpass(const char *prompt);

#endif
