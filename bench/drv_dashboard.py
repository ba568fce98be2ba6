"""The dashboard's live feed, GET /api/v1/events (ours only: Python
Supervisor has none): what serving it costs the daemon, in CPU time read
from /proc/PID/schedstat (nanoseconds; /proc/PID/stat counts 10 ms ticks).

- connect: a client connects and gets hello + the snapshot of every
  process (and the first CPU/memory slice, which a connect starts).
- stats: with one client connected, a refresh round of CPU and memory of
  every running process; per event (a round is sent in slices) and per
  round."""

import http.client
import json
import time

from lib import BenchError


def cpu_ns(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def _open(d):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
    conn.request("GET", "/api/v1/events")
    r = conn.getresponse()
    if r.status != 200:
        raise BenchError("GET /api/v1/events: HTTP %d" % r.status)
    return conn, r


def _events(r):
    """(event, parsed data) as they come."""
    ev = None
    while True:
        line = r.readline()
        if not line:
            raise BenchError("the event stream ended")
        line = line.decode("utf-8").rstrip("\r\n")
        if line.startswith("event: "):
            ev = line[7:]
        elif line.startswith("data: "):
            yield ev, json.loads(line[6:])


def _settle(d, secs=0.3):
    """Until the daemon has been idle for secs (a left client is noticed)."""
    last, t_last = cpu_ns(d.pid), time.monotonic()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = cpu_ns(d.pid)
        if now != last:
            last, t_last = now, time.monotonic()
        elif time.monotonic() - t_last >= secs:
            return


def connect(d, reps):
    """CPU ms per client connected and served its snapshot."""
    out = []
    for _ in range(reps):
        _settle(d)
        c0 = cpu_ns(d.pid)
        conn, r = _open(d)
        for ev, data in _events(r):
            if ev == "snapshot":
                if len(data["processes"]) < d.n:
                    raise BenchError("snapshot of %d processes, want %d"
                                     % (len(data["processes"]), d.n))
                break
        conn.close()
        _settle(d)  # the first stats slice and the goodbye belong to this client
        out.append((cpu_ns(d.pid) - c0) / 1e6)
    return out


def stats(d, rounds):
    """(CPU ms per stats event, CPU ms per full round) with one client."""
    conn, r = _open(d)
    per_event, per_round = [], []
    try:
        it = _events(r)
        for ev, data in it:  # until a round has ended: start on a boundary
            if ev == "stats" and data.get("round_end"):
                break
        for _ in range(rounds):
            c0, events = cpu_ns(d.pid), 0
            for ev, data in it:
                if ev != "stats":
                    continue
                events += 1
                if data.get("round_end"):
                    break
            ms = (cpu_ns(d.pid) - c0) / 1e6
            per_round.append(ms)
            per_event.append(ms / events)
    finally:
        conn.close()
    return per_event, per_round
