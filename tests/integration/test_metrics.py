"""/metrics: the Prometheus text format served by our supervisord over a real
HTTP client, checked with prometheus_client's parser (python3-prometheus-
client). Values are compared with what XML-RPC and /proc say; auth is the
same as XML-RPC's. C only: Supervisor 4.2.5 has no /metrics (it answers 404)."""

import base64
import os
import socket
import urllib.error
import urllib.request
import xmlrpc.client

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import SUPERVISORD_SECTION, free_port, wait_for


CONF = SUPERVISORD_SECTION + """
[inet_http_server]
port=127.0.0.1:{port}
{auth}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:sleepy]
command={helpers}/sleeper 1000
startsecs=0
autostart=true

[program:quick]
command=/bin/sh -c "exit 3"
startsecs=0
autostart=true
autorestart=false

[program:idle]
command={helpers}/sleeper 1000
autostart=false

[group:grp]
programs=idle
"""


def listening(d):
    try:
        socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
        return True
    except OSError:
        return False


def start(c_daemons, auth="", conf=CONF):
    d = c_daemons()
    d.port = free_port()
    d.start(conf.replace("{port}", str(d.port)).replace("{auth}", auth))
    wait_for(lambda: listening(d), 10, "daemon listening")
    return d


def get(d, path, creds=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (d.port, path))
    if creds:
        req.add_header("Authorization", "Basic " + base64.b64encode(creds.encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers, r.read().decode()


def server(d, creds=None):
    auth = (creds + "@") if creds else ""
    return xmlrpc.client.ServerProxy("http://%s127.0.0.1:%d/RPC2" % (auth, d.port))


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, metric, **labels):
    for f in fams.values():
        for s in f.samples:
            if s.name == metric and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_metrics_format_and_values(c_daemons):
    d = start(c_daemons)
    rpc = server(d)
    wait_for(lambda: rpc.supervisor.getProcessInfo("quick")["statename"] == "EXITED", 10,
             "quick EXITED")
    wait_for(lambda: rpc.supervisor.getProcessInfo("sleepy")["statename"] == "RUNNING", 10,
             "sleepy RUNNING")
    # RUNNING comes at once (startsecs=0), before the exec: wait for the
    # sleeper to say it is up, so its memory is settled when compared
    wait_for(lambda: " up\n" in rpc.supervisor.readProcessStdoutLog("sleepy", 0, 0), 10,
             "sleepy's first line")
    status, headers, text = get(d, "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    fams = families(text)
    # every family has a TYPE the parser understood
    assert fams["supervisor_process_state"].type == "gauge"
    assert fams["supervisor_process_restarts"].type == "counter"
    assert fams["supervisor_process_cpu_seconds"].type == "counter"
    assert sample(fams, "supervisor_build_info", version="4.2.5") == 1
    assert sample(fams, "supervisor_state") == 1
    assert sample(fams, "supervisor_uptime_seconds") >= 0
    assert sample(fams, "supervisor_start_time_seconds") > 1e9

    info = rpc.supervisor.getProcessInfo("sleepy")
    lab = dict(group="sleepy", name="sleepy")
    assert sample(fams, "supervisor_process_state", **lab) == 20
    assert sample(fams, "supervisor_process_up", **lab) == 1
    assert sample(fams, "supervisor_process_start_time_seconds", **lab) == \
        pytest.approx(info["start"], abs=1.0)
    assert sample(fams, "supervisor_process_restarts_total", **lab) == 0
    rss = sample(fams, "supervisor_process_resident_memory_bytes", **lab)
    with open("/proc/%d/statm" % info["pid"]) as f:
        pages = int(f.read().split()[1])
    assert rss == pytest.approx(pages * os.sysconf("SC_PAGE_SIZE"), rel=0.5)
    assert sample(fams, "supervisor_process_cpu_seconds_total", **lab) >= 0

    q = dict(group="quick", name="quick")
    assert sample(fams, "supervisor_process_state", **q) == 100
    assert sample(fams, "supervisor_process_up", **q) == 0
    assert sample(fams, "supervisor_process_exit_status", **q) == 3
    assert sample(fams, "supervisor_process_cpu_seconds_total", **q) is None

    i = dict(group="grp", name="idle")
    assert sample(fams, "supervisor_process_state", **i) == 0
    assert sample(fams, "supervisor_process_start_time_seconds", **i) == 0
    assert sample(fams, "supervisor_process_exit_status", **i) is None

    # restarts count starts after the first
    rpc.supervisor.stopProcess("sleepy")
    rpc.supervisor.startProcess("sleepy")
    rpc.supervisor.startProcess("quick", False)  # it may exit before a wait sees RUNNING
    fams = families(get(d, "/metrics")[2])
    assert sample(fams, "supervisor_process_restarts_total", **lab) == 1
    wait_for(lambda: rpc.supervisor.getProcessInfo("quick")["statename"] == "EXITED", 10,
             "quick EXITED again")
    fams = families(get(d, "/metrics")[2])
    assert sample(fams, "supervisor_process_restarts_total", **q) == 1


def test_metrics_label_escaping(c_daemons):
    d = start(c_daemons, conf=SUPERVISORD_SECTION + """
[inet_http_server]
port=127.0.0.1:{port}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:a"b\\c]
command={helpers}/sleeper 1000
autostart=false
""")
    fams = families(get(d, "/metrics")[2])
    assert sample(fams, "supervisor_process_state", name='a"b\\c') == 0


def test_metrics_auth(c_daemons):
    d = start(c_daemons, auth="username=user\npassword=secret\n")
    with pytest.raises(urllib.error.HTTPError) as ei:
        get(d, "/metrics")
    assert ei.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as ei:
        get(d, "/metrics", "user:wrong")
    assert ei.value.code == 401
    status, _, text = get(d, "/metrics", "user:secret")
    assert status == 200 and "supervisor_process_state" in text


def test_metrics_post_refused(c_daemons):
    d = start(c_daemons)
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % d.port, data=b"x")
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(req, timeout=10)
    assert ei.value.code == 405
