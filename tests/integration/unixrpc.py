"""XML-RPC and plain HTTP over a daemon's unix socket, for the tests and
the soak run (Python's xmlrpc.client has no unix-socket transport)."""

import http.client
import socket
import xmlrpc.client


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class UnixTransport(xmlrpc.client.Transport):
    """Sends the URL's user:password like xmlrpc.client does. keepalive:
    one connection for every call (as supervisorctl's transport keeps);
    otherwise a new one per call."""

    def __init__(self, path, timeout=30, keepalive=True):
        super().__init__()
        self.unix_path = path
        self.timeout = timeout
        self.keepalive = keepalive

    def make_connection(self, host):
        _, self._extra_headers, _ = self.get_host_info(host)  # Authorization
        if self.keepalive and self._connection and host == self._connection[0]:
            return self._connection[1]
        conn = UnixHTTPConnection(self.unix_path, self.timeout)
        if self.keepalive:
            self._connection = host, conn
        return conn


def unix_proxy(path, url="http://localhost/RPC2", timeout=30, keepalive=True):
    return xmlrpc.client.ServerProxy(url, transport=UnixTransport(str(path), timeout, keepalive))
