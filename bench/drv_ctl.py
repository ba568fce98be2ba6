"""`supervisorctl status` wall time with hyperfine, over the unix socket
(the config's serverurl) and over TCP (-s http://127.0.0.1:PORT)."""

import json
import subprocess
import time

from lib import BenchError


def status(d, ctl, transport, runs, budget, min_runs):
    """Wall times in ms of `ctl status` against d: `runs` runs (fewer, but at
    least min_runs, where they would take over `budget` seconds) after one checked
    warm-up run: its output must show every program RUNNING."""
    argv = [ctl, "-c", str(d.conf)]
    if transport == "tcp":
        argv += ["-s", "http://127.0.0.1:%d" % d.port]
    argv.append("status")
    t0 = time.monotonic()
    once = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
    if once.stdout.count("RUNNING") < d.n + 1:
        raise BenchError("%s status against %s supervisord printed:\n%s"
                         % (ctl, d.impl, once.stdout[-1500:]))
    runs = max(min_runs, min(runs, int(budget / (time.monotonic() - t0))))
    out = d.dir / "hyperfine.json"
    cmd = ["hyperfine", "-N", "-i", "--style", "none", "--runs", str(runs),
           "--export-json", str(out), " ".join(argv)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise BenchError("hyperfine failed:\n%s" % r.stdout[-2000:])
    times = json.loads(out.read_text())["results"][0]["times"]
    return [t * 1000.0 for t in times]
