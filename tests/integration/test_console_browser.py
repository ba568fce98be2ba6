"""supervisor-console's web UI (doc/console.md, "Web UI"): the page and its
files as the console serves them (headers, CSP, unknown files, Host check),
then the UI in a real browser (Debian's chromium driven by playwright-core:
tests/browser/console.mjs) against real nodes on loopback: two of our
supervisord, one Python supervisord and one never reached. Log in, filter,
restart a process on a remote node and see it back with a new pid, follow
its log; bulk and rolling actions with their progress; the activity log and
the users; a viewer sees no action and the page logs no error. Skipped,
saying why, without chromium or playwright-core (as test_dashboard.py)."""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import free_port, wait_for
from test_console import (SECRET, UNIX, Console, console_conf, node_conf,
                          program, unix_rpc)
from test_dashboard import BROWSER_DIR, CHROMIUM, browser_missing

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

# prints a marker with its pid, then a numbered line every half second
TICK = """[program:tick]
command=/bin/sh -c 'echo "marker $$"; exec {helpers}/spewer -n -1 -i 500 -s out'
startsecs=0
stopwaitsecs=5
"""
IDLE = "[program:idle]\ncommand={helpers}/sleeper 1000\nautostart=false\n"
SLOW = ("[program:slow]\ncommand={helpers}/sleeper 1000\nstartsecs=2\nnumprocs=4\n"
        "process_name=%(program_name)s_%(process_num)d\n")  # a restart takes 2 s
BIG = "[program:big]\ncommand={helpers}/spewer -n 3000\nstartsecs=0\n"  # 141 KB of log


@pytest.fixture
def console(tmp_path):
    c = Console(tmp_path / "console")
    yield c
    c.stop()


def fetch(port, path, method="GET", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r, body


def test_console_pages(c_daemons, console):
    """The page and its files, without a browser."""
    node = c_daemons("n")
    node.start(node_conf(UNIX, program("svc")))
    console.start(console_conf([("n", {"url": "unix://%s/s.sock" % node.dir})]))
    port = console.port
    st, r, index = fetch(port, "/")
    assert st == 200 and r.getheader("Content-Type") == "text/html; charset=utf-8"
    assert r.getheader("Content-Security-Policy") == CSP
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert r.getheader("X-Frame-Options") == "DENY"
    assert r.getheader("Cache-Control") == "no-cache"
    # nothing inline, nothing from outside
    text = index.decode()
    assert "<script>" not in text and "<style" not in text and " style=" not in text
    assert "http://" not in text and "https://" not in text and "//" not in text.replace("://", "")
    assert '<script src="/static/console.js" defer></script>' in text
    for name, ctype in (("console.js", "text/javascript; charset=utf-8"),
                        ("console.css", "text/css; charset=utf-8")):
        st, r, body = fetch(port, "/static/" + name)
        assert st == 200 and r.getheader("Content-Type") == ctype and len(body) > 1000, name
        assert r.getheader("Content-Security-Policy") == CSP
        # the file as built in, revalidated with its ETag
        etag = r.getheader("ETag")
        assert etag and fetch(port, "/static/" + name, headers={"If-None-Match": etag})[0] == 304
        assert fetch(port, "/static/" + name, headers={"If-None-Match": '"x"'})[0] == 200
    assert b"innerHTML" not in fetch(port, "/static/console.js")[2]
    for path in ("/static/nope.js", "/static/", "/static/../index.html", "/static/console.js/x"):
        st, r, body = fetch(port, path)
        assert st == 404 and r.getheader("Content-Type").startswith("text/plain"), path
    assert fetch(port, "/", method="HEAD")[0] == 200
    st, r, _ = fetch(port, "/", method="POST")
    assert st == 405 and r.getheader("Allow") == "GET, HEAD"
    # DNS rebinding: a page of another name is not served
    assert fetch(port, "/", headers={"Host": "evil.example:%d" % port})[0] == 403
    assert fetch(port, "/static/console.js", headers={"Host": "evil.example"})[0] == 403
    assert fetch(port, "/", headers={"Host": "localhost:%d" % port})[0] == 200
    # everything else is the API's, with its own rules
    st, r, body = fetch(port, "/api/v1/nodes")
    assert st == 401 and r.getheader("Content-Type") == "application/json"
    st, r, body = fetch(port, "/favicon.ico")
    assert st in (401, 404) and r.getheader("Content-Type") == "application/json"


def test_console_in_a_browser(c_daemons, console, tmp_path):
    why = browser_missing()
    if why:
        pytest.skip(why)
    port = free_port()
    c1 = c_daemons("c1")
    c1.start(node_conf(UNIX, program("app", 2) + BIG))
    c2 = c_daemons("c2")
    c2.start(node_conf("[inet_http_server]\nport=127.0.0.1:%d\nusername=admin\npassword=%s\n"
                       % (port, SECRET), program("web") + IDLE + SLOW))
    py = c_daemons("py", which="python")
    py.start(node_conf(UNIX, program("worker") + program("web") + TICK))
    for d in (c1, py):
        wait_for(lambda d=d: (d.dir / "s.sock").exists(), 20, "%s socket" % d.impl)
    text = console_conf([
        ("c1", {"url": "unix://%s/s.sock" % c1.dir, "environment": "prod"}),
        ("c2", {"url": "http://127.0.0.1:%d" % port, "username": "admin",
                "password": SECRET, "environment": "staging"}),
        ("py", {"url": "unix://%s/s.sock" % py.dir, "environment": "prod"}),
        ("gone", {"url": "unix://%s/none.sock" % tmp_path, "environment": "dev"}),
    ], poll_interval="0.5", action_timeout="20")
    console.start(text)
    admin_pw = console.admin_password()  # printed once by the first start
    console.set_user("vera", "viewer", "pw-vera-" + SECRET)  # beside the running console
    assert console.login("vera", "pw-vera-" + SECRET)[0] == 200
    # start once every node is polled and every autostarted process RUNNING
    wait_for(lambda: len([p for p in console.get("/api/v1/processes")
                          if p["statename"] == "RUNNING"]) == 11, 30, "every node polled")

    py_rpc = unix_rpc(py.dir / "s.sock")
    old_pid = py_rpc.supervisor.getProcessInfo("tick")["pid"]
    cfg = {
        "admin": admin_pw,
        "viewer": ["vera", "pw-vera-" + SECRET],
        "nodes": {"c1": ["app:app_0", "app:app_1", "big"],
                  "c2": ["idle", "slow:slow_0", "slow:slow_1", "slow:slow_2", "slow:slow_3", "web"],
                  "py": ["tick", "web", "worker"]},
        "stopped": ["c2", "idle"],
        "remote": ["py", "tick"],
        "big": ["c1", "big"],
        "group": "web",
        "rolling": [["c1", "app:app_0"], ["c2", "web"], ["py", "worker"]],
        "slowEnv": "staging",
        "envNodes": ["c2"],
        "offline": "gone",
    }
    # chromium's singleton socket path must fit in sun_path: a short TMPDIR
    short = tempfile.mkdtemp(prefix="svb", dir="/tmp")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": short,
           "TMPDIR": short, "LANG": "C.UTF-8", "CHROMIUM": CHROMIUM}
    if os.environ.get("CONSOLE_SHOTS"):  # screenshots of each view in tmp_path
        env["CONSOLE_SHOTS"] = "1"
    out_path = tmp_path / "browser.out"
    with open(out_path, "wb") as out:
        p = subprocess.Popen(["node", str(BROWSER_DIR / "console.mjs"),
                              "http://127.0.0.1:%d" % console.port, str(tmp_path),
                              json.dumps(cfg)],
                             cwd=str(BROWSER_DIR), env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=240)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            # node, chromium and its helpers share the session's group
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            shutil.rmtree(short, ignore_errors=True)
    out = out_path.read_text(errors="replace")
    assert rc == 0, "browser test failed (rc=%r):\n%s\nconsole log:\n%s" % (
        rc, out[-6000:], console.log()[-3000:])
    assert "all ok" in out
    # what the browser did, seen from the node: tick runs with a new pid
    info = py_rpc.supervisor.getProcessInfo("tick")
    assert info["statename"] == "RUNNING" and info["pid"] != old_pid
    assert "restarted py tick: pid %d -> %d" % (old_pid, info["pid"]) in out
    # and from the console's activity log
    console.login("admin", admin_pw)
    def acts(action):  # a lone program's namespec is "web" or "web:web"
        return sorted((r["node"], re.sub(r"^([^:]+):\1$", r"\1", r["process"]), r["result"])
                      for r in console.get("/api/v1/audit?user=admin&action=" + action))
    left = acts("restart")
    for want in [("py", "tick", "ok"), ("c1", "big", "ok"), ("c2", "web", "ok"),
                 ("py", "web", "ok"), ("c1", "app:app_0", "ok"), ("c2", "web", "ok"),
                 ("py", "worker", "ok")]:
        left.remove(want)
    # the rest: the rolling restart of staging (c2), cancelled midway
    assert left and {r[0] for r in left} == {"c2"}, left
    assert acts("start") == [("c2", "web", "ALREADY_STARTED"), ("py", "web", "ALREADY_STARTED")]
    assert [r[1] for r in acts("user_add") + acts("user_delete")] == ["ursula", "ursula"]
    assert console.get("/api/v1/audit?user=vera&action=login")[0]["result"] == "ok"
    # vera's own password change: refused with the wrong old one, then done
    assert [r["result"] for r in console.get("/api/v1/audit?user=vera&action=password")] == \
        ["ok", "failed"]
    assert console.login("vera", "pw-vera-" + SECRET + "-new")[0] == 200
