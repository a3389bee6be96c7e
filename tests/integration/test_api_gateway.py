"""The local API Gateway (issue 10): `serve` in a SAM project with `Api` / `HttpApi` events,
explicit AWS::Serverless::Api / HttpApi resources and FunctionUrlConfig also listens on
--api-port (here 0, learnt from --api-port-file) and answers real HTTP as API Gateway does.

The functions are Python handlers that echo the event they received, or return the response
a request's body asks for, so each test checks what AWS would build and answer:
  - REST APIs (payload 1.0) field by field, HTTP APIs (payload 2.0, and 1.0 when configured),
    Function URLs (2.0, the request's exact path);
  - routing: {param}, {proxy+}, ANY, literal > {param} > {proxy+}, exact method > ANY,
    $default; unknown routes (REST 403, HTTP API 404);
  - responses: statusCode/headers/multiValueHeaders/cookies/isBase64Encoded, the 2.0
    shortcut, malformed responses, function errors, integration timeouts;
  - stage names and variables, BinaryMediaTypes, OpenAPI DefinitionBody/DefinitionUri routes,
    CORS preflights and CORS headers, several APIs on one port;
  - the banner, the access log (cold then warm), --watch, `start-api` and its flags,
    and the `sam init` hello-world project: GET /hello -> {"message": "hello world"}.

Expected values are AWS's (API Gateway and Lambda developer guides; LocalStack's snapshots
recorded against AWS), not whatever lambda-emu happens to answer.
"""
import base64
import http.client
import json
import os
import random
import re
import socket
import subprocess
import tempfile
import textwrap
import time
import unittest

from emu import EmuServer, emu_binary, fixture, wait_until
from test_sam_serve import SamServer

ACCOUNT = "000000000000"

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200,
            "headers": {"Content-Type": "application/json",
                        "X-Function": context.function_name},
            "body": json.dumps(event)}
"""

# Returns what the request body asks for: {"return": VALUE}, optionally after
# {"sleep": SECONDS}; {"raise": MESSAGE} fails the invocation.
RESPONDER = """
import base64
import json
import time

def handler(event, context):
    body = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    spec = json.loads(body)
    time.sleep(spec.get("sleep", 0))
    if "raise" in spec:
        raise RuntimeError(spec["raise"])
    return spec["return"]
"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe\x80binary"

REST_INTERNAL_ERROR = b'{"message": "Internal server error"}'
REST_MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
REST_TIMED_OUT = b'{"message": "Endpoint request timed out"}'
HTTP_INTERNAL_ERROR = b'{"message":"Internal Server Error"}'
HTTP_NOT_FOUND = b'{"message":"Not Found"}'
HTTP_SERVICE_UNAVAILABLE = b'{"message":"Service Unavailable"}'

REQUEST_TIME_RE = r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$"
ACCESS_RE = re.compile(r"api: (?P<method>[A-Z]+) (?P<target>\S+) (?P<status>\d{3}) "
                       r"(?P<kind>REST|HTTP|URL) (?P<function>\S+) (?P<ms>\d+\.\d+) ms "
                       r"(?P<start>cold|warm)")


# -- templates ---------------------------------------------------------------------------
def function(code, events=None, **properties):
    """An AWS::Serverless::Function running `code` (Python, inline)."""
    props = {"Runtime": "python3.12", "Handler": "index.handler", "MemorySize": 128,
             "Timeout": 10, "InlineCode": textwrap.dedent(code).lstrip("\n")}
    props.update(properties)
    if events:
        props["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": props}


def rest(path, method="get", **properties):
    return {"Type": "Api", "Properties": {"Path": path, "Method": method, **properties}}


def http_api(path=None, method=None, **properties):
    props = dict(properties)
    if path is not None:
        props["Path"] = path
    if method is not None:
        props["Method"] = method
    return {"Type": "HttpApi", "Properties": props}


def template(resources):
    """A SAM template as JSON (which is YAML): no quoting rules to get wrong."""
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                       "Transform": "AWS::Serverless-2016-10-31",
                       "Resources": resources}, indent=2)


def integration_uri(logical_id):
    return {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                       "${%s.Arn}/invocations" % logical_id}


# -- HTTP --------------------------------------------------------------------------------
class Reply:
    """An HTTP response with every header, repeated ones included."""

    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.header_list = headers
        self.body = body
        self.elapsed = elapsed

    def headers(self, name):
        return [v for k, v in self.header_list if k.lower() == name.lower()]

    def header(self, name):
        values = self.headers(name)
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.header_list}, {self.body[:400]!r})"


def send(port, method, target, body=None, headers=(), timeout=30):
    """One request on a fresh connection; headers is a dict or a list of pairs (repeats kept)."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    if isinstance(body, str):
        body = body.encode()
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = b""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, r.getheaders(), data, time.monotonic() - started)
    finally:
        conn.close()


def free_port_pair():
    """A port N such that N and N+1 are free right now, below the ephemeral range: a port the
    kernel hands out for port 0 could go to another server's listener (tests run in parallel)
    before the one under test binds it."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for _ in range(200):
        port = random.randint(max(1024, low - 16000), low - 2)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


# -- servers -----------------------------------------------------------------------------
class ApiServer(SamServer):
    """`serve` in a SAM project (a copy of `project`, or `resources` as its template), with
    the API front door on a free port learnt from --api-port-file."""

    def __init__(self, resources=None, project=None, files=None, args=(), expect_api=True):
        files = dict(files or {})
        if resources is not None:
            files["template.yaml"] = template(resources)
        super().__init__(project, args=args, files=files)
        self.api_port_file = os.path.join(self.tmp, "api-port")
        self.args = ["--api-port", "0", "--api-port-file", self.api_port_file, *self.args]
        self.api_port = None
        self.expect_api = expect_api

    def start(self):
        super().start()
        if not self.expect_api:
            return self
        text = wait_until(lambda: _read(self.api_port_file), self.start_timeout)
        if not text:
            self.stop()
            raise RuntimeError("no --api-port-file was written:\n" + self.stderr())
        self.api_port = int(text)
        return self

    def api(self, method, target, body=None, headers=(), timeout=30):
        return send(self.api_port, method, target, body, headers, timeout)

    def access_lines(self, **match):
        """The access log lines so far, parsed, that match every given field."""
        out = []
        for m in ACCESS_RE.finditer(self.stderr()):
            fields = m.groupdict()
            if all(fields[k] == v for k, v in match.items()):
                out.append(fields)
        return out

    def wait_access(self, count=1, timeout=10, **match):
        lines = wait_until(lambda: (lambda found: found if len(found) >= count else None)(
            self.access_lines(**match)), timeout)
        if not lines:
            raise AssertionError(f"no {count} access line(s) matching {match}:\n"
                                 f"{self.stderr()[-4000:]}")
        return lines


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def serve_api(test_class, resources=None, project=None, files=None, args=(), expect_api=True):
    """An ApiServer for test_class's tests, stopped (and required to exit 0) at class cleanup."""
    emu = ApiServer(resources, project=project, files=files, args=args, expect_api=expect_api)

    def stop():
        try:
            code = emu.stop()
            if code != 0:
                raise AssertionError(f"lambda-emu exited with {code} on SIGTERM:\n"
                                     f"{emu.stderr()[-3000:]}")
        finally:
            emu.__exit__(None, None, None)

    emu.start()
    test_class.addClassCleanup(stop)
    return emu


class ApiCase(unittest.TestCase):
    emu = None

    def call(self, method, target, body=None, headers=(), status=200, timeout=30):
        r = self.emu.api(method, target, body, headers, timeout)
        if status is not None:
            self.assertEqual(r.status, status, r)
        return r

    def event(self, method, target, body=None, headers=()):
        """The event an echo function received for this request."""
        return self.call(method, target, body, headers).json()

    def respond(self, target, spec, status=None, headers=()):
        """Asks a responder function (behind POST target) to return/raise/sleep per spec."""
        return self.call("POST", target, json.dumps(spec),
                         [("Content-Type", "application/json"), *headers], status=status)

    def assertRecentEpochMs(self, value):
        self.assertIsInstance(value, int)
        self.assertLess(abs(value - time.time() * 1000), 120_000, value)

    def assertListHeader(self, value, expected):
        """A comma-separated header value holding exactly `expected` (any order, any case)."""
        self.assertIsNotNone(value, f"header missing; expected {expected}")
        got = {v.strip().lower() for v in value.split(",") if v.strip()}
        self.assertEqual(got, {e.lower() for e in expected}, value)


# =========================================================================================
# REST API (SAM `Api` events, implicit ServerlessRestApi, stage Prod): payload format 1.0
# =========================================================================================
class RestApiTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "EchoFunction": function(ECHO, {
                "Hello": rest("/hello", "get"),
                "User": rest("/users/{id}", "any"),
                "Files": rest("/files/{proxy+}", "any"),
            }),
            "ResponderFunction": function(RESPONDER, {"Respond": rest("/respond", "post")}),
            "ShortTimeoutFunction": function(RESPONDER, {"Slow": rest("/slow", "post")},
                                             Timeout=1),
            "IntegrationTimeoutFunction": function(RESPONDER, {
                "Limited": rest("/limited", "post", TimeoutInMillis=1000)}),
            "WarmFunction": function(ECHO, {"Warm": rest("/warm", "get")}),
        })

    # -- the event, field by field --------------------------------------------------------
    def test_event_top_level_keys_are_exactly_awss(self):
        event = self.event("GET", "/hello")
        self.assertEqual(set(event), {
            "resource", "path", "httpMethod", "headers", "multiValueHeaders",
            "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
            "stageVariables", "requestContext", "body", "isBase64Encoded"})

    def test_event_resource_path_method_and_parameters(self):
        event = self.event("GET", "/users/42?x=1&x=2&y=a%20b&z=c+d")
        self.assertEqual(event["resource"], "/users/{id}")
        self.assertEqual(event["path"], "/users/42")
        self.assertEqual(event["httpMethod"], "GET")
        self.assertEqual(event["pathParameters"], {"id": "42"})
        # the single-value map keeps the last value; the multi-value map keeps them all
        self.assertEqual(event["queryStringParameters"], {"x": "2", "y": "a b", "z": "c d"})
        self.assertEqual(event["multiValueQueryStringParameters"],
                         {"x": ["1", "2"], "y": ["a b"], "z": ["c d"]})
        self.assertIsNone(event["stageVariables"])
        self.assertIsNone(event["body"])
        self.assertIs(event["isBase64Encoded"], False)

    def test_event_headers_keep_their_names_and_every_value(self):
        event = self.event("GET", "/hello", headers=[
            ("X-Custom-Header", "Mixed Case Value"), ("X-Multi", "one"), ("X-Multi", "two"),
            ("User-Agent", "api-gateway-test/1.0")])
        headers, multi = event["headers"], event["multiValueHeaders"]
        self.assertEqual(headers["X-Custom-Header"], "Mixed Case Value")
        self.assertEqual(headers["X-Multi"], "two")
        self.assertEqual(multi["X-Multi"], ["one", "two"])
        self.assertEqual(multi["X-Custom-Header"], ["Mixed Case Value"])
        self.assertEqual(headers["User-Agent"], "api-gateway-test/1.0")
        self.assertEqual(headers["Host"], f"127.0.0.1:{self.emu.api_port}")
        for name, value in headers.items():
            self.assertEqual(multi.get(name, [None])[-1], value, name)

    def test_no_query_string_is_null(self):
        event = self.event("GET", "/hello")
        self.assertIsNone(event["queryStringParameters"])
        self.assertIsNone(event["multiValueQueryStringParameters"])
        self.assertIsNone(event["pathParameters"])

    def test_request_context(self):
        before = int(time.time() * 1000)
        r = self.call("GET", "/users/7", headers={"User-Agent": "ctx-agent/2"})
        ctx = r.json()["requestContext"]
        self.assertEqual(ctx["stage"], "Prod")
        self.assertEqual(ctx["resourcePath"], "/users/{id}")
        self.assertEqual(ctx["path"], "/Prod/users/7")
        self.assertEqual(ctx["httpMethod"], "GET")
        self.assertEqual(ctx["accountId"], ACCOUNT)
        self.assertEqual(ctx["protocol"], "HTTP/1.1")
        self.assertTrue(ctx["apiId"], ctx)
        self.assertRegex(ctx["requestId"], r"^[0-9a-f-]{36}$")
        self.assertRegex(ctx["requestTime"], REQUEST_TIME_RE)
        self.assertRecentEpochMs(ctx["requestTimeEpoch"])
        self.assertGreaterEqual(ctx["requestTimeEpoch"], before - 1000)
        identity = ctx["identity"]
        self.assertEqual(identity["sourceIp"], "127.0.0.1")
        self.assertEqual(identity["userAgent"], "ctx-agent/2")
        for key in ("accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
                    "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId",
                    "principalOrgId", "user", "userArn"):
            self.assertIn(key, identity)
            self.assertIsNone(identity[key], key)
        # API Gateway answers with the same request id it gave the function
        self.assertEqual(r.header("x-amzn-RequestId"), ctx["requestId"], r)

    def test_request_context_has_every_key_aws_sends(self):
        ctx = self.event("GET", "/hello")["requestContext"]
        missing = {"accountId", "apiId", "deploymentId", "domainName", "domainPrefix",
                   "extendedRequestId", "httpMethod", "identity", "path", "protocol",
                   "requestId", "requestTime", "requestTimeEpoch", "resourceId",
                   "resourcePath", "stage"} - set(ctx)
        self.assertFalse(missing, f"requestContext lacks {sorted(missing)}: {ctx}")

    def test_post_body_is_passed_as_text(self):
        body = '{"name": "Ada", "tags": ["x", "y"]}'
        event = self.event("POST", "/users/9", body, {"Content-Type": "application/json"})
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["body"], body)
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["headers"]["Content-Type"], "application/json")

    def test_binary_body_without_binary_media_types_is_not_base64(self):
        # the implicit API declares no BinaryMediaTypes: the body goes through as text
        event = self.event("POST", "/users/9", "plain words", {"Content-Type": "image/png"})
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["body"], "plain words")

    # -- routing --------------------------------------------------------------------------
    def test_any_method_reaches_the_function_with_the_real_method(self):
        for method in ("GET", "PUT", "DELETE", "PATCH", "POST"):
            with self.subTest(method=method):
                event = self.event(method, "/users/abc", "" if method != "GET" else None)
                self.assertEqual(event["httpMethod"], method)
                self.assertEqual(event["requestContext"]["httpMethod"], method)
                self.assertEqual(event["resource"], "/users/{id}")

    def test_greedy_path_parameter(self):
        event = self.event("GET", "/files/a/b/c.txt?v=1")
        self.assertEqual(event["resource"], "/files/{proxy+}")
        self.assertEqual(event["path"], "/files/a/b/c.txt")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b/c.txt"})
        self.assertEqual(event["requestContext"]["resourcePath"], "/files/{proxy+}")

    def test_greedy_parameter_needs_a_segment(self):
        r = self.call("GET", "/files", status=403)
        self.assertEqual(r.body, REST_MISSING_TOKEN)

    def test_trailing_slash_matches_and_is_kept_in_path(self):
        event = self.event("GET", "/hello/")
        self.assertEqual(event["resource"], "/hello")
        self.assertEqual(event["path"], "/hello/")

    def test_unknown_route_is_403_missing_authentication_token(self):
        for method, target in (("GET", "/nope"), ("GET", "/users"), ("GET", "/"),
                               ("DELETE", "/hello"), ("POST", "/hello")):
            with self.subTest(method=method, target=target):
                r = self.call(method, target, "" if method != "GET" else None, status=403)
                self.assertEqual(r.body, REST_MISSING_TOKEN)
                self.assertEqual(r.header("Content-Type"), "application/json")

    def test_stage_prefix_is_not_part_of_the_local_path(self):
        # served as `sam local start-api` serves it: /hello, not /Prod/hello
        self.call("GET", "/hello")

    # -- responses ------------------------------------------------------------------------
    def test_status_headers_and_multi_value_headers(self):
        r = self.respond("/respond", {"return": {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-One": "1"},
            "multiValueHeaders": {"X-Many": ["a", "b"], "Set-Cookie": ["s1=1; Path=/", "s2=2"]},
            "body": "created"}}, status=201)
        self.assertEqual(r.body, b"created")
        self.assertEqual(r.header("Content-Type"), "text/plain")
        self.assertEqual(r.header("X-One"), "1")
        many = [v.strip() for value in r.headers("X-Many") for v in value.split(",")]
        self.assertEqual(many, ["a", "b"])
        self.assertEqual(r.headers("Set-Cookie"), ["s1=1; Path=/", "s2=2"])

    def test_status_codes_pass_through(self):
        for code in (200, 204, 302, 404, 418, 500, 503):
            with self.subTest(code=code):
                r = self.respond("/respond", {"return": {"statusCode": code, "body": ""}},
                                 status=code)
                self.assertEqual(r.body, b"")

    def test_missing_body_is_empty(self):
        r = self.respond("/respond", {"return": {"statusCode": 200}}, status=200)
        self.assertEqual(r.body, b"")

    def test_base64_response_without_binary_media_types_stays_text(self):
        # REST APIs decode isBase64Encoded bodies only for their BinaryMediaTypes
        encoded = base64.b64encode(PNG).decode()
        r = self.respond("/respond", {"return": {
            "statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": encoded, "isBase64Encoded": True}},
            headers=[("Accept", "image/png")], status=200)
        self.assertEqual(r.body, encoded.encode())

    def test_malformed_proxy_responses_are_502(self):
        # not an object; a body that is not a string; a key the 1.0 format does not have
        for value in ("just a string", [1, 2], None,
                      {"statusCode": 200, "body": {"not": "a string"}},
                      {"statusCode": 200, "body": "x", "cookies": ["a=1"]}):
            with self.subTest(value=value):
                r = self.respond("/respond", {"return": value}, status=502)
                self.assertEqual(r.body, REST_INTERNAL_ERROR)
                self.assertEqual(r.header("Content-Type"), "application/json")

    def test_function_error_is_502(self):
        r = self.respond("/respond", {"raise": "boom"}, status=502)
        self.assertEqual(r.body, REST_INTERNAL_ERROR)

    def test_function_timeout_is_502(self):
        r = self.respond("/slow", {"sleep": 3, "return": {"statusCode": 200, "body": "late"}},
                         status=502)
        self.assertEqual(r.body, REST_INTERNAL_ERROR)

    def test_integration_timeout_is_504(self):
        # Api event TimeoutInMillis: 1000; the function would answer after 4 s
        r = self.respond("/limited", {"sleep": 4, "return": {"statusCode": 200, "body": "x"}})
        self.assertEqual(r.status, 504, r)
        self.assertEqual(r.body, REST_TIMED_OUT)
        self.assertLess(r.elapsed, 3.5)

    def test_request_over_10_mb_is_413(self):
        r = self.call("POST", "/users/big", b"x" * (10 * 1024 * 1024 + 1),
                      {"Content-Type": "text/plain"}, status=None)
        self.assertEqual(r.status, 413, r)

    def test_request_id_headers(self):
        r = self.call("GET", "/hello")
        self.assertRegex(r.header("x-amzn-RequestId") or "", r"^[0-9a-f-]{36}$")
        self.assertTrue(r.header("x-amz-apigw-id"), r)

    # -- banner and access log ------------------------------------------------------------
    def test_banner_lists_every_route(self):
        text = self.emu.stderr()
        self.assertIn(f"API Gateway on http://127.0.0.1:{self.emu.api_port}:", text)
        for method, path, fn in (("GET", "/hello", "EchoFunction"),
                                 ("ANY", "/users/{id}", "EchoFunction"),
                                 ("ANY", "/files/{proxy+}", "EchoFunction"),
                                 ("POST", "/respond", "ResponderFunction")):
            line = f"{method} {path} -> {fn}  (REST API ServerlessRestApi, stage Prod, payload 1.0)"
            self.assertIn(line, text)

    def test_access_log_cold_then_warm(self):
        self.call("GET", "/warm?n=1")
        self.call("GET", "/warm?n=2")
        first = self.emu.wait_access(target="/warm?n=1")[0]
        second = self.emu.wait_access(target="/warm?n=2")[0]
        self.assertEqual((first["method"], first["status"], first["kind"], first["function"]),
                         ("GET", "200", "REST", "WarmFunction"))
        self.assertEqual(first["start"], "cold")
        self.assertEqual(second["start"], "warm")

    def test_access_log_for_errors(self):
        self.respond("/respond", {"raise": "logged"}, status=502)
        self.emu.wait_access(method="POST", target="/respond", status="502",
                             function="ResponderFunction")


# =========================================================================================
# HTTP API (SAM `HttpApi` events, implicit ServerlessHttpApi, stage $default): payload 2.0
# =========================================================================================
class HttpApiTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "EchoFunction": function(ECHO, {
                "Item": http_api("/items/{id}", "get"),
                "Any": http_api("/any/{proxy+}", "any"),
                "Upload": http_api("/upload", "post"),
            }),
            "LegacyFunction": function(ECHO, {
                "Legacy": http_api("/legacy", "post", PayloadFormatVersion="1.0")}),
            "ResponderFunction": function(RESPONDER, {"Respond": http_api("/respond", "post")}),
            "LegacyResponderFunction": function(RESPONDER, {
                "Respond1": http_api("/respond-1.0", "post", PayloadFormatVersion="1.0")}),
            "ShortTimeoutFunction": function(RESPONDER, {"Slow": http_api("/slow", "post")},
                                             Timeout=1),
            "IntegrationTimeoutFunction": function(RESPONDER, {
                "Limited": http_api("/limited", "post", TimeoutInMillis=1000)}),
        })

    def test_event_2_0_field_by_field(self):
        r = self.call("GET", "/items/42?b=2&a=1&a=3&s=x%20y", headers=[
            ("Cookie", "c1=v1; c2=v2"), ("X-Multi", "one"), ("X-Multi", "two"),
            ("X-Custom-Header", "Mixed Case Value"), ("User-Agent", "v2-agent/1")])
        event = r.json()
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "GET /items/{id}")
        self.assertEqual(event["rawPath"], "/items/42")
        self.assertEqual(event["rawQueryString"], "b=2&a=1&a=3&s=x%20y")
        self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
        headers = event["headers"]
        self.assertNotIn("cookie", headers)
        self.assertEqual(headers["x-multi"], "one,two")
        self.assertEqual(headers["x-custom-header"], "Mixed Case Value")
        self.assertTrue(all(name == name.lower() for name in headers), headers)
        self.assertEqual(event["queryStringParameters"], {"a": "1,3", "b": "2", "s": "x y"})
        self.assertEqual(event["pathParameters"], {"id": "42"})
        self.assertIs(event["isBase64Encoded"], False)
        self.assertNotIn("body", event)
        self.assertIsNone(event.get("stageVariables"))
        for key in ("multiValueHeaders", "multiValueQueryStringParameters", "resource",
                    "httpMethod"):
            self.assertNotIn(key, event)

    def test_request_context_2_0(self):
        r = self.call("GET", "/items/7", headers={"User-Agent": "v2-agent/2"})
        ctx = r.json()["requestContext"]
        self.assertEqual(ctx["http"], {"method": "GET", "path": "/items/7",
                                       "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                       "userAgent": "v2-agent/2"})
        self.assertEqual(ctx["routeKey"], "GET /items/{id}")
        self.assertEqual(ctx["stage"], "$default")
        self.assertEqual(ctx["accountId"], ACCOUNT)
        self.assertTrue(ctx["apiId"] and ctx["domainName"] and ctx["domainPrefix"], ctx)
        self.assertRegex(ctx["requestId"], r"\S+")
        self.assertRegex(ctx["time"], REQUEST_TIME_RE)
        self.assertRecentEpochMs(ctx["timeEpoch"])
        self.assertEqual(r.header("Apigw-Requestid"), ctx["requestId"], r)

    def test_path_parameters_are_decoded_raw_path_is_not(self):
        # "API Gateway decodes URL-encoded request parameters before passing them to your
        # backend integration" (HTTP API developer guide, routes)
        event = self.event("GET", "/items/a%20b%2Cc")
        self.assertEqual(event["pathParameters"], {"id": "a b,c"})
        self.assertEqual(event["rawPath"], "/items/a%20b%2Cc")

    def test_no_cookies_no_query_no_collections(self):
        event = self.event("GET", "/items/1")
        self.assertEqual(event["rawQueryString"], "")
        self.assertIsNone(event.get("cookies"))
        self.assertIsNone(event.get("queryStringParameters"))

    def test_text_body(self):
        body = '{"hello": "world"}'
        event = self.event("POST", "/upload", body, {"Content-Type": "application/json"})
        self.assertEqual(event["body"], body)
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["requestContext"]["http"]["method"], "POST")

    def test_binary_body_is_base64(self):
        event = self.event("POST", "/upload", PNG, {"Content-Type": "application/octet-stream"})
        self.assertIs(event["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(event["body"]), PNG)

    def test_greedy_any(self):
        event = self.event("DELETE", "/any/x/y/z")
        self.assertEqual(event["routeKey"], "ANY /any/{proxy+}")
        self.assertEqual(event["pathParameters"], {"proxy": "x/y/z"})
        self.assertEqual(event["requestContext"]["http"]["method"], "DELETE")

    def test_payload_format_1_0_on_an_http_api(self):
        event = self.event("POST", "/legacy?x=1&x=2", "text body",
                           [("Content-Type", "text/plain"), ("X-Multi", "a"), ("X-Multi", "b")])
        self.assertEqual(event["version"], "1.0")
        self.assertEqual(event["resource"], "/legacy")
        self.assertEqual(event["path"], "/legacy")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["body"], "text body")
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["multiValueQueryStringParameters"], {"x": ["1", "2"]})
        self.assertEqual(event["queryStringParameters"], {"x": "2"})
        multi = {k.lower(): v for k, v in event["multiValueHeaders"].items()}
        self.assertEqual(multi["x-multi"], ["a", "b"])
        ctx = event["requestContext"]
        self.assertEqual(ctx["stage"], "$default")
        self.assertEqual(ctx["resourcePath"], "/legacy")
        self.assertEqual(ctx["path"], "/legacy")
        self.assertEqual(ctx["identity"]["sourceIp"], "127.0.0.1")
        self.assertRecentEpochMs(ctx["requestTimeEpoch"])

    def test_unknown_route_is_404(self):
        for method, target in (("GET", "/nope"), ("DELETE", "/items/1"), ("GET", "/any"),
                               ("GET", "/")):
            with self.subTest(method=method, target=target):
                r = self.call(method, target, "" if method != "GET" else None, status=404)
                self.assertEqual(r.body, HTTP_NOT_FOUND)

    # -- responses ------------------------------------------------------------------------
    def test_shortcut_object_without_status_code(self):
        r = self.respond("/respond", {"return": {"hello": "world", "n": 1}}, status=200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json(), {"hello": "world", "n": 1})

    def test_shortcut_list(self):
        r = self.respond("/respond", {"return": ["a", 1, True]}, status=200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json(), ["a", 1, True])

    def test_cookies_become_set_cookie_headers(self):
        r = self.respond("/respond", {"return": {
            "statusCode": 200, "cookies": ["a=1; Path=/; HttpOnly", "b=2; Max-Age=60"],
            "headers": {"content-type": "text/plain", "x-one": "1"}, "body": "ok"}},
            status=200)
        self.assertEqual(r.headers("Set-Cookie"), ["a=1; Path=/; HttpOnly", "b=2; Max-Age=60"])
        self.assertEqual(r.header("X-One"), "1")
        self.assertEqual(r.body, b"ok")

    def test_custom_status_and_headers(self):
        r = self.respond("/respond", {"return": {
            "statusCode": 201, "headers": {"Content-Type": "application/json",
                                           "My-Custom-Header": "Custom Value"},
            "body": '{"message": "Hello, world!"}'}}, status=201)
        self.assertEqual(r.header("My-Custom-Header"), "Custom Value")
        self.assertEqual(r.json(), {"message": "Hello, world!"})

    def test_base64_response_is_decoded(self):
        r = self.respond("/respond", {"return": {
            "statusCode": 200, "headers": {"content-type": "image/png"},
            "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True}}, status=200)
        self.assertEqual(r.body, PNG)
        self.assertEqual(r.header("Content-Type"), "image/png")

    def test_function_error_is_500(self):
        r = self.respond("/respond", {"raise": "boom"}, status=500)
        self.assertEqual(r.body, HTTP_INTERNAL_ERROR)

    def test_payload_1_0_response_rules(self):
        r = self.respond("/respond-1.0", {"return": {
            "statusCode": 202, "multiValueHeaders": {"X-Many": ["a", "b"]}, "body": "accepted"}},
            status=202)
        self.assertEqual(r.body, b"accepted")
        many = [v.strip() for value in r.headers("X-Many") for v in value.split(",")]
        self.assertEqual(many, ["a", "b"])
        # 1.0 has no shortcut: an object without statusCode is a malformed response
        r = self.respond("/respond-1.0", {"return": {"hello": "world"}}, status=500)
        self.assertEqual(r.body, HTTP_INTERNAL_ERROR)

    def test_function_timeout_is_500(self):
        r = self.respond("/slow", {"sleep": 3, "return": {"statusCode": 200}}, status=500)
        self.assertEqual(r.body, HTTP_INTERNAL_ERROR)

    def test_integration_timeout_is_503(self):
        r = self.respond("/limited", {"sleep": 4, "return": {"statusCode": 200, "body": "x"}})
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.body, HTTP_SERVICE_UNAVAILABLE)
        self.assertLess(r.elapsed, 3.5)

    def test_banner(self):
        text = self.emu.stderr()
        self.assertIn(f"API Gateway on http://127.0.0.1:{self.emu.api_port}:", text)
        self.assertIn("GET /items/{id} -> EchoFunction  "
                      "(HTTP API ServerlessHttpApi, stage $default, payload 2.0)", text)
        self.assertIn("POST /legacy -> LegacyFunction  "
                      "(HTTP API ServerlessHttpApi, stage $default, payload 1.0)", text)

    def test_access_log(self):
        self.call("GET", "/items/access-log")
        line = self.emu.wait_access(target="/items/access-log")[0]
        self.assertEqual((line["method"], line["status"], line["kind"], line["function"]),
                         ("GET", "200", "HTTP", "EchoFunction"))


# =========================================================================================
# Routing precedence, on a REST API and on an HTTP API with a $default route
# =========================================================================================
class RestRoutePrecedenceTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        # declared least specific first: the order must not matter
        cls.emu = serve_api(cls, {
            "RestGreedy": function(ECHO, {"E": rest("/r/{proxy+}", "any")}),
            "RestParam": function(ECHO, {"E": rest("/r/{id}", "get")}),
            "RestAnyLiteral": function(ECHO, {"E": rest("/r/fixed", "any")}),
            "RestLiteral": function(ECHO, {"E": rest("/r/fixed", "get")}),
            "RestDeep": function(ECHO, {"E": rest("/r/{id}/items/{item}", "get")}),
        })

    def answers(self, method, target, fn):
        r = self.call(method, target, "" if method != "GET" else None)
        self.assertEqual(r.header("X-Function"), fn, f"{method} {target}: {r}")
        return r.json()

    def test_literal_beats_param_beats_greedy(self):
        self.answers("GET", "/r/fixed", "RestLiteral")
        self.assertEqual(self.answers("GET", "/r/other", "RestParam")["pathParameters"],
                         {"id": "other"})
        self.assertEqual(self.answers("GET", "/r/a/b/c", "RestGreedy")["pathParameters"],
                         {"proxy": "a/b/c"})

    def test_exact_method_beats_any(self):
        self.answers("GET", "/r/fixed", "RestLiteral")
        self.answers("POST", "/r/fixed", "RestAnyLiteral")
        self.answers("DELETE", "/r/fixed", "RestAnyLiteral")

    def test_several_parameters(self):
        event = self.answers("GET", "/r/7/items/9", "RestDeep")
        self.assertEqual(event["pathParameters"], {"id": "7", "item": "9"})
        self.assertEqual(event["resource"], "/r/{id}/items/{item}")


class HttpRoutePrecedenceTest(RestRoutePrecedenceTest):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "HttpDefault": function(ECHO, {"E": http_api()}),
            "HttpGreedy": function(ECHO, {"E": http_api("/h/{proxy+}", "any")}),
            "HttpParam": function(ECHO, {"E": http_api("/h/{id}", "get")}),
            "HttpLiteral": function(ECHO, {"E": http_api("/h/fixed", "get")}),
        })

    test_literal_beats_param_beats_greedy = None
    test_exact_method_beats_any = None
    test_several_parameters = None

    def test_literal_param_greedy_default(self):
        self.answers("GET", "/h/fixed", "HttpLiteral")
        self.assertEqual(self.answers("GET", "/h/x", "HttpParam")["routeKey"], "GET /h/{id}")
        self.assertEqual(self.answers("GET", "/h/x/y", "HttpGreedy")["pathParameters"],
                         {"proxy": "x/y"})
        self.answers("POST", "/h/fixed", "HttpGreedy")

    def test_default_route_takes_the_rest(self):
        event = self.answers("GET", "/elsewhere/entirely?q=1", "HttpDefault")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/elsewhere/entirely")
        self.assertEqual(self.answers("PUT", "/", "HttpDefault")["rawPath"], "/")

    def test_banner_marks_the_default_route(self):
        self.assertIn("-> HttpDefault  (HTTP API ServerlessHttpApi, stage $default, payload 2.0)",
                      self.emu.stderr())


# =========================================================================================
# Explicit AWS::Serverless::Api: StageName, Variables, BinaryMediaTypes, Cors, OpenAPI
# =========================================================================================
REST_CORS = {"AllowOrigin": "'https://app.example.com'", "AllowMethods": "'GET,POST,OPTIONS'",
             "AllowHeaders": "'Content-Type,X-Custom'", "MaxAge": "'600'"}

OPENAPI_REST = {
    "swagger": "2.0",
    "info": {"title": "defined", "version": "1"},
    "paths": {
        "/defined/{name}": {
            "get": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": integration_uri("DefinedFunction")}}},
        "/defined-any": {
            "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST",
                "uri": integration_uri("DefinedFunction")}}},
    },
}


class ExplicitRestApiTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "ShopApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "dev",
                "Variables": {"color": "blue", "tableName": "shop-dev"},
                "BinaryMediaTypes": ["image~1png", "application~1octet-stream"],
                "Cors": REST_CORS}},
            "DefinedApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "v2", "DefinitionBody": OPENAPI_REST}},
            "StarCorsApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "star", "Cors": "'*'"}},
            "ShopFunction": function(ECHO, {
                "Things": rest("/things", "get", RestApiId={"Ref": "ShopApi"}),
                "Post": rest("/things", "post", RestApiId={"Ref": "ShopApi"})}),
            "ShopResponder": function(RESPONDER, {
                "Respond": rest("/shop-respond", "post", RestApiId={"Ref": "ShopApi"})}),
            "DefinedFunction": function(ECHO),
            "StarFunction": function(ECHO, {
                "Star": rest("/star", "put", RestApiId={"Ref": "StarCorsApi"})}),
        })

    def test_stage_name_and_variables(self):
        event = self.event("GET", "/things")
        self.assertEqual(event["stageVariables"], {"color": "blue", "tableName": "shop-dev"})
        ctx = event["requestContext"]
        self.assertEqual(ctx["stage"], "dev")
        self.assertEqual(ctx["path"], "/dev/things")
        self.assertEqual(event["path"], "/things")

    def test_binary_media_type_body_is_base64(self):
        event = self.event("POST", "/things", PNG, {"Content-Type": "image/png"})
        self.assertIs(event["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(event["body"]), PNG)

    def test_other_media_type_body_is_text(self):
        event = self.event("POST", "/things", '{"a": 1}', {"Content-Type": "application/json"})
        self.assertIs(event["isBase64Encoded"], False)
        self.assertEqual(event["body"], '{"a": 1}')

    def test_base64_response_for_a_binary_accept_is_decoded(self):
        r = self.respond("/shop-respond", {"return": {
            "statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True}},
            headers=[("Accept", "image/png")], status=200)
        self.assertEqual(r.body, PNG)

    def test_cors_preflight(self):
        r = self.call("OPTIONS", "/things", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-custom"}, status=200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertListHeader(r.header("Access-Control-Allow-Methods"),
                              ["GET", "POST", "OPTIONS"])
        self.assertListHeader(r.header("Access-Control-Allow-Headers"),
                              ["Content-Type", "X-Custom"])
        self.assertEqual(r.header("Access-Control-Max-Age"), "600")
        # SAM's OPTIONS method is a mock integration whose response template is "{}"
        self.assertEqual(r.body.strip(), b"{}")

    def test_cors_string_shorthand_preflight(self):
        r = self.call("OPTIONS", "/star", headers={
            "Origin": "https://anywhere.example", "Access-Control-Request-Method": "PUT"},
            status=200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "*")
        # without AllowMethods, SAM allows the methods the path declares, and OPTIONS
        methods = {m.strip() for m in (r.header("Access-Control-Allow-Methods") or "").split(",")}
        self.assertIn("PUT", methods, r)

    def test_rest_proxy_responses_carry_only_the_functions_cors_headers(self):
        # REST API Cors answers preflights; with a Lambda proxy integration the function itself
        # must return Access-Control-Allow-Origin on the actual response (SAM and API Gateway docs)
        r = self.call("GET", "/things", headers={"Origin": "https://app.example.com"})
        self.assertIsNone(r.header("Access-Control-Allow-Origin"), r)

    def test_openapi_definition_body_routes(self):
        r = self.call("GET", "/defined/widget")
        self.assertEqual(r.header("X-Function"), "DefinedFunction")
        event = r.json()
        self.assertEqual(event["resource"], "/defined/{name}")
        self.assertEqual(event["pathParameters"], {"name": "widget"})
        self.assertEqual(event["requestContext"]["stage"], "v2")
        self.assertEqual(event["requestContext"]["path"], "/v2/defined/widget")
        self.assertEqual(self.event("PATCH", "/defined-any", "")["httpMethod"], "PATCH")

    def test_openapi_undeclared_method_is_403(self):
        r = self.call("POST", "/defined/widget", "", status=403)
        self.assertEqual(r.body, REST_MISSING_TOKEN)

    def test_banner_names_the_apis_and_stages(self):
        text = self.emu.stderr()
        self.assertIn("GET /things -> ShopFunction  (REST API ShopApi, stage dev, payload 1.0)",
                      text)
        self.assertIn("GET /defined/{name} -> DefinedFunction  "
                      "(REST API DefinedApi, stage v2, payload 1.0)", text)


# =========================================================================================
# Explicit AWS::Serverless::HttpApi: StageVariables, CorsConfiguration, DefinitionUri
# =========================================================================================
HTTP_CORS = {"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET", "POST"],
             "AllowHeaders": ["content-type", "x-custom"], "ExposeHeaders": ["x-request-id"],
             "MaxAge": 600, "AllowCredentials": True}

OPENAPI_HTTP_FILE = """
openapi: "3.0.1"
info:
  title: from-file
  version: "1"
paths:
  /from-file/{id}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        payloadFormatVersion: "2.0"
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:FileFunction/invocations
"""


class ExplicitHttpApiTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "ShopHttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {
                "StageVariables": {"color": "green"},
                "CorsConfiguration": HTTP_CORS}},
            "FileHttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {
                "DefinitionUri": "openapi.yaml"}},
            "StagedHttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {
                "StageName": "v1"}},
            "StagedFunction": function(ECHO, {
                "Get": http_api("/staged", "get", ApiId={"Ref": "StagedHttpApi"})}),
            "ShopFunction": function(ECHO, {
                "Items": http_api("/items", "any", ApiId={"Ref": "ShopHttpApi"})}),
            "CorsResponder": function(RESPONDER, {
                "Respond": http_api("/cors-respond", "post", ApiId={"Ref": "ShopHttpApi"})}),
            "FileFunction": function(ECHO),
        }, files={"openapi.yaml": OPENAPI_HTTP_FILE})

    def test_stage_variables(self):
        event = self.event("GET", "/items")
        self.assertEqual(event["stageVariables"], {"color": "green"})
        self.assertEqual(event["requestContext"]["stage"], "$default")

    def test_cors_preflight(self):
        r = self.call("OPTIONS", "/items", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-custom"}, status=204)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertListHeader(r.header("Access-Control-Allow-Methods"), ["GET", "POST"])
        self.assertListHeader(r.header("Access-Control-Allow-Headers"),
                              ["content-type", "x-custom"])
        self.assertEqual(r.header("Access-Control-Max-Age"), "600")
        self.assertEqual(r.header("Access-Control-Allow-Credentials"), "true")
        self.assertEqual(r.body, b"")

    def test_preflight_answers_without_an_options_route(self):
        # CorsConfiguration answers preflights for any path of the API
        r = self.call("OPTIONS", "/cors-respond", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
            status=204)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")

    def test_cors_headers_on_the_actual_response(self):
        r = self.call("GET", "/items", headers={"Origin": "https://app.example.com"})
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertListHeader(r.header("Access-Control-Expose-Headers"), ["x-request-id"])
        self.assertEqual(r.header("Access-Control-Allow-Credentials"), "true")

    def test_no_cors_headers_for_another_origin(self):
        r = self.call("GET", "/items", headers={"Origin": "https://evil.example"})
        self.assertIsNone(r.header("Access-Control-Allow-Origin"), r)

    def test_configured_cors_replaces_the_functions_cors_headers(self):
        r = self.respond("/cors-respond", {"return": {
            "statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "x"}},
            headers=[("Origin", "https://app.example.com")], status=200)
        self.assertEqual(r.headers("Access-Control-Allow-Origin"), ["https://app.example.com"])

    def test_named_stage_is_part_of_raw_path(self):
        # served at /staged locally (no stage prefix in URLs), but on AWS an HTTP API stage
        # other than $default is part of the path the function sees
        event = self.event("GET", "/staged")
        self.assertEqual(event["requestContext"]["stage"], "v1")
        self.assertEqual(event["routeKey"], "GET /staged")
        self.assertEqual(event["rawPath"], "/v1/staged")
        self.assertEqual(event["requestContext"]["http"]["path"], "/v1/staged")

    def test_openapi_definition_uri_routes(self):
        r = self.call("GET", "/from-file/5")
        self.assertEqual(r.header("X-Function"), "FileFunction")
        event = r.json()
        self.assertEqual(event["routeKey"], "GET /from-file/{id}")
        self.assertEqual(event["pathParameters"], {"id": "5"})

    def test_banner(self):
        self.assertIn("ANY /items -> ShopFunction  (HTTP API ShopHttpApi, stage $default, "
                      "payload 2.0)", self.emu.stderr())


# =========================================================================================
# Several APIs and functions on one port
# =========================================================================================
class SeveralApisOnOnePortTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "AdminApi": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "admin"}},
            "RestFunction": function(ECHO, {"E": rest("/rest/ping", "get")}),
            "HttpFunction": function(ECHO, {"E": http_api("/http/ping", "get")}),
            "AdminFunction": function(ECHO, {
                "E": rest("/admin/ping", "get", RestApiId={"Ref": "AdminApi"})}),
        })

    def test_each_route_reaches_its_function_with_its_apis_event(self):
        rest_event = self.event("GET", "/rest/ping")
        self.assertEqual(rest_event["requestContext"]["stage"], "Prod")
        self.assertEqual(rest_event["resource"], "/rest/ping")
        http_event = self.event("GET", "/http/ping")
        self.assertEqual(http_event["version"], "2.0")
        self.assertEqual(http_event["routeKey"], "GET /http/ping")
        admin_event = self.event("GET", "/admin/ping")
        self.assertEqual(admin_event["requestContext"]["stage"], "admin")
        self.assertNotEqual(admin_event["requestContext"]["apiId"],
                            rest_event["requestContext"]["apiId"])

    def test_banner_lists_all_three_apis(self):
        text = self.emu.stderr()
        self.assertEqual(text.count("API Gateway on http://"), 1, text)
        self.assertIn("(REST API ServerlessRestApi, stage Prod, payload 1.0)", text)
        self.assertIn("(HTTP API ServerlessHttpApi, stage $default, payload 2.0)", text)
        self.assertIn("(REST API AdminApi, stage admin, payload 1.0)", text)


# =========================================================================================
# Function URLs
# =========================================================================================
def url_ports(stderr):
    """{function: port} from the banner's `Function URL of NAME: http://HOST:PORT/` lines."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"Function URL of (\S+): http://127\.0\.0\.1:(\d+)/", stderr)}


class FunctionUrlTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, {
            "UrlEcho": function(ECHO, FunctionUrlConfig={"AuthType": "NONE"}),
            "UrlResponder": function(RESPONDER, FunctionUrlConfig={
                "AuthType": "NONE",
                "Cors": {"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["POST"],
                         "AllowHeaders": ["content-type"], "MaxAge": 300}}),
            "UrlIam": function(ECHO, FunctionUrlConfig={"AuthType": "AWS_IAM"}),
        }, expect_api=False)
        cls.ports = wait_until(lambda: (lambda p: p if len(p) == 3 else None)(
            url_ports(cls.emu.stderr())), 10) or {}

    def url(self, fn, method, target, body=None, headers=(), status=200):
        self.assertIn(fn, self.ports, self.emu.stderr())
        r = send(self.ports[fn], method, target, body, headers)
        if status is not None:
            self.assertEqual(r.status, status, r)
        return r

    def test_each_function_has_its_own_port(self):
        self.assertEqual(set(self.ports), {"UrlEcho", "UrlResponder", "UrlIam"},
                         self.emu.stderr())
        self.assertEqual(len(set(self.ports.values())), 3, self.ports)
        self.assertNotIn(self.emu.port, self.ports.values())

    def test_event_2_0_with_the_exact_request_path(self):
        r = self.url("UrlEcho", "POST", "/custom_path/extend?test_param=test_value", "text",
                     {"Content-Type": "text/plain", "Cookie": "k=v"})
        event = r.json()
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/custom_path/extend")
        self.assertEqual(event["rawQueryString"], "test_param=test_value")
        self.assertEqual(event["queryStringParameters"], {"test_param": "test_value"})
        self.assertEqual(event["cookies"], ["k=v"])
        self.assertEqual(event["body"], "text")
        self.assertIs(event["isBase64Encoded"], False)
        self.assertIsNone(event.get("pathParameters"))
        ctx = event["requestContext"]
        self.assertEqual(ctx["http"]["path"], "/custom_path/extend")
        self.assertEqual(ctx["http"]["method"], "POST")
        self.assertEqual(ctx["http"]["sourceIp"], "127.0.0.1")
        self.assertEqual((ctx["routeKey"], ctx["stage"]), ("$default", "$default"))
        # AuthType NONE: the caller is anonymous (an AWS_IAM URL gives the caller's account)
        self.assertEqual(ctx["accountId"], "anonymous")
        self.assertRecentEpochMs(ctx["timeEpoch"])

    def test_paths_are_passed_exactly(self):
        for target, raw in (("/", "/"), ("/deep/er/path/", "/deep/er/path/"),
                            ("/a/b.json", "/a/b.json")):
            with self.subTest(target=target):
                self.assertEqual(self.url("UrlEcho", "GET", target).json()["rawPath"], raw)

    def test_shortcut_and_custom_responses(self):
        r = self.url("UrlResponder", "POST", "/", json.dumps({"return": {"hello": "world"}}))
        self.assertEqual(r.json(), {"hello": "world"})
        self.assertEqual(r.header("Content-Type"), "application/json")
        r = self.url("UrlResponder", "POST", "/", json.dumps({"return": {
            "statusCode": 201, "headers": {"My-Custom-Header": "Custom Value"},
            "cookies": ["Cookie_1=Value1; Max-Age=78000", "Cookie_2=Value2"],
            "body": "made"}}), status=201)
        self.assertEqual(r.header("My-Custom-Header"), "Custom Value")
        self.assertEqual(r.headers("Set-Cookie"),
                         ["Cookie_1=Value1; Max-Age=78000", "Cookie_2=Value2"])
        self.assertEqual(r.body, b"made")

    def test_shortcut_values_as_aws_records_them(self):
        # LocalStack's TestLambdaURL::test_lambda_url_invocation snapshots, recorded on AWS:
        # valid JSON without statusCode is sent compact, a string as its text
        for value, body in (({"hello": "world"}, b'{"hello":"world"}'),
                            (["hello", 3, True], b'["hello",3,true]'), ("hello", b"hello"),
                            (3, b"3"), (3.1, b"3.1"), (True, b"true"),
                            ({"statusCode": 200, "body": "body123"}, b"body123")):
            with self.subTest(value=value):
                r = self.url("UrlResponder", "POST", "/", json.dumps({"return": value}))
                self.assertEqual(r.body, body)
                self.assertEqual(r.header("Content-Type"), "application/json")

    def test_binary_in_and_out(self):
        event = self.url("UrlEcho", "POST", "/bin", PNG,
                         {"Content-Type": "application/octet-stream"}).json()
        self.assertIs(event["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(event["body"]), PNG)
        r = self.url("UrlResponder", "POST", "/", json.dumps({"return": {
            "statusCode": 200, "headers": {"content-type": "image/png"},
            "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True}}))
        self.assertEqual(r.body, PNG)

    def test_function_error_is_502(self):
        r = self.url("UrlResponder", "POST", "/", json.dumps({"raise": "boom"}), status=None)
        self.assertEqual(r.status, 502, r)

    def test_cors_preflight(self):
        r = self.url("UrlResponder", "OPTIONS", "/", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"}, status=None)
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertListHeader(r.header("Access-Control-Allow-Methods"), ["POST"])

    def test_iam_auth_is_accepted_with_a_warning(self):
        lines = [line for line in self.emu.stderr().splitlines()
                 if "UrlIam" in line and "AWS_IAM" in line]
        self.assertTrue(lines, self.emu.stderr())
        self.url("UrlIam", "GET", "/unsigned")

    def test_access_log_says_url_and_warm(self):
        self.url("UrlEcho", "GET", "/warm-check?1")
        self.url("UrlEcho", "GET", "/warm-check?2")
        line = self.emu.wait_access(target="/warm-check?2")[0]
        self.assertEqual((line["kind"], line["function"], line["start"]),
                         ("URL", "UrlEcho", "warm"))


class FunctionUrlPortTest(unittest.TestCase):
    def test_function_url_port_numbers_urls_in_function_order(self):
        base = free_port_pair()
        emu = ApiServer({
            "FirstUrl": function(ECHO, FunctionUrlConfig={"AuthType": "NONE"}),
            "SecondUrl": function(ECHO, FunctionUrlConfig={"AuthType": "NONE"}),
            "Routed": function(ECHO, {"E": rest("/r", "get")}),
        }, args=["--function-url-port", str(base)])
        with emu:
            ports = wait_until(lambda: (lambda p: p if len(p) == 2 else None)(
                url_ports(emu.stderr())), 10)
            self.assertEqual(ports, {"FirstUrl": base, "SecondUrl": base + 1}, emu.stderr())
            r = send(base + 1, "GET", "/x")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("X-Function"), "SecondUrl")


# =========================================================================================
# The sam init hello world, start-api, flags, reload, no API
# =========================================================================================
class SamInitHelloWorldTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_api(cls, project=fixture("sam", "hello-python"))

    def test_get_hello(self):
        r = self.call("GET", "/hello")
        self.assertEqual(r.body, b'{"message": "hello world"}')

    def test_banner_route(self):
        self.assertIn("GET /hello -> HelloWorldFunction  (REST API ServerlessRestApi, "
                      "stage Prod, payload 1.0)", self.emu.stderr())

    def test_warm_after_the_first_request(self):
        self.call("GET", "/hello?first")
        self.call("GET", "/hello?second")
        self.assertEqual(self.emu.wait_access(target="/hello?second")[0]["start"], "warm")

    def test_invoke_api_still_answers(self):
        r = self.emu.invoke("HelloWorldFunction")
        self.assertEqual(r.status, 200, r)

    def test_api_port_differs_from_invoke_port(self):
        self.assertNotEqual(self.emu.api_port, self.emu.port)
        with open(self.emu.api_port_file) as f:
            self.assertRegex(f.read(), r"^\d+\n?$")


class StartApiServer(ApiServer):
    """`lambda-emu start-api`: -p/--port and --port-file are the API's, --invoke-port* the
    Invoke API's."""

    def command(self, port_file):
        return [emu_binary(), "start-api", "-p", "0", "--port-file", self.api_port_file,
                "--invoke-port", "0", "--invoke-port-file", port_file,
                "--log-dir", os.path.join(self.tmp, "logs"), "--no-cpu-limit"]


class StartApiTest(unittest.TestCase):
    def test_start_api_serves_both_ports(self):
        emu = StartApiServer(project=fixture("sam", "hello-python"))
        with emu:
            r = emu.api("GET", "/hello")
            self.assertEqual((r.status, r.body), (200, b'{"message": "hello world"}'), r)
            inv = emu.invoke("HelloWorldFunction")
            self.assertEqual(inv.status, 200, inv)
            self.assertIn(f"API Gateway on http://127.0.0.1:{emu.api_port}:", emu.stderr())

    def test_start_api_help_uses_sams_flag_names(self):
        p = subprocess.run([emu_binary(), "start-api", "--help"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for flag in ("-p,--port", "--port-file", "--invoke-port", "--invoke-port-file"):
            self.assertIn(flag, p.stdout)

    def test_serve_help_lists_the_api_flags(self):
        p = subprocess.run([emu_binary(), "serve", "--help"], capture_output=True, text=True,
                           timeout=30)
        for flag in ("--api-port", "--api-port-file", "--function-url-port"):
            self.assertIn(flag, p.stdout)


class NoApiTest(unittest.TestCase):
    def test_no_api_events_no_api_listener(self):
        emu = SamServer(files={"template.yaml": template({"Plain": function(ECHO)})})
        api_port_file = os.path.join(emu.tmp, "api-port")
        emu.args = ["--api-port", "0", "--api-port-file", api_port_file]
        with emu:
            self.assertEqual(emu.invoke("Plain").status, 200)
            time.sleep(0.5)
            self.assertFalse(os.path.exists(api_port_file), emu.stderr())
            self.assertNotIn("API Gateway on", emu.stderr())


class AuthWarningTest(unittest.TestCase):
    """Cognito and IAM authorization are accepted, said at start, and not enforced."""

    def test_cognito_and_iam_auth_are_accepted_with_a_warning(self):
        emu = ApiServer({
            "CognitoApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "Prod",
                "Auth": {"DefaultAuthorizer": "Pool", "Authorizers": {"Pool": {
                    "UserPoolArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/x"}}}}},
            "IamApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "Prod", "Auth": {"DefaultAuthorizer": "AWS_IAM"}}},
            "SecuredFunction": function(ECHO, {
                "Cognito": rest("/cognito", "get", RestApiId={"Ref": "CognitoApi"}),
                "Iam": rest("/iam", "get", RestApiId={"Ref": "IamApi"})}),
        })
        with emu:
            text = emu.stderr()
            for api in ("CognitoApi", "IamApi"):
                with self.subTest(api=api):
                    warnings = [line for line in text.splitlines()
                                if api in line and "not enforced" in line]
                    self.assertTrue(warnings, text)
            for target in ("/cognito", "/iam"):
                with self.subTest(target=target):
                    self.assertEqual(emu.api("GET", target).status, 200)


class ConfigFileEventsTest(unittest.TestCase):
    """The same `Events:` key in a lambda-emu config file declares routes too."""

    def test_api_event_in_a_config_file(self):
        emu = EmuServer({}, args=["--no-cpu-limit"])
        code = os.path.join(emu.tmp, "code")
        os.makedirs(code)
        with open(os.path.join(code, "index.py"), "w") as f:
            f.write(textwrap.dedent(ECHO))
        api_port_file = os.path.join(emu.tmp, "api-port")
        emu.args += ["--api-port", "0", "--api-port-file", api_port_file]
        with open(emu.config_path, "w") as f:
            json.dump({"Functions": {"configured": {
                "Runtime": "python3.12", "Handler": "index.handler", "Code": code,
                "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/cfg/{id}",
                                                                 "Method": "get"}}}}}}, f)
        with emu:
            port = wait_until(lambda: _read(api_port_file), 10)
            self.assertTrue(port, emu.stderr())
            r = send(int(port), "GET", "/cfg/3")
            self.assertEqual(r.status, 200, r)
            event = r.json()
            self.assertEqual((event["resource"], event["pathParameters"]),
                             ("/cfg/{id}", {"id": "3"}))
            self.assertEqual(r.header("X-Function"), "configured")


class HotReloadTest(unittest.TestCase):
    def test_added_route_answers_after_a_template_edit(self):
        resources = {"EchoFunction": function(ECHO, {"Old": rest("/old", "get")})}
        emu = ApiServer(resources, args=["--watch"])
        with emu:
            self.assertEqual(emu.api("GET", "/old").status, 200)
            self.assertEqual(emu.api("GET", "/new").status, 403)
            resources["EchoFunction"]["Properties"]["Events"]["New"] = rest("/new", "get")
            path = os.path.join(emu.project, "template.yaml")
            with open(path + ".tmp", "w") as f:
                f.write(template(resources))
            os.replace(path + ".tmp", path)
            r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(
                emu.api("GET", "/new")), 15)
            self.assertIsNotNone(r, "the new route never answered:\n" + emu.stderr()[-3000:])
            self.assertEqual(r.json()["resource"], "/new")
            self.assertEqual(emu.api("GET", "/old").status, 200)
            del resources["EchoFunction"]["Properties"]["Events"]["Old"]
            with open(path + ".tmp", "w") as f:
                f.write(template(resources))
            os.replace(path + ".tmp", path)
            gone = wait_until(lambda: emu.api("GET", "/old").status == 403, 15)
            self.assertTrue(gone, "the removed route still answers:\n" + emu.stderr()[-3000:])
            self.assertEqual(emu.api("GET", "/new").status, 200)


if __name__ == "__main__":
    unittest.main()
