"""supervisor-console over TLS (doc/console.md, "TLS"): the console's own
listener serves HTTPS with tls_cert/tls_key (a self-signed certificate made
here with openssl, or certtool where openssl is missing), and https://
nodes are reached with libcurl's TLS, checked against ca_file.

- login, API calls and an action over https from a client trusting that
  certificate; the session cookie is Secure; a Host of server_name is
  accepted, another refused; an http:// Origin is refused on a TLS login;
  plain HTTP to the TLS port gets no answer; TLS 1.1 is refused, 1.2 taken;
- a fake https node (this file run with --serve-node: a small Python
  https server answering the console's XML-RPC with bench/drv_console.py's
  canned answers, stopped by PID): online with ca_file, offline with a
  certificate error (and no credential in it) without, online with
  tls_verify = false, which is logged at WARN once;
- config errors: a missing certificate, a key of another pair, both with
  file:line (exit 2); listen off loopback without TLS."""

import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import warnings

import pytest

from conftest import REPO, check_no_sanitizer, wait_for
from test_console import CONSOLE, SECRET, Console

NAME = "console.test"  # the server_name; not resolvable: sent as Host only


def make_cert(d, cn="localhost"):
    """A self-signed certificate for cn, 127.0.0.1 and NAME: (cert, key)."""
    cert, key = d / ("%s.crt" % cn), d / ("%s.key" % cn)
    if shutil.which("openssl"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out",
                        str(cert), "-days", "2", "-subj", "/CN=%s" % cn, "-addext",
                        "subjectAltName=DNS:%s,DNS:%s,IP:127.0.0.1" % (cn, NAME)],
                       check=True, capture_output=True, timeout=30)
    elif shutil.which("certtool"):
        tmpl = d / ("%s.tmpl" % cn)
        tmpl.write_text('cn = "%s"\ndns_name = "%s"\ndns_name = "%s"\nip_address = "127.0.0.1"\n'
                        "expiration_days = 2\ntls_www_server\nsigning_key\nca\n" % (cn, cn, NAME))
        subprocess.run(["certtool", "--generate-privkey", "--key-type", "ecdsa", "--outfile",
                        str(key)], check=True, capture_output=True, timeout=30)
        subprocess.run(["certtool", "--generate-self-signed", "--load-privkey", str(key),
                        "--template", str(tmpl), "--outfile", str(cert)],
                       check=True, capture_output=True, timeout=30)
    else:
        pytest.fail("neither openssl nor certtool is installed (scripts/deps installs openssl)")
    return cert, key


# ------------------------------------------------------------ the fake https node

def serve_node(cert, key, hang_start=False):
    """Run as `test_console_tls.py --serve-node CERT KEY [--hang-start]`: an
    https server (plain HTTP if CERT is "-") on 127.0.0.1 answering
    system.multicall and getAllProcessInfo with canned answers (100 RUNNING
    processes; any other POST gets the getAllProcessInfo answer, or none
    ever for a startProcess with --hang-start) and 404 to anything else (so
    the console polls it). Prints its port, serves until SIGTERM."""
    import http.server
    import time
    sys.path.insert(0, str(REPO / "bench"))
    from drv_console import _answers  # raw HTTP answers: (multicall, getAllProcessInfo)
    multi, procs = _answers(0)

    class Node(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if hang_start and b"supervisor.startProcess<" in body:
                time.sleep(3600)  # a call that never ends: the console must drop it
            self.wfile.write(multi if b"system.multicall" in body else procs)

        def do_GET(self):
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Node)
    srv.daemon_threads = True
    if cert != "-":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        # the handshake in the connection's thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


@pytest.fixture
def tls_node(tmp_path):
    """(port, cert) of a fake https node, stopped by PID at the end."""
    d = tmp_path / "node"
    d.mkdir()
    cert, key = make_cert(d, "localhost")
    p = subprocess.Popen([sys.executable, __file__, "--serve-node", str(cert), str(key)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        line = p.stdout.readline()
        assert line.strip().isdigit(), "the fake node did not start"
        yield int(line), cert
    finally:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(10)


# ------------------------------------------------------------ the console over https

class TlsConsole(Console):
    """test_console's Console, spoken to over https with the test's CA."""

    scheme = "https"

    def __init__(self, d):
        super().__init__(d)
        self.ctx = None

    def start(self, text, cafile):
        self.ctx = ssl.create_default_context(cafile=str(cafile))
        return super().start(text)

    def conn(self, ctx=None):
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                           context=ctx or self.ctx)

    def request(self, method, path, body=None, headers=None):
        h = {}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method == "POST":
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        c = self.conn()
        c.request(method, path, body=body if body is not None else (
            b"" if method == "POST" else None), headers=h)
        r = c.getresponse()
        data = r.read().decode()
        c.close()
        assert SECRET not in data
        return r, data

    def login(self, user, password, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        r, data = self.request("POST", "/api/v1/login", json.dumps(
            {"username": user, "password": password}), h)
        if r.status == 200:
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
            self.csrf = json.loads(data)["result"]["csrf_token"]
        return r, data


@pytest.fixture
def console(tmp_path):
    c = TlsConsole(tmp_path / "console")
    yield c
    c.stop()


def test_console_https(tmp_path, tls_node, console):
    node_port, node_cert = tls_node
    cert, key = make_cert(tmp_path, "localhost")
    url = "https://127.0.0.1:%d" % node_port
    auth = "username = admin\npassword = %s\n" % SECRET
    console.start("[console]\nlisten = 127.0.0.1:0\npoll_interval = 0.3\ntimeout = 2\n"
                  "retry_max = 1\ntls_cert = %s\ntls_key = %s\nserver_name = %s\n"
                  "[node:trusted]\nurl = %s\nca_file = %s\n%s"
                  "[node:untrusted]\nurl = %s\n%s"
                  "[node:unchecked]\nurl = %s\ntls_verify = false\n%s"
                  % (cert, key, NAME, url, node_cert, auth, url, auth, url, auth), cert)
    admin = re.search(r"created user 'admin' with password '(\S+)'", console.log()).group(1)

    # an http:// Origin is not this console's origin any more
    port = console.port
    r, _ = console.login("admin", admin, {"Origin": "http://127.0.0.1:%d" % port})
    assert r.status == 403
    r, data = console.login("admin", admin, {"Origin": "https://127.0.0.1:%d" % port})
    assert r.status == 200, data
    cookie = r.getheader("Set-Cookie")
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie

    # the API over https; the nodes as ca_file and tls_verify say
    def nodes():
        r, data = console.request("GET", "/api/v1/nodes")
        assert r.status == 200, data
        got = {n["name"]: n for n in json.loads(data)["result"]}
        return got if got["trusted"]["online"] and got["unchecked"]["online"] and \
            got["untrusted"]["error"] != "not contacted yet" else None
    got = wait_for(nodes, 20, "the https nodes polled")
    assert got["trusted"]["processes"] == 100 and got["trusted"]["url"] == url
    assert not got["untrusted"]["online"]
    assert "certificate" in got["untrusted"]["error"].lower(), got["untrusted"]
    assert SECRET not in got["untrusted"]["error"]
    r, data = console.request("GET", "/api/v1/processes?node=trusted&state=running")
    assert r.status == 200 and len(json.loads(data)["result"]) == 100
    # an action: the request waits (suspended) for the node's answer over TLS
    r, data = console.request("POST", "/api/v1/nodes/trusted/processes/g0:g0_00/start")
    assert r.status == 200 and json.loads(data)["result"], data
    r, data = console.request("POST", "/api/v1/nodes/untrusted/processes/g0:g0_00/start")
    assert r.status == 502 and "NODE_UNAVAILABLE" in data, data
    warns = [ln for ln in console.log().splitlines()
             if "WARN" in ln and "'unchecked'" in ln and "tls_verify" in ln]
    assert len(warns) == 1, console.log()
    assert "tls_verify" not in "".join(ln for ln in console.log().splitlines()
                                       if "'trusted'" in ln or "'untrusted'" in ln)

    # DNS rebinding: server_name and loopback names pass, others do not
    for host, status in ((NAME, 200), (NAME.upper() + ":8443", 200), ("localhost:1", 200),
                         ("evil.example", 403), ("console.test.evil.example", 403)):
        r, data = console.request("GET", "/api/v1/session", headers={"Host": host})
        assert r.status == status, (host, data)
        r, _ = console.request("GET", "/", headers={"Host": host})
        assert r.status == status, host

    # plain HTTP to the TLS port: no HTTP answer
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    with pytest.raises((http.client.HTTPException, OSError)):
        c.request("GET", "/api/v1/session")
        c.getresponse().read()
    c.close()

    # TLS 1.2 taken, 1.1 refused (the client allows it at security level 0)
    ctx12 = ssl.create_default_context(cafile=str(cert))
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    c = console.conn(ctx12)
    c.request("GET", "/api/v1/session", headers={"Cookie": console.cookie})
    r = c.getresponse()
    assert r.status == 200 and c.sock.version() == "TLSv1.2"
    r.read()
    c.close()
    ctx11 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx11.load_verify_locations(str(cert))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx11.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx11.minimum_version = ssl.TLSVersion.TLSv1_1
            ctx11.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        ctx11 = None
    if ctx11 is not None:
        c = console.conn(ctx11)
        with pytest.raises(ssl.SSLError):
            c.request("GET", "/api/v1/session")
        c.close()

    # the console still serves, and logs out over https
    r, data = console.request("POST", "/api/v1/logout")
    assert r.status == 200 and "Secure" in r.getheader("Set-Cookie"), data


def check_config(tmp_path, text):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    r = subprocess.run([str(CONSOLE), "-c", str(conf), "--check-config"], capture_output=True,
                       text=True, timeout=30)
    check_no_sanitizer(r.stderr, "console --check-config")
    return r.returncode, r.stderr.strip(), conf


def test_console_tls_config_errors(tmp_path):
    cert, key = make_cert(tmp_path, "localhost")
    other = tmp_path / "other"
    other.mkdir()
    _, other_key = make_cert(other, "localhost")
    node = "[node:a]\nurl = unix:///nonexistent.sock\n"

    rc, err, conf = check_config(tmp_path, "[console]\nlisten = 0.0.0.0:0\ntls_cert = %s\n"
                                 "tls_key = %s\n%s" % (cert, key, node))
    assert rc == 0 and err == "", err

    rc, err, conf = check_config(tmp_path, "[console]\n; no such file\ntls_cert = %s/nope.crt\n"
                                 "tls_key = %s\n%s" % (tmp_path, key, node))
    assert rc == 2
    assert err == "Error: %s:3: tls_cert: cannot read '%s/nope.crt': No such file or directory" \
        % (conf, tmp_path), err

    rc, err, conf = check_config(tmp_path, "[console]\ntls_cert = %s\ntls_key = %s\n%s"
                                 % (cert, other_key, node))
    assert rc == 2 and err.startswith("Error: %s:3: tls_key: '%s' does not go with '%s'"
                                      % (conf, other_key, cert)), err

    rc, err, conf = check_config(tmp_path, "[console]\nlisten = 0.0.0.0:9100\n%s" % node)
    assert rc == 2 and "%s:2: listen: '0.0.0.0' is not a loopback address" % conf in err, err

    rc, err, conf = check_config(tmp_path, "[console]\n[node:a]\nurl = https://127.0.0.1:1\n"
                                 "ca_file = %s\n" % key)
    assert rc == 2 and err == "Error: %s:4: ca_file: cannot read '%s': no PEM certificate in it" \
        % (conf, key), err


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "--serve-node":
    serve_node(sys.argv[2], sys.argv[3], "--hang-start" in sys.argv[4:])
