"""Child log files: explicit paths, AUTO names in childlogdir (and the purge of
stale AUTO logs at startup), NONE, redirect_stderr, rotation with backups (no
byte lost, order kept), backups=0 truncation, SIGUSR2 reopen after the files
were moved away. Same expectations for both implementations."""

import os
import re
import signal
import stat

from conftest import SUPERVISORD_SECTION, wait_for

LINE = "%c%08d abcdefghijklmnopqrstuvwxyz0123456789\n"


def stream(n, first=0, ch="O"):
    return "".join(LINE % (ch, i) for i in range(first, first + n))


LOGS_CONF = SUPERVISORD_SECTION + """
[program:explicit]
command={helpers}/exiter 0 60000
stdout_logfile={tmp}/explicit.out
stderr_logfile={tmp}/explicit.err

[program:auto]
command={helpers}/exiter 0 60000

[program:none]
command={helpers}/exiter 0 60000
stdout_logfile=NONE
stderr_logfile=NONE

[program:redir]
command={helpers}/exiter 0 60000
redirect_stderr=true

[program:rot]
command={helpers}/spewer -n 600 -i 2 -t END
stdout_logfile={tmp}/rot.log
stdout_logfile_maxbytes=5KB
stdout_logfile_backups=10
stderr_logfile=NONE

[program:trunc]
command={helpers}/spewer -n 300 -i 2 -t END
stdout_logfile={tmp}/trunc.log
stdout_logfile_maxbytes=2KB
stdout_logfile_backups=0
stderr_logfile=NONE
"""

AUTO_RX = r"^%s-%s---itest-[A-Za-z0-9_]{8}\.log$"


def test_log_destinations_and_rotation(daemon):
    d = daemon
    logs = d.dir / "childlogs"
    # Stale AUTO logs of this identifier are purged at startup; others are kept.
    for name in ("old-stdout---itest-abcdefgh.log", "old-stderr---itest-abcdefgh.log.3",
                 "keep.log", "x-stdout---other-abcdefgh.log"):
        (logs / name).write_text("stale\n")
    d.start(LOGS_CONF)
    pid = {}
    for name in ("explicit", "auto", "none", "redir"):
        pid[name] = d.spawned_pid(name)

    out, err = d.dir / "explicit.out", d.dir / "explicit.err"
    wait_for(lambda: out.exists() and out.read_text() == "exiter %d code 0\n" % pid["explicit"],
             10, "explicit stdout log")
    wait_for(lambda: err.exists() and err.read_text() == "exiter stderr\n", 10, "explicit stderr log")
    assert stat.S_IMODE(out.stat().st_mode) == 0o664  # 0666 & ~umask(002)

    def auto_files():
        names = sorted(p.name for p in logs.iterdir())
        return names if len(names) == 5 else None
    names = wait_for(auto_files, 10, "AUTO log files")
    assert "keep.log" in names and "x-stdout---other-abcdefgh.log" in names
    rest = [n for n in names if n not in ("keep.log", "x-stdout---other-abcdefgh.log")]
    assert re.match(AUTO_RX % ("auto", "stderr"), rest[0]), rest
    assert re.match(AUTO_RX % ("auto", "stdout"), rest[1]), rest
    assert re.match(AUTO_RX % ("redir", "stdout"), rest[2]), rest
    for n in rest:
        assert stat.S_IMODE((logs / n).stat().st_mode) == 0o600
    wait_for(lambda: (logs / rest[1]).read_text() == "exiter %d code 0\n" % pid["auto"], 5,
             "auto stdout content")
    wait_for(lambda: (logs / rest[0]).read_text() == "exiter stderr\n", 5, "auto stderr content")
    wait_for(lambda: sorted((logs / rest[2]).read_text().splitlines())
             == sorted(["exiter %d code 0" % pid["redir"], "exiter stderr"]), 5,
             "redirected stdout+stderr content")

    # Rotation: backups .N ... .1 then the live file hold every byte, in order.
    rot = d.dir / "rot.log"
    def rot_text():  # the file may be mid-rename between two reads
        try:
            return rot.read_text()
        except FileNotFoundError:
            return ""
    wait_for(lambda: rot_text().endswith("END\n"), 15, "rot.log complete")
    backups = sorted((p for p in d.dir.glob("rot.log.*")), key=lambda p: int(p.suffix[1:]))
    assert len(backups) >= 3
    assert [int(p.suffix[1:]) for p in backups] == list(range(1, len(backups) + 1))
    for p in backups:
        assert p.stat().st_size >= 5 * 1024, (p, p.stat().st_size)
    whole = "".join(p.read_text() for p in reversed(backups)) + rot.read_text()
    assert whole == stream(600) + "END\n"

    # backups=0: the file is truncated instead of rotated.
    trunc = d.dir / "trunc.log"
    wait_for(lambda: trunc.exists() and trunc.read_text().endswith("END\n"), 15,
             "trunc.log ends with the trailer")
    assert list(d.dir.glob("trunc.log.*")) == []
    text = trunc.read_text()
    assert len(text) < 2048
    full = stream(300) + "END\n"
    assert full.endswith(text) and (len(text) == len(full) or full[-len(text) - 1] == "\n")
    assert len(text) < len(full)
    assert d.stop() == 0


def test_sigusr2_reopens_logs(daemon):
    d = daemon.start(SUPERVISORD_SECTION + """
[program:tick]
command={helpers}/spewer -n -1 -i 20
stdout_logfile={tmp}/tick.log
""")
    tick = d.dir / "tick.log"
    wait_for(lambda: tick.exists() and tick.read_text().count("\n") >= 5, 10, "tick output")
    moved_tick = d.dir / "tick.log.moved"
    moved_main = d.dir / "supervisord.log.moved"
    tick.rename(moved_tick)
    d.logfile.rename(moved_main)
    d.send(signal.SIGUSR2)
    d.wait_log(r"^INFO received SIGUSR2 indicating log reopen request$", path=moved_main)
    wait_for(lambda: d.logfile.exists(), 5, "main log reopened")
    wait_for(lambda: tick.exists() and tick.read_text().count("\n") >= 5, 10,
             "tick output in the reopened file")
    assert d.stop() == 0
    old, new = moved_tick.read_text(), tick.read_text()
    assert old.endswith("\n") and new.endswith("\n")
    # Nothing lost, nothing doubled across the reopen.
    nums = [int(line[1:9]) for line in (old + new).splitlines()]
    assert nums == list(range(len(nums)))
    assert (old + new) == stream(len(nums))
    both = d.lines(path=moved_main) + d.lines()
    assert "INFO supervisord logreopen" in both
    assert "WARN received SIGTERM indicating exit request" in d.lines()


PARSE_MSGS_CONF = SUPERVISORD_SECTION + """
[include]
files=conf.d/*.conf conf.d/*.nomatch

[program:a]
command={helpers}/sleeper
stdout_logfile=AUTO
stdout_logfile_maxbytes=0
stderr_logfile=NONE

[program:b]
command={helpers}/sleeper
redirect_stderr=true
stdout_logfile=NONE
stderr_logfile={tmp}/b.err
"""


def test_parse_messages_in_main_log(daemon):
    """Parse-time messages reach the main log once it exists, CRIT first,
    then WARN, then INFO (include notes, AUTO without rollover, ignored
    stderr_logfile, missing include match)."""
    d = daemon
    (d.dir / "conf.d").mkdir()
    (d.dir / "conf.d" / "x.conf").write_text("[program:c]\ncommand=%s/sleeper\n"
                                             "stdout_logfile=NONE\nstderr_logfile=NONE\n"
                                             % d.expand("{helpers}"))
    d.start(PARSE_MSGS_CONF)
    d.wait_log(r"^INFO supervisord started with pid %d$" % d.pid)
    lines = d.lines()
    head = lines[:lines.index("INFO supervisord started with pid %d" % d.pid)]
    head = [t.replace(str(d.dir), "{tmp}") for t in head]
    expected = [
        'WARN No file matches via include "{tmp}/conf.d/*.nomatch"',
        "WARN For [program:a], AUTO logging used for stdout_logfile without rollover, set "
        "maxbytes > 0 to avoid filling up filesystem unintentionally",
        "WARN For [program:b], redirect_stderr=true but stderr_logfile has also been set to a "
        "filename, the filename has been ignored",
        'INFO Included extra file "{tmp}/conf.d/x.conf" during parsing',
    ]
    if os.geteuid() == 0:
        expected.insert(0, "CRIT Supervisor is running as root.  Privileges were not dropped "
                        "because no user is specified in the config file.  If you intend to run "
                        "as root, you can set user=root in the config file to avoid this message.")
    assert head == expected
    for name in ("a", "b", "c"):
        d.spawned_pid(name)
    assert not (d.dir / "b.err").exists()
    assert d.stop() == 0
