/* Unit tests for config.c / options.c: INI files in a temp directory, loaded
 * with a fixed environment; expected texts come from running Supervisor
 * 4.2.5 (/usr/bin/python3 + supervisor.options.ServerOptions) on the same
 * files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "xalloc.h"

static char tmpdir[64];
static char env_home[] = "HOME=/root", env_path[] = "PATH=/usr/bin:/bin", env_foo[] = "FOO=bar";
static char *test_env[] = {env_home, env_path, env_foo, NULL};
#define NAMES_ENV "ENV_FOO, ENV_HOME, ENV_PATH"

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/cfgtestXXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

/* Write tmpdir/name; returns the full path (caller frees). */
static char *put(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *conf_path(void)
{
    return xasprintf("%s/sv.conf", tmpdir);
}

/* Load text as tmpdir/sv.conf. Returns config_load's result. */
static int load_cli(struct config *cfg, const char *text, const struct config_cli *cli,
                    struct config_diags *d, struct err *e)
{
    char *p = put("sv.conf", text);
    int r = config_load(cfg, p, cli, test_env, d, e);
    free(p);
    return r;
}

static int load(struct config *cfg, const char *text, struct err *e)
{
    struct config_cli cli;
    config_cli_init(&cli);
    return load_cli(cfg, text, &cli, NULL, e);
}

static void load_ok(struct config *cfg, const char *text)
{
    struct err e;
    int r = load(cfg, text, &e);
    if (r != 0)
        fail_msg("unexpected error: %s", e.msg);
}

/* Expect an error with exactly msg (a printf format; "%F" is not used:
 * callers build the " in section" suffix with suffix()). */
static void expect_error(const char *text, const char *msg)
{
    struct config cfg;
    struct err e;
    int r = load(&cfg, text, &e);
    config_release(&cfg);
    if (r == 0)
        fail_msg("expected error '%s' for:\n%s", msg, text);
    assert_string_equal(e.msg, msg);
}

static char *suffix(const char *section)
{
    return xasprintf(" in section '%s' (file: '%s/sv.conf')", section, tmpdir);
}

static void expect_prog_error(const char *text, const char *section, const char *msg)
{
    char *sfx = suffix(section);
    char *full = xasprintf("%s%s", msg, sfx);
    expect_error(text, full);
    free(sfx);
    free(full);
}

static const struct config_msg *find_msg(const struct config *cfg, const char *text)
{
    for (size_t i = 0; i < cfg->nmsgs; i++)
        if (strcmp(cfg->msgs[i].text, text) == 0)
            return &cfg->msgs[i];
    return NULL;
}

static const struct config_msg *find_msg_sub(const struct config *cfg, const char *sub)
{
    for (size_t i = 0; i < cfg->nmsgs; i++)
        if (strstr(cfg->msgs[i].text, sub))
            return &cfg->msgs[i];
    return NULL;
}

static const struct config_diag *find_diag(const struct config_diags *d, enum diag_level lv,
                                           const char *sub)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].level == lv && strstr(d->v[i].text, sub))
            return &d->v[i];
    return NULL;
}

static struct process_config *proc(const struct config *cfg, const char *group, size_t i)
{
    struct group_config *g = config_group(cfg, group);
    assert_non_null(g);
    assert_true(i < g->nprocs);
    return g->procs[i];
}

/* ---------------- [supervisord] ---------------- */

static void test_supervisord_defaults(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n");
    char *cwd = getcwd(NULL, 0);
    char *log = xasprintf("%s/supervisord.log", cwd);
    char *pid = xasprintf("%s/supervisord.pid", cwd);
    assert_string_equal(cfg.logfile, log);
    assert_string_equal(cfg.pidfile, pid);
    assert_false(cfg.logfile_syslog);
    assert_int_equal(cfg.logfile_maxbytes, 50 * 1024 * 1024);
    assert_int_equal(cfg.logfile_backups, 10);
    assert_int_equal(cfg.loglevel, LOGLEVEL_INFO);
    assert_int_equal(cfg.umask, 022);
    assert_false(cfg.nodaemon);
    assert_false(cfg.silent);
    assert_int_equal(cfg.minfds, 1024);
    assert_int_equal(cfg.minprocs, 200);
    assert_false(cfg.nocleanup);
    assert_string_equal(cfg.childlogdir, "/tmp");
    assert_false(cfg.has_user);
    assert_null(cfg.directory);
    assert_false(cfg.strip_ansi);
    assert_string_equal(cfg.identifier, "supervisor");
    assert_int_equal(cfg.environment.n, 0);
    assert_null(cfg.serverurl);
    assert_int_equal(cfg.ngroups, 0);
    assert_int_equal(cfg.nservers, 0);
    assert_string_equal(cfg.here, tmpdir);
    assert_int_equal(cfg.nmsgs, 0);
    assert_string_equal(cfg.ctl_serverurl, "http://localhost:9001");
    assert_string_equal(cfg.ctl_prompt, "supervisor");
    free(log);
    free(pid);
    free(cwd);
    config_release(&cfg);
}

static void test_supervisord_options(void **state)
{
    (void)state;
    struct config cfg;
    free(put("sub/keep", ""));
    char *text = xasprintf("[supervisord]\n"
                           "logfile=%%(here)s/main.log\n"
                           "logfile_maxbytes=1KB\n"
                           "logfile_backups=3\n"
                           "loglevel=BLATHER\n"
                           "pidfile=%s/sub/../d.pid\n"
                           "umask=0o27\n"
                           "nodaemon=yes\n"
                           "silent=on\n"
                           "minfds=2_048\n"
                           "minprocs= 7 \n"
                           "nocleanup=1\n"
                           "childlogdir=%%(here)s\n"
                           "user=root\n"
                           "directory=/\n"
                           "strip_ansi=true\n"
                           "identifier=id-%%(ENV_FOO)s\n"
                           "environment=A=1,B=\"x y\",HOME2=%%(ENV_HOME)s\n",
                           tmpdir);
    load_ok(&cfg, text);
    free(text);
    char *log = xasprintf("%s/main.log", tmpdir);
    char *pid = xasprintf("%s/d.pid", tmpdir);
    assert_string_equal(cfg.logfile, log);
    assert_string_equal(cfg.pidfile, pid);
    assert_int_equal(cfg.logfile_maxbytes, 1024);
    assert_int_equal(cfg.logfile_backups, 3);
    assert_int_equal(cfg.loglevel, LOGLEVEL_BLATHER);
    assert_int_equal(cfg.umask, 027);
    assert_true(cfg.nodaemon);
    assert_true(cfg.silent);
    assert_int_equal(cfg.minfds, 2048);
    assert_int_equal(cfg.minprocs, 7);
    assert_true(cfg.nocleanup);
    assert_string_equal(cfg.childlogdir, tmpdir);
    assert_true(cfg.has_user);
    assert_string_equal(cfg.user, "root");
    assert_int_equal(cfg.uid, 0);
    assert_int_equal(cfg.gid, 0);
    assert_string_equal(cfg.directory, "/");
    assert_true(cfg.strip_ansi);
    assert_string_equal(cfg.identifier, "id-bar");
    assert_int_equal(cfg.environment.n, 3);
    assert_string_equal(kvlist_get(&cfg.environment, "A"), "1");
    assert_string_equal(kvlist_get(&cfg.environment, "B"), "x y");
    assert_string_equal(kvlist_get(&cfg.environment, "HOME2"), "/root");
    free(log);
    free(pid);
    config_release(&cfg);
}

static void test_supervisord_logfile_syslog(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\nlogfile=syslog\n");
    assert_true(cfg.logfile_syslog);
    assert_string_equal(cfg.logfile, "syslog");
    config_release(&cfg);
    /* NONE is just a file name for the main log. */
    load_ok(&cfg, "[supervisord]\nlogfile=NONE\n");
    assert_false(cfg.logfile_syslog);
    char *cwd = getcwd(NULL, 0);
    char *want = xasprintf("%s/NONE", cwd);
    assert_string_equal(cfg.logfile, want);
    free(want);
    free(cwd);
    config_release(&cfg);
}

static void test_supervisord_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"minfds=abc\n", "invalid literal for int() with base 10: 'abc'"},
        {"minprocs=1.5\n", "invalid literal for int() with base 10: '1.5'"},
        {"loglevel=verbose\n", "bad logging level name 'verbose'"},
        {"loglevel=warning\n", "bad logging level name 'warning'"},
        {"umask=089\n", "089 can not be converted to an octal type"},
        {"logfile=/nonexist/x.log\n",
         "The directory named as part of the path /nonexist/x.log does not exist"},
        {"pidfile=/nonexist/x.pid\n",
         "The directory named as part of the path /nonexist/x.pid does not exist"},
        {"childlogdir=/nonexist\n", "/nonexist is not an existing directory"},
        {"directory=/nonexist\n", "/nonexist is not an existing directory"},
        {"user=nosuchuserxx\n", "Invalid user name nosuchuserxx"},
        {"nodaemon=maybe\n", "not a valid boolean value: 'maybe'"},
        {"logfile_maxbytes=10b\n", "invalid literal for int() with base 10: '10b'"},
        {"logfile_backups=x\n", "invalid literal for int() with base 10: 'x'"},
        {"environment=A=1 B=2\n", "Unexpected end of key/value pairs in value 'A=1 B=2'"},
        {"identifier=%(foo)s\n", "Format string '%(foo)s' for 'supervisord.identifier' contains "
                                 "names ('foo') which cannot be expanded. Available names: " NAMES_ENV
                                 ", here"},
        {"environment=A=%(host_node_name)s\n",
         "Format string 'A=%(host_node_name)s' for 'supervisord.environment' contains names "
         "('host_node_name') which cannot be expanded. Available names: " NAMES_ENV ", here"},
        {"identifier=50%\n", "Format string '50%' for 'supervisord.identifier' is badly "
                             "formatted: incomplete format"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[supervisord]\n%s", cases[i][0]);
        expect_error(text, cases[i][1]);
        free(text);
    }
}

/* First error wins: minfds is read before loglevel. */
static void test_supervisord_error_order(void **state)
{
    (void)state;
    expect_error("[supervisord]\nloglevel=bogus\nminfds=x\n",
                 "invalid literal for int() with base 10: 'x'");
}

static void test_supervisord_environment_double_expansion(void **state)
{
    (void)state;
    struct config cfg;
    struct utsname u;
    uname(&u);
    load_ok(&cfg, "[supervisord]\nenvironment=P=\"%%%%x\",N=%%(host_node_name)s\n");
    assert_string_equal(kvlist_get(&cfg.environment, "P"), "%x");
    assert_string_equal(kvlist_get(&cfg.environment, "N"), u.nodename);
    config_release(&cfg);
}

static void test_cli_overrides(void **state)
{
    (void)state;
    struct config cfg;
    struct config_cli cli;
    struct err e;
    config_cli_init(&cli);
    char *log = xasprintf("%s/cli.log", tmpdir);
    cli.logfile = log;
    cli.loglevel = LOGLEVEL_DEBUG;
    cli.logfile_maxbytes = 0;
    cli.logfile_backups = 2;
    cli.umask = 0;
    cli.nodaemon = true;
    cli.minfds = 5;
    cli.identifier = "cliid";
    cli.user = "root";
    /* A bad config user does not matter when -u wins (resolved in realize). */
    assert_int_equal(load_cli(&cfg,
                              "[supervisord]\nlogfile=x.log\nloglevel=warn\nuser=nosuchuserxx\n"
                              "identifier=cfgid\nminfds=9\n",
                              &cli, NULL, &e),
                     0);
    assert_string_equal(cfg.logfile, log);
    assert_int_equal(cfg.loglevel, LOGLEVEL_DEBUG);
    assert_int_equal(cfg.logfile_maxbytes, 0);
    assert_int_equal(cfg.logfile_backups, 2);
    assert_int_equal(cfg.umask, 0);
    assert_true(cfg.nodaemon);
    assert_int_equal(cfg.minfds, 5);
    assert_string_equal(cfg.identifier, "cliid");
    assert_int_equal(cfg.uid, 0);
    config_release(&cfg);
    /* ...but config values are still validated. */
    assert_int_equal(load_cli(&cfg, "[supervisord]\nloglevel=bogus\n", &cli, NULL, &e), -1);
    assert_string_equal(e.msg, "bad logging level name 'bogus'");
    config_release(&cfg);
    cli.user = "nosuchuserxx";
    assert_int_equal(load_cli(&cfg, "[supervisord]\n", &cli, NULL, &e), -1);
    assert_string_equal(e.msg, "Invalid user name nosuchuserxx");
    config_release(&cfg);
    free(log);
}

static void test_file_errors(void **state)
{
    (void)state;
    struct config cfg;
    struct err e;
    char *p = xasprintf("%s/missing.conf", tmpdir);
    assert_int_equal(config_load(&cfg, p, NULL, test_env, NULL, &e), -1);
    char *want = xasprintf("could not find config file %s", p);
    assert_string_equal(e.msg, want);
    free(want);
    free(p);
    config_release(&cfg);
    expect_error("[program:a]\ncommand=x\n", ".ini file does not include supervisord section");
    char *path = conf_path();
    char *want2 = xasprintf("File contains no section headers.\nfile: '%s', line: 1\n'junk\\n'",
                            path);
    expect_error("junk\n[supervisord]\n", want2);
    free(want2);
    free(path);
}

/* ---------------- [program:x] ---------------- */

static void test_program_defaults(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:cat]\ncommand=/bin/cat\n");
    assert_int_equal(cfg.ngroups, 1);
    struct group_config *g = cfg.groups[0];
    assert_string_equal(g->name, "cat");
    assert_int_equal(g->type, GROUP_PROGRAM);
    assert_int_equal(g->priority, 999);
    assert_int_equal(g->nprocs, 1);
    struct process_config *pc = g->procs[0];
    assert_string_equal(pc->name, "cat");
    assert_string_equal(pc->program_name, "cat");
    assert_string_equal(pc->group_name, "cat");
    assert_string_equal(pc->section, "program:cat");
    assert_int_equal(pc->line, 2);
    assert_string_equal(pc->command, "/bin/cat");
    assert_null(pc->directory);
    assert_int_equal(pc->umask, -1);
    assert_int_equal(pc->priority, 999);
    assert_true(pc->autostart);
    assert_int_equal(pc->autorestart, AUTORESTART_UNEXPECTED);
    assert_int_equal(pc->startsecs, 1);
    assert_int_equal(pc->startretries, 3);
    assert_true(dt_exitcode_in(pc->exitcodes, 0));
    assert_false(dt_exitcode_in(pc->exitcodes, 1));
    assert_int_equal(pc->stopsignal, 15);
    assert_int_equal(pc->stopwaitsecs, 10);
    assert_false(pc->stopasgroup);
    assert_false(pc->killasgroup);
    assert_false(pc->has_user);
    assert_false(pc->redirect_stderr);
    assert_int_equal(pc->environment.n, 0);
    assert_null(pc->serverurl);
    assert_int_equal(pc->out.kind, LOGFILE_AUTO);
    assert_int_equal(pc->out.maxbytes, 50 * 1024 * 1024);
    assert_int_equal(pc->out.backups, 10);
    assert_int_equal(pc->out.capture_maxbytes, 0);
    assert_false(pc->out.events_enabled);
    assert_false(pc->out.syslog);
    assert_int_equal(pc->err.kind, LOGFILE_AUTO);
    assert_int_equal(pc->process_num, 0);
    assert_int_equal(pc->numprocs, 1);
    assert_int_equal(pc->refs, 1);
    config_release(&cfg);
}

static void test_program_options(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n"
                  "[program:web]\n"
                  "command=/bin/sh -c \"echo %(program_name)s\"\n"
                  "directory=/tmp\n"
                  "umask=002\n"
                  "priority=5\n"
                  "autostart=false\n"
                  "autorestart=true\n"
                  "startsecs=0\n"
                  "startretries=7\n"
                  "exitcodes=0, 2 ,255\n"
                  "stopsignal=int\n"
                  "stopwaitsecs=3\n"
                  "stopasgroup=true\n"
                  "user=root\n"
                  "redirect_stderr=true\n"
                  "environment=K=v\n"
                  "serverurl=http://x:1\n"
                  "stdout_logfile=/tmp/o.log\n"
                  "stdout_logfile_maxbytes=1MB\n"
                  "stdout_logfile_backups=0\n"
                  "stdout_capture_maxbytes=10KB\n"
                  "stdout_events_enabled=true\n"
                  "stdout_syslog=true\n"
                  "stderr_logfile=NONE\n"
                  "stderr_logfile_maxbytes=2\n"
                  "stderr_logfile_backups=4\n"
                  "stderr_capture_maxbytes=3\n"
                  "stderr_events_enabled=1\n"
                  "stderr_syslog=yes\n");
    struct process_config *pc = proc(&cfg, "web", 0);
    assert_string_equal(pc->command, "/bin/sh -c \"echo web\"");
    assert_string_equal(pc->directory, "/tmp");
    assert_int_equal(pc->umask, 02);
    assert_int_equal(pc->priority, 5);
    assert_int_equal(cfg.groups[0]->priority, 5);
    assert_false(pc->autostart);
    assert_int_equal(pc->autorestart, AUTORESTART_ALWAYS);
    assert_int_equal(pc->startsecs, 0);
    assert_int_equal(pc->startretries, 7);
    assert_true(dt_exitcode_in(pc->exitcodes, 0));
    assert_true(dt_exitcode_in(pc->exitcodes, 2));
    assert_true(dt_exitcode_in(pc->exitcodes, 255));
    assert_false(dt_exitcode_in(pc->exitcodes, 1));
    assert_int_equal(pc->stopsignal, 2);
    assert_int_equal(pc->stopwaitsecs, 3);
    assert_true(pc->stopasgroup);
    assert_true(pc->killasgroup); /* defaults to stopasgroup */
    assert_true(pc->has_user);
    assert_string_equal(pc->user, "root");
    assert_int_equal(pc->uid, 0);
    assert_true(pc->redirect_stderr);
    assert_string_equal(kvlist_get(&pc->environment, "K"), "v");
    assert_string_equal(pc->serverurl, "http://x:1");
    assert_int_equal(pc->out.kind, LOGFILE_PATH);
    assert_string_equal(pc->out.path, "/tmp/o.log");
    assert_int_equal(pc->out.maxbytes, 1024 * 1024);
    assert_int_equal(pc->out.backups, 0);
    assert_int_equal(pc->out.capture_maxbytes, 10240);
    assert_true(pc->out.events_enabled);
    assert_true(pc->out.syslog);
    assert_int_equal(pc->err.kind, LOGFILE_NONE); /* NONE, and redirected anyway */
    assert_int_equal(pc->err.maxbytes, 2);
    assert_int_equal(pc->err.backups, 4);
    assert_int_equal(pc->err.capture_maxbytes, 3);
    assert_true(pc->err.events_enabled);
    assert_true(pc->err.syslog);
    assert_null(find_msg_sub(&cfg, "redirect_stderr")); /* NONE is not a filename */
    config_release(&cfg);
}

static void test_program_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "program section program:a does not specify a command"},
        {"command=x\nnumprocs=2\n",
         "%(process_num) must be present within process_name when numprocs > 1"},
        {"command=x\nstartsecs=1.5\n", "invalid literal for int() with base 10: '1.5'"},
        {"command=x\nstartretries=x\n", "invalid literal for int() with base 10: 'x'"},
        {"command=x\nstopwaitsecs=x\n", "invalid literal for int() with base 10: 'x'"},
        {"command=x\nnumprocs=x\n", "invalid literal for int() with base 10: 'x'"},
        {"command=x\nnumprocs_start=x\n", "invalid literal for int() with base 10: 'x'"},
        {"command=x\nautostart=maybe\n", "not a valid boolean value: 'maybe'"},
        {"command=x\nautorestart=sometimes\n", "invalid 'autorestart' value 'sometimes'"},
        {"command=x\nstopsignal=FOO\n", "value 'FOO' is not a valid signal name"},
        {"command=x\nstopsignal=40\n", "value '40' is not a valid signal number"},
        {"command=x\nexitcodes=0,256\n", "not a valid list of exit codes: '0,256'"},
        {"command=x\nstopasgroup=true\nkillasgroup=false\n",
         "Cannot set stopasgroup=true and killasgroup=false"},
        {"command=x\nuser=nosuchuserxx\n", "Invalid user name nosuchuserxx"},
        {"command=x\numask=089\n", "089 can not be converted to an octal type"},
        {"command=x\nprocess_name=a b\n", "Invalid name: 'a b' because of character: ' '"},
        {"command=x\nenvironment=A=1 B=2\n",
         "Unexpected end of key/value pairs in value 'A=1 B=2'"},
        {"command=x\nstdout_logfile=/nonexist/x.log\n",
         "The directory named as part of the path /nonexist/x.log does not exist"},
        {"command=x\nstderr_logfile=/nonexist/x.log\n",
         "The directory named as part of the path /nonexist/x.log does not exist"},
        {"command=x\nstdout_logfile_maxbytes=10b\n",
         "invalid literal for int() with base 10: '10b'"},
        {"command=x\nstderr_logfile_backups=b\n", "invalid literal for int() with base 10: 'b'"},
        {"command=x\nstdout_capture_maxbytes=1.5MB\n",
         "invalid literal for int() with base 10: '1.5'"},
        {"command=x\nstderr_events_enabled=2\n", "not a valid boolean value: '2'"},
        {"command=x\nstdout_syslog=x\n", "not a valid boolean value: 'x'"},
        {"command=x\nredirect_stderr=x\n", "not a valid boolean value: 'x'"},
        {"command=50%\n",
         "Format string '50%' for 'program:a.command' is badly formatted: incomplete format"},
        {"command=x\nstdout_logfile=%(foo)s\n",
         "Format string '%(foo)s' for 'program:a.stdout_logfile' contains names ('foo') which "
         "cannot be expanded. Available names: " NAMES_ENV ", group_name, here, host_node_name, "
         "numprocs, process_num, program_name"},
        {"command=x\nstdout_logfile=/tmp/%%(x)s\n",
         "Format string '/tmp/%(x)s' for 'stdout_logfile' contains names ('x') which cannot be "
         "expanded. Available names: " NAMES_ENV ", group_name, here, host_node_name, numprocs, "
         "process_num, program_name"},
        {"command=x\nenvironment=A=%(foo)s\n",
         "Format string 'A=%(foo)s' for 'environment' contains names ('foo') which cannot be "
         "expanded. Available names: " NAMES_ENV ", group_name, here, host_node_name, numprocs, "
         "process_num, program_name"},
        {"command=x\nprocess_name=%(foo)s\n",
         "Format string '%(foo)s' for 'process_name' contains names ('foo') which cannot be "
         "expanded. Available names: " NAMES_ENV ", group_name, here, host_node_name, numprocs, "
         "process_num, program_name"},
        {"command=x\nautostart=%(process_num)s\n",
         "Format string '%(process_num)s' for 'program:a.autostart' contains names "
         "('process_num') which cannot be expanded. Available names: " NAMES_ENV
         ", group_name, here, host_node_name, program_name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[supervisord]\n[program:a]\n%s", cases[i][0]);
        expect_prog_error(text, "program:a", cases[i][1]);
        free(text);
    }
}

/* Errors raised at group level carry no section suffix. */
static void test_program_group_level_errors(void **state)
{
    (void)state;
    expect_error("[supervisord]\n[program:a b]\ncommand=x\n",
                 "Invalid name: 'a b' because of character: ' '");
    expect_error("[supervisord]\n[program:a]\ncommand=x\npriority=%(process_num)d\n",
                 "Format string '%(process_num)d' for 'program:a.priority' contains names "
                 "('process_num') which cannot be expanded. Available names: " NAMES_ENV
                 ", here");
    expect_error("[supervisord]\n[program:a]\ncommand=x\npriority=high\n",
                 "invalid literal for int() with base 10: 'high'");
}

static void test_program_file_in_suffix_is_included_file(void **state)
{
    (void)state;
    char *inc = put("conf.d/a.conf", "[program:a]\nautostart=maybe\ncommand=x\n");
    char *want = xasprintf("not a valid boolean value: 'maybe' in section 'program:a' (file: "
                           "'%s')",
                           inc);
    expect_error("[supervisord]\n[include]\nfiles=conf.d/*.conf\n", want);
    free(want);
    free(inc);
}

static void test_numprocs_names(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=run %(process_num)d of %(numprocs)d\n"
                  "process_name=%(program_name)s_%(process_num)02d\nnumprocs=3\n"
                  "numprocs_start=8\n");
    struct group_config *g = config_group(&cfg, "a");
    assert_int_equal(g->nprocs, 3);
    assert_string_equal(g->procs[0]->name, "a_08");
    assert_string_equal(g->procs[1]->name, "a_09");
    assert_string_equal(g->procs[2]->name, "a_10");
    assert_string_equal(g->procs[0]->command, "run 8 of 3");
    assert_string_equal(g->procs[2]->command, "run 10 of 3");
    assert_int_equal(g->procs[2]->process_num, 10);
    assert_int_equal(g->procs[2]->numprocs, 3);
    config_release(&cfg);

    /* String order: x_10 sorts before x_2. */
    load_ok(&cfg, "[supervisord]\n[program:x]\ncommand=c\nprocess_name=x_%(process_num)d\n"
                  "numprocs=11\n");
    g = config_group(&cfg, "x");
    assert_int_equal(g->nprocs, 11);
    assert_string_equal(g->procs[0]->name, "x_0");
    assert_string_equal(g->procs[1]->name, "x_1");
    assert_string_equal(g->procs[2]->name, "x_10");
    assert_string_equal(g->procs[3]->name, "x_2");
    config_release(&cfg);

    /* numprocs 0 or negative: a group with no processes, no error. */
    load_ok(&cfg, "[supervisord]\n[program:z]\ncommand=c\nnumprocs=0\n");
    assert_int_equal(config_group(&cfg, "z")->nprocs, 0);
    config_release(&cfg);
    load_ok(&cfg, "[supervisord]\n[program:z]\nnumprocs=-1\n");
    assert_int_equal(config_group(&cfg, "z")->nprocs, 0);
    config_release(&cfg);
}

static void test_expansions(void **state)
{
    (void)state;
    struct config cfg;
    struct utsname u;
    uname(&u);
    load_ok(&cfg, "[supervisord]\nenvironment=GLOBAL=g1\n"
                  "[program:p]\n"
                  "command=%(here)s|%(program_name)s|%(group_name)s|%(host_node_name)s|"
                  "%(ENV_FOO)s|%(ENV_GLOBAL)s|%(ENV_OWN)s|%(process_num)d\n"
                  "environment=OWN=o1\n"
                  "process_name=%(program_name)s_%(ENV_OWN)s_%(process_num)d\n"
                  "directory=%(here)s\n"
                  "stdout_logfile=%(here)s/a%%%%b-%(process_num)d.log\n");
    struct process_config *pc = proc(&cfg, "p", 0);
    char *want = xasprintf("%s|p|p|%s|bar|g1|o1|0", tmpdir, u.nodename);
    assert_string_equal(pc->command, want);
    free(want);
    assert_string_equal(pc->name, "p_o1_0");
    assert_string_equal(pc->directory, tmpdir);
    want = xasprintf("%s/a%%b-0.log", tmpdir);
    assert_string_equal(pc->out.path, want);
    free(want);
    config_release(&cfg);
}

static void test_bare_percent_s_is_whole_mapping(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:p]\ncommand=printf %s\n");
    assert_true(strncmp(proc(&cfg, "p", 0)->command, "printf {", 8) == 0);
    config_release(&cfg);
    load_ok(&cfg, "[supervisord]\n[program:p]\ncommand=printf 100%%\n");
    assert_string_equal(proc(&cfg, "p", 0)->command, "printf 100%");
    config_release(&cfg);
}

static void test_environment_merge(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\nenvironment=A=1,B=2\n"
                  "[program:p]\ncommand=c\nenvironment=B=3,C=\"4,5\"\n");
    struct process_config *pc = proc(&cfg, "p", 0);
    assert_int_equal(pc->environment.n, 3);
    assert_string_equal(pc->environment.v[0].key, "A");
    assert_string_equal(pc->environment.v[0].value, "1");
    assert_string_equal(pc->environment.v[1].key, "B");
    assert_string_equal(pc->environment.v[1].value, "3");
    assert_string_equal(pc->environment.v[2].key, "C");
    assert_string_equal(pc->environment.v[2].value, "4,5");
    config_release(&cfg);
}

static void test_logfile_warnings(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=x\nstdout_logfile=syslog\n"
                  "stderr_logfile_maxbytes=0\n");
    struct process_config *pc = proc(&cfg, "a", 0);
    assert_int_equal(pc->out.kind, LOGFILE_NONE);
    assert_true(pc->out.syslog);
    const struct config_msg *m =
        find_msg(&cfg, "For [program:a], stdout_logfile=syslog but this is deprecated and will be "
                       "removed.  Use stdout_syslog=true to enable syslog instead.");
    assert_non_null(m);
    assert_int_equal(m->level, LOGLEVEL_WARN);
    assert_int_equal(m->line, 4);
    assert_non_null(find_msg(&cfg, "For [program:a], AUTO logging used for stderr_logfile without "
                                   "rollover, set maxbytes > 0 to avoid filling up filesystem "
                                   "unintentionally"));
    config_release(&cfg);

    /* One AUTO warning per process. */
    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=x\nstdout_logfile_maxbytes=0\n"
                  "numprocs=2\nprocess_name=%(process_num)s\n");
    assert_int_equal(cfg.nmsgs, 2);
    config_release(&cfg);

    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=x\nredirect_stderr=true\n"
                  "stderr_logfile=/tmp/e.log\n");
    assert_non_null(find_msg(&cfg, "For [program:a], redirect_stderr=true but stderr_logfile has "
                                   "also been set to a filename, the filename has been ignored"));
    assert_int_equal(proc(&cfg, "a", 0)->err.kind, LOGFILE_NONE);
    assert_null(proc(&cfg, "a", 0)->err.path);
    config_release(&cfg);

    /* An empty stderr_logfile counts as a filename there (Python quirk). */
    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=x\nredirect_stderr=true\n"
                  "stderr_logfile=\nstdout_logfile=\n");
    assert_non_null(find_msg_sub(&cfg, "redirect_stderr=true"));
    assert_int_equal(proc(&cfg, "a", 0)->out.kind, LOGFILE_NONE);
    config_release(&cfg);
}

static void test_serverurl_auto(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:a]\ncommand=x\nserverurl= auto \n");
    assert_null(proc(&cfg, "a", 0)->serverurl);
    config_release(&cfg);
}

static void test_default_section(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[DEFAULT]\nautostart=false\nstartsecs=4\n[supervisord]\n"
                  "[program:a]\ncommand=x\n[program:b]\ncommand=y\nstartsecs=5\n");
    assert_false(proc(&cfg, "a", 0)->autostart);
    assert_false(proc(&cfg, "b", 0)->autostart);
    assert_int_equal(proc(&cfg, "a", 0)->startsecs, 4);
    assert_int_equal(proc(&cfg, "b", 0)->startsecs, 5);
    config_release(&cfg);
}

/* ---------------- groups ---------------- */

static void test_group_order(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n"
                  "[program:zeta]\ncommand=x\npriority=1\n"
                  "[program:beta]\ncommand=x\n"
                  "[program:alpha]\ncommand=x\n"
                  "[eventlistener:lis]\ncommand=x\nevents=TICK_5\n"
                  "[fcgi-program:f]\ncommand=x\nsocket=tcp://localhost:9100\npriority=1\n");
    assert_int_equal(cfg.ngroups, 5);
    assert_string_equal(cfg.groups[0]->name, "lis");
    assert_int_equal(cfg.groups[0]->priority, -1);
    assert_int_equal(cfg.groups[0]->procs[0]->priority, 999);
    assert_string_equal(cfg.groups[1]->name, "f");
    assert_string_equal(cfg.groups[2]->name, "zeta");
    assert_string_equal(cfg.groups[3]->name, "alpha");
    assert_string_equal(cfg.groups[4]->name, "beta");
    assert_null(config_group(&cfg, "nope"));
    config_release(&cfg);
}

static void test_hetero_group(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n"
                  "[group:g]\nprograms=b, a ,f\npriority=3\n"
                  "[program:a]\ncommand=run %(group_name)s %(program_name)s\n"
                  "process_name=a%(process_num)d\nnumprocs=2\n"
                  "[program:b]\ncommand=x\n"
                  "[fcgi-program:f]\ncommand=fc\nsocket=unix:///tmp/f.sock\n"
                  "[program:c]\ncommand=x\n");
    assert_int_equal(cfg.ngroups, 2);
    struct group_config *g = cfg.groups[0];
    assert_string_equal(g->name, "g");
    assert_int_equal(g->type, GROUP_HETERO);
    assert_int_equal(g->priority, 3);
    assert_int_equal(g->nprocs, 4);
    assert_string_equal(g->procs[0]->name, "b");
    assert_string_equal(g->procs[1]->name, "a0");
    assert_string_equal(g->procs[2]->name, "a1");
    assert_string_equal(g->procs[3]->name, "f");
    assert_string_equal(g->procs[1]->command, "run g a");
    assert_string_equal(g->procs[1]->group_name, "g");
    assert_string_equal(g->procs[1]->program_name, "a");
    assert_null(g->socket); /* an fcgi-program in a group is a plain program */
    assert_string_equal(cfg.groups[1]->name, "c");
    config_release(&cfg);

    load_ok(&cfg, "[supervisord]\n[group:empty]\n");
    assert_int_equal(config_group(&cfg, "empty")->nprocs, 0);
    config_release(&cfg);
}

static void test_hetero_group_errors(void **state)
{
    (void)state;
    expect_error("[supervisord]\n[group:g]\nprograms=zzz\n",
                 "[group:g] names unknown program or fcgi-program zzz");
    /* Supervisor names the previous member's section here. */
    expect_error("[supervisord]\n[program:a]\ncommand=x\n[group:g]\nprograms=a,zzz\n",
                 "[program:a] names unknown program or fcgi-program zzz");
    expect_error("[supervisord]\n[program:a]\ncommand=x\n[fcgi-program:a]\ncommand=x\n"
                 "socket=unix:///tmp/a.sock\n[group:g]\nprograms=a\n",
                 "[group:g] name a is ambiguous (exists as program and fcgi-program)");
    expect_error("[supervisord]\n[group:g b]\n", "Invalid name: 'g b' because of character: ' '");
    expect_error("[supervisord]\n[group:g]\npriority=x\n",
                 "invalid literal for int() with base 10: 'x'");
}

static void test_eventlistener(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[eventlistener:l]\ncommand=x\n"
                  "events=tick_5, PROCESS_STATE,TICK_5\nbuffer_size=3\npriority=4\n"
                  "result_handler=supervisor.dispatchers:default_handler\n");
    struct group_config *g = config_group(&cfg, "l");
    assert_int_equal(g->type, GROUP_EVENTLISTENER);
    assert_int_equal(g->nevents, 2);
    assert_string_equal(g->events[0], "TICK_5");
    assert_string_equal(g->events[1], "PROCESS_STATE");
    assert_int_equal(g->buffer_size, 3);
    assert_int_equal(g->priority, 4);
    assert_null(g->result_handler);
    assert_int_equal(g->nprocs, 1);
    config_release(&cfg);
}

static void test_eventlistener_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "[eventlistener:l] section requires an \"events\" line"},
        {"events=FOO\n", "Unknown event type FOO in [eventlistener:l] events"},
        {"events=TICK_5,\n", "Unknown event type  in [eventlistener:l] events"},
        {"events=TICK_5\nbuffer_size=0\n", "[eventlistener:l] section sets invalid buffer_size (0)"},
        {"events=TICK_5\nredirect_stderr=true\n",
         "[eventlistener:l] section sets redirect_stderr=true but this is not allowed because it "
         "will interfere with the eventlistener protocol"},
        {"events=TICK_5\nresult_handler=nomod:x\n", "nomod:x cannot be resolved within "
                                                     "[eventlistener:l]"},
        {"events=TICK_5\nresult_handler=bad spec!\n",
         "(\"EntryPoint must be in 'name=module:attrs [extras]' format\", 'x=bad spec!')"},
        {"events=TICK_5\nbuffer_size=%(program_name)s\n",
         "Format string '%(program_name)s' for 'eventlistener:l.buffer_size' contains names "
         "('program_name') which cannot be expanded. Available names: " NAMES_ENV ", here"},
        /* priority is checked before buffer_size */
        {"events=FOO\npriority=x\n", "invalid literal for int() with base 10: 'x'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[supervisord]\n[eventlistener:l]\ncommand=x\n%s", cases[i][0]);
        expect_error(text, cases[i][1]);
        free(text);
    }
    /* The pool name is validated by the per-process parse (with suffix). */
    expect_prog_error("[supervisord]\n[eventlistener:a b]\ncommand=x\nevents=TICK_5\n",
                      "eventlistener:a b", "Invalid name: 'a b' because of character: ' '");
}

static void test_fcgi(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[fcgi-program:f]\ncommand=x\n"
                  "socket=unix:///tmp/../tmp/%(program_name)s.sock\nsocket_backlog=5\n"
                  "socket_owner=root:root\nsocket_mode=0660\n"
                  "[fcgi-program:t]\ncommand=x\nsocket=tcp://LocalHost:9000\n");
    struct group_config *g = config_group(&cfg, "f");
    assert_int_equal(g->type, GROUP_FCGI);
    assert_string_equal(g->socket, "unix:///tmp/f.sock");
    assert_int_equal(g->socket_backlog, 5);
    assert_true(g->has_socket_owner);
    assert_int_equal(g->socket_uid, 0);
    assert_int_equal(g->socket_gid, 0);
    assert_int_equal(g->socket_mode, 0660);
    g = config_group(&cfg, "t");
    assert_string_equal(g->socket, "tcp://localhost:9000");
    assert_int_equal(g->socket_backlog, 0);
    assert_false(g->has_socket_owner);
    assert_int_equal(g->socket_mode, 0700);
    config_release(&cfg);
}

static void test_fcgi_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "[fcgi-program:f] section requires a \"socket\" line"},
        {"socket=unix://rel.sock\n", "('Unix socket path %s is not an absolute path', "
                                     "'rel.sock') in [fcgi-program:f] socket"},
        {"socket=udp://x:1\n", "('Bad socket format %s', 'udp://x:1') in [fcgi-program:f] socket"},
        {"socket=tcp://x:1\nsocket_mode=0600\n",
         "socket_owner and socket_mode params should only be used with a Unix domain socket in "
         "[fcgi-program:f] socket"},
        {"socket=tcp://x:0\n", "0 is below lower bound (1) in [fcgi-program:f] socket"},
        {"socket=tcp://x:70000\n", "70000 is above upper bound (65535) in [fcgi-program:f] socket"},
        {"socket=unix:///tmp/f.sock\nsocket_backlog=0\n", "Invalid socket_backlog value 0"},
        {"socket=unix:///tmp/f.sock\nsocket_owner=nosuchuserxx\n",
         "Invalid socket_owner value nosuchuserxx"},
        {"socket=unix:///tmp/f.sock\nsocket_mode=999\n", "Invalid socket_mode value 999"},
        {"socket=unix:///tmp/f.sock\nuser=nosuchuserxx\n", "Invalid user name nosuchuserxx"},
        {"socket=unix:///tmp/%(x)s.sock\n",
         "Format string 'unix:///tmp/%(x)s.sock' for 'fcgi-program:f.socket' contains names "
         "('x') which cannot be expanded. Available names: " NAMES_ENV ", here, program_name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[supervisord]\n[fcgi-program:f]\ncommand=x\n%s", cases[i][0]);
        expect_error(text, cases[i][1]);
        free(text);
    }
}

/* ---------------- servers ---------------- */

static void test_servers(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n"
                  "[unix_http_server]\nfile=%(here)s/x/../s.sock \nchmod=0770\nchown=root:root\n"
                  "username=u\npassword={SHA}abc\n"
                  "[inet_http_server]\nport=*:9001\n"
                  "[inet_http_server2]\nport=Host:9002\nusername=a\npassword=b\n");
    assert_int_equal(cfg.nservers, 3);
    /* inet servers first */
    assert_int_equal(cfg.servers[0].type, SERVER_INET);
    assert_string_equal(cfg.servers[0].section, "inet_http_server");
    assert_true(cfg.servers[0].host == NULL || cfg.servers[0].host[0] == '\0');
    assert_int_equal(cfg.servers[0].port, 9001);
    assert_null(cfg.servers[0].username);
    assert_string_equal(cfg.servers[1].section, "inet_http_server2");
    assert_string_equal(cfg.servers[1].host, "host");
    assert_int_equal(cfg.servers[1].port, 9002);
    assert_string_equal(cfg.servers[1].username, "a");
    assert_string_equal(cfg.servers[1].password, "b");
    struct server_config *u = &cfg.servers[2];
    assert_int_equal(u->type, SERVER_UNIX);
    char *want = xasprintf("%s/s.sock", tmpdir);
    assert_string_equal(u->file, want);
    assert_int_equal(u->chmod, 0770);
    assert_int_equal(u->chown_uid, 0);
    assert_int_equal(u->chown_gid, 0);
    assert_string_equal(u->password, "{SHA}abc");
    /* unix preferred for the fallback url */
    char *url = xasprintf("unix://%s", want);
    assert_string_equal(cfg.serverurl, url);
    free(url);
    free(want);
    config_release(&cfg);

    /* Without unix: the last inet server; '*' becomes localhost. */
    load_ok(&cfg, "[supervisord]\n[inet_http_server]\nport=h1:1\n[inet_http_server2]\n"
                  "port=*:2\n");
    assert_string_equal(cfg.serverurl, "http://localhost:2");
    config_release(&cfg);
    load_ok(&cfg, "[supervisord]\n[unix_http_server]\nfile=/tmp/q.sock\n");
    assert_int_equal(cfg.servers[0].chmod, 0700);
    assert_int_equal((int)cfg.servers[0].chown_uid, -1);
    assert_int_equal((int)cfg.servers[0].chown_gid, -1);
    config_release(&cfg);
}

static void test_server_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"[inet_http_server]\n", "section [inet_http_server] has no port value"},
        {"[inet_http_server]\nport=abc\n", "not a valid port number: 'abc' "},
        {"[inet_http_server]\nport=h:0\n", "0 is below lower bound (1)"},
        {"[inet_http_server]\nport=9001\nusername=a\n",
         "Section [inet_http_server] contains incomplete authentication: If a username or a "
         "password is specified, both the username and password must be specified"},
        {"[unix_http_server]\n", "section [unix_http_server] has no file value"},
        {"[unix_http_server]\nfile=/tmp/x.sock\nchmod=999\n", "Invalid chmod value 999"},
        {"[unix_http_server]\nfile=/tmp/x.sock\nchown=nobody:nogrpxx\n",
         "Invalid sockchown value nobody:nogrpxx"},
        {"[unix_http_server]\nfile=/tmp/x.sock\npassword=a\n",
         "Section [unix_http_server] contains incomplete authentication: If a username or a "
         "password is specified, both the username and password must be specified"},
        {"[unix_http_server]\nfile=/tmp/x.sock\nchmod=%(here)s\n",
         "Format string '%(here)s' for 'unix_http_server.chmod' contains names ('here') which "
         "cannot be expanded. Available names: " NAMES_ENV},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[supervisord]\n%s", cases[i][0]);
        expect_error(text, cases[i][1]);
        free(text);
    }
}

/* ---------------- plugins, supervisorctl ---------------- */

static void test_rpcinterface(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[rpcinterface:supervisor]\n"
                  "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                  "[rpcinterface:other]\nsupervisor.rpcinterface_factory=my.mod:make\nx=1\n"
                  "[ctlplugin:c]\nsupervisor.ctl_factory=my.ctl:make\nopt=%(ENV_FOO)s\n");
    assert_int_equal(cfg.nrpcinterfaces, 1);
    assert_string_equal(cfg.rpcinterfaces[0].name, "supervisor");
    assert_int_equal(cfg.rpcinterfaces[0].extras.n, 0);
    const struct config_msg *m = find_msg_sub(&cfg, "my.mod:make");
    assert_non_null(m);
    assert_int_equal(m->level, LOGLEVEL_WARN);
    assert_non_null(strstr(m->text, "Python plugin factories"));
    assert_int_equal(cfg.nctlplugins, 1);
    assert_string_equal(cfg.ctlplugins[0].name, "c");
    assert_string_equal(cfg.ctlplugins[0].factory, "my.ctl:make");
    assert_string_equal(kvlist_get(&cfg.ctlplugins[0].extras, "opt"), "bar");
    config_release(&cfg);

    expect_error("[supervisord]\n[rpcinterface:foo]\n",
                 "section [rpcinterface:foo] does not specify a supervisor.rpcinterface_factory");
    expect_error("[supervisord]\n[rpcinterface:foo]\nsupervisor.rpcinterface_factory=bad spec!\n",
                 "(\"EntryPoint must be in 'name=module:attrs [extras]' format\", 'x=bad spec!')");
    expect_error("[supervisord]\n[rpcinterface:s]\nsupervisor.rpcinterface_factory=%(here)s\n",
                 "Format string '%(here)s' for 'rpcinterface:s.supervisor.rpcinterface_factory' "
                 "contains names ('here') which cannot be expanded. Available names: " NAMES_ENV);
}

static void test_supervisorctl_section(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[supervisorctl]\nserverurl=unix://%(here)s/a/../s.sock\n"
                  "username=u\npassword=p\nprompt=%(ENV_FOO)s\nhistory_file=%(here)s/h\n");
    char *want = xasprintf("unix://%s/s.sock", tmpdir);
    assert_string_equal(cfg.ctl_serverurl, want);
    free(want);
    assert_string_equal(cfg.ctl_username, "u");
    assert_string_equal(cfg.ctl_password, "p");
    assert_string_equal(cfg.ctl_prompt, "bar");
    want = xasprintf("%s/h", tmpdir);
    assert_string_equal(cfg.ctl_history_file, want);
    free(want);
    config_release(&cfg);
    /* The daemon ignores errors that only supervisorctl would see. */
    load_ok(&cfg, "[supervisord]\n[supervisorctl]\nprompt=%(here)s\n");
    assert_string_equal(cfg.ctl_prompt, "supervisor");
    config_release(&cfg);
}

/* ---------------- [include] ---------------- */

static void test_include(void **state)
{
    (void)state;
    struct config cfg;
    char *b = put("conf.d/b.conf", "[program:b]\ncommand=%(here)s/bin\n");
    char *a = put("conf.d/a.conf", "[supervisord]\nidentifier=from-include\n"
                                   "[program:a]\ncommand=x\n");
    free(put("conf.d/skip.txt", "[program:skip]\ncommand=x\n"));
    char *c = put("other/c.conf", "[program:c]\ncommand=c\n");
    char *text = xasprintf("[supervisord]\nidentifier=main\n[include]\n"
                           "files = conf.d/*.conf\n  nomatch/*.ini %s/other/c.conf\n",
                           tmpdir);
    load_ok(&cfg, text);
    free(text);
    assert_string_equal(cfg.identifier, "from-include");
    assert_non_null(config_group(&cfg, "a"));
    assert_null(config_group(&cfg, "skip"));
    char *want = xasprintf("%s/conf.d/bin", tmpdir);
    assert_string_equal(proc(&cfg, "b", 0)->command, want);
    free(want);
    assert_string_equal(proc(&cfg, "b", 0)->file, b);
    assert_non_null(config_group(&cfg, "c"));
    /* WARN first (include, then our duplicate-key note), then INFO in sorted order. */
    assert_int_equal(cfg.nmsgs, 5);
    want = xasprintf("No file matches via include \"%s/nomatch/*.ini\"", tmpdir);
    assert_int_equal(cfg.msgs[0].level, LOGLEVEL_WARN);
    assert_string_equal(cfg.msgs[0].text, want);
    free(want);
    assert_int_equal(cfg.msgs[1].level, LOGLEVEL_WARN);
    assert_non_null(strstr(cfg.msgs[1].text, "duplicate key 'identifier' in section [supervisord]"));
    const char *order[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        want = xasprintf("Included extra file \"%s\" during parsing", order[i]);
        assert_int_equal(cfg.msgs[2 + i].level, LOGLEVEL_INFO);
        assert_string_equal(cfg.msgs[2 + i].text, want);
        free(want);
    }
    free(c);
    free(a);
    free(b);
    config_release(&cfg);
}

static void test_include_supplies_supervisord(void **state)
{
    (void)state;
    struct config cfg;
    free(put("inc/sd.conf", "[supervisord]\nloglevel=debug\n"));
    load_ok(&cfg, "[include]\nfiles=inc/sd.conf\n");
    assert_int_equal(cfg.loglevel, LOGLEVEL_DEBUG);
    config_release(&cfg);
}

static void test_include_errors(void **state)
{
    (void)state;
    expect_error("[supervisord]\n[include]\n",
                 ".ini file has [include] section, but no files setting");
    expect_error("[supervisord]\n[include]\nfiles=%(nope)s\n",
                 "Format string '%(nope)s' for 'include.files' contains names ('nope') which "
                 "cannot be expanded. Available names: " NAMES_ENV ", here, host_node_name");
    char *bad = put("bad/x.conf", "[program:x]\nnot an option line\n");
    char *want = xasprintf("Source contains parsing errors: '%s'\n\t[line  2]: 'not an option "
                           "line\\n'",
                           bad);
    expect_error("[supervisord]\n[include]\nfiles=bad/*.conf\n", want);
    free(want);
    free(bad);
}

/* ---------------- warnings, diags ---------------- */

static void test_duplicate_key_warning(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:x]\ncommand=a\nenvironment=A=1\ncommand=b\n");
    assert_string_equal(proc(&cfg, "x", 0)->command, "b");
    char *want = xasprintf("duplicate key 'command' in section [program:x] at %s/sv.conf:5; the "
                           "value at %s/sv.conf:3 is ignored",
                           tmpdir, tmpdir);
    const struct config_msg *m = find_msg(&cfg, want);
    free(want);
    assert_non_null(m);
    assert_int_equal(m->level, LOGLEVEL_WARN);
    assert_int_equal(m->line, 5);
    config_release(&cfg);
}

static void test_env_value_warning(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:x]\ncommand=a\nenvironment=A=hello world\n");
    const struct config_msg *m = find_msg_sub(&cfg, "[program:x]");
    assert_non_null(m);
    assert_int_equal(m->level, LOGLEVEL_WARN);
    config_release(&cfg);
}

static void test_diags_collect_everything(void **state)
{
    (void)state;
    struct config cfg;
    struct config_cli cli;
    struct config_diags d;
    struct err e;
    config_cli_init(&cli);
    config_diags_init(&d);
    char *noexec = put("noexec.sh", "#!/bin/sh\n");
    char *text = xasprintf("[supervisord]\n"                         /* 1 */
                           "loglevel=loud\n"                         /* 2 */
                           "bogus_key=1\n"                           /* 3 */
                           "[program:a]\n"                           /* 4 */
                           "command=/nonexistent/bin\n"              /* 5 */
                           "startsecs=x\n"                           /* 6 */
                           "directory=/nonexistent/dir\n"            /* 7 */
                           "command=/nonexistent/bin\n"              /* 8 */
                           "[program:b]\n"                           /* 9 */
                           "command=%s\n"                            /* 10 */
                           "user=nosuchuserxx\n"                     /* 11 */
                           "[Program:c]\n"                           /* 12 */
                           "command=cat\n"                           /* 13 */
                           "[program:d]\n"                           /* 14 */
                           "command=cat\n"                           /* 15 */
                           "[weird]\n",                              /* 16 */
                           noexec);
    assert_int_equal(load_cli(&cfg, text, &cli, &d, &e), -1);
    free(text);
    /* The first error is the one Supervisor would print. */
    assert_string_equal(e.msg, "bad logging level name 'loud'");
    const struct config_diag *x;
    x = find_diag(&d, DIAG_ERROR, "bad logging level name 'loud'");
    assert_non_null(x);
    assert_int_equal(x->line, 2);
    assert_string_equal(x->section, "supervisord");
    assert_string_equal(x->key, "loglevel");
    x = find_diag(&d, DIAG_ERROR, "invalid literal for int() with base 10: 'x' in section");
    assert_non_null(x);
    assert_int_equal(x->line, 6);
    x = find_diag(&d, DIAG_ERROR, "Invalid user name nosuchuserxx");
    assert_non_null(x);
    assert_int_equal(x->line, 11);
    x = find_diag(&d, DIAG_WARNING, "unknown key 'bogus_key'");
    assert_non_null(x);
    assert_int_equal(x->line, 3);
    x = find_diag(&d, DIAG_WARNING, "unknown section [Program:c]");
    assert_non_null(x);
    assert_non_null(strstr(x->text, "case-sensitive"));
    assert_int_equal(x->line, 12);
    x = find_diag(&d, DIAG_WARNING, "unknown section [weird]");
    assert_non_null(x);
    assert_null(strstr(x->text, "case-sensitive"));
    x = find_diag(&d, DIAG_WARNING, "duplicate key 'command'");
    assert_non_null(x);
    assert_int_equal(x->line, 8);
    x = find_diag(&d, DIAG_WARNING, "can't find command '/nonexistent/bin' of [program:a]");
    assert_non_null(x);
    assert_int_equal(x->line, 8);
    x = find_diag(&d, DIAG_WARNING, "directory '/nonexistent/dir' of [program:a] does not exist");
    assert_non_null(x);
    assert_int_equal(x->line, 7);
    x = find_diag(&d, DIAG_WARNING, "is not executable");
    assert_non_null(x);
    assert_int_equal(x->line, 10);
    /* cat is found on PATH: no warning for d. */
    for (size_t i = 0; i < d.n; i++)
        assert_true(d.v[i].section == NULL || strcmp(d.v[i].section, "program:d") != 0);
    /* Everything names its file. */
    for (size_t i = 0; i < d.n; i++)
        assert_non_null(d.v[i].file);
    free(noexec);
    config_release(&cfg);
    config_diags_release(&d);
}

static void test_diags_clean_config(void **state)
{
    (void)state;
    struct config cfg;
    struct config_cli cli;
    struct config_diags d;
    struct err e;
    config_cli_init(&cli);
    config_diags_init(&d);
    assert_int_equal(load_cli(&cfg, "[DEFAULT]\nfoo=1\n[supervisord]\n[program:a]\n"
                                    "command=/bin/sh -c 'exit 0'\n",
                              &cli, &d, &e),
                     0);
    assert_int_equal(d.n, 0);
    config_release(&cfg);
    config_diags_release(&d);
}

static void test_diags_parse_error_is_fatal(void **state)
{
    (void)state;
    struct config cfg;
    struct config_diags d;
    struct err e;
    config_diags_init(&d);
    assert_int_equal(load_cli(&cfg, "[supervisord]\nnot an option\n", NULL, &d, &e), -1);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].level, DIAG_ERROR);
    assert_string_equal(d.v[0].text, e.msg);
    config_release(&cfg);
    config_diags_release(&d);
}

/* ---------------- equality, refs, default search ---------------- */

static void test_group_config_equal(void **state)
{
    (void)state;
    struct config a, b, c;
    const char *base = "[supervisord]\n[program:p]\ncommand=x\n[eventlistener:l]\ncommand=y\n"
                       "events=TICK_5,TICK_60\n";
    load_ok(&a, base);
    load_ok(&b, "[supervisord]\n[program:p]\ncommand=x\nstdout_logfile=/tmp/p.log\n"
                "[eventlistener:l]\ncommand=y\nevents=TICK_60,TICK_5\n");
    load_ok(&c, "[supervisord]\n[program:p]\ncommand=z\n[eventlistener:l]\ncommand=y\n"
                "events=TICK_5\n");
    /* AUTO on one side: the log file is not compared. */
    assert_true(group_config_equal(config_group(&a, "p"), config_group(&b, "p")));
    assert_true(group_config_equal(config_group(&a, "l"), config_group(&b, "l")));
    assert_false(group_config_equal(config_group(&a, "p"), config_group(&c, "p")));
    assert_false(group_config_equal(config_group(&a, "l"), config_group(&c, "l")));
    assert_false(group_config_equal(config_group(&a, "p"), config_group(&a, "l")));
    config_release(&a);
    config_release(&b);
    config_release(&c);
}

static void test_process_refs(void **state)
{
    (void)state;
    struct config cfg;
    load_ok(&cfg, "[supervisord]\n[program:p]\ncommand=x\n");
    struct process_config *pc = config_process_ref(proc(&cfg, "p", 0));
    assert_int_equal(pc->refs, 2);
    config_release(&cfg);
    /* Still valid: the running process holds it. */
    assert_string_equal(pc->command, "x");
    config_process_unref(pc);
}

static void test_find_default(void **state)
{
    (void)state;
    char *searched = NULL;
    char *argv0 = xasprintf("%s/bin/supervisord", tmpdir);
    free(config_find_default(argv0, &searched)); /* may find a system-wide file */
    char *want = xasprintf("%s/etc/supervisord.conf, %s/supervisord.conf, supervisord.conf, "
                           "etc/supervisord.conf, /etc/supervisord.conf, "
                           "/etc/supervisor/supervisord.conf",
                           tmpdir, tmpdir);
    assert_string_equal(searched, want);
    free(searched);
    char *second = put("supervisord.conf", "[supervisord]\n");
    char *first = put("etc/supervisord.conf", "[supervisord]\n");
    char *found = config_find_default(argv0, &searched);
    assert_string_equal(found, first);
    free(found);
    free(searched);
    unlink(first);
    found = config_find_default(argv0, NULL);
    assert_string_equal(found, second);
    free(found);
    /* A bare program name: here is '' and the paths are relative. */
    found = config_find_default("supervisord", &searched);
    assert_true(strncmp(searched, "etc/supervisord.conf, supervisord.conf, ", 40) == 0);
    free(found);
    free(searched);
    free(first);
    free(second);
    free(want);
    free(argv0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_supervisord_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisord_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisord_logfile_syslog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisord_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisord_error_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisord_environment_double_expansion, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_group_level_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_file_in_suffix_is_included_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_numprocs_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expansions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bare_percent_s_is_whole_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logfile_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serverurl_auto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hetero_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hetero_group_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlistener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eventlistener_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fcgi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fcgi_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_servers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rpcinterface, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisorctl_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_supplies_supervisord, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_value_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diags_collect_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diags_clean_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diags_parse_error_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_config_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
