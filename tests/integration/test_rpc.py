"""XML-RPC interface: every supervisor.* and system.* method through Python's
xmlrpc.client over the unix socket, against both implementations. The
expected values are Supervisor 4.2.5's (the python cases check them)."""

import json
import os
import signal
import threading
import time
import xmlrpc.client
from pathlib import Path

import pytest

from conftest import wait_for
from unixrpc import UnixHTTPConnection, unix_proxy

HELP_JSON = Path("/work/shared/spec/rpc-methodhelp.json")
if not HELP_JSON.exists():
    HELP_JSON = Path(__file__).resolve().parents[2] / "doc" / "rpc-methodhelp.json"


def proxy(d):
    return unix_proxy(d.dir / "sv.sock")


RPC_HEAD = """\
[unix_http_server]
file={tmp}/sv.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

PROGRAMS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[program:cat]
command=/bin/cat
startsecs=0

[program:quiet]
command={helpers}/sleeper
stdout_logfile=NONE
autostart=false

[program:quick]
command={helpers}/exiter 3
startsecs=1
startretries=0
autostart=false

[program:slow]
command={helpers}/sleeper
startsecs=30
autostart=false

[program:missing]
command=/nonexistent/cmd
autostart=false

[program:dir]
command=/tmp
autostart=false

[group:grp]
programs=g1,g2

[program:g1]
command={helpers}/sleeper
startsecs=0

[program:g2]
command={helpers}/sleeper
startsecs=0
"""


def start_rpc(daemons, programs=PROGRAMS, name="d"):
    from conftest import SUPERVISORD_SECTION
    d = daemons(name)
    d.start(SUPERVISORD_SECTION + RPC_HEAD + programs)
    p = proxy(d)

    def up():
        try:
            return p.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.ProtocolError):
            return False
    wait_for(up, 15, "the RPC interface of %s supervisord" % d.impl)
    return d, p


def fault(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as ei:
        call(*args)
    return ei.value.faultCode, ei.value.faultString


def wait_state(p, name, state, timeout=10):
    return wait_for(lambda: p.supervisor.getProcessInfo(name)["statename"] == state,
                    timeout, "%s to be %s" % (name, state))


@pytest.fixture
def rpc(daemons):
    d, p = start_rpc(daemons)
    wait_state(p, "sleeper", "RUNNING")
    wait_state(p, "cat", "RUNNING")
    wait_state(p, "grp:g2", "RUNNING")
    return d, p


def test_simple_methods(rpc):
    d, p = rpc
    s = p.supervisor
    assert s.getAPIVersion() == "3.0"
    assert s.getVersion() == "3.0"
    assert s.getSupervisorVersion() == "4.2.5"
    assert s.getIdentification() == "itest"
    st = s.getState()
    assert list(st.items()) == [("statecode", 1), ("statename", "RUNNING")]
    assert s.getPID() == d.pid
    assert fault(s.getState, 1) == (2, "INCORRECT_PARAMETERS")
    assert fault(s.getProcessInfo) == (2, "INCORRECT_PARAMETERS")
    assert s.sendRemoteCommEvent("t", "data") is True


def test_system_namespace(rpc):
    d, p = rpc
    table = json.loads(HELP_JSON.read_text())
    assert p.system.listMethods() == sorted(table)
    for name, entry in table.items():
        assert p.system.methodHelp(name) == entry["help"], name
        assert p.system.methodSignature(name) == entry["signature"], name
    assert fault(p.system.methodHelp, "supervisor.nosuch") == (4, "SIGNATURE_UNSUPPORTED")
    assert fault(p.system.methodSignature, "nosuch") == (4, "SIGNATURE_UNSUPPORTED")


def test_unknown_methods(rpc):
    d, p = rpc
    for name in ("supervisor.nosuch", "nosuch.getState", "supervisor._update",
                 "a.b.c", "getState", "supervisor.getState.x"):
        assert fault(getattr(p, name)) == (1, "UNKNOWN_METHOD"), name


def test_process_info(rpc):
    d, p = rpc
    s = p.supervisor
    info = s.getProcessInfo("sleeper")
    assert list(info) == ["name", "group", "start", "stop", "now", "state", "statename",
                          "spawnerr", "exitstatus", "logfile", "stdout_logfile",
                          "stderr_logfile", "pid", "description"]
    assert info["name"] == "sleeper" and info["group"] == "sleeper"
    assert info["state"] == 20 and info["statename"] == "RUNNING"
    assert info["description"].startswith("pid %d, uptime 0:00:" % info["pid"])
    assert info["stdout_logfile"] == info["logfile"] != ""
    assert abs(info["now"] - time.time()) < 5 and info["start"] <= info["now"]
    q = s.getProcessInfo("quiet")
    assert (q["statename"], q["description"], q["stdout_logfile"], q["start"]) == \
        ("STOPPED", "Not started", "", 0)
    assert fault(s.getProcessInfo, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(s.getProcessInfo, "grp:*") == (10, "BAD_NAME: grp:*")
    assert fault(s.getProcessInfo, "grp") == (10, "BAD_NAME: grp")
    assert s.getProcessInfo("grp:g1")["group"] == "grp"
    names = [(i["group"], i["name"]) for i in s.getAllProcessInfo()]
    assert names == [("cat", "cat"), ("dir", "dir"), ("grp", "g1"), ("grp", "g2"),
                     ("missing", "missing"), ("quick", "quick"), ("quiet", "quiet"),
                     ("sleeper", "sleeper"), ("slow", "slow")]


def test_all_process_info_paths(daemons):
    """getAllProcessInfo answered alone (written straight out) matches it
    within a multicall (built as values) and getProcessInfo, in every kind of
    description: running, not started, spawn error, exited."""
    d, p = start_rpc(daemons, PROGRAMS + """
[program:nocmd]
command=/nonexistent/cmd
startretries=0

[program:done]
command={helpers}/exiter 3
startsecs=0
autorestart=false
""")
    s = p.supervisor
    wait_state(p, "nocmd", "FATAL")
    wait_state(p, "sleeper", "RUNNING")
    wait_state(p, "done", "EXITED")

    def norm(infos):
        return [{k: v for k, v in i.items() if k != "now"} for i in infos]
    for _ in range(3):  # the uptime in a description may tick between calls
        alone = s.getAllProcessInfo()
        multi = p.system.multicall([{"methodName": "supervisor.getAllProcessInfo",
                                     "params": []}])[0]
        each = [s.getProcessInfo("%s:%s" % (i["group"], i["name"])) for i in alone]
        if norm(alone) == norm(multi) == norm(each):
            break
    assert norm(alone) == norm(multi) == norm(each)
    by = {i["name"]: i for i in alone}
    assert by["nocmd"]["spawnerr"] and by["nocmd"]["description"] == by["nocmd"]["spawnerr"]
    assert by["quiet"]["description"] == "Not started"
    assert by["done"]["exitstatus"] == 3 and by["done"]["description"] != "Not started"
    assert by["sleeper"]["description"].startswith("pid %d, uptime " % by["sleeper"]["pid"])


def test_all_process_info_follows_changes(rpc):
    """getAllProcessInfo asked again at once after each kind of change (a
    stop, a start, a child killed and respawned, a group removed and added
    back) shows the change: ours shares one encoded answer between calls
    while nothing changes, and must never serve a stale one."""
    d, p = rpc
    s = p.supervisor

    def norm(infos):  # what does not move with the clock
        return sorted((i["group"], i["name"], i["statename"], i["pid"], i["start"], i["stop"],
                       i["exitstatus"], i["spawnerr"], i["description"].split(", uptime")[0])
                      for i in infos)

    def check():
        alone = s.getAllProcessInfo()
        each = [s.getProcessInfo("%s:%s" % (i["group"], i["name"])) for i in alone]
        assert norm(alone) == norm(each)
        return {i["name"]: i for i in alone}

    check()
    assert s.stopProcess("sleeper") is True
    assert check()["sleeper"]["statename"] == "STOPPED"
    assert s.startProcess("sleeper") is True
    old = check()["sleeper"]
    assert old["statename"] == "RUNNING" and old["pid"] > 0
    os.kill(old["pid"], signal.SIGKILL)
    wait_for(lambda: s.getProcessInfo("sleeper")["pid"] not in (0, old["pid"]), 10,
             "sleeper respawned")
    wait_state(p, "sleeper", "RUNNING")
    assert check()["sleeper"]["pid"] != old["pid"]
    s.stopProcessGroup("grp")
    assert s.removeProcessGroup("grp") is True
    assert "g1" not in check()
    assert s.addProcessGroup("grp") is True
    wait_state(p, "grp:g1", "RUNNING")
    wait_state(p, "grp:g2", "RUNNING")
    assert "g1" in check()


def test_start_stop(rpc):
    d, p = rpc
    s = p.supervisor
    assert s.stopProcess("sleeper") is True
    assert s.getProcessInfo("sleeper")["statename"] == "STOPPED"
    assert fault(s.stopProcess, "sleeper") == (70, "NOT_RUNNING: sleeper")
    assert s.startProcess("sleeper") is True
    assert s.getProcessInfo("sleeper")["statename"] == "RUNNING"
    assert fault(s.startProcess, "sleeper") == (60, "ALREADY_STARTED: sleeper")
    assert fault(s.startProcess, "nosuch:*") == (10, "BAD_NAME: nosuch:*")
    assert fault(s.startProcessGroup, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(s.stopProcessGroup, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(s.startProcess, "missing") == \
        (20, "NO_FILE: can't find command '/nonexistent/cmd'")
    assert fault(s.startProcess, "dir") == (21, "NOT_EXECUTABLE: command at '/tmp' is a directory")
    assert fault(s.startProcess, "quick") == (50, "SPAWN_ERROR: quick")
    wait_state(p, "quick", "FATAL")
    assert s.getProcessInfo("quick")["description"] == \
        "Exited too quickly (process log may have details)"
    # an already started group gives []
    assert s.startProcessGroup("grp") == []
    stopped = s.stopProcess("grp:*")
    assert sorted(stopped, key=lambda r: r["name"]) == [
        {"name": "g1", "group": "grp", "status": 80, "description": "OK"},
        {"name": "g2", "group": "grp", "status": 80, "description": "OK"}]
    assert list(stopped[0]) == ["name", "group", "status", "description"]
    assert s.startProcessGroup("grp", False) == [
        {"name": "g1", "group": "grp", "status": 80, "description": "OK"},
        {"name": "g2", "group": "grp", "status": 80, "description": "OK"}]
    wait_state(p, "grp:g2", "RUNNING")
    res = s.stopAllProcesses()
    assert sorted(r["name"] for r in res) == ["cat", "g1", "g2", "sleeper"]
    res = s.startAllProcesses(False)
    got = sorted((r["name"], r["status"], r["description"]) for r in res if r["name"] != "quick")
    assert got == [("cat", 80, "OK"), ("dir", 21, "NOT_EXECUTABLE: command at '/tmp' is a directory"),
                   ("g1", 80, "OK"), ("g2", 80, "OK"),
                   ("missing", 20, "NO_FILE: can't find command '/nonexistent/cmd'"),
                   ("quiet", 80, "OK"),
                   ("sleeper", 80, "OK"), ("slow", 80, "OK")]


def test_abnormal_termination(rpc):
    d, p = rpc
    out = {}

    def starter():
        out["r"] = fault(proxy(d).supervisor.startProcess, "slow")
    t = threading.Thread(target=starter)
    t.start()
    wait_state(p, "slow", "STARTING")
    time.sleep(0.3)
    assert p.supervisor.stopProcess("slow") is True
    t.join(15)
    assert out["r"] == (40, "ABNORMAL_TERMINATION: slow")


def test_signals(rpc):
    d, p = rpc
    s = p.supervisor
    assert s.signalProcess("sleeper", "0") is True
    assert s.signalProcess("sleeper", 0) is True
    assert fault(s.signalProcess, "sleeper", "BOGUS") == (11, "BAD_SIGNAL: BOGUS")
    assert fault(s.signalProcess, "sleeper", "33") == (11, "BAD_SIGNAL: 33")
    assert fault(s.signalProcess, "quiet", "HUP") == (70, "NOT_RUNNING: quiet")
    assert fault(s.signalProcess, "nosuch", "HUP") == (10, "BAD_NAME: nosuch")
    res = s.signalProcessGroup("grp", "BOGUS")
    assert sorted((r["name"], r["status"], r["description"]) for r in res) == \
        [("g1", 11, "BAD_SIGNAL: BOGUS"), ("g2", 11, "BAD_SIGNAL: BOGUS")]
    assert fault(s.signalProcessGroup, "nosuch", "0") == (10, "BAD_NAME: nosuch")
    res = s.signalAllProcesses("sig0" if False else "0")
    assert sorted(r["name"] for r in res) == ["cat", "g1", "g2", "sleeper"]
    assert {r["status"] for r in res} == {80}
    res = s.signalProcess("grp:*", "0")
    assert len(res) == 2


def test_logs(rpc):
    d, p = rpc
    s = p.supervisor
    wait_for(lambda: "up" in s.readProcessStdoutLog("sleeper", 0, 0), 5, "sleeper output")
    text = s.readProcessStdoutLog("sleeper", 0, 0)
    assert text.startswith("sleeper ") and text.endswith(" up\n")
    n = len(text)
    assert s.readProcessLog("sleeper", 0, 3) == "sle"
    assert s.readProcessStdoutLog("sleeper", -3, 0) == "up\n"
    assert s.readProcessStdoutLog("sleeper", n + 5, 0) == ""
    assert fault(s.readProcessStdoutLog, "sleeper", -1, 5) == (3, "BAD_ARGUMENTS")
    assert fault(s.readProcessStdoutLog, "sleeper", 0, -5) == (3, "BAD_ARGUMENTS")
    assert fault(s.readProcessStdoutLog, "quiet", 0, 0) == (20, "NO_FILE")
    assert fault(s.readProcessStdoutLog, "grp:*", 0, 0) == (10, "BAD_NAME: grp:*")
    assert s.readProcessStderrLog("sleeper", 0, 0) == ""
    assert s.tailProcessStdoutLog("sleeper", 0, 3) == ["up\n", n, True]
    assert s.tailProcessLog("sleeper", n - 3, 3) == ["up\n", n, False]
    assert s.tailProcessStdoutLog("sleeper", n, 10) == ["", n, False]
    assert s.tailProcessStdoutLog("quiet", 0, 10) == ["", 0, False]
    assert s.tailProcessStderrLog("sleeper", 0, 10) == ["", 0, False]
    main = s.readLog(0, 0)
    assert "supervisord started with pid" in main
    assert s.readMainLog(-10, 0) == main[-10:]
    assert fault(s.readLog, -1, 1) == (3, "BAD_ARGUMENTS")
    assert s.clearProcessLogs("sleeper") is True
    assert s.readProcessStdoutLog("sleeper", 0, 0) == ""
    assert s.clearProcessLog("cat") is True
    assert fault(s.clearProcessLogs, "nosuch") == (10, "BAD_NAME: nosuch")
    res = s.clearAllProcessLogs()
    assert sorted(r["name"] for r in res) == sorted(
        ["cat", "dir", "g1", "g2", "missing", "quick", "quiet", "sleeper", "slow"])
    assert {r["status"] for r in res} == {80}
    assert s.clearLog() is True


def test_stdin(rpc):
    d, p = rpc
    s = p.supervisor
    assert s.sendProcessStdin("cat", "hello\n") is True
    wait_for(lambda: s.readProcessStdoutLog("cat", 0, 0) == "hello\n", 5, "cat echo")
    assert fault(s.sendProcessStdin, "cat", 5) == (2, "INCORRECT_PARAMETERS: 5")
    assert fault(s.sendProcessStdin, "nosuch", 5) == (2, "INCORRECT_PARAMETERS: 5")
    assert fault(s.sendProcessStdin, "nosuch", "x") == (10, "BAD_NAME: nosuch")
    assert fault(s.sendProcessStdin, "quiet", "x") == (70, "NOT_RUNNING: quiet")


CONFIG_KEYS = ["autostart", "directory", "uid", "command", "exitcodes", "group", "group_prio",
               "inuse", "killasgroup", "name", "process_prio", "redirect_stderr",
               "startretries", "startsecs", "stdout_capture_maxbytes", "stdout_events_enabled",
               "stdout_logfile", "stdout_logfile_backups", "stdout_logfile_maxbytes",
               "stdout_syslog", "stopsignal", "stopwaitsecs", "stderr_capture_maxbytes",
               "stderr_events_enabled", "stderr_logfile", "stderr_logfile_backups",
               "stderr_logfile_maxbytes", "stderr_syslog", "serverurl"]


def test_config_and_groups(rpc):
    d, p = rpc
    s = p.supervisor
    info = s.getAllConfigInfo()
    assert [i["name"] for i in info] == sorted(i["name"] for i in info)
    assert list(info[0]) == CONFIG_KEYS
    sl = [i for i in info if i["name"] == "sleeper"][0]
    assert (sl["directory"], sl["uid"], sl["serverurl"], sl["exitcodes"], sl["stopsignal"],
            sl["inuse"], sl["group_prio"]) == ("none", "none", "none", [0], 15, True, 999)
    assert sl["stdout_logfile"] == s.getProcessInfo("sleeper")["stdout_logfile"]
    assert [i for i in info if i["name"] == "quiet"][0]["stdout_logfile"] == "none"
    assert s.reloadConfig() == [[[], [], []]]
    sl = [i for i in s.getAllConfigInfo() if i["name"] == "sleeper"][0]
    assert sl["stdout_logfile"] == "auto"  # Supervisor's trap after a reread
    d.write_config(d.conf.read_text() + "\n[program:extra]\ncommand={helpers}/sleeper\n"
                   "startsecs=0\n")
    assert s.reloadConfig() == [[["extra"], [], []]]
    assert fault(s.getProcessInfo, "extra") == (10, "BAD_NAME: extra")
    assert s.addProcessGroup("extra") is True
    assert fault(s.addProcessGroup, "extra") == (90, "ALREADY_ADDED: extra")
    assert fault(s.addProcessGroup, "nosuch") == (10, "BAD_NAME: nosuch")
    wait_state(p, "extra", "RUNNING")
    assert fault(s.removeProcessGroup, "extra") == (91, "STILL_RUNNING: extra")
    assert s.stopProcess("extra") is True
    assert s.removeProcessGroup("extra") is True
    assert fault(s.removeProcessGroup, "extra") == (10, "BAD_NAME: extra")
    d.write_config(d.conf.read_text() + "\n[program:bad]\n")
    code, text = fault(s.reloadConfig)
    assert code == 92 and text.startswith("CANT_REREAD: ")


def test_multicall(rpc):
    d, p = rpc
    calls = [
        {"methodName": "supervisor.getState"},
        {"methodName": "nosuch.x"},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
        {"methodName": "supervisor.stopProcess", "params": ["sleeper"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
        {"methodName": "supervisor.startProcess", "params": ["sleeper"]},
        {"methodName": "supervisor.getAPIVersion", "params": []},
    ]
    assert p.system.multicall(calls) == [
        {"statecode": 1, "statename": "RUNNING"},
        {"faultCode": 1, "faultString": "UNKNOWN_METHOD"},
        {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: No methodName"},
        {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"},
        True,
        {"faultCode": 10, "faultString": "BAD_NAME: nosuch"},
        True,
        "3.0",
    ]
    assert p.system.multicall([]) == []


def raw(d, method, path, body=b"", headers=None):
    c = UnixHTTPConnection(str(d.dir / "sv.sock"), timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def test_http_rules(rpc):
    d, p = rpc
    assert raw(d, "GET", "/RPC2")[0] == 400
    assert raw(d, "POST", "/RPC2", b"<nonsense")[0] == 400
    assert raw(d, "POST", "/RPC2", b"<methodCall><params/></methodCall>")[0] == 400
    st, body = raw(d, "POST", "/RPC2",
                   b"<?xml version='1.0'?><methodCall><methodName>supervisor.getAPIVersion"
                   b"</methodName></methodCall>")
    assert st == 200 and body == (b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                                  b"<value><string>3.0</string></value>\n</param>\n</params>\n"
                                  b"</methodResponse>\n")
    # a non-numeric log offset is an uncaught ValueError in Supervisor
    st, _ = raw(d, "POST", "/RPC2",
                b"<methodCall><methodName>supervisor.readLog</methodName><params>"
                b"<param><value><string>abc</string></value></param>"
                b"<param><value><int>0</int></value></param></params></methodCall>")
    assert st == 500
    assert raw(d, "GET", "/nosuch.css")[0] == 404


def test_logtail(rpc):
    d, p = rpc
    wait_for(lambda: "up" in p.supervisor.readProcessStdoutLog("sleeper", 0, 0), 5, "output")
    assert raw(d, "GET", "/logtail/nosuch")[0] == 404
    assert raw(d, "GET", "/logtail/quiet")[0] == 404
    assert raw(d, "POST", "/logtail/sleeper")[0] == 400
    c = UnixHTTPConnection(str(d.dir / "sv.sock"), timeout=10)
    c.request("GET", "/logtail/sleeper")
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Type") == "text/plain;charset=utf-8"
    assert r.getheader("Transfer-Encoding") == "chunked"
    first = r.read1(4096).decode()
    assert first.startswith("sleeper ") and first.endswith(" up\n")
    p.supervisor.sendProcessStdin("cat", "x\n")  # unrelated traffic
    c.close()
    c = UnixHTTPConnection(str(d.dir / "sv.sock"), timeout=10)
    c.request("GET", "/mainlogtail")
    r = c.getresponse()
    assert r.status == 200
    assert r.read1(4096)
    c.close()


def test_shutdown_state(daemons):
    d, p = start_rpc(daemons, PROGRAMS + "\n[program:stubborn]\ncommand={helpers}/slowstop\n"
                     "startsecs=0\nstopwaitsecs=3\n")
    wait_state(p, "stubborn", "RUNNING")
    assert p.supervisor.shutdown() is True
    assert fault(p.supervisor.getState) == (6, "SHUTDOWN_STATE")
    assert fault(p.supervisor.stopProcess, "stubborn") == (6, "SHUTDOWN_STATE")
    assert p.system.listMethods()
    assert p.supervisor.sendRemoteCommEvent("a", "b") is True
    d.wait_exit(20)


def test_restart_method(daemons):
    d, p = start_rpc(daemons)
    assert p.supervisor.restart() is True
    d.wait_log("supervisord started with pid", count=2, timeout=20)
    p2 = proxy(d)
    wait_for(lambda: _state(p2) == "RUNNING", 15, "RPC after restart")


def _state(p):
    try:
        return p.supervisor.getState()["statename"]
    except (OSError, xmlrpc.client.Fault, xmlrpc.client.ProtocolError):
        return None
