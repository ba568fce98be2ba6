"""Without -n: the parent exits 0, the daemon (new session) writes its pid to
the pidfile, applies [supervisord] umask and directory; a second instance on
the same unix socket is refused with exit 2. Same expectations for both."""

import os

from conftest import SUPERVISORD_SECTION, normalize_usage, parse_kv, pid_alive, proc_stat, wait_for

CONF = SUPERVISORD_SECTION + """\
umask=027
directory={tmp}/ddir

[unix_http_server]
file={tmp}/sv.sock

[program:a]
command={helpers}/envdump {tmp}/a.txt
stdout_logfile=NONE
stderr_logfile=NONE
"""

SECOND = """[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}/childlogs

[unix_http_server]
file=%s/sv.sock
"""


def test_daemonize_pidfile_and_second_instance(daemons):
    d = daemons("first")
    (d.dir / "ddir").mkdir()
    d.start(CONF, daemonize=True)
    assert d.pid != d.proc.pid
    st = proc_stat(d.pid)
    assert st[4] == d.pid, "the daemon leads a new session"
    d.wait_log(r"^INFO daemonizing the supervisord process$")
    d.wait_log(r"^INFO supervisord started with pid %d$" % d.pid)
    child = d.spawned_pid("a")
    path = d.dir / "a.txt"
    wait_for(path.exists, 10, "envdump output")
    scalars, env, fds, argv = parse_kv(path.read_text())
    assert int(scalars["pid"]) == child
    assert int(scalars["ppid"]) == d.pid
    assert int(scalars["sid"]) == d.pid
    assert scalars["umask"] == "0027"
    assert scalars["cwd"] == str(d.dir / "ddir")
    assert (d.dir / "sv.sock").exists()

    d2 = daemons("second")
    d2.start(SECOND % d.dir)
    assert d2.wait_exit(15) == 2
    assert normalize_usage(d2.stderr(), d2.binary) == (
        "Error: Another program is already listening on a port that one of our HTTP servers "
        "is configured to use.  Shut this program down first before starting supervisord.\n"
        "For help, use <argv0> -h\n")
    assert pid_alive(d.pid)
    assert d.pidfile.read_text() == "%d\n" % d.pid

    d.stop()
    assert not pid_alive(child)
    assert not d.pidfile.exists()
    assert not (d.dir / "sv.sock").exists()
    assert os.listdir(d.dir / "ddir") == []
