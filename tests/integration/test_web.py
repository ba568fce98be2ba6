"""The pages of Supervisor 4.2.5 at the same URLs (/, /index.html,
/tail.html, /ok.html) and their actions, run the same way against the
reference and ours: the same rows, links, actions, redirect messages and
errors (the HTML itself is ours, so it is compared through a parser, not
byte for byte). Text is escaped. Plus C-only checks of the embedded
stylesheet."""

import http.client
import re
import urllib.parse
import xmlrpc.client
from html.parser import HTMLParser

import pytest

from conftest import SUPERVISORD_SECTION, free_port, listening, wait_for

CONF = SUPERVISORD_SECTION + """
[inet_http_server]
port=127.0.0.1:{port}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:cat]
command=/bin/cat
startsecs=0
stdout_logfile={tmp}/cat.out

[program:idle]
command={helpers}/sleeper 1000
autostart=false
startsecs=0

[program:nofile]
command=/nonexistent/binary
autostart=false
stdout_logfile=NONE

[group:g]
programs=x

[program:x]
command=/bin/sh -c "echo '<b>&amp; \\"q\\"'; exec sleep 1000"
startsecs=0
stdout_logfile={tmp}/x.out
"""


@pytest.fixture
def web(daemons):
    d = daemons()
    d.port = free_port()
    d.start(CONF.replace("{port}", str(d.port)))
    wait_for(lambda: listening(d.port), 15, "daemon listening")
    d.rpc = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % d.port)
    for name in ("cat", "g:x"):
        wait_for(lambda: d.rpc.supervisor.getProcessInfo(name)["statename"] == "RUNNING", 15,
                 name + " RUNNING")
    wait_for(lambda: (d.dir / "x.out").exists() and (d.dir / "x.out").stat().st_size, 10,
             "x output")
    return d


def request(d, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    h = {"Host": "127.0.0.1:%d" % d.port}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data.decode("utf-8", "replace")


class Page(HTMLParser):
    """Rows of the status table, the status message, the title, <pre> text and links."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.rows, self.msg, self.title, self.pre, self.links = [], None, "", "", []
        self._stack, self._row, self._in = [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and self._row is None and self._in_tbody():
            self._row = {"status": "", "class": None, "desc": "", "name": "", "href": None,
                         "actions": [], "hidden": 0}
        if tag == "a":
            self.links.append(a.get("href"))
        if self._row is not None:
            if tag == "span" and self._row["class"] is None:
                self._row["class"] = a.get("class")
                self._in = "status"
            elif tag == "span":
                self._in = "desc"
            elif tag == "a" and a.get("class") == "hidden":
                self._row["hidden"] += 1
            elif tag == "a" and self._row["href"] is None:
                self._row["href"] = a.get("href")
                self._in = "name"
            elif tag == "a":
                self._row["actions"].append((a.get("name"), a.get("href"), a.get("target")))
        if tag == "div" and a.get("class") == "status_msg":
            self._in = "msg"
            self.msg = ""
        if tag in ("title", "pre"):
            self._in = tag
        self._stack.append(tag)

    def _in_tbody(self):
        return "tbody" in self._stack

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        if tag in ("span", "a", "div", "title", "pre"):
            self._in = None
        while self._stack:
            if self._stack.pop() == tag:
                break

    def handle_data(self, data):
        if self._in == "msg":
            self.msg += data
        elif self._in == "title":
            self.title += data
        elif self._in == "pre":
            self.pre += data
        elif self._row is not None and self._in in ("status", "desc", "name"):
            self._row[self._in] += data


def status(d):
    r, text = request(d, "GET", "/")
    assert r.status == 200
    assert r.getheader("Content-Type") == "text/html;charset=utf-8"
    assert r.getheader("Pragma") == "no-cache" and r.getheader("Cache-Control") == "no-cache"
    return Page(text)


def action(d, query, method="GET", body=None):
    """An action: (status, message from the 301's Location)."""
    if method == "GET":
        r, _ = request(d, "GET", "/index.html?" + query)
    else:
        r, _ = request(d, "POST", "/index.html", body,
                       {"Content-Type": "application/x-www-form-urlencoded"})
    if r.status != 301:
        return r.status, None
    loc = r.getheader("Location")
    prefix = "http://127.0.0.1:%d/?message=" % d.port
    assert loc.startswith(prefix), loc
    assert r.getheader("Content-Type") == "text/html"
    return 301, urllib.parse.unquote(loc[len(prefix):])


def test_status_page(web):
    p = status(web)
    rows = [(r["status"], r["class"], r["name"], r["href"]) for r in p.rows]
    assert rows == [
        ("running", "statusrunning", "cat", "tail.html?processname=cat"),
        ("running", "statusrunning", "g:x", "tail.html?processname=g%3Ax"),
        ("stopped", "statusnominal", "idle", "tail.html?processname=idle"),
        ("stopped", "statusnominal", "nofile", "tail.html?processname=nofile"),
    ]
    cat = p.rows[0]
    assert cat["actions"] == [
        ("Restart", "index.html?processname=cat&action=restart", None),
        ("Stop", "index.html?processname=cat&action=stop", None),
        ("Clear Log", "index.html?processname=cat&action=clearlog", None),
        ("Tail -f Stdout", "logtail/cat", "_blank"),
        ("Tail -f Stderr", "logtail/cat/stderr", "_blank"),
    ] and cat["hidden"] == 0
    assert re.match(r"pid \d+, uptime 0:00:\d\d$", cat["desc"])
    idle = p.rows[2]
    assert idle["actions"][0] == ("Start", "index.html?processname=idle&action=start", None)
    assert idle["hidden"] == 1 and idle["desc"] == "Not started"
    for link in ("index.html?action=refresh", "index.html?action=restartall",
                 "index.html?action=stopall"):
        assert link in p.links
    assert p.msg is None
    # /index.html is the same page
    r, text = request(web, "GET", "/index.html")
    assert [x["name"] for x in Page(text).rows] == ["cat", "g:x", "idle", "nofile"]


def test_message_escaped(web):
    r, text = request(web, "GET", "/?message=" + urllib.parse.quote("<script>x&y</script>"))
    assert "<script>" not in text
    assert Page(text).msg == "<script>x&y</script>"


def test_process_actions(web):
    d = web
    rpc = d.rpc
    assert action(d, "processname=cat&action=stop") == (301, "Process cat stopped")
    assert rpc.supervisor.getProcessInfo("cat")["statename"] == "STOPPED"
    assert action(d, "processname=cat&action=stop") == \
        (301, "unexpected rpc fault [70] NOT_RUNNING: cat")
    assert action(d, "processname=cat&action=start") == (301, "Process cat started")
    assert rpc.supervisor.getProcessInfo("cat")["statename"] == "RUNNING"
    assert action(d, "processname=cat&action=start") == \
        (301, "ERROR: Process cat: already started")
    assert action(d, "processname=nofile&action=start") == \
        (301, "ERROR: Process nofile: no such file")
    pid = rpc.supervisor.getProcessInfo("g:x")["pid"]
    assert action(d, "processname=g%3Ax&action=restart") == (301, "Process g:x restarted")
    info = rpc.supervisor.getProcessInfo("g:x")
    assert info["statename"] == "RUNNING" and info["pid"] != pid
    # restart of a stopped process: errors inside are ignored, it starts
    assert action(d, "processname=idle&action=restart") == (301, "Process idle restarted")
    assert rpc.supervisor.getProcessInfo("idle")["statename"] == "RUNNING"
    assert action(d, "processname=g:x&action=clearlog") == (301, "Log for g:x cleared")
    assert (d.dir / "x.out").stat().st_size == 0
    assert action(d, "processname=nosuch&action=start") == (301, "No such process named nosuch")
    assert action(d, "processname=g:&action=stop") == (301, "No such process named g:")
    # POST form values (override the query, as web.py does)
    assert action(d, None, "POST", "processname=idle&action=stop") == \
        (301, "Process idle stopped")
    r, _ = request(d, "POST", "/index.html?action=nosuch", "processname=idle&action=start",
                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 301 and "Process%20idle%20started" in r.getheader("Location")


def test_global_actions(web):
    d = web
    st, msg = action(d, "action=refresh")
    assert st == 301 and re.match(r"Page refreshed at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$",
                                  msg), msg
    st, msg = action(d, "action=stopall")
    assert st == 301 and msg.startswith("All stopped at ")
    assert all(p["statename"] in ("STOPPED", "EXITED", "FATAL")
               for p in d.rpc.supervisor.getAllProcessInfo())
    st, msg = action(d, "action=restartall")
    assert st == 301 and msg.startswith("All restarted at ")
    states = {p["name"]: p["statename"] for p in d.rpc.supervisor.getAllProcessInfo()}
    assert states["cat"] == "RUNNING" and states["x"] == "RUNNING" and states["idle"] == "RUNNING"


def test_bad_actions(web):
    d = web
    assert action(d, "action=nosuch")[0] == 500
    assert action(d, "action=start")[0] == 500  # no processname
    assert action(d, "processname=cat&action=nosuch")[0] == 500
    # a blank action is no action: the page
    r, text = request(d, "GET", "/index.html?action=&processname=cat")
    assert r.status == 200 and len(Page(text).rows) == 4


def test_tail_page(web):
    d = web
    r, text = request(d, "GET", "/tail.html?processname=g%3Ax")
    assert r.status == 200 and r.getheader("Content-Type") == "text/html;charset=utf-8"
    p = Page(text)
    assert p.title == "Supervisor tail of process g:x"
    assert "<b>" not in text
    # meld3 leaves '&' unescaped in text, so Python's "&amp;" reads back as "&"
    expected = '<b>& "q"\n' if d.impl == "python" else '<b>&amp; "q"\n'
    assert p.pre == expected
    assert "tail.html?processname=g%3Ax&limit=1024" in p.links
    r, text = request(d, "GET", "/tail.html?processname=g:x&limit=5")
    assert r.status == 200
    assert Page(text).pre == expected  # at least 1024 bytes are shown
    assert "tail.html?processname=g%3Ax&limit=1024" in Page(text).links
    r, text = request(d, "GET", "/tail.html?processname=g:x&limit=4096")
    assert "tail.html?processname=g%3Ax&limit=4096" in Page(text).links
    p = Page(request(d, "GET", "/tail.html")[1])
    assert p.pre == "No process name found"
    assert p.title == "Supervisor tail of process None"
    assert not any(l and l.startswith("tail.html") for l in p.links)
    p = Page(request(d, "GET", "/tail.html?processname=nosuch")[1])
    assert p.pre == "ERROR: unexpected rpc fault [10] BAD_NAME: nosuch"
    p = Page(request(d, "GET", "/tail.html?processname=nofile")[1])
    assert p.pre == "No file for nofile"


def test_ok_and_other_paths(web):
    d = web
    r, text = request(d, "GET", "/ok.html")
    assert (r.status, text, r.getheader("Content-Type")) == (200, "OK", "text/plain")
    assert request(d, "HEAD", "/")[0].status == 404  # the static handler: no index file
    assert request(d, "DELETE", "/")[0].status == 400
    assert request(d, "GET", "/nosuch.css")[0].status == 404
    r, _ = request(d, "GET", "/stylesheets/supervisor.css")
    assert r.status == 200 and r.getheader("Content-Type") == "text/css"


@pytest.mark.parametrize("impl", ["c"])
def test_pages_need_auth(daemons, impl):
    d = daemons()
    d.port = free_port()
    d.start(CONF.replace("{port}", str(d.port)).replace(
        "[inet_http_server]\n", "[inet_http_server]\nusername=u\npassword=p\n"))
    wait_for(lambda: listening(d.port), 15, "daemon listening")
    for path in ("/", "/tail.html?processname=cat", "/index.html?action=stopall",
                 "/stylesheets/supervisor.css", "/ok.html"):
        assert request(d, "GET", path)[0].status == 401, path
