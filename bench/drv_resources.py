"""Resource measures of a running daemon: RSS and PSS from
/proc/PID/smaps_rollup, and idle CPU and wake-ups over a quiet window."""

import time

from lib import cpu_seconds, ctxt_switches, smaps_rollup


def memory(d):
    """(RSS KiB, PSS KiB) of the daemon now."""
    m = smaps_rollup(d.pid)
    return m["Rss"], m["Pss"]


def idle(d, windows, seconds):
    """Sample `windows` back-to-back windows of `seconds` with nothing
    happening; returns (CPU ms per s list, wake-ups per s list)."""
    cpu, wake = [], []
    c0, w0, t0 = cpu_seconds(d.pid), ctxt_switches(d.pid), time.monotonic()
    for _ in range(windows):
        time.sleep(seconds)
        c1, w1, t1 = cpu_seconds(d.pid), ctxt_switches(d.pid), time.monotonic()
        cpu.append((c1 - c0) * 1000.0 / (t1 - t0))
        wake.append((w1 - w0) / (t1 - t0))
        c0, w0, t0 = c1, w1, t1
    return cpu, wake
