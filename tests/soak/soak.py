"""Soak test of supervisord (issue 7): many programs, concurrent clients,
reloads and log reopens for a bounded time, then figures and checks.

    SUPERVISORD=build/supervisord HELPERS=build/helpers \\
        SOAK_SECONDS=120 SOAK_N=500 /usr/bin/python3 tests/soak/soak.py

Programs (SOAK_N in all, a third of each kind):
  flap_*    exiter: exits after a random 0.3-5 s, autorestart; every 10th
            exits after 0.1 s with startsecs=1 (STARTING/BACKOFF forever,
            startretries large: never FATAL by design)
  writer_*  spewer -t END -x 0: a numbered run of lines then "END", exit,
            autorestart; every 16th writes its run flat out, the others one
            line every 4 ms; 64 KiB maxbytes, 3 backups
  sleep_*   sleeper
Clients (threads): start/stop with wait, readProcessStdoutLog and
tailProcessStdoutLog, GET /logtail/<writer> streams cut after a random time.
Signals: SIGUSR2 every SOAK_SECONDS/8, SIGHUP at 1/3 and 2/3.

Figures: zombies; daemon fds and RSS in the same quiet state (sleepers
RUNNING, writers and flappers STOPPED) before and after the load; log bytes
per writer; process states against a model of what the clients did.
Exit status 1 when a check fails."""

import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from unixrpc import UnixHTTPConnection, unix_proxy  # noqa: E402
SUPERVISORD = os.path.abspath(os.environ.get("SUPERVISORD", os.path.join(ROOT, "build/supervisord")))
HELPERS = os.path.abspath(os.environ.get("HELPERS", os.path.join(ROOT, "build/helpers")))
SECONDS = float(os.environ.get("SOAK_SECONDS", "120"))
N = int(os.environ.get("SOAK_N", "500"))
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
# RSS may end a little above its start without a leak: malloc keeps freed
# arenas, and the heap is fragmented by the load. Allowed: max(2 MiB, 10 %).
RSS_SLACK_KB = 2048
RSS_SLACK_FRAC = 0.10

MAXBYTES = 65536
BACKUPS = 3
SLOW_LINES, FAST_LINES, SLOW_MS = 1500, 10000, 4
LINE_RE = re.compile(rb"O(\d{8}) abcdefghijklmnopqrstuvwxyz0123456789")
# The tail of a spewer line or of END: what the oldest kept file may begin with.
HEAD_RE = re.compile(rb"(O?\d{0,8} )?[a-z0-9]{0,36}|N?D")
OK_CODES = {60, 70}           # ALREADY_STARTED, NOT_RUNNING
FLAP_CODES = {30, 40, 50}     # FAILED, ABNORMAL_TERMINATION, SPAWN_ERROR

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def log(msg):
    print("[%6.1f] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


class Soak:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="soak.")
        self.sock = os.path.join(self.tmp, "sv.sock")
        self.bin = os.path.join(self.tmp, "bin")
        self.logs = os.path.join(self.tmp, "logs")
        self.proc = None
        self.n3 = max(1, N // 3)
        self.flap = ["flap_%d" % i for i in range(self.n3)]
        self.writers = ["writer_%d" % i for i in range(self.n3)]
        self.sleep = ["sleep_%d" % i for i in range(N - 2 * self.n3)]
        self.lines = {}
        self.model = {}          # name -> "running" | "stopped"
        self.stops = {w: 0 for w in self.writers}
        self.sighups = 0
        self.lock = threading.Lock()
        self.busy = set()        # names a ctl client is acting on
        self.gate = threading.Condition()
        self.active = 0          # ctl actions in flight
        self.paused = False
        self.reload_gen = 0      # odd while a reload is under way
        self.stop_evt = threading.Event()
        self.counts = {"start": 0, "stop": 0, "read": 0, "tail": 0, "logtail": 0,
                       "logtail_bytes": 0, "reload_errors": 0, "getall": 0}

    # -- set-up --------------------------------------------------------------
    def write_config(self):
        os.makedirs(self.bin)
        os.makedirs(self.logs)
        os.makedirs(os.path.join(self.tmp, "child"))
        for h in ("spewer", "sleeper", "exiter"):
            os.symlink(os.path.join(HELPERS, h), os.path.join(self.bin, h))
        rnd = random.Random(SEED)
        out = ["[unix_http_server]", "file=%s" % self.sock, "",
               "[supervisord]", "logfile=%s/supervisord.log" % self.tmp,
               "logfile_maxbytes=4MB", "logfile_backups=2",
               "pidfile=%s/sv.pid" % self.tmp, "childlogdir=%s/child" % self.tmp,
               "minfds=8192", "minprocs=400", "",
               "[rpcinterface:supervisor]",
               "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", ""]

        def prog(name, cmd, **kw):
            out.append("[program:%s]" % name)
            out.append("command=%s" % cmd)
            out.append("stdout_logfile=%s/%s.log" % (self.logs, name))
            out.append("stderr_logfile=%s/%s.err" % (self.logs, name))
            for k, v in kw.items():
                out.append("%s=%s" % (k, v))
            out.append("")

        for i, n in enumerate(self.flap):
            if i % 10 == 9:
                prog(n, "%s/exiter 0 100" % self.bin, startsecs=1, startretries=100000,
                     autorestart="true", stopwaitsecs=2)
            elif i % 3 == 1:
                prog(n, "%s/exiter 1 %d" % (self.bin, rnd.randint(300, 5000)), startsecs=0,
                     autorestart="unexpected", exitcodes=0, stopwaitsecs=2)
            else:
                prog(n, "%s/exiter 0 %d" % (self.bin, rnd.randint(300, 5000)), startsecs=0,
                     autorestart="true", stopwaitsecs=2)
        for i, n in enumerate(self.writers):
            fast = i % 16 == 0
            lines = FAST_LINES if fast else SLOW_LINES
            self.lines[n] = lines
            prog(n, "%s/spewer -n %d -i %d -t END -x 0" % (self.bin, lines, 0 if fast else SLOW_MS),
                 startsecs=0, autorestart="true", stopwaitsecs=5,
                 stdout_logfile_maxbytes=MAXBYTES, stdout_logfile_backups=BACKUPS)
        for n in self.sleep:
            prog(n, "%s/sleeper" % self.bin, startsecs=1, stopwaitsecs=5)
        self.conf = os.path.join(self.tmp, "supervisord.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(out))
        for n in self.flap + self.writers + self.sleep:
            self.model[n] = "running"

    def rpc(self, timeout=60):
        return unix_proxy(self.sock, timeout=timeout)

    def start_daemon(self):
        self.out = open(os.path.join(self.tmp, "daemon.out"), "wb")
        self.proc = subprocess.Popen(
            [os.path.join(HELPERS, "cleansig"), SUPERVISORD, "-n", "-c", self.conf],
            cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.out,
            start_new_session=True)
        # cleansig execs the daemon: same pid.
        self.pid = self.proc.pid
        self.wait_up(60)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_up(self, secs):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("daemon exited (status %s)" % self.proc.returncode)
            try:
                if self.rpc().supervisor.getState()["statename"] == "RUNNING":
                    return
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError("daemon not up after %ds" % secs)

    def infos(self):
        return {i["name"]: i for i in self.rpc().supervisor.getAllProcessInfo()}

    def wait_states(self, want, secs, what):
        """want(name, statename) -> bool for every process; poll until true."""
        deadline = time.monotonic() + secs
        bad = {}
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("daemon exited (status %s)" % self.proc.returncode)
            try:
                inf = self.infos()
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                time.sleep(0.2)
                continue
            bad = {n: i["statename"] for n, i in inf.items() if not want(n, i["statename"])}
            missing = set(self.model) - set(inf)
            for n in missing:
                bad[n] = "MISSING"
            if not bad:
                return {}
            time.sleep(0.2)
        log("%s: %d processes not as wanted, e.g. %s" % (what, len(bad), sorted(bad.items())[:8]))
        return bad

    def multicall(self, method, names, *args):
        calls = [{"methodName": method, "params": [n] + list(args)} for n in names]
        res = []
        for i in range(0, len(calls), 100):
            res += self.rpc().system.multicall(calls[i:i + 100])
        return res

    def quiesce(self, what):
        """Sleepers RUNNING, writers and flappers STOPPED: the state in which
        fds and RSS are compared."""
        movers = set(self.writers + self.flap)
        self.multicall("supervisor.startProcess", self.sleep, False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            inf = self.infos()
            left = [n for n in movers if inf[n]["statename"] != "STOPPED"]
            if not left:
                break
            # EXITED ones answer NOT_RUNNING and then autorestart: ask again.
            self.multicall("supervisor.stopProcess", left, False)
            time.sleep(0.3)
        for w in self.writers:
            self.stops[w] += 1
        bad = self.wait_states(
            lambda n, s: s == ("RUNNING" if n.startswith("sleep_") else "STOPPED"), 60, what)
        if bad:
            fail("%s: could not reach the quiet state: %s" % (what, sorted(bad.items())[:8]))
        # Settle: the fd count steady over a second (children reaped, pipes
        # closed, client connections gone).
        prev = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            cur = self.fds()
            if cur == prev:
                break
            prev = cur
            time.sleep(1)
        return self.fds(), self.rss()

    def resume(self):
        self.multicall("supervisor.startProcess", self.writers + self.flap, False)

    # -- figures -------------------------------------------------------------
    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def fd_kinds(self):
        kinds = {}
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (self.pid, fd))
            except OSError:
                continue
            k = t.split(":")[0] if ":" in t and not t.startswith("/") else \
                ("log" if t.startswith(self.tmp) else t)
            kinds[k] = kinds.get(k, 0) + 1
        return kinds

    def sanitized(self):
        with open("/proc/%d/maps" % self.pid) as f:
            return "libasan" in f.read()

    def rss(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def zombies(self):
        z = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % p) as f:
                    st = f.read()
            except OSError:
                continue
            rest = st[st.rindex(")") + 2:].split()
            if rest[0] == "Z" and int(rest[1]) == self.pid:
                z.append(int(p))
        return z

    # -- clients -------------------------------------------------------------
    def ctl_enter(self):
        with self.gate:
            while self.paused:
                self.gate.wait()
            self.active += 1

    def ctl_leave(self):
        with self.gate:
            self.active -= 1
            self.gate.notify_all()

    def ctl_worker(self, seed):
        rnd = random.Random(seed)
        p = self.rpc()
        names = self.sleep + self.writers + self.flap
        while not self.stop_evt.is_set():
            self.ctl_enter()
            try:
                if rnd.random() < 0.05:
                    p.supervisor.getAllProcessInfo()
                    with self.lock:
                        self.counts["getall"] += 1
                    continue
                # One client at a time per process, so that the model (the
                # last action that succeeded) is what the daemon did last.
                with self.lock:
                    n = rnd.choice(names)
                    while n in self.busy:
                        n = rnd.choice(names)
                    self.busy.add(n)
                # About a quarter stopped at any time: stopped ones are
                # started again more often than running ones are stopped.
                if self.model[n] == "stopped":
                    op = "start" if rnd.random() < 0.8 else "stop"
                else:
                    op = "stop" if rnd.random() < 0.3 else "start"
                try:
                    if op == "start":
                        p.supervisor.startProcess(n, True)
                    else:
                        p.supervisor.stopProcess(n, True)
                    with self.lock:
                        self.model[n] = "running" if op == "start" else "stopped"
                        self.counts[op] += 1
                        if op == "stop" and n in self.stops:
                            self.stops[n] += 1
                except xmlrpc.client.Fault as e:
                    if e.faultCode in OK_CODES:
                        pass
                    elif n.startswith("flap_") and e.faultCode in FLAP_CODES:
                        # The flapper went on its own way: only STOPPED
                        # or running states are possible now; ask.
                        st = p.supervisor.getProcessInfo(n)["statename"]
                        with self.lock:
                            self.model[n] = "stopped" if st == "STOPPED" else "running"
                    else:
                        fail("ctl %s %s: fault %s %s" % (op, n, e.faultCode, e.faultString))
                finally:
                    with self.lock:
                        self.busy.discard(n)
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as e:
                fail("ctl: %r" % e)
                p = self.rpc()
                time.sleep(0.5)
            finally:
                self.ctl_leave()
            time.sleep(rnd.uniform(0, 0.05))

    def check_stream(self, data, where, partial_head=True):
        """Every complete line but the first (which may start mid-line) is a
        spewer line or END."""
        lines = data.split(b"\n")[:-1]
        if partial_head and lines:
            lines = lines[1:]
        for ln in lines:
            if ln != b"END" and not LINE_RE.fullmatch(ln):
                fail("%s: bad line %r" % (where, ln[:80]))
                return

    def tolerant(self, gen0, exc, where):
        if self.reload_gen != gen0 or gen0 % 2:
            with self.lock:
                self.counts["reload_errors"] += 1
        else:
            fail("%s: %r" % (where, exc))

    def tail_worker(self, seed):
        rnd = random.Random(seed)
        p = self.rpc()
        while not self.stop_evt.is_set():
            n = rnd.choice(self.writers)
            gen0 = self.reload_gen
            try:
                k = rnd.random()
                if k < 0.4:
                    data = p.supervisor.readProcessStdoutLog(n, -4000, 0)
                    self.check_stream(data.encode(), "read " + n)
                    key = "read"
                elif k < 0.6:
                    data = p.supervisor.readProcessStdoutLog(n, 0, 2000)
                    self.check_stream(data.encode(), "read0 " + n)
                    key = "read"
                else:
                    data, off, over = p.supervisor.tailProcessStdoutLog(n, 0, 3000)
                    self.check_stream(data.encode(), "tail " + n)
                    key = "tail"
                with self.lock:
                    self.counts[key] += 1
            except xmlrpc.client.Fault as e:
                # NO_FILE: the file is between a rotation's rename and create.
                if e.faultCode != 10 and not (e.faultCode == 91 and self.reload_gen == gen0):
                    self.tolerant(gen0, e, "tail %s" % n)
                p = self.rpc()
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as e:
                self.tolerant(gen0, e, "tail %s" % n)
                p = self.rpc()
                time.sleep(0.2)
            time.sleep(rnd.uniform(0, 0.02))

    def logtail_worker(self, seed):
        rnd = random.Random(seed)
        while not self.stop_evt.is_set():
            n = rnd.choice(self.writers)
            gen0 = self.reload_gen
            conn = UnixHTTPConnection(self.sock, timeout=30)
            got = b""
            try:
                conn.request("GET", "/logtail/%s" % n)
                r = conn.getresponse()
                if r.status != 200:
                    raise http.client.HTTPException("status %d" % r.status)
                conn.sock.settimeout(0.3)  # then a quiet writer ends the read
                until = time.monotonic() + rnd.uniform(0.2, 2.0)
                while time.monotonic() < until:
                    try:
                        chunk = r.read1(65536)
                    except socket.timeout:
                        break  # quiet writer; the response is unusable now
                    if not chunk:
                        break
                    got += chunk
                self.check_stream(got, "logtail " + n)
                with self.lock:
                    self.counts["logtail"] += 1
                    self.counts["logtail_bytes"] += len(got)
            except (OSError, http.client.HTTPException) as e:
                self.tolerant(gen0, e, "logtail %s" % n)
                time.sleep(0.2)
            finally:
                conn.close()

    def reload(self):
        with self.gate:
            self.paused = True
            while self.active:
                self.gate.wait()
        try:
            self.reload_gen += 1
            os.kill(self.pid, signal.SIGHUP)
            self.sighups += 1
            time.sleep(0.5)
            self.wait_up(120)
            # All programs exist again before clients resume.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if len(self.infos()) == len(self.model):
                        break
                except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                    pass
                time.sleep(0.2)
            with self.lock:
                for n in self.model:
                    self.model[n] = "running"
            self.reload_gen += 1
        finally:
            with self.gate:
                self.paused = False
                self.gate.notify_all()

    # -- log accounting ------------------------------------------------------
    def account(self):
        total = kept_runs = cut_runs = 0
        bad = 0
        for w in self.writers:
            base = os.path.join(self.logs, w + ".log")
            files = [base + ".%d" % i for i in range(BACKUPS, 0, -1)] + [base]
            files = [f for f in files if os.path.exists(f)]
            if os.path.exists(base + ".%d" % (BACKUPS + 1)):
                fail("%s: more than %d backups" % (w, BACKUPS))
            data = b"".join(open(f, "rb").read() for f in files)
            total += len(data)
            # Only when the oldest backups may have been discarded can the
            # kept window begin inside a run (or inside a line).
            discarded = os.path.exists(base + ".%d" % BACKUPS)
            if not data.endswith(b"\n") and data:
                fail("%s: log does not end with a whole line" % w)
                bad += 1
                continue
            lines = data.split(b"\n")[:-1]
            expect = None if discarded else 0
            head = discarded
            resets = 0
            err = None
            last = self.lines[w] - 1
            prev = None
            for idx, ln in enumerate(lines):
                if ln == b"END":
                    if prev != last and not (head and prev is None):
                        err = "END after line %s (run of %d)" % (prev, last + 1)
                        break
                    kept_runs += 1
                    expect, prev, head = 0, None, False
                    continue
                m = LINE_RE.fullmatch(ln)
                if not m:
                    if head and idx == 0 and HEAD_RE.fullmatch(ln):
                        continue  # the tail of a line cut by the discard
                    err = "bad line %d: %r" % (idx, ln[:60])
                    break
                num = int(m.group(1))
                if expect is None or num == expect:
                    pass
                elif num == 0:
                    resets += 1      # a run cut by a stop or a reload
                else:
                    err = "line %d: number %d where %d expected" % (idx, num, expect)
                    break
                head = False
                expect, prev = num + 1, num
                if num > last:
                    err = "line %d: number %d beyond the run" % (idx, num)
                    break
            allowed = self.sighups + self.stops[w]
            if err is None and resets > allowed:
                err = "%d runs cut short, only %d stops/reloads could cut one" % (resets, allowed)
            cut_runs += resets
            if err:
                bad += 1
                if bad <= 10:
                    fail("%s: %s (files %s)" % (w, err, [os.path.basename(f) for f in files]))
        return total, kept_runs, cut_runs, bad

    # -- tear-down -----------------------------------------------------------
    def stop_daemon(self):
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                fail("daemon did not exit within 90 s of SIGTERM")
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
        # Leftover children: their argv[0] is under our bin dir.
        left = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    argv0 = f.read().split(b"\0")[0]
            except OSError:
                continue
            if argv0.startswith(self.bin.encode() + b"/"):
                left.append(int(p))
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
        return left


def main():
    s = Soak()
    log("soak: %d programs (%d flappers, %d writers, %d sleepers), %.0f s of load, seed %d, dir %s"
        % (N, len(s.flap), len(s.writers), len(s.sleep), SECONDS, SEED, s.tmp))
    s.write_config()
    threads = []
    fig = {}
    try:
        s.start_daemon()
        log("daemon pid %d up" % s.pid)
        bad = s.wait_states(lambda n, st: st == "RUNNING" if n.startswith("sleep_")
                            else st not in ("STOPPED", "FATAL", "UNKNOWN"), 120, "first start")
        if bad:
            fail("first start: %s" % sorted(bad.items())[:8])
        fig["fds_full_start"], fig["rss_full_start"] = s.fds(), s.rss()
        log("everything started: fds %d, RSS %d kB" % (fig["fds_full_start"], fig["rss_full_start"]))
        fig["fds_start"], fig["rss_start"] = s.quiesce("start quiet state")
        fig["kinds_start"] = s.fd_kinds()
        log("quiet state at start: fds %d %s, RSS %d kB"
            % (fig["fds_start"], fig["kinds_start"], fig["rss_start"]))
        s.resume()

        for i in range(3):
            threads.append(threading.Thread(target=s.ctl_worker, args=(SEED + i,), daemon=True))
        for i in range(2):
            threads.append(threading.Thread(target=s.tail_worker, args=(SEED + 10 + i,), daemon=True))
        for i in range(2):
            threads.append(threading.Thread(target=s.logtail_worker, args=(SEED + 20 + i,), daemon=True))
        for t in threads:
            t.start()
        t_end = time.monotonic() + SECONDS
        t_start = time.monotonic()
        hups = [t_start + SECONDS / 3, t_start + 2 * SECONDS / 3]
        next_usr2 = t_start + SECONDS / 8
        usr2 = 0
        last_report = t_start
        while time.monotonic() < t_end:
            if not s.alive():
                raise RuntimeError("daemon died during the load (status %s)" % s.proc.returncode)
            now = time.monotonic()
            if hups and now >= hups[0]:
                hups.pop(0)
                log("SIGHUP")
                s.reload()
                log("reloaded")
            elif now >= next_usr2:
                os.kill(s.pid, signal.SIGUSR2)
                usr2 += 1
                next_usr2 += SECONDS / 8
            if now - last_report >= 15:
                last_report = now
                with s.lock:
                    c = dict(s.counts)
                log("fds %d RSS %d kB zombies %d | %s" % (s.fds(), s.rss(), len(s.zombies()), c))
            time.sleep(0.2)
        s.stop_evt.set()
        for t in threads:
            t.join(60)
        log("load over: %d SIGHUP, %d SIGUSR2, clients %s" % (s.sighups, usr2, s.counts))
        s.wait_up(60)

        # States against the model of what the clients did.
        def want(n, st):
            if s.model[n] == "stopped":
                return st == "STOPPED"
            if n.startswith("sleep_"):
                return st == "RUNNING"
            if n.startswith("writer_"):
                return st in ("RUNNING", "STARTING", "EXITED")
            return st in ("RUNNING", "STARTING", "BACKOFF", "EXITED")
        bad = s.wait_states(want, 30, "final states")
        nstopped = sum(1 for v in s.model.values() if v == "stopped")
        fig["states_bad"] = len(bad)
        if bad:
            fail("%d processes in the wrong state: %s" % (len(bad), sorted(bad.items())[:10]))
        log("states: %d processes checked (%d stopped by clients), %d wrong"
            % (len(s.model), nstopped, len(bad)))

        deadline = time.monotonic() + 15
        z = s.zombies()
        while z and time.monotonic() < deadline:
            time.sleep(0.2)
            z = s.zombies()
        fig["zombies"] = len(z)
        if z:
            fail("zombies of the daemon: %s" % z[:20])

        fig["fds_end"], fig["rss_end"] = s.quiesce("end quiet state")
        fig["kinds_end"] = s.fd_kinds()
        log("quiet state at end: fds %d %s, RSS %d kB"
            % (fig["fds_end"], fig["kinds_end"], fig["rss_end"]))
        if fig["fds_end"] != fig["fds_start"]:
            fail("fd count %d at start, %d at end" % (fig["fds_start"], fig["fds_end"]))
        slack = max(RSS_SLACK_KB, int(fig["rss_start"] * RSS_SLACK_FRAC))
        if s.sanitized():
            slack = "not checked (ASan keeps freed memory in quarantine)"
        elif fig["rss_end"] > fig["rss_start"] + slack:
            fail("RSS %d kB at start, %d kB at end (slack %d kB)"
                 % (fig["rss_start"], fig["rss_end"], slack))
        fig["rss_slack"] = slack if isinstance(slack, str) else "%d kB" % slack
    except Exception as e:  # noqa: BLE001 - reported as a failure
        fail("soak aborted: %r" % e)
    finally:
        s.stop_evt.set()
        left = s.stop_daemon()
        if left:
            fail("%d children left after the daemon exited" % len(left))
        if s.proc is not None and s.proc.returncode not in (0, None):
            fail("daemon exit status %s" % s.proc.returncode)

    total, kept, cut, badw = s.account()
    out = open(os.path.join(s.tmp, "daemon.out"), "rb").read()
    for marker in (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:"):
        if marker in out:
            fail("sanitizer report in the daemon's output (%s/daemon.out)" % s.tmp)
            break

    print()
    print("soak figures (%d programs, %.0f s, seed %d)" % (N, SECONDS, SEED))
    print("  zombies at the end:        %s (must be 0)" % fig.get("zombies", "?"))
    print("  daemon fds, quiet state:   start %s, end %s (must be equal)"
          % (fig.get("fds_start", "?"), fig.get("fds_end", "?")))
    print("  daemon RSS kB, quiet state: start %s, end %s (allowed growth, for allocator noise: %s)"
          % (fig.get("rss_start", "?"), fig.get("rss_end", "?"), fig.get("rss_slack", "?")))
    print("  daemon fds/RSS, all running at first start: %s / %s kB"
          % (fig.get("fds_full_start", "?"), fig.get("rss_full_start", "?")))
    print("  writer logs kept: %d bytes in %d writers; %d whole runs, %d runs cut by stop/reload, "
          "%d writers with lost or reordered bytes (must be 0)" % (total, len(s.writers), kept, cut, badw))
    print("  process states wrong:      %s (must be 0)" % fig.get("states_bad", "?"))
    print("  client calls: %s" % s.counts)
    print("  reloads %d" % s.sighups)
    if failures:
        print("soak: FAILED (%d checks); files kept in %s" % (len(failures), s.tmp))
        return 1
    print("soak: OK")
    shutil.rmtree(s.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
