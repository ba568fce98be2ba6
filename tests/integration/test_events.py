"""Events and event listeners. A listener written with Supervisor's own
supervisor.childutils (tests/helpers/evlistener.py) runs under both daemons
through a scripted scenario (start, crash, backoff, fatal, stop, stdout and
stderr output, remote communication, group added and removed, a tick); the
events it receives, with their payload fields, must be the same, per process
in the same order, modulo pids, serials and times. Then the protocol's bad
inputs: garbage instead of READY, a RESULT with a wrong length or a bad line,
a listener that never answers, one that exits mid-event, one that answers
FAIL (ours re-sends with a growing delay, not in a tight loop)."""

import json
import re
import threading
import time
from pathlib import Path


from conftest import SUPERVISORD_SECTION, wait_for
from unixrpc import unix_proxy

REPO = Path(__file__).resolve().parents[2]
LISTENER = str(REPO / "tests" / "helpers" / "evlistener.py")
PY = "/usr/bin/python3"

RPC_HEAD = """
[unix_http_server]
file={tmp}/sv.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""


def proxy(d):
    return unix_proxy(d.dir / "sv.sock")


def read_events(path):
    """Records written by evlistener.py; each checked for a consistent len:."""
    out = []
    if not Path(path).exists():
        return out
    for line in Path(path).read_text().splitlines():
        rec = json.loads(line)
        assert int(rec["h"]["len"]) == len(rec["p"]), rec
        out.append(rec)
    return out


def fields(payload):
    """Payload header fields (first line) as a dict, plus the body."""
    head, _, body = payload.partition("\n")
    return dict(tok.split(":", 1) for tok in head.split()), body


def normalize(rec):
    """(eventname, fields without pid/when, body) of one record."""
    name = rec["h"]["eventname"]
    f, body = fields(rec["p"])
    for key in ("pid", "when"):
        f.pop(key, None)
    return name, tuple(sorted(f.items())), body


def wait_events(d, path, pred, desc, timeout=15):
    def check():
        if not d.running():
            raise AssertionError("%s supervisord died:\n%s" % (d.impl, d.log_text()[-3000:]))
        evs = read_events(path)
        return evs if pred(evs) else None
    try:
        return wait_for(check, timeout, desc)
    except AssertionError as e:
        raise AssertionError("%s [%s]\nevents: %s\nlog:\n%s" % (
            e, d.impl, [normalize(r) for r in read_events(path)], d.log_text()[-4000:]))


def has(evs, name, **want):
    for r in evs:
        if r["h"]["eventname"] != name:
            continue
        f, _ = fields(r["p"])
        if all(f.get(k) == v for k, v in want.items()):
            return True
    return False


SCENARIO = SUPERVISORD_SECTION + RPC_HEAD + """
[eventlistener:lis]
command=%(py)s %(listener)s {tmp}/events.jsonl
events=PROCESS_STATE,PROCESS_LOG,REMOTE_COMMUNICATION,PROCESS_GROUP,TICK_5
buffer_size=200
startsecs=0

[program:good]
command={helpers}/sleeper
startsecs=1
stdout_logfile=NONE

[program:crash]
command={helpers}/exiter 3 1500
startsecs=1
autorestart=false
stdout_logfile=NONE

[program:bad]
command={helpers}/exiter 1
startsecs=5
startretries=1
stdout_logfile=NONE

[program:talker]
command=/bin/sh -c 'echo to-stdout; sleep 0.2; echo to-stderr >&2; exec sleep 1000'
startsecs=0
stdout_events_enabled=true
stderr_events_enabled=true
""" % {"py": PY, "listener": LISTENER}

LATE = """
[program:late]
command={helpers}/sleeper
autostart=false
"""


def run_scenario(d):
    path = d.dir / "events.jsonl"
    d.start(SCENARIO)
    wait_events(d, path, lambda e: (
        has(e, "PROCESS_STATE_RUNNING", processname="good")
        and has(e, "PROCESS_STATE_EXITED", processname="crash")
        and has(e, "PROCESS_STATE_FATAL", processname="bad")
        and has(e, "PROCESS_LOG_STDOUT", processname="talker")
        and has(e, "PROCESS_LOG_STDERR", processname="talker")), "startup events", 20)
    s = proxy(d)
    s.supervisor.stopProcess("good")
    assert s.supervisor.sendRemoteCommEvent("mytype", "hello caf\u00e9\nline 2") is True
    wait_events(d, path, lambda e: has(e, "PROCESS_STATE_STOPPED", processname="good")
                and has(e, "REMOTE_COMMUNICATION"), "stop and remote events")
    d.write_config(SCENARIO + LATE)
    s.supervisor.reloadConfig()
    assert s.supervisor.addProcessGroup("late") is True
    wait_events(d, path, lambda e: has(e, "PROCESS_GROUP_ADDED", groupname="late"), "added")
    assert s.supervisor.removeProcessGroup("late") is True
    wait_events(d, path, lambda e: has(e, "PROCESS_GROUP_REMOVED", groupname="late"),
                "removed")
    wait_events(d, path, lambda e: has(e, "TICK_5"), "a TICK_5", 8)
    d.stop()
    return read_events(path)


def by_key(evs):
    """Group normalized events: state events per process, log events per
    (process, channel), everything else per event type; order kept."""
    groups = {}
    for r in evs:
        name, f, body = normalize(r)
        fd = dict(f)
        if name.startswith("PROCESS_STATE_"):
            key = ("state", fd["processname"])
        elif name.startswith("PROCESS_LOG_"):
            key = ("log", fd["processname"], fd["channel"])
        elif name.startswith("TICK_"):
            continue  # how many ticks fall in the run is timing
        else:
            key = ("other",)
        groups.setdefault(key, []).append((name, f, body))
    return groups


def test_childutils_listener_differential(c_daemons):
    results = {}
    errors = []

    def run(which):
        try:
            results[which] = run_scenario(c_daemons(which, which))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in ("python", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    if errors:
        raise errors[0]
    py, c = by_key(results["python"]), by_key(results["c"])
    assert sorted(c) == sorted(py)
    for key in py:
        assert c[key] == py[key], key

    # the envelope itself, byte for byte apart from the numbers
    for impl in ("python", "c"):
        for r in results[impl]:
            h = r["h"]
            assert list(h) == ["ver", "server", "serial", "pool", "poolserial", "eventname",
                               "len"]
            assert (h["ver"], h["server"], h["pool"]) == ("3.0", "itest", "lis")
        ticks = [r for r in results[impl] if r["h"]["eventname"] == "TICK_5"]
        assert ticks and all(int(fields(t["p"])[0]["when"]) % 5 == 0 for t in ticks)
        serials = [int(r["h"]["serial"]) for r in results[impl]]
        assert serials == sorted(serials) and len(set(serials)) == len(serials)
        poolserials = [int(r["h"]["poolserial"]) for r in results[impl]]
        assert poolserials == list(range(len(poolserials))), impl


# --------------------------------------------------------------------------
# the protocol's bad inputs

BAD_CONF = (SUPERVISORD_SECTION + RPC_HEAD + """
[eventlistener:lis]
command=%(py)s %(listener)s {tmp}/events.jsonl %%(ENV_LMODE)s
events=REMOTE_COMMUNICATION
buffer_size=%%(ENV_LBUF)s
startsecs=0
""" % {"py": PY, "listener": LISTENER}).replace("[supervisord]\n",
                                              "[supervisord]\nloglevel=%(ENV_LLEVEL)s\n")


def start_bad(d, mode, buf=10, loglevel="info"):
    d.env["LMODE"] = mode
    d.env["LBUF"] = str(buf)
    d.env["LLEVEL"] = loglevel
    d.start(BAD_CONF)
    d.wait_log(r"success: lis entered RUNNING")
    return proxy(d)


def send(s, n, prefix="m"):
    for i in range(n):
        assert s.supervisor.sendRemoteCommEvent("t", "%s%d" % (prefix, i)) is True


def assert_alive(d):
    s = proxy(d)
    assert s.supervisor.getState()["statename"] == "RUNNING"


def test_garbage_instead_of_ready(daemon):
    d = daemon
    s = start_bad(d, "garbage")
    d.wait_log(r"WARN lis: has entered the UNKNOWN state and will no longer receive events")
    send(s, 3)
    assert_alive(d)
    assert read_events(d.dir / "events.jsonl") == []
    d.stop()


def test_result_with_wrong_length(daemon):
    # "RESULT 5\nOK" swallows the next "READY\n" into the body: the event is
    # rejected; the rest of READY is parsed as the next message
    d = daemon
    s = start_bad(d, "badlen")
    send(s, 1)
    d.wait_log(r"WARN lis: event was rejected")
    assert_alive(d)
    assert [r["p"] for r in read_events(d.dir / "events.jsonl")] == ["type:t\nm0"]
    d.stop()


def test_bad_result_line(daemon):
    d = daemon
    s = start_bad(d, "badline")
    send(s, 1)
    d.wait_log(r"WARN lis: bad result line: 'RESULT x'")
    d.wait_log(r"WARN lis: has entered the UNKNOWN state")
    send(s, 2)
    assert_alive(d)
    assert len(read_events(d.dir / "events.jsonl")) == 1
    d.stop()


def test_listener_never_answers(daemon):
    # the buffer fills; the oldest events are dropped and logged; the daemon
    # keeps serving
    d = daemon
    s = start_bad(d, "silent", buf=3)
    send(s, 1, "first")
    wait_for(lambda: read_events(d.dir / "events.jsonl"), 10, "first event delivered")
    send(s, 5)
    d.wait_log(r"ERRO pool lis event buffer overflowed, discarding event \d+", count=2)
    assert_alive(d)
    assert len(read_events(d.dir / "events.jsonl")) == 1
    d.stop()


def test_listener_exits_mid_event(daemon):
    # the in-flight event is given again to the restarted listener
    d = daemon
    s = start_bad(d, "die1")
    send(s, 1, "lost?")
    d.wait_log(r"exited: lis \(exit status 3; not expected\)")
    evs = wait_events(d, d.dir / "events.jsonl", lambda e: len(e) >= 2, "re-delivery")
    assert [r["p"] for r in evs[:2]] == ["type:t\nlost?0"] * 2
    assert evs[0]["pid"] != evs[1]["pid"]
    assert evs[0]["h"]["serial"] == evs[1]["h"]["serial"]
    assert evs[0]["h"]["poolserial"] == evs[1]["h"]["poolserial"]
    send(s, 1, "next")
    wait_events(d, d.dir / "events.jsonl", lambda e: len(e) >= 3, "next event")
    assert_alive(d)
    d.stop()


def test_fail_is_resent_with_backoff(c_daemons):
    # Python re-sends a FAILed event at once, thousands of times a second;
    # ours waits 100 ms, then 200, 400, ... between attempts
    d = c_daemons()
    s = start_bad(d, "fail4", loglevel="debug")
    send(s, 1)
    evs = wait_events(d, d.dir / "events.jsonl", lambda e: len(e) >= 5, "5 deliveries")
    assert [r["p"] for r in evs] == ["type:t\nm0"] * 5
    assert len({r["h"]["serial"] for r in evs}) == 1
    assert len(d.lines(r"WARN lis: event was rejected")) == 4
    delays = [int(re.search(r"in (\d+) ms", t).group(1))
              for t in d.lines(r"will be re-sent in \d+ ms")]
    assert delays == [100, 200, 400, 800]
    # once answered OK, the event is not sent again: the next one follows
    send(s, 1, "after")
    evs = wait_events(d, d.dir / "events.jsonl", lambda e: len(e) >= 6, "next event")
    assert [r["p"] for r in evs[5:]] == ["type:t\nafter0"]
    assert_alive(d)
    d.stop()


# --------------------------------------------------------------------------
# capture mode: PROCESS_COMMUNICATION_STDOUT/STDERR

CAPTURE_CONF = SUPERVISORD_SECTION + RPC_HEAD + """
[eventlistener:lis]
command=%(py)s %(listener)s {tmp}/events.jsonl
events=PROCESS_COMMUNICATION
startsecs=0

[program:comm]
command=/bin/sh -c 'printf "before<!--XSUPERVISOR:BEGIN-->to stdout\\n<!--XSUPERVISOR:END-->after, long enough to be logged\\n"; printf "e<!--XSUPERVISOR:BEGIN-->to stderr<!--XSUPERVISOR:END-->and then some more words\\n" >&2; exec sleep 1000'
startsecs=0
stdout_capture_maxbytes=1MB
stderr_capture_maxbytes=1MB
stdout_logfile={tmp}/comm.out
stderr_logfile={tmp}/comm.err
""" % {"py": PY, "listener": LISTENER}


def test_capture_mode_events(daemon):
    d = daemon
    d.start(CAPTURE_CONF)
    path = d.dir / "events.jsonl"
    evs = wait_events(d, path, lambda e: len(e) >= 2, "two comm events")
    got = sorted((r["h"]["eventname"], normalize(r)[1], r["p"].partition("\n")[2])
                 for r in evs)
    assert got == [
        ("PROCESS_COMMUNICATION_STDERR", (("groupname", "comm"), ("processname", "comm")),
         "to stderr"),
        ("PROCESS_COMMUNICATION_STDOUT", (("groupname", "comm"), ("processname", "comm")),
         "to stdout\n"),
    ]
    wait_for(lambda: (d.dir / "comm.out").exists() and "after" in (d.dir / "comm.out").read_text(),
             10, "stdout log")
    assert (d.dir / "comm.out").read_text() == "beforeafter, long enough to be logged\n"
    wait_for(lambda: "words" in (d.dir / "comm.err").read_text(), 10, "stderr log")
    assert (d.dir / "comm.err").read_text() == "eand then some more words\n"
    d.stop()


TAIL_CONF = SUPERVISORD_SECTION + """
[program:tail]
command=/bin/sh -c 'printf "<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->short tail\\n"'
startsecs=0
autorestart=false
stdout_capture_maxbytes=1MB
stdout_logfile={tmp}/tail.out
"""


def test_capture_mode_keeps_the_tail(daemon):
    # Python holds back output of <= 24 bytes while looking for a token and
    # loses it when the process exits; ours writes it at EOF
    d = daemon
    d.start(TAIL_CONF)
    d.wait_log(r"exited: tail \(exit status 0; expected\)")
    text = (d.dir / "tail.out").read_text()
    if d.impl == "python":
        assert text == ""
    else:
        assert text == "short tail\n"
    d.stop()


# --------------------------------------------------------------------------
# pools and shutdown

POOL_CONF = SUPERVISORD_SECTION + RPC_HEAD + """
[eventlistener:pool]
command=%(py)s %(listener)s {tmp}/events.jsonl
process_name=%%(program_name)s_%%(process_num)d
numprocs=2
events=REMOTE_COMMUNICATION
startsecs=0
""" % {"py": PY, "listener": LISTENER}


def test_pool_of_two_listeners(daemon):
    d = daemon
    d.start(POOL_CONF)
    d.wait_log(r"success: pool_1 entered RUNNING")
    s = proxy(d)
    send(s, 6)
    evs = wait_events(d, d.dir / "events.jsonl", lambda e: len(e) >= 6, "6 events")
    assert sorted(r["p"] for r in evs) == ["type:t\nm%d" % i for i in range(6)]
    assert {r["h"]["pool"] for r in evs} == {"pool"}
    assert sorted(int(r["h"]["poolserial"]) for r in evs) == list(range(6))
    assert_alive(d)
    d.stop()
    assert len(read_events(d.dir / "events.jsonl")) == 6  # each delivered once


STOPPING_CONF = SUPERVISORD_SECTION + """
[eventlistener:lis]
command=%(py)s %(listener)s {tmp}/events.jsonl
events=SUPERVISOR_STATE_CHANGE,PROCESS_STATE_STOPPING,PROCESS_STATE_STOPPED
startsecs=0

[program:sl]
command={helpers}/sleeper
startsecs=0
""" % {"py": PY, "listener": LISTENER}


def test_listener_sees_the_shutdown(c_daemons):
    # the listener pool (priority -1) is stopped last, once it has delivered
    # what the other groups' stops produced (Python does so only by the
    # accident of its slow loop)
    d = c_daemons()
    d.start(STOPPING_CONF)
    wait_events(d, d.dir / "events.jsonl",
                lambda e: has(e, "SUPERVISOR_STATE_CHANGE_RUNNING"), "RUNNING")
    d.wait_log(r"success: sl entered RUNNING")
    d.stop()
    names = [(r["h"]["eventname"], fields(r["p"])[0].get("processname"))
             for r in read_events(d.dir / "events.jsonl")]
    assert names == [("SUPERVISOR_STATE_CHANGE_RUNNING", None),
                     ("SUPERVISOR_STATE_CHANGE_STOPPING", None),
                     ("PROCESS_STATE_STOPPING", "sl"), ("PROCESS_STATE_STOPPED", "sl")]


IDLE_CONF = SUPERVISORD_SECTION + """
[eventlistener:lis]
command=%(py)s %(listener)s {tmp}/events.jsonl
events=PROCESS_STATE,PROCESS_GROUP,REMOTE_COMMUNICATION
startsecs=0

[program:a]
command={helpers}/sleeper
startsecs=0
""" % {"py": PY, "listener": LISTENER}


def ctx_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        fields_ = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields_["voluntary_ctxt_switches"]) + int(fields_["nonvoluntary_ctxt_switches"])


def test_no_idle_wakeups_without_tick_subscribers(c_daemons):
    # a listener that takes no TICK_* type arms no timer
    d = c_daemons()
    d.start(IDLE_CONF)
    wait_events(d, d.dir / "events.jsonl",
                lambda e: has(e, "PROCESS_STATE_RUNNING", processname="a"), "a RUNNING")
    time.sleep(0.3)  # let the listener's last answer settle
    before = ctx_switches(d.pid)
    time.sleep(1.5)  # an idle window
    after = ctx_switches(d.pid)
    assert after == before, "daemon woke up %d times while idle" % (after - before)
    d.stop()
