"""Heterogeneous [group:x]: programs= members leave their homogeneous group,
group priority (also from %(ENV_X)s) orders groups, spawn order inside a
group is the programs= order (not the members' priorities), %(group_name)s
and SUPERVISOR_GROUP_NAME are the group's, a program listed in two groups
runs twice, an empty group is fine, shutdown goes group by group (highest
priority first). Same expectations for both implementations."""

import re

from conftest import SUPERVISORD_SECTION, parse_kv, wait_for

GROUPS_CONF = SUPERVISORD_SECTION + """
[program:p1]
command={helpers}/envdump {tmp}/p1-%(group_name)s.txt
priority=5
environment=G="%(group_name)s/%(program_name)s"
stdout_logfile={tmp}/%(group_name)s-%(program_name)s.log
stderr_logfile=NONE

[program:p2]
command={helpers}/envdump {tmp}/p2-%(group_name)s.txt
priority=1
stdout_logfile=NONE
stderr_logfile=NONE

[program:p3]
command={helpers}/envdump {tmp}/p3_%(process_num)d-%(group_name)s.txt
process_name=p3_%(process_num)d
numprocs=2
stdout_logfile=NONE
stderr_logfile=NONE

[program:solo]
command={helpers}/envdump {tmp}/solo-%(group_name)s.txt
priority=15
stdout_logfile=NONE
stderr_logfile=NONE

[group:zeta]
programs=p3,p1
priority=%(ENV_ZPRIO)s

[group:alpha]
programs=p1, p2

[group:empty]
programs=
priority=1
"""


def test_heterogeneous_groups(daemon):
    d = daemon
    d.env["ZPRIO"] = "10"
    d.start(GROUPS_CONF)
    order = ["p3_0", "p3_1", "p1", "solo", "p1", "p2"]
    d.wait_log(r"spawned: ", count=len(order))
    for name in set(order):
        d.wait_log(r"success: %s entered RUNNING" % name, count=order.count(name))
    spawns = [re.search(r"spawned: '(\w+)'", t).group(1) for t in d.lines(r"spawned: ")]
    assert spawns == order

    def env_of(fname):
        path = d.dir / fname
        wait_for(path.exists, 10, "%s (%s)" % (fname, d.impl))
        return parse_kv(path.read_text())[1]

    for fname, proc, group in (("p1-zeta.txt", "p1", "zeta"), ("p1-alpha.txt", "p1", "alpha"),
                               ("p2-alpha.txt", "p2", "alpha"), ("p3_0-zeta.txt", "p3_0", "zeta"),
                               ("p3_1-zeta.txt", "p3_1", "zeta"),
                               ("solo-solo.txt", "solo", "solo")):
        env = env_of(fname)
        assert env["SUPERVISOR_PROCESS_NAME"] == proc, fname
        assert env["SUPERVISOR_GROUP_NAME"] == group, fname
        if proc == "p1":
            assert env["G"] == "%s/p1" % group
    for group in ("zeta", "alpha"):
        log = d.dir / ("%s-p1.log" % group)
        wait_for(lambda: log.exists() and log.read_text() == "envdump ready\n", 5, str(log))
    assert sorted(p.name for p in d.dir.glob("*.txt")) == [
        "p1-alpha.txt", "p1-zeta.txt", "p2-alpha.txt", "p3_0-zeta.txt", "p3_1-zeta.txt",
        "solo-solo.txt"]
    assert len(d.child_pids("envdump")) == 6

    assert d.stop() == 0
    stops = [re.sub(r"\(\d+\)", "(N)", t) for t in d.lines(r"stopped: ")]
    # Highest group priority first: alpha (999), solo (15), zeta (10); the
    # members of one group are signalled together, so their order may vary.
    assert len(stops) == 6
    assert sorted(stops[:2]) == ["INFO stopped: p1 (exit status 0)",
                                 "INFO stopped: p2 (exit status 0)"]
    assert stops[2] == "INFO stopped: solo (exit status 0)"
    assert sorted(stops[3:]) == ["INFO stopped: p1 (exit status 0)",
                                 "INFO stopped: p3_0 (exit status 0)",
                                 "INFO stopped: p3_1 (exit status 0)"]
