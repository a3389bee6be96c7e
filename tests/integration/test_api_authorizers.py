"""Lambda authorizers in front of API Gateway routes (the API Gateway issue, item 6): REST TOKEN and
REQUEST authorizers, HTTP API REQUEST authorizers with payload 2.0 (simple responses) and 1.0
(policies); the answer decides 200 / 401 / 403 / 500 as API Gateway does, the authorizer's context
reaches the function, and a route with Authorizer: NONE skips it."""
import http.client
import json
import os
import unittest

from test_sam_serve import SamServer

APP = """
import json

def echo(event, context):
    return {"statusCode": 200, "body": json.dumps({"authorizer": event["requestContext"].get("authorizer")})}

def token(event, context):
    # TOKEN: the header's value decides; the event is recorded in the context.
    t = event["authorizationToken"]
    if t == "boom":
        raise Exception("Unauthorized")
    if t == "crash":
        raise Exception("something else")
    effect = {"allow": "Allow", "deny": "Deny"}.get(t)
    statements = [] if effect is None else [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]
    return {"principalId": "user-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": statements},
            "context": {"who": "ada", "n": 3, "type": event["type"], "arn": event["methodArn"]}}

def request(event, context):
    ok = event["queryStringParameters"].get("key") == "open-sesame"
    return {"principalId": "req",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if ok else "Deny",
                # a wildcard over every method and path of the stage
                "Resource": event["methodArn"].rsplit("/", 2)[0].rsplit("/", 1)[0] + "/*"}]},
            "context": {"type": event["type"], "path": event["path"]}}

def simple(event, context):
    ok = event["headers"].get("authorization") == "let-me-in"
    return {"isAuthorized": ok, "context": {"version": event["version"], "type": event["type"],
                                            "routeArn": event["routeArn"],
                                            "identity": event["identitySource"]}}
"""

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt TokenFunction.Arn
          RequestAuth:
            FunctionArn: !GetAtt RequestFunction.Arn
            FunctionPayloadType: REQUEST
            Identity:
              QueryStrings: [key]
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: SimpleAuth
        Authorizers:
          SimpleAuth:
            FunctionArn: !GetAtt SimpleFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Token:
          Type: Api
          Properties: {RestApiId: !Ref RestApi, Path: /token, Method: get}
        Request:
          Type: Api
          Properties: {RestApiId: !Ref RestApi, Path: "/request/{id}", Method: get,
                       Auth: {Authorizer: RequestAuth}}
        Open:
          Type: Api
          Properties: {RestApiId: !Ref RestApi, Path: /open, Method: get,
                       Auth: {Authorizer: NONE}}
        Simple:
          Type: HttpApi
          Properties: {ApiId: !Ref HttpApi, Path: /simple, Method: GET}
  TokenFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.token}
  RequestFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.request}
  SimpleFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.simple}
"""


class AuthorizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = SamServer(files={"template.yaml": TEMPLATE, "src/app.py": APP})
        port_file = os.path.join(cls.emu.tmp, "api-port")
        cls.emu.args = ["--api-port", "0", "--api-port-file", port_file]
        cls.emu.start()
        cls.addClassCleanup(cls.emu.__exit__, None, None, None)
        with open(port_file) as f:
            cls.api_port = int(f.read())

    def get(self, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def authorizer_seen(self, body):
        return json.loads(body)["authorizer"]

    def test_token_authorizer_allows_and_passes_its_context_as_strings(self):
        status, _, body = self.get("/token", {"Authorization": "allow"})
        self.assertEqual(status, 200, body)
        seen = self.authorizer_seen(body)
        self.assertEqual(seen["principalId"], "user-1")
        self.assertEqual(seen["who"], "ada")
        self.assertEqual(seen["n"], "3")  # REST hands context values on as strings
        self.assertEqual(seen["type"], "TOKEN")
        self.assertEqual(seen["arn"], "arn:aws:execute-api:us-east-1:000000000000:RestApi/dev/GET/token")

    def test_token_authorizer_explicit_deny_is_403(self):
        status, headers, body = self.get("/token", {"Authorization": "deny"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body), {
            "Message": "User is not authorized to access this resource with an explicit deny"})

    def test_no_matching_allow_is_403(self):
        status, _, body = self.get("/token", {"Authorization": "nobody"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body), {"Message": "User is not authorized to access this resource"})

    def test_missing_token_is_401_without_calling_the_authorizer(self):
        status, headers, body = self.get("/token")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body), {"message": "Unauthorized"})
        self.assertEqual(headers.get("x-amzn-errortype"), "UnauthorizedException")

    def test_authorizer_raising_unauthorized_is_401(self):
        status, _, body = self.get("/token", {"Authorization": "boom"})
        self.assertEqual(status, 401, body)

    def test_authorizer_failing_otherwise_is_500(self):
        status, headers, body = self.get("/token", {"Authorization": "crash"})
        self.assertEqual(status, 500, body)
        self.assertEqual(headers.get("x-amzn-errortype"), "AuthorizerConfigurationException")

    def test_route_with_authorizer_none_is_open(self):
        status, _, body = self.get("/open")
        self.assertEqual(status, 200, body)
        self.assertIsNone(self.authorizer_seen(body))

    def test_request_authorizer_sees_the_request_and_a_wildcard_policy_allows(self):
        status, _, body = self.get("/request/42?key=open-sesame")
        self.assertEqual(status, 200, body)
        seen = self.authorizer_seen(body)
        self.assertEqual(seen["type"], "REQUEST")
        self.assertEqual(seen["path"], "/request/42")

    def test_request_authorizer_missing_identity_source_is_401(self):
        status, _, _ = self.get("/request/42")
        self.assertEqual(status, 401)

    def test_request_authorizer_deny_is_403(self):
        status, _, _ = self.get("/request/42?key=wrong")
        self.assertEqual(status, 403)

    def test_http_api_simple_response_allows_with_lambda_context(self):
        status, _, body = self.get("/simple", {"Authorization": "let-me-in"})
        self.assertEqual(status, 200, body)
        seen = self.authorizer_seen(body)["lambda"]
        self.assertEqual(seen["version"], "2.0")
        self.assertEqual(seen["type"], "REQUEST")
        self.assertEqual(seen["identity"], ["let-me-in"])
        self.assertEqual(seen["routeArn"],
                         "arn:aws:execute-api:us-east-1:000000000000:HttpApi/$default/GET/simple")

    def test_http_api_simple_response_denies_with_403(self):
        status, _, body = self.get("/simple", {"Authorization": "wrong"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body), {"message": "Forbidden"})

    def test_http_api_missing_identity_is_401(self):
        status, _, body = self.get("/simple")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body), {"message": "Unauthorized"})


if __name__ == "__main__":
    unittest.main()
