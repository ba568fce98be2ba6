"""Process-lifecycle measures: launch to all RUNNING, respawn after kill -9,
stop all / start all, shutdown time and children left behind. Times of
daemon-side events come from the main-log timestamps (1 ms resolution), so
polling the log costs the measurement nothing."""

import os
import signal
import time

from lib import BenchError, wait_for


def launch(d, timeout):
    """Start d; returns seconds from exec to the last RUNNING entry."""
    d.start()
    last = d.wait_all_running(timeout)
    return last - d.t_exec


def respawn(d, reps):
    """kill -9 'victim' (startsecs=0, autorestart) reps times; returns the
    milliseconds from the kill to the RUNNING entry of its successor. Each kill
    comes >1 s after the previous RUNNING so neither daemon treats it as a
    crash loop."""
    rpc = d.rpc(60)
    out = []
    for _ in range(reps):
        d.read_log()
        seen = len(d.log_matches("success: victim entered RUNNING"))
        time.sleep(1.2)
        pid = rpc.supervisor.getProcessInfo("victim")["pid"]
        if not pid:
            raise BenchError("victim not running under %s supervisord" % d.impl)
        t0 = time.time()
        os.kill(pid, signal.SIGKILL)
        hits = d.wait_log("success: victim entered RUNNING", seen + 1, 30)
        out.append((hits[seen][0] - t0) * 1000.0)
        new = wait_for(lambda: rpc.supervisor.getProcessInfo("victim")["pid"], 10,
                       "victim's new pid")
        if new == pid:
            raise BenchError("victim kept pid %d" % pid)
    return out


def _states(rpc):
    return {i["name"]: i["statename"] for i in rpc.supervisor.getAllProcessInfo()}


def stop_start_all(d, reps):
    """stopAllProcesses(wait) then startAllProcesses(wait) over XML-RPC, reps
    times; returns (stop seconds list, start seconds list), each checked
    against the final state."""
    rpc = d.rpc(900)
    stops, starts = [], []
    for _ in range(reps):
        t0 = time.monotonic()
        rpc.supervisor.stopAllProcesses(True)
        stops.append(time.monotonic() - t0)
        bad = {k: v for k, v in _states(rpc).items() if v != "STOPPED"}
        if bad:
            raise BenchError("after stop all, not STOPPED: %s" % list(bad.items())[:5])
        t0 = time.monotonic()
        rpc.supervisor.startAllProcesses(True)
        starts.append(time.monotonic() - t0)
        bad = {k: v for k, v in _states(rpc).items() if v != "RUNNING"}
        if bad:
            raise BenchError("after start all, not RUNNING: %s" % list(bad.items())[:5])
    return stops, starts


def shutdown(d, timeout):
    """SIGTERM with everything running; returns (seconds, children left)."""
    elapsed, left = d.shutdown(timeout)
    return elapsed, len(left)
