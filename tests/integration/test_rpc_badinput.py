"""Bad input on the HTTP/XML-RPC interface, sent with raw sockets: malformed
or truncated XML, DOCTYPEs (entity expansion, external entities), wrong
parameter types or counts, unknown methods, oversized or deeply nested
bodies, lying Content-Length, non-UTF-8 bytes and slow clients.

Each case checks the answer against Supervisor 4.2.5's (the python cases run
the same expectations on the reference) and then proves the daemon is
unaffected: a fresh xmlrpc.client connection is answered promptly and the
child is still RUNNING with the same pid. Where Supervisor has no sane answer
(hangs, accepts anything) the C-only tests assert our deliberate one."""

import re
import socket
import threading
import time
import xmlrpc.client

import pytest

from conftest import SUPERVISORD_SECTION, free_port, wait_for
from unixrpc import unix_proxy

# Bound for "answered promptly" while bad clients are connected. Generous:
# this checks that nothing blocks, not speed (sanitizer builds are slow).
PROMPT_C = 2.0
PROMPT_PY = 5.0

ERROR_PAGE = ("<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
              "<h1>Error response</h1>\r\n<p>Error code %d.\r\n<p>Message: %s.\r\n"
              "</body>\r\n")
REASONS = {400: "Bad Request", 411: "Length Required", 500: "Internal Server Error"}


# --------------------------------------------------------------------------
# clients

def proxy(d, timeout=30):
    return unix_proxy(d.dir / "sv.sock", timeout=timeout, keepalive=False)


def connect(d, tcp=False, timeout=10):
    if tcp:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(str(d.dir / "sv.sock"))
    return s


def read_all(s, timeout):
    """Everything until EOF; AssertionError if the server neither answers
    nor closes within timeout."""
    out = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("no EOF within %.1fs; got %r" % (timeout, out[:300]))
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


def exchange(d, data, timeout=10, tcp=False):
    """Send data on a new connection and read until the server closes."""
    s = connect(d, tcp)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (and closed) before we finished sending
        return read_all(s, timeout)
    finally:
        s.close()


def parse_response(raw):
    """(status code, reason, headers (lower-case names), body) of the first
    response in raw; None for a connection closed without a response."""
    if not raw:
        return None
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"^HTTP/\S+ (\d{3}) (.*)$", lines[0])
    assert m, "bad status line in %r" % raw[:200]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        rest = rest[:int(headers["content-length"])]
    return int(m.group(1)), m.group(2), headers, rest


def outcome(raw):
    """What a client gets, as something both implementations can be
    compared on: ('closed',), ('http', status), ('fault', code, string) or
    ('value', result)."""
    r = parse_response(raw)
    if r is None:
        return ("closed",)
    status, reason, headers, body = r
    if status != 200:
        if status in REASONS:  # medusa's error page, to the byte
            assert reason == REASONS[status], raw[:200]
            assert body == (ERROR_PAGE % (status, REASONS[status])).encode(), raw[:400]
        return ("http", status)
    assert headers.get("content-type") == "text/xml", raw[:300]
    try:
        (value,), _ = xmlrpc.client.loads(body.decode("utf-8"))
    except xmlrpc.client.Fault as f:
        return ("fault", f.faultCode, f.faultString)
    return ("value", value)


def post(body, version="1.0", extra=b"", length=None):
    if length is None:
        length = b"%d" % len(body)
    return (b"POST /RPC2 HTTP/" + version.encode() + b"\r\nHost: localhost\r\n"
            b"Content-Type: text/xml\r\n" + extra + b"Content-Length: " + length +
            b"\r\n\r\n" + body)


def call(method, *params):
    ps = "".join("<param><value>%s</value></param>" % p for p in params)
    return ("<?xml version='1.0'?>\n<methodCall>\n<methodName>%s</methodName>\n"
            "<params>%s</params>\n</methodCall>\n" % (method, ps)).encode()


# --------------------------------------------------------------------------
# the daemon and the "unaffected" proof

CONF = SUPERVISORD_SECTION + """
[unix_http_server]
file={tmp}/sv.sock

[inet_http_server]
port=127.0.0.1:%d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:sleeper]
command={helpers}/sleeper
startsecs=0
"""


def start(daemons):
    d = daemons()
    d.port = free_port()
    d.start(CONF % d.port)
    d.prompt = PROMPT_C if d.impl == "c" else PROMPT_PY

    def up():
        try:
            info = proxy(d, 5).supervisor.getProcessInfo("sleeper")
        except (OSError, xmlrpc.client.Error):
            return None
        return info["pid"] if info["statename"] == "RUNNING" else None
    d.child = wait_for(up, 15, "%s supervisord with sleeper RUNNING" % d.impl)
    return d


@pytest.fixture
def sv(daemons):
    return start(daemons)


@pytest.fixture
def csv(c_daemons):
    return start(c_daemons)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def assert_unaffected(d, what=""):
    """A new client is answered promptly; the child runs with the same pid."""
    assert d.running(), "%s supervisord died after %s; stderr:\n%s" % (d.impl, what, d.stderr())
    t0 = time.monotonic()
    p = proxy(d, d.prompt)
    try:
        state = p.supervisor.getState()
        info = p.supervisor.getProcessInfo("sleeper")
    except (OSError, xmlrpc.client.Error) as e:
        raise AssertionError("%s: a normal call failed after %s: %r" % (d.impl, what, e))
    took = time.monotonic() - t0
    assert state["statename"] == "RUNNING", what
    assert (info["statename"], info["pid"]) == ("RUNNING", d.child), what
    assert took < d.prompt, "%s: normal calls took %.2fs after %s" % (d.impl, took, what)


def check_cases(d, cases, timeout=10):
    for name, data, want in cases:
        got = outcome(exchange(d, data, timeout))
        assert got == want, "%s [%s]" % (name, d.impl)
        assert_unaffected(d, name)


# --------------------------------------------------------------------------
# malformed or truncated XML

def test_malformed_xml(sv):
    good = call("supervisor.getState")
    cases = [
        ("truncated", good[:60], ("http", 400)),
        ("cut before the end tag", good[:-15], ("http", 400)),
        ("mismatched tags", b"<methodCall><methodName>x</methodCall>", ("http", 400)),
        ("not XML", b"hello world", ("http", 400)),
        ("two roots", good + b"<extra/>", ("http", 400)),
        ("undefined entity", b"<methodCall><methodName>&nope;</methodName></methodCall>",
         ("http", 400)),
        ("no methodName", b"<methodCall><params/></methodCall>", ("http", 400)),
        ("empty methodName", b"<methodCall><methodName></methodName></methodCall>",
         ("http", 400)),
        ("bad int", call("supervisor.getState", "<int>abc</int>"), ("http", 400)),
        ("bad double", call("system.methodHelp", "<double>abc</double>"), ("http", 400)),
        ("bad dateTime", call("system.methodHelp", "<dateTime.iso8601>x</dateTime.iso8601>"),
         ("http", 400)),
        ("bad base64 padding", call("system.methodHelp", "<base64>YQ</base64>"), ("http", 400)),
        ("base64 of non-UTF-8", call("system.methodHelp", "<base64>/w==</base64>"),
         ("http", 400)),
        ("control character", call("supervisor.getState\x1b"), ("http", 400)),
        ("NUL character", call("system.methodHelp", "<string>a\x00b</string>"), ("http", 400)),
    ]
    check_cases(sv, [(n, post(b), w) for n, b, w in cases])
    # HTTP/1.1 keep-alive: the error does not break the connection for a
    # good request after it (both answer both).
    s = connect(sv)
    try:
        s.sendall(post(good[:60], "1.1") + post(good, "1.1", b"Connection: close\r\n"))
        raw = read_all(s, 10)
    finally:
        s.close()
    first = parse_response(raw)
    assert first[0] == 400
    second = raw[raw.index(b"HTTP/1.1 200"):]
    assert outcome(second) == ("value", {"statecode": 1, "statename": "RUNNING"})
    assert_unaffected(sv, "keep-alive after a 400")


def test_c_empty_body(csv):
    # Supervisor waits forever for a body of Content-Length 0 (medusa's
    # collector never fires); we answer 400 like any unparsable body.
    assert outcome(exchange(csv, post(b""))) == ("http", 400)
    assert_unaffected(csv, "empty body")


# --------------------------------------------------------------------------
# DOCTYPE: entity expansion and external entities

def billion_laughs(levels=10, fan=10):
    ents = [b"<!ENTITY lol0 'lol'>"]
    for i in range(1, levels):
        ents.append(b"<!ENTITY lol%d '%s'>" % (i, (b"&lol%d;" % (i - 1)) * fan))
    return (b"<?xml version='1.0'?>\n<!DOCTYPE lolz [" + b"".join(ents) + b"]>\n"
            b"<methodCall><methodName>&lol%d;</methodName></methodCall>" % (levels - 1))


def test_doctype_attacks(sv):
    quadratic = (b"<?xml version='1.0'?><!DOCTYPE m [<!ENTITY a '" + b"x" * 50000 + b"'>]>"
                 b"<methodCall><methodName>" + b"&a;" * 50000 + b"</methodName></methodCall>")
    external = (b"<?xml version='1.0'?><!DOCTYPE m [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                b"<methodCall><methodName>&e;</methodName></methodCall>")
    external_http = (b"<?xml version='1.0'?><!DOCTYPE m [<!ENTITY e SYSTEM "
                     b"'http://127.0.0.1:%d/RPC2'>]>"
                     b"<methodCall><methodName>&e;</methodName></methodCall>" % sv.port)
    for name, body in [("billion laughs", billion_laughs()), ("quadratic blowup", quadratic),
                       ("external file entity", external),
                       ("external http entity", external_http)]:
        before = rss_kb(sv.pid)
        t0 = time.monotonic()
        got = outcome(exchange(sv, post(body), timeout=sv.prompt * 2))
        took = time.monotonic() - t0
        assert got == ("http", 400), "%s [%s]" % (name, sv.impl)
        assert took < sv.prompt, "%s took %.2fs" % (name, took)
        grown = rss_kb(sv.pid) - before
        assert grown < 64 * 1024, "%s: RSS grew by %d kB" % (name, grown)
        assert_unaffected(sv, name)


def test_c_any_doctype_refused(csv):
    # Deliberate: Supervisor expands internal entities and ignores external
    # DTDs (all three of these get 200 there); we refuse any DOCTYPE.
    m = b"<methodCall><methodName>supervisor.getState</methodName></methodCall>"
    cases = [
        ("internal entity", b"<?xml version='1.0'?><!DOCTYPE m [<!ENTITY a 'supervisor.getState'>]>"
         b"<methodCall><methodName>&a;</methodName></methodCall>"),
        ("external DTD", b"<!DOCTYPE methodCall SYSTEM 'file:///etc/passwd'>" + m),
        ("external parameter entity",
         b"<!DOCTYPE m [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]>" + m),
        ("bare DOCTYPE", b"<!DOCTYPE methodCall>" + m),
    ]
    check_cases(csv, [(n, post(b), ("http", 400)) for n, b in cases])
    assert "root:" not in csv.log_text()


# --------------------------------------------------------------------------
# wrong parameter types or counts

def test_wrong_parameters(sv):
    s = "<string>sleeper</string>"
    IP = ("fault", 2, "INCORRECT_PARAMETERS")
    cases = [
        ("getState with an argument", call("supervisor.getState", "<int>1</int>"), IP),
        ("getProcessInfo without", call("supervisor.getProcessInfo"), IP),
        ("getProcessInfo with two", call("supervisor.getProcessInfo", s, s), IP),
        ("readLog offset nil", call("supervisor.readLog", "<nil/>", "<int>1</int>"), IP),
        ("untyped value", call("supervisor.getState", "x"), IP),
        ("multicall of an int", call("system.multicall", "<int>5</int>"), IP),
        ("recursive multicall", call("system.multicall",
                                     "<array><data><value><struct><member><name>methodName"
                                     "</name><value>system.multicall</value></member>"
                                     "</struct></value></data></array>"),
         ("value", [{"faultCode": 2,
                     "faultString": "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"}])),
        ("methodHelp of an int", call("system.methodHelp", "<int>1</int>"),
         ("fault", 4, "SIGNATURE_UNSUPPORTED")),
        # TypeErrors/AttributeErrors inside the method: HTTP 500
        ("name as int", call("supervisor.getProcessInfo", "<int>1</int>"), ("http", 500)),
        ("name as struct", call("supervisor.getProcessInfo", "<struct></struct>"),
         ("http", 500)),
        ("name as array", call("supervisor.getProcessInfo", "<array><data/></array>"),
         ("http", 500)),
        ("name as nil", call("supervisor.getProcessInfo", "<nil/>"), ("http", 500)),
        ("name as boolean", call("supervisor.getProcessInfo", "<boolean>1</boolean>"),
         ("http", 500)),
        ("startProcess of an int", call("supervisor.startProcess", "<int>5</int>"),
         ("http", 500)),
        ("readLog offset abc", call("supervisor.readLog", "<string>abc</string>",
                                    "<int>1</int>"), ("http", 500)),
        ("stopProcess of a struct", call("supervisor.stopProcess", "<struct></struct>"),
         ("http", 500)),
    ]
    check_cases(sv, [(n, post(b), w) for n, b, w in cases])
    if sv.impl == "c":
        assert sv.lines(r"^CRIT Handling XML-RPC request with data .* raised an unexpected")


# --------------------------------------------------------------------------
# unknown methods

def test_unknown_methods(sv):
    UM = ("fault", 1, "UNKNOWN_METHOD")
    names = ["supervisor.nope", "getState", "a.b.c", "supervisor.getState.x",
             "supervisor._update", "supervisor.__init__", "nons.getState", "system.nope",
             ".getState", "supervisor.", "supervisor.GETSTATE", "x" * 5000]
    check_cases(sv, [(n[:40], post(call(n)), UM) for n in names])
    # inside multicall too: one fault per call, the good one still answered
    mc = call("system.multicall",
              "<array><data>"
              "<value><struct><member><name>methodName</name><value>a.b.c</value></member>"
              "</struct></value>"
              "<value><struct><member><name>methodName</name><value>supervisor.getPID</value>"
              "</member></struct></value>"
              "</data></array>")
    got = outcome(exchange(sv, post(mc)))
    assert got == ("value", [{"faultCode": 1, "faultString": "UNKNOWN_METHOD"}, sv.pid])
    assert_unaffected(sv, "multicall with an unknown method")


# --------------------------------------------------------------------------
# oversized bodies and headers

def test_oversized(sv):
    # 1.5 MB, under our cap: both parse it
    big_ok = call("system.methodHelp", "<string>%s</string>" % ("a" * 1500000))
    assert outcome(exchange(sv, post(big_ok))) == ("fault", 4, "SIGNATURE_UNSUPPORTED")
    assert_unaffected(sv, "1.5 MB body")

    # 3 MB: Supervisor reads any size; we answer 413 as soon as we see the
    # Content-Length, without reading the body
    huge = call("system.methodHelp", "<string>%s</string>" % ("a" * 3000000))
    got = parse_response(exchange(sv, post(huge)))
    if sv.impl == "python":
        assert outcome(exchange(sv, post(huge))) == ("fault", 4, "SIGNATURE_UNSUPPORTED")
    else:
        assert got[0] == 413, got
        assert b"Error code 413." in got[3]
        assert_unaffected(sv, "3 MB body")
        # header only, body never sent: answered at once all the same
        s = connect(sv)
        try:
            s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: 3000000\r\n\r\n")
            got = parse_response(read_all(s, sv.prompt))
        finally:
            s.close()
        assert got[0] == 413, got
        assert_unaffected(sv, "3 MB Content-Length, no body")
        # a client that sends the body after the answer (as xmlrpc.client
        # does: it writes the whole request before reading) finishes sending
        # without a reset: the server drops what follows its answer
        for tcp in (False, True):
            s = connect(sv, tcp)
            try:
                s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: 3000000\r\n\r\n")
                got = parse_response(read_all(s, sv.prompt))
                assert got[0] == 413, got
                s.sendall(b"a" * 3000000)
                s.shutdown(socket.SHUT_WR)
                assert s.recv(1) == b""
            finally:
                s.close()
        assert_unaffected(sv, "3 MB body sent after the 413")
        # a length past 64 bits
        got = parse_response(exchange(sv, post(b"x", length=b"9" * 30)))
        assert got[0] == 413, got
    assert_unaffected(sv, "3 MB body")

    # 100 kB header line: Supervisor takes it; ours is over the per-connection
    # memory and gets 431
    hdr = b"X-Big: " + b"a" * 100000 + b"\r\n"
    got = exchange(sv, post(call("supervisor.getState"), extra=hdr))
    if sv.impl == "python":
        assert outcome(got) == ("value", {"statecode": 1, "statename": "RUNNING"})
    else:
        assert parse_response(got)[0] == 431, got[:200]
    assert_unaffected(sv, "100 kB header")


# --------------------------------------------------------------------------
# deep nesting

def nested(levels):
    return "<array><data><value>" * levels + "<int>1</int>" + "</value></data></array>" * levels


def test_deep_nesting(sv):
    # moderate nesting: a normal answer from both
    got = outcome(exchange(sv, post(call("system.methodHelp", nested(15)))))
    assert got == ("fault", 4, "SIGNATURE_UNSUPPORTED")
    assert_unaffected(sv, "15 levels")
    # multicall with a nested (ignored) parameter: still works
    mc = call("system.multicall",
              "<array><data><value><struct>"
              "<member><name>methodName</name><value>supervisor.getPID</value></member>"
              "<member><name>params</name><value><array><data></data></array></value></member>"
              "</struct></value></data></array>")
    assert outcome(exchange(sv, post(mc))) == ("value", [sv.pid])
    assert_unaffected(sv, "multicall with empty params")
    # 200 levels: Supervisor has no limit; ours is 64 elements -> 400
    got = outcome(exchange(sv, post(call("system.methodHelp", nested(200)))))
    if sv.impl == "python":
        assert got == ("fault", 4, "SIGNATURE_UNSUPPORTED")
    else:
        assert got == ("http", 400)
    assert_unaffected(sv, "deep nesting")


def test_c_extreme_nesting(csv):
    # 45000 levels (1.9 MB, under the body cap): refused quickly, no stack
    # exhaustion, no memory blow-up
    for body in [call("system.methodHelp", nested(45000)).replace(b"<int>1</int>", b""),
                 b"<methodCall>" + b"<x>" * 250000 + b"</x>" * 250000 + b"</methodCall>"]:
        assert len(body) < 2 * 1024 * 1024
        before = rss_kb(csv.pid)
        t0 = time.monotonic()
        assert outcome(exchange(csv, post(body))) == ("http", 400)
        assert time.monotonic() - t0 < csv.prompt
        assert rss_kb(csv.pid) - before < 64 * 1024
        assert_unaffected(csv, "extreme nesting")


# --------------------------------------------------------------------------
# lying or missing Content-Length

def test_lying_content_length(sv):
    good = call("supervisor.getState")
    # shorter than the body: the cut body is unparsable
    assert outcome(exchange(sv, post(good, length=b"%d" % (len(good) - 20)))) == ("http", 400)
    assert_unaffected(sv, "short Content-Length")
    # missing, or a chunked body instead: 411
    assert outcome(exchange(sv, b"POST /RPC2 HTTP/1.0\r\n\r\n" + good)) == ("http", 411)
    assert_unaffected(sv, "no Content-Length")
    chunked = (b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n%x\r\n" % len(good) + good + b"\r\n0\r\n\r\n")
    assert outcome(exchange(sv, chunked)) == ("http", 411)
    assert_unaffected(sv, "chunked body")
    # negative or not a number: 400 (python: 400 and 500; ours: libmicrohttpd's 400)
    assert parse_response(exchange(sv, post(good, length=b"-5")))[0] == 400
    assert_unaffected(sv, "negative Content-Length")
    want = 500 if sv.impl == "python" else 400
    assert parse_response(exchange(sv, post(good, length=b"abc")))[0] == want
    assert_unaffected(sv, "bad Content-Length")

    # longer than the body, then a stall: nothing comes back on that
    # connection, and everyone else is served meanwhile
    stalled = []
    try:
        for tcp in (False, True):
            s = connect(sv, tcp)
            s.sendall(post(good, length=b"%d" % (len(good) + 100)))
            stalled.append(s)
        for _ in range(3):
            assert_unaffected(sv, "a stalled body")
        for s in stalled:
            s.settimeout(0.2)
            with pytest.raises(socket.timeout):
                s.recv(1)
        # the client gives up (half-close): the server drops it, no answer
        for s in stalled:
            s.shutdown(socket.SHUT_WR)
        for s in stalled:
            assert parse_response(read_all(s, 10)) is None
    finally:
        for s in stalled:
            s.close()
    assert_unaffected(sv, "abandoned stalled bodies")


# --------------------------------------------------------------------------
# non-UTF-8 bytes

def test_non_utf8(sv):
    m = b"<methodCall><methodName>supervisor.getState%s</methodName></methodCall>"
    cases = [
        ("latin-1 byte in the body", post(m % b"\xe9")),
        ("declared latin-1", post(b"<?xml version='1.0' encoding='iso-8859-1'?>" + m % b"\xe9")),
        ("overlong", post(m % b"\xc0\xaf")),
        ("surrogate", post(m % b"\xed\xa0\x80")),
        ("truncated sequence at the end", post(m % b"" + b"\xe2\x82")),
        ("in a string param", post(call("system.methodHelp", "<string>%s</string>")
                                   .replace(b"%s", b"\xff\xfe"))),
        ("in a header", post(call("supervisor.getState"), extra=b"X-A: \xff\r\n")),
        ("in the path", post(call("supervisor.getState")).replace(b"/RPC2", b"/RPC2\xff", 1)),
        ("in the query", post(call("supervisor.getState")).replace(b"/RPC2", b"/RPC2?\xff", 1)),
    ]
    # Supervisor drops the connection without a response
    check_cases(sv, [(n, data, ("closed",)) for n, data in cases])
    # valid UTF-8 and %xx-escapes are fine
    ok = [
        ("UTF-8 in a string", post(call("system.methodHelp", "<string>\u00e9\u20ac</string>")),
         ("fault", 4, "SIGNATURE_UNSUPPORTED")),
        ("%ff in the path", post(call("supervisor.getPID")).replace(b"/RPC2", b"/RPC2%ff", 1),
         ("value", sv.pid)),
    ]
    check_cases(sv, ok)


# --------------------------------------------------------------------------
# slow clients

def test_slow_clients(sv):
    good = post(call("supervisor.getState"), "1.1", b"Connection: close\r\n")
    socks = []
    stop = threading.Event()
    trickled = {}

    def trickle():
        # a whole request, a few bytes at a time
        s = connect(sv, tcp=True, timeout=30)
        try:
            for i in range(0, len(good), 8):
                if stop.is_set():
                    return
                s.sendall(good[i:i + 8])
                stop.wait(0.02)
            trickled["raw"] = read_all(s, 30)
        finally:
            s.close()

    t = threading.Thread(target=trickle, daemon=True)
    try:
        # stalled mid request line, mid headers, after the headers, mid body;
        # on both listeners
        for tcp in (False, True):
            for part in (b"PO", b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Le",
                         good[:good.index(b"\r\n\r\n") + 4], good[:-30]):
                for _ in range(5):
                    s = connect(sv, tcp)
                    s.sendall(part)
                    socks.append(s)
        # one that pipelines requests and never reads the answers
        greedy = connect(sv)
        greedy.setblocking(False)
        one = post(call("supervisor.getAllProcessInfo"), "1.1")
        sent = 0
        try:
            for _ in range(4000):
                sent += greedy.send(one)
        except BlockingIOError:
            pass
        socks.append(greedy)
        assert sent > 0
        t.start()
        for _ in range(5):
            assert_unaffected(sv, "slow clients")
        t.join(30)
        assert not t.is_alive()
        assert outcome(trickled["raw"]) == ("value", {"statecode": 1, "statename": "RUNNING"})
        assert_unaffected(sv, "slow clients")
        # the stalled ones are still open and unanswered: nobody gave up on them
        for s in socks[:-1]:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)
    finally:
        stop.set()
        for s in socks:
            s.close()
        t.join(5)
    assert_unaffected(sv, "slow clients gone")
