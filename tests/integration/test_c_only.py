"""Behaviour of our daemon only: --check-config, and the places where it
deliberately deviates from Python Supervisor 4.2.5:
- a crashing startsecs=0 program is respawned with a growing delay (Python:
  once per loop tick, forever); never a tight loop;
- capture mode never loses a short tail of output (Python keeps <= 24 bytes
  buffered and loses them at exit);
- environment=A=hello world keeps the whole value (Python: 'hello') and warns;
- /dev/stdout works as a log target with the default maxbytes (Python fails
  with 'Illegal seek' on a pipe unless maxbytes=0)."""

import re
import time

from conftest import SUPERVISORD_SECTION, binary_for, parse_kv, run_cmd, wait_for


def check_config(d, text):
    d.write_config(text)
    r = run_cmd([binary_for("c"), "--check-config", "-c", str(d.conf)], d.dir, env=d.env,
                timeout=30)
    return r.returncode, r.stdout + r.stderr


def test_check_config_good(c_daemons, helpers):
    d = c_daemons()
    rc, out = check_config(d, SUPERVISORD_SECTION + """
[program:a]
command={helpers}/sleeper
numprocs=2
process_name=%(program_name)s_%(process_num)d
""")
    assert rc == 0, out
    assert not d.pidfile.exists() and not d.logfile.exists()


BAD3 = """[supervisord]
logfile={tmp}/supervisord.log
loglevel=verbose

[program:a]
command=/bin/cat
startsecs=abc

[program:b]
command=/bin/cat
autorestart=sometimes
"""


def test_check_config_reports_every_error(c_daemons, helpers):
    d = c_daemons()
    rc, out = check_config(d, BAD3)
    assert rc == 2, out
    for line, msg in ((3, "bad logging level name 'verbose'"),
                      (7, "invalid literal for int() with base 10: 'abc'"),
                      (11, "invalid 'autorestart' value 'sometimes'")):
        assert msg in out, out
        assert re.search(r"supervisord\.conf:%d\b" % line, out), (line, out)
    assert not d.logfile.exists(), "--check-config must not start anything"


WARN_CONF = """[supervisord]
logfile={tmp}/supervisord.log

[program:a]
command={helpers}/sleeper
startsecs=1
startsecs=2
strip_ansii=true

[program:b]
command={tmp}/notexec.sh

[program:EdbmigrationFileService]
environment=ASPNETCORE_ENVIRONMENT=Production
environment=DOTNET_PRINT_TELEMETRY_MESSAGE=false
command={helpers}/sleeper
"""


def test_check_config_warnings(c_daemons, helpers):
    d = c_daemons()
    (d.dir / "notexec.sh").write_text("#!/bin/sh\n")
    (d.dir / "notexec.sh").chmod(0o644)
    rc, out = check_config(d, WARN_CONF)
    assert rc == 0, out
    assert re.search(r"warn", out, re.I), out
    # duplicate key (the later silently wins in Supervisor)
    assert "startsecs" in out and re.search(r"supervisord\.conf:(6|7)\b", out), out
    assert "environment" in out and re.search(r"supervisord\.conf:(14|15)\b", out), out
    # unknown key
    assert "strip_ansii" in out and re.search(r"supervisord\.conf:8\b", out), out
    # command that is not executable
    assert "notexec.sh" in out and re.search(r"supervisord\.conf:11\b", out), out


def test_check_config_unknown_user(c_daemons, helpers):
    d = c_daemons()
    rc, out = check_config(d, SUPERVISORD_SECTION + """
[program:a]
command=/bin/cat
user=nosuchuser_itest
""")
    assert "nosuchuser_itest" in out, out
    assert re.search(r"supervisord\.conf:9\b", out), out


DEVIATIONS_CONF = SUPERVISORD_SECTION + """
[program:crash]
command={helpers}/exiter 1 0
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE

[program:cap]
command={helpers}/exiter 0 300
startsecs=0
autorestart=false
stdout_capture_maxbytes=1KB
stdout_logfile={tmp}/cap.out
stderr_logfile=NONE

[program:hw]
command={helpers}/envdump {tmp}/hw.txt
environment=A=hello world

[program:out]
command={helpers}/spewer -n 5 -t END
stdout_logfile=/dev/stdout
stderr_logfile=NONE
"""


def stamp_secs(stamp):
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000


def test_deliberate_deviations(c_daemons, helpers):
    d = c_daemons()
    # The daemon's stdout is a pipe, where Python's append-mode log fails.
    d.start(DEVIATIONS_CONF, stdout_pipe=True)

    # Short capture-mode tail is written, not lost.
    d.wait_log(r"exited: cap \(exit status 0; expected\)")
    cap = d.dir / "cap.out"
    pid = d.spawned_pid("cap")
    wait_for(lambda: cap.exists() and cap.read_text() == "exiter %d code 0\n" % pid, 5,
             "capture-mode tail in cap.out")

    # environment=A=hello world: whole value, with a warning.
    wait_for((d.dir / "hw.txt").exists, 10, "envdump output")
    env = parse_kv((d.dir / "hw.txt").read_text())[1]
    assert env["A"] == "hello world"
    assert [t for t in d.lines(r"^(WARN|CRIT|ERRO) ") if "environment" in t or "hello world" in t]

    # /dev/stdout as a log target.
    want = ["O%08d abcdefghijklmnopqrstuvwxyz0123456789" % i for i in range(5)] + ["END"]
    wait_for(lambda: all(w in d.stdout().splitlines() for w in want), 10,
             "child output on the daemon's stdout")
    assert "Illegal seek" not in d.log_text()

    # Crash loop with startsecs=0: respawned, with growing delays, no tight loop.
    # The delays before respawns 2, 3, 4 are 50, 100, 200 ms: each gap between
    # spawns is at least its delay (plus the child's run time, which load
    # stretches, so only lower bounds are checked; stamps are to the ms).
    d.wait_log(r"spawned: 'crash'", timeout=15, count=5)
    spawns = [m[2] for m in d.messages() if m[1].startswith("spawned: 'crash'")]
    times = [stamp_secs(s) for s in spawns]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[1] >= 0.049 and gaps[2] >= 0.099 and gaps[3] >= 0.199, gaps
    # A tight loop would respawn hundreds of times in the first second.
    assert len([t for t in times if t - times[0] <= 1.0]) <= 15, gaps
    assert d.lines(r"gave up: crash") == []
    assert d.lines(r"exited: crash \(exit status 1; not expected\)")
    assert d.stop() == 0

