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
from test_ctl_python import HEAD, Session, normalize, transcript

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
