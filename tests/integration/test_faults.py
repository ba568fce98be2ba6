"""Fault injection: the daemon meets a broken world and stays up.

- a client that goes away while its wait=True start or stop is pending
- a child that closes its stdout early and goes on running
- fork failing with EAGAIN (RLIMIT_NPROC of an unprivileged daemon user)
- the child-log disk filling up (ENOSPC on a small tmpfs) and emptying again
- the daemon killed with SIGKILL, then started again on the same config

Where Supervisor 4.2.5 behaves sanely the case runs against both daemons;
where it does not (ENOSPC, orphans after SIGKILL) the C case asserts our
deliberate behaviour, listed in doc/compat.md."""

import os
import pwd
import signal
import socket
import shutil
import subprocess
import tempfile
import xmlrpc.client

import pytest

from conftest import (SUPERVISORD_SECTION, Daemon, binary_for, check_no_sanitizer, pid_alive,
                      wait_for)
from test_rpc import RPC_HEAD, proxy


def rpc(d):
    """A proxy on d's unix socket, once the daemon answers on it."""
    p = proxy(d)

    def up():
        try:
            return p.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.ProtocolError):
            return False
    wait_for(up, 15, "the RPC interface of %s supervisord" % d.impl)
    return p


def info(p, name):
    return p.supervisor.getProcessInfo(name)


def state_of(p, name):
    return info(p, name)["statename"]


def raw_call(d, body):
    """Send one XML-RPC POST over the unix socket and return the socket
    without reading the answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(d.dir / "sv.sock"))
    s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    return s


# --------------------------------------------------------------------------
# a client gone during a deferred call

GONE_CONF = RPC_HEAD + """
[program:slow]
command={helpers}/sleeper
startsecs=2
autostart=false

[program:stubborn]
command={helpers}/slowstop
startsecs=0
stopwaitsecs=2
"""


def test_client_gone_during_wait(daemons):
    d = daemons().start(SUPERVISORD_SECTION + GONE_CONF)
    p = rpc(d)
    wait_for(lambda: state_of(p, "stubborn") == "RUNNING", 10, "stubborn RUNNING")
    # start with wait=True; hang up once the start is under way
    body = xmlrpc.client.dumps(("slow", True), "supervisor.startProcess").encode()
    s = raw_call(d, body)
    wait_for(lambda: state_of(p, "slow") == "STARTING", 10, "slow STARTING")
    s.close()
    assert p.supervisor.getState()["statename"] == "RUNNING"  # served meanwhile
    wait_for(lambda: state_of(p, "slow") == "RUNNING", 10, "slow RUNNING")
    # the same for a stop that waits for SIGKILL
    body = xmlrpc.client.dumps(("stubborn", True), "supervisor.stopProcess").encode()
    s = raw_call(d, body)
    wait_for(lambda: state_of(p, "stubborn") == "STOPPING", 10, "stubborn STOPPING")
    s.close()
    wait_for(lambda: state_of(p, "stubborn") == "STOPPED", 15, "stubborn STOPPED")
    # and everything still works
    assert p.supervisor.stopProcess("slow") is True
    assert p.supervisor.startProcess("stubborn") is True
    assert state_of(p, "stubborn") == "RUNNING"
    assert d.running()


# --------------------------------------------------------------------------
# a child that closes its stdout early

EARLY_CONF = """
[program:early]
command=/bin/sh -c 'echo before; exec >&-; echo after-on-stderr >&2; exec {helpers}/sleeper 2>/dev/null'
startsecs=1
stdout_logfile={tmp}/early.out
stderr_logfile={tmp}/early.err
"""


def test_child_closes_stdout_early(daemons):
    d = daemons().start(SUPERVISORD_SECTION + RPC_HEAD + EARLY_CONF)
    p = rpc(d)
    d.wait_log(r"success: early entered RUNNING")
    pid = info(p, "early")["pid"]
    assert pid_alive(pid)
    wait_for(lambda: (d.dir / "early.out").read_text() == "before\n", 5, "stdout log")
    wait_for(lambda: (d.dir / "early.err").read_text() == "after-on-stderr\n", 5, "stderr log")
    assert state_of(p, "early") == "RUNNING"
    assert p.supervisor.stopProcess("early") is True
    assert state_of(p, "early") == "STOPPED"
    assert not pid_alive(pid)
    assert d.stop() == 0


# --------------------------------------------------------------------------
# fork fails with EAGAIN

NPROC_CONF = """[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}
identifier=itest
user=nobody
minprocs=1
""" + RPC_HEAD + """
[program:a]
command={helpers}/sleeper
startsecs=0
priority=1

[program:b]
command={helpers}/sleeper
startsecs=0
startretries=1
priority=2
"""


def test_fork_eagain(impl, helpers):
    if os.geteuid() != 0:
        pytest.skip("needs root to start the daemon as another user")
    try:
        nobody = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        pytest.skip("no user 'nobody'")
    busy = [p for p in os.listdir("/proc") if p.isdigit() and owner(p) == nobody]
    if busy:
        pytest.skip("user 'nobody' already runs processes")
    # A directory 'nobody' can write to: the pytest tree is private to root.
    top = tempfile.mkdtemp(prefix="faults-nproc-")
    d = Daemon(impl, binary_for(impl), top)
    try:
        os.chmod(top, 0o777)
        # nobody may run 2 processes: the daemon and one child
        wrapper = d.dir / "nproc.sh"
        wrapper.write_text("#!/bin/sh\nulimit -p 2\nexec %s \"$@\"\n" % d.binary)
        wrapper.chmod(0o755)
        d.binary = str(wrapper)
        d.start(NPROC_CONF)
        d.wait_log(r"success: a entered RUNNING")
        d.wait_log(r"spawnerr: Too many processes in process table to spawn 'b'")
        d.wait_log(r"gave up: b entered FATAL state, too many start retries too quickly",
                   timeout=15)
        p = rpc(d)
        assert state_of(p, "a") == "RUNNING"
        fb = info(p, "b")
        assert fb["statename"] == "FATAL"
        assert "Too many processes" in fb["spawnerr"]
        assert d.running()
        assert d.stop() == 0
    finally:
        d.kill()
        check_no_sanitizer(d.stderr(), "stderr of %s" % top)
        shutil.rmtree(top, ignore_errors=True)


def owner(pid):
    try:
        return os.stat("/proc/" + pid).st_uid
    except OSError:
        return None


# --------------------------------------------------------------------------
# the child-log disk fills up

def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", str(path)],
                       capture_output=True, text=True)
    return r.returncode == 0


ENOSPC_CONF = RPC_HEAD + """
[program:flood]
command={helpers}/spewer -n 4000 -i 2 -t END
startsecs=0
autorestart=false
stdout_logfile={tmp}/full/flood.log
stdout_logfile_maxbytes=0

[program:calm]
command={helpers}/spewer -n 4000 -i 2 -t END
startsecs=0
autorestart=false
stdout_logfile={tmp}/calm.log
stdout_logfile_maxbytes=0
"""


def test_c_log_disk_full(c_daemons):
    d = c_daemons()
    full = d.dir / "full"
    full.mkdir()
    if os.geteuid() != 0 or not mount_tmpfs(full, "32k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        d.start(SUPERVISORD_SECTION + ENOSPC_CONF)
        hits = d.wait_log(r"^ERRO cannot write '%s/flood.log': No space left on device" % full,
                          timeout=20)
        assert len(hits) == 1  # said once, not per write
        p = rpc(d)
        assert p.supervisor.getState()["statename"] == "RUNNING"
        # space returns: writing resumes and says how much was lost
        assert subprocess.run(["mount", "-o", "remount,size=16m", str(full)]).returncode == 0
        d.wait_log(r"^INFO resumed writing '%s/flood.log' \(\d+ bytes lost\)$" % full,
                   timeout=20)
        wait_for(lambda: (full / "flood.log").read_text().endswith("END\n"), 30,
                 "flood's END after space returned")
        # the other program's log lost nothing
        wait_for(lambda: (d.dir / "calm.log").read_text().endswith("END\n"), 30, "calm's END")
        lines = (d.dir / "calm.log").read_text().splitlines()
        assert lines[-1] == "END" and len(lines) == 4001
        assert d.stop() == 0
    finally:
        if d.running():
            d.kill()
        subprocess.run(["umount", "-l", str(full)])


# --------------------------------------------------------------------------
# SIGKILL of the daemon

KILL_CONF = RPC_HEAD + """
[program:a]
command={helpers}/sleeper
startsecs=0
stopsignal=INT

[program:b]
command={helpers}/sleeper
startsecs=0
"""


def test_sigkill_leaves_children(daemons):
    """Supervisor leaves its children running when it is SIGKILLed, and a new
    daemon then runs a second copy of each. Ours hands each child its
    stopsignal when the daemon dies, so the next daemon starts alone."""
    d = daemons().start(SUPERVISORD_SECTION + KILL_CONF)
    p = rpc(d)
    wait_for(lambda: all(state_of(p, n) == "RUNNING" for n in "ab"), 10, "a and b RUNNING")
    old = {n: info(p, n)["pid"] for n in "ab"}
    d.known_children.update(old.values())
    os.kill(d.pid, signal.SIGKILL)
    d.wait_exit(10)
    if d.impl == "python":
        assert all(pid_alive(pid) for pid in old.values())
    else:
        wait_for(lambda: not any(pid_alive(pid) for pid in old.values()), 10,
                 "orphans to get their stopsignal")
    # a new daemon on the same config and socket starts and serves
    d.start()
    p = rpc(d)
    wait_for(lambda: all(state_of(p, n) == "RUNNING" for n in "ab"), 10, "a and b RUNNING again")
    new = {n: info(p, n)["pid"] for n in "ab"}
    assert set(new.values()).isdisjoint(old.values())
    assert d.stop() == 0
    for pid in old.values():  # the reference's orphans
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------
# a config that cannot be loaded when a reload comes

RELOAD_CONF = RPC_HEAD + """
[program:a]
command={helpers}/sleeper
startsecs=0
"""


def test_c_reload_with_broken_config(c_daemons):
    """Supervisor stops every process and then exits on a config it cannot
    load. Ours checks the file first and keeps running as it was."""
    d = c_daemons().start(SUPERVISORD_SECTION + RELOAD_CONF)
    p = rpc(d)
    wait_for(lambda: state_of(p, "a") == "RUNNING", 10, "a RUNNING")
    pid = info(p, "a")["pid"]
    good = d.conf.read_text()

    d.conf.write_text(good + "[program:bad]\ncommand=/bin/true\nnumprocs=abc\n")
    d.send(signal.SIGHUP)
    d.wait_log(r"^ERRO not restarting: invalid literal for int\(\) with base 10: 'abc'")
    with pytest.raises(xmlrpc.client.Fault) as ei:
        p.supervisor.restart()
    assert ei.value.faultCode == 92 and "CANT_REREAD: invalid literal" in ei.value.faultString

    d.conf.rename(d.dir / "elsewhere.conf")  # unreadable: gone
    d.send(signal.SIGHUP)
    d.wait_log(r"^ERRO not restarting: .*%s" % d.conf.name, count=1)
    assert info(p, "a")["pid"] == pid and state_of(p, "a") == "RUNNING"
    assert not d.lines(r"received SIGTERM|stopped: a")

    d.conf.write_text(good)
    d.send(signal.SIGHUP)
    d.wait_log(r"stopped: a ")
    p = rpc(d)
    wait_for(lambda: state_of(p, "a") == "RUNNING", 10, "a RUNNING after the reload")
    assert info(p, "a")["pid"] != pid
    assert d.stop() == 0
