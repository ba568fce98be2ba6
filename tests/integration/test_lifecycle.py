"""Process lifecycle observed through the main log: spawn, success, exit
(expected / not expected), autorestart true/false/unexpected, exitcodes,
startretries -> FATAL, spawn errors, autostart=false, numprocs names,
priority order of spawns, reverse order of stops, SIGKILL escalation,
stopasgroup. Same expectations for both implementations."""

import re
import time

from conftest import SUPERVISORD_SECTION, pid_alive, wait_for

SUCCESS = ("INFO success: %s entered RUNNING state, process has stayed up for > than "
           "%d seconds (startsecs)")


def events_for(d, name, extra=None):
    """Main-log entries about process `name` (pids normalised to N)."""
    rx = re.compile(r"'%s'|: %s( |$)" % (re.escape(name), re.escape(name))
                    + ("|" + extra if extra else ""))
    out = []
    for text in d.lines():
        if text.split(" ", 1)[1].startswith("waiting for "):
            continue
        if rx.search(text):
            text = re.sub(r"with pid \d+", "with pid N", text)
            text = re.sub(r"\(\d+\)", "(N)", text)
            out.append(text)
    return out


LIFECYCLE_CONF = SUPERVISORD_SECTION + """
[program:ok0]
command={helpers}/exiter 0 2500
autorestart=false

[program:bad3]
command={helpers}/exiter 3 2500
autorestart=false

[program:unexp0]
command={helpers}/exiter 0 2500
autorestart=unexpected

[program:unexp3]
command={helpers}/exiter 3 2500
autorestart=unexpected

[program:always0]
command={helpers}/exiter 0 2500
autorestart=true

[program:codes]
command={helpers}/exiter 3 2500
exitcodes=0,3

[program:quick]
command={helpers}/exiter 1 0
; generous: a loaded machine can keep Python from noticing the exit for 1 s
startsecs=3
startretries=1

[program:nocmd]
command=/nonexistent/itest-binary
startretries=0

[program:manual]
command={helpers}/sleeper
autostart=false

[program:np]
command={helpers}/sleeper
numprocs=3
numprocs_start=8
process_name=%(program_name)s_%(process_num)02d
"""


def test_exit_and_restart_policies(daemon):
    d = daemon.start(LIFECYCLE_CONF)
    d.wait_log(r"gave up: quick entered FATAL state", timeout=15)
    d.wait_log(r"gave up: nocmd entered FATAL state", timeout=5)
    d.wait_log(r"spawned: 'always0'", timeout=10, count=2)
    d.wait_log(r"spawned: 'unexp3'", timeout=10, count=2)
    for name in ("ok0", "bad3", "unexp0", "codes"):
        d.wait_log(r"exited: %s " % name, timeout=5)

    spawned = "INFO spawned: '%s' with pid N"
    assert events_for(d, "ok0") == [
        spawned % "ok0", SUCCESS % ("ok0", 1), "INFO exited: ok0 (exit status 0; expected)"]
    assert events_for(d, "bad3") == [
        spawned % "bad3", SUCCESS % ("bad3", 1), "WARN exited: bad3 (exit status 3; not expected)"]
    assert events_for(d, "unexp0") == [
        spawned % "unexp0", SUCCESS % ("unexp0", 1),
        "INFO exited: unexp0 (exit status 0; expected)"]
    assert events_for(d, "codes") == [
        spawned % "codes", SUCCESS % ("codes", 1), "INFO exited: codes (exit status 3; expected)"]
    assert events_for(d, "unexp3")[:4] == [
        spawned % "unexp3", SUCCESS % ("unexp3", 1),
        "WARN exited: unexp3 (exit status 3; not expected)", spawned % "unexp3"]
    assert events_for(d, "always0")[:4] == [
        spawned % "always0", SUCCESS % ("always0", 1),
        "INFO exited: always0 (exit status 0; expected)", spawned % "always0"]
    # startretries=1: two attempts, each too quick, then FATAL.
    assert events_for(d, "quick") == [
        spawned % "quick", "WARN exited: quick (exit status 1; not expected)",
        spawned % "quick", "WARN exited: quick (exit status 1; not expected)",
        "INFO gave up: quick entered FATAL state, too many start retries too quickly"]
    assert events_for(d, "nocmd", extra=r"itest-binary") == [
        "INFO spawnerr: can't find command '/nonexistent/itest-binary'",
        "INFO gave up: nocmd entered FATAL state, too many start retries too quickly"]
    assert events_for(d, "manual") == []
    # numprocs names: a_08 a_09 a_10, spawned in name order.
    np_spawns = [t for t in d.lines(r"spawned: 'np_")]
    assert [re.sub(r"with pid \d+", "with pid N", t) for t in np_spawns] == [
        spawned % "np_08", spawned % "np_09", spawned % "np_10"]
    for name in ("np_08", "np_09", "np_10"):
        d.wait_log(r"success: %s entered RUNNING" % name, timeout=5)
    # Only the three sleepers and the restarted exiters are children; manual never ran.
    assert len(d.child_pids("sleeper")) == 3
    assert d.zombies() == []
    assert d.stop() == 0
    assert not d.pidfile.exists()


PRIORITY_CONF = SUPERVISORD_SECTION + """
[program:late]
command={helpers}/sleeper
priority=300

[program:first]
command={helpers}/sleeper
priority=100

[program:slow]
command={helpers}/slowstop
priority=400
stopsignal=INT
stopwaitsecs=1
stdout_logfile={tmp}/slow.out

[program:mid]
command={helpers}/sleeper
priority=200

[program:grp]
command=/bin/sh -c '{helpers}/sleeper 0 {tmp}/grp.pids & exec {helpers}/sleeper 0 {tmp}/grp.pids'
priority=250
stopasgroup=true
"""


def test_priority_order_and_stop_escalation(daemon):
    d = daemon.start(PRIORITY_CONF)
    names = ["first", "mid", "grp", "late", "slow"]
    for name in names:
        d.wait_log(r"success: %s entered RUNNING" % name, timeout=10)
    spawns = [re.search(r"spawned: '(\w+)'", t).group(1) for t in d.lines(r"spawned: ")]
    assert spawns == names
    # slowstop has installed SIG_IGN for SIGTERM once it says ready.
    wait_for(lambda: "ready" in d.log_text(d.dir / "slow.out"), 5, "slowstop ready")
    grp_pids = wait_for(lambda: [int(x) for x in (d.dir / "grp.pids").read_text().split()]
                        if (d.dir / "grp.pids").exists()
                        and len((d.dir / "grp.pids").read_text().split()) == 2 else None,
                        5, "both grp sleepers")
    d.known_children.update(grp_pids)
    children = d.child_pids()
    assert len(children) == 5
    assert d.stop(timeout=30) == 0
    stops = [t for t in d.lines(r"received SIG|stopped: |killing ")]
    stops = [re.sub(r"\(\d+\)", "(N)", t) for t in stops]
    # SIGKILL is re-sent every stopwaitsecs until the child is reaped; on a
    # loaded machine Python's 1 s tick can log it twice.
    stops = [t for i, t in enumerate(stops) if i == 0 or t != stops[i - 1]]
    assert stops == [
        "WARN received SIGTERM indicating exit request",
        "WARN killing 'slow' (N) with SIGKILL",
        "WARN stopped: slow (terminated by SIGKILL)",
        "INFO stopped: late (exit status 0)",
        "INFO stopped: grp (exit status 0)",
        "INFO stopped: mid (exit status 0)",
        "INFO stopped: first (exit status 0)",
    ]
    # SIGKILL came after stopwaitsecs (1 s), not at once (slowstop ignores
    # its stopsignal, SIGINT, as well as SIGTERM).
    msgs = d.messages()
    t_term = next(m[2] for m in msgs if "received SIGTERM" in m[1])
    t_kill = next(m[2] for m in msgs if "with SIGKILL" in m[1])

    def secs(stamp):
        return time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000
    assert secs(t_kill) - secs(t_term) >= 0.9
    # Every child, and the grandchild reached through the process group, is gone.
    for pid in children + grp_pids:
        assert not pid_alive(pid), pid
    assert not d.pidfile.exists()

