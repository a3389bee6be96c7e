"""Globals.Api and Globals.HttpApi reach the implicit APIs SAM makes for Api / HttpApi events
(ServerlessRestApi, ServerlessHttpApi): CORS, BinaryMediaTypes and a default authorizer."""
import http.client
import os
import unittest

from test_sam_serve import SamServer

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
  Api:
    Cors:
      AllowOrigin: "'https://app.example'"
      AllowHeaders: "'Content-Type,X-Token'"
    BinaryMediaTypes: ["image~1png"]
    Auth:
      DefaultAuthorizer: Gate
      Authorizers:
        Gate:
          FunctionArn: !GetAtt GateFunction.Arn
  HttpApi:
    CorsConfiguration:
      AllowOrigins: ["https://app.example"]
      AllowMethods: [GET]
Resources:
  Png:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.png
      Events:
        Rest:
          Type: Api
          Properties: {Path: /png, Method: get}
        Http:
          Type: HttpApi
          Properties: {Path: /http, Method: get}
  GateFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.gate}
"""
APP = """
import base64

def png(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(b"\\x89PNG-bytes").decode(), "isBase64Encoded": True}

def gate(event, context):
    effect = "Allow" if event["authorizationToken"] == "ok" else "Deny"
    return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""


class ImplicitApiGlobalsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = SamServer(files={"template.yaml": TEMPLATE, "src/app.py": APP})
        port_file = os.path.join(cls.emu.tmp, "api-port")
        cls.emu.args = ["--api-port", "0", "--api-port-file", port_file]
        cls.emu.start()
        cls.addClassCleanup(cls.emu.__exit__, None, None, None)
        with open(port_file) as f:
            cls.port = int(f.read())

    def request(self, method, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def test_rest_preflight_uses_globals_api_cors(self):
        status, headers, _ = self.request("OPTIONS", "/png", {
            "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), "https://app.example")
        self.assertEqual(headers.get("access-control-allow-headers"), "Content-Type,X-Token")

    def test_default_authorizer_from_globals_guards_the_implicit_api(self):
        status, _, _ = self.request("GET", "/png", {"Authorization": "no"})
        self.assertEqual(status, 403)
        status, _, _ = self.request("GET", "/png")
        self.assertEqual(status, 401)

    def test_binary_media_types_from_globals_decode_the_body(self):
        status, headers, body = self.request("GET", "/png",
                                             {"Authorization": "ok", "Accept": "image/png"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body, b"\x89PNG-bytes")

    def test_http_api_cors_from_globals(self):
        status, headers, _ = self.request("GET", "/http", {"Origin": "https://app.example"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), "https://app.example")


if __name__ == "__main__":
    unittest.main()
