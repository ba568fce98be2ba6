"""Runtime behaviour not covered elsewhere: a SIGHUP restart whose new config
is broken (both implementations stop everything and exit 2 with the error on
stderr), and our daemon's zero idle wake-ups (C only: Python wakes every
second)."""

import signal
import time

from conftest import SUPERVISORD_SECTION, catches, pid_alive, wait_for

CONF = SUPERVISORD_SECTION + """
[program:a]
command={helpers}/sleeper 0
stdout_logfile=NONE
stderr_logfile=NONE
"""


def test_sighup_with_broken_config(daemon):
    """Supervisor stops everything and exits 2 on a config it cannot load;
    ours checks the file first and keeps running (doc/compat.md)."""
    d = daemon.start(CONF)
    kid = d.spawned_pid("a")
    wait_for(lambda: catches(kid, signal.SIGTERM), 10, "sleeper ready for SIGTERM")
    d.write_config(CONF + "\n[program:b]\nstartsecs=1\n")  # no command
    d.send(signal.SIGHUP)
    msg = "program section program:b does not specify a command"
    if d.impl == "python":
        assert d.wait_exit(20) == 2
        assert msg in d.stderr()
        assert not pid_alive(kid)
        assert "INFO stopped: a (exit status 0)" in d.lines()
    else:
        d.wait_log(r"^ERRO not restarting: " + msg)
        assert pid_alive(kid) and d.running()
        assert not d.lines(r"stopped: a")
        assert d.stop() == 0


def ctx_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def test_no_idle_wakeups(c_daemons, helpers):
    d = c_daemons().start(CONF + """
[program:b]
command={helpers}/sleeper 0
stdout_logfile=NONE
stderr_logfile=NONE
""")
    d.spawned_pid("a")
    d.spawned_pid("b")
    # Once both are RUNNING (startsecs timers done) nothing is pending.
    d.wait_log(r"success: a entered RUNNING state", timeout=10)
    d.wait_log(r"success: b entered RUNNING state", timeout=10)
    wait_for(lambda: "RUNNING" in d.log_text(), 5, "running")
    time.sleep(0.2)  # let the last log write settle
    before = ctx_switches(d.pid)
    time.sleep(1.5)  # an idle window: Python would wake once or twice here
    after = ctx_switches(d.pid)
    assert after == before, "daemon woke up %d times while idle" % (after - before)
    assert d.stop() == 0
