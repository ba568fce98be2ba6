"""Fixtures for the integration tests: run Python Supervisor 4.2.5 (the oracle)
and our C supervisord on the same config and observe them through the main
log, child log files, files the children write, and /proc.

Environment knobs:
  SUPERVISORD   our binary (default <repo>/build/supervisord); missing -> the
                'c' cases FAIL.
  HELPERS       directory of the helper programs (default <repo>/build/helpers,
                built with `make build/helpers/NAME` when missing or stale).
  PY_SUPERVISORD  the reference (default /usr/bin/supervisord).

Run one file: SUPERVISORD=build/supervisord /usr/bin/python3 -m pytest -q tests/integration/test_x.py
Only the reference: add `-k python`; only ours: `-k c]` or `-k "not python"`.
"""

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Started in the background by a shell, we inherit SIGINT ignored, and so
# would every client we run (a Ctrl-C sent to supervisorctl would do nothing).
# A handled signal is reset to the default in the children.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
PY_SUPERVISORD = os.environ.get("PY_SUPERVISORD", "/usr/bin/supervisord")
C_SUPERVISORD = os.path.abspath(os.environ.get("SUPERVISORD", str(REPO / "build" / "supervisord")))
HELPERS_ENV = os.environ.get("HELPERS")
HELPERS = os.path.abspath(HELPERS_ENV) if HELPERS_ENV else str(REPO / "build" / "helpers")
HELPER_NAMES = ("sleeper", "exiter", "slowstop", "spewer", "envdump", "cleansig", "sigrec")
VERSION = "4.2.5"

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")

# Environment every daemon gets (children inherit it). Sanitizer knobs are
# passed through so a SANITIZE build can be tuned from outside.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "ITEST_VAR": "itest-value",
}
for _k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
    if _k in os.environ:
        BASE_ENV[_k] = os.environ[_k]

LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) (.*)$")


# --------------------------------------------------------------------------
# generic helpers

def wait_for(predicate, timeout=10.0, desc="condition", interval=0.05):
    """Poll predicate() until it returns a truthy value; return that value.
    Fail with desc after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, desc))
        time.sleep(interval)


def proc_stat(pid):
    """(comm, state, ppid, pgrp, sid) of pid from /proc, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    lp, rp = data.index("("), data.rindex(")")
    comm = data[lp + 1:rp]
    fields = data[rp + 2:].split()
    return comm, fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def pid_alive(pid):
    st = proc_stat(pid)
    return st is not None and st[1] not in ("Z", "X")


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def catches(pid, sig):
    """Whether pid has a handler for sig (SigCgt of /proc/PID/status): a
    program that handles SIGTERM is only ready for it once this is true."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (int(sig) - 1) & 1)
    except OSError:
        pass
    return False


def all_procs():
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                out.append((int(name),) + st)
    return out


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def parse_kv(text):
    """Parse envdump output: returns (dict of scalar keys, env dict, fds dict, argv list)."""
    scalars, env, fds, argv = {}, {}, {}, {}
    for line in text.splitlines():
        if "=" not in line:
            continue
        key, val = line.split("=", 1)
        val = val.replace("\\n", "\n").replace("\\\\", "\\")
        if key.startswith("env."):
            k2, v2 = (key[4:] + "=" + val).split("=", 1)
            env[k2] = v2
        elif key.startswith("fd."):
            fds[int(key[3:])] = val
        elif key.startswith("argv."):
            argv[int(key[5:])] = val
        else:
            scalars[key] = val
    return scalars, env, fds, [argv[i] for i in sorted(argv)]


def run_cmd(argv, cwd, env=None, timeout=30):
    """Run a command to completion; returns CompletedProcess with str output."""
    return subprocess.run(argv, cwd=str(cwd), env=env if env is not None else dict(BASE_ENV),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, text=True,
                          errors="replace", start_new_session=True)


def check_no_sanitizer(text, what):
    for marker in SANITIZER_MARKERS:
        if marker in text:
            pytest.fail("%s contains %r:\n%s" % (what, marker, text[-4000:]))


SUPERVISORD_SECTION = """\
[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}/childlogs
identifier=itest
"""


# --------------------------------------------------------------------------
# the daemon under test

class Daemon:
    """One supervisord (Python reference or ours) run in the foreground in its
    own directory. Config text may use {tmp} (the daemon's directory) and
    {helpers} (helper programs directory) placeholders."""

    def __init__(self, impl, binary, workdir):
        self.impl = impl
        self.binary = binary
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "childlogs").mkdir(exist_ok=True)
        self.conf = self.dir / "supervisord.conf"
        self.logfile = self.dir / "supervisord.log"
        self.pidfile = self.dir / "supervisord.pid"
        self.stdout_path = self.dir / "daemon.stdout"
        self.stderr_path = self.dir / "daemon.stderr"
        self.proc = None
        self.pid = None
        self.daemonized = False
        self.returncode = None
        self.env = dict(BASE_ENV)
        self.env["HOME"] = str(self.dir)
        self.env["TMPDIR"] = str(self.dir)
        self.known_children = set()
        self._pump = None

    # -- config ------------------------------------------------------------
    def expand(self, text):
        return text.replace("{tmp}", str(self.dir)).replace("{helpers}", HELPERS)

    def write_config(self, text, path=None):
        path = Path(path) if path else self.conf
        path.write_text(self.expand(text))
        return path

    # -- start / stop ------------------------------------------------------
    def start(self, config=None, args=(), daemonize=False, stdout_pipe=False, umask=0o002):
        if config is not None:
            self.write_config(config)
        # cleansig: the daemon starts with default signal dispositions, not
        # whatever this test runner inherited.
        argv = [os.path.join(HELPERS, "cleansig"), self.binary] + \
            ([] if daemonize else ["-n"]) + ["-c", str(self.conf)] + list(args)
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(
                argv, cwd=str(self.dir), env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout_pipe else out, stderr=err,
                start_new_session=True, umask=umask)
        finally:
            err.close()
        if stdout_pipe:
            def pump(src=self.proc.stdout, dst=out):
                with dst:
                    for chunk in iter(lambda: src.read1(65536), b""):
                        dst.write(chunk)
                        dst.flush()
            self._pump = threading.Thread(target=pump, daemon=True)
            self._pump.start()
        else:
            out.close()
        if daemonize:
            self.daemonized = True
            try:
                rc = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("daemonizing parent did not exit")
            assert rc == 0, "daemonizing parent exited %r; stderr: %s" % (rc, self.stderr())
            self.pid = wait_for(self._pidfile_pid, 10, "pidfile of the daemonized supervisord")
        else:
            self.pid = self.proc.pid
        return self

    def _pidfile_pid(self):
        try:
            text = self.pidfile.read_text()
        except FileNotFoundError:
            return None
        return int(text) if text.endswith("\n") and text.strip().isdigit() else None

    def running(self):
        if self.pid is None:
            return False
        if not self.daemonized:
            return self.proc.poll() is None
        return pid_alive(self.pid)

    def send(self, sig):
        assert self.running(), "daemon is not running; log:\n" + self.log_text()
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=20):
        """Wait for the daemon to exit; returns its exit status (None when
        daemonized: not our child)."""
        if self.daemonized:
            wait_for(lambda: not pid_alive(self.pid), timeout, "daemonized supervisord to exit")
            self.returncode = None
        else:
            self.returncode = self.proc.wait(timeout=timeout)
        if self._pump:
            self._pump.join(5)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send sig (SIGTERM), wait for exit (SIGKILL after timeout, then
        fail). Returns the exit status."""
        self.known_children.update(p for p, *_ in self.children())
        self.send(sig)
        try:
            return self.wait_exit(timeout)
        except (subprocess.TimeoutExpired, AssertionError):
            self.kill()
            raise AssertionError("%s supervisord did not exit within %ss after %s; log:\n%s"
                                 % (self.impl, timeout, sig, self.log_text()[-3000:]))

    def kill(self):
        """Teardown: stop the daemon whatever its state, then any child it left."""
        if self.pid is not None and self.running():
            self.known_children.update(p for p, *_ in self.children())
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                wait_for(lambda: not self.running(), 10, "daemon exit after SIGTERM")
            except AssertionError:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                wait_for(lambda: not self.running(), 10, "daemon exit after SIGKILL")
        if self.proc is not None and not self.daemonized:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.known_children:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # -- observation -------------------------------------------------------
    def stderr(self):
        return read_text(self.stderr_path) if self.stderr_path.exists() else ""

    def stdout(self):
        return read_text(self.stdout_path) if self.stdout_path.exists() else ""

    def log_text(self, path=None):
        path = Path(path) if path else self.logfile
        try:  # a rotation renames the log away before making a new one
            return read_text(path)
        except FileNotFoundError:
            return ""

    def messages(self, path=None):
        """Main-log entries as a list of (level, text, timestamp); multi-line
        entries are joined with newlines."""
        out = []
        for line in self.log_text(path).split("\n"):
            m = LOG_LINE.match(line)
            if m:
                out.append([m.group(2), m.group(3), m.group(1)])
            elif out and line:
                out[-1][1] += "\n" + line
        return [tuple(x) for x in out]

    def lines(self, pattern=None, path=None):
        """Main-log texts (without timestamp), optionally filtered by regex."""
        texts = ["%s %s" % (lvl, txt) for lvl, txt, _ in self.messages(path)]
        if pattern is None:
            return texts
        rx = re.compile(pattern)
        return [t for t in texts if rx.search(t)]

    def wait_log(self, pattern, timeout=10, count=1, path=None):
        """Wait until `count` main-log entries ("LEVL text") match regex;
        returns the list of matching entries. Fails early if the daemon died."""
        rx = re.compile(pattern)

        def found():
            hits = [t for t in self.lines(path=path) if rx.search(t)]
            if len(hits) >= count:
                return hits
            if not self.running():
                raise AssertionError(
                    "%s supervisord exited while waiting for %r (rc=%r)\nstderr:\n%s\nlog:\n%s"
                    % (self.impl, pattern, self.proc.poll() if self.proc else None,
                       self.stderr()[-2000:], self.log_text(path)[-3000:]))
            return None
        try:
            return wait_for(found, timeout, "%d main-log line(s) matching %r" % (count, pattern))
        except AssertionError as e:
            if "timed out" in str(e):
                raise AssertionError("%s [%s]\nlog:\n%s" % (e, self.impl, self.log_text(path)[-3000:]))
            raise

    def children(self):
        """Direct children of the daemon: list of (pid, comm, state, ppid, pgrp, sid)."""
        if self.pid is None:
            return []
        kids = [p for p in all_procs() if p[3] == self.pid]
        self.known_children.update(p[0] for p in kids)
        return kids

    def child_pids(self, comm=None):
        return sorted(p[0] for p in self.children()
                      if p[2] not in ("Z", "X") and (comm is None or p[1] == comm))

    def zombies(self):
        return [p for p in self.children() if p[2] == "Z"]

    def spawned_pid(self, name, nth=1, timeout=10):
        """pid from the nth `spawned: 'name' with pid N` line."""
        hits = self.wait_log(r"spawned: '%s' with pid \d+" % re.escape(name), timeout, nth)
        return int(hits[nth - 1].rsplit(" ", 1)[1])


# --------------------------------------------------------------------------
# fixtures

def _ensure_helpers():
    missing = []
    for name in HELPER_NAMES:
        binpath = Path(HELPERS) / name
        src = REPO / "tests" / "helpers" / (name + ".c")
        stale = binpath.exists() and src.exists() and src.stat().st_mtime > binpath.stat().st_mtime
        if not binpath.exists() or (stale and not HELPERS_ENV):
            missing.append(name)
    if missing and not HELPERS_ENV:
        r = subprocess.run(["make", "-s"] + ["build/helpers/%s" % n for n in missing],
                           cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            pytest.fail("cannot build test helpers:\n" + r.stdout)
    for name in HELPER_NAMES:
        if not os.access(os.path.join(HELPERS, name), os.X_OK):
            pytest.fail("helper %s missing in %s" % (name, HELPERS))


@pytest.fixture(scope="session")
def helpers():
    _ensure_helpers()
    return HELPERS


def binary_for(impl):
    if impl == "python":
        if not os.access(PY_SUPERVISORD, os.X_OK):
            pytest.fail("reference supervisord not found at " + PY_SUPERVISORD)
        return PY_SUPERVISORD
    if not os.access(C_SUPERVISORD, os.X_OK):
        pytest.fail("C supervisord not found at %s (build it with `make build/supervisord` "
                    "or set SUPERVISORD)" % C_SUPERVISORD)
    return C_SUPERVISORD


@pytest.fixture(params=["python", "c"])
def impl(request):
    return request.param


@pytest.fixture
def supervisord_bin(impl):
    return binary_for(impl)


def _factory(default_impl, tmp_path):
    made = []

    def make(name="d", which=None):
        which = which or default_impl
        d = Daemon(which, binary_for(which), tmp_path / name)
        made.append(d)
        return d

    def finish():
        for d in made:
            d.kill()
        for d in made:
            check_no_sanitizer(d.stderr(), "%s stderr of %s" % (d.impl, d.dir))
            check_no_sanitizer(d.stdout(), "%s stdout of %s" % (d.impl, d.dir))
    return make, finish


@pytest.fixture
def daemons(impl, tmp_path, helpers):
    """Factory: daemons(name='d') -> a new Daemon of the parametrized impl in
    tmp_path/name. Every daemon is stopped at teardown (SIGTERM, then SIGKILL),
    with its leftover children; then its stderr is checked for sanitizer reports."""
    make, finish = _factory(impl, tmp_path)
    yield make
    finish()


@pytest.fixture
def c_daemons(tmp_path, helpers):
    """Like daemons, for C-only tests (our deliberate deviations, --check-config)."""
    make, finish = _factory("c", tmp_path)
    yield make
    finish()


@pytest.fixture
def daemon(daemons):
    return daemons()


def normalize_usage(text, argv0, tmp=None):
    """Replace the binary path and tmp dir so outputs of both implementations compare."""
    text = text.replace(argv0, "<argv0>")
    if tmp is not None:
        text = text.replace(str(tmp), "{tmp}")
    # Sanitizer knobs in the environment show up as ENV_* names; drop them.
    text = re.sub(r"ENV_[A-Z]*SAN_OPTIONS, ", "", text)
    return text


# --------------------------------------------------------------------------
# our supervisorctl

# SUPERVISORCTL: our binary; by default next to SUPERVISORD when that is
# given (so `make check O=build/san` tests the sanitized pair), else
# <repo>/build/supervisorctl.
C_SUPERVISORCTL = os.path.abspath(os.environ.get("SUPERVISORCTL") or (
    os.path.join(os.path.dirname(C_SUPERVISORD), "supervisorctl")
    if os.environ.get("SUPERVISORD") else str(REPO / "build" / "supervisorctl")))
PY_SUPERVISORCTL = os.environ.get("PY_SUPERVISORCTL", "/usr/bin/supervisorctl")


@pytest.fixture(scope="session")
def supervisorctl_bin():
    """Path of our supervisorctl (fails the test when it is not built)."""
    if not os.access(C_SUPERVISORCTL, os.X_OK):
        pytest.fail("C supervisorctl not found at %s (build it with `make build/supervisorctl` "
                    "or set SUPERVISORCTL)" % C_SUPERVISORCTL)
    return C_SUPERVISORCTL
