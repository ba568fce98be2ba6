/* shell: supervisorctl's interactive loop (cmd.Cmd.cmdloop). On a terminal
 * it reads with libedit: the "<prompt>> " prompt, history kept in
 * history_file (plain lines, as GNU readline writes them), tab completion
 * of commands, groups and process names. Otherwise it writes the prompt
 * and reads stdin line by line, as Python's input() does. */
#ifndef SHELL_H
#define SHELL_H

#include "commands.h"

/* Run "status" then every line until EOF/quit/exit/^C. */
void shell_run(struct ctl *c);

#endif
