"""Differential test of our supervisorctl: the same command script runs three
ways, each against a daemon of its own,

  python ctl + python supervisord   (the oracle)
  our ctl    + python supervisord
  our ctl    + our supervisord

and the normalised transcripts (stdout, stderr, exit status of every
command; pids, uptimes, dates and tmp dirs masked) must be identical.

The scripts are those of test_ctl_python.py (which checks Python's ctl
against both daemons): each of its tests is run here with a `pair`
replacement that runs three sessions instead of two. The tests below them
cover what needs no daemon (command line, help, unreachable servers), the
interactive shell fed through a pipe, and our --json additions.

Environment: SUPERVISORCTL (ours, see conftest.py), PY_SUPERVISORCTL
(default /usr/bin/supervisorctl), plus the knobs of conftest.py.
"""

import json
import os
import signal
import subprocess
import threading
import traceback

import pytest

import test_ctl_python as tcp
from conftest import BASE_ENV, PY_SUPERVISORCTL, _factory, run_cmd, wait_for
from test_ctl_python import HEAD, Session, transcript

import difflib
import re

RESULT = re.compile(r"^\S+: (started|stopped|ERROR \(.*\))\n$")

WAYS = (("python", "python", "py ctl + py daemon"),
        ("c", "python", "c ctl + py daemon"),
        ("c", "c", "c ctl + c daemon"))


class CtlSession(Session):
    """A Session whose supervisorctl is chosen (Session uses Python's)."""

    def __init__(self, d, ctl, label):
        super().__init__(d)
        self.ctl_path = ctl
        self.label = label

    def argv(self, line):
        return [self.ctl_path, "-c", str(self.d.conf)] + line.split()

    def ctl(self, line, unordered=False, label=None):
        # Results of start/stop/restart of several processes come in the
        # daemon's completion order, which differs run to run (with three
        # daemons the Python one is slower): compare them sorted.
        words = line.split()
        if words and words[0] in ("start", "stop", "restart") and (
                "all" in words or any(w.endswith(":*") for w in words)):
            unordered = True
        return super().ctl(line, unordered, label)

    def record(self, label, rc, out, err, unordered=False, pid_lines=False):
        rc, out, err = super().record(label, rc, out, err, False, pid_lines)
        if unordered:
            lines = out.splitlines(True)
            runs, run = [], []
            for ln in lines + [None]:
                if ln is not None and RESULT.match(ln):
                    run.append(ln)
                    continue
                runs.extend(sorted(run))
                run = []
                if ln is not None:
                    runs.append(ln)
            text = "[rc=%s]\n%s%s" % (rc, "".join(runs), ("[stderr]\n" + err) if err else "")
            self.entries[-1] = (self.entries[-1][0], text)
        return rc, out, err


def compare3(sessions):
    want = transcript(sessions[0])
    diffs = []
    for s in sessions[1:]:
        got = transcript(s)
        if got != want:
            diffs.append("".join(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), sessions[0].label, s.label, n=3)))
    if os.environ.get("CTL_TRANSCRIPTS"):
        base = os.path.join(os.environ["CTL_TRANSCRIPTS"],
                            os.environ.get("PYTEST_CURRENT_TEST", "t").split(" ")[0]
                            .split("::")[-1])
        for s in sessions:
            with open("%s.%s.txt" % (base, s.label.replace(" ", "")), "w") as f:
                f.write(transcript(s))
    if diffs:
        pytest.fail("supervisorctl transcripts differ:\n" + "\n".join(diffs), pytrace=False)


@pytest.fixture
def trio(tmp_path, helpers, supervisorctl_bin):
    """run(config, script) -> {"python": oracle session}, like test_ctl_python's
    `pair` but with the three ways above; asserts their transcripts equal."""
    make, finish = _factory("python", tmp_path)
    made = []

    def run(programs, script, compare=True, head=HEAD):
        sessions = []
        for i, (ctl, impl, label) in enumerate(WAYS):
            d = make("w%d-%s" % (i, impl), impl)
            made.append(d)
            d.start(head + programs)
            s = CtlSession(d, PY_SUPERVISORCTL if ctl == "python" else supervisorctl_bin, label)
            sessions.append(s)
        errors = {}

        def worker(s):
            try:
                s.wait_up()
                script(s)
            except BaseException:  # reported below
                errors[s.label] = traceback.format_exc()
        threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        if errors:
            pytest.fail("\n".join("[%s] %s\nlog:\n%s" % (
                label, tb, [s for s in sessions if s.label == label][0].d.log_text()[-2000:])
                for label, tb in errors.items()))
        if compare:
            compare3(sessions)
        return {"python": sessions[0], "c-py": sessions[1], "c": sessions[2]}
    yield run
    for d in made:  # as in test_ctl_python: the oracle is killed with its children
        if d.running():
            kids = [p for p, *_ in d.children()]
            if d.impl == "python":
                for pid in [d.pid] + kids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            else:
                os.kill(d.pid, signal.SIGTERM)
    finish()


# --------------------------------------------------------------------------
# the scripts of test_ctl_python, three ways

def test_process_commands(trio):
    tcp.test_process_commands(trio)


def test_tail_and_maintail(trio):
    tcp.test_tail_and_maintail(trio)


def test_config_commands(trio):
    tcp.test_config_commands(trio)


def test_reload_and_shutdown(trio):
    """test_ctl_python's script, except that the `tail -f` kept open across
    the shutdown is waited for (its first output) before the shutdown: our
    ctl and daemon are fast enough for the shutdown to win the race
    otherwise, and the tail would then see SHUTDOWN_STATE."""
    def script(s):
        for name in ("sleeper", "ticker"):
            s.wait_state(name, "RUNNING")
        s.ctl("reload x")
        s.d.write_config(HEAD + tcp.SHUTPROCS + tcp.STUBBORN)
        s.ctl("reload")
        wait_for(lambda: len(s.d.lines(r"supervisord started with pid")) == 2, 40,
                 "%s supervisord to restart" % s.impl)
        s.wait_up()
        for name in ("sleeper", "stubborn", "ticker"):
            s.wait_state(name, "RUNNING")
        s.ctl("status")
        tailer = tcp.Follower(s, "tail -f sleeper")
        try:
            tailer.wait_output(" up\n")
            s.ctl("shutdown x")
            s.ctl("shutdown")
            for line in ("shutdown", "status", "start sleeper", "reload", "avail", "reread",
                         "update", "add sleeper", "remove sleeper", "tail sleeper",
                         "maintail -5", "version", "pid"):
                s.ctl(line)
            os.kill(int((s.d.dir / "stubborn.pid").read_text()), signal.SIGKILL)
            s.d.wait_exit(20)
            rc = tailer.proc.wait(20)
            tailer._t.join(5)
        finally:
            if tailer.proc.poll() is None:
                tailer.proc.kill()
                tailer.proc.wait()
        s.record("tail -f sleeper (daemon shut down meanwhile)", rc, tailer.out.decode(),
                 tailer.proc.stderr.read().decode())
        for line in ("status", "shutdown", "reread", "tail -f sleeper", "version"):
            s.ctl(line)

    py = trio(tcp.SHUTPROCS, script)["python"]
    py.expect("reload", rc=0, out="Restarted supervisord\n")
    py.expect("shutdown", rc=0, out="Shut down\n")
    py.expect("shutdown'", rc=0, out="ERROR: already shutting down\n")
    py.expect("status'", rc=1, contains="<Fault 6: 'SHUTDOWN_STATE'>")
    py.expect("status''", rc=4, out="unix://{tmp}/sv.sock no such file\n")
    py.expect("tail -f sleeper (daemon shut down meanwhile)", rc=0,
              out="==> Press Ctrl-C to exit <==\nsleeper N up\n")


def test_tail_follow(trio):
    tcp.test_tail_follow(trio)


def test_fg(trio):
    tcp.test_fg(trio)


def test_auth(trio):
    tcp.test_auth(trio)


# --------------------------------------------------------------------------
# the interactive shell, fed through a pipe (three ways)

SHELL_PROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[program:cat]
command=/bin/cat
startsecs=0
autostart=false
""" + tcp.TICKER


def shell(s, text, args=(), label=None):
    """supervisorctl [args] with text on its stdin (not a terminal)."""
    argv = [s.ctl_path, "-c", str(s.d.conf)] + list(args)
    r = subprocess.run(argv, cwd=str(s.d.dir), env=s.d.env, input=text,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True,
                       errors="replace", start_new_session=True)
    return s.record(label or "<shell %s> %r" % (" ".join(args), text), r.returncode,
                    r.stdout, r.stderr)


def test_interactive_pipe(trio):
    def script(s):
        for name in ("sleeper", "ticker"):
            s.wait_state(name, "RUNNING")
        shell(s, "")
        shell(s, "help\n\n  \nversion\nbogus arg\n?\n? status\nhelp help\nhelp EOF\n"
                 "start cat\nstatus cat\nstop cat\nstop cat\nstart\npid cat\nquit\nversion\n")
        shell(s, "version")                       # a last line without newline, then EOF
        shell(s, "status\nexit\n")
        shell(s, "shutdown\nn\nreload\nno\nversion\n")   # confirmations declined
        shell(s, "reload\n")                      # EOF at the confirmation: EOFError
        shell(s, "n\n", ["-i", "shutdown"])       # -i with a command: asks, then exits
        shell(s, "status\n", ["-i"])
        shell(s, "\n", ["-s", "unix://{}/nosuch.sock".format(s.d.dir)],
              label="<shell -s unix://{tmp}/nosuch.sock> '\\n'")

    py = trio(SHELL_PROCS, script)["python"]
    py.expect("<shell > ''", rc=0)
    assert py.results["<shell > ''"][1].endswith("supervisor> \n")
    py.expect("<shell > 'reload\\n'", rc=0, contains="EOFError")


# --------------------------------------------------------------------------
# what needs no daemon: the command line, help, unreachable servers

def two_ctls(tmp_path, supervisorctl_bin, cases, setup=None):
    """Run each argv (a list, "{tmp}" and "{argv0}" expanded) with Python's
    ctl and ours; stdout, stderr (argv0 masked) and status must be equal."""
    env = dict(BASE_ENV, HOME=str(tmp_path), ITEST_HERE=str(tmp_path))
    out = {}
    for which, ctl in (("python", PY_SUPERVISORCTL), ("c", supervisorctl_bin)):
        lines = []
        for argv, stdin in cases:
            argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
            r = subprocess.run([ctl] + argv, cwd=str(tmp_path), env=env, input=stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                               text=True, errors="replace", start_new_session=True)
            text = (r.stdout + "[stderr]\n" + r.stderr).replace(ctl, "<argv0>")
            text = text.replace(str(tmp_path), "{tmp}")
            lines.append("$ supervisorctl %s\n[rc=%d]\n%s\n" % (" ".join(argv), r.returncode,
                                                                 text))
        out[which] = "".join(lines)
    if out["python"] != out["c"]:
        diff = "".join(difflib.unified_diff(out["python"].splitlines(True),
                                            out["c"].splitlines(True), "python ctl", "c ctl",
                                            n=3))
        pytest.fail("supervisorctl outputs differ:\n" + diff, pytrace=False)
    return out["python"]


def listening_port_refused():
    """A TCP port on 127.0.0.1 where nothing listens."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


COMMANDS = ["status", "status x", "start x", "start", "stop x", "stop", "restart x", "restart",
            "signal HUP x", "signal", "pid", "pid x", "tail x", "tail", "tail -f x", "maintail",
            "maintail -f", "fg x", "fg", "clear x", "clear", "avail", "avail x", "reread",
            "reread x", "update", "update x", "add x", "remove x", "reload", "reload x",
            "shutdown", "shutdown x", "version", "version x", "open ftp://x",
            "open unix:///nonexistent/sock", "quit", "exit", "EOF", "bogus", "bogus arg",
            "!ls", "?", "? tail", "help", "help help", "help EOF", "help nosuch",
            "help status x", "status,x", "_x", "- status"]


def test_no_server(tmp_path, supervisorctl_bin):
    port = listening_port_refused()
    (tmp_path / "nosock.conf").write_text("[supervisorctl]\nserverurl=unix://%(here)s/nosock\n")
    (tmp_path / "refused.conf").write_text("[supervisorctl]\nserverurl=http://127.0.0.1:%d\n"
                                           % port)
    import socket
    dead = socket.socket(socket.AF_UNIX)   # a socket file nobody accepts on
    dead.bind(str(tmp_path / "dead.sock"))
    (tmp_path / "dead.conf").write_text("[supervisorctl]\nserverurl=unix://{}/dead.sock\n"
                                        .format(tmp_path))
    try:
        cases = []
        for conf in ("nosock", "refused"):
            cases += [(["-c", "{tmp}/%s.conf" % conf] + c.split(), None) for c in COMMANDS]
        cases += [(["-c", "{tmp}/dead.conf", c], None) for c in ("status", "avail", "version")]
        for topic in ("add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit",
                      "reload", "remove", "reread", "restart", "shutdown", "signal", "start",
                      "status", "stop", "tail", "update", "version"):
            cases.append((["-c", "{tmp}/nosock.conf", "help", topic], None))
        text = two_ctls(tmp_path, supervisorctl_bin, cases)
    finally:
        dead.close()
    assert "{tmp}/nosock no such file\n[stderr]" in text
    assert "refused connection\n[stderr]" in text
    assert "*** Unknown syntax: bogus arg" in text


def test_command_line(tmp_path, supervisorctl_bin):
    (tmp_path / "ok.conf").write_text(
        "[supervisorctl]\nserverurl=unix://%(here)s/../%(ENV_ITEST_VAR)s/sv.sock\n"
        "prompt=itest-%(ENV_ITEST_VAR)s\nhistory_file=%(here)s/hist\n")
    (tmp_path / "nosect.conf").write_text("[supervisord]\n")
    (tmp_path / "badexp.conf").write_text("[supervisorctl]\nserverurl=%(ENV_NOPE)s\n")
    (tmp_path / "badfmt.conf").write_text("[supervisorctl]\nprompt=%(here)\n")
    (tmp_path / "default.conf").write_text("[supervisorctl]\n")
    (tmp_path / "etc").mkdir()
    ok = ["-c", "{tmp}/ok.conf"]
    cases = [(a, None) for a in (
        ["-h"], ["--help"], ["-?"], ["--he"], ["--h"], ["-x"], ["--bogus"], ["-c"],
        ["-c", "{tmp}/nosuch.conf", "status"], ["-c", "{tmp}/nosect.conf", "status"],
        ["-c", "{tmp}/nosect.conf", "-s", "unix:///x", "status"],
        ["-c", "{tmp}/badexp.conf", "status"], ["-c", "{tmp}/badfmt.conf", "status"],
        ["-c", "{tmp}/default.conf", "status"],
        ok + ["status"], ok + ["-s", "foo", "status"], ok + ["-s", "http:", "status"],
        ok + ["-s", "a", "-s", "b"], ok + ["-s", "unix:///a", "-s", "unix:///b", "status"],
        ok + ["-i", "-i"], ok + ["-ii"], ok + ["--history-file=x"], ok + ["--hist=x", "status"],
        ok + ["-r", "x", "status"], ok + ["--server=unix:///nope", "status"],
        ok + ["--serverurl", "unix:///nope", "status"], ok + ["-sunix:///nope", "status"],
        ok + ["-u"], ok + ["--username"], ok + ["--interactive=1"], ok + ["--", "status"],
        ok + ["-", "status"], ok + ["status", "-x"], ok + ["tail -100000", "x"],
        ok + ["-s", "ftp://x", "status"], ok + ["-s", "ftp://x", "avail"],
        ok + ["-s", "http://127.0.0.1:notaport", "status"],
        ok + ["-u", "user", "status"], ok + ["-u", "user", "-p", "pw", "version"],
        ok + ["-c", "{tmp}/x"], ["-c", "{tmp}/ok.conf", "-i", "shutdown"],
    )]
    cases += [(ok, "status\nhelp quit\n"), (ok + ["-i"], ""),
              (ok + ["-i", "shutdown"], "y\n"), (ok + ["-i", "reload"], "yes\n"),
              (ok + ["-i", "reload"], "n\n")]
    text = two_ctls(tmp_path, supervisorctl_bin, cases)
    assert "itest-itest-value> " in text
    assert "supervisorctl -- control applications run by supervisord" in text


# --------------------------------------------------------------------------
# beyond Python: status --json and avail --json (our ctl, both daemons)

def test_json(trio):
    def script(s):
        for name in ("sleeper", "ticker"):
            s.wait_state(name, "RUNNING")
        if s.ctl_path == PY_SUPERVISORCTL:
            return
        for line, rc in (("status --json", 3), ("status --json sleeper cat", 3),
                         ("status sleeper --json", 0), ("status --json nosuch", 4),
                         ("avail --json", 0)):
            r = run_cmd(s.argv(line), s.d.dir, env=s.d.env)
            assert r.returncode == rc, (line, r)
            data = json.loads(r.stdout)
            s.note(line, json.dumps(data))
            if line.startswith("status"):
                names = [p["namespec"] for p in data]
                text = run_cmd(s.argv(line.replace("--json", "")), s.d.dir, env=s.d.env).stdout
                assert names == [ln.split()[0] for ln in text.splitlines()
                                 if "ERROR" not in ln], (line, names, text)
                for p in data:
                    assert {"name", "group", "statename", "state", "pid", "description",
                            "start", "stop", "now", "spawnerr", "exitstatus",
                            "stdout_logfile", "stderr_logfile"} <= set(p), p
            else:
                assert [(p["namespec"], p["inuse"], p["autostart"]) for p in data] == [
                    ("cat", True, False), ("sleeper", True, True), ("ticker", True, True)], data
        r = run_cmd(s.argv("status --json nosuch"), s.d.dir, env=s.d.env)
        assert r.stderr == "nosuch: ERROR (no such process)\n", r
        r = run_cmd(s.argv("avail --json x"), s.d.dir, env=s.d.env)
        assert r.returncode == 1 and r.stdout.startswith("Error: avail accepts no arguments"), r

    sessions = trio(SHELL_PROCS, script, compare=False)
    # the same data from both daemons, once the volatile fields are dropped
    def stable(s):
        out = []
        for label, text in s.entries:
            data = json.loads(text)
            for p in data:
                for k in ("pid", "start", "stop", "now", "description", "logfile", "stdout_logfile",
                          "stderr_logfile", "exitstatus"):
                    p.pop(k, None)
            out.append((label, data))
        return out
    assert stable(sessions["c-py"]) == stable(sessions["c"])


# --------------------------------------------------------------------------
# the shell on a terminal (ours only: libedit's echo and redisplay are not
# GNU readline's, so there is nothing byte-for-byte to compare)

TTY_PROCS = """
[program:sleeper]
command={helpers}/sleeper
startsecs=0

[group:grp]
programs=g1,g2

[program:g1]
command={helpers}/sleeper
startsecs=0

[program:g2]
command={helpers}/sleeper
startsecs=0
"""


class Tty:
    """Our supervisorctl shell on a pty of its own."""

    def __init__(self, argv, cwd, env):
        import pty
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.out = pid, fd, b""

    def text(self):
        return self.out.decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_output(self, text, count=1, timeout=15):
        import select
        import time
        deadline = time.monotonic() + timeout
        while self.text().count(text) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%r not in the shell's output: %r" % (text, self.text()))
            r, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if r:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    raise AssertionError("shell output ended: %r" % self.text())

    def wait_prompt(self, prompt="itest> ", timeout=15):
        """Wait until the shell sits at its prompt: input typed earlier may be
        flushed when libedit sets the terminal up for the next line."""
        import select
        import time
        deadline = time.monotonic() + timeout
        while not self.text().endswith(prompt):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no prompt at the end of: %r" % self.text())
            if select.select([self.fd], [], [], min(left, 0.2))[0]:
                self.out += os.read(self.fd, 65536)
        # libedit draws the prompt, then puts the terminal in raw mode (the
        # master sees the slave's modes): keys typed before that may be lost.
        import termios
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.monotonic() > deadline:
                raise AssertionError("the terminal never left canonical mode: %r" % self.text())
            time.sleep(0.01)

    def type_to_exit(self, key, tries=4):
        """Type ^C or ^D at the prompt and return the exit status. libedit
        may still be setting the terminal up (and flush what was typed) right
        after drawing its prompt, so a key with no effect is typed again."""
        for i in range(tries):
            self.type(key)
            try:
                return self.wait_exit(timeout=15 if i == tries - 1 else 3)
            except AssertionError:
                if i == tries - 1:
                    raise

    def type(self, data):
        os.write(self.fd, data)

    def wait_exit(self, timeout=15):
        import select

        def gone():
            try:
                if select.select([self.fd], [], [], 0.05)[0]:  # never block here
                    self.out += os.read(self.fd, 65536)
            except OSError:
                pass
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            return (pid, st) if pid else None
        try:
            _, st = wait_for(gone, timeout, "the shell to exit")
        except AssertionError as e:
            raise AssertionError("%s; its output ends: %r" % (e, self.text()[-300:])) from None
        os.close(self.fd)
        return os.waitstatus_to_exitcode(st)

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_tty_shell(c_daemons, supervisorctl_bin):
    d = c_daemons()
    d.start(HEAD.replace("[supervisorctl]\n",
                         "[supervisorctl]\nprompt=itest\nhistory_file=%(here)s/ctl.history\n")
            + TTY_PROCS)
    for name in ("sleeper", "grp:g1", "grp:g2"):
        wait_for(lambda: "RUNNING" in run_cmd([supervisorctl_bin, "-c", str(d.conf), "status",
                                               name], d.dir, env=d.env).stdout, 15, name)
    argv = [supervisorctl_bin, "-c", str(d.conf)]
    t = Tty(argv, str(d.dir), d.env)
    try:
        t.wait_output("itest> ")              # after the first `status`
        assert "grp:g1" in t.text() and "sleeper" in t.text()
        t.wait_prompt()
        t.type(b"vers\t\n")                   # a command completes
        t.wait_output("4.2.5\n")
        t.wait_prompt()
        t.type(b"status sl\t\n")              # a process name completes
        t.wait_output("\nsleeper ", count=2)
        t.wait_prompt()
        t.type(b"stop grp:\t")                # several candidates: listed
        t.wait_output("grp:*")
        t.type(b"*\n")
        t.wait_output("grp:g2: stopped")
        t.wait_prompt()
        t.type(b"help\n")
        t.wait_output("default commands (type help <topic>):")
        t.wait_prompt()
        assert t.type_to_exit(b"\x04") == 0  # ^D: an empty line, then exit 0
    finally:
        t.kill()
    hist = (d.dir / "ctl.history").read_text().splitlines()
    assert hist == ["version ", "status sleeper ", "stop grp:*", "help"], hist
    # the history is read back (up-arrow recalls `help`), ^C leaves with 0
    t = Tty(argv, str(d.dir), d.env)
    try:
        t.wait_output("itest> ")
        t.wait_prompt()
        t.type(b"\x1b[A\n")
        t.wait_output("version\n\nitest> ")  # the prompt after help's output
        t.wait_prompt()
        assert t.type_to_exit(b"\x03") == 0
    finally:
        t.kill()
    # a username without a password: asked for on the terminal
    t = Tty(argv + ["-u", "someone", "version"], str(d.dir), d.env)
    try:
        t.wait_output("Password:")
        t.type(b"secret\n")
        t.wait_output("4.2.5")   # auth is off: any credentials pass
        assert t.wait_exit() == 0
    finally:
        t.kill()
