"""Benchmark runner: for each N, runs sessions of Python's supervisord and
ours alternately (same configs, same clients, same run), calls the drivers,
writes the figures to results.jsonl and prints the table (report.py).

A session is one daemon from exec to shutdown. The first session of each
(N, implementation) runs every measure; the other repetitions only launch,
read memory and shut down, which gives launch and shutdown their spread."""

import argparse
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import drv_console  # noqa: E402
import drv_ctl  # noqa: E402
import drv_dashboard  # noqa: E402
import drv_logcap  # noqa: E402
import drv_process  # noqa: E402
import drv_resources  # noqa: E402
import drv_rpc  # noqa: E402
import report  # noqa: E402
from lib import PY_SUPERVISORCTL, PY_SUPERVISORD, REPO, Daemon, Results, Skipped  # noqa: E402

FULL = dict(ns=[1, 100, 1000], sessions=3, idle_windows=6, idle_secs=5.0, wrk_secs=3.0,
            wrk_max_secs=60.0, wrk_reps=3, respawn_reps=10, ctl_runs=20, ctl_budget=10.0,
            ctl_min_runs=3, cross_ctl=True,
            stopstart_reps=2, dash_reps=10, dash_rounds=3,
            logcap_bytes=256 << 20, logcap_reps=2, console_refreshes=10, console_rounds=5)
QUICK = dict(ns=[1, 100, 1000], sessions=1, idle_windows=3, idle_secs=1.0, wrk_secs=1.0,
             wrk_max_secs=6.0, wrk_reps=2, respawn_reps=3, ctl_runs=5, ctl_budget=2.0,
             ctl_min_runs=2, cross_ctl=False,
             stopstart_reps=1, dash_reps=3, dash_rounds=1,
             logcap_bytes=32 << 20, logcap_reps=1, console_refreshes=3, console_rounds=2)


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Run:
    def __init__(self, args):
        self.args = args
        self.p = QUICK if args.quick else FULL
        self.impls = [("python", PY_SUPERVISORD), ("ours", os.path.abspath(args.supervisord))]
        self.ctls = [("python", PY_SUPERVISORCTL)] + (
            [("ours", args.supervisorctl)] if args.supervisorctl else [])
        run_id = time.strftime("%Y%m%dT%H%M%S")
        self.results = Results(Path(args.out) / "results.jsonl", run_id, bool(args.quick))
        self.failures = []
        self.skipped = []

    def add(self, metric, n, impl, values, unit, better, **extra):
        self.results.add(metric, n, impl, values, unit, better, **extra)

    def measure(self, what, d, fn):
        """Run one measure; a failure is reported and the session goes on."""
        say("%-6s N=%-4d %s" % (d.impl, d.n, what))
        try:
            fn()
        except Skipped as e:
            self.skipped.append("%s N=%d %s: %s" % (d.impl, d.n, what, e))
            say("skipped: %s" % e)
        except Exception as e:  # noqa: BLE001 - any failure is one measure's
            self.failures.append("%s N=%d %s: %s" % (d.impl, d.n, what, e))
            say("FAILED: %s" % e)

    # ------------------------------------------------------------ a session
    def session(self, impl, binary, n, full, tmproot):
        p = self.p
        d = Daemon(impl, binary, n, tmproot)
        try:
            secs = drv_process.launch(d, timeout=60 + n * 0.2)
            self.add("launch_s", n, impl, secs, "s", "lower")
            rss, pss = drv_resources.memory(d)
            self.add("rss_kib", n, impl, rss, "KiB", "lower")
            self.add("pss_kib", n, impl, pss, "KiB", "lower")
            if full:
                self.full_session(d, n, impl, p)
            secs, left = drv_process.shutdown(d, timeout=120 + n * 0.2)
            self.add("shutdown_s", n, impl, secs, "s", "lower")
            self.add("children_left", n, impl, left, "", "lower")
        except Exception as e:  # noqa: BLE001 - the run goes on with the next session
            self.failures.append("%s N=%d session: %s" % (impl, n, e))
            say("FAILED: %s" % e)
        finally:
            d.kill()
            d.cleanup()

    def full_session(self, d, n, impl, p):
        def idle():
            time.sleep(1.0)  # let the last RUNNING settle
            cpu, wake = drv_resources.idle(d, p["idle_windows"], p["idle_secs"])
            self.add("idle_cpu_ms_per_s", n, impl, cpu, "ms/s", "lower")
            self.add("idle_wakeups_per_s", n, impl, wake, "/s", "lower")
        self.measure("idle %d x %.1fs" % (p["idle_windows"], p["idle_secs"]), d, idle)

        if n in (1, 1000):
            def respawn():
                self.add("respawn_ms", n, impl, drv_process.respawn(d, p["respawn_reps"]),
                         "ms", "lower")
            self.measure("respawn after kill -9", d, respawn)

        for ctl_impl, ctl in self.ctls:
            cross = p["cross_ctl"] or len(self.ctls) == 1
            if ctl_impl != impl and not cross:
                continue  # QUICK: only each daemon with its own ctl
            for tr in ("unix", "tcp"):
                def ctl_status(ctl_impl=ctl_impl, ctl=ctl, tr=tr, cross=cross):
                    times = drv_ctl.status(d, ctl, tr, p["ctl_runs"], p["ctl_budget"],
                                           p["ctl_min_runs"])
                    if cross:  # rows of one ctl against both daemons
                        self.add("%sctl_status_%s_ms" % ("py" if ctl_impl == "python" else "our",
                                                         tr), n, impl, times, "ms", "lower")
                    # The headline pairs each daemon with its own ctl (Python's
                    # when ours is not built yet).
                    if ctl_impl == impl or (ctl_impl == "python" and len(self.ctls) == 1):
                        self.add("ctl_status_%s_ms" % tr, n, impl, times, "ms", "lower",
                                 ctl=ctl_impl)
                self.measure("%s supervisorctl status over %s" % (ctl_impl, tr), d, ctl_status)

        for method in ("getState", "getAllProcessInfo"):
            for conns in (1, 16):
                def rpc(method=method, conns=conns):
                    runs = drv_rpc.wrk(d, method, conns, p["wrk_secs"], p["wrk_max_secs"],
                                       p["wrk_reps"])
                    base = "rpc_%s_c%d" % (method, conns)
                    errors = sum(r["errors"] for r in runs)
                    self.add(base + "_rps", n, impl, [r["rps"] for r in runs], "req/s", "higher",
                             errors=errors)
                    self.add(base + "_p50_ms", n, impl, [r["p50_ms"] for r in runs], "ms", "lower")
                    self.add(base + "_p99_ms", n, impl, [r["p99_ms"] for r in runs], "ms", "lower")
                    self.add(base + "_cpu_us_per_req", n, impl,
                             [r["cpu_us_per_req"] for r in runs], "us", "lower")
                self.measure("wrk %s, %d connection(s)" % (method, conns), d, rpc)

        if impl == "ours" and n in (1, 1000):
            def dashboard():
                self.add("dashboard_connect_ms", n, impl, drv_dashboard.connect(d, p["dash_reps"]),
                         "ms", "lower")
                per_event, per_round = drv_dashboard.stats(d, p["dash_rounds"])
                self.add("dashboard_stats_event_ms", n, impl, per_event, "ms", "lower")
                self.add("dashboard_stats_round_ms", n, impl, per_round, "ms", "lower")
            self.measure("dashboard feed", d, dashboard)

        rss, pss = drv_resources.memory(d)
        self.add("rss_after_rpc_kib", n, impl, rss, "KiB", "lower")
        self.add("pss_after_rpc_kib", n, impl, pss, "KiB", "lower")

        if n == 1000:
            def stopstart():
                stops, starts = drv_process.stop_start_all(d, p["stopstart_reps"])
                self.add("stop_all_s", n, impl, stops, "s", "lower")
                self.add("start_all_s", n, impl, starts, "s", "lower")
            self.measure("stop all / start all", d, stopstart)

        if n in (1, 1000):
            def logcap():
                runs = drv_logcap.capture(d, self.args.streamer, p["logcap_bytes"],
                                          p["logcap_reps"], timeout=900)
                self.add("logcap_mib_s", n, impl, [r["mib_s"] for r in runs], "MiB/s", "higher",
                         mib=p["logcap_bytes"] >> 20)
                self.add("logcap_cpu_s_per_100mib", n, impl,
                         [r["cpu_s_per_100mib"] for r in runs], "s", "lower")
                self.add("logcap_bad_bytes", n, impl,
                         [r["lost"] + r["reordered"] + r["corrupt"] for r in runs], "B", "lower",
                         lost=sum(r["lost"] for r in runs),
                         reordered=sum(r["reordered"] for r in runs),
                         corrupt=sum(r["corrupt"] for r in runs))
            self.measure("log capture %d MiB x %d" % (p["logcap_bytes"] >> 20, p["logcap_reps"]),
                         d, logcap)

    # ------------------------------------------------------------ the console
    def console(self, tmproot):
        """supervisor-console over 50 simulated nodes of 100 processes
        (drv_console.py); N is the number of processes."""
        n = drv_console.NODES * drv_console.PROCS
        binary = os.path.abspath(os.path.join(self.args.build, "supervisor-console"))
        say("console N=%d (%d nodes)" % (n, drv_console.NODES))
        if not os.access(binary, os.X_OK):
            self.skipped.append("console: %s not built" % binary)
            say("skipped: %s not built" % binary)
            return
        try:
            figures = drv_console.run(binary, tmproot, self.p["console_refreshes"],
                                      self.p["console_rounds"])
        except Exception as e:  # noqa: BLE001 - one measure's failure
            self.failures.append("console: %s" % e)
            say("FAILED: %s" % e)
            return
        units = {"console_refresh_bytes": "B", "console_refresh_gzip_bytes": "B"}
        for metric, values in figures.items():
            unit = units.get(metric, "KiB" if metric.endswith("_kib") else "ms")
            self.add(metric, n, "ours", values, unit, "lower", nodes=drv_console.NODES)
        self.results.flush()

    # ------------------------------------------------------------ the run
    def run(self):
        t0 = time.monotonic()
        say("run %s (%s): ours=%s, our ctl=%s" % (
            self.results.run_id, "quick" if self.args.quick else "full", self.impls[1][1],
            self.args.supervisorctl or "(none: Python's supervisorctl against both)"))
        with tempfile.TemporaryDirectory(prefix="supervisor-bench-") as tmproot:
            self.console(tmproot)
            for n in self.p["ns"]:
                for rep in range(self.p["sessions"]):
                    # Alternate who goes first so drift hits both alike.
                    order = self.impls if rep % 2 == 0 else self.impls[::-1]
                    for impl, binary in order:
                        self.session(impl, binary, n, rep == 0, tmproot)
                self.results.flush()
        say("done in %.0fs; figures in %s" % (time.monotonic() - t0, self.results.path))
        report.print_run(self.results.path, self.results.run_id)
        for f in self.skipped:
            print("skipped: " + f)
        for f in self.failures:
            print("FAILED: " + f)
        return 1 if self.failures else 0


def find_ctl(out_dir):
    """Our supervisorctl: $SUPERVISORCTL, else <O>/supervisorctl, else
    <repo>/build/supervisorctl; None when none is built."""
    for c in (os.environ.get("SUPERVISORCTL"), os.path.join(out_dir, "supervisorctl"),
              str(REPO / "build" / "supervisorctl")):
        if c and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", default="build", help="the build dir (make's O)")
    ap.add_argument("--ns", help="comma-separated N list (overrides the preset)")
    ap.add_argument("--console-only", action="store_true",
                    help="only the console's measures (no supervisord session)")
    args = ap.parse_args()
    args.supervisord = os.path.join(args.build, "supervisord")
    args.streamer = os.path.abspath(os.path.join(args.build, "bench", "streamer"))
    args.out = os.path.join(args.build, "bench")
    args.supervisorctl = find_ctl(args.build)
    for path in () if args.console_only else (args.supervisord, args.streamer, PY_SUPERVISORD,
                                              PY_SUPERVISORCTL):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s missing (run through `make bench`)" % path)

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    r = Run(args)
    if args.ns:
        r.p = dict(r.p, ns=[int(x) for x in args.ns.split(",")])
    if args.console_only:
        r.p = dict(r.p, ns=[])
    try:
        return r.run()
    except KeyboardInterrupt:
        say("interrupted; daemons stopped")
        return 130
    except Exception:
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
