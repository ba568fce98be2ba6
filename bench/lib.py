"""Shared pieces of the benchmark: one supervisord under test (Python's or
ours) on a generated config, its main log, /proc readings, an XML-RPC
client with a timeout, statistics and the results file. The drivers
(drv_*.py) measure; runner.py decides what runs when; report.py prints."""

import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import xmlrpc.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY_SUPERVISORD = "/usr/bin/supervisord"
PY_SUPERVISORCTL = "/usr/bin/supervisorctl"
CLK_TCK = os.sysconf("SC_CLK_TCK")

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}

LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ([A-Z]{4}) (.*)$")


class BenchError(Exception):
    pass


class Skipped(BenchError):
    """A measure that cannot give a meaningful figure within this run's time
    budget; reported, not a failure."""


def wait_for(pred, timeout, desc, interval=0.02):
    """Poll pred() until truthy (returned) or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise BenchError("timed out after %.0fs waiting for %s" % (timeout, desc))
        time.sleep(interval)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log_time(stamp):
    """Wall-clock seconds of a main-log timestamp (the daemons run with TZ=UTC)."""
    dt = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


# ---------------------------------------------------------------- /proc

def cpu_seconds(pid):
    """utime+stime of pid (all threads) in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def ctxt_switches(pid):
    """Voluntary + nonvoluntary context switches summed over pid's threads:
    each one is the daemon going to sleep or being preempted, so over an idle
    window it counts wake-ups."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def smaps_rollup(pid):
    """{'Rss': kB, 'Pss': kB, ...} from /proc/pid/smaps_rollup."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def proc_stat(pid):
    """(comm, state, ppid) or None when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    lp, rp = data.index("("), data.rindex(")")
    fields = data[rp + 2:].split()
    return data[lp + 1:rp], fields[0], int(fields[1])


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[1] not in ("Z", "X")


def children_of(ppid):
    """Live child pids of ppid."""
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st[2] == ppid and st[1] not in ("Z", "X"):
                kids.append(int(name))
    return kids


# ---------------------------------------------------------------- XML-RPC

class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def rpc_client(port, timeout=600):
    return xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port,
                                     transport=_Transport(timeout))


def rpc_body(method, params=()):
    return xmlrpc.client.dumps(tuple(params), method).encode()


# ---------------------------------------------------------------- the daemon

CONFIG = """\
[supervisord]
logfile={dir}/supervisord.log
pidfile={dir}/supervisord.pid
childlogdir={dir}/childlogs
minfds=10000
identifier=bench

[unix_http_server]
file={dir}/supervisor.sock

[inet_http_server]
port=127.0.0.1:{port}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{dir}/supervisor.sock

[program:victim]
command=/bin/sleep 1000000
startsecs=0
autorestart=true
"""

PROGRAM = """
[program:p{i:04d}]
command=/bin/sleep 1000000
startsecs=1
"""


class Daemon:
    """One supervisord with N sleep programs (p0000..) plus 'victim'
    (startsecs=0, autorestart, for the respawn measure). Runs in the
    foreground in its own temporary directory; kill() stops it and every
    child it had, whatever happened."""

    def __init__(self, impl, binary, n, tmproot):
        self.impl, self.binary, self.n = impl, binary, n
        self.dir = Path(tempfile.mkdtemp(prefix="%s-n%d-" % (impl, n), dir=tmproot))
        (self.dir / "childlogs").mkdir()
        self.port = free_port()
        self.conf = self.dir / "supervisord.conf"
        self.conf.write_text(CONFIG.format(dir=self.dir, port=self.port) +
                             "".join(PROGRAM.format(i=i) for i in range(n)))
        self.logfile = self.dir / "supervisord.log"
        self.proc = None
        self.pid = None
        self.t_exec = None
        self.known_children = set()
        self._log_off = 0
        self._log_rest = b""
        self.log = []  # (wall time, level, text)

    @property
    def url(self):
        return "http://127.0.0.1:%d/RPC2" % self.port

    @property
    def sock(self):
        return self.dir / "supervisor.sock"

    def rpc(self, timeout=600):
        return rpc_client(self.port, timeout)

    def start(self):
        env = dict(ENV, HOME=str(self.dir), TMPDIR=str(self.dir))
        self.t_exec = time.time()
        with open(self.dir / "daemon.out", "wb") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-n", "-c", str(self.conf)], cwd=str(self.dir), env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.pid = self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def check_running(self):
        if not self.running():
            raise BenchError("%s supervisord exited (rc=%s); output:\n%s\nlog tail:\n%s" % (
                self.impl, self.proc.returncode if self.proc else None,
                (self.dir / "daemon.out").read_text(errors="replace")[-2000:],
                self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""))

    def read_log(self):
        """Append new main-log entries to self.log; returns how many arrived."""
        try:
            with open(self.logfile, "rb") as f:
                f.seek(self._log_off)
                data = f.read()
        except FileNotFoundError:
            return 0
        self._log_off += len(data)
        data = self._log_rest + data
        lines = data.split(b"\n")
        self._log_rest = lines.pop()
        before = len(self.log)
        for raw in lines:
            m = LOG_LINE.match(raw.decode("utf-8", "replace"))
            if m:
                self.log.append((log_time(m.group(1)), m.group(2), m.group(3)))
        return len(self.log) - before

    def log_matches(self, prefix):
        return [e for e in self.log if e[2].startswith(prefix)]

    def wait_log(self, prefix, count, timeout, interval=0.02):
        """Wait until `count` main-log entries start with prefix; returns them."""
        def found():
            self.read_log()
            hits = self.log_matches(prefix)
            if len(hits) >= count:
                return hits
            self.check_running()
            return None
        return wait_for(found, timeout, "%d log line(s) %r from %s supervisord"
                        % (count, prefix, self.impl), interval)

    def wait_all_running(self, timeout):
        """Wait until every pNNNN and victim logged RUNNING; returns the wall time
        of the last of those entries."""
        want = self.n + 1

        def done():
            self.read_log()
            names = set()
            last = 0.0
            for t, _lvl, text in self.log:
                if text.startswith("success: ") and "entered RUNNING state" in text:
                    name = text.split()[1]
                    if name == "victim" or re.fullmatch(r"p\d{4}", name):
                        names.add(name)
                        last = max(last, t)
            if len(names) >= want:
                return last
            self.check_running()
            return None
        return wait_for(done, timeout, "%d programs RUNNING under %s supervisord"
                        % (want, self.impl), 0.05)

    def children(self):
        kids = children_of(self.pid) if self.pid else []
        self.known_children.update(kids)
        return kids

    def shutdown(self, timeout):
        """SIGTERM; returns (seconds to exit, live children left behind)."""
        kids = self.children()
        t0 = time.monotonic()
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError("%s supervisord did not exit %ds after SIGTERM" % (self.impl, timeout))
        elapsed = time.monotonic() - t0
        return elapsed, [p for p in kids if alive(p)]

    def kill(self):
        """Stop the daemon (TERM, then KILL) and any child it left; never raises."""
        try:
            if self.running():
                self.children()
                os.kill(self.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.kill(self.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        for pid in self.known_children:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- results

def spread(values):
    vals = sorted(values)
    return {"min": vals[0], "median": statistics.median(vals), "max": vals[-1], "reps": len(vals)}


class Results:
    """Collects repetitions per (metric, N, impl) and writes one JSON line per
    figure to path (appending; each run has its own run id)."""

    def __init__(self, path, run_id, quick):
        self.path = Path(path)
        self.run_id, self.quick = run_id, quick
        self.values = {}
        self.meta = {}

    def add(self, metric, n, impl, values, unit, better, **extra):
        if not isinstance(values, (list, tuple)):
            values = [values]
        key = (metric, n, impl)
        self.values.setdefault(key, []).extend(values)
        self.meta[key] = dict(unit=unit, better=better, **extra)

    def flush(self):
        """Write every figure collected so far and forget it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            for key, vals in self.values.items():
                metric, n, impl = key
                rec = {"run": self.run_id, "quick": self.quick, "metric": metric, "n": n,
                       "impl": impl}
                rec.update(self.meta[key])
                rec.update(spread(vals))
                f.write(json.dumps(rec, sort_keys=True) + "\n")
        self.values.clear()
        self.meta.clear()
