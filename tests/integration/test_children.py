"""What a child inherits: environment (SUPERVISOR_* variables, [supervisord]
environment merged under the program's, %(ENV_X)s), argv, directory, umask,
own process group in the daemon's session, ignored SIGPIPE/SIGXFSZ, empty
signal mask, only fds 0/1/2 (pipes; stderr = stdout with redirect_stderr),
user=. Same expectations for both implementations."""

import grp
import os
import pwd

import pytest

from conftest import SUPERVISORD_SECTION, parse_kv, wait_for

# SIGPIPE (13) and SIGXFSZ (25) ignored, as Python leaves them for children.
SIGIGN_PIPE_XFSZ = "%016x" % ((1 << 12) | (1 << 24))


def dump(d, name, timeout=10):
    path = d.dir / name
    wait_for(lambda: path.exists(), timeout, "%s written by envdump (%s)" % (name, d.impl))
    return parse_kv(path.read_text())


def check_common(d, scalars, fds):
    pid = int(scalars["pid"])
    assert int(scalars["ppid"]) == d.pid
    assert int(scalars["pgid"]) == pid, "child must lead its own process group"
    assert int(scalars["sid"]) == os.getsid(d.pid), "child stays in the daemon's session"
    assert scalars["SigIgn"] == SIGIGN_PIPE_XFSZ
    assert scalars["SigBlk"] == "0" * 16
    assert sorted(fds) == [0, 1, 2], fds
    for fd in (0, 1, 2):
        assert fds[fd].startswith("pipe:"), fds
    assert fds[0] != fds[1]
    assert int(scalars["uid"]) == os.getuid()
    assert int(scalars["euid"]) == os.geteuid()
    assert int(scalars["gid"]) == os.getgid()
    groups = [int(g) for g in scalars["groups"].split(",") if g]
    assert sorted(groups) == sorted(os.getgroups())


ENV_CONF = SUPERVISORD_SECTION + """\
umask=077
environment=GLOBAL_A="from-global",SHARED="global"

[unix_http_server]
file={tmp}/sv.sock

[program:envd]
command={helpers}/envdump {tmp}/envd.txt arg1 "arg two"
directory={tmp}/wd
umask=027
environment=SHARED="prog",OWN="%(ENV_GLOBAL_A)s-%(program_name)s-%(process_num)d",FROMENV="%(ENV_ITEST_VAR)s"
redirect_stderr=true

[program:plain]
command={helpers}/envdump {tmp}/plain.txt

[program:member]
command={helpers}/envdump {tmp}/member.txt

[group:grp]
programs=member
"""


def test_child_environment_and_process_state(daemon):
    d = daemon
    (d.dir / "wd").mkdir()
    d.start(ENV_CONF, umask=0o002)
    url = "unix://%s/sv.sock" % d.dir

    scalars, env, fds, argv = dump(d, "envd.txt")
    assert argv == [d.expand("{helpers}/envdump"), str(d.dir / "envd.txt"), "arg1", "arg two"]
    assert scalars["cwd"] == str(d.dir / "wd")
    assert scalars["umask"] == "0027"
    expected = dict(d.env)
    expected.update({
        "SUPERVISOR_ENABLED": "1",
        "SUPERVISOR_SERVER_URL": url,
        "SUPERVISOR_PROCESS_NAME": "envd",
        "SUPERVISOR_GROUP_NAME": "envd",
        "GLOBAL_A": "from-global",
        "SHARED": "prog",
        "OWN": "from-global-envd-0",
        "FROMENV": "itest-value",
    })
    assert env == expected
    check_common(d, scalars, fds)
    assert fds[1] == fds[2], "redirect_stderr: fd 2 is the stdout pipe"

    scalars, env, fds, argv = dump(d, "plain.txt")
    assert argv == [d.expand("{helpers}/envdump"), str(d.dir / "plain.txt")]
    # No directory=: the daemon's cwd. No umask=: the daemon's, and
    # [supervisord] umask only applies when daemonizing (not with -n).
    assert scalars["cwd"] == str(d.dir)
    assert scalars["umask"] == "0002"
    expected = dict(d.env)
    expected.update({
        "SUPERVISOR_ENABLED": "1",
        "SUPERVISOR_SERVER_URL": url,
        "SUPERVISOR_PROCESS_NAME": "plain",
        "SUPERVISOR_GROUP_NAME": "plain",
        "GLOBAL_A": "from-global",
        "SHARED": "global",
    })
    assert env == expected
    check_common(d, scalars, fds)
    assert len({fds[0], fds[1], fds[2]}) == 3

    scalars, env, fds, argv = dump(d, "member.txt")
    assert env["SUPERVISOR_PROCESS_NAME"] == "member"
    assert env["SUPERVISOR_GROUP_NAME"] == "grp"
    check_common(d, scalars, fds)
    assert d.stop() == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="user= needs root")
def test_child_user_switch(daemon):
    """user=nobody: uid, primary gid and the supplementary groups from
    /etc/group; HOME is not changed."""
    d = daemon.start(SUPERVISORD_SECTION + """
[program:asnobody]
command={helpers}/envdump -
user=nobody
stdout_logfile={tmp}/nobody.out
""")
    out = d.dir / "nobody.out"
    wait_for(lambda: out.exists() and "end=1" in out.read_text(), 10, "envdump output")
    scalars, env, fds, argv = parse_kv(out.read_text())
    pw = pwd.getpwnam("nobody")
    assert int(scalars["uid"]) == pw.pw_uid
    assert int(scalars["euid"]) == pw.pw_uid
    assert int(scalars["gid"]) == pw.pw_gid
    expected_groups = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if "nobody" in g.gr_mem}
    assert {int(g) for g in scalars["groups"].split(",") if g} == expected_groups
    assert env["HOME"] == d.env["HOME"]
    assert "USER" not in env and "LOGNAME" not in env
    assert d.stop() == 0


# The seed's example programs (supervisor-overview.zh.txt), with /data and
# /usr/bin/dotnet moved under the test directory and a small script standing
# in for java / dotnet. Comments and options as in the seed.
SEED_CONF = SUPERVISORD_SECTION + """
[program:wfpconfigsystem]
environment=PATH="{tmp}/data/java/jdk1.7.0_79/bin:%(ENV_PATH)s"
command=java -jar -server -Xms5G -Xmx5G -XX:MaxPermSize=2G -XX:+AggressiveOpts -XX:MaxDirectMemorySize=2G -Xss256k -XX:+AggressiveOpts -XX:+UseBiasedLocking -XX:+UseFastAccessorMethods -XX:+DisableExplicitGC -XX:+UseParNewGC -XX:+UseConcMarkSweepGC -XX:+CMSParallelRemarkEnabled -XX:+UseCMSCompactAtFullCollection -XX:+UseCMSInitiatingOccupancyOnly -XX:CMSInitiatingOccupancyFraction=75 {tmp}/data/wfpconfigsystem/ecloud-wfp-1.0.0.jar NoLoadCache
;process_name=%(program_name)s ; process_name expr (default %(program_name)s)
numprocs=1 ; number of processes copies to start (def 1)
directory={tmp}/data/wfpconfigsystem
;umask=022 ; umask for process (default None)
;priority=999 ; the relative start priority (default 999)
autostart=true ; start at supervisord start (default: true)
autorestart=true
startsecs=1 ; # of secs prog must stay up to be running (def. 1)
startretries=3 ; max # of serial start failures when starting (default 3)
;autorestart=unexpected ; when to restart if exited after running (def: unexpected)
;exitcodes=0 ; 'expected' exit codes used with autorestart (default 0)
;stopsignal=QUIT ; signal used to kill process (default TERM)
;stopwaitsecs=10 ; max num secs to wait b4 SIGKILL (default 10)
redirect_stderr=true ; redirect proc stderr to stdout (default false)
stdout_logfile={tmp}/data/wfpconfigsystem/supervisord.log
;stdout_logfile_maxbytes=1MB ; max # logfile bytes b4 rotation (default 50MB)
;stderr_logfile=/a/path ; stderr log path, NONE for none; default AUTO

[program:whitelist-sync]
environment=JAVA_HOME="{tmp}/data/java/jdk1.8.0_144"
command={tmp}/data/java/jdk1.8.0_144/jre/bin/java -jar {tmp}/data/whitelist-sync/sync-whitelist-0.0.1-SNAPSHOT.jar
;process_name=%(program_name)s ; process_name expr (default %(program_name)s)
numprocs=1 ; number of processes copies to start (def 1)
directory={tmp}/data/whitelist-sync
autostart=true ; start at supervisord start (default: true)
autorestart=true
startsecs=1 ; # of secs prog must stay up to be running (def. 1)
startretries=3 ; max # of serial start failures when starting (default 3)
;user=chrism ; setuid to this UNIX account to run the program
redirect_stderr=true ; redirect proc stderr to stdout (default false)
stdout_logfile={tmp}/data/whitelist-sync/supervisord.log
;stdout_capture_maxbytes=1MB ; number of bytes in 'capturemode' (default 0)

[program:EdbmigrationFileService]
environment=ASPNETCORE_ENVIRONMENT=Production
environment=DOTNET_PRINT_TELEMETRY_MESSAGE=false
command={tmp}/usr/bin/dotnet {tmp}/data/EdbmigrationFileService/EdbmigrationFileService.dll
;process_name=%(program_name)s ; process_name expr (default %(program_name)s)
numprocs=1 ; number of processes copies to start (def 1)
directory={tmp}/data/EdbmigrationFileService
autostart=true ; start at supervisord start (default: true)
autorestart=true
startsecs=1 ; # of secs prog must stay up to be running (def. 1)
startretries=3 ; max # of serial start failures when starting (default 3)
redirect_stderr=true ; redirect proc stderr to stdout (default false)
stdout_logfile={tmp}/data/EdbmigrationFileService/supervisord.log
;stderr_events_enabled=false ; emit events on stderr writes (default false)
"""

STANDIN = """#!/bin/sh
echo "{name} started: $*"
echo "{name} warning on stderr" >&2
exec {envdump} ./{name}-env.txt "$@"
"""


def test_seed_example_programs(daemon):
    d = daemon
    envdump = d.expand("{helpers}/envdump")
    for rel, name in (("data/java/jdk1.7.0_79/bin/java", "java7"),
                      ("data/java/jdk1.8.0_144/jre/bin/java", "java8"),
                      ("usr/bin/dotnet", "dotnet")):
        p = d.dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(STANDIN.format(name=name, envdump=envdump))
        p.chmod(0o755)
    for sub in ("wfpconfigsystem", "whitelist-sync", "EdbmigrationFileService"):
        (d.dir / "data" / sub).mkdir(parents=True)
    d.start(SEED_CONF)
    for name in ("wfpconfigsystem", "whitelist-sync", "EdbmigrationFileService"):
        d.wait_log(r"success: %s entered RUNNING state" % name, timeout=10)
    base = dict(d.env)
    base.update({"SUPERVISOR_ENABLED": "1"})  # no http server: no SUPERVISOR_SERVER_URL

    def check(sub, name, args, extra_env):
        wd = d.dir / "data" / sub
        scalars, env, fds, argv = dump(d, "data/%s/%s-env.txt" % (sub, name))
        assert scalars["cwd"] == str(wd)
        assert argv[1:] == ["./%s-env.txt" % name] + args
        expected = dict(base)
        expected.update({"SUPERVISOR_PROCESS_NAME": sub, "SUPERVISOR_GROUP_NAME": sub})
        expected.update(extra_env)
        expected["PWD"] = str(wd)  # set by the /bin/sh stand-in
        assert env == expected
        assert fds[1] == fds[2]
        log = (wd / "supervisord.log").read_text()
        assert log.startswith("%s started: %s\n" % (name, " ".join(args)))
        assert "%s warning on stderr\n" % name in log
        assert list(d.dir.joinpath("childlogs").glob("%s-stderr---*" % sub)) == []

    java7_args = SEED_CONF.split("command=java ")[1].split("\n")[0].replace("{tmp}", str(d.dir))
    check("wfpconfigsystem", "java7", java7_args.split(),
          {"PATH": "%s/data/java/jdk1.7.0_79/bin:%s" % (d.dir, d.env["PATH"])})
    check("whitelist-sync", "java8",
          ["-jar", "%s/data/whitelist-sync/sync-whitelist-0.0.1-SNAPSHOT.jar" % d.dir],
          {"JAVA_HOME": "%s/data/java/jdk1.8.0_144" % d.dir})
    # environment= given twice: the last one wins, the first is dropped.
    check("EdbmigrationFileService", "dotnet",
          ["%s/data/EdbmigrationFileService/EdbmigrationFileService.dll" % d.dir],
          {"DOTNET_PRINT_TELEMETRY_MESSAGE": "false"})
    assert d.stop() == 0
