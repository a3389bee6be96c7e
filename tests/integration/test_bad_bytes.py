"""Bad bytes from callers (issue 12 item 8): invalid UTF-8 and JSON-special characters in a
function name, a qualifier, a header or a path never turn into a 5xx or a body that is not
JSON.

Each request goes out on a raw socket, so the bytes reach the server exactly as written
(http.client would refuse them). Lambda answers a FunctionName or Qualifier that does not
match its model with 400 ValidationException quoting the value; bytes that are not UTF-8
are quoted as U+FFFD (the body must stay UTF-8 JSON). API Gateway's events likewise carry
U+FFFD for them (ALB is known to pass such bytes through; an event that is not valid JSON
would break every runtime's parser, so lambda-emu replaces them).
"""
import json
import random
import socket
import unittest

from emu import probe_function, provided_function, serve_for_class
from test_api_gateway import ECHO, ApiServer, function, http_api, rest

REPLACEMENT = "\ufffd"


def raw_request(port, data, timeout=30):
    """Sends `data` as is on a new connection; returns (status, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            head, sep, rest = out.partition(b"\r\n\r\n")
            if sep:
                lengths = [line for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")]
                if lengths and len(rest) >= int(lengths[0].split(b":")[1]):
                    break
    if not out.startswith(b"HTTP/1.1 "):
        return 0, out
    head, _, body = out.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def request(method, target, headers=b"", body=b""):
    return (method.encode() + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def strict_json(body):
    """The body as JSON, decoded as strict UTF-8 (raises on invalid bytes or JSON)."""
    return json.loads(body.decode("utf-8"))


class BadBytesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"hello": provided_function("curl-echo"),
                                        "probe": probe_function()})

    def send(self, method, target, headers=b"", body=b""):
        return raw_request(self.emu.port, request(method, target, headers, body))

    def assertValidation(self, status, body, value, member):
        self.assertEqual(status, 400, body)
        error = strict_json(body)
        self.assertTrue(error["message"].startswith(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            "constraint: Member must"), error)

    def test_invalid_utf8_function_name_is_400_validation_exception(self):
        for target, value in ((b"/2015-03-31/functions/%FF/invocations", REPLACEMENT),
                              (b"/2015-03-31/functions/h\xffllo/invocations", f"h{REPLACEMENT}llo"),
                              (b"/2015-03-31/functions/%C3%28x/invocations", f"{REPLACEMENT}(x")):
            with self.subTest(target=target):
                status, body = self.send("POST", target, body=b"{}")
                self.assertValidation(status, body, value, "functionName")

    def test_invalid_utf8_qualifier_is_400_validation_exception(self):
        status, body = self.send("POST", b"/2015-03-31/functions/hello/invocations?Qualifier=%FE",
                                 body=b"{}")
        self.assertValidation(status, body, REPLACEMENT, "qualifier")

    def test_invalid_utf8_header_value_is_400_validation_exception(self):
        status, body = self.send("POST", b"/2015-03-31/functions/hello/invocations",
                                 b"X-Amz-Invocation-Type: \xff\xfe\r\n", b"{}")
        self.assertValidation(status, body, REPLACEMENT * 2, "invocationType")

    def test_quotes_and_bad_bytes_in_runtime_api_path_give_a_json_404(self):
        # The Runtime API's "Unknown Runtime API path ..." quoted the path unescaped: a '"' or
        # a byte that is not UTF-8 made the body invalid JSON.
        api = json.loads(self.emu.invoke("probe", b'{"env": true}').body)["env"][
            "AWS_LAMBDA_RUNTIME_API"]
        port = int(api.rsplit(":", 1)[1])
        status, body = raw_request(port, request("GET", b'/2018-06-01/runtime/"\xff\\x'))
        self.assertEqual(status, 404, body)
        error = strict_json(body)
        self.assertEqual(error["errorType"], "InvalidRequest", error)
        self.assertEqual(error["errorMessage"],
                         f'Unknown Runtime API path /2018-06-01/runtime/"{REPLACEMENT}\\x')

    def test_random_bytes_in_names_qualifiers_and_headers_never_5xx(self):
        rng = random.Random(12)

        def junk(n):
            out = b""
            for _ in range(n):
                k = rng.random()
                if k < 0.3:
                    out += bytes([rng.randrange(0x80, 0x100)])
                elif k < 0.6:
                    out += b"%%%02X" % rng.randrange(0x80, 0x100)
                elif k < 0.7:
                    out += rng.choice([b"%22", b"%5C", b"%00", b"%0A", b"'", b"%25"])
                else:
                    out += bytes([rng.choice(b"abcXYZ019-_.:$")])
            return out

        routes = [
            ("POST", b"/2015-03-31/functions/{n}/invocations"),
            ("POST", b"/2015-03-31/functions/{n}/invocations?Qualifier={q}"),
            ("POST", b"/2014-11-13/functions/{n}/invoke-async"),
            ("GET", b"/2015-03-31/functions/{n}"),
            ("GET", b"/2015-03-31/functions/{n}/configuration?Qualifier={q}"),
            ("GET", b"/2015-03-31/functions/{n}/aliases/{q}"),
            ("PUT", b"/2015-03-31/functions/{n}/aliases/{q}"),
            ("GET", b"/2015-03-31/functions/{n}/policy?Qualifier={q}"),
            ("DELETE", b"/2015-03-31/functions/{n}/policy/{q}?Qualifier={q}"),
            ("GET", b"/2015-03-31/functions/{n}/versions?Marker={q}"),
            ("GET", b"/2015-03-31/functions/?Marker={q}&FunctionVersion={q}"),
            ("PUT", b"/2019-09-25/functions/{n}/event-invoke-config?Qualifier={q}"),
            ("GET", b"/2021-10-31/functions/{n}/url?Qualifier={q}"),
            ("GET", b"/2019-09-30/functions/{n}/provisioned-concurrency?Qualifier={q}"),
            ("GET", b"/2017-03-31/tags/{n}"),
            ("DELETE", b"/2017-03-31/tags/{n}?tagKeys={q}"),
            ("GET", b"/2018-10-31/layers/{n}/versions/{q}"),
            ("GET", b"/2018-10-31/layers?find=LayerVersion&Arn={q}"),
            ("GET", b"/_emu/functions/{n}"),
            ("GET", b"/{n}/{q}"),
        ]
        bodies = [b"{}", b'{"Name":"x","FunctionVersion":"$LATEST"}',
                  b'{"MaximumRetryAttempts":1}', b'{"FunctionName":"\xff"}']
        answers = {}
        for i in range(300):
            method, pattern = rng.choice(routes)
            name = rng.choice([b"hello", b"hello:" + junk(2), b"hello" + junk(3), junk(6),
                               b"arn:aws:lambda:us-east-1:000000000000:function:" + junk(3)])
            target = pattern.replace(b"{n}", name).replace(b"{q}", rng.choice([b"1", junk(4)]))
            headers = b""
            if rng.random() < 0.4:
                headers += b"X-Amz-Invocation-Type: " + rng.choice([b"Event", junk(3)]) + b"\r\n"
            if rng.random() < 0.3:
                headers += b"X-Amz-Log-Type: " + junk(3) + b"\r\n"
            if rng.random() < 0.3:
                headers += b"X-Amz-Client-Context: " + junk(6) + b"\r\n"
            if rng.random() < 0.3:
                headers += b"X-Amzn-Trace-Id: " + junk(6) + b"\r\n"
            status, body = self.send(method, target, headers, rng.choice(bodies))
            answers[status] = answers.get(status, 0) + 1
            with self.subTest(i=i, target=target, headers=headers):
                self.assertTrue(200 <= status < 500, (status, body[:300]))
                if status >= 400:
                    strict_json(body)
        self.assertEqual(self.emu.proc.poll(), None, "the server died")
        self.assertEqual(self.emu.request("GET", "/_emu/health").status, 200)
        self.assertEqual(self.emu.invoke("hello", b'{"still":"up"}').body, b'{"still":"up"}')
        self.assertGreater(answers.get(400, 0) + answers.get(404, 0), 200, answers)


class GatewayBadBytesTest(unittest.TestCase):
    """API Gateway echoes paths, query strings and headers into the event."""

    @classmethod
    def setUpClass(cls):
        cls.emu = ApiServer({
            "Rest": function(ECHO, {"R": rest("/r/{proxy+}", "any")}),
            "Http": function(ECHO, {"H": http_api("/h/{proxy+}", "ANY")}),
        })
        cls.emu.start()
        cls.addClassCleanup(cls.emu.__exit__, None, None, None)

    def test_invalid_utf8_in_path_query_and_header_reach_the_function_as_u_fffd(self):
        for prefix in (b"/r/", b"/h/"):
            with self.subTest(prefix=prefix):
                status, body = raw_request(self.emu.api_port, request(
                    "POST", prefix + b"a%FF\xfe\"b?q%C3=%FE\xff", b"X-Bad: \xff\"x\r\n", b"\xff"))
                self.assertEqual(status, 200, body)
                event = strict_json(body)
                headers = {k.lower(): v for k, v in event["headers"].items()}
                self.assertEqual(headers["x-bad"], f'{REPLACEMENT}"x', event)
                proxy = event["pathParameters"]["proxy"]
                self.assertTrue(proxy.startswith("a") and proxy.endswith('"b'), event)
                self.assertIn(REPLACEMENT, proxy, event)

    def test_random_bytes_in_paths_and_headers_never_5xx(self):
        rng = random.Random(8)
        for i in range(120):
            junk = bytes(rng.choice([rng.randrange(0x80, 0x100), rng.randrange(0x21, 0x7f)])
                         for _ in range(rng.randrange(1, 8))).replace(b"?", b"").replace(b"#", b"")
            prefix = rng.choice([b"/r/", b"/h/", b"/"])
            status, body = raw_request(self.emu.api_port, request(
                rng.choice(["GET", "POST"]), prefix + junk,
                b"X-Junk: " + junk + b"\r\nCookie: c=" + junk + b"\r\n", junk))
            with self.subTest(i=i, path=prefix + junk):
                self.assertTrue(200 <= status < 500, (status, body[:300]))
        self.assertIsNone(self.emu.proc.poll())


if __name__ == "__main__":
    unittest.main()
