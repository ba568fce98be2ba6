"""supervisor-console and the nodes' event streams (doc/console.md, Nodes):
against our supervisord it subscribes to GET /api/v1/events, so a change
shows within a fraction of poll_interval and no periodic XML-RPC poll
reaches the node; against Python's supervisord (no such route) it polls; a
subscribed node killed, or hung so its stream stalls, goes offline within
its limits and comes back by itself; a stream sending garbage or an event
over the size cap takes the node offline with a clear error."""

import signal
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import SUPERVISORD_SECTION, free_port, wait_for
from test_console import UNIX, console, console_conf, ctx_switches, program, unix_rpc  # noqa: F401

NODE_CONF = SUPERVISORD_SECTION + """loglevel=trace

{server}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
{programs}
"""

# the getAllProcessInfo struct, member by member, with its types
INFO_TYPES = {"name": str, "group": str, "description": str, "start": int, "stop": int,
              "now": int, "state": int, "statename": str, "spawnerr": str, "exitstatus": int,
              "logfile": str, "stdout_logfile": str, "stderr_logfile": str, "pid": int}


def node_conf(server, programs):
    return NODE_CONF.replace("{server}", server).replace("{programs}", programs)


def rpc_calls(node, method):
    """How many times the node's log says method was called (loglevel=trace)."""
    return node.log_text().count("XML-RPC method called: %s()" % method)


def start_node(c_daemons, name, which="c", programs=None, server=UNIX):
    d = c_daemons(name, which=which)
    d.start(node_conf(server, programs or program("svc")))
    if server == UNIX:
        def svc_running():
            try:
                info = unix_rpc(d.dir / "s.sock").supervisor.getProcessInfo("svc")
            except ConnectionRefusedError:  # bound (the file exists), not yet listening
                return False
            return info["statename"] == "RUNNING"
        wait_for(lambda: (d.dir / "s.sock").exists(), 20, "%s socket" % name)
        wait_for(svc_running, 20, "svc RUNNING on %s" % name)
    return d


def svc(console, node="n"):
    procs = console.get("/api/v1/processes?node=%s&name=svc" % node)
    assert len(procs) == 1, procs
    return procs[0]


def test_events_subscribed(c_daemons, console):
    """poll_interval 30 s: a change made on the node shows in well under a
    second, every getAllProcessInfo field with its type and value; the
    node sees one connect multicall and no poll."""
    node = start_node(c_daemons, "n")
    rpc = unix_rpc(node.dir / "s.sock")
    console.start(console_conf([("n", {"url": "unix://%s/s.sock" % node.dir})],
                               poll_interval="30", timeout="2"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: "node 'n' subscribed to its event stream (1 processes)" in console.log(),
             10, "subscribed")
    assert console.nodes()["n"]["online"]

    def same_as_node():
        got, want = svc(console), rpc.supervisor.getProcessInfo("svc")
        assert {k: type(v) for k, v in got.items() if k in INFO_TYPES} == INFO_TYPES
        return all(got[k] == want[k] for k in INFO_TYPES if k not in ("now", "description")) \
            and got
    for action, state in ((rpc.supervisor.stopProcess, "STOPPED"),
                          (rpc.supervisor.startProcess, "RUNNING")):
        t0 = time.monotonic()
        action("svc")
        got = wait_for(lambda: svc(console)["statename"] == state and same_as_node(), 10,
                       "%s shown" % state)
        assert time.monotonic() - t0 < 3, "the change took %.1f s" % (time.monotonic() - t0)
    want = rpc.supervisor.getProcessInfo("svc")
    assert got["description"].startswith("pid %d, uptime 0:00:0" % want["pid"])
    assert got["logfile"] == want["logfile"] != ""
    assert abs(got["now"] - want["now"]) <= 2
    # the process stopped: the description Supervisor gives it
    rpc.supervisor.stopProcess("svc")
    wait_for(lambda: svc(console)["description"] == rpc.supervisor.getProcessInfo("svc")
             ["description"], 10, "STOPPED description")
    # an action through the console: its result follows from the events
    st, body = console.post("/api/v1/nodes/n/processes/svc/start")
    assert (st, body) == (200, {"result": True})
    wait_for(lambda: svc(console)["statename"] == "RUNNING", 5, "RUNNING shown")
    # the connect multicall (its inner calls are not logged), then no poll
    assert rpc_calls(node, "system.multicall") == 1
    assert rpc_calls(node, "supervisor.getAllProcessInfo") == 0

    # a program added: the snapshot brings it, one poll its log paths
    node.write_config(node_conf(UNIX, program("svc") + program("extra")))
    rpc.supervisor.reloadConfig()
    rpc.supervisor.addProcessGroup("extra")
    want = rpc.supervisor.getProcessInfo("extra")
    wait_for(lambda: [p["logfile"] for p in console.get("/api/v1/processes?name=extra")]
             == [want["logfile"]], 10, "extra with its log path")
    assert want["logfile"] != ""
    assert rpc_calls(node, "supervisor.getAllProcessInfo") == 1


def test_events_no_polls(c_daemons, console):
    """poll_interval 0.2 s, yet no poll reaches a subscribed node, and the
    console wakes only for the node's events: it asks for no stats, and the
    keepalive comes every half timeout (5 s)."""
    node = start_node(c_daemons, "n")
    console.start(console_conf([("n", {"url": "unix://%s/s.sock" % node.dir})],
                               poll_interval="0.2", timeout="10"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: "node 'n' subscribed" in console.log(), 10, "subscribed")
    assert svc(console)["statename"] == "RUNNING"

    def settled():  # the last client's close is handled after its answer
        n = ctx_switches(console.proc.pid)
        time.sleep(0.2)
        return ctx_switches(console.proc.pid) == n
    wait_for(settled, 10, "console settled")
    calls = rpc_calls(node, "supervisor.getAllProcessInfo")
    multicalls = rpc_calls(node, "system.multicall")
    before = ctx_switches(console.proc.pid)
    time.sleep(3)  # a window, not a wait: 15 polls would fit in it
    wakeups = ctx_switches(console.proc.pid) - before
    assert rpc_calls(node, "supervisor.getAllProcessInfo") == calls == 0
    assert rpc_calls(node, "system.multicall") == multicalls == 1
    # at most one keepalive (a preemption may add a switch); with stats it
    # was a wake-up every 2 s, polling every 0.2 s would be 15 or more
    assert wakeups <= 2, "console woke up %d times in 3 s" % wakeups


def test_events_uptime_moves(c_daemons, console):
    """A subscribed node sends nothing while its processes run on, yet the
    overview's uptime and now move with the clock, worded as the node's own
    getProcessInfo words them."""
    node = start_node(c_daemons, "n")
    rpc = unix_rpc(node.dir / "s.sock")
    console.start(console_conf([("n", {"url": "unix://%s/s.sock" % node.dir})],
                               poll_interval="30", timeout="10"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: "node 'n' subscribed" in console.log(), 10, "subscribed")
    events = console.log().count("event")
    first = svc(console)
    time.sleep(2.1)  # a window with no event: the uptime must move by itself
    second = svc(console)
    theirs = rpc.supervisor.getProcessInfo("svc")
    assert console.log().count("event") == events
    assert second["now"] - first["now"] >= 2
    assert first["description"] != second["description"]
    assert second["description"].startswith("pid %d, uptime " % theirs["pid"])
    # the node's own wording, give or take the second between the two reads
    def secs(d):
        h, m, s = d.rsplit(" ", 1)[1].split(":")
        return int(h) * 3600 + int(m) * 60 + int(s)
    assert abs(secs(second["description"]) - secs(theirs["description"])) <= 1
    assert abs(second["now"] - theirs["now"]) <= 1


def test_events_python_polls(c_daemons, console):
    """Python's supervisord has no event stream (404): the console polls it."""
    node = start_node(c_daemons, "py", which="python")
    rpc = unix_rpc(node.dir / "s.sock")
    console.start(console_conf([("py", {"url": "unix://%s/s.sock" % node.dir})],
                               poll_interval="0.3"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: "node 'py' has no event stream (HTTP 404): polling it every 0.3 s"
             in console.log(), 10, "no event stream")
    n0 = rpc_calls(node, "supervisor.getAllProcessInfo")
    rpc.supervisor.stopProcess("svc")
    wait_for(lambda: svc(console, "py")["statename"] == "STOPPED", 10, "STOPPED shown")
    wait_for(lambda: rpc_calls(node, "supervisor.getAllProcessInfo") >= n0 + 3, 10, "polls")
    assert "subscribed" not in console.log()


def test_events_offline_and_back(c_daemons, console):
    """A subscribed node killed goes offline at once, and one that hangs
    (SIGSTOP: its stream stalls) within its keepalive period (half the
    timeout, at least 1 s) plus the timeout; both come back and subscribe
    again by themselves."""
    port = free_port()
    server = "[inet_http_server]\nport=127.0.0.1:%d\n" % port
    node = start_node(c_daemons, "n", server=server)
    console.start(console_conf([("n", {"url": "http://127.0.0.1:%d" % port})],
                               poll_interval="1", timeout="1", retry_max="1"))
    assert console.login("admin", console.admin_password())[0] == 200
    wait_for(lambda: console.log().count("node 'n' subscribed") == 1, 20, "subscribed")

    node.send(signal.SIGKILL)
    node.proc.wait(10)
    t0 = time.monotonic()
    wait_for(lambda: not console.nodes()["n"]["online"], 5, "offline")
    assert time.monotonic() - t0 < 1.5
    assert "cannot connect" in console.nodes()["n"]["error"]
    assert "node 'n': event stream lost" in console.log()
    node.start()
    wait_for(lambda: console.log().count("node 'n' subscribed") == 2, 20, "subscribed again")
    wait_for(lambda: svc(console)["statename"] == "RUNNING", 20, "RUNNING")

    node.send(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        err = wait_for(lambda: (lambda n: not n["online"] and n["error"])(console.nodes()["n"]),
                       10, "offline (stalled)")
        assert time.monotonic() - t0 < 2 + 1.5
        assert err == "event stream stalled: nothing for 2000 ms"
    finally:
        node.send(signal.SIGCONT)
    wait_for(lambda: console.log().count("node 'n' subscribed") == 3, 20, "subscribed again")
    assert console.nodes()["n"]["online"]


# -- a fake node: XML-RPC answers of one process, and a stream we choose --

def fake_info(now):
    return {"name": "svc", "group": "svc", "description": "pid 7, uptime 0:00:01", "start": now - 1,
            "stop": 0, "now": now, "state": 20, "statename": "RUNNING", "spawnerr": "",
            "exitstatus": 0, "logfile": "/l/out", "stdout_logfile": "/l/out",
            "stderr_logfile": "/l/err", "pid": 7}


class FakeNode(BaseHTTPRequestHandler):
    stream = b""  # what GET /api/v1/events sends after its headers

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        params, method = xmlrpc.client.loads(body)
        now = int(time.time())
        if method == "system.multicall":
            # Supervisor's multicall does not wrap results in arrays
            value = ["4.2.5", "fake", {"statecode": 1, "statename": "RUNNING"},
                     [fake_info(now)]]
        else:
            value = [fake_info(now)]
        out = xmlrpc.client.dumps((value,), methodresponse=True).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self.wfile.write(self.stream)
            self.wfile.flush()
            self.server.stop.wait(30)  # then hold the stream open
        except OSError:
            pass
        self.close_connection = True


def serve_fake(stream):
    handler = type("Fake", (FakeNode,), {"stream": stream})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.stop = threading.Event()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


HELLO = b'event: hello\ndata: {"token":"t","period_ms":2000}\n\n'
REC = (b'{"ns":"svc","group":"svc","name":"svc","state":%d,"statename":"%s","pid":%d,'
       b'"start":%d,"stop":%d,"exitstatus":%s,"expected":true,"spawnerr":"","restarts":0,'
       b'"stdout":true,"stderr":true}')


def test_events_bad_streams(console):
    """Garbage, or an event over the cap (4 MiB), takes the node offline
    with the reason; a good stream from the same fake node is applied,
    log paths kept from the connect poll."""
    now = int(time.time() * 1000)
    # a long period: this stream sends nothing more, and must not stall
    good = (HELLO.replace(b"2000", b"60000") + b'event: stats\ndata: {"usage":[]}\n\n' +
            b'event: snapshot\ndata: {"now":%d,"state":"RUNNING","processes":[%s]}\n\n'
            % (now, REC % (20, b"RUNNING", 7, now - 5000, 0, b"null")) +
            b'event: change\ndata: {"now":%d,"state":"RUNNING","processes":[%s]}\n\n'
            % (now, REC % (100, b"EXITED", 0, now - 5000, now, b"3")))
    garbage = HELLO + b"event: snapshot\ndata: {\"now\":1,\"processes\":[1]}\n\n"
    huge = HELLO + b"event: snapshot\ndata: " + b"x" * (4 << 20) + b"\n\n"
    srvs = [serve_fake(s) for s in (good, garbage, huge)]
    try:
        console.start(console_conf([("f%d" % i, {"url": "http://127.0.0.1:%d"
                                                 % s.server_address[1]})
                                    for i, s in enumerate(srvs)],
                                   poll_interval="30", timeout="5", retry_max="30"))
        assert console.login("admin", console.admin_password())[0] == 200
        def exited():
            procs = console.get("/api/v1/processes?node=f0")
            return procs and procs[0]["statename"] == "EXITED" and procs[0]
        got = wait_for(exited, 10, "the change applied")
        assert got["exitstatus"] == 3 and got["pid"] == 0 and got["stop"] == now // 1000
        assert (got["logfile"], got["stderr_logfile"]) == ("/l/out", "/l/err")
        assert got["description"] == time.strftime("%b %d %I:%M %p", time.localtime(now // 1000))
        assert console.nodes()["f0"]["online"]

        def offline(name):
            n = console.nodes()[name]
            return not n["online"] and n["error"]
        err = wait_for(lambda: offline("f1"), 10, "f1 offline")
        assert err == "event stream: bad 'snapshot' event: process 0 is not an object", err
        err = wait_for(lambda: offline("f2"), 10, "f2 offline")
        assert err == "event stream: event larger than 4194304 bytes", err
        assert console.nodes()["f0"]["online"]
    finally:
        for s in srvs:
            s.stop.set()
            s.shutdown()
            s.server_close()
