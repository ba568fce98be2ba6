"""The JSON API under /api/v1/ (doc/api.md) of our supervisord, through a
real HTTP client (http.client) on 127.0.0.1: every route, the faults of the
XML-RPC methods behind them as JSON errors (same codes and texts, checked
against what XML-RPC answers for the same call), POST-only actions, auth.
C only: Supervisor 4.2.5 has no JSON API."""

import base64
import http.client
import json
import socket
import xmlrpc.client

import pytest

from conftest import SUPERVISORD_SECTION, free_port, listening, wait_for

CONF = SUPERVISORD_SECTION + """
[inet_http_server]
port=127.0.0.1:{port}
{auth}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:sleepy]
command={helpers}/sleeper 1000
startsecs=0
stdout_logfile={tmp}/sleepy.out
stderr_logfile={tmp}/sleepy.err

[program:nofile]
command=/nonexistent/binary
autostart=false
startretries=0

[program:quick]
command=/bin/sh -c "exit 3"
autostart=false
startsecs=1
startretries=0

[group:grp]
programs=a,b

[program:a]
command={helpers}/sleeper 1000
startsecs=0
[program:b]
command={helpers}/sleeper 1000
startsecs=0
autostart=false
"""


class Api:
    def __init__(self, port, creds=None):
        self.port = port
        self.creds = creds

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.creds:
            h["Authorization"] = "Basic " + base64.b64encode(self.creds.encode()).decode()
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        ctype = r.getheader("Content-Type")
        return r.status, (json.loads(data) if ctype == "application/json" else data), r

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else b"")


@pytest.fixture
def env(c_daemons):
    d = c_daemons()
    port = free_port()
    d.start(CONF.replace("{port}", str(port)).replace("{auth}", ""))
    wait_for(lambda: listening(port), 10, "daemon listening")
    rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
    wait_for(lambda: rpc.supervisor.getProcessInfo("sleepy")["statename"] == "RUNNING", 10,
             "sleepy RUNNING")
    return d, Api(port), rpc


def fault_of(fn, *args):
    with pytest.raises(xmlrpc.client.Fault) as ei:
        fn(*args)
    return ei.value.faultCode, ei.value.faultString


def check_error(resp, status, rpc_fault):
    st, body, _ = resp
    assert st == status, body
    code, text = rpc_fault
    assert body["error"]["code"] == code
    assert body["error"]["message"] == text
    assert body["error"]["name"] == text.split(":")[0]


def test_info_and_reads(env):
    d, api, rpc = env
    st, body, r = api.get("/api/v1/")
    assert st == 200 and r.getheader("Content-Type") == "application/json"
    info = body["result"]
    assert info["supervisor_version"] == "4.2.5"
    assert info["api_version"] == rpc.supervisor.getAPIVersion()
    assert info["identification"] == "itest"
    assert info["state"] == {"statecode": 1, "statename": "RUNNING"}
    assert info["pid"] == d.pid
    assert api.get("/api/v1/info")[1] == body

    st, body, _ = api.get("/api/v1/processes")
    assert st == 200
    assert [(p["group"], p["name"]) for p in body["result"]] == \
        [(p["group"], p["name"]) for p in rpc.supervisor.getAllProcessInfo()]

    st, body, _ = api.get("/api/v1/processes/grp:a")
    assert st == 200 and body["result"]["name"] == "a" and body["result"]["statename"] == "RUNNING"
    st, body, _ = api.get("/api/v1/processes/grp%3Aa")
    assert st == 200 and body["result"]["group"] == "grp"

    st, body, _ = api.get("/api/v1/groups")
    groups = {g["name"]: [p["name"] for p in g["processes"]] for g in body["result"]}
    assert groups["grp"] == ["a", "b"] and groups["sleepy"] == ["sleepy"]
    st, body, _ = api.get("/api/v1/groups/grp")
    assert st == 200 and [p["name"] for p in body["result"]["processes"]] == ["a", "b"]

    st, body, _ = api.get("/api/v1/config")
    assert st == 200
    assert {c["name"] for c in body["result"]} == \
        {c["name"] for c in rpc.supervisor.getAllConfigInfo()}

    st, body, _ = api.get("/api/v1/reload")
    assert st == 200 and body["result"] == {"added": [], "changed": [], "removed": []}
    d.write_config(d.conf.read_text() + "\n[program:extra]\ncommand=/bin/true\n")
    st, body, _ = api.get("/api/v1/reload")
    assert body["result"] == {"added": ["extra"], "changed": [], "removed": []}
    # a preview: nothing was added
    assert "extra" not in [p["name"] for p in rpc.supervisor.getAllProcessInfo()]


def test_faults_match_xmlrpc(env):
    d, api, rpc = env
    check_error(api.get("/api/v1/processes/nosuch"), 404,
                fault_of(rpc.supervisor.getProcessInfo, "nosuch"))
    st, body, _ = api.get("/api/v1/groups/nosuch")
    assert st == 404 and body["error"] == {"code": 10, "name": "BAD_NAME",
                                           "message": "BAD_NAME: nosuch"}
    check_error(api.post("/api/v1/processes/sleepy/start"), 409,
                fault_of(rpc.supervisor.startProcess, "sleepy"))
    check_error(api.post("/api/v1/processes/grp:b/stop"), 409,
                fault_of(rpc.supervisor.stopProcess, "grp:b"))
    check_error(api.post("/api/v1/processes/nosuch/stop"), 404,
                fault_of(rpc.supervisor.stopProcess, "nosuch"))
    check_error(api.post("/api/v1/processes/nofile/start"), 404,
                fault_of(rpc.supervisor.startProcess, "nofile"))
    check_error(api.post("/api/v1/processes/sleepy/signal", {"signal": "NOPE"}), 400,
                fault_of(rpc.supervisor.signalProcess, "sleepy", "NOPE"))
    check_error(api.post("/api/v1/groups/nosuch/start"), 404,
                fault_of(rpc.supervisor.startProcessGroup, "nosuch"))
    # a start that exits too quickly: SPAWN_ERROR (422), as startProcess says
    st, body, _ = api.post("/api/v1/processes/quick/start")
    assert st == 422 and body["error"] == {"code": 50, "name": "SPAWN_ERROR",
                                           "message": "SPAWN_ERROR: quick"}
    check_error(api.post("/api/v1/processes/quick/start"), 422,
                fault_of(rpc.supervisor.startProcess, "quick"))
    # logs
    check_error(api.get("/api/v1/processes/nosuch/log/stdout"), 404,
                fault_of(rpc.supervisor.readProcessStdoutLog, "nosuch", 0, 10))
    check_error(api.get("/api/v1/processes/sleepy/log/stdout?offset=5&length=-1"), 400,
                fault_of(rpc.supervisor.readProcessStdoutLog, "sleepy", 5, -1))


def test_http_errors(env):
    d, api, rpc = env
    st, body, r = api.post("/api/v1/processes")
    assert st == 405 and body["error"]["name"] == "METHOD_NOT_ALLOWED"
    assert r.getheader("Allow") == "GET, HEAD"
    st, body, r = api.get("/api/v1/processes/sleepy/stop")
    assert st == 405 and r.getheader("Allow") == "POST"
    assert rpc.supervisor.getProcessInfo("sleepy")["statename"] == "RUNNING"
    st, body, _ = api.get("/api/v1/nosuch")
    assert st == 404 and body["error"] == {"code": 0, "name": "NOT_FOUND",
                                           "message": "no such resource: /api/v1/nosuch"}
    assert api.get("/api/v2/processes")[0] == 404
    assert api.post("/api/v1/processes/sleepy/explode")[0] == 404
    assert api.post("/api/v1/groups/grp/clearlog")[0] == 404
    st, body, _ = api.post("/api/v1/processes/sleepy/stop", b"{not json")
    assert st == 400 and body["error"]["code"] == 2
    st, body, _ = api.post("/api/v1/processes/sleepy/stop?wait=maybe")
    assert st == 400 and "wait" in body["error"]["message"]
    st, body, _ = api.get("/api/v1/processes/sleepy/log/stdout?offset=x")
    assert st == 400 and "offset" in body["error"]["message"]
    st, body, _ = api.post("/api/v1/processes/sleepy/signal")
    assert st == 400 and body["error"]["name"] == "BAD_SIGNAL"
    assert rpc.supervisor.getProcessInfo("sleepy")["statename"] == "RUNNING"


def test_actions(env):
    d, api, rpc = env
    pid = rpc.supervisor.getProcessInfo("sleepy")["pid"]
    st, body, _ = api.post("/api/v1/processes/sleepy/stop")
    assert (st, body) == (200, {"result": True})
    assert rpc.supervisor.getProcessInfo("sleepy")["statename"] == "STOPPED"
    st, body, _ = api.post("/api/v1/processes/sleepy/start")
    assert (st, body) == (200, {"result": True})
    info = rpc.supervisor.getProcessInfo("sleepy")
    assert info["statename"] == "RUNNING" and info["pid"] != pid
    pid = info["pid"]
    st, body, _ = api.post("/api/v1/processes/sleepy/restart")
    assert (st, body) == (200, {"result": True})
    assert rpc.supervisor.getProcessInfo("sleepy")["pid"] not in (0, pid)
    # restart of a stopped process starts it
    st, body, _ = api.post("/api/v1/processes/grp:b/restart")
    assert (st, body) == (200, {"result": True})
    assert rpc.supervisor.getProcessInfo("grp:b")["statename"] == "RUNNING"
    # wait=false answers at once
    st, body, _ = api.post("/api/v1/processes/grp:b/stop", {"wait": False})
    assert (st, body) == (200, {"result": True})
    wait_for(lambda: rpc.supervisor.getProcessInfo("grp:b")["statename"] == "STOPPED", 10,
             "b STOPPED")
    # signal by name (query) and number (JSON)
    st, body, _ = api.post("/api/v1/processes/sleepy/signal?signal=CONT")
    assert (st, body) == (200, {"result": True})
    st, body, _ = api.post("/api/v1/processes/sleepy/signal", {"signal": 18})
    assert (st, body) == (200, {"result": True})
    # groups
    st, body, _ = api.post("/api/v1/groups/grp/stop")
    assert st == 200 and sorted(r["name"] for r in body["result"]) == ["a"]
    assert body["result"][0]["description"] == "OK"
    st, body, _ = api.post("/api/v1/groups/grp/start")
    assert st == 200 and sorted(r["name"] for r in body["result"]) == ["a", "b"]
    st, body, _ = api.post("/api/v1/groups/grp/signal", {"signal": "CONT"})
    assert st == 200 and len(body["result"]) == 2
    st, body, _ = api.post("/api/v1/groups/grp/restart")
    assert st == 200 and sorted(r["name"] for r in body["result"]["stopped"]) == ["a", "b"]
    assert sorted(r["name"] for r in body["result"]["started"]) == ["a", "b"]
    # all
    st, body, _ = api.post("/api/v1/all/stop")
    assert st == 200 and {r["name"] for r in body["result"]} == {"a", "b", "sleepy"}
    assert all(p["statename"] in ("STOPPED", "EXITED", "FATAL")
               for p in rpc.supervisor.getAllProcessInfo())
    st, body, _ = api.post("/api/v1/all/start")
    assert st == 200 and {"a", "b", "sleepy"} <= {r["name"] for r in body["result"]}
    st, body, _ = api.post("/api/v1/all/restart")
    assert st == 200 and {"a", "b", "sleepy"} <= {r["name"] for r in body["result"]["stopped"]}
    st, body, _ = api.post("/api/v1/all/signal", {"signal": "CONT"})
    assert st == 200
    st, body, _ = api.post("/api/v1/all/clearlog")
    assert st == 200


def test_logs(env):
    d, api, rpc = env
    out = d.dir / "sleepy.out"
    # the child's own line first, so nothing lands after what we append
    wait_for(lambda: out.exists() and b" up\n" in out.read_bytes(), 10, "sleeper's line")
    # the log is the daemon's file: append to it as the child would
    base = out.stat().st_size
    with open(out, "ab") as f:
        f.write(b"hello \xff world\n" + b"x" * 2000 + b"\nend\n")
    st, body, _ = api.get("/api/v1/processes/sleepy/log/stdout?offset=%d&length=15" % base)
    # invalid UTF-8 in the range: XML-RPC's HTTP 500 becomes a FAILED error
    assert st == 500 and body["error"]["code"] == 30, body
    assert "UnicodeDecodeError" in body["error"]["message"]
    st, body, _ = api.get("/api/v1/processes/sleepy/log/stdout?offset=%d&length=6" % base)
    assert (st, body) == (200, {"result": "hello "})
    st, body, _ = api.get("/api/v1/processes/sleepy/log/stdout")  # last 1024 bytes
    assert st == 200 and len(body["result"]) == 1024 and body["result"].endswith("\nend\n")
    st, body, _ = api.get("/api/v1/processes/sleepy/log/stdout/tail?offset=0&length=100")
    assert st == 200
    res = body["result"]
    assert res["offset"] == out.stat().st_size and res["overflow"] is True
    assert res["data"].endswith("end\n") and len(res["data"]) == 100
    assert api.get("/api/v1/processes/sleepy/log/stderr")[0] == 200
    assert api.get("/api/v1/processes/sleepy/log/other")[0] == 404
    st, body, _ = api.get("/api/v1/log?offset=0&length=0")
    assert st == 200 and "supervisord started with pid" in body["result"]
    st, body, _ = api.post("/api/v1/processes/sleepy/clearlog")
    assert (st, body) == (200, {"result": True})
    assert out.stat().st_size == 0


def test_auth(c_daemons):
    d = c_daemons()
    port = free_port()
    d.start(CONF.replace("{port}", str(port)).replace("{auth}", "username=u\npassword=p\n"))
    wait_for(lambda: listening(port), 10, "daemon listening")
    assert Api(port).get("/api/v1/processes")[0] == 401
    assert Api(port, "u:x").post("/api/v1/all/stop")[0] == 401
    st, body, _ = Api(port, "u:p").get("/api/v1/processes")
    assert st == 200 and len(body["result"]) == 5


SLOW_CONF = SUPERVISORD_SECTION + """
[inet_http_server]
port=127.0.0.1:{port}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:slow]
command={helpers}/sleeper 1000
autostart=false
startsecs=2
"""


def send_raw(port, text):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(text.encode())
    return s


def test_waiting_request_client_gone_and_shutdown(c_daemons):
    d = c_daemons()
    port = free_port()
    d.start(SLOW_CONF.replace("{port}", str(port)))
    wait_for(lambda: listening(port), 10, "daemon listening")
    api = Api(port)
    req = "POST /api/v1/processes/slow/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
    s = send_raw(port, req)
    wait_for(lambda: api.get("/api/v1/processes/slow")[1]["result"]["statename"] == "STARTING",
             10, "slow STARTING")
    s.close()  # gone while its start waits
    wait_for(lambda: api.get("/api/v1/processes/slow")[1]["result"]["statename"] == "RUNNING",
             10, "slow RUNNING")
    # a waiting request when the daemon exits: its connection is closed
    api.post("/api/v1/processes/slow/stop")
    s = send_raw(port, req)
    wait_for(lambda: api.get("/api/v1/processes/slow")[1]["result"]["statename"] == "STARTING",
             10, "slow STARTING again")
    assert d.stop() == 0
    s.settimeout(10)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert b"HTTP/1.1 200" not in data
