"""supervisor-console (doc/console.md): bulk actions as jobs (a selection,
an environment, a group across nodes, rolling restarts that go one at a
time and stop at the first failure, cancel), log ranges, users through the
API (the last-admin rule, sessions ended on a change, a user's own password),
login throttling, the password hasher off the event loop, and the pruned
activity log. Real nodes on loopback: our supervisord and Python's."""

import http.client
import json
import os
import re
import socket
import threading
import time

import pytest

from conftest import wait_for
from test_console import (SECRET, UNIX, console, console_conf, node_conf,  # noqa: F401
                          program, unix_rpc)

ADMIN_PW = "admin-pw-" + SECRET


class Client:
    """One logged-in user of the console: its own cookie and CSRF token."""

    def __init__(self, console, user=None, password=None):
        self.port = console.port
        self.cookie = None
        self.csrf = None
        if user:
            st, body = self.login(user, password)
            assert st == 200, body

    def raw(self, method, path, body=None, headers=None):
        h = {"Content-Type": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = json.dumps(body) if body is not None else (b"" if method != "GET" else None)
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        c.close()
        assert r.getheader("Content-Type") == "application/json", text
        assert SECRET.encode() not in text
        return r.status, json.loads(text), r

    def req(self, method, path, body=None):
        st, js, _ = self.raw(method, path, body)
        return st, js

    def get(self, path):
        st, js = self.req("GET", path)
        assert st == 200, (path, js)
        return js["result"]

    def login(self, user, password):
        st, js, r = self.raw("POST", "/api/v1/login", {"username": user, "password": password})
        if st == 200:
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
            self.csrf = js["result"]["csrf_token"]
        return st, js

    def act(self, body):
        st, js = self.req("POST", "/api/v1/actions", body)
        return st, js

    def job(self, jid):
        return self.get("/api/v1/jobs/%d" % jid)

    def wait_job(self, jid, timeout=30):
        return wait_for(lambda: (lambda j: j["state"] != "running" and j)(self.job(jid)),
                        timeout, "job %d finished" % jid)


def start_console(console, nodes, users=(), **opts):
    text = console_conf(nodes, **opts)
    console.conf.write_text(text)
    console.set_user("admin", "admin", ADMIN_PW)
    for name, role, envs in users:
        console.set_user(name, role, "pw-%s-%s" % (name, SECRET), envs)
    console.start(text)
    return Client(console, "admin", ADMIN_PW)


def audit(admin, **filters):
    q = "&".join("%s=%s" % kv for kv in filters.items())
    rows = admin.get("/api/v1/audit?limit=10000&" + q)
    return [(r["user"], r["action"], r["node"], r["process"], r["result"]) for r in rows]


def rpc_states(rpc):
    return {"%s:%s" % (p["group"], p["name"]): p for p in rpc.supervisor.getAllProcessInfo()}


def sock_ready(d):
    wait_for(lambda: (d.dir / "s.sock").exists(), 20, "%s socket" % d.impl)


# --------------------------------------------------------------------------

def test_console_bulk_actions(c_daemons, console):
    c1 = c_daemons("c1")
    c1.start(node_conf(UNIX, program("web", 2)))
    c2 = c_daemons("c2")
    c2.start(node_conf(UNIX, program("svc")))
    py = c_daemons("py", which="python")
    py.start(node_conf(UNIX, program("web", 2)))
    for d in (c1, c2, py):
        sock_ready(d)
    admin = start_console(console, [
        ("c1", {"url": "unix://%s/s.sock" % c1.dir, "environment": "prod"}),
        ("c2", {"url": "unix://%s/s.sock" % c2.dir, "environment": "staging"}),
        ("py", {"url": "unix://%s/s.sock" % py.dir, "environment": "prod"}),
    ])
    rpcs = {"c1": unix_rpc(c1.dir / "s.sock"), "c2": unix_rpc(c2.dir / "s.sock"),
            "py": unix_rpc(py.dir / "s.sock")}
    wait_for(lambda: len([p for p in admin.get("/api/v1/processes")
                          if p["statename"] == "RUNNING"]) == 5, 20, "5 processes RUNNING")

    # a selection: exactly those two, on two nodes
    st, js = admin.act({"action": "stop", "targets": [{"node": "c1", "name": "web:web_0"},
                                                      {"node": "py", "name": "web:web_1"}]})
    assert st == 202, js
    job = js["result"]
    assert job["action"] == "stop" and job["user"] == "admin" and job["rolling"] is None
    assert job["total"] == 2 and [(i["node"], i["name"]) for i in job["items"]] == \
        [("c1", "web:web_0"), ("py", "web:web_1")]
    job = admin.wait_job(job["id"])
    assert (job["state"], job["ok"], job["failed"]) == ("done", 2, 0), job
    assert isinstance(job["finished"], float) and job["finished"] >= job["created"]
    assert all(i["state"] == "ok" and i["error"] is None for i in job["items"])
    states = {n: {k: p["statename"] for k, p in rpc_states(r).items()} for n, r in rpcs.items()}
    assert states == {"c1": {"web:web_0": "STOPPED", "web:web_1": "RUNNING"},
                      "c2": {"svc:svc": "RUNNING"},
                      "py": {"web:web_0": "RUNNING", "web:web_1": "STOPPED"}}

    # a group across two nodes: each process of group web, on c1 and py;
    # the two running ones answer ALREADY_STARTED
    st, js = admin.act({"action": "start", "group": "web"})
    assert st == 202 and js["result"]["total"] == 4, js
    job = admin.wait_job(js["result"]["id"])
    assert (job["state"], job["ok"], job["failed"]) == ("failed", 2, 2), job
    errs = {(i["node"], i["name"]): i["error"] for i in job["items"]}
    assert errs[("c1", "web:web_0")] is None and errs[("py", "web:web_1")] is None
    for key in (("c1", "web:web_1"), ("py", "web:web_0")):
        assert errs[key]["code"] == 60 and errs[key]["name"] == "ALREADY_STARTED", errs
    pids = {n: {k: p["pid"] for k, p in rpc_states(r).items()} for n, r in rpcs.items()}
    st, js = admin.act({"action": "restart", "group": "web"})
    job = admin.wait_job(js["result"]["id"])
    assert (job["state"], job["ok"]) == ("done", 4), job
    after = {n: {k: p for k, p in rpc_states(r).items()} for n, r in rpcs.items()}
    for n in ("c1", "py"):
        for k in ("web:web_0", "web:web_1"):
            assert after[n][k]["statename"] == "RUNNING" and after[n][k]["pid"] != pids[n][k]
    assert after["c2"]["svc:svc"]["pid"] == pids["c2"]["svc:svc"]

    # a whole environment; filters combine (environment + state)
    st, js = admin.act({"action": "stop", "environment": "staging"})
    job = admin.wait_job(js["result"]["id"])
    assert [(i["node"], i["name"], i["state"]) for i in job["items"]] == \
        [("c2", "svc:svc", "ok")]
    assert rpcs["c2"].supervisor.getProcessInfo("svc")["statename"] == "STOPPED"
    assert all(p["statename"] == "RUNNING" for p in rpcs["py"].supervisor.getAllProcessInfo())
    wait_for(lambda: admin.get("/api/v1/processes?node=c2")[0]["statename"] == "STOPPED", 10,
             "c2 polled")
    st, js = admin.act({"action": "start", "environment": "staging", "state": "stopped,exited"})
    job = admin.wait_job(js["result"]["id"])
    assert (job["state"], job["total"]) == ("done", 1), job
    assert rpcs["c2"].supervisor.getProcessInfo("svc")["statename"] == "RUNNING"
    # a filter that matches nothing: an empty job, done at once
    st, js = admin.act({"action": "stop", "name": "nothing-*"})
    assert st == 202 and (js["result"]["state"], js["result"]["total"]) == ("done", 0), js

    # the jobs, newest first
    ids = [j["id"] for j in admin.get("/api/v1/jobs")]
    assert len(ids) == 6 and ids == sorted(ids, reverse=True)
    assert admin.req("GET", "/api/v1/jobs/999")[0] == 404
    assert admin.req("GET", "/api/v1/jobs/x1")[0] == 404
    assert admin.req("POST", "/api/v1/jobs")[0] == 405
    # finished: nothing to cancel
    st, js = admin.req("POST", "/api/v1/jobs/%d/cancel" % ids[0])
    assert st == 409 and js["error"]["name"] == "JOB_FINISHED"

    # bad requests: nothing is done
    for body, msg in [({"action": "stop"}, "at least one filter"),
                      ({}, "\"action\" is required"),
                      ({"action": "kill", "all": True}, "\"action\" must be"),
                      ({"action": "stop", "enviroment": "prod"}, "unknown key"),
                      ({"action": "stop", "all": True, "rolling": 1}, "restart only"),
                      ({"action": "restart", "all": True, "rolling": 0}, "\"rolling\""),
                      ({"action": "stop", "targets": []}, "\"targets\""),
                      ({"action": "stop", "targets": [{"node": "c1"}]}, "each target"),
                      ({"action": "stop", "node": "c1", "targets": [
                          {"node": "c1", "name": "web:web_0"}]}, "not both")]:
        st, js = admin.act(body)
        assert st == 400 and msg in js["error"]["message"], (body, js)
    st, js = admin.act({"action": "stop", "targets": [{"node": "zz", "name": "x"}]})
    assert st == 404 and "zz" in js["error"]["message"]
    assert len(admin.get("/api/v1/jobs")) == 6
    assert all(p["statename"] == "RUNNING" for p in admin.get("/api/v1/processes"))

    # every target's outcome is in the activity log
    rows = audit(admin, user="admin")
    for want in [("admin", "stop", "c1", "web:web_0", "ok"),
                 ("admin", "start", "py", "web:web_0", "ALREADY_STARTED"),
                 ("admin", "restart", "py", "web:web_1", "ok"),
                 ("admin", "stop", "c2", "svc:svc", "ok")]:
        assert want in rows, (want, rows)

    # log ranges: readProcess*Log from the start of the file, both kinds of node
    for node, ns in (("c1", "web:web_0"), ("py", "web:web_1")):
        base = "/api/v1/nodes/%s/processes/%s/log/stdout" % (node, ns)
        pid = rpcs[node].supervisor.getProcessInfo(ns)["pid"]
        tail = wait_for(lambda: (lambda t: "sleeper %d up" % pid in t["data"] and t)(
            admin.get(base + "?length=4096")), 10, "the log of %s" % ns)
        size = tail["offset"]
        whole = admin.get(base + "/range?offset=0&length=%d" % size)
        assert whole == {"data": whole["data"], "offset": 0, "length": size}
        assert whole["data"].startswith("sleeper ") and len(whole["data"]) == size
        part = admin.get(base + "/range?offset=3&length=5")
        assert part == {"data": whole["data"][3:8], "offset": 3, "length": 5}
        # past the end: nothing (Python's readFile), not an error
        assert admin.get(base + "/range?offset=%d&length=10" % (size + 100)) == \
            {"data": "", "offset": size + 100, "length": 0}
        for q in ("", "?offset=0", "?offset=-1&length=5", "?offset=0&length=0",
                  "?offset=0&length=1048577", "?offset=x&length=1"):
            st, js = admin.req("GET", base + "/range" + q)
            assert st == 400 and js["error"]["name"] == "INCORRECT_PARAMETERS", (q, js)
        st, js = admin.req("GET", "/api/v1/nodes/%s/processes/nope/log/stderr/range"
                                  "?offset=0&length=1" % node)
        assert st == 404 and js["error"]["name"] == "BAD_NAME", js
    assert admin.req("GET", "/api/v1/nodes/c1/processes/web:web_0/log/stdout/other")[0] == 404
    assert admin.req("POST", "/api/v1/nodes/c1/processes/web:web_0/log/stdout/range"
                             "?offset=0&length=1")[0] == 405


def test_console_rolling(c_daemons, console):
    node = c_daemons("n")
    roll = ("[program:roll]\ncommand={helpers}/sleeper 1000\nstartsecs=1\nstopwaitsecs=5\n"
            "numprocs=4\nprocess_name=%(program_name)s_%(process_num)d\n")
    bad = ("[program:bad]\ncommand={helpers}/exiter 3\nautostart=false\nstartsecs=1\n"
           "startretries=0\n")
    node.start(node_conf(UNIX, roll + bad))
    sock_ready(node)
    admin = start_console(console, [("n", {"url": "unix://%s/s.sock" % node.dir})],
                          users=[("olga", "operator", None)], action_timeout="10")
    rpc = unix_rpc(node.dir / "s.sock")
    names = ["roll:roll_%d" % i for i in range(4)]
    wait_for(lambda: all(rpc_states(rpc)[n]["statename"] == "RUNNING" for n in names), 20,
             "roll RUNNING")
    wait_for(lambda: len(admin.get("/api/v1/processes?state=running")) == 4, 20, "polled")
    before = {n: rpc_states(rpc)[n]["pid"] for n in names}

    # one at a time: never two STARTING, each begins once the one before is
    # RUNNING (startsecs=1 apart at least)
    st, js = admin.act({"action": "restart", "group": "roll", "rolling": 1})
    assert st == 202 and js["result"]["rolling"] == 1, js
    jid = js["result"]["id"]
    assert [i["state"] for i in js["result"]["items"]] == \
        ["running", "pending", "pending", "pending"]
    most_starting = most_running_items = 0
    while True:
        starting = [n for n, p in rpc_states(rpc).items() if p["statename"] == "STARTING"]
        most_starting = max(most_starting, len(starting))
        job = admin.job(jid)
        most_running_items = max(most_running_items,
                                 sum(i["state"] == "running" for i in job["items"]))
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert (job["state"], job["ok"], job["failed"]) == ("done", 4, 0), job
    assert most_starting == 1 and most_running_items == 1
    info = rpc_states(rpc)
    starts = [info[n]["start"] for n in names]
    assert all(b >= a + 1 for a, b in zip(starts, starts[1:])), starts
    assert all(info[n]["pid"] != before[n] and info[n]["statename"] == "RUNNING" for n in names)

    # the first failure stops it: the rest are skipped, untouched
    pids = {n: info[n]["pid"] for n in names}
    targets = [{"node": "n", "name": n} for n in ("roll:roll_0", "bad:bad", "roll:roll_1",
                                                  "roll:roll_2")]
    st, js = admin.act({"action": "restart", "targets": targets, "rolling": 1})
    job = admin.wait_job(js["result"]["id"])
    assert job["state"] == "failed" and (job["ok"], job["failed"]) == (1, 1), job
    assert [i["state"] for i in job["items"]] == ["ok", "error", "skipped", "skipped"]
    assert job["items"][1]["error"]["name"] in ("SPAWN_ERROR", "ABNORMAL_TERMINATION"), job
    info = rpc_states(rpc)
    assert info["roll:roll_0"]["pid"] != pids["roll:roll_0"]
    assert [info[n]["pid"] for n in ("roll:roll_1", "roll:roll_2", "roll:roll_3")] == \
        [pids[n] for n in ("roll:roll_1", "roll:roll_2", "roll:roll_3")]
    rows = audit(admin, user="admin", node="n")
    assert ("admin", "restart", "n", "roll:roll_1", "skipped") in rows
    assert ("admin", "restart", "n", "bad:bad", job["items"][1]["error"]["name"]) in rows

    # cancel: the pending ones never run; another operator may not cancel
    pids = {n: p["pid"] for n, p in rpc_states(rpc).items() if n in names}
    st, js = admin.act({"action": "restart", "group": "roll", "rolling": 1})
    jid = js["result"]["id"]
    olga = Client(console, "olga", "pw-olga-" + SECRET)
    st, js = olga.req("POST", "/api/v1/jobs/%d/cancel" % jid)
    assert st == 403 and js["error"]["name"] == "FORBIDDEN"
    st, js = admin.req("POST", "/api/v1/jobs/%d/cancel" % jid)
    assert st == 200 and js["result"]["state"] == "cancelled", js
    job = js["result"]
    assert isinstance(job["finished"], float)
    assert [i["state"] for i in job["items"]][1:] == ["cancelled"] * 3, job
    assert job["items"][0]["state"] in ("ok", "cancelled")
    assert admin.req("POST", "/api/v1/jobs/%d/cancel" % jid)[0] == 409
    # an operator cancels their own job
    st, js = olga.act({"action": "restart", "targets": [{"node": "n", "name": n}
                                                         for n in names[2:]], "rolling": 1})
    st, js = olga.req("POST", "/api/v1/jobs/%d/cancel" % js["result"]["id"])
    assert st == 200 and js["result"]["items"][1]["state"] == "cancelled", js
    # the calls cancelled in flight end on their node one way or another
    # (a restart may stop halfway); the items cancelled before they started
    # were never touched
    wait_for(lambda: all(p["statename"] in ("RUNNING", "STOPPED")
                         for p in rpc_states(rpc).values() if p["group"] == "roll"), 15,
             "roll settled")
    info = rpc_states(rpc)
    for n in ("roll:roll_1", "roll:roll_3"):
        assert (info[n]["statename"], info[n]["pid"]) == ("RUNNING", pids[n])
    rows = audit(admin)
    assert ("admin", "cancel", None, "job %d" % jid, "ok") in rows
    assert ("olga", "cancel", None, "job %d" % jid, "refused") in rows
    assert ("admin", "restart", "n", "roll:roll_3", "cancelled") in rows


def test_console_roles_new_routes(c_daemons, console, tmp_path):
    node = c_daemons("n")
    node.start(node_conf(UNIX, program("svc")))
    sock_ready(node)
    admin = start_console(console, [
        ("prod1", {"url": "unix://%s/s.sock" % node.dir, "environment": "prod"}),
        ("stage1", {"url": "unix://%s/none.sock" % tmp_path, "environment": "staging"}),
    ], users=[("vera", "viewer", None), ("otto", "operator", "staging"),
              ("vic", "viewer", "staging")])
    wait_for(lambda: admin.get("/api/v1/processes?node=prod1"), 20, "prod1 polled")
    rpc = unix_rpc(node.dir / "s.sock")
    pid = rpc.supervisor.getProcessInfo("svc")["pid"]
    st, js = admin.act({"action": "restart", "node": "prod1"})
    prod_job = admin.wait_job(js["result"]["id"])
    assert prod_job["state"] == "done"
    pid = rpc.supervisor.getProcessInfo("svc")["pid"]

    # a viewer reads jobs and log ranges, and is refused (and logged) on
    # every route that acts or manages users
    vera = Client(console, "vera", "pw-vera-" + SECRET)
    assert [j["id"] for j in vera.get("/api/v1/jobs")] == [prod_job["id"]]
    assert vera.job(prod_job["id"])["state"] == "done"
    assert "data" in vera.get("/api/v1/nodes/prod1/processes/svc/log/stdout/range"
                              "?offset=0&length=10")
    refused = [("POST", "/api/v1/actions", {"action": "stop", "all": True}, "stop"),
               ("POST", "/api/v1/jobs/%d/cancel" % prod_job["id"], None, "cancel"),
               ("GET", "/api/v1/users", None, "users"),
               ("POST", "/api/v1/users", {"username": "x", "password": "12345678",
                                          "role": "admin"}, "user_add"),
               ("POST", "/api/v1/users/vera", {"role": "admin"}, "user_change"),
               ("DELETE", "/api/v1/users/admin", None, "user_delete")]
    for method, path, body, _ in refused:
        st, js = vera.req(method, path, body)
        assert st == 403 and js["error"]["name"] == "FORBIDDEN", (path, js)
    rows = audit(admin, user="vera")
    for _, _, _, action in refused:
        assert any(r[1] == action and r[4] == "refused" for r in rows), (action, rows)
    assert rpc.supervisor.getProcessInfo("svc")["pid"] == pid
    assert [u["username"] for u in admin.get("/api/v1/users")] == \
        ["admin", "otto", "vera", "vic"]

    # an operator limited to staging: a target or filter outside it refuses
    # the whole request (logged), nothing done; "all" means all of theirs
    otto = Client(console, "otto", "pw-otto-" + SECRET)
    njobs = len(admin.get("/api/v1/jobs"))
    for body in ({"action": "stop", "targets": [{"node": "stage1", "name": "a"},
                                                {"node": "prod1", "name": "svc"}]},
                 {"action": "stop", "environment": "prod"},
                 {"action": "stop", "node": "prod1"}):
        st, js = otto.act(body)
        assert st == 403 and js["error"]["name"] == "FORBIDDEN", (body, js)
    assert len(admin.get("/api/v1/jobs")) == njobs
    assert ("otto", "stop", "prod1", "svc", "refused") in audit(admin, user="otto")
    st, js = otto.act({"action": "stop", "all": True})
    assert st == 202 and js["result"]["total"] == 0  # stage1 was never seen: no process
    assert otto.get("/api/v1/jobs") == [js["result"]]  # the prod job is not theirs to see
    assert otto.req("GET", "/api/v1/jobs/%d" % prod_job["id"])[0] == 404
    st, _ = otto.req("GET", "/api/v1/nodes/prod1/processes/svc/log/stdout/range"
                            "?offset=0&length=10")
    assert st == 403
    assert rpc.supervisor.getProcessInfo("svc")["statename"] == "RUNNING"
    vic = Client(console, "vic", "pw-vic-" + SECRET)
    assert [j["id"] for j in vic.get("/api/v1/jobs")] == [js["result"]["id"]]
    # every POST needs the CSRF token
    st, js, _ = otto.raw("POST", "/api/v1/actions", {"action": "stop", "all": True},
                         {"X-CSRF-Token": "0" * 64})
    assert st == 403 and "CSRF" in js["error"]["message"]


def test_console_users(console, tmp_path):
    admin = start_console(console, [("n", {"url": "unix://%s/none.sock" % tmp_path})])
    users = admin.get("/api/v1/users")
    assert [(u["username"], u["role"], u["environments"]) for u in users] == \
        [("admin", "admin", [])]
    assert isinstance(users[0]["created"], float) and set(users[0]) == \
        {"username", "role", "environments", "created"}

    bob = {"username": "bob.b@x-1", "password": "bob-pass-1", "role": "operator",
           "environments": ["staging", "qa"]}
    st, js = admin.req("POST", "/api/v1/users", bob)
    assert st == 200 and js["result"]["username"] == "bob.b@x-1", js
    assert js["result"]["environments"] == ["staging", "qa"] and js["result"]["role"] == "operator"
    st, js = admin.req("POST", "/api/v1/users", bob)
    assert st == 409 and js["error"]["name"] == "ALREADY_EXISTS"
    for change, msg in [({"username": "b b"}, "username"), ({"username": "x" * 65}, "username"),
                        ({"username": "carl", "password": "short"}, "password"),
                        ({"username": "carl", "password": "p" * 1025}, "password"),
                        ({"username": "carl", "role": "root"}, "role"),
                        ({"username": "carl", "environments": ["a,b"]}, "environments"),
                        ({"username": "carl", "environments": "qa"}, "environments"),
                        ({"username": "carl", "extra": 1}, "no other key")]:
        body = dict(bob, **change)
        st, js = admin.req("POST", "/api/v1/users", body)
        assert st == 400 and msg in js["error"]["message"], (change, js)
    assert len(admin.get("/api/v1/users")) == 2

    # bob, logged in twice
    b1 = Client(console, "bob.b@x-1", "bob-pass-1")
    b2 = Client(console, "bob.b@x-1", "bob-pass-1")
    assert b1.get("/api/v1/session")["environments"] == "staging,qa"
    # the same values sent back change nothing: the sessions go on
    st, js = admin.req("POST", "/api/v1/users/bob.b@x-1",
                       {"role": "operator", "environments": ["staging", "qa"]})
    assert st == 200 and b2.get("/api/v1/session")["role"] == "operator", js
    # a role change ends bob's sessions
    st, js = admin.req("POST", "/api/v1/users/bob.b@x-1", {"role": "viewer"})
    assert st == 200 and js["result"]["role"] == "viewer", js
    assert b1.req("GET", "/api/v1/session")[0] == 401
    assert b2.req("GET", "/api/v1/session")[0] == 401
    # bob changes his own password: the old one must be right; his other
    # session ends, this one goes on
    b1 = Client(console, "bob.b@x-1", "bob-pass-1")
    b2 = Client(console, "bob.b@x-1", "bob-pass-1")
    assert b1.get("/api/v1/session")["role"] == "viewer"
    st, js = b1.req("POST", "/api/v1/session/password", {"old": "wrong-pass", "new": "new-pass-2"})
    assert st == 403 and js["error"]["name"] == "FORBIDDEN"
    st, js = b1.req("POST", "/api/v1/session/password", {"old": "bob-pass-1", "new": "short"})
    assert st == 400
    st, js = b1.req("POST", "/api/v1/session/password", {"old": "bob-pass-1", "new": "new-pass-2"})
    assert (st, js) == (200, {"result": True})
    assert b1.get("/api/v1/session")["user"] == "bob.b@x-1"
    assert b2.req("GET", "/api/v1/session")[0] == 401
    assert Client(console).login("bob.b@x-1", "bob-pass-1")[0] == 401
    assert Client(console).login("bob.b@x-1", "new-pass-2")[0] == 200
    # an admin sets it: all of bob's sessions end
    st, js = admin.req("POST", "/api/v1/users/bob.b@x-1",
                       {"password": "third-pass", "environments": []})
    assert st == 200 and js["result"]["environments"] == [], js
    assert b1.req("GET", "/api/v1/session")[0] == 401
    assert Client(console, "bob.b@x-1", "third-pass").get("/api/v1/session")["environments"] == ""
    for change in ({}, {"role": "boss"}, {"password": "x"}, {"name": "x"}):
        assert admin.req("POST", "/api/v1/users/bob.b@x-1", change)[0] == 400, change
    assert admin.req("POST", "/api/v1/users/nobody", {"role": "viewer"})[0] == 404
    assert admin.req("GET", "/api/v1/users/bob.b@x-1")[0] == 405

    # the last admin can be neither demoted nor deleted
    st, js = admin.req("POST", "/api/v1/users/admin", {"role": "operator"})
    assert st == 409 and js["error"]["name"] == "LAST_ADMIN"
    st, js = admin.req("DELETE", "/api/v1/users/admin")
    assert st == 409 and js["error"]["name"] == "LAST_ADMIN"
    st, js = admin.req("POST", "/api/v1/users", {"username": "root", "password": "root-pass",
                                                 "role": "admin"})
    assert st == 200
    # with another admin, this one may step down (its own session follows)
    st, js = admin.req("POST", "/api/v1/users/admin", {"role": "operator"})
    assert st == 200 and admin.get("/api/v1/session")["role"] == "operator"
    assert admin.req("GET", "/api/v1/users")[0] == 403
    root = Client(console, "root", "root-pass")
    st, js = root.req("DELETE", "/api/v1/users/root")
    assert st == 409 and js["error"]["name"] == "LAST_ADMIN"
    b = Client(console, "bob.b@x-1", "third-pass")
    assert root.req("DELETE", "/api/v1/users/bob.b@x-1") == (200, {"result": True})
    assert b.req("GET", "/api/v1/session")[0] == 401
    assert root.req("DELETE", "/api/v1/users/bob.b@x-1")[0] == 404
    assert [u["username"] for u in root.get("/api/v1/users")] == ["admin", "root"]

    rows = audit(root)
    for want in [("admin", "user_add", None, "bob.b@x-1", "ok"),
                 ("admin", "user_add", None, "bob.b@x-1", "exists"),
                 ("admin", "user_change", None, "bob.b@x-1", "ok"),
                 ("bob.b@x-1", "password", None, "bob.b@x-1", "failed"),
                 ("bob.b@x-1", "password", None, "bob.b@x-1", "ok"),
                 ("admin", "user_change", None, "admin", "last_admin"),
                 ("admin", "user_delete", None, "admin", "last_admin"),
                 ("root", "user_delete", None, "bob.b@x-1", "ok")]:
        assert want in rows, (want, rows)
    assert "hash" not in json.dumps(root.get("/api/v1/users"))


def test_console_jobs_kept(c_daemons, console):
    """Finished jobs outlive a restart of the console: listed as they were,
    with their ids, to whoever may see them; new jobs are numbered after."""
    c1 = c_daemons("c1")
    c1.start(node_conf(UNIX, program("web", 2)))
    c2 = c_daemons("c2")
    c2.start(node_conf(UNIX, program("svc")))
    for d in (c1, c2):
        sock_ready(d)
    nodes = [("c1", {"url": "unix://%s/s.sock" % c1.dir, "environment": "prod"}),
             ("c2", {"url": "unix://%s/s.sock" % c2.dir, "environment": "staging"})]
    admin = start_console(console, nodes, users=[("eve", "viewer", "staging")])
    wait_for(lambda: len([p for p in admin.get("/api/v1/processes")
                          if p["statename"] == "RUNNING"]) == 3, 20, "3 processes RUNNING")
    st, js = admin.act({"action": "start", "node": "c1"})  # both running: 2 errors
    failed = admin.wait_job(js["result"]["id"])
    assert (failed["state"], failed["failed"]) == ("failed", 2), failed
    st, js = admin.act({"action": "restart", "environment": "staging"})
    done = admin.wait_job(js["result"]["id"])
    assert done["state"] == "done", done

    console.stop()
    console.start(console.conf.read_text())
    admin = Client(console, "admin", ADMIN_PW)
    assert admin.get("/api/v1/jobs") == [done, failed]
    assert admin.job(failed["id"]) == failed
    st, js = admin.req("POST", "/api/v1/jobs/%d/cancel" % done["id"])
    assert st == 409 and js["error"]["name"] == "JOB_FINISHED", js
    # a viewer of staging sees the staging job only
    eve = Client(console, "eve", "pw-eve-" + SECRET)
    assert eve.get("/api/v1/jobs") == [done]
    assert eve.req("GET", "/api/v1/jobs/%d" % failed["id"])[0] == 404
    wait_for(lambda: len([p for p in admin.get("/api/v1/processes")
                          if p["statename"] == "RUNNING"]) == 3, 20, "3 processes RUNNING again")
    st, js = admin.act({"action": "stop", "targets": [{"node": "c2", "name": "svc"}]})
    assert st == 202 and js["result"]["id"] == done["id"] + 1, js
    assert admin.wait_job(js["result"]["id"])["state"] == "done"
    assert [j["id"] for j in admin.get("/api/v1/jobs")] == [done["id"] + 1, done["id"],
                                                            failed["id"]]


def test_console_login_throttle(console, tmp_path):
    start_console(console, [("n", {"url": "unix://%s/none.sock" % tmp_path})],
                  users=[("eve", "viewer", None)], login_delay="0.3", login_delay_max="1")
    c = Client(console)
    for _ in range(5):
        assert c.login("admin", "wrong-password")[0] == 401
    # refused now, without checking the password (even the right one), and
    # for another user from the same address too
    st, js, r = c.raw("POST", "/api/v1/login", {"username": "admin", "password": ADMIN_PW})
    assert st == 429 and js["error"]["name"] == "TOO_MANY_REQUESTS", js
    assert r.getheader("Retry-After") == "1"
    assert c.login("eve", "pw-eve-" + SECRET)[0] == 429
    # no trusted_proxies: anyone's X-Forwarded-For is no way out
    assert c.raw("POST", "/api/v1/login", {"username": "eve", "password": "pw-eve-" + SECRET},
                 {"X-Forwarded-For": "198.51.100.1"})[0] == 429
    t0 = time.monotonic()
    wait_for(lambda: c.login("admin", ADMIN_PW)[0] == 200, 5, "the wait over")
    assert time.monotonic() - t0 > 0.1
    # a success reset both counts: failures start again from one; a user's
    # count and an address's are apart (eve's success resets only the latter)
    for _ in range(4):
        assert c.login("admin", "wrong-password")[0] == 401
    assert c.login("eve", "pw-eve-" + SECRET)[0] == 200
    assert c.login("admin", "wrong-password")[0] == 401  # admin's fifth
    assert c.login("admin", ADMIN_PW)[0] == 429
    assert c.login("eve", "pw-eve-" + SECRET)[0] == 200
    # the wait doubles with each failure past the fifth, up to login_delay_max
    for want in (600, 1000):
        wait_for(lambda: c.login("admin", "wrong-password")[0] == 401, 5, "the wait over")
        wait_for(lambda: "further attempts refused for %d ms" % want in console.log(), 5,
                 "a wait of %d ms" % want)
    assert "further attempts refused for 300 ms" in console.log()
    wait_for(lambda: c.login("admin", ADMIN_PW)[0] == 200, 5, "logged in")
    rows = audit(c, user="admin", action="login")
    assert ("admin", "login", None, None, "throttled") in rows
    assert ("admin", "login", None, None, "failed") in rows


def test_console_login_throttle_behind_proxy(console, tmp_path):
    """With trusted_proxies, the address a trusted proxy forwards is the
    one throttled: clients behind one proxy are apart."""
    start_console(console, [("n", {"url": "unix://%s/none.sock" % tmp_path})],
                  users=[("eve", "viewer", None)], login_delay="60", login_delay_max="60",
                  trusted_proxies="10.9.9.9, 127.0.0.1")
    c = Client(console)

    def login(user, password, xff):
        return c.raw("POST", "/api/v1/login", {"username": user, "password": password},
                     {"X-Forwarded-For": xff})[0]

    # five users' failures from one client (no user reaches five): the
    # client's address is refused, whatever it writes left of the proxy's
    for i in range(5):
        assert login("nobody%d" % i, "wrong-password", "203.0.113.9") == 401
    assert login("eve", "pw-eve-" + SECRET, "203.0.113.9") == 429
    assert login("eve", "pw-eve-" + SECRET, "198.51.100.1, 203.0.113.9") == 429
    assert login("eve", "pw-eve-" + SECRET, "203.0.113.9, 10.9.9.9") == 429
    # another client behind the same proxy is not
    assert login("eve", "pw-eve-" + SECRET, "203.0.113.10") == 200
    assert login("admin", ADMIN_PW, "203.0.113.10, 10.9.9.9") == 200
    assert "from 203.0.113.9 refused: too many failures" in console.log()


def test_console_hasher(console, tmp_path):
    """Logins are hashed by a child process: the loop answers while three
    logins hash; a full queue answers 503; the activity log is pruned."""
    admin = start_console(console, [("n", {"url": "unix://%s/none.sock" % tmp_path})],
                          audit_keep="10")
    kids = [int(p) for p in open("/proc/%d/task/%d/children" % (console.proc.pid,
                                                                console.proc.pid)).read().split()]
    assert len(kids) == 1, kids
    hasher = kids[0]

    def cpu(pid):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    # one login alone: how long a hash takes here
    t0 = time.monotonic()
    assert Client(console).login("admin", ADMIN_PW)[0] == 200
    one = time.monotonic() - t0

    def send_login():
        s = socket.create_connection(("127.0.0.1", console.port), timeout=30)
        body = json.dumps({"username": "admin", "password": ADMIN_PW})
        s.sendall(("POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                   % (len(body), body)).encode())
        return s

    def answered(s):
        s.setblocking(False)
        try:
            return bool(s.recv(1, socket.MSG_PEEK))
        except BlockingIOError:
            return False
        finally:
            s.setblocking(True)

    hasher_cpu = cpu(hasher)
    logins = [send_login() for _ in range(3)]
    fast = []
    while not all(answered(s) for s in logins):
        t0 = time.monotonic()
        assert len(admin.get("/api/v1/nodes")) == 1
        took = time.monotonic() - t0
        if not all(answered(s) for s in logins):
            fast.append(took)
    # on the loop, three hashes would leave a couple of answers, each a
    # hash late; off it, many, in a fraction of one (the median: a busy
    # machine may delay a few)
    assert len(fast) >= 3, ("few answers while three logins hashed", fast, one)
    assert sorted(fast)[len(fast) // 2] < one / 2, (fast, one)
    for s in logins:
        s.settimeout(30)
        assert s.recv(64).startswith(b"HTTP/1.1 200")
        s.close()
    assert cpu(hasher) > hasher_cpu  # the child did the work

    # a flood: beyond the hasher's queue, 503 BUSY at once
    results = []

    def one_login():
        results.append(Client(console).login("admin", ADMIN_PW)[0])
    threads = [threading.Thread(target=one_login) for _ in range(28)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(results) == {200, 503} and results.count(200) >= 16, results
    assert "the password hasher is busy or gone" in console.log()

    # the activity log keeps its newest audit_keep rows
    rows = admin.get("/api/v1/audit?limit=10000")
    assert len(rows) == 10 and rows[0]["id"] > 20
    assert [r["id"] for r in rows] == list(range(rows[0]["id"], rows[0]["id"] - 10, -1))
