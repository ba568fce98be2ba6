"""XML-RPC throughput with wrk over keep-alive TCP: requests/s, p50 and p99
latency, daemon CPU per request. The body is checked once through
xmlrpc.client first so a fault cannot pass for speed."""

import json
import math
import os
import subprocess
import time
import xmlrpc.client
from pathlib import Path

from lib import BenchError, Skipped, cpu_seconds, rpc_body

LUA = Path(__file__).resolve().parent / "rpc.lua"


def _probe(d, method):
    """One call through xmlrpc.client; returns its wall time in seconds."""
    t0 = time.monotonic()
    try:
        getattr(d.rpc(120).supervisor, method)()
    except xmlrpc.client.Fault as e:
        raise BenchError("%s supervisord: %s faulted: %s" % (d.impl, method, e))
    return time.monotonic() - t0


def wrk(d, method, conns, duration, max_duration, reps):
    """reps runs of wrk; returns a list of dicts: rps, p50_ms, p99_ms,
    cpu_us_per_req, errors."""
    body = d.dir / ("%s.xml" % method)
    body.write_bytes(rpc_body("supervisor." + method))
    one = _probe(d, method)
    # Long enough to complete a few requests even where one takes long; where
    # even that does not fit in max_duration the figure is skipped, not faked.
    # One connection is the targets' figure: always measured, up to 30 s.
    need = (conns + 2) * one if conns > 1 else 2 * one
    if conns == 1:
        max_duration = max(max_duration, min(30.0, need))
    if need > max_duration:
        raise Skipped("one call takes %.2fs: %d connection(s) need %.0fs, over this run's %.0fs"
                      % (one, conns, need, max_duration))
    secs = max(duration, min(max_duration, 10 * one, max(need, 3 * one)))
    if secs > 10:
        reps = 1
    env = dict(os.environ, BENCH_BODY=str(body))
    cmd = ["wrk", "-t", "1" if conns == 1 else "2", "-c", str(conns),
           "-d", "%ds" % math.ceil(secs), "--timeout", "%ds" % math.ceil(secs), "-s", str(LUA), d.url]
    out = []
    for _ in range(reps):
        c0 = cpu_seconds(d.pid)
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=secs + 120)
        c1 = cpu_seconds(d.pid)
        d.check_running()
        line = [l for l in r.stdout.splitlines() if l.startswith("BENCHJSON ")]
        if r.returncode != 0 or not line:
            raise BenchError("wrk failed (rc %d):\n%s" % (r.returncode, r.stdout[-2000:]))
        s = json.loads(line[0].split(" ", 1)[1])
        if s["requests"] == 0:
            raise BenchError("wrk completed no request against %s supervisord" % d.impl)
        errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
        out.append({"rps": s["requests"] * 1e6 / s["duration_us"],
                    "p50_ms": s["p50_us"] / 1000.0, "p99_ms": s["p99_us"] / 1000.0,
                    "cpu_us_per_req": (c1 - c0) * 1e6 / s["requests"], "errors": errors})
    return out
