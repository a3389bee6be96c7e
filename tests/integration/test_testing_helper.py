"""The test-harness features: GET /_emu/health, POST /_emu/reset, the Python
helper in clients/python (LambdaEmu and its pytest plugin) and the pytest and
node:test examples in examples/testing, which must leave nothing in the
temporary directory."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

from emu import (EXAMPLES, REPO, EmuServer, emu_binary, fixture, probe_function,
                 provided_function, serve_for_class, wait_until)

sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from lambda_emu_testing import LambdaEmu, LambdaEmuError  # noqa: E402

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

NODE_MODULES = os.path.join(REPO, "tests", "node", "node_modules")


def zeroed(metrics):
    return {key: metrics[key] for key in ("Invocations", "Errors", "Throttles", "ColdStarts",
                                          "WarmStarts", "Timeouts", "OomKills")}


class HealthAndResetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"probe": probe_function(Timeout=30),
                                        "other": probe_function()})

    def setUp(self):
        # Every test starts with no environment and zero counters.
        r = self.emu.request("POST", "/_emu/reset?environments=stop")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(wait_until(lambda: self.environments("probe") == (0, 0, 0)))

    def metrics(self, name):
        r = self.emu.request("GET", f"/_emu/functions/{name}")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def environments(self, name):
        e = self.metrics(name)["Environments"]
        return e["Starting"], e["Idle"], e["Busy"]

    def pid(self):
        r = self.emu.invoke("probe", {"pid": True})
        self.assertEqual(r.status, 200, r)
        return r.json()["pid"]

    def test_health_is_ready_and_names_every_function(self):
        r = self.emu.request("GET", "/_emu/health")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["Status"], "ready")
        self.assertEqual(body["Reasons"], [])
        self.assertEqual(body["FunctionCount"], 2)
        self.assertEqual(body["Functions"], {"probe": {"State": "Active"},
                                             "other": {"State": "Active"}})

    def test_reset_zeroes_the_counters_and_keeps_environments_warm(self):
        first = self.pid()
        self.emu.invoke("probe", {"error": "boom"})
        self.emu.invoke("other", {})
        self.assertEqual(self.metrics("probe")["Invocations"], 2)

        r = self.emu.request("POST", "/_emu/reset")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"FunctionCount": 2})
        for name in ("probe", "other"):
            m = self.metrics(name)
            self.assertEqual(zeroed(m), dict.fromkeys(zeroed(m), 0), m)
            self.assertEqual(m["ErrorsByType"], {})
            self.assertEqual(m["Duration"]["count"], 0)
            self.assertEqual(m["InitDuration"]["count"], 0)
        self.assertIn('lambda_emu_cold_starts_total{function="probe"} 0\n',
                      self.emu.request("GET", "/metrics").body.decode())

        # The environment is still there: the next invoke is warm, and counted from zero.
        self.assertEqual(self.pid(), first)
        m = self.metrics("probe")
        self.assertEqual((m["Invocations"], m["ColdStarts"], m["WarmStarts"]), (1, 0, 1), m)

    def test_reset_with_environments_stop_makes_the_next_invoke_cold(self):
        first = self.pid()
        self.pid()
        r = self.emu.request("POST", "/_emu/reset?environments=stop")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"FunctionCount": 2, "EnvironmentsStopped": 1,
                                    "EnvironmentsStopping": 0})
        self.assertEqual(self.environments("probe"), (0, 0, 0))

        self.assertNotEqual(self.pid(), first)
        m = self.metrics("probe")
        self.assertEqual((m["Invocations"], m["ColdStarts"], m["WarmStarts"]), (1, 1, 0), m)

    def test_a_busy_environment_finishes_its_invocation_then_stops(self):
        busy_pid = self.pid()
        results = []
        worker = threading.Thread(
            target=lambda: results.append(self.emu.invoke("probe", {"sleep": 1, "pid": True})))
        worker.start()
        self.assertTrue(wait_until(lambda: self.environments("probe") == (0, 0, 1)))

        r = self.emu.request("POST", "/_emu/reset?environments=stop")
        self.assertEqual(r.json(), {"FunctionCount": 2, "EnvironmentsStopped": 0,
                                    "EnvironmentsStopping": 1})
        worker.join(30)
        self.assertEqual(results[0].status, 200, results[0])
        self.assertIsNone(results[0].header("X-Amz-Function-Error"), results[0])
        self.assertEqual(results[0].json(), {"pid": busy_pid})

        # It stopped after answering; the next invoke starts a new one.
        self.assertNotEqual(self.pid(), busy_pid)
        m = self.metrics("probe")
        # The invocation in flight at the reset is counted when it ends (a warm start).
        self.assertEqual((m["Invocations"], m["ColdStarts"], m["WarmStarts"]), (2, 1, 1), m)

    def test_environments_takes_only_stop(self):
        r = self.emu.request("POST", "/_emu/reset?environments=keep")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidParameterValueException")
        self.assertIn("environments", r.json()["message"])

    def test_other_methods_are_unknown_operations(self):
        for method, path in (("GET", "/_emu/reset"), ("POST", "/_emu/health"),
                             ("DELETE", "/_emu/health"), ("PUT", "/_emu/reset")):
            r = self.emu.request(method, path)
            self.assertEqual(r.status, 404, (method, path, r))
            self.assertEqual(r.header("x-amzn-ErrorType"), "UnknownOperationException")


class HealthNotReadyTest(unittest.TestCase):
    """Provisioned environments that cannot initialise make the server not ready."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {
            "broken": provided_function("init-error", ProvisionedConcurrency=1),
            "fine": probe_function(ProvisionedConcurrency=1),
        })

    def test_health_is_503_and_says_which_function_and_why(self):
        # Both provisioned environments start together; wait until "fine" is up
        # (on a loaded machine it can still be Pending when "broken" has failed).
        def settled():
            r = self.emu.request("GET", "/_emu/health")
            states = {name: f["State"] for name, f in r.json()["Functions"].items()}
            return r if states == {"broken": "Failed", "fine": "Active"} else None

        r = wait_until(settled, timeout=30)
        self.assertIsNotNone(r, self.emu.request("GET", "/_emu/health"))
        self.assertEqual(r.status, 503, r)
        body = r.json()
        self.assertEqual(body["Status"], "not-ready")
        self.assertEqual(len(body["Reasons"]), 1, body)
        self.assertIn("function broken: 0 of 1 provisioned environments initialized",
                      body["Reasons"][0])
        self.assertIn("init failed", body["Reasons"][0])
        self.assertEqual(body["Functions"]["broken"]["ProvisionedReady"], 0)
        self.assertEqual(body["Functions"]["fine"],
                         {"State": "Active", "ProvisionedConcurrency": 1, "ProvisionedReady": 1})


class LambdaEmuHelperTest(unittest.TestCase):
    """clients/python/lambda_emu_testing against the real examples."""

    def test_invoke_count_log_reset_and_stop_with_the_examples_config(self):
        emu = LambdaEmu(config=os.path.join(EXAMPLES, "lambda-emu.yaml"), binary=emu_binary())
        with emu:
            root, pid = emu.root, emu.process.pid
            self.assertIsNone(emu.api_url)  # the config has no API events
            first = emu.invoke("hello", {"name": "helper"})
            self.assertEqual(first.status, 200, first)
            self.assertEqual(first.json()["message"], "Hello, helper!")
            self.assertEqual(first.json()["requestId"], first.request_id)
            emu.assert_cold_starts("hello", 1)
            with self.assertRaises(AssertionError):
                emu.assert_cold_starts("hello", 2)

            second = emu.invoke("hello", {})
            emu.assert_counts("hello", cold_starts=1, warm_starts=1, invocations=2, errors=0)
            lines = emu.log_for(second.request_id, "hello")
            self.assertTrue(lines[0].startswith(f"START RequestId: {second.request_id}"), lines)
            self.assertTrue(lines[-1].startswith(f"REPORT RequestId: {second.request_id}"), lines)
            self.assertFalse(any(first.request_id in line for line in lines), lines)

            failed = emu.invoke("python-errors", {"action": "raise"})
            self.assertEqual(failed.function_error, "Unhandled", failed)
            missing = emu.invoke("no-such-function", {})
            self.assertEqual((missing.status, missing.error_type),
                             (404, "ResourceNotFoundException"))

            emu.reset(stop_environments=True)
            emu.assert_counts("hello", cold_starts=0, warm_starts=0, invocations=0)
            response = emu.client().invoke(FunctionName="hello", Payload=b'{"name": "boto3"}')
            self.assertEqual(response["StatusCode"], 200)
            emu.assert_cold_starts("hello", 1)
        self.assertIsNone(emu.process)
        self.assertFalse(os.path.exists(root))
        self.assertFalse(os.path.exists(os.path.join(tempfile.gettempdir(), f"lambda-emu-{pid}")))

    def test_start_waits_for_provisioned_environments(self):
        with tempfile.TemporaryDirectory(prefix="lambda-emu-helper-") as tmp:
            config = os.path.join(tmp, "config.yaml")
            with open(config, "w") as f:
                f.write(f"Functions:\n  warm:\n    Runtime: provided\n    Handler: x\n"
                        f"    Code: {fixture('functions', 'probe')}\n"
                        f"    ProvisionedConcurrency: 1\n")
            with LambdaEmu(config=config, binary=emu_binary()) as emu:
                self.assertEqual(emu.health()[0], 200)
                self.assertEqual(emu.invoke("warm", {}).status, 200)
                emu.assert_counts("warm", cold_starts=0, warm_starts=1)
                # Stopping environments replaces the provisioned one; reset() waits for it.
                emu.reset(stop_environments=True)
                self.assertEqual(emu.invoke("warm", {}).status, 200)
                emu.assert_counts("warm", cold_starts=0, warm_starts=1)

    def test_a_project_that_does_not_load_is_an_error_and_leaves_nothing(self):
        emu = LambdaEmu(config=os.path.join(REPO, "no-such-config.yaml"), binary=emu_binary())
        with self.assertRaises(LambdaEmuError) as caught:
            emu.start()
        self.assertIn("no-such-config.yaml", str(caught.exception))
        self.assertIsNone(emu.root)


class ExamplesTest(unittest.TestCase):
    """examples/testing run as their users run them, with a private TMPDIR that
    must be empty afterwards."""

    def run_example(self, command, cwd, env):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-example-tmp-")
        self.addCleanup(shutil.rmtree, tmp, True)
        env = dict(os.environ, TMPDIR=tmp, LAMBDA_EMU_BIN=emu_binary(),
                   PYTHONDONTWRITEBYTECODE="1", **env)
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                                timeout=240)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        self.assertEqual(os.listdir(tmp), [], "left behind in TMPDIR")
        return output

    def test_docs_show_the_examples_as_they_are(self):
        with open(os.path.join(REPO, "docs", "testing.md")) as f:
            docs = f.read()
        for rel in ("python/pytest.ini", "python/conftest.py", "python/test_example.py",
                    "node/lambda.test.js"):
            with self.subTest(rel), open(os.path.join(EXAMPLES, "testing", rel)) as f:
                self.assertIn(f.read(), docs, f"docs/testing.md does not show {rel} as it is")

    def test_pytest_example(self):
        # This python3 may lack pytest (e.g. a pyenv one) where Debian's has it
        # (python3-pytest); Debian's may lack boto3, and the example then skips that test.
        python = next((p for p in (sys.executable, "/usr/bin/python3") if p and subprocess.run(
            [p, "-c", "import pytest"], capture_output=True).returncode == 0), None)
        if python is None:
            self.skipTest("no python3 here has pytest (apt-get install python3-pytest)")
        output = self.run_example([python, "-m", "pytest", "-p", "no:cacheprovider", "-rs"],
                                  os.path.join(EXAMPLES, "testing", "python"), {})
        counts = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (passed|skipped)", output))
        self.assertEqual(counts.get("passed", 0) + counts.get("skipped", 0), 6, output)
        self.assertGreaterEqual(counts.get("passed", 0), 5, output)

    def test_node_test_runner_example(self):
        if not os.path.isdir(os.path.join(NODE_MODULES, "@aws-sdk", "client-lambda")):
            self.skipTest("tests/node/node_modules has no @aws-sdk/client-lambda "
                          "(run `npm ci` in tests/node)")
        if not shutil.which("node"):
            self.skipTest("node is not installed")
        output = self.run_example(["node", "--test"], os.path.join(EXAMPLES, "testing", "node"),
                                  {"NODE_PATH": NODE_MODULES})
        self.assertIn("# pass 2", output)
        self.assertIn("# fail 0", output)


ASYNC_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Errors:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {code}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: {{Type: SQS, Destination: arn:aws:sqs:us-east-1:000000000000:failed}}
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Input: '{{"action": "raise", "message": "from the schedule"}}'
"""


class LambdaEmuHelperAsyncTest(unittest.TestCase):
    """The helper's asynchronous-invocation calls: fire_schedule, wait_async_idle,
    async_status and async_records."""

    def test_fire_a_schedule_wait_for_its_retries_and_read_the_failure_record(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-helper-async-")
        self.addCleanup(shutil.rmtree, tmp, True)
        template = os.path.join(tmp, "template.yaml")
        with open(template, "w") as f:
            f.write(ASYNC_TEMPLATE.format(code=os.path.join(EXAMPLES, "python-errors")))
        emu = LambdaEmu(template=template, binary=emu_binary(),
                        extra_args=["--schedules", "off", "--async-retry-delays", "0.1"])
        with emu:
            request_id = emu.fire_schedule("Nightly")
            view = emu.wait_async_idle("Errors", timeout=30)
            errors = next(f for f in view["Functions"] if f["FunctionName"] == "Errors")
            self.assertEqual((errors["Queued"], errors["AsyncEventsDropped"]), (0, 1))
            self.assertEqual(emu.async_status("Errors")["AsyncEventsReceived"], 1)
            self.assertIsNone(emu.async_status("NoSuchFunction"))
            [record] = emu.async_records("arn:aws:sqs:us-east-1:000000000000:failed")
            self.assertEqual(record["RequestId"], request_id)
            self.assertEqual(record["Body"]["requestContext"]["condition"], "RetriesExhausted")
            self.assertEqual(record["Body"]["requestContext"]["approximateInvokeCount"], 2)
            self.assertEqual(record["Body"]["responsePayload"]["errorMessage"],
                             "from the schedule")
            with self.assertRaises(LambdaEmuError):
                emu.fire_schedule("no-such-schedule")


if __name__ == "__main__":
    unittest.main()
