"""The Runtime API client of lambda-emu's Python runtime (lambda_emu_runtime.py).

One keep-alive HTTP/1.1 connection to the environment's Runtime API
(AWS_LAMBDA_RUNTIME_API): GET /invocation/next, POST /response, /error and
/init/error, and SnapStart's GET /restore/next and POST /restore/error.
Standard library only, and only `_socket` and `io`: every module imported
here is paid for by every cold start, and `_socket` rather than `socket`,
whose enum conversions alone cost ~3 ms.
"""

import _socket
import io

_API_PREFIX = "/2018-06-01/runtime"


class RuntimeApiError(ConnectionError):
    """The Runtime API connection broke or answered something unparsable."""


class _SocketReader(io.RawIOBase):
    """A socket as a raw stream, for io.BufferedReader (socket.makefile
    without importing the socket module)."""

    def __init__(self, sock):
        self._sock = sock

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._sock.recv_into(buffer)


class RuntimeApiClient:
    """One keep-alive HTTP/1.1 connection to the environment's Runtime API.

    A small client of its own rather than http.client: the two requests of a
    warm invoke (GET /next, POST /response) are on the hot path, and parsing
    headers with the email package costs more than the rest of the runtime's
    per-invoke work. Requests are written with one sendall() and TCP_NODELAY.
    """

    _MAX_LINE = 65536

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host or "127.0.0.1"
        self._port = int(port)
        self._host_line = ("Host: %s\r\n" % address).encode("latin-1")
        self._sock = None
        self._rfile = None

    def _connect(self):
        error = OSError("cannot resolve %s" % self._host)
        # An ASCII name as bytes: given a str, getaddrinfo encodes it with the
        # "idna" codec, whose first use imports encodings.idna, stringprep and
        # unicodedata (~1.1 ms of every cold start, even for "127.0.0.1").
        host = self._host.encode("ascii") if self._host.isascii() else self._host
        for family, kind, proto, _, address in _socket.getaddrinfo(
                host, self._port, 0, _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.connect(address)
            except OSError as e:
                sock.close()
                error = e
                continue
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            self._sock = sock
            self._rfile = io.BufferedReader(_SocketReader(sock), 65536)
            return
        raise error

    def _close(self):
        for closable in (self._rfile, self._sock):
            if closable is not None:
                try:
                    closable.close()
                except OSError:
                    pass
        self._sock = self._rfile = None

    def _request(self, method, path, body=None, headers=()):
        head = [("%s %s HTTP/1.1\r\n" % (method, path)).encode("latin-1"), self._host_line]
        for name, value in headers:
            head.append(("%s: %s\r\n" % (name, value)).encode("utf-8"))
        if body is not None:
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        data = b"".join(head)
        for attempt in (0, 1):
            try:
                if self._sock is None:
                    self._connect()
                if body is None:
                    self._sock.sendall(data)
                elif len(body) <= 65536:
                    self._sock.sendall(data + body)
                else:  # large payloads: no copy
                    self._sock.sendall(data)
                    self._sock.sendall(body)
                return self._read_response()
            except OSError:
                # A keep-alive connection the server dropped: retry once anew.
                self._close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _readline(self):
        line = self._rfile.readline(self._MAX_LINE + 1)
        if not line:
            raise RuntimeApiError("Runtime API closed the connection")
        if len(line) > self._MAX_LINE:
            raise RuntimeApiError("Runtime API sent an over-long line")
        return line

    def _read_response(self):
        """Returns (status, headers with lower-case names, body bytes)."""
        while True:
            parts = self._readline().split(None, 2)
            try:
                status = int(parts[1])
            except (IndexError, ValueError):
                raise RuntimeApiError("Runtime API sent a malformed status line")
            headers = {}
            while True:
                line = self._readline()
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.partition(b":")
                headers[name.strip().lower().decode("latin-1")] = (
                    value.strip().decode("utf-8", "replace"))
            if status >= 200 or status == 101:
                break  # 1xx interim responses carry no body: read the real one
        rfile = self._rfile
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self._readline().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self._readline() not in (b"\r\n", b"\n"):
                        pass  # trailers
                    break
                chunk = rfile.read(size)
                if len(chunk) < size:
                    raise RuntimeApiError("Runtime API closed the connection mid-body")
                chunks.append(chunk)
                self._readline()
            body = b"".join(chunks)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            body = rfile.read(length) if length else b""
            if len(body) < length:
                raise RuntimeApiError("Runtime API closed the connection mid-body")
        elif status in (204, 304):
            body = b""
        else:  # delimited by the end of the connection
            body = rfile.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def next_invocation(self):
        """Long-polls for the next event: (headers, body)."""
        status, headers, body = self._request("GET", _API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiError("Runtime API /next returned %d: %r" % (status, body[:200]))
        return headers, body

    def post_response(self, request_id, body, content_type="application/json"):
        self._request("POST", "%s/invocation/%s/response" % (_API_PREFIX, request_id), body,
                      (("Content-Type", content_type),))

    def post_error(self, request_id, body, error_type):
        """Reports an invocation's error: `body` is the JSON error payload."""
        self._request("POST", "%s/invocation/%s/error" % (_API_PREFIX, request_id), body,
                      (("Content-Type", "application/json"),
                       ("Lambda-Runtime-Function-Error-Type", _header_value(error_type))))

    def post_init_error(self, body, error_type):
        self._request("POST", _API_PREFIX + "/init/error", body,
                      (("Content-Type", "application/json"),
                       ("Lambda-Runtime-Function-Error-Type", _header_value(error_type))))

    def restore_next(self):
        """SnapStart: says the runtime runs again after its snapshot."""
        status, _, body = self._request("GET", _API_PREFIX + "/restore/next")
        if status != 200:
            raise RuntimeApiError("Runtime API /restore/next returned %d: %r" % (status, body[:200]))

    def post_restore_error(self, body, error_type):
        self._request("POST", _API_PREFIX + "/restore/error", body,
                      (("Content-Type", "application/json"),
                       ("Lambda-Runtime-Function-Error-Type", _header_value(error_type))))


def _header_value(text):
    return "".join(c for c in str(text) if c >= " " and c != "\x7f")
