"""Config options not covered elsewhere, each with a value that changes what
can be observed: [DEFAULT] inheritance; [include] with several patterns
(relative, %(here)s, globs; matches sorted, later files override earlier
ones, %(here)s of an included file); numprocs with numprocs_start and
%(process_num)02d in command, logfile and environment; exitcodes lists with
autorestart=unexpected; startsecs/startretries=0; stopsignal variants and
killasgroup; strip_ansi; loglevel=debug output lines and loglevel=warn
filtering; main log rotation; environment= quoting forms; %(ENV_X)s from the
process environment and from [supervisord] environment; program umask;
relative command found on the program's PATH; autostart=false with
redirect_stderr; nocleanup and identifier in AUTO log names.
Same expectations for both implementations."""

import os
import re
import stat


from conftest import SUPERVISORD_SECTION, parse_kv, pid_alive, wait_for

SUCCESS = ("INFO success: %s entered RUNNING state, process has stayed up for > than "
           "%d seconds (startsecs)")


def norm(d, text):
    text = text.replace(str(d.dir), "{tmp}")
    text = re.sub(r"with pid \d+", "with pid N", text)
    text = re.sub(r"\(pid \d+\)", "(pid N)", text)
    text = re.sub(r"\(\d+\)", "(N)", text)
    return text


def about(d, name):
    """Main-log entries naming process `name` (pids normalised)."""
    rx = re.compile(r"'%s'|: %s( |$)" % (re.escape(name), re.escape(name)))
    return [norm(d, t) for t in d.lines()
            if rx.search(t) and not t.split(" ", 1)[1].startswith("waiting for ")]


def stop_all(*ds):
    """SIGTERM every daemon at once, then wait for each: exit statuses."""
    for d in ds:
        d.known_children.update(p for p, *_ in d.children())
        d.send(15)
    return [d.wait_exit(20) for d in ds]


def dump(d, path, timeout=10):
    path = d.dir / path
    wait_for(path.exists, timeout, "%s written by envdump (%s)" % (path, d.impl))
    return parse_kv(path.read_text())


def head_lines(d):
    """Main-log entries before `supervisord started`, tmp dir normalised, the
    as-root CRIT line dropped."""
    d.wait_log(r"^INFO supervisord started with pid %d$" % d.pid)
    lines = d.lines()
    head = lines[:lines.index("INFO supervisord started with pid %d" % d.pid)]
    return [norm(d, t) for t in head if not t.startswith("CRIT Supervisor is running as root")]


# --------------------------------------------------------------------------
# [DEFAULT] and [include]

DEFAULT_INCLUDE_CONF = """\
[DEFAULT]
autostart=false
stdout_logfile=NONE
stderr_logfile=NONE
startsecs=0
environment=DEFENV=d

""" + SUPERVISORD_SECTION + """
[include]
files = conf.d/*.conf
        extra/z?.ini %(here)s/abs/*.conf
    nomatch/*.conf

[program:main]
command={helpers}/envdump {tmp}/main.txt
autostart=true
environment=FROM=main
"""


def test_default_section_and_include(daemon):
    d = daemon
    helpers = d.expand("{helpers}")
    for sub in ("conf.d", "extra", "abs"):
        (d.dir / sub).mkdir()
    # Created in reverse name order: the matches must still be read sorted.
    (d.dir / "conf.d" / "c.conf").write_text(
        "[program:c]\ncommand=%s/envdump %%(here)s/c.txt\nautostart=true\n"
        "environment=HERE=\"%%(here)s\",G=\"%%(group_name)s\"\n"
        "[program:main]\nenvironment=FROM=c\n" % helpers)
    (d.dir / "conf.d" / "b.conf").write_text(
        "[program:b]\ncommand=%s/envdump %%(here)s/b.txt\n"  # autostart from [DEFAULT]
        "[program:main]\nenvironment=FROM=b\n" % helpers)
    (d.dir / "conf.d" / "a.conf").write_text(
        "[program:a]\ncommand=%s/envdump {tmp}/a.txt\nautostart=true\n" % helpers)
    (d.dir / "conf.d" / ".hidden.conf").write_text("[program:hidden]\ncommand=/bin/false\n")
    (d.dir / "conf.d" / "d.conf.off").write_text("[program:off]\ncommand=/bin/false\n")
    (d.dir / "extra" / "z1.ini").write_text(
        "[program:z1]\ncommand=%s/envdump z1.txt\ndirectory=%%(here)s\nautostart=true\n"
        % helpers)
    (d.dir / "extra" / "z10.ini").write_text("[program:z10]\ncommand=/bin/false\n")
    (d.dir / "abs" / "q.conf").write_text(
        "[program:q]\ncommand=%s/envdump {tmp}/q.txt\nautostart=true\n"
        "stdout_logfile=%%(here)s/q.out\n" % helpers)
    for p in (d.dir / "conf.d" / "a.conf", d.dir / "abs" / "q.conf"):
        p.write_text(d.expand(p.read_text()))
    d.start(DEFAULT_INCLUDE_CONF)

    head = head_lines(d)
    if d.impl == "c":
        # Ours names a key overridden by a later file (doc/compat.md: a key
        # given twice in a section logs a WARN); the value used is the same.
        dup = [t for t in head if t.startswith(
            "WARN duplicate key 'environment' in section [program:main]")]
        assert dup, head
        head = [t for t in head if t not in dup]
    assert head == [
        'WARN No file matches via include "{tmp}/nomatch/*.conf"',
        'INFO Included extra file "{tmp}/conf.d/a.conf" during parsing',
        'INFO Included extra file "{tmp}/conf.d/b.conf" during parsing',
        'INFO Included extra file "{tmp}/conf.d/c.conf" during parsing',
        'INFO Included extra file "{tmp}/extra/z1.ini" during parsing',
        'INFO Included extra file "{tmp}/abs/q.conf" during parsing',
    ]
    env_main = dump(d, "main.txt")[1]
    assert env_main["FROM"] == "c", "the last included file wins"
    # [DEFAULT] environment is also [supervisord]'s, merged under every program's.
    assert env_main["DEFENV"] == "d"
    scalars, env, fds, argv = dump(d, "conf.d/c.txt")
    assert env["HERE"] == str(d.dir / "conf.d")
    assert env["G"] == "c"
    scalars, env, fds, argv = dump(d, "extra/z1.txt")
    assert scalars["cwd"] == str(d.dir / "extra")
    assert dump(d, "a.txt")[1]["DEFENV"] == "d"
    dump(d, "q.txt")
    q_out = d.dir / "abs" / "q.out"
    wait_for(lambda: q_out.exists() and q_out.read_text() == "envdump ready\n", 5,
             "q.out in the included file's directory")
    for name in ("main", "a", "c", "z1", "q"):
        d.wait_log(r"success: %s entered RUNNING" % name)
    assert sorted(re.search(r"'(\w+)'", t).group(1) for t in d.lines(r"spawned: ")) == \
        ["a", "c", "main", "q", "z1"]
    # [DEFAULT] stdout_logfile/stderr_logfile=NONE: no AUTO log for anyone.
    assert os.listdir(d.dir / "childlogs") == []
    assert not (d.dir / "b.txt").exists() and not (d.dir / "conf.d" / "b.txt").exists()
    assert d.stop() == 0
    assert not any("hidden" in t or "z10" in t or "'off'" in t for t in d.lines())


# --------------------------------------------------------------------------
# numprocs, exit codes, startsecs / startretries

PROC_CONF = SUPERVISORD_SECTION + """
[program:np]
command={helpers}/envdump {tmp}/np_%(process_num)02d.txt %(process_num)d
process_name=%(program_name)s_%(process_num)02d
numprocs=3
numprocs_start=9
stdout_logfile={tmp}/np-%(process_num)02d-%(program_name)s.log
stderr_logfile=NONE
environment=NUM="n%(process_num)03d",TOTAL="%(numprocs)d of %(program_name)s"

[program:zero]
command=/nonexistent/never-spawned
numprocs=0

[program:ex5]
command={helpers}/exiter 5 1300
exitcodes=2,5
autorestart=unexpected
stdout_logfile=NONE
stderr_logfile=NONE

[program:ex0]
command={helpers}/exiter 0 1300
exitcodes=2, 5
autorestart=unexpected
stdout_logfile=NONE
stderr_logfile=NONE

[program:nocodes]
command={helpers}/exiter 0 1300
exitcodes=
autorestart=unexpected
startretries=0
stdout_logfile=NONE
stderr_logfile=NONE

[program:quick]
command={helpers}/exiter 0 0
startsecs=5
startretries=0
stdout_logfile=NONE
stderr_logfile=NONE

[program:longstart]
command={helpers}/exiter 0 1300
startsecs=3
startretries=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE

; one group: Python stops one group per 1 s tick at shutdown
[group:codes]
programs=ex5,ex0,nocodes,quick,longstart
"""


def test_numprocs_exitcodes_startsecs(daemon):
    d = daemon.start(PROC_CONF)
    pids = {}
    for n in (9, 10, 11):
        name = "np_%02d" % n
        pids[n] = d.spawned_pid(name)
        scalars, env, fds, argv = dump(d, "np_%02d.txt" % n)
        assert argv[1:] == [str(d.dir / ("np_%02d.txt" % n)), str(n)]
        assert env["NUM"] == "n%03d" % n
        assert env["TOTAL"] == "3 of np"
        assert env["SUPERVISOR_PROCESS_NAME"] == name
        assert env["SUPERVISOR_GROUP_NAME"] == "np"
        log = d.dir / ("np-%02d-np.log" % n)
        wait_for(lambda: log.exists() and log.read_text() == "envdump ready\n", 5, str(log))
    assert [norm(d, t) for t in d.lines(r"spawned: 'np_")] == [
        "INFO spawned: 'np_%02d' with pid N" % n for n in (9, 10, 11)]

    d.wait_log(r"gave up: quick entered FATAL", timeout=10)
    d.wait_log(r"gave up: longstart entered FATAL", timeout=10)
    d.wait_log(r"spawned: 'ex0'", count=2, timeout=10)
    d.wait_log(r"exited: ex5 ", timeout=10)
    d.wait_log(r"exited: nocodes ", timeout=10)
    d.wait_log(r"spawned: 'nocodes'", count=2, timeout=10)  # the restart follows
    spawned = "INFO spawned: '%s' with pid N"
    # exit 5 is in exitcodes=2,5: expected, not restarted.
    assert about(d, "ex5") == [
        spawned % "ex5", SUCCESS % ("ex5", 1), "INFO exited: ex5 (exit status 5; expected)"]
    # exit 0 is not in "2, 5": not expected, restarted (autorestart=unexpected).
    assert about(d, "ex0")[:4] == [
        spawned % "ex0", SUCCESS % ("ex0", 1), "WARN exited: ex0 (exit status 0; not expected)",
        spawned % "ex0"]
    # Empty exitcodes: no exit is expected; startretries does not apply after RUNNING.
    assert about(d, "nocodes")[:4] == [
        spawned % "nocodes", SUCCESS % ("nocodes", 1),
        "WARN exited: nocodes (exit status 0; not expected)", spawned % "nocodes"]
    # Exit 0 before startsecs: not expected (too quick), startretries=0: one attempt.
    # (startsecs=5: Python promotes a STARTING process before reaping it, so
    # one whose exit it notices over startsecs late, under load, goes RUNNING.)
    assert about(d, "quick") == [
        spawned % "quick", "WARN exited: quick (exit status 0; not expected)",
        "INFO gave up: quick entered FATAL state, too many start retries too quickly"]
    # Ran 1.3 s but startsecs=3: still too quick.
    assert about(d, "longstart") == [
        spawned % "longstart", "WARN exited: longstart (exit status 0; not expected)",
        "INFO gave up: longstart entered FATAL state, too many start retries too quickly"]
    assert not d.lines(r"zero|never-spawned")
    assert d.stop() == 0
    for pid in pids.values():
        assert not pid_alive(pid)


# --------------------------------------------------------------------------
# stop signals and killasgroup

STOP_CONF = SUPERVISORD_SECTION + """
[program:hup]
command={helpers}/sigrec {tmp}/sigs.txt
stopsignal=HUP
stdout_logfile=NONE
stderr_logfile=NONE

[program:int]
command={helpers}/sigrec {tmp}/sigs.txt
stopsignal=int
exitcodes=0,2
stdout_logfile=NONE
stderr_logfile=NONE

[program:quit]
command={helpers}/sigrec {tmp}/sigs.txt
stopsignal=SIGQUIT
stdout_logfile=NONE
stderr_logfile=NONE

[program:usr1]
command={helpers}/sigrec {tmp}/sigs.txt 0
stopsignal=10
stdout_logfile=NONE
stderr_logfile=NONE

[program:usr2]
command={helpers}/sigrec {tmp}/sigs.txt
stopsignal=usr2
exitcodes=12
stdout_logfile=NONE
stderr_logfile=NONE

[program:kag]
command=/bin/sh -c '{helpers}/sigrec {tmp}/kag.sig & exec {helpers}/slowstop'
killasgroup=true
stopwaitsecs=1
stdout_logfile={tmp}/kag.out
stderr_logfile=NONE

[program:nokag]
command=/bin/sh -c '{helpers}/sigrec {tmp}/nokag.sig & exec {helpers}/slowstop'
stopwaitsecs=1
stdout_logfile={tmp}/nokag.out
stderr_logfile=NONE

[group:killers]
programs=kag,nokag

[group:sigs]
programs=hup,int,quit,usr1,usr2
"""


def _bg_pid(path):
    def get():
        if not path.exists():
            return None
        text = path.read_text()
        m = re.search(r"sigrec (\d+) ready", text)
        return int(m.group(1)) if m and "slowstop" in text else None
    return get


def test_stopsignals_and_killasgroup(daemon):
    d = daemon.start(STOP_CONF)
    names = ["hup", "int", "quit", "usr1", "usr2", "kag", "nokag"]
    pids = {n: d.spawned_pid(n) for n in names}
    for n in names:
        d.wait_log(r"success: %s entered RUNNING" % n, timeout=10)
    kag_bg = wait_for(_bg_pid(d.dir / "kag.out"), 5, "kag's background sigrec")
    nokag_bg = wait_for(_bg_pid(d.dir / "nokag.out"), 5, "nokag's background sigrec")
    d.known_children.update([kag_bg, nokag_bg])
    assert d.stop(timeout=30) == 0
    got = dict(line.split() for line in (d.dir / "sigs.txt").read_text().splitlines())
    assert got == {str(pids["hup"]): "SIGHUP", str(pids["int"]): "SIGINT",
                   str(pids["quit"]): "SIGQUIT", str(pids["usr1"]): "SIGUSR1",
                   str(pids["usr2"]): "SIGUSR2"}
    # (Python may log the SIGKILL twice when its 1 s tick comes early.)
    stopped = sorted(set(norm(d, t) for t in d.lines(r"stopped: |killing ")))
    assert stopped == sorted([
        "WARN stopped: hup (exit status 1)",
        "INFO stopped: int (exit status 2)",
        "WARN stopped: quit (exit status 3)",
        "INFO stopped: usr1 (exit status 0)",
        "INFO stopped: usr2 (exit status 12)",
        "WARN killing 'kag' (N) with SIGKILL",
        "WARN stopped: kag (terminated by SIGKILL)",
        "WARN killing 'nokag' (N) with SIGKILL",
        "WARN stopped: nokag (terminated by SIGKILL)",
    ])
    # killasgroup: SIGKILL went to the whole process group; the background
    # sigrec never saw the stop signal (it went to the leader only).
    assert not pid_alive(kag_bg)
    assert not (d.dir / "kag.sig").exists()
    # without it: SIGKILL to the leader only, the background child survives.
    assert pid_alive(nokag_bg)
    assert not (d.dir / "nokag.sig").exists()
    os.kill(nokag_bg, 15)
    wait_for(lambda: (d.dir / "nokag.sig").exists(), 5, "orphan got our SIGTERM")


# --------------------------------------------------------------------------
# strip_ansi, loglevel=debug, main log rotation; loglevel=warn filtering

ANSI_CMD = ("/bin/sh -c \"printf '\\033[1;31mred\\033[0m plain \\033[2Jclr \\033(B "
            "\\033[9zqpost end\\n'; exec {helpers}/sleeper\"")
ANSI_STRIPPED = "red plain clr \x1b(B ost end\n"
ANSI_RAW = "\x1b[1;31mred\x1b[0m plain \x1b[2Jclr \x1b(B \x1b[9zqpost end\n"

DEBUG_CONF = SUPERVISORD_SECTION + """\
loglevel=debug
strip_ansi=true
logfile_maxbytes=3KB
logfile_backups=2

[program:ansi]
command=%s
stdout_logfile={tmp}/ansi.log
stderr_logfile=NONE

[program:spew]
command={helpers}/spewer -n 150 -i 3 -t END
stdout_logfile=NONE
stderr_logfile=NONE
""" % ANSI_CMD

WARN_CONF = SUPERVISORD_SECTION + """\
loglevel=warn

[program:ansi]
command=%s
stdout_logfile={tmp}/ansi.log
stderr_logfile=NONE

[program:bad]
command={helpers}/exiter 3 0
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE

[program:good]
command={helpers}/exiter 0 0
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
""" % ANSI_CMD


def test_debug_strip_ansi_and_main_log_rotation(daemons):
    dbg = daemons("debug").start(DEBUG_CONF)
    warn = daemons("warn").start(WARN_CONF)

    ansi = dbg.dir / "ansi.log"
    dbg_ansi = ANSI_STRIPPED + "sleeper %d up\n" % dbg.spawned_pid("ansi")
    wait_for(lambda: ansi.exists() and ansi.read_bytes() == dbg_ansi.encode(), 10,
             "stripped ansi.log (%s)" % dbg.impl)
    dbg.wait_log(r"^DEBG 'spew' stdout output:\n([\s\S]*\n)?END$", timeout=15)

    wansi = warn.dir / "ansi.log"
    # (no `spawned:` line at loglevel=warn: the pid comes from /proc)
    wpid = wait_for(lambda: warn.child_pids("sleeper"), 10, "ansi exec'd sleeper")[0]
    warn_ansi = ANSI_RAW + "sleeper %d up\n" % wpid
    wait_for(lambda: wansi.exists() and wansi.read_bytes() == warn_ansi.encode(), 10,
             "raw ansi.log (%s)" % warn.impl)
    warn.wait_log(r"exited: bad ")
    assert stop_all(dbg, warn) == [0, 0]

    # Main log rotated at 3KB keeping 2 backups; together the files are the
    # tail of what was logged (the stdout copy holds everything).
    live = dbg.logfile
    b1, b2 = live.with_name(live.name + ".1"), live.with_name(live.name + ".2")
    assert b1.exists() and b2.exists() and not live.with_name(live.name + ".3").exists()
    for b in (b1, b2):
        assert b.stat().st_size >= 3 * 1024, (b, b.stat().st_size)
    kept = b2.read_text() + b1.read_text() + live.read_text()
    everything = dbg.stdout()
    assert everything.endswith(kept)
    assert len(everything) > len(kept)

    # The copy on stdout parses into the same entries; every chunk of child
    # output is a DEBG entry; together they are the child's stream in order.
    texts = []
    for line in everything.split("\n"):
        if re.match(r"^\d{4}-\d\d-\d\d ", line):
            texts.append(line)
        elif texts and line:
            texts[-1] += "\n" + line
    outs = [t.split(" ", 2)[2] for t in texts if " DEBG 'spew' stdout output:\n" in t]
    data = "".join(t.split("\n", 1)[1] + "\n" for t in outs)
    assert data == "".join("O%08d abcdefghijklmnopqrstuvwxyz0123456789\n" % i
                           for i in range(150)) + "END\n"
    ansi_out = [t.split(" ", 2)[2] for t in texts if " DEBG 'ansi' stdout output:\n" in t]
    assert "".join(t.split("\n", 1)[1] + "\n" for t in ansi_out) == dbg_ansi

    # loglevel=warn: nothing below WARN, in the file or on stdout.
    levels = {lvl for lvl, _, _ in warn.messages()}
    assert levels <= {"WARN", "ERRO", "CRIT"}, levels
    assert "WARN exited: bad (exit status 3; not expected)" in warn.lines()
    assert "WARN received SIGTERM indicating exit request" in warn.lines()
    assert not warn.lines(r"good|spawned|success|supervisord started")


# --------------------------------------------------------------------------
# environment, %(ENV_X)s, umask, directory + PATH lookup, AUTO logs

ENV_CONF = """\
[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}/childlogs
identifier=my_id
nocleanup=true
environment=BINDIR="%(ENV_HOME)s/bin",TOOL="envdump",EXTRA='from global'

[program:q]
command=%(ENV_BINDIR)s/%(ENV_TOOL)s {tmp}/q.txt %(ENV_ITEST_VAR)s
environment=A="x y",B='p,q',C=/a/b:c.d+e-f(g),D=1;E="",F="%(ENV_TOOL)s=%(program_name)s",EXTRA="own"
umask=077
stdout_logfile={tmp}/q.out
stderr_logfile=NONE

[program:rel]
command=envdump rel.txt one
directory={tmp}/wd
environment=PATH="{tmp}/bin:/usr/bin:/bin"
stdout_logfile=NONE

[program:manual]
command={helpers}/sleeper
autostart=false
redirect_stderr=true

[program:auto]
command={helpers}/sleeper

[group:g]
programs=q,rel,manual,auto
"""


def test_environment_umask_path_and_auto_logs(daemon):
    d = daemon
    (d.dir / "bin").mkdir()
    (d.dir / "wd").mkdir()
    os.symlink(d.expand("{helpers}/envdump"), d.dir / "bin" / "envdump")
    logs = d.dir / "childlogs"
    stale = ["old-stdout---my_id-abcdefgh.log", "old-stderr---my_id-abcdefgh.log.2"]
    for name in stale:
        (logs / name).write_text("stale\n")
    d.start(ENV_CONF, umask=0o002)

    scalars, env, fds, argv = dump(d, "q.txt")
    assert argv == [str(d.dir / "bin" / "envdump"), str(d.dir / "q.txt"), "itest-value"]
    for k, v in {"A": "x y", "B": "p,q", "C": "/a/b:c.d+e-f(g)", "D": "1", "E": "",
                 "F": "envdump=q", "EXTRA": "own", "BINDIR": str(d.dir / "bin"),
                 "TOOL": "envdump"}.items():
        assert env.get(k) == v, (k, env.get(k), v)
    assert scalars["umask"] == "0077"
    # The child created q.txt under its umask; the daemon created q.out under its own.
    assert stat.S_IMODE((d.dir / "q.txt").stat().st_mode) == 0o600
    wait_for(lambda: (d.dir / "q.out").exists(), 5, "q.out")
    assert stat.S_IMODE((d.dir / "q.out").stat().st_mode) == 0o664

    # command without a slash: looked up on the program's PATH; argv[0] as written;
    # relative file argument resolved in directory=.
    scalars, env, fds, argv = dump(d, "wd/rel.txt")
    assert argv == ["envdump", "rel.txt", "one"]
    assert scalars["cwd"] == str(d.dir / "wd")
    assert env["PATH"] == "%s/bin:/usr/bin:/bin" % d.dir
    assert env["EXTRA"] == "from global"

    for name in ("q", "rel", "auto"):
        d.wait_log(r"success: %s entered RUNNING" % name)
    assert about(d, "manual") == []
    names = sorted(os.listdir(logs))
    fresh = [n for n in names if n not in stale]
    assert sorted(set(names) & set(stale)) == sorted(stale), "nocleanup keeps old AUTO logs"
    auto_rx = r"^%s-%s---my_id-[A-Za-z0-9_]{8}\.log$"
    pattern = [auto_rx % ("auto", "stderr"), auto_rx % ("auto", "stdout"),
               auto_rx % ("manual", "stdout"), auto_rx % ("rel", "stderr")]
    assert len(fresh) == 4 and all(re.match(p, n) for p, n in zip(pattern, fresh)), fresh
    assert d.stop() == 0
    assert sorted(os.listdir(logs)) == names, "AUTO logs are not removed at shutdown"


ORDER_CONF = SUPERVISORD_SECTION + """\
loglevel=debug

[program:early]
command={helpers}/sleeper
priority=1
stdout_logfile=NONE
stderr_logfile=NONE

[program:late]
command=/bin/sh -c 'trap "sleep 0.3; exit 0" TERM; : > {tmp}/late.ready; while :; do sleep 0.1; done'
priority=2
stdout_logfile=NONE
stderr_logfile=NONE
"""


def test_debug_stop_lines_in_order(daemon):
    """Shutdown at loglevel=debug: each group's `killing` DEBG line, then its
    `stopped:` line, then the next group's."""
    d = daemon.start(ORDER_CONF)
    d.wait_log(r"spawned: 'late'")
    d.wait_log(r"spawned: 'early'")
    wait_for((d.dir / "late.ready").exists, 5, "late's trap installed")
    assert d.stop() == 0
    seq = [norm(d, t) for t in d.lines(r"^(DEBG killing|INFO stopped:)")]
    assert seq == [
        "DEBG killing late (pid N) with signal SIGTERM",
        "INFO stopped: late (exit status 0)",
        "DEBG killing early (pid N) with signal SIGTERM",
        "INFO stopped: early (exit status 0)",
    ], d.log_text()
