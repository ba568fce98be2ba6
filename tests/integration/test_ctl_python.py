"""Differential test: the real Python supervisorctl (Debian's 4.2.5,
/usr/bin/supervisorctl) drives Python's supervisord and ours through the same
command script; stdout, stderr and exit status of every command must be equal
once pids, uptimes, dates, the daemons' tmp directories and AUTO-log random
suffixes are normalised.

Each test starts one daemon of each implementation and runs its script on
both at once (one thread each). Results that Supervisor itself produces in
completion order (stop/restart of several processes: a child that dies
before stopProcess reaps it is reported at once, the others later) are
compared as sorted lines. A few spot checks of the oracle's transcript keep
the harness honest (a script that only got "refused connection" would
otherwise compare equal).

Environment: SUPERVISORCTL (default /usr/bin/supervisorctl); CTL_TRANSCRIPTS
(a directory: both normalised transcripts of each test are written there);
plus the knobs of conftest.py.
"""

import difflib
import os
import pty
import re
import select
import signal
import subprocess
import threading
import time
import traceback
import xmlrpc.client

import pytest

from conftest import SUPERVISORD_SECTION, _factory, run_cmd, wait_for
from unixrpc import unix_proxy

CTL = os.environ.get("SUPERVISORCTL", "/usr/bin/supervisorctl")

HEAD = SUPERVISORD_SECTION + """
[unix_http_server]
file={tmp}/sv.sock

[supervisorctl]
serverurl=unix://{tmp}/sv.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

# Python's supervisord answers a waiting call only on a loop pass at least
# 50 ms after the previous poll, and without I/O a pass comes once a second.
# A chatty child keeps its loop busy, so a `start`/`stop` returns soon after
# the state change instead of on the next tick (no effect on what is shown
# besides its own status row).
TICKER = """
[program:ticker]
command={helpers}/spewer -n -1 -i 40
stdout_logfile=NONE
startsecs=0
"""


# --------------------------------------------------------------------------
# XML-RPC for waits (not what is compared)

def proxy(d):
    url = "http://localhost/RPC2"
    if "username=user" in d.conf.read_text():
        url = "http://user:123@localhost/RPC2"
    return unix_proxy(d.dir / "sv.sock", url, keepalive=False)


def rpc_state(d):
    try:
        return proxy(d).supervisor.getState()["statename"]
    except xmlrpc.client.ProtocolError as e:
        return "AUTH" if e.errcode == 401 else None
    except (OSError, xmlrpc.client.Fault):
        return None


# --------------------------------------------------------------------------
# normalisation

DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d [AP]M\b")


def normalize(text, d, pid_lines=False):
    text = text.replace(str(d.dir), "{tmp}")
    text = re.sub(r"---itest-[A-Za-z0-9_]+\.log", "---itest-RANDOM.log", text)
    text = re.sub(r"\bpid \d+", "pid N", text)
    text = re.sub(r"uptime (\d+ days?, )?\d+:\d\d:\d\d", "uptime U", text)
    text = DATE.sub("DATE", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", "TIMESTAMP", text)
    if pid_lines:  # `pid` output; 0 stays
        text = re.sub(r"(?m)^[1-9]\d*$", "PID", text)
    text = re.sub(r"\b(sleeper|exiter|slowstop) \d+", r"\1 N", text)
    return text


def sort_runs(text, suffix):
    """Sort each run of consecutive lines ending with suffix (results that
    Supervisor gives in completion order), keeping everything else in place."""
    out, run = [], []
    for line in text.splitlines(True) + [None]:
        if line is not None and line.endswith(suffix):
            run.append(line)
            continue
        out.extend(sorted(run))
        run = []
        if line is not None:
            out.append(line)
    return "".join(out)


def sort_phases(text):
    """restart all/group:*: the stop results, then the start results, each
    sorted (both come in completion order: whether a program that exits at
    once fails in the first pass or a later one is a race in Supervisor)."""
    lines = text.splitlines(True)
    stops = [l for l in lines if l.endswith(": stopped\n")]
    k = 0
    while k < len(lines) and lines[k].endswith(": stopped\n"):
        k += 1
    if lines[:k] != stops:  # a stop result after a start one: keep as is
        return text
    return "".join(sorted(stops) + sorted(lines[k:]))


# --------------------------------------------------------------------------
# sessions: one daemon, the transcript of what supervisorctl did to it

class Session:
    def __init__(self, d):
        self.d = d
        self.impl = d.impl
        self.entries = []   # (label, text) compared between implementations
        self.results = {}   # label -> (rc, stdout, stderr) normalised, for spot checks

    def argv(self, line):
        return [CTL, "-c", str(self.d.conf)] + line.split()

    def ctl(self, line, unordered=False, label=None):
        """Run `supervisorctl -c conf <line>` to completion and record it."""
        r = run_cmd(self.argv(line), self.d.dir, env=self.d.env, timeout=60)
        return self.record(label or line, r.returncode, r.stdout, r.stderr, unordered,
                           pid_lines=line.split()[0] == "pid")

    def record(self, label, rc, out, err, unordered=False, pid_lines=False):
        out, err = normalize(out, self.d, pid_lines), normalize(err, self.d)
        # unordered="all": every line is a result given in completion order
        # (e.g. whether a program that exits at once fails in start all's
        # first pass or a later one is a race in Supervisor too); "phases":
        # restart's stop results then its start results
        shown = ("".join(sorted(out.splitlines(True))) if unordered == "all"
                 else sort_phases(out) if unordered == "phases"
                 else sort_runs(out, ": stopped\n") if unordered else out)
        text = "[rc=%s]\n%s%s" % (rc, shown, ("[stderr]\n" + err) if err else "")
        while label in self.results:
            label += "'"
        self.entries.append((label, text))
        self.results[label] = (rc, out, err)
        return rc, out, err

    def note(self, label, text):
        self.entries.append((label, text))

    def rpc(self):
        return proxy(self.d).supervisor

    def wait_state(self, name, *states, timeout=15):
        return wait_for(lambda: self.rpc().getProcessInfo(name)["statename"] in states,
                        timeout, "%s of %s supervisord in %s" % (name, self.impl, states))

    def wait_up(self, timeout=20):
        wait_for(lambda: rpc_state(self.d) in ("RUNNING", "AUTH"), timeout,
                 "the RPC interface of %s supervisord" % self.impl)

    def expect(self, label, rc=None, out=None, contains=None, err=None):
        """Spot check of the oracle (called on the python session only)."""
        got = self.results[label]
        if rc is not None:
            assert got[0] == rc, (label, got)
        if out is not None:
            assert got[1] == out, (label, got)
        if contains is not None:
            assert contains in got[1], (label, got)
        if err is not None:
            assert got[2] == err, (label, got)


def transcript(session):
    return "".join("$ supervisorctl %s\n%s\n" % (label, text) for label, text in session.entries)


@pytest.fixture
def pair(tmp_path, helpers):
    """run(config, script) -> {impl: Session}: starts a Python and a C
    supervisord on config (HEAD is prepended) and runs script(session) on both
    concurrently, then asserts the transcripts are equal."""
    make, finish = _factory("python", tmp_path)
    made = []

    def run(programs, script, compare=True, head=HEAD):
        sessions = {}
        for impl in ("python", "c"):
            d = make(impl, impl)
            made.append(d)
            d.start(head + programs)
            sessions[impl] = Session(d)
        errors = {}

        def worker(s):
            try:
                s.wait_up()
                script(s)
            except BaseException:  # reported below, with the impl
                errors[s.impl] = traceback.format_exc()
        threads = [threading.Thread(target=worker, args=(s,)) for s in sessions.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        if errors:
            pytest.fail("\n".join("[%s supervisord] %s\nlog:\n%s" % (
                impl, tb, sessions[impl].d.log_text()[-2000:]) for impl, tb in errors.items()))
        if compare:
            compare_sessions(sessions)
        return sessions
    yield run
    # Python's supervisord stops one priority group per loop pass (up to a
    # second each): the oracle is simply killed with its children; ours
    # gets SIGTERM so its exit path (and any sanitizer report) still runs.
    for d in made:
        if d.running():
            kids = [p for p, *_ in d.children()]
            if d.impl == "python":
                for pid in [d.pid] + kids:
                    os.kill(pid, signal.SIGKILL)
            else:
                os.kill(d.pid, signal.SIGTERM)
    finish()


def compare_sessions(sessions):
    want, got = transcript(sessions["python"]), transcript(sessions["c"])
    if os.environ.get("CTL_TRANSCRIPTS"):  # a directory: keep both for reading
        base = os.path.join(os.environ["CTL_TRANSCRIPTS"],
                            os.environ.get("PYTEST_CURRENT_TEST", "t").split(" ")[0]
                            .split("::")[-1])
        for impl, text in (("python", want), ("c", got)):
            with open("%s.%s.txt" % (base, impl), "w") as f:
                f.write(text)
    if want != got:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "python supervisord", "c supervisord", n=4))
        pytest.fail("supervisorctl transcripts differ:\n" + diff, pytrace=False)


# --------------------------------------------------------------------------
# configs

PROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[program:cat]
command=/bin/cat
startsecs=0
autostart=false

[program:quiet]
command={helpers}/sleeper
stdout_logfile=NONE
autostart=false

[program:quick]
command={helpers}/exiter 3
startsecs=1
startretries=0
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
""" + TICKER


def settle(s):
    for name in ("sleeper", "grp:g1", "grp:g2", "ticker"):
        s.wait_state(name, "RUNNING")


# --------------------------------------------------------------------------
# status / start / stop / restart / signal / pid / version / avail / clear

def test_process_commands(pair):
    def script(s):
        settle(s)
        for line in ("status", "status sleeper", "status sleeper cat", "status grp:*",
                     "status nosuch", "status nosuch:*", "status grp",
                     "status nosuch sleeper nosuch:*", "status all",
                     "start", "start sleeper", "start cat", "status cat", "start nosuch",
                     "start nosuch:*", "start missing", "start dir", "start quick",
                     "status quick", "start grp:*", "start nosuch sleeper cat"):
            s.ctl(line)
        s.ctl("start all", unordered="all")
        s.ctl("status")
        for line in ("stop", "stop cat", "stop cat", "stop nosuch", "stop nosuch:*",
                     "stop grp:g1 nosuch"):
            s.ctl(line)
        s.ctl("stop grp:*", unordered=True)
        s.ctl("status")
        s.ctl("start grp:* quiet")
        s.ctl("stop all", unordered=True)
        s.ctl("status")
        s.ctl("start all", unordered="all")
        for line in ("restart", "restart sleeper", "restart nosuch", "restart nosuch:*"):
            s.ctl(line)
        s.ctl("restart grp:*", unordered="phases")
        s.ctl("restart all", unordered="phases")
        s.ctl("stop quiet")
        for line in ("signal", "signal HUP", "signal HUP nosuch", "signal BOGUS sleeper",
                     "signal 0 sleeper", "signal HUP quiet", "signal 0 nosuch:*",
                     "signal USR1 grp:*", "signal BOGUS grp:*", "signal 0 all",
                     "pid", "pid sleeper", "pid quiet", "pid nosuch", "pid grp:g1", "pid all",
                     "version", "version x", "avail", "avail x",
                     "clear", "clear sleeper", "clear grp:*", "clear nosuch", "clear all"):
            s.ctl(line)
        s.ctl("status sleeper quiet")

    py = pair(PROCS, script)["python"]
    py.expect("status", rc=3)
    py.expect("status grp:*", rc=0)
    py.expect("status nosuch:*", rc=4, out="nosuch: ERROR (no such group)\n")
    py.expect("start", rc=2, contains="Error: start requires a process name")
    py.expect("start sleeper", rc=0, out="sleeper: ERROR (already started)\n")
    py.expect("start quick", rc=7, out="quick: ERROR (spawn error)\n")
    py.expect("start nosuch:*", rc=2)
    py.expect("stop cat'", rc=0, out="cat: ERROR (not running)\n")
    py.expect("signal HUP quiet", rc=7, out="quiet: ERROR (not running)\n")
    py.expect("pid quiet", rc=7, out="0\n")
    py.expect("version", rc=0, out="4.2.5\n")
    py.expect("clear grp:*", rc=1, out="grp:None: ERROR (no such process)\n")


# --------------------------------------------------------------------------
# tail / maintail (one-shot)

LOGPROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[program:both]
command={helpers}/exiter 0 600000
startsecs=0

[program:quiet]
command={helpers}/sleeper
stdout_logfile=NONE
autostart=false

[program:gone]
command={helpers}/sleeper
stdout_logfile={tmp}/gone.log
autostart=false

[program:merged]
command={helpers}/exiter 0 600000
startsecs=0
redirect_stderr=true

[program:spew]
command={helpers}/spewer -n 60
startsecs=0

[group:grp]
programs=g1

[program:g1]
command={helpers}/sleeper
startsecs=0
"""

SPEW_SIZE = 60 * 47


def spewed(s, name="spew"):
    wait_for(lambda: len(s.rpc().readProcessStdoutLog(name, 0, 0)) == SPEW_SIZE, 10,
             "%s's 60 lines" % name)


def test_tail_and_maintail(pair):
    def script(s):
        for name in ("sleeper", "both", "merged", "grp:g1"):
            s.wait_state(name, "RUNNING")
        wait_for(lambda: "exiter stderr" in s.rpc().readProcessStderrLog("both", 0, 0), 10,
                 "both's stderr")
        wait_for(lambda: "exiter stderr" in s.rpc().readProcessStdoutLog("merged", 0, 0), 10,
                 "merged's output")
        spewed(s)
        for line in ("tail spew", "tail -100 spew", "tail -0 spew", "tail -2820 spew",
                     "tail -2821 spew", "tail", "tail sleeper", "tail sleeper stdout", "tail sleeper stderr",
                     "tail sleeper STDOUT", "tail -0 sleeper", "tail -100000 sleeper",
                     "tail both stderr", "tail both", "tail -3 both stderr",
                     "tail -14 both stderr", "tail merged", "tail merged stderr",
                     "tail sleeper bogus", "tail -x sleeper", "tail -f", "tail -f -f",
                     "tail a b c", "tail a b c d", "tail -5 a b", "tail -5 a stderr",
                     "tail nosuch", "tail nosuch stderr", "tail grp:*", "tail grp:g1",
                     "tail g1", "tail quiet", "tail quiet stderr", "tail gone",
                     "maintail x y", "maintail -x", "maintail abc", "maintail -f x",
                     "maintail -20", "maintail -0", "maintail",
                     "clear both", "tail both stderr", "tail both"):
            s.ctl(line)

    py = pair(LOGPROCS, script)["python"]
    py.expect("tail sleeper", rc=0, out="sleeper N up\n\n")
    py.expect("tail -3 both stderr", rc=0, out="rr\n\n")
    py.expect("tail quiet", rc=1, out="quiet: ERROR (no log file)\n")
    py.expect("tail grp:*", rc=1, out="grp:*: ERROR (no such process name)\n")
    py.expect("tail a b c", rc=1, out="Error: bad channel 'c'\n")
    py.expect("maintail -0", rc=0, contains="supervisord started with pid N\n")


# --------------------------------------------------------------------------
# reread / update / add / remove / avail

CFGPROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[program:gone]
command={helpers}/sleeper
startsecs=0

[program:idle]
command={helpers}/sleeper
autostart=false

[group:grp]
programs=g1

[program:g1]
command={helpers}/sleeper
startsecs=0
""" + TICKER

CFG_CHANGED = CFGPROCS.replace(
    "[program:gone]\ncommand={helpers}/sleeper\nstartsecs=0\n", "").replace(
    "[program:sleeper]\ncommand={helpers}/sleeper\n",
    "[program:sleeper]\ncommand={helpers}/sleeper 3\n").replace(
    "programs=g1\n", "programs=g1,g2\n") + """
[program:g2]
command={helpers}/sleeper
startsecs=0

[program:extra]
command={helpers}/sleeper
startsecs=0

[program:extra2]
command={helpers}/sleeper
startsecs=0
autostart=false
priority=5
"""


def test_config_commands(pair):
    def script(s):
        for name in ("sleeper", "gone", "grp:g1", "ticker"):
            s.wait_state(name, "RUNNING")
        for line in ("avail", "reread", "reread x", "update", "update nosuch",
                     "add", "add nosuch", "add sleeper", "remove nosuch", "remove sleeper"):
            s.ctl(line)
        s.d.write_config(HEAD + CFG_CHANGED)
        for line in ("reread", "avail", "reread", "add extra", "add extra", "add extra nosuch",
                     "status extra", "remove extra", "stop extra", "remove extra",
                     "remove extra", "avail", "update nosuch sleeper", "status sleeper",
                     "update gone", "status", "update all", "status", "avail", "update",
                     "reread"):
            s.ctl(line)
        s.d.write_config(HEAD + CFG_CHANGED + "\n[program:bad]\n")
        for line in ("reread", "update", "avail"):
            s.ctl(line)
        s.d.write_config(HEAD + CFG_CHANGED.replace("[program:extra]", "[program:extra3]"))
        s.ctl("stop extra")
        s.ctl("update extra extra3")
        s.ctl("status")

    py = pair(CFGPROCS, script)["python"]
    py.expect("reread", rc=0, out="No config updates to processes\n")
    py.expect("reread'", rc=0, out="extra: available\nextra2: available\ngone: disappeared\n"
              "grp: changed\nsleeper: changed\n")
    py.expect("add nosuch", rc=1, out="ERROR: no such process/group: nosuch\n")
    py.expect("add extra'", rc=0, out="ERROR: process group already active\n")
    py.expect("remove extra", rc=1, out="ERROR: process/group still running: extra\n")
    py.expect("update nosuch sleeper", rc=1)
    py.expect("reread''''", rc=1, contains="ERROR: CANT_REREAD: ")
    py.expect("update''", rc=1, contains="error: <class 'xmlrpc.client.Fault'>, <Fault 92: ")


# --------------------------------------------------------------------------
# reload, shutdown, and what supervisorctl says during and after a shutdown

SHUTPROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0
""" + TICKER

# added by the reload: it ignores SIGTERM for 30 s, so the shutdown lasts
# until the test kills it
STUBBORN = """
[program:stubborn]
command={helpers}/slowstop {tmp}/stubborn.pid
startsecs=0
stopwaitsecs=30
"""


def test_reload_and_shutdown(pair):
    def script(s):
        for name in ("sleeper", "ticker"):
            s.wait_state(name, "RUNNING")
        s.ctl("reload x")
        s.d.write_config(HEAD + SHUTPROCS + STUBBORN)
        s.ctl("reload")
        wait_for(lambda: s.d.lines(r"supervisord started with pid") and
                 len(s.d.lines(r"supervisord started with pid")) == 2, 40,
                 "%s supervisord to restart" % s.impl)
        s.wait_up()
        for name in ("sleeper", "stubborn", "ticker"):
            s.wait_state(name, "RUNNING")
        s.ctl("status")
        # a `tail -f` open across the shutdown ends when the server closes
        tailer = subprocess.Popen(s.argv("tail -f sleeper"), cwd=str(s.d.dir), env=s.d.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
        head = b""
        try:
            # the tail must be under way before the shutdown (else it is a race)
            deadline = time.monotonic() + 15
            while b" up\n" not in head and time.monotonic() < deadline:
                if select.select([tailer.stdout], [], [], 0.2)[0]:
                    chunk = os.read(tailer.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    head += chunk
            s.ctl("shutdown x")
            s.ctl("shutdown")
            # stubborn ignores SIGTERM for 30 s: the daemon stays in SHUTDOWN
            for line in ("shutdown", "status", "start sleeper", "reload", "avail", "reread",
                         "update", "add sleeper", "remove sleeper", "tail sleeper",
                         "maintail -5", "version", "pid"):
                s.ctl(line)
            os.kill(int((s.d.dir / "stubborn.pid").read_text()), signal.SIGKILL)
            s.d.wait_exit(20)
            out, err = tailer.communicate(timeout=20)
        finally:
            if tailer.poll() is None:
                tailer.kill()
                tailer.wait()
        s.record("tail -f sleeper (daemon shut down meanwhile)", tailer.returncode,
                 (head + out).decode(), err.decode())
        for line in ("status", "shutdown", "reread", "tail -f sleeper", "version"):
            s.ctl(line)

    py = pair(SHUTPROCS, script)["python"]
    py.expect("reload", rc=0, out="Restarted supervisord\n")
    py.expect("shutdown", rc=0, out="Shut down\n")
    py.expect("shutdown'", rc=0, out="ERROR: already shutting down\n")
    py.expect("status", rc=0)
    py.expect("status'", rc=1, contains="<Fault 6: 'SHUTDOWN_STATE'>")
    py.expect("status''", rc=4, out="unix://{tmp}/sv.sock no such file\n")
    py.expect("shutdown''", rc=1,
              out="ERROR: unix://{tmp}/sv.sock no such file (already shut down?)\n")
    py.expect("tail -f sleeper (daemon shut down meanwhile)", rc=0,
              out="==> Press Ctrl-C to exit <==\nsleeper N up\n")


# --------------------------------------------------------------------------
# tail -f and maintail -f: stream, then Ctrl-C (SIGINT)

FOLLOWPROCS = """
[program:cat]
command=/bin/cat
startsecs=0

[program:talker]
command={helpers}/exiter 0 600000
startsecs=0

[program:quiet]
command={helpers}/sleeper
stdout_logfile=NONE
startsecs=0

[program:spew]
command={helpers}/spewer -n 60
startsecs=0
""" + TICKER


class Follower:
    """supervisorctl running in the background until interrupted."""

    def __init__(self, s, line):
        self.s, self.line = s, line
        # unbuffered: the banner is otherwise held until the first chunk
        env = dict(s.d.env, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(s.argv(line), cwd=str(s.d.dir), env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.out = b""
        self.done = False
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self):
        for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):
            self.out += chunk
        self.done = True

    def wait_output(self, text, count=1, timeout=15):
        wait_for(lambda: self.out.decode("utf-8", "replace").count(text) >= count, timeout,
                 "%r in `%s` output against %s supervisord (got %r)"
                 % (text, self.line, self.s.impl, self.out))

    def interrupt(self, label=None):
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._t.join(5)
        err = self.proc.stderr.read()
        return self.s.record(label or self.line + " ^C", rc, self.out.decode(), err.decode())


def test_tail_follow(pair):
    def script(s):
        for name in ("cat", "talker", "quiet", "ticker"):
            s.wait_state(name, "RUNNING")
        wait_for(lambda: "exiter stderr" in s.rpc().readProcessStderrLog("talker", 0, 0), 10,
                 "talker's stderr")
        f1 = Follower(s, "tail -f cat")
        f2 = Follower(s, "tail -f talker stderr")
        f3 = Follower(s, "tail -f talker")
        f4 = Follower(s, "maintail -f")
        spewed(s)
        f5 = Follower(s, "tail -f spew")  # starts with the last 1024 bytes
        f5.wait_output("O00000059 ")
        f1.wait_output("==> Press Ctrl-C to exit <==\n")
        f2.wait_output("exiter stderr\n")
        f3.wait_output(" code 0\n")
        f4.wait_output("supervisord started with pid")
        s.rpc().sendProcessStdin("cat", "hello\n")
        f1.wait_output("hello\n")
        s.rpc().sendProcessStdin("cat", "world\n")
        f1.wait_output("world\n")
        # a cleared (truncated) log is followed from its new start
        s.rpc().clearProcessLogs("cat")
        s.rpc().sendProcessStdin("cat", "again\n")
        f1.wait_output("again\n")
        s.rpc().stopProcess("cat")
        f4.wait_output("stopped: cat (terminated by SIGTERM)\n")
        f1.interrupt()
        f2.interrupt()
        f3.interrupt()
        f5.interrupt()
        # maintail -f starts with the last 1024 bytes of the main log, cut at
        # a byte offset that depends on pid widths: compare what came later.
        # (Not "waiting for cat to stop": Python logs it only when cat was not
        # already reaped inside stopProcess, a race; ours always logs it.)
        rc, out, err = f4.interrupt(label="maintail -f ^C (from the stop on)")
        banner, rest = out.split("\n", 1)
        later = rest[re.search(r"(?m)^.*stopped: cat", rest).start():]
        s.entries[-1] = (s.entries[-1][0], "[rc=%s]\n%s\n%s%s" % (rc, banner, later, err))
        for line in ("tail -f nosuch", "tail -f quiet", "tail -f cat bogus"):
            s.ctl(line)

    py = pair(FOLLOWPROCS, script)["python"]
    py.expect("tail -f cat ^C", rc=0,
              out="==> Press Ctrl-C to exit <==\nhello\nworld\nagain\n\n")
    py.expect("tail -f talker stderr ^C", rc=0,
              out="==> Press Ctrl-C to exit <==\nexiter stderr\n\n")
    py.expect("tail -f spew ^C", rc=0)
    assert len(py.results["tail -f spew ^C"][1]) == len("==> Press Ctrl-C to exit <==\n") + 1024 + 1
    py.expect("tail -f nosuch", rc=0, out="==> Press Ctrl-C to exit <==\n",
              err="unix://{tmp}/sv.sock/logtail/nosuch/stdout Cannot read, status code 404\n")


# --------------------------------------------------------------------------
# fg: through a pty, Ctrl-C; and its error forms

class PtyCtl:
    """supervisorctl on a pty of its own (controlling terminal), as a user
    typing at it."""

    def __init__(self, s, line):
        self.s, self.line = s, line
        argv = s.argv(line)
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                os.chdir(str(s.d.dir))
                os.execve(argv[0], argv, s.d.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.out = b""
        self.status = None

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if r:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            self.out += data
            return bool(data)
        return True

    def wait_output(self, text, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while self.text().count(text) < count:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.2)):
                raise AssertionError("%r not in `%s` output against %s supervisord: %r"
                                     % (text, self.line, self.s.impl, self.out))

    def type(self, data):
        os.write(self.fd, data)

    def finish(self):
        """Kill it (Python 3.11's fg hangs on its non-daemon thread after
        leaving foreground mode) and close the pty."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)

    def text(self):
        return self.out.decode("utf-8", "replace").replace("\r\n", "\n")


FGPROCS = """
[program:cat]
command=/bin/cat
startsecs=0

[program:talker]
command={helpers}/exiter 0 600000
startsecs=0

[program:quiet]
command={helpers}/sleeper
autostart=false

[program:slow]
command={helpers}/sleeper
startsecs=30
autostart=false

[program:done]
command={helpers}/exiter 0
startsecs=0
autorestart=false
""" + TICKER


def test_fg(pair):
    def script(s):
        for name in ("cat", "talker", "ticker"):
            s.wait_state(name, "RUNNING")
        for line in ("fg", "fg a b", "fg nosuch", "fg grp:*", "fg quiet"):
            s.ctl(line)
        # STARTING is not RUNNING for fg; its status row has an empty
        # description (the padding stays)
        s.rpc().startProcess("slow", False)
        s.wait_state("done", "EXITED")
        for line in ("fg slow", "fg done", "status slow done", "pid slow", "pid done",
                     "stop slow"):
            s.ctl(line)
        # old output is replayed, typed lines go to the process, ^C leaves
        s.rpc().sendProcessStdin("cat", "before\n")
        wait_for(lambda: "before" in s.rpc().readProcessStdoutLog("cat", 0, 0), 10, "cat echo")
        p = PtyCtl(s, "fg cat")
        try:
            p.wait_output("==> Press Ctrl-C to exit <==")
            p.wait_output("before\n")
            p.type(b"typed\n")
            p.wait_output("typed\n", count=2)  # the terminal's echo, then cat's
            p.type(b"\x03")
            p.wait_output("Exiting foreground\n")
        finally:
            p.finish()
        s.record("fg cat <typed, ^C>", "-", p.text(), "")
        # the process dies while in foreground: the next line notices
        p = PtyCtl(s, "fg talker")
        try:
            p.wait_output("exiter stderr\n")
            s.rpc().stopProcess("talker")
            p.type(b"x\n")
            p.wait_output("Exiting foreground\n")
        finally:
            p.finish()
        # its stdout and stderr replays come over two connections: either
        # may be first
        lines = p.text().splitlines(True)
        lines[1:3] = sorted(lines[1:3])
        s.record("fg talker <stopped, typed>", "-", "".join(lines), "")

    py = pair(FGPROCS, script)["python"]
    py.expect("fg nosuch", rc=1, out="ERROR: bad process name supplied\n")
    py.expect("fg quiet", rc=1, out="ERROR: process not running\n")
    py.expect("fg slow", rc=1, out="ERROR: process not running\n")
    py.expect("status slow done", rc=3, out="slow" + " " * 29 + "STARTING  \n"
              "done" + " " * 29 + "EXITED    DATE\n")
    py.expect("fg cat <typed, ^C>", rc="-",
              out="==> Press Ctrl-C to exit <==\nbefore\ntyped\ntyped\n^CExiting foreground\n")
    py.expect("fg talker <stopped, typed>", rc="-",
              out="==> Press Ctrl-C to exit <==\nexiter N code 0\nexiter stderr\nx\n"
              "Process got killed\nExiting foreground\n")


# --------------------------------------------------------------------------
# HTTP authentication: supervisorctl without, with wrong and right credentials

AUTH_HEAD = HEAD.replace("file={tmp}/sv.sock\n",
                         "file={tmp}/sv.sock\nusername=user\npassword=123\n", 1)


def test_auth(pair):
    def script(s):
        s.wait_state("sleeper", "RUNNING")
        # RUNNING at spawn (startsecs=0): its first line may not be logged yet
        wait_for(lambda: " up\n" in s.rpc().readProcessStdoutLog("sleeper", 0, 0), 10,
                 "the sleeper's first line in its log")
        for line in ("status", "-u user -p wrong version", "-u user -p 123 status",
                     "-u user -p 123 tail sleeper", "-u user -p 123 tail -f nosuch",
                     "-u user -p 123 fg nosuch", "-u user -p 123 maintail -25",
                     "-u user -p wrong shutdown", "-u user -p 123 avail"):
            s.ctl(line)
        f = Follower(s, "-u user -p 123 tail -f sleeper")
        f.wait_output(" up\n")
        f.interrupt()

    assert AUTH_HEAD != HEAD
    py = pair("\n[program:sleeper]\ncommand={helpers}/sleeper\nstartsecs=0\n", script,
              head=AUTH_HEAD)["python"]
    py.expect("status", rc=1, contains="Server requires authentication\nerror: <class "
              "'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: "
              "401 Unauthorized>")
    py.expect("-u user -p 123 status", rc=0)
    py.expect("-u user -p 123 tail -f sleeper ^C", rc=0,
              out="==> Press Ctrl-C to exit <==\nsleeper N up\n\n")
    py.expect("-u user -p 123 tail -f nosuch", rc=0, err="unix://{tmp}/sv.sock/logtail/"
              "nosuch/stdout Cannot read, status code 404\n")
