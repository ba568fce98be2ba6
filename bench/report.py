"""Print one run of results.jsonl as a table: metric, N, Python and ours
(median [min-max]), ratio, and the issue's target where one applies.

ratio = how many times better ours is: Python/ours for times, sizes and
costs, ours/Python for rates. Usage: report.py RESULTS.jsonl [RUN_ID]
(default: the last run in the file)."""

import json
import sys

# (metric, N or None for every N, description, check(python median, ours median))
TARGETS = [
    ("rss_kib", 1, "RSS >=10x smaller", lambda py, us: py >= 10 * us),
    ("rss_kib", 1000, "RSS >=4x smaller", lambda py, us: py >= 4 * us),
    ("launch_s", 1000, "<= startsecs + 50 ms", lambda py, us: us <= 1.050),
    ("idle_cpu_ms_per_s", None, "zero idle CPU", lambda py, us: us == 0),
    ("idle_wakeups_per_s", None, "zero idle wake-ups", lambda py, us: us == 0),
    ("respawn_ms", None, "< 5 ms", lambda py, us: us < 5),
    ("rpc_getAllProcessInfo_c1_rps", 1000, ">=300x req/s", lambda py, us: us >= 300 * py),
    ("rpc_getAllProcessInfo_c16_rps", 1000, ">=300x req/s", lambda py, us: us >= 300 * py),
    ("rpc_getState_c1_rps", None, ">=30000 req/s", lambda py, us: us >= 30000),
    ("rpc_getState_c16_rps", None, ">=30000 req/s", lambda py, us: us >= 30000),
    ("ctl_status_unix_ms", 100, "< 5 ms", lambda py, us: us < 5),
    ("ctl_status_tcp_ms", 100, "< 5 ms", lambda py, us: us < 5),
    ("logcap_mib_s", 1, ">=2x MiB/s", lambda py, us: us >= 2 * py),
    ("logcap_mib_s", 1000, ">=40x MiB/s", lambda py, us: us >= 40 * py),
    ("logcap_bad_bytes", None, "0 lost", lambda py, us: us == 0),
    ("children_left", None, "0 left", lambda py, us: us == 0),
    # ours only (Python has no dashboard)
    ("dashboard_connect_ms", 1000, "< 5 ms", lambda py, us: us < 5),
    ("dashboard_stats_event_ms", 1000, "< 5 ms", lambda py, us: us < 5),
    # ours only: supervisor-console, 50 simulated nodes x 100 processes
    ("console_refresh_cpu_ms", None, "< 50 ms", lambda py, us: us < 50),
    ("console_refresh_gzip_cpu_ms", None, "< 50 ms", lambda py, us: us < 50),
    ("console_rss_kib", None, "< 20 MB", lambda py, us: us < 20000),
    ("console_peak_rss_kib", None, "< 20 MB", lambda py, us: us < 20000),
]
OURS_ONLY = {"dashboard_connect_ms", "dashboard_stats_event_ms", "console_refresh_cpu_ms",
             "console_refresh_gzip_cpu_ms", "console_rss_kib", "console_peak_rss_kib"}


def target_for(metric, n):
    for m, tn, desc, check in TARGETS:
        if m == metric and (tn is None or tn == n):
            return desc, check
    return None, None


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 10000:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3g" % v


def cell(rec):
    if rec is None:
        return "-"
    if rec["reps"] == 1 or rec["min"] == rec["max"]:
        return fmt(rec["median"])
    return "%s [%s-%s]" % (fmt(rec["median"]), fmt(rec["min"]), fmt(rec["max"]))


def ratio(rec_py, rec_us):
    if rec_py is None or rec_us is None:
        return "-"
    py, us = rec_py["median"], rec_us["median"]
    if rec_us["better"] == "higher":
        py, us = us, py
    if us == 0:
        return "=" if py == 0 else "inf"
    return "%.1fx" % (py / us) if py / us < 100 else "%.0fx" % (py / us)


def load(path, run_id=None):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    if run_id is None and recs:
        run_id = recs[-1]["run"]
    return run_id, [r for r in recs if r["run"] == run_id]


def print_run(path, run_id=None):
    run_id, recs = load(path, run_id)
    by = {}
    order = []
    for r in recs:
        key = (r["metric"], r["n"])
        if key not in by:
            order.append(key)
            by[key] = {}
        by[key][r["impl"]] = r
    rows = [("metric", "N", "Python", "ours", "ratio", "target")]
    verdicts = []
    metrics = list(dict.fromkeys(m for m, _ in order))
    for metric, n in sorted(order, key=lambda k: (metrics.index(k[0]), k[1])):
        py, us = by[(metric, n)].get("python"), by[(metric, n)].get("ours")
        unit = (us or py)["unit"]
        name = metric + (" (%s)" % unit if unit else "")
        desc, check = target_for(metric, n)
        tcell = ""
        if desc:
            if us is not None and (py is not None or metric in OURS_ONLY):
                ok = check(py["median"] if py else None, us["median"])
                tcell = "%s: %s" % (desc, "met" if ok else "MISSED")
                verdicts.append((metric, n, desc, ok))
            else:
                tcell = "%s: no figure" % desc
        rows.append((name, str(n), cell(py), cell(us), ratio(py, us), tcell))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    quick = recs and recs[0].get("quick")
    print("\nrun %s%s: median [min-max] of the repetitions; ratio = times better ours is"
          % (run_id, " (QUICK)" if quick else ""))
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) if j < 2 or j == 5 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    met = sum(1 for v in verdicts if v[3])
    print("\ntargets: %d met, %d missed%s" % (
        met, len(verdicts) - met,
        "".join("\n  MISSED %s N=%d: %s" % (m, n, d) for m, n, d, ok in verdicts if not ok)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print_run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
