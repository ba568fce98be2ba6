"""supervisor-console (doc/console.md) against real nodes on loopback:
two of our supervisord (one on a unix socket, one on 127.0.0.1 TCP with
Basic auth) and one Python supervisord (unix socket). The overview lists
every process of every node; actions reach the right node; a node killed
mid-test shows offline within the timeout while the others are still
served, and comes back by itself once restarted; a hung node (SIGSTOP)
times out without stalling the API. Users, roles, environments, CSRF and
the activity log through the API. Credentials never show."""

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import xmlrpc.client
from pathlib import Path

import pytest

from conftest import SUPERVISORD_SECTION, check_no_sanitizer, free_port, wait_for
from unixrpc import UnixTransport

CONSOLE = Path(os.environ.get("SUPERVISORD", "build/supervisord")).resolve().parent / \
    "supervisor-console"
SECRET = "s3cr3t-never-shown"

NODE_CONF = SUPERVISORD_SECTION + """
{server}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
{programs}
"""

UNIX = "[unix_http_server]\nfile={tmp}/s.sock\n"


def node_conf(server, programs):
    return NODE_CONF.replace("{server}", server).replace("{programs}", programs)


def program(name, numprocs=1):
    text = "[program:%s]\ncommand={helpers}/sleeper 1000\nstartsecs=0\nstopwaitsecs=5\n" % name
    if numprocs > 1:
        text += "numprocs=%d\nprocess_name=%%(program_name)s_%%(process_num)d\n" % numprocs
    return text


def unix_rpc(path):
    return xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(str(path)))


class Console:
    """One supervisor-console run in the foreground; its log is its stderr."""

    scheme = "http"  # what its "listening on" line says

    def __init__(self, workdir):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "console.conf"
        self.err = self.dir / "console.stderr"
        self.proc = None
        self.port = None
        self.cookie = None
        self.csrf = None

    def set_user(self, name, role, password, envs=None):
        argv = [str(CONSOLE), "-c", str(self.conf), "--set-user", name, "--role", role]
        if envs is not None:
            argv += ["--environments", envs]
        r = subprocess.run(argv, input=password + "\n", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        check_no_sanitizer(r.stderr, "console --set-user")

    def login(self, user, password):
        """Log in: keep the session cookie and CSRF token. Returns (status, body)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("POST", "/api/v1/login",
                  body=json.dumps({"username": user, "password": password}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = json.loads(r.read())
        c.close()
        if r.status == 200:
            cookie = r.getheader("Set-Cookie")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
            self.cookie = cookie.split(";")[0]
            self.csrf = body["result"]["csrf_token"]
        return r.status, body

    def admin_password(self):
        m = re.search(r"created user 'admin' with password '(\S+)'", self.log())
        return m.group(1)

    def start(self, text):
        if not os.access(CONSOLE, os.X_OK):
            pytest.fail("supervisor-console not found at %s" % CONSOLE)
        self.conf.write_text(text)
        with open(self.err, "wb") as err:
            self.proc = subprocess.Popen([str(CONSOLE), "-c", str(self.conf)], cwd=str(self.dir),
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         start_new_session=True)

        def port():
            m = re.search(r"listening on %s://127\.0\.0\.1:(\d+)/" % self.scheme, self.log())
            assert self.proc.poll() is None, "console exited: " + self.log()
            return int(m.group(1)) if m else None
        self.port = wait_for(port, 20, "console listening")
        return self

    def log(self):
        return self.err.read_text(errors="replace") if self.err.exists() else ""

    def request(self, method, path, headers=None, csrf=True):
        h = {}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and csrf and method == "POST":
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=b"" if method == "POST" else None, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        assert r.getheader("Content-Type") == "application/json", data
        assert SECRET not in data.decode()
        return r.status, json.loads(data)

    def get(self, path):
        st, body = self.request("GET", path)
        assert st == 200, body
        return body["result"]

    def post(self, path, headers=None, csrf=True):
        return self.request("POST", path, headers, csrf)

    def nodes(self):
        return {n["name"]: n for n in self.get("/api/v1/nodes")}

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError("console did not exit on SIGTERM:\n" + self.log())
            assert rc == 0, "console exited %r:\n%s" % (rc, self.log())
        check_no_sanitizer(self.log(), "console stderr")
        assert SECRET not in self.log()


@pytest.fixture
def console(tmp_path):
    c = Console(tmp_path / "console")
    yield c
    c.stop()


def console_conf(nodes, **console):
    opts = {"listen": "127.0.0.1:0", "poll_interval": "0.3", "timeout": "1",
            "retry_max": "1", "action_timeout": "4"}
    opts.update(console)
    text = "[console]\n" + "".join("%s = %s\n" % kv for kv in opts.items())
    for name, keys in nodes:
        text += "\n[node:%s]\n" % name + "".join("%s = %s\n" % kv for kv in keys.items())
    return text


def state_of(console, node, name):
    procs = console.get("/api/v1/processes?node=%s&name=%s" % (node, name))
    assert len(procs) == 1, procs
    return procs[0]["statename"], procs[0]["pid"]


def test_console_three_nodes(c_daemons, console):
    port = free_port()
    c1 = c_daemons("c1")
    c1.start(node_conf(UNIX, program("app", 2)))
    c2 = c_daemons("c2")
    c2.start(node_conf("[inet_http_server]\nport=127.0.0.1:%d\nusername=admin\npassword=%s\n"
                       % (port, SECRET), program("web")))
    py = c_daemons("py", which="python")
    py.start(node_conf(UNIX, program("worker") + program("cron")))
    for d in (c1, py):
        wait_for(lambda d=d: (d.dir / "s.sock").exists(), 20, "%s socket" % d.impl)
    console.start(console_conf([
        ("c1", {"url": "unix://%s/s.sock" % c1.dir, "environment": "prod"}),
        ("c2", {"url": "http://127.0.0.1:%d" % port, "username": "admin",
                "password": SECRET, "environment": "staging"}),
        ("py", {"url": "unix://%s/s.sock" % py.dir, "environment": "prod"}),
    ]))
    # the first start made an admin with a random password, shown once
    assert console.request("GET", "/api/v1/nodes")[0] == 401
    assert console.login("admin", console.admin_password())[0] == 200

    # the overview: every process of every node, all RUNNING
    expect = {("c1", "app_0"), ("c1", "app_1"), ("c2", "web"), ("py", "worker"), ("py", "cron")}

    def overview():
        procs = console.get("/api/v1/processes")
        got = {(p["node"], p["name"]) for p in procs if p["statename"] == "RUNNING"}
        return got == expect and procs
    procs = wait_for(overview, 20, "every process of every node RUNNING")
    assert {p["environment"] for p in procs if p["node"] != "c2"} == {"prod"}
    nodes = console.nodes()
    assert all(n["online"] and n["error"] is None for n in nodes.values()), nodes
    assert nodes["c2"]["url"] == "http://127.0.0.1:%d" % port
    assert nodes["c1"]["counts"]["RUNNING"] == 2 and nodes["py"]["processes"] == 2
    assert nodes["py"]["supervisor_version"] == "4.2.5"
    assert isinstance(nodes["c1"]["last_seen"], float)

    # filters
    assert {p["node"] for p in console.get("/api/v1/processes?environment=prod")} == {"c1", "py"}
    assert [p["name"] for p in console.get("/api/v1/processes?name=app:app_1")] == ["app_1"]
    assert len(console.get("/api/v1/processes?name=app_*&state=running,fatal")) == 2
    assert console.get("/api/v1/processes?state=STOPPED") == []

    # an action reaches the right node, and the overview follows
    py_rpc = unix_rpc(py.dir / "s.sock")
    old = py_rpc.supervisor.getProcessInfo("worker")["pid"]
    st, body = console.post("/api/v1/nodes/py/processes/worker/restart")
    assert (st, body) == (200, {"result": True})
    new = py_rpc.supervisor.getProcessInfo("worker")["pid"]
    assert new != old and py_rpc.supervisor.getProcessInfo("cron")["statename"] == "RUNNING"
    wait_for(lambda: state_of(console, "py", "worker") == ("RUNNING", new), 10, "new pid shown")

    st, body = console.post("/api/v1/nodes/c1/processes/app:app_0/stop")
    assert (st, body) == (200, {"result": True})
    c1_rpc = unix_rpc(c1.dir / "s.sock")
    assert c1_rpc.supervisor.getProcessInfo("app:app_0")["statename"] == "STOPPED"
    assert c1_rpc.supervisor.getProcessInfo("app:app_1")["statename"] == "RUNNING"
    wait_for(lambda: state_of(console, "c1", "app_0")[0] == "STOPPED", 10, "STOPPED shown")
    # faults come back as JSON errors with Supervisor's codes
    assert console.post("/api/v1/nodes/c1/processes/app:app_0/stop") == (409, {"error": {
        "code": 70, "name": "NOT_RUNNING", "message": "NOT_RUNNING: app:app_0"}})
    st, body = console.post("/api/v1/nodes/c1/processes/nope/start")
    assert st == 404 and body["error"]["name"] == "BAD_NAME"
    assert console.post("/api/v1/nodes/c1/processes/app:app_0/start") == (200, {"result": True})
    # a whole group, through the ProcessGroup methods
    st, body = console.post("/api/v1/nodes/c1/processes/app:*/stop")
    assert st == 200 and sorted((r["name"], r["status"]) for r in body["result"]) == \
        [("app_0", 80), ("app_1", 80)], body
    assert {p["statename"] for p in c1_rpc.supervisor.getAllProcessInfo()} == {"STOPPED"}
    st, body = console.post("/api/v1/nodes/c1/processes/app%3A*/restart")
    assert st == 200 and len(body["result"]) == 2, body
    assert {p["statename"] for p in c1_rpc.supervisor.getAllProcessInfo()} == {"RUNNING"}
    st, body = console.post("/api/v1/nodes/c1/processes/nogroup:*/start")
    assert st == 404 and body["error"]["name"] == "BAD_NAME"

    # logs, read from the node (tail*Log): follow by passing back the offset
    for node, name, pid in (("py", "worker", new),
                            ("c1", "app:app_0", c1_rpc.supervisor.getProcessInfo("app:app_0")["pid"])):
        def tail(node=node, name=name, pid=pid):
            r = console.get("/api/v1/nodes/%s/processes/%s/log/stdout?length=4096" % (node, name))
            return "sleeper %d up" % pid in r["data"] and r
        r = wait_for(tail, 10, "%s's log" % name)
        assert r["overflow"] is False and r["offset"] > 0
        r2 = console.get("/api/v1/nodes/%s/processes/%s/log/stdout?offset=%d"
                         % (node, name, r["offset"]))
        assert r2["data"] == "" and r2["offset"] == r["offset"]
    st, body = console.request("GET", "/api/v1/nodes/py/processes/nope/log/stderr")
    assert st == 404 and body["error"]["name"] == "BAD_NAME"
    assert console.request("GET", "/api/v1/nodes/py/processes/worker/log/stdout?offset=-1")[0] \
        == 400
    assert console.request("GET", "/api/v1/nodes/py/processes/worker/log/other")[0] == 404
    assert console.post("/api/v1/nodes/py/processes/worker/log/stdout")[0] == 405

    # routes and protections of the API itself
    assert console.post("/api/v1/nodes/zz/processes/web/stop")[0] == 404
    assert console.request("GET", "/api/v1/nodes/c2/processes/web/stop")[0] == 405
    assert console.request("GET", "/api/v1/nope")[0] == 404
    assert console.request("GET", "/api/v1/nodes/c1/processes/a%0Ab/log/stdout")[0] == 404
    st, body = console.post("/api/v1/nodes/c2/processes/web/stop", csrf=False)
    assert st == 403 and "CSRF" in body["error"]["message"] and c2.running()
    assert console.request("GET", "/api/v1/nodes", {"Host": "evil.example"})[0] == 403

    # kill c2 by PID: offline within its timeout, the others still served
    c2_kids = c2.child_pids()
    os.kill(c2.pid, signal.SIGKILL)
    c2.proc.wait(10)
    t0 = time.monotonic()
    wait_for(lambda: not console.nodes()["c2"]["online"], 5, "c2 offline")
    assert time.monotonic() - t0 < 5
    n = console.nodes()
    assert "cannot connect" in n["c2"]["error"] and n["c2"]["last_seen"] is not None
    assert n["c1"]["online"] and n["py"]["online"]
    st, body = console.post("/api/v1/nodes/c2/processes/web/stop")
    assert st == 502 and body["error"]["name"] == "NODE_UNAVAILABLE"
    st, body = console.post("/api/v1/nodes/c1/processes/app:app_1/restart")
    assert (st, body) == (200, {"result": True})
    # its last known processes stay listed, marked as from an offline node
    web = console.get("/api/v1/processes?node=c2")
    assert [(p["name"], p["node_online"]) for p in web] == [("web", False)]
    wait_for(lambda: all(not os.path.exists("/proc/%d" % p) for p in c2_kids), 10,
             "c2's children gone")

    # restart it: the console recovers by itself
    c2.start()
    wait_for(lambda: console.nodes()["c2"]["online"], 15, "c2 back online")
    wait_for(lambda: state_of(console, "c2", "web")[0] == "RUNNING", 10, "web RUNNING again")
    assert console.nodes()["c2"]["error"] is None
    log = console.log()
    assert "node 'c2' offline" in log and log.count("node 'c2' online") == 2

    # a hung node (stopped, so it accepts but never answers) times out
    # without holding up the API
    os.kill(py.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: not console.nodes()["py"]["online"], 10, "py offline")
        assert "no answer" in console.nodes()["py"]["error"]
        t0 = time.monotonic()
        assert len(console.get("/api/v1/processes?node=c1")) == 2
        assert time.monotonic() - t0 < 0.5
        # a client leaving while its action waits cancels the call (a start
        # of a running process: harmless when the node reads it later)
        raw = socket.create_connection(("127.0.0.1", console.port), timeout=10)
        raw.sendall(("POST /api/v1/nodes/py/processes/worker/start HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"
                     "Content-Length: 0\r\n\r\n" % (console.cookie, console.csrf)).encode())
        console.nodes()  # a round trip after it: the console has read the POST
        raw.close()
        wait_for(lambda: "start 'worker': the client left, call cancelled" in console.log(), 10,
                 "the action cancelled")
        # an action on the hung node ends with 504 after action_timeout
        t0 = time.monotonic()
        st, body = console.post("/api/v1/nodes/py/processes/worker/start")
        assert st == 504 and body["error"]["name"] == "NODE_TIMEOUT", body
        assert 3 < time.monotonic() - t0 < 30
    finally:
        os.kill(py.pid, signal.SIGCONT)
    wait_for(lambda: console.nodes()["py"]["online"], 15, "py back online")


def test_console_check_config(tmp_path):
    if not os.access(CONSOLE, os.X_OK):
        pytest.fail("supervisor-console not found at %s" % CONSOLE)
    conf = tmp_path / "c.conf"

    def check(text):
        conf.write_text(text)
        r = subprocess.run([str(CONSOLE), "--check-config", "-c", str(conf)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        return r.returncode, r.stderr
    good = "[console]\nlisten = 127.0.0.1:9100\n[node:a]\nurl = unix:///tmp/x.sock\n"
    assert check(good) == (0, "")
    cases = [
        (good + "bogus = 1\n", "c.conf:5: unknown key 'bogus' in [node:a]"),
        ("[console]\nlisten = 0.0.0.0:9100\n[node:a]\nurl = unix:///x\n",
         "c.conf:2: listen: '0.0.0.0' is not a loopback address"),
        ("[console]\ntimeout = soon\n[node:a]\nurl = unix:///x\n",
         "c.conf:2: timeout: expected a number of seconds"),
        ("[console]\n[node:a]\nurl = http://u:%s@127.0.0.1:9001\n" % SECRET,
         "c.conf:3: url: credentials go in username= and password="),
        ("[console]\n[node:a]\nurl = ftp://x\n", "c.conf:3: url: 'ftp://x' is neither"),
        ("[console]\n[node:a]\nenvironment = x\n", "c.conf:2: [node:a]: url is required"),
        ("[console]\n[nodes:a]\n", "c.conf:2: unknown section [nodes:a]"),
        ("[console]\n", "no [node:NAME] section"),
        ("[console]\n[node:a]\nurl = unix:///x\npassword = p\n",
         "c.conf:4: [node:a]: password without username"),
    ]
    for text, msg in cases:
        rc, err = check(text)
        assert rc == 2 and msg in err and SECRET not in err, (text, err)


def test_console_roles(c_daemons, console, tmp_path):
    node = c_daemons("n")
    node.start(node_conf(UNIX, program("svc")))
    wait_for(lambda: (node.dir / "s.sock").exists(), 20, "node socket")
    text = console_conf([
        ("prod1", {"url": "unix://%s/s.sock" % node.dir, "environment": "prod"}),
        ("stage1", {"url": "unix://%s/none.sock" % tmp_path, "environment": "staging"}),
    ])
    console.conf.write_text(text)
    users = {"root": ("admin", None), "vera": ("viewer", None), "olga": ("operator", None),
             "otto": ("operator", "staging")}
    for name, (role, envs) in users.items():
        console.set_user(name, role, "pw-" + name + "-" + SECRET, envs)
    console.start(text)
    assert "created user 'admin'" not in console.log()  # users exist: none made
    wait_for(lambda: console.login("vera", "pw-vera-" + SECRET)[0] == 200 and
             console.get("/api/v1/processes?node=prod1"), 20, "prod1 polled")

    def login(name):
        st, body = console.login(name, "pw-%s-%s" % (name, SECRET))
        assert st == 200 and body["result"]["role"] == users[name][0], body

    # a viewer reads everything (logs too) but cannot act: refused and logged
    login("vera")
    assert [p["name"] for p in console.get("/api/v1/processes?node=prod1")] == ["svc"]
    assert "data" in console.get("/api/v1/nodes/prod1/processes/svc/log/stdout")
    st, body = console.post("/api/v1/nodes/prod1/processes/svc/stop")
    assert st == 403 and body["error"]["name"] == "FORBIDDEN"
    assert console.request("GET", "/api/v1/audit")[0] == 403
    assert console.get("/api/v1/session")["user"] == "vera"

    # an operator limited to staging sees and acts on staging only
    login("otto")
    assert [n["name"] for n in console.get("/api/v1/nodes")] == ["stage1"]
    assert console.get("/api/v1/processes?node=prod1") == []
    assert console.post("/api/v1/nodes/prod1/processes/svc/stop")[0] == 403
    assert console.request("GET", "/api/v1/nodes/prod1/processes/svc/log/stdout")[0] == 403

    # an operator acts; without the CSRF token nothing happens
    login("olga")
    assert console.post("/api/v1/nodes/prod1/processes/svc/stop", csrf=False)[0] == 403
    assert console.post("/api/v1/nodes/prod1/processes/svc/stop") == (200, {"result": True})
    assert console.post("/api/v1/nodes/prod1/processes/svc/start") == (200, {"result": True})
    # a session ends at logout
    assert console.post("/api/v1/logout") == (200, {"result": True})
    assert console.request("GET", "/api/v1/nodes")[0] == 401

    # bad logins, and a login posted by another site's page
    assert console.login("olga", "wrong")[0] == 401
    assert console.login("nobody", "wrong")[0] == 401
    c = http.client.HTTPConnection("127.0.0.1", console.port, timeout=60)
    c.request("POST", "/api/v1/login", body=json.dumps({"username": "olga", "password": "x"}),
              headers={"Origin": "http://evil.example"})
    assert c.getresponse().status == 403
    c.close()

    # the admin reads the activity log: every action and login
    login("root")
    rows = console.get("/api/v1/audit")
    got = [(r["user"], r["action"], r["node"], r["process"], r["result"]) for r in rows]
    for want in [("vera", "stop", "prod1", "svc", "refused"),
                 ("otto", "stop", "prod1", "svc", "refused"),
                 ("otto", "log", "prod1", "svc", "refused"),
                 ("olga", "stop", "prod1", "svc", "ok"),
                 ("olga", "start", "prod1", "svc", "ok"),
                 ("olga", "logout", None, None, "ok"),
                 ("olga", "login", None, None, "failed"),
                 ("nobody", "login", None, None, "failed"),
                 ("root", "login", None, None, "ok")]:
        assert want in got, (want, got)
    assert got.index(("olga", "start", "prod1", "svc", "ok")) < \
        got.index(("olga", "stop", "prod1", "svc", "ok"))  # newest first
    only = console.get("/api/v1/audit?user=olga&action=stop")
    assert [(r["user"], r["action"]) for r in only] == [("olga", "stop")]
    assert os.stat(console.dir / "console.db").st_mode & 0o077 == 0


def ctx_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def test_console_idle(c_daemons, console):
    """Between two polls, with no client, the console sleeps: no timer but
    the poll's, no wake-up. (A polled node: Python's, which has no event
    stream; a subscribed one is test_console_events.py's.)"""
    node = c_daemons("n", which="python")
    node.start(node_conf(UNIX, program("svc")))
    wait_for(lambda: (node.dir / "s.sock").exists(), 20, "node socket")
    wait_for(lambda: unix_rpc(node.dir / "s.sock").supervisor.getProcessInfo("svc")["statename"]
             == "RUNNING", 20, "svc RUNNING")
    console.start(console_conf([("n", {"url": "unix://%s/s.sock" % node.dir})],
                               poll_interval="60"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: console.nodes()["n"]["online"], 20, "node online")
    assert console.get("/api/v1/processes")[0]["statename"] == "RUNNING"

    def settled():  # the last client's close is handled after its answer
        n = ctx_switches(console.proc.pid)
        time.sleep(0.2)
        return ctx_switches(console.proc.pid) == n
    wait_for(settled, 10, "console settled")
    before = ctx_switches(console.proc.pid)
    time.sleep(1.5)  # an idle window, not a wait
    after = ctx_switches(console.proc.pid)
    assert after == before, "console woke up %d times while idle" % (after - before)


def test_console_gzip(c_daemons, console):
    """Answers of 1 KiB or more go gzipped to a client that takes gzip (the
    overview of many processes shrinks ~15x), the same bytes once inflated;
    small ones, and clients that do not ask or refuse it, get them plain."""
    c1 = c_daemons("c1")
    c1.start(node_conf(UNIX, program("app", 40)))
    wait_for(lambda: (c1.dir / "s.sock").exists(), 20, "socket")
    console.start(console_conf([("c1", {"url": "unix://%s/s.sock" % c1.dir})]))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: sum(p["statename"] == "RUNNING"
                         for p in console.get("/api/v1/processes")) == 40, 20, "40 RUNNING")

    def fetch(path, accept):
        c = http.client.HTTPConnection("127.0.0.1", console.port, timeout=60)
        h = {"Cookie": console.cookie}
        if accept is not None:
            h["Accept-Encoding"] = accept
        c.request("GET", path, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        assert r.status == 200, data
        return r, data

    # small: plain, whatever the client takes
    plain = fetch("/api/v1/processes?state=STOPPED", None)[1]
    r, d = fetch("/api/v1/processes?state=STOPPED", "gzip, deflate, br")
    assert r.getheader("Content-Encoding") is None and r.getheader("Vary") is None
    assert d == plain and json.loads(d) == {"result": []}

    # uptimes move with the clock: compare answers of one second
    def same_second():
        r1, d1 = fetch("/api/v1/processes", None)
        r2, d2 = fetch("/api/v1/processes", "gzip, deflate, br")
        r3, d3 = fetch("/api/v1/processes", None)
        return d1 == d3 and (r1, d1, r2, d2)
    r1, d1, r2, d2 = wait_for(same_second, 20, "two plain answers alike around a gzipped one")
    assert r1.getheader("Content-Encoding") is None
    assert r1.getheader("Vary") == "Accept-Encoding" and r2.getheader("Vary") == "Accept-Encoding"
    assert r2.getheader("Content-Encoding") == "gzip"
    assert int(r2.getheader("Content-Length")) == len(d2) < len(d1) // 4
    assert gzip.decompress(d2) == d1
    assert len(json.loads(d1)["result"]) == 40
    # refused or not offered: plain
    for accept in ("gzip;q=0", "identity", "br", "*;q=0"):
        r, d = fetch("/api/v1/processes", accept)
        assert r.getheader("Content-Encoding") is None, accept
        assert json.loads(d)["result"]
    # the web page's assets too
    r, d = fetch("/", "gzip")
    assert r.getheader("Content-Encoding") == "gzip" and b"<html" in gzip.decompress(d).lower()
