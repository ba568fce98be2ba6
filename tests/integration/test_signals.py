"""Daemon signals: SIGTERM/SIGINT/SIGQUIT shut down (exit 0, pidfile removed,
children gone), SIGHUP restarts every process with new pids, exited children
are reaped (no zombies). Same expectations for both implementations."""

import re
import signal

from conftest import SUPERVISORD_SECTION, pid_alive, wait_for


def wait_ready(d, pid):
    """Until the sleeper has its handlers in place (it says so on stdout):
    a signal before that would kill it, in either implementation."""
    out = d.dir / "a.out"
    wait_for(lambda: out.exists() and ("sleeper %d up" % pid) in out.read_text(), 10,
             "sleeper %d ready (%s)" % (pid, d.impl))

CONF = SUPERVISORD_SECTION + """
[program:a]
command={helpers}/sleeper 0
stdout_logfile={tmp}/a.out
stderr_logfile=NONE

[program:once]
command={helpers}/exiter 0 0
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
"""


def test_shutdown_signals(daemons):
    sigs = [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT]
    ds = [daemons(s.name).start(CONF) for s in sigs]
    kids = []
    for d in ds:
        kids.append(d.spawned_pid("a"))
        wait_ready(d, kids[-1])
        d.wait_log(r"exited: once \(exit status 0; expected\)")
        assert d.pidfile.read_text() == "%d\n" % d.pid
    for d, s in zip(ds, sigs):
        d.send(s)
    for d, s, kid in zip(ds, sigs, kids):
        assert d.wait_exit(20) == 0
        assert "WARN received %s indicating exit request" % s.name in d.lines()
        assert "INFO stopped: a (exit status 0)" in d.lines()
        assert not d.pidfile.exists()
        assert not pid_alive(kid)


def test_sighup_restart_and_reaping(daemon):
    d = daemon.start(CONF)
    old = d.spawned_pid("a")
    d.wait_log(r"exited: once \(exit status 0; expected\)")
    # The exited child was reaped: no zombie left under the daemon.
    wait_for(lambda: d.zombies() == [], 5, "no zombie children")
    assert d.child_pids() == [old]
    wait_ready(d, old)
    d.send(signal.SIGHUP)
    d.wait_log(r"^WARN received SIGHUP indicating restart request$")
    new = d.spawned_pid("a", nth=2)
    d.wait_log(r"exited: once \(exit status 0; expected\)", count=2)
    assert new != old
    assert not pid_alive(old)
    assert "INFO stopped: a (exit status 0)" in d.lines()
    assert len(d.lines(r"^INFO supervisord started with pid %d$" % d.pid)) == 2
    assert d.pidfile.read_text() == "%d\n" % d.pid
    wait_for(lambda: d.zombies() == [], 5, "no zombie children after restart")
    assert d.child_pids() == [new]
    assert d.stop() == 0
    assert not pid_alive(new)
    spawns = [re.sub(r"\d+", "N", t) for t in d.lines(r"spawned: ")]
    assert spawns == ["INFO spawned: 'a' with pid N", "INFO spawned: 'once' with pid N"] * 2
