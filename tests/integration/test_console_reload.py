"""supervisor-console reloads its config on SIGHUP (doc/console.md,
"Reload"): nodes added, removed and changed; a kept node keeps its state;
an action and a bulk item in flight on a removed node end with 503 /
NODE_REMOVED; a bad config is logged and the running one kept. The nodes
are fake (test_console_tls.py run with --serve-node, plain HTTP, one of
them never answering startProcess), stopped by PID."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import wait_for
from test_console import Console

NODE = Path(__file__).resolve().parent / "test_console_tls.py"


@pytest.fixture
def fake_nodes():
    procs = []

    def start(hang_start=False):
        argv = [sys.executable, str(NODE), "--serve-node", "-", "-"]
        if hang_start:
            argv.append("--hang-start")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        procs.append(p)
        line = p.stdout.readline()
        assert line.strip().isdigit(), "the fake node did not start"
        return int(line)
    yield start
    for p in procs:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(10)


class ReloadConsole(Console):
    """test_console's Console, logged in as admin at start, able to reload."""

    def start(self, text):
        super().start(text)
        st, body = self.request("POST", "/api/v1/login",
                                {"username": "admin", "password": self.admin_password()})
        assert st == 200, body
        self.csrf = body["result"]["csrf_token"]
        return self

    def request(self, method, path, body=None):
        h = {"Content-Type": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf:
            h["X-CSRF-Token"] = self.csrf
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=json.dumps(body) if body is not None else (
            b"" if method == "POST" else None), headers=h)
        r = c.getresponse()
        data = json.loads(r.read())
        c.close()
        if r.getheader("Set-Cookie"):
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
        return r.status, data

    def nodes(self):
        st, body = self.request("GET", "/api/v1/nodes")
        assert st == 200, body
        return {n["name"]: n for n in body["result"]}

    def reload(self, text, expect):
        """Write text, SIGHUP, wait for the log line matching expect."""
        self.conf.write_text(text)
        before = self.log().count(expect)
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.log().count(expect) > before, 10, "log: " + expect)


@pytest.fixture
def console(tmp_path):
    c = ReloadConsole(tmp_path / "console")
    yield c
    c.stop()


def conf(nodes, audit_keep=100):
    text = ("[console]\nlisten = 127.0.0.1:0\npoll_interval = 0.3\ntimeout = 2\nretry_max = 1\n"
            "action_timeout = 30\naudit_keep = %d\n" % audit_keep)
    for name, port, env in nodes:
        text += "[node:%s]\nurl = http://127.0.0.1:%d\nenvironment = %s\n" % (name, port, env)
    return text


def test_console_reload(fake_nodes, console):
    hung, good = fake_nodes(hang_start=True), fake_nodes()
    console.start(conf([("a", hung, "prod"), ("b", good, "prod"), ("d", good, "prod")]))
    wait_for(lambda: all(n["online"] for n in console.nodes().values()), 20, "nodes online")
    seen_b = console.nodes()["b"]["last_seen"]

    # in flight on a: one action (its request waits) and one bulk item
    answer = {}

    def act():
        answer["r"] = console.request("POST", "/api/v1/nodes/a/processes/g0:g0_00/start")
    t = threading.Thread(target=act)
    t.start()
    st, body = console.request("POST", "/api/v1/actions", {
        "action": "start", "targets": [{"node": "a", "name": "g0:g0_01"},
                                       {"node": "b", "name": "g0:g0_02"}]})
    assert st == 202, body
    job = body["result"]["id"]
    wait_for(lambda: console.request("GET", "/api/v1/jobs/%d" % job)[1]["result"]["items"][1]
             ["state"] == "ok", 10, "b's item done")
    assert console.request("GET", "/api/v1/jobs/%d" % job)[1]["result"]["items"][0]["state"] \
        == "running"
    assert "r" not in answer

    # a bad config: logged, the running one kept
    console.reload("[console]\npoll_interval = -1\n", "keeping the running config")
    assert "console.conf:2: poll_interval" in console.log()
    assert set(console.nodes()) == {"a", "b", "d"}
    assert "r" not in answer

    # a removed, b's environment changed, c new, d's url changed
    other = fake_nodes()
    console.reload(conf([("b", good, "staging"), ("c", good, "qa"), ("d", other, "prod")]),
                   "reload: 3 nodes")
    t.join(10)
    st, body = answer["r"]
    assert st == 503 and body["error"]["name"] == "NODE_REMOVED", body
    j = console.request("GET", "/api/v1/jobs/%d" % job)[1]["result"]
    assert j["state"] == "failed" and j["items"][0]["state"] == "error", j
    assert j["items"][0]["error"]["name"] == "NODE_REMOVED" and j["items"][1]["state"] == "ok"
    log = console.log()
    assert "reload: node 'a' removed" in log and "reload: node 'd' changed" in log
    assert "reload: 3 nodes (1 new, 1 changed, 1 removed)" in log

    nodes = console.nodes()
    assert set(nodes) == {"b", "c", "d"}
    assert nodes["b"]["environment"] == "staging" and nodes["b"]["online"]
    assert nodes["b"]["last_seen"] >= seen_b  # kept: never "not contacted yet"
    assert nodes["d"]["url"] == "http://127.0.0.1:%d" % other
    wait_for(lambda: all(n["online"] for n in console.nodes().values()), 20,
             "the new nodes online")
    st, body = console.request("GET", "/api/v1/processes?environment=staging")
    assert st == 200 and {p["node"] for p in body["result"]} == {"b"}
    # the removed node is gone from the routes
    st, body = console.request("POST", "/api/v1/nodes/a/processes/g0:g0_00/start")
    assert st == 404, body
    # and the activity log says what happened to its action
    st, body = console.request("GET", "/api/v1/audit?node=a")
    assert "NODE_REMOVED" in {r["result"] for r in body["result"]}, body
