/* supervisorctl: the command line and [supervisorctl] section
 * (options.py:ClientOptions with Python getopt's rules and messages), then
 * one command (the arguments joined with spaces) or the interactive shell. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "expand.h"
#include "format.h"
#include "ini.h"
#include "options.h"
#include "pyopt.h"
#include "shell.h"
#include "xalloc.h"

extern char **environ;

static const char *progname = "supervisorctl";

static const char help_text[] =
    "supervisorctl -- control applications run by supervisord from the cmd line.\n"
    "\n"
    "Usage: %s [options] [action [arguments]]\n"
    "\n"
    "Options:\n"
    "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
    "-h/--help -- print usage message and exit\n"
    "-i/--interactive -- start an interactive shell after executing commands\n"
    "-s/--serverurl URL -- URL on which supervisord server is listening\n"
    "     (default \"http://localhost:9001\").\n"
    "-u/--username USERNAME -- username to use for authentication with server\n"
    "-p/--password PASSWORD -- password to use for authentication with server\n"
    "-r/--history-file -- keep a readline history (if readline is available)\n"
    "\n"
    "action [arguments] -- see below\n"
    "\n"
    "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
    "specified on the command line, a \"shell\" interpreting actions typed\n"
    "interactively is started.  Use the action \"help\" to find out about available\n"
    "actions.\n"
    "\n";

static _Noreturn void usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nFor help, use %s -h\n", progname);
    exit(2);
}

enum opt_id { O_HELP, O_CONFIG, O_INTERACTIVE, O_SERVERURL, O_USERNAME, O_PASSWORD, O_HISTORY };

/* In Options.add order: getopt's long-option prefix matching sees them so. */
static const struct pyopt opts[] = {
    {'h', "help", false, O_HELP},
    {'?', NULL, false, O_HELP},
    {'c', "configuration", true, O_CONFIG},
    {'i', "interactive", false, O_INTERACTIVE},
    {'s', "serverurl", true, O_SERVERURL},
    {'u', "username", true, O_USERNAME},
    {'p', "password", true, O_PASSWORD},
    {'r', "history_file", true, O_HISTORY},
};

struct cli {
    const char *configfile;
    bool interactive;
    char *serverurl, *username, *password;
    bool has_history;
    bool seen[O_HISTORY + 1];
};

static void apply(struct cli *cl, const struct pyopt_item *p)
{
    if (p->o->id == O_HELP) {
        printf(help_text, progname);
        exit(0);
    }
    if (p->o->id == O_SERVERURL && !fmt_url_valid(p->arg)) {
        struct buf b;
        buf_init(&b);
        fmt_str_repr(&b, p->arg);
        usage("invalid value for %s %s: value %s is not a URL", p->given, b.data, b.data);
    }
    if (cl->seen[p->o->id]) {
        struct buf b;
        buf_init(&b);
        fmt_str_repr(&b, p->given);
        usage("conflicting command line option %s", b.data);
    }
    cl->seen[p->o->id] = true;
    switch (p->o->id) {
    case O_CONFIG: cl->configfile = p->arg; break;
    case O_INTERACTIVE: cl->interactive = true; break;
    case O_SERVERURL: cl->serverurl = xstrdup(p->arg); break;
    case O_USERNAME: cl->username = xstrdup(p->arg); break;
    case O_PASSWORD: cl->password = xstrdup(p->arg); break;
    case O_HISTORY: cl->has_history = true; break; /* stored, unused: as 4.2.5 */
    default: break;
    }
}

/* Python's getopt.getopt, then the options in order. Returns the index of
 * the first positional argument. */
static int parse_cmdline(struct cli *cl, int argc, char **argv)
{
    struct pyopt_item *ps;
    size_t np;
    struct err e;
    int i = pyopt_parse(opts, sizeof opts / sizeof opts[0], argc, argv, &ps, &np, &e);
    if (i < 0)
        usage("%s", e.msg);
    for (size_t k = 0; k < np; k++)
        apply(cl, &ps[k]);
    free(ps);
    return i;
}

/* getdefault(key, default, expansions): the value, %-expanded. */
static char *conf_get(const struct ini *ini, const struct ini_section *s, const char *key,
                      const char *def, const struct expand_vars *vars)
{
    const char *v = ini_value(ini, s, key);
    if (!v)
        v = def;
    if (!v)
        return NULL;
    struct err e;
    err_clear(&e);
    char *name = xasprintf("supervisorctl.%s", key);
    char *r = expand(v, vars, name, &e);
    free(name);
    if (!r)
        usage("%s", e.msg);
    return r;
}

static void read_config(struct ctl *c, struct cli *cl, const char *path)
{
    if (access(path, F_OK) != 0)
        usage("could not find config file %s", path);
    char *norm = py_normalize_path(path);
    char *here = py_dirname(norm);
    free(norm);
    struct ini ini;
    ini_init(&ini);
    struct err e;
    err_clear(&e);
    if (ini_read_file(&ini, path, &e) < 0)
        usage("%s", e.msg);
    struct ini_section *s = ini_section(&ini, "supervisorctl");
    if (!s)
        usage(".ini file does not include supervisorctl section");
    struct expand_vars env, withhere;
    expand_vars_init(&env);
    expand_vars_add_environ(&env, environ);
    expand_vars_init(&withhere);
    expand_vars_copy(&withhere, &env);
    expand_vars_set_str(&withhere, "here", here);

    char *url = conf_get(&ini, s, "serverurl", "http://localhost:9001", &withhere);
    if (strncmp(url, "unix://", 7) == 0) {
        char *p = py_normalize_path(url + 7);
        free(url);
        url = xasprintf("unix://%s", p);
        free(p);
    }
    if (!cl->serverurl)
        cl->serverurl = url;
    else
        free(url);
    char *prompt = conf_get(&ini, s, "prompt", "supervisor", &env);
    free(c->prompt);
    c->prompt = prompt;
    char *user = conf_get(&ini, s, "username", NULL, &env);
    if (!cl->username)
        cl->username = user;
    else
        free(user);
    char *pass = conf_get(&ini, s, "password", NULL, &env);
    if (!cl->password)
        cl->password = pass;
    else
        free(pass);
    char *hist = conf_get(&ini, s, "history_file", NULL, &withhere);
    if (hist && *hist)
        c->history_file = py_normalize_path(hist);
    free(hist);
    expand_vars_release(&env);
    expand_vars_release(&withhere);
    ini_release(&ini);
    free(here);
}

int main(int argc, char **argv)
{
    progname = argv[0];
    struct cli cl;
    memset(&cl, 0, sizeof cl);
    int first = parse_cmdline(&cl, argc, argv);
    struct ctl c;
    ctl_init(&c);
    c.prompt = xstrdup("supervisor");
    char *found = NULL;
    const char *configfile = cl.configfile;
    if (!configfile) {
        char *searched = NULL;
        found = config_find_default(argv[0], &searched);
        free(searched);
        configfile = found;
    }
    if (configfile)
        read_config(&c, &cl, configfile);
    free(found);
    c.serverurl = cl.serverurl ? cl.serverurl : xstrdup("http://localhost:9001");
    c.username = cl.username;
    c.password = cl.password;
    c.interactive = cl.interactive || first >= argc;
    /* Beyond Python: a username without a password asks for one on a
     * terminal (Python would send no credentials and get a 401). */
    if (c.username && !c.password && isatty(0)) {
        c.password = ctl_getpass("Password:");
        if (!c.password)
            c.password = xstrdup("");
    }
    /* Controller.output writes through; tail -f and fg flush as they go. */
    setvbuf(stdin, NULL, _IONBF, 0);
    int status = 0;
    if (first < argc) {
        struct buf line;
        buf_init(&line);
        for (int i = first; i < argc; i++)
            buf_printf(&line, "%s%s", i > first ? " " : "", argv[i]);
        ctl_onecmd(&c, line.data);
        buf_release(&line);
        status = c.exitstatus;
    } else {
        shell_run(&c);
    }
    fflush(stdout);
    ctl_release(&c);
    return status;
}
