"""boto3 against `lambda-emu serve` started inside SAM projects (the SAM template issue), as
against `sam local start-lambda`: examples/sam-app and the sam init hello-python project, each
served from a private copy with no --config / --template, invoked with endpoint_url.
"""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import boto3
from botocore.config import Config

from emu import EXAMPLES, emu_binary, fixture, parse_reports


class SamProjectServer:
    """lambda-emu serve run in a copy of a SAM project, on port 0."""

    def __init__(self, project):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-sam-boto3-")
        self.project = os.path.join(self.tmp, "project")
        shutil.copytree(project, self.project, symlinks=True)
        self.proc = None

    def start(self):
        port_file = os.path.join(self.tmp, "port")
        self._err = open(os.path.join(self.tmp, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [emu_binary(), "serve", "--ephemeral", "--port", "0", "--port-file", port_file, "--api-port", "0",
             "--log-dir", os.path.join(self.tmp, "logs"), "--no-cpu-limit"],
            cwd=self.project, stdout=subprocess.DEVNULL, stderr=self._err,
            # the shell's value of a variable the template declares would win, as in SAM CLI
            env={k: v for k, v in os.environ.items()
                 if k not in ("STAGE", "GREETING", "SERVICE_NAME", "COLOR", "ROOT_GLOBAL")})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lambda-emu exited with {self.proc.returncode}:\n"
                                   f"{self.stderr()}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            time.sleep(0.02)
        raise RuntimeError("lambda-emu did not write its port file:\n" + self.stderr())

    def stop(self):
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            code = self.proc.returncode
            self._err.close()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        return code

    def stderr(self):
        with open(os.path.join(self.tmp, "stderr"), "rb") as f:
            return f.read().decode(errors="replace")

    def read(self, *parts):
        with open(os.path.join(self.project, *parts), "rb") as f:
            return f.read()

    def client(self):
        return boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{self.port}", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 0}, read_timeout=120))


def serve_for_class(test_class, project):
    server = SamProjectServer(project)
    test_class.addClassCleanup(server.stop)
    return server.start()


class SamAppBoto3Test(unittest.TestCase):
    """examples/sam-app: the Python function with its layer, the Node function."""

    @classmethod
    def setUpClass(cls):
        cls.server = serve_for_class(cls, os.path.join(EXAMPLES, "sam-app"))
        cls.client = cls.server.client()

    def test_python_function_payload(self):
        resp = self.client.invoke(FunctionName="HelloWorldFunction",
                                  Payload=self.server.read("events", "event.json"))
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", resp)
        out = json.loads(resp["Payload"].read())
        self.assertEqual(out["statusCode"], 200)
        self.assertEqual(json.loads(out["body"]),
                         {"message": "hello world", "stage": "dev", "service": "sam-app-dev"})

    def test_node_function_payload(self):
        resp = self.client.invoke(FunctionName="HelloNodeFunction",
                                  Payload=self.server.read("events", "http-api.json"))
        self.assertNotIn("FunctionError", resp)
        out = json.loads(resp["Payload"].read())
        self.assertEqual(out["headers"], {"content-type": "application/json"})
        self.assertEqual(json.loads(out["body"]),
                         {"message": "hello Ada", "stage": "dev", "path": "/hello-node"})

    def test_log_result_tail(self):
        resp = self.client.invoke(
            FunctionName="HelloWorldFunction", LogType="Tail",
            Payload=json.dumps({"queryStringParameters": {"name": "Grace"}}).encode())
        request_id = resp["ResponseMetadata"]["RequestId"]
        log = base64.b64decode(resp["LogResult"]).decode()
        self.assertIn(f"START RequestId: {request_id} Version: $LATEST", log)
        self.assertIn("hello Grace (dev)", log)
        self.assertIn(f"END RequestId: {request_id}", log)
        self.assertEqual([r["id"] for r in parse_reports(log)], [request_id])
        self.assertEqual(parse_reports(log)[0]["memory"], "128")

    def test_python_function_error(self):
        resp = self.client.invoke(FunctionName="HelloWorldFunction", Payload=b"[]")
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["FunctionError"], "Unhandled")
        body = json.loads(resp["Payload"].read())
        self.assertEqual(body["errorType"], "AttributeError")
        self.assertIn("'list' object has no attribute 'get'", body["errorMessage"])

    def test_node_function_error(self):
        resp = self.client.invoke(FunctionName="HelloNodeFunction", Payload=b"null")
        self.assertEqual(resp["FunctionError"], "Unhandled")
        body = json.loads(resp["Payload"].read())
        self.assertEqual(body["errorType"], "TypeError")

    def test_function_arn(self):
        resp = self.client.invoke(
            FunctionName="arn:aws:lambda:us-east-1:000000000000:function:HelloNodeFunction",
            Payload=b'{"rawPath": "/x"}')
        self.assertNotIn("FunctionError", resp)
        self.assertEqual(json.loads(json.loads(resp["Payload"].read())["body"])["path"], "/x")

    def test_layer_logical_id_is_not_a_function(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.invoke(FunctionName="GreetingLayer", Payload=b"{}")


class HelloPythonBoto3Test(unittest.TestCase):
    """The sam init python3.12 hello-world project, unchanged."""

    @classmethod
    def setUpClass(cls):
        cls.server = serve_for_class(cls, fixture("sam", "hello-python"))
        cls.client = cls.server.client()

    def test_payload_is_the_functions_bytes(self):
        resp = self.client.invoke(FunctionName="HelloWorldFunction",
                                  Payload=self.server.read("events", "event.json"))
        self.assertEqual(resp["StatusCode"], 200)
        self.assertNotIn("FunctionError", resp)
        self.assertEqual(resp["Payload"].read(),
                         b'{"statusCode": 200, "body": "{\\"message\\": \\"hello world\\"}"}')

    def test_log_result_tail_of_a_cold_then_warm_invoke(self):
        first = self.client.invoke(FunctionName="HelloWorldFunction", LogType="Tail")
        second = self.client.invoke(FunctionName="HelloWorldFunction", LogType="Tail")
        reports = [parse_reports(base64.b64decode(r["LogResult"]).decode())
                   for r in (first, second)]
        self.assertEqual([len(r) for r in reports], [1, 1])
        self.assertEqual(reports[1][0]["id"], second["ResponseMetadata"]["RequestId"])
        self.assertIsNone(reports[1][0]["init"], "the second invoke was not warm")

    def test_unknown_function(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException) as cm:
            self.client.invoke(FunctionName="HelloWorld", Payload=b"{}")
        self.assertIn("HelloWorld", cm.exception.response["Error"]["Message"])

    def test_dry_run(self):
        resp = self.client.invoke(FunctionName="HelloWorldFunction", InvocationType="DryRun")
        self.assertEqual(resp["StatusCode"], 204)


class NestedStackBoto3Test(unittest.TestCase):
    """A nested application's function by SAM CLI's name for it, ChildStack/LogicalId
    (boto3 URL-encodes the slash)."""

    @classmethod
    def setUpClass(cls):
        cls.server = serve_for_class(cls, fixture("sam", "nested"))
        cls.client = cls.server.client()

    def test_child_function(self):
        resp = self.client.invoke(FunctionName="ChildStack/HelloChildFunction",
                                  Payload=b'{"via": "boto3"}')
        self.assertNotIn("FunctionError", resp)
        out = json.loads(resp["Payload"].read())
        self.assertEqual((out["stack"], out["greeting"], out["event"]),
                         ("child", "hello from the parent stack", {"via": "boto3"}))


if __name__ == "__main__":
    unittest.main()
