"""Command-line options beat [supervisord] values: -l -j -e -i -q -k -y -z -t
-s -a --minprocs -u (short and long forms, `--opt=value` and `--opt value`),
and -m/-d when daemonizing; -s silences the stdout copy of the log that -n
otherwise writes (config silent=true too); a config value overridden on the
command line is still validated. Same expectations for both implementations."""

import os
import re

import pytest

from conftest import SUPERVISORD_SECTION, normalize_usage, parse_kv, run_cmd, wait_for

ANSI_CMD = ("/bin/sh -c \"printf '\\033[1;31mred\\033[0m plain \\033[2Jclr\\n'; "
            "exec {helpers}/sleeper\"")
ANSI_STRIPPED = "red plain clr\n"

CFG_CONF = """\
[supervisord]
logfile={tmp}/cfg.log
pidfile={tmp}/cfg.pid
childlogdir={tmp}/cfglogs
identifier=cfgid
loglevel=warn
logfile_maxbytes=50MB
logfile_backups=5
minfds=100
minprocs=100
strip_ansi=false
nocleanup=false
silent=false
%s
[program:ansi]
command=%s
stdout_logfile={tmp}/ansi.log
stderr_logfile=NONE

[program:spew]
command={helpers}/spewer -n 120 -i 2 -t END
stdout_logfile=NONE
stderr_logfile=NONE

[program:auto]
command={helpers}/sleeper

[group:all]
programs=ansi,spew,auto
"""

DAEMONIZE_CONF = SUPERVISORD_SECTION + """\
umask=022
directory={tmp}/cfgdir

[program:where]
command={helpers}/envdump where.txt
stdout_logfile=NONE
stderr_logfile=NONE
"""

QUIET_CONF = SUPERVISORD_SECTION + """\
silent=true

[program:a]
command={helpers}/sleeper
stdout_logfile=NONE
stderr_logfile=NONE
"""

LOUD_CONF = SUPERVISORD_SECTION + """\
loglevel=debug
logfile_maxbytes=50MB
logfile_backups=5

[program:a]
command={helpers}/sleeper
stdout_logfile=NONE
stderr_logfile=NONE

[program:spew]
command={helpers}/spewer -n 60 -i 2 -t END
stdout_logfile=NONE
stderr_logfile=NONE
"""

WRAPPER = """#!/bin/sh
ulimit -S -n 64
ulimit -S -p 64
exec %s "$@"
"""


def soft_limit(pid, what):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(what):
                return line[26:].split()[0]
    return None


def test_cli_beats_config(daemons):
    as_root = os.geteuid() == 0
    a = daemons("cli")
    (a.dir / "cfglogs").mkdir()
    (a.dir / "clilogs").mkdir()
    stale = "old-stdout---cliid-abcdefgh.log"
    (a.dir / "clilogs" / stale).write_text("stale\n")
    wrapper = a.dir / "wrap.sh"
    wrapper.write_text(WRAPPER % a.binary)
    wrapper.chmod(0o755)
    a.binary = str(wrapper)
    a.logfile = a.dir / "cli.log"
    a.pidfile = a.dir / "cli.pid"
    args = ["-l", str(a.logfile), "--pidfile=%s" % a.pidfile, "-e", "debug",
            "--identifier", "cliid", "-q", str(a.dir / "clilogs"), "-k", "-t", "-s",
            "-a", "300", "--minprocs", "300"]
    if as_root:
        args += ["-u", "root"]
    a.start(CFG_CONF % ("user=nosuchuser_itest\n" if as_root else "", ANSI_CMD), args=args)

    b = daemons("loud").start(LOUD_CONF, args=["-y", "1KB", "--logfile_backups", "1"])
    c = daemons("quiet").start(QUIET_CONF)

    d = daemons("daemonized")
    for sub in ("cfgdir", "clidir"):
        (d.dir / sub).mkdir()
    d.start(DAEMONIZE_CONF, daemonize=True,
            args=["-m", "027", "--directory=%s" % (d.dir / "clidir")])

    # -l / -j
    a.wait_log(r"^INFO supervisord started with pid %d$" % a.pid)
    assert a.pidfile.read_text() == "%d\n" % a.pid
    assert not (a.dir / "cfg.log").exists() and not (a.dir / "cfg.pid").exists()
    # -a / --minprocs: the soft limits the wrapper lowered were raised.
    assert "INFO Increased RLIMIT_NOFILE limit to 300" in a.lines()
    assert "INFO Increased RLIMIT_NPROC limit to 300" in a.lines()
    assert soft_limit(a.pid, "Max open files") == "300"
    assert soft_limit(a.pid, "Max processes") == "300"
    # -u root wins over user=nosuchuser_itest (which is never resolved).
    if as_root:
        assert "INFO Set uid to user 0 succeeded" in a.lines()
        assert not a.lines(r"^CRIT Supervisor is running as root")
    # -t: output stripped; -e debug: output copied to the main log.
    ansi = a.dir / "ansi.log"
    want = ANSI_STRIPPED + "sleeper %d up\n" % a.spawned_pid("ansi")
    wait_for(lambda: ansi.exists() and ansi.read_text() == want, 10, "stripped ansi.log")
    # (END comes 300 ms after the last line, but a loaded machine may read both at once)
    a.wait_log(r"^DEBG 'spew' stdout output:\n([\s\S]*\n)?END$", timeout=15)
    a.wait_log(r"^DEBG 'ansi' stdout output:\nred plain clr")
    # -q / -i / -k: AUTO logs in the CLI directory with the CLI identifier,
    # the stale one kept, nothing in the config's directory.
    auto = sorted(os.listdir(a.dir / "clilogs"))
    assert len(auto) == 3 and auto[2] == stale, auto
    assert re.match(r"^auto-stderr---cliid-[A-Za-z0-9_]{8}\.log$", auto[0]), auto
    assert re.match(r"^auto-stdout---cliid-[A-Za-z0-9_]{8}\.log$", auto[1]), auto
    assert os.listdir(a.dir / "cfglogs") == []

    # -m / -d when daemonizing.
    where = d.dir / "clidir" / "where.txt"
    wait_for(where.exists, 10, "envdump output of the daemonized supervisord")
    scalars = parse_kv(where.read_text())[0]
    assert scalars["cwd"] == str(d.dir / "clidir")
    assert scalars["umask"] == "0027"
    d.wait_log(r"^INFO set current directory: '%s'$" % re.escape(str(d.dir / "clidir")))
    assert os.listdir(d.dir / "cfgdir") == []

    # b's 1 KB log may rotate a line away; its stdout keeps every line
    wait_for(lambda: "success: a entered RUNNING" in b.stdout(), 10, "a RUNNING on b's stdout")
    wait_for(lambda: "\nEND\n" in b.stdout(), 15, "spew's END")
    c.wait_log(r"success: a entered RUNNING")
    for x in (a, b, c, d):
        x.known_children.update(p for p, *_ in x.children())
        x.send(15)
    assert [x.wait_exit(20) for x in (a, b, c)] == [0, 0, 0]
    d.wait_exit(20)

    assert not a.pidfile.exists()
    assert not (a.dir / "cli.log.1").exists()
    # -s: nothing on stdout (config silent=true too).
    assert a.stdout() == ""
    assert c.stdout() == ""
    # Without it (-n) stdout is a copy of the log; -y 1KB / -z 1: the main log
    # rotated with a single backup, the two files the tail of that copy.
    b1 = b.dir / "supervisord.log.1"
    assert b1.exists() and not (b.dir / "supervisord.log.2").exists()
    assert b1.stat().st_size >= 1024
    kept = b1.read_text() + b.log_text()
    assert b.stdout().endswith(kept) and len(b.stdout()) > len(kept)
    # (Supervisor rotates after writing: the last lines may all be in .1)
    assert "INFO stopped: a (exit status 0)" in kept


S = """[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
"""

CHECKED = [
    ("loglevel", S + "loglevel=bogus\n", ["-e", "info"], "bad logging level name 'bogus'"),
    ("logfile_maxbytes", S + "logfile_maxbytes=1.5MB\n", ["-y", "1MB"],
     "invalid literal for int() with base 10: '1.5'"),
    ("minfds", S + "minfds=abc\n", ["-a", "100"], "invalid literal for int() with base 10: 'abc'"),
    ("childlogdir", S + "childlogdir={tmp}/nonexistent\n", ["-q", "{tmp}"],
     "{tmp}/nonexistent is not an existing directory"),
]


@pytest.mark.parametrize("conf,args,msg", [c[1:] for c in CHECKED], ids=[c[0] for c in CHECKED])
def test_overridden_config_value_still_checked(supervisord_bin, tmp_path, conf, args, msg):
    (tmp_path / "sv.conf").write_text(conf.replace("{tmp}", str(tmp_path)))
    argv = [supervisord_bin, "-n", "-c", str(tmp_path / "sv.conf")] + \
        [x.replace("{tmp}", str(tmp_path)) for x in args]
    r = run_cmd(argv, tmp_path, timeout=20)
    assert r.returncode == 2
    assert normalize_usage(r.stderr, supervisord_bin, tmp_path) == \
        "Error: %s\nFor help, use <argv0> -h\n" % msg
    assert not (tmp_path / "supervisord.pid").exists()
