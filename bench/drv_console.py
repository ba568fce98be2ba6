"""supervisor-console with 50 simulated nodes of 100 processes each (ours
only: Python Supervisor has no console). Issue 9's target: a full refresh
of the overview costs the console under 50 ms of CPU, and it stays under
20 MB RSS.

The nodes: one /usr/bin/python3 process (this file, run with --serve)
listening on 50 loopback ports, answering Supervisor's XML-RPC
(system.multicall of the connect, getAllProcessInfo: 100 processes in 10
groups, answers made once) over keep-alive, and 404 for everything else,
GET /api/v1/events included: so the console polls them, as it polls
Python's supervisord (the dearer case: every round re-reads every process).
GET /__count on any port says how many getAllProcessInfo it answered.

Measured, CPU from /proc/PID/schedstat (nanoseconds):
- refresh: GET /api/v1/processes (all 5,000) as the logged-in admin, the
  whole answer read, with a console whose poll_interval is an hour (so no
  poll runs meanwhile); plain, then gzipped as a browser asks for it
  (Accept-Encoding: gzip, the page's case);
- poll round: a console polling every second, CPU per 50 answers;
- RSS and PSS (smaps_rollup) after the refreshes and after the rounds,
  and the peak RSS (VmHWM), of either console whichever is higher. RSS
  counts every page of the shared libraries the console maps (about 10 MB:
  libcurl, GnuTLS, OpenSSL's libcrypto, SQLite...); PSS shares them out."""

import gzip
import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

NODES, PROCS, GROUPS = 50, 100, 10


def cpu_ns(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/status" % (key, pid))


def rollup_kib(pid, key):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in smaps_rollup" % key)


def rss_kib(pid):
    return rollup_kib(pid, "Rss")


# ------------------------------------------------------------ the nodes

def _answers(node):
    now = int(time.time())
    procs = []
    for i in range(PROCS):
        g = "g%d" % (i // (PROCS // GROUPS))
        name = "%s_%02d" % (g, i % (PROCS // GROUPS))
        log = "/var/log/supervisor/n%02d-%s-stdout---supervisor-abc123.log" % (node, name)
        procs.append({"name": name, "group": g, "start": now - 3600, "stop": 0, "now": now,
                      "state": 20, "statename": "RUNNING", "spawnerr": "", "exitstatus": 0,
                      "logfile": log, "stdout_logfile": log,
                      "stderr_logfile": log.replace("stdout", "stderr"), "pid": 10000 + i,
                      "description": "pid %d, uptime 1:00:00" % (10000 + i)})
    procs.sort(key=lambda p: (p["group"], p["name"]))
    multi = ["4.2.5", "node%02d" % node, {"statecode": 1, "statename": "RUNNING"}, procs]

    def ok(value):
        body = xmlrpc.client.dumps((value,), methodresponse=True).encode()
        return (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                % len(body)) + body
    return ok(multi), ok(procs)


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nNot Found"


def serve():
    """The simulated nodes (run as: drv_console.py --serve): prints the
    ports, then serves until SIGTERM."""
    sel = selectors.DefaultSelector()
    answers = {}
    ports = []
    for i in range(NODES):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", i))
        answers[i] = _answers(i)
        ports.append(s.getsockname()[1])
    count = [0]
    print(" ".join(map(str, ports)), flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    conns = {}  # sock -> [node, inbuf, outbuf]

    def answer(c, st):
        while True:
            buf = st[1]
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = buf[:end].decode("latin-1")
            m = re.search(r"(?im)^content-length:\s*(\d+)", head)
            size = int(m.group(1)) if m else 0
            if len(buf) < end + 4 + size:
                return
            body = buf[end + 4:end + 4 + size]
            st[1] = buf[end + 4 + size:]
            line = head.split("\r\n", 1)[0]
            if line.startswith("POST /RPC2"):
                multi = b"system.multicall" in body
                count[0] += 1
                st[2] += answers[st[0]][0 if multi else 1]
            elif line.startswith("GET /__count"):
                b = str(count[0]).encode()
                st[2] += b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(b), b)
            else:
                st[2] += NOT_FOUND

    while True:
        for key, ev in sel.select():
            kind, data = key.data
            if kind == "listen":
                try:
                    c, _ = key.fileobj.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                conns[c] = [data, b"", b""]
                sel.register(c, selectors.EVENT_READ, ("conn", c))
                continue
            c = data
            st = conns[c]
            if ev & selectors.EVENT_READ:
                try:
                    got = c.recv(65536)
                except (BlockingIOError, InterruptedError):
                    got = None
                except OSError:
                    got = b""
                if got == b"":
                    sel.unregister(c)
                    c.close()
                    del conns[c]
                    continue
                if got:
                    st[1] += got
                    answer(c, st)
            if st[2]:
                try:
                    n = c.send(st[2])
                    st[2] = st[2][n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    sel.unregister(c)
                    c.close()
                    del conns[c]
                    continue
            sel.modify(c, selectors.EVENT_READ | (selectors.EVENT_WRITE if st[2] else 0),
                       ("conn", c))


# ------------------------------------------------------------ the console

class Console:
    def __init__(self, binary, tmp, ports, poll_interval):
        self.dir = Path(tempfile.mkdtemp(prefix="console-", dir=tmp))
        conf = ("[console]\nlisten = 127.0.0.1:0\npoll_interval = %s\ntimeout = 10\n"
                "retry_max = 30\n" % poll_interval)
        for i, p in enumerate(ports):
            conf += "\n[node:n%02d]\nurl = http://127.0.0.1:%d\nenvironment = e%d\n" % (
                i, p, i % 3)
        (self.dir / "console.conf").write_text(conf)
        self.err = self.dir / "console.stderr"
        with open(self.err, "wb") as err:
            self.proc = subprocess.Popen([binary, "-c", str(self.dir / "console.conf")],
                                         cwd=str(self.dir), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err, start_new_session=True)
        self.pid = self.proc.pid
        self.port = self._wait(lambda: re.search(r"listening on http://127\.0\.0\.1:(\d+)/",
                                                 self.log()), 20, "console listening")
        self.port = int(self.port.group(1))
        pw = self._wait(lambda: re.search(r"created user 'admin' with password '(\S+)'",
                                          self.log()), 20, "admin password").group(1)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("POST", "/api/v1/login", body=json.dumps({"username": "admin", "password": pw}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError("login: HTTP %d" % r.status)
        self.cookie = r.getheader("Set-Cookie").split(";")[0]
        c.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def log(self):
        return self.err.read_text(errors="replace")

    def _wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("console exited: " + self.log()[-2000:])
            v = pred()
            if v:
                return v
            time.sleep(0.02)
        raise RuntimeError("timed out waiting for " + what)

    def get(self, path, headers=None):
        h = {"Cookie": self.cookie}
        h.update(headers or {})
        self.conn.request("GET", path, headers=h)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError("GET %s: HTTP %d" % (path, r.status))
        if r.getheader("Content-Encoding") == "gzip":
            return body, gzip.decompress(body)
        return body

    def wait_all_online(self):
        def online():
            nodes = json.loads(self.get("/api/v1/nodes"))["result"]
            return len(nodes) == NODES and all(n["online"] for n in nodes) and \
                sum(n["processes"] for n in nodes) == NODES * PROCS
        self._wait(online, 60, "every node online")

    def settle(self, secs=0.3):
        """Until the console has used no CPU for secs."""
        last, t_last = cpu_ns(self.pid), time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = cpu_ns(self.pid)
            if now != last:
                last, t_last = now, time.monotonic()
            elif time.monotonic() - t_last >= secs:
                return

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _count(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/__count")
    n = int(c.getresponse().read())
    c.close()
    return n


def run(binary, tmp, refresh_reps, rounds):
    """{metric: values} for the console against 50 x 100 simulated
    processes: refresh CPU ms, poll-round CPU ms, RSS KiB, peak RSS KiB."""
    nodes = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve"],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    consoles = []
    try:
        ports = [int(p) for p in nodes.stdout.readline().split()]
        if len(ports) != NODES:
            raise RuntimeError("the simulated nodes did not start")
        out = {}
        # the overview refresh, no poll running meanwhile
        c = Console(binary, tmp, ports, 3600)
        consoles.append(c)
        c.wait_all_online()
        refresh = []
        for _ in range(refresh_reps):
            c.settle()
            c0 = cpu_ns(c.pid)
            body = c.get("/api/v1/processes")
            c.settle()
            refresh.append((cpu_ns(c.pid) - c0) / 1e6)
            if len(json.loads(body)["result"]) != NODES * PROCS:
                raise RuntimeError("the overview does not list every process")
        out["console_refresh_cpu_ms"] = refresh
        out["console_refresh_bytes"] = [len(body)]
        zipped = []
        for _ in range(refresh_reps):
            c.settle()
            c0 = cpu_ns(c.pid)
            got = c.get("/api/v1/processes", {"Accept-Encoding": "gzip, deflate, br"})
            c.settle()
            zipped.append((cpu_ns(c.pid) - c0) / 1e6)
            if not isinstance(got, tuple):
                raise RuntimeError("the overview was not sent gzipped")
            if len(json.loads(got[1])["result"]) != NODES * PROCS:
                raise RuntimeError("the gzipped overview does not list every process")
        out["console_refresh_gzip_cpu_ms"] = zipped
        out["console_refresh_gzip_bytes"] = [len(got[0])]
        rss = [rss_kib(c.pid)]
        pss = [rollup_kib(c.pid, "Pss")]
        peak = [status_kib(c.pid, "VmHWM")]
        c.stop()
        # polling rounds
        c = Console(binary, tmp, ports, 1)
        consoles.append(c)
        c.wait_all_online()
        per_round = []
        for _ in range(rounds):
            c.settle(0.2)  # between two rounds (they take ~0.1 s of the 1 s)
            k0, c0 = _count(ports[0]), cpu_ns(c.pid)
            c._wait(lambda: _count(ports[0]) >= k0 + NODES, 30, "a poll round")
            c.settle(0.2)  # the last answers parsed
            per_round.append((cpu_ns(c.pid) - c0) / 1e6)
        out["console_poll_round_cpu_ms"] = per_round
        rss.append(rss_kib(c.pid))
        pss.append(rollup_kib(c.pid, "Pss"))
        peak.append(status_kib(c.pid, "VmHWM"))
        out["console_rss_kib"] = [max(rss)]
        out["console_pss_kib"] = [max(pss)]
        out["console_peak_rss_kib"] = [max(peak)]
        return out
    finally:
        for c in consoles:
            c.stop()
        nodes.send_signal(signal.SIGTERM)
        try:
            nodes.wait(10)
        except subprocess.TimeoutExpired:
            nodes.kill()
            nodes.wait(5)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        sys.exit(__doc__)
