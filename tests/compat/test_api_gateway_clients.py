"""Real HTTP clients against the local API Gateway (issue 10): curl (as a subprocess) and
Python's urllib, as a developer uses them on `sam local start-api`, and the two requests a
browser makes for a cross-origin call: the preflight (OPTIONS with Origin,
Access-Control-Request-Method and Access-Control-Request-Headers), then the actual request,
whose response the browser accepts only if it allows the page's origin.

Each server is `lambda-emu serve` in a temporary SAM project, API front door on a free port
(--api-port 0 --api-port-file), as in tests/integration/test_api_gateway.py.
"""
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from emu import fixture  # noqa: E402
from test_api_gateway import (ECHO, PNG, RESPONDER, ApiServer, function, http_api,  # noqa: E402
                              rest)

ORIGIN = "https://app.example.com"

# What SAM's docs tell REST API users to do: the preflight is answered by the API's Cors
# setting, the actual response must carry Access-Control-Allow-Origin from the function.
CORS_ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200,
            "headers": {"Content-Type": "application/json",
                        "Access-Control-Allow-Origin": "https://app.example.com"},
            "body": json.dumps(event)}
"""

CURL = shutil.which("curl")


def serve(test_class, resources=None, project=None):
    emu = ApiServer(resources, project=project)
    emu.start()
    test_class.addClassCleanup(emu.__exit__, None, None, None)
    return emu


class CurlResult:
    def __init__(self, status, headers, body):
        self.status, self.header_list, self.body = status, headers, body

    def headers(self, name):
        return [v for k, v in self.header_list if k.lower() == name.lower()]

    def header(self, name):
        values = self.headers(name)
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"CurlResult({self.status}, {self.header_list}, {self.body[:300]!r})"


class ClientCase(unittest.TestCase):
    emu = None

    def url(self, target):
        return f"http://127.0.0.1:{self.emu.api_port}{target}"

    def curl(self, *args):
        """Runs curl on args (the URL among them); the status, headers and body it received."""
        tmp = tempfile.mkdtemp(prefix="lambda-emu-curl-")
        self.addCleanup(shutil.rmtree, tmp, True)
        head, body = os.path.join(tmp, "head"), os.path.join(tmp, "body")
        p = subprocess.run([CURL, "-sS", "--max-time", "30", "-D", head, "-o", body, *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(head, "rb") as f:
            blocks = f.read().decode("latin-1").replace("\r\n", "\n").strip().split("\n\n")
        lines = blocks[-1].split("\n")  # the final response (after any 100 Continue)
        status = int(lines[0].split()[1])
        headers = [tuple(part.strip() for part in line.split(":", 1))
                   for line in lines[1:] if ":" in line]
        with open(body, "rb") as f:
            return CurlResult(status, headers, f.read())

    def assertAllows(self, value, *wanted):
        self.assertIsNotNone(value, f"missing; wanted {wanted}")
        allowed = {v.strip().lower() for v in value.split(",")}
        for item in wanted:
            self.assertTrue(item.lower() in allowed or "*" in allowed, f"{item} not in {value}")


@unittest.skipUnless(CURL, "curl is not installed")
class CurlRestApiTest(ClientCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, {
            "WebApi": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "Prod",
                "BinaryMediaTypes": ["image~1png"],
                "Cors": {"AllowOrigin": f"'{ORIGIN}'", "AllowMethods": "'GET,PUT,OPTIONS'",
                         "AllowHeaders": "'content-type,x-requested-with'", "MaxAge": "'60'"}}},
            "EchoFunction": function(ECHO, {
                "Hello": rest("/hello", "get"), "User": rest("/users/{id}", "any")}),
            "CorsFunction": function(CORS_ECHO, {
                "Profile": rest("/profile", "put", RestApiId={"Ref": "WebApi"}),
                "Upload": rest("/upload", "post", RestApiId={"Ref": "WebApi"})}),
        })

    def test_get(self):
        r = self.curl(self.url("/hello"))
        self.assertEqual(r.status, 200, r)
        event = r.json()
        self.assertEqual((event["httpMethod"], event["path"]), ("GET", "/hello"))
        self.assertTrue(event["headers"]["User-Agent"].startswith("curl/"), event["headers"])

    def test_post_json_with_query_and_path_parameter(self):
        r = self.curl("-X", "POST", self.url("/users/42?x=1&x=2"),
                      "-H", "Content-Type: application/json", "-d", '{"a":1}')
        self.assertEqual(r.status, 200, r)
        event = r.json()
        self.assertEqual(event["body"], '{"a":1}')
        self.assertEqual(event["pathParameters"], {"id": "42"})
        self.assertEqual(event["multiValueQueryStringParameters"], {"x": ["1", "2"]})
        self.assertEqual(event["requestContext"]["path"], "/Prod/users/42")

    def test_unknown_route(self):
        r = self.curl(self.url("/missing"))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json(), {"message": "Missing Authentication Token"})

    def test_binary_upload(self):
        path = os.path.join(tempfile.mkdtemp(prefix="lambda-emu-png-"), "x.png")
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        with open(path, "wb") as f:
            f.write(PNG)
        r = self.curl("-X", "POST", self.url("/upload"), "-H", "Content-Type: image/png",
                      "--data-binary", "@" + path)
        self.assertEqual(r.status, 200, r)
        event = r.json()
        self.assertIs(event["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(event["body"]), PNG)

    def test_browser_preflight_then_request(self):
        pre = self.curl("-X", "OPTIONS", self.url("/profile"), "-H", f"Origin: {ORIGIN}",
                        "-H", "Access-Control-Request-Method: PUT",
                        "-H", "Access-Control-Request-Headers: content-type,x-requested-with")
        self.assertEqual(pre.status, 200, pre)
        self.assertEqual(pre.header("Access-Control-Allow-Origin"), ORIGIN)
        self.assertAllows(pre.header("Access-Control-Allow-Methods"), "PUT")
        self.assertAllows(pre.header("Access-Control-Allow-Headers"),
                          "content-type", "x-requested-with")
        r = self.curl("-X", "PUT", self.url("/profile"), "-H", f"Origin: {ORIGIN}",
                      "-H", "Content-Type: application/json", "-H", "X-Requested-With: fetch",
                      "-d", '{"name":"Ada"}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), ORIGIN)
        self.assertEqual(r.json()["body"], '{"name":"Ada"}')


@unittest.skipUnless(CURL, "curl is not installed")
class CurlHttpApiTest(ClientCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, {
            "WebHttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {
                "CorsConfiguration": {"AllowOrigins": [ORIGIN], "AllowMethods": ["GET", "PUT"],
                                      "AllowHeaders": ["content-type", "x-requested-with"],
                                      "MaxAge": 60}}},
            "EchoFunction": function(ECHO, {
                "Any": http_api("/items/{id}", "any", ApiId={"Ref": "WebHttpApi"})}),
            "ResponderFunction": function(RESPONDER, {
                "Respond": http_api("/respond", "post", ApiId={"Ref": "WebHttpApi"})}),
        })

    def test_cookies_in(self):
        r = self.curl(self.url("/items/1"), "-b", "session=abc; theme=dark")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["cookies"], ["session=abc", "theme=dark"])

    def test_cookies_out_reach_curls_cookie_jar(self):
        jar = os.path.join(tempfile.mkdtemp(prefix="lambda-emu-jar-"), "jar")
        self.addCleanup(shutil.rmtree, os.path.dirname(jar), True)
        spec = {"return": {"statusCode": 200, "cookies": ["session=xyz; Path=/", "lang=en"],
                           "body": "ok"}}
        r = self.curl("-c", jar, "-X", "POST", self.url("/respond"),
                      "-H", "Content-Type: application/json", "-d", json.dumps(spec))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.headers("Set-Cookie")), 2, r)
        with open(jar) as f:
            text = f.read()
        self.assertIn("session\txyz", text)
        self.assertIn("lang\ten", text)

    def test_not_found(self):
        r = self.curl(self.url("/nowhere"))
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json(), {"message": "Not Found"})

    def test_browser_preflight_then_request(self):
        pre = self.curl("-X", "OPTIONS", self.url("/items/7"), "-H", f"Origin: {ORIGIN}",
                        "-H", "Access-Control-Request-Method: PUT",
                        "-H", "Access-Control-Request-Headers: content-type,x-requested-with")
        self.assertEqual(pre.status, 204, pre)
        self.assertEqual(pre.header("Access-Control-Allow-Origin"), ORIGIN)
        self.assertAllows(pre.header("Access-Control-Allow-Methods"), "PUT")
        self.assertAllows(pre.header("Access-Control-Allow-Headers"),
                          "content-type", "x-requested-with")
        r = self.curl("-X", "PUT", self.url("/items/7"), "-H", f"Origin: {ORIGIN}",
                      "-H", "Content-Type: application/json", "-d", '{"n":7}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), ORIGIN)
        event = r.json()
        self.assertEqual((event["routeKey"], event["body"]), ("ANY /items/{id}", '{"n":7}'))


class UrllibTest(ClientCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, project=fixture("sam", "hello-python"))

    def test_hello_world(self):
        with urllib.request.urlopen(self.url("/hello"), timeout=30) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), b'{"message": "hello world"}')

    def test_post_to_a_get_route_is_403(self):
        req = urllib.request.Request(self.url("/hello"), data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(caught.exception.code, 403)
        self.assertEqual(json.loads(caught.exception.read()),
                         {"message": "Missing Authentication Token"})

    def test_keep_alive_connection_serves_several_requests(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.api_port, timeout=30)
        try:
            for i in range(5):
                conn.request("GET", f"/hello?i={i}")
                r = conn.getresponse()
                self.assertEqual((r.status, r.read()), (200, b'{"message": "hello world"}'))
        finally:
            conn.close()


class UrllibCorsTest(ClientCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, {
            "WebHttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {
                "CorsConfiguration": {"AllowOrigins": [ORIGIN], "AllowMethods": ["POST"],
                                      "AllowHeaders": ["content-type"]}}},
            "EchoFunction": function(ECHO, {
                "Post": http_api("/echo", "post", ApiId={"Ref": "WebHttpApi"})}),
        })

    def test_browser_preflight_then_request(self):
        pre = urllib.request.Request(self.url("/echo"), method="OPTIONS", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
            "Sec-Fetch-Mode": "cors", "Accept": "*/*"})
        with urllib.request.urlopen(pre, timeout=30) as r:
            self.assertEqual(r.status, 204)
            self.assertEqual(r.headers["Access-Control-Allow-Origin"], ORIGIN)
            self.assertAllows(r.headers["Access-Control-Allow-Methods"], "POST")
            self.assertAllows(r.headers["Access-Control-Allow-Headers"], "content-type")
        req = urllib.request.Request(self.url("/echo"), data=b'{"q": "fetch"}', method="POST",
                                     headers={"Origin": ORIGIN,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Access-Control-Allow-Origin"], ORIGIN)
            event = json.loads(r.read())
        self.assertEqual(event["body"], '{"q": "fetch"}')
        self.assertEqual(event["headers"]["origin"], ORIGIN)


if __name__ == "__main__":
    unittest.main()
