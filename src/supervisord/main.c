/* supervisord: the command line (the same flags as Supervisor 4.2.5's, with
 * Python getopt's rules and messages), --check-config, and the restart loop:
 * load config, drop privileges, open the log, build the supervisor,
 * daemonize, run; on SIGHUP do it all again. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "datatypes.h"
#include "log.h"
#include "pyopt.h"
#include "supervisor.h"
#include "xalloc.h"

#define VERSION "4.2.5"

extern char **environ;

static const char *progname = "supervisord";

static const char help_text[] =
    "supervisord -- run a set of applications as daemons.\n"
    "\n"
    "Usage: %s [options]\n"
    "\n"
    "Options:\n"
    "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
    "-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)\n"
    "-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)\n"
    "-h/--help -- print this usage message and exit\n"
    "-v/--version -- print supervisord version number and exit\n"
    "-u/--user USER -- run supervisord as this user (or numeric uid)\n"
    "-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)\n"
    "-d/--directory DIRECTORY -- directory to chdir to when daemonized\n"
    "-l/--logfile FILENAME -- use FILENAME as logfile path\n"
    "-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile\n"
    "-z/--logfile_backups NUM -- number of backups to keep when max bytes reached\n"
    "-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)\n"
    "-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME\n"
    "-i/--identifier STR -- identifier used for this instance of supervisord\n"
    "-q/--childlogdir DIRECTORY -- the log directory for child process logs\n"
    "-k/--nocleanup --  prevent the process from performing cleanup (removal of\n"
    "                   old automatic child log files) at startup.\n"
    "-a/--minfds NUM -- the minimum number of file descriptors for start success\n"
    "-t/--strip_ansi -- strip ansi escape codes from process output\n"
    "--minprocs NUM  -- the minimum number of processes available for start success\n"
    "--profile_options OPTIONS -- run supervisord under profiler and output\n"
    "                             results based on OPTIONS, which  is a comma-sep'd\n"
    "                             list of 'cumulative', 'calls', and/or 'callers',\n"
    "                             e.g. 'cumulative,callers')\n"
    "--check-config -- read and validate the configuration, report every error\n"
    "                  and warning, then exit (0: valid, 2: errors)\n"
    "\n";

__attribute__((noreturn, format(printf, 1, 2))) static void usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nFor help, use %s -h\n", progname);
    exit(2);
}

/* ---- command line ---- */

enum opt_id {
    OPT_HELP, OPT_VERSION, OPT_CONFIG, OPT_NODAEMON, OPT_SILENT, OPT_USER, OPT_UMASK,
    OPT_DIRECTORY, OPT_LOGFILE, OPT_MAXBYTES, OPT_BACKUPS, OPT_LOGLEVEL, OPT_PIDFILE,
    OPT_IDENTIFIER, OPT_CHILDLOGDIR, OPT_MINFDS, OPT_MINPROCS, OPT_NOCLEANUP, OPT_STRIP_ANSI,
    OPT_PROFILE, OPT_CHECK,
};

static const struct pyopt opts[] = {
    {'h', "help", false, OPT_HELP},
    {'?', NULL, false, OPT_HELP},
    {'c', "configuration", true, OPT_CONFIG},
    {'v', "version", false, OPT_VERSION},
    {'n', "nodaemon", false, OPT_NODAEMON},
    {'u', "user", true, OPT_USER},
    {'m', "umask", true, OPT_UMASK},
    {'d', "directory", true, OPT_DIRECTORY},
    {'l', "logfile", true, OPT_LOGFILE},
    {'y', "logfile_maxbytes", true, OPT_MAXBYTES},
    {'z', "logfile_backups", true, OPT_BACKUPS},
    {'e', "loglevel", true, OPT_LOGLEVEL},
    {'j', "pidfile", true, OPT_PIDFILE},
    {'i', "identifier", true, OPT_IDENTIFIER},
    {'q', "childlogdir", true, OPT_CHILDLOGDIR},
    {'a', "minfds", true, OPT_MINFDS},
    {0, "minprocs", true, OPT_MINPROCS},
    {'k', "nocleanup", false, OPT_NOCLEANUP},
    {'t', "strip_ansi", false, OPT_STRIP_ANSI},
    {0, "profile_options", true, OPT_PROFILE},
    {'s', "silent", false, OPT_SILENT},
    {0, "check-config", false, OPT_CHECK},
};

struct cmdline {
    struct config_cli cli;
    bool check;
    bool seen[OPT_CHECK + 1];
};

static char *pyrepr(const char *s)
{
    return dt_pyrepr(s);
}

static void bad_value(const char *opt, const char *arg, const struct err *e)
{
    char *r = pyrepr(arg);
    fprintf(stderr, "Error: invalid value for %s %s: %s\nFor help, use %s -h\n", opt, r,
            e->msg, progname);
    free(r);
    exit(2);
}

static void apply_opt(struct cmdline *cl, const struct pyopt *o, const char *given,
                      const char *arg)
{
    struct config_cli *c = &cl->cli;
    struct err e;
    long long v = 0;
    char *path = NULL;
    int level = 0;

    switch (o->id) {
    case OPT_HELP:
        printf(help_text, progname);
        exit(0);
    case OPT_VERSION:
        printf("%s\n", VERSION);
        exit(0);
    case OPT_PROFILE:
        return; /* accepted for compatibility; there is no Python profiler here */
    default:
        break;
    }
    /* convert first, as Python does, then check for a repeat */
    switch (o->id) {
    case OPT_UMASK:
        if (dt_octal(arg, &v, &e) < 0)
            bad_value(given, arg, &e);
        break;
    case OPT_DIRECTORY:
    case OPT_CHILDLOGDIR:
        if (dt_existing_directory(arg, &path, &e) < 0)
            bad_value(given, arg, &e);
        break;
    case OPT_LOGFILE:
    case OPT_PIDFILE:
        if (dt_existing_dirpath(arg, &path, &e) < 0)
            bad_value(given, arg, &e);
        break;
    case OPT_MAXBYTES:
        if (dt_byte_size(arg, &v, &e) < 0)
            bad_value(given, arg, &e);
        break;
    case OPT_BACKUPS:
    case OPT_MINFDS:
    case OPT_MINPROCS:
        if (dt_integer(arg, &v, &e) < 0)
            bad_value(given, arg, &e);
        break;
    case OPT_LOGLEVEL:
        if (dt_loglevel(arg, &level, &e) < 0)
            bad_value(given, arg, &e);
        break;
    default:
        break;
    }
    if (cl->seen[o->id]) {
        free(path);
        char *r = pyrepr(given);
        fprintf(stderr, "Error: conflicting command line option %s\nFor help, use %s -h\n", r,
                progname);
        free(r);
        exit(2);
    }
    cl->seen[o->id] = true;
    switch (o->id) {
    case OPT_CONFIG: c->configfile = arg; break;
    case OPT_NODAEMON: c->nodaemon = true; break;
    case OPT_SILENT: c->silent = true; break;
    case OPT_USER: c->user = arg; break;
    case OPT_UMASK: c->umask = (int)v; break;
    case OPT_DIRECTORY: c->directory = path; path = NULL; break;
    case OPT_LOGFILE: c->logfile = path; path = NULL; break;
    case OPT_MAXBYTES: c->logfile_maxbytes = v; break;
    case OPT_BACKUPS: c->logfile_backups = v; break;
    case OPT_LOGLEVEL: c->loglevel = level; break;
    case OPT_PIDFILE: c->pidfile = path; path = NULL; break;
    case OPT_IDENTIFIER: c->identifier = arg; break;
    case OPT_CHILDLOGDIR: c->childlogdir = path; path = NULL; break;
    case OPT_MINFDS: c->minfds = v; break;
    case OPT_MINPROCS: c->minprocs = v; break;
    case OPT_NOCLEANUP: c->nocleanup = true; break;
    case OPT_STRIP_ANSI: c->strip_ansi = true; break;
    case OPT_CHECK: cl->check = true; break;
    default: break;
    }
    free(path);
}

static void parse_cmdline(struct cmdline *cl, int argc, char **argv)
{
    memset(cl, 0, sizeof *cl);
    config_cli_init(&cl->cli);
    struct pyopt_item *ps;
    size_t np;
    struct err e;
    int i = pyopt_parse(opts, sizeof opts / sizeof opts[0], argc, argv, &ps, &np, &e);
    if (i < 0)
        usage("%s", e.msg);
    for (size_t k = 0; k < np; k++)
        apply_opt(cl, ps[k].o, ps[k].given, ps[k].arg);
    free(ps);
    if (i < argc) {
        struct buf b;
        buf_init(&b);
        buf_putc(&b, '[');
        for (int j = i; j < argc; j++) {
            char *r = pyrepr(argv[j]);
            buf_printf(&b, "%s%s", j > i ? ", " : "", r);
            free(r);
        }
        buf_putc(&b, ']');
        fprintf(stderr, "Error: positional arguments are not supported: %s\nFor help, use %s -h\n",
                b.data, progname);
        buf_release(&b);
        exit(2);
    }
}

static void free_cmdline(struct cmdline *cl)
{
    free((char *)cl->cli.directory);
    free((char *)cl->cli.logfile);
    free((char *)cl->cli.pidfile);
    free((char *)cl->cli.childlogdir);
}

/* ---- --check-config ---- */

static int check_config(const char *path, const struct config_cli *cli)
{
    struct config cfg;
    struct config_diags diags;
    struct err e;
    err_clear(&e);
    config_diags_init(&diags);
    memset(&cfg, 0, sizeof cfg);
    int rc = config_load(&cfg, path, cli, environ, &diags, &e);
    size_t nerr = 0, nwarn = 0;
    for (size_t i = 0; i < diags.n; i++) {
        const struct config_diag *d = &diags.v[i];
        bool is_err = d->level == DIAG_ERROR;
        nerr += is_err;
        nwarn += !is_err;
        if (d->file && d->line > 0)
            printf("%s:%d: ", d->file, d->line);
        else if (d->file)
            printf("%s: ", d->file);
        printf("%s: %s\n", is_err ? "error" : "warning", d->text);
    }
    if (rc < 0 && nerr == 0) {
        /* an error the loader could not attach to a place */
        printf("%s: error: %s\n", path, e.msg);
        nerr = 1;
    }
    printf("%s: %zu error%s, %zu warning%s\n", path, nerr, nerr == 1 ? "" : "s", nwarn,
           nwarn == 1 ? "" : "s");
    config_diags_release(&diags);
    config_release(&cfg);
    return nerr ? 2 : 0;
}

/* ---- running ---- */

/* Supervisor logs queued messages grouped: CRIT, then WARN, then INFO. */
static void log_queued(const struct config_msg *v, size_t n, int level)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].level == level)
            log_msg(v[i].level, "%s", v[i].text);
}

static void log_all_queued(const struct config *cfg, const struct daemon_msgs *m)
{
    static const int order[] = {LOG_CRIT, LOG_ERRO, LOG_WARN, LOG_INFO, LOG_DEBG, LOG_TRAC,
                                LOG_BLAT};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        log_queued(cfg->msgs, cfg->nmsgs, order[k]);
        log_queued(m->v, m->n, order[k]);
    }
}

/* One life of the daemon, from config load to the end of the loop.
 * Returns the mood it ended in. */
static enum mood run_once(const char *path, const struct config_cli *cli, bool first)
{
    struct err e;
    err_clear(&e);
    struct config *cfg = xcalloc(1, sizeof *cfg);
    if (config_load(cfg, path, cli, environ, NULL, &e) < 0) {
        config_release(cfg);
        free(cfg);
        usage("%s", e.msg);
    }
    struct daemon_msgs msgs = {0};
    if (daemon_set_uid(cfg, &msgs, &e) < 0 || (first && daemon_set_rlimits(cfg, &msgs, &e) < 0)) {
        config_release(cfg);
        free(cfg);
        daemon_msgs_release(&msgs);
        usage("%s", e.msg);
    }
    struct log_config lc = {
        .path = cfg->logfile_syslog ? "syslog" : cfg->logfile,
        .maxbytes = cfg->logfile_maxbytes,
        .backups = (int)cfg->logfile_backups,
        .level = cfg->loglevel,
        .to_stdout = cfg->nodaemon && !cfg->silent,
        .strip_ansi = false, /* Supervisor strips child output only */
    };
    if (log_open(&lc, &e) < 0) {
        config_release(cfg);
        free(cfg);
        daemon_msgs_release(&msgs);
        usage("%s", e.msg);
    }
    log_all_queued(cfg, &msgs);
    daemon_msgs_release(&msgs);
    bool nodaemon = cfg->nodaemon;
    char *pidfile = xstrdup(cfg->pidfile);
    struct supervisor s;
    if (supervisor_init(&s, cfg, cli, environ, &e) < 0) {
        supervisor_release(&s);
        free(pidfile);
        log_close();
        usage("%s", e.msg);
    }
    if (first && !nodaemon)
        daemon_daemonize(s.cfg);
    bool wrote_pid = daemon_write_pidfile(pidfile);
    enum mood mood = supervisor_run(&s);
    supervisor_release(&s);
    if (wrote_pid)
        unlink(pidfile);
    free(pidfile);
    log_close();
    return mood;
}

int main(int argc, char **argv)
{
    progname = argv[0];
    /* Answers of a megabyte (getAllProcessInfo at 1,000 programs, log
     * reads) are mmapped and given back when freed: glibc's default
     * threshold rises after the first and keeps later ones in the heap. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
    /* A child closing its stdin or a client going away must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    struct cmdline cl;
    parse_cmdline(&cl, argc, argv);

    char *found = NULL;
    const char *path = cl.cli.configfile;
    if (!path) {
        char *searched = NULL;
        if (getuid() == 0)
            fprintf(stderr,
                    "UserWarning: Supervisord is running as root and it is searching for its "
                    "configuration file in default locations (including its current working "
                    "directory); you probably want to specify a \"-c\" argument specifying an "
                    "absolute path to a configuration file for improved security.\n");
        found = config_find_default(argv[0], &searched);
        if (!found) {
            fprintf(stderr,
                    "Error: No config file found at default paths (%s); use the -c option to "
                    "specify a config file at a different path\nFor help, use %s -h\n",
                    searched ? searched : "", progname);
            free(searched);
            free_cmdline(&cl);
            return 2;
        }
        free(searched);
        path = found;
    }

    int rc = 0;
    if (cl.check) {
        rc = check_config(path, &cl.cli);
    } else {
        for (bool first = true;; first = false)
            if (run_once(path, &cl.cli, first) < MOOD_RESTARTING)
                break;
    }
    free(found);
    free_cmdline(&cl);
    return rc;
}
