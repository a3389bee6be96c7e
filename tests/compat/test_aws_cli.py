"""The real aws CLI against lambda-emu: `aws lambda invoke` output, out file,
--log-type Tail, and exit codes / stderr on errors (issue 2 item 10).

aws CLI v1 exits 255 on a service error, v2 exits 254; both print
"An error occurred (<Code>) when calling the Invoke operation: <message>".
`--cli-binary-format raw-in-base64-out` exists only in v2 (v1 rejects it as an
unknown option and always sends --payload raw), so it is passed only to v2.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest
import uuid

from emu import probe_function, serve_for_class

SERVICE_ERROR_EXIT_CODES = (254, 255)


def aws_cli_major_version():
    out = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
    text = out.stdout + out.stderr  # v1 printed its version on stderr in old releases
    return int(text.split("aws-cli/")[1].split(".")[0])


RAW_PAYLOAD_ARGS = (["--cli-binary-format", "raw-in-base64-out"]
                    if aws_cli_major_version() >= 2 else [])


class AwsCliInvokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One attempt: the CLI would otherwise retry a 429 and hide it.
        for key, value in (("AWS_MAX_ATTEMPTS", "1"), ("AWS_RETRY_MODE", "standard")):
            cls.addClassCleanup(os.environ.__setitem__, key, os.environ[key]) \
                if key in os.environ else cls.addClassCleanup(os.environ.pop, key, None)
            os.environ[key] = value
        cls.emu = serve_for_class(cls, {
            "probe": probe_function(),
            "single": probe_function(Timeout=30, ReservedConcurrentExecutions=1),
        })

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-cli-out-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.out = os.path.join(self.tmp, "out.json")

    def cli_invoke(self, *args, payload=None, function="probe"):
        argv = ["invoke", "--function-name", function]
        if payload is not None:
            argv += ["--payload", payload, *RAW_PAYLOAD_ARGS]
        return self.emu.aws_cli(*argv, *args, self.out)

    def out_bytes(self):
        with open(self.out, "rb") as f:
            return f.read()

    def assertServiceError(self, p, code, message_prefix=None):
        self.assertIn(p.returncode, SERVICE_ERROR_EXIT_CODES, p)
        # botocore adds " (reached max retries: N)" when a retry policy is in force.
        expected = (rf"An error occurred \({code}\) when calling the Invoke operation"
                    rf"(?: \(reached max retries: \d+\))?: ")
        self.assertRegex(p.stderr, expected + re.escape(message_prefix or ""))

    # -- success -------------------------------------------------------------------
    def test_invoke_writes_payload_to_out_file_and_prints_status(self):
        payload = '{"echo":"aws-cli","n":[1,2]}'
        p = self.cli_invoke(payload=payload)
        self.assertEqual(p.returncode, 0, p.stderr)
        result = json.loads(p.stdout)
        self.assertEqual(result["StatusCode"], 200)
        self.assertEqual(result["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", result)
        self.assertEqual(self.out_bytes(), payload.encode())

    def test_payload_from_file(self):
        source = os.path.join(self.tmp, "event.json")
        with open(source, "wb") as f:
            f.write(b'{"from":"file"}')
        p = self.cli_invoke(payload=f"fileb://{source}")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.out_bytes(), b'{"from":"file"}')

    def test_log_type_tail(self):
        p = self.cli_invoke("--log-type", "Tail", payload='{"print":1}')
        self.assertEqual(p.returncode, 0, p.stderr)
        log = base64.b64decode(json.loads(p.stdout)["LogResult"]).decode()
        self.assertIn("START RequestId: ", log)
        self.assertIn("probe line 0", log)
        self.assertIn("END RequestId: ", log)
        self.assertIn("REPORT RequestId: ", log)

    def test_qualifier_and_arn(self):
        for args, function in ((("--qualifier", "$LATEST"), "probe"),
                               ((), "arn:aws:lambda:us-east-1:000000000000:function:probe")):
            with self.subTest(function=function, args=args):
                p = self.cli_invoke(*args, payload='{"q":1}', function=function)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(self.out_bytes(), b'{"q":1}')

    def test_client_context(self):
        context = base64.b64encode(b'{"custom":{"via":"cli"}}').decode()
        p = self.cli_invoke("--client-context", context, payload='{"env":true}')
        self.assertEqual(p.returncode, 0, p.stderr)
        headers = json.loads(self.out_bytes())["headers"]
        self.assertEqual(json.loads(headers["lambda-runtime-client-context"]),
                         {"custom": {"via": "cli"}})

    def test_dry_run(self):
        p = self.cli_invoke("--invocation-type", "DryRun", payload="{}")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["StatusCode"], 204)

    # -- function error: the call succeeds, the error is in the output --------------------
    def test_function_error_exits_zero_and_reports_unhandled(self):
        p = self.cli_invoke(payload='{"error":"cli-boom"}')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(self.out_bytes())["errorMessage"], "cli-boom")

    # -- API errors -----------------------------------------------------------------------
    def test_unknown_function_fails_with_resource_not_found(self):
        p = self.cli_invoke(payload="{}", function="missing-fn")
        self.assertServiceError(p, "ResourceNotFoundException", "Function not found: ")
        self.assertIn("missing-fn", p.stderr)

    def test_invalid_json_fails_with_invalid_request_content(self):
        p = self.cli_invoke(payload="this is not json")
        self.assertServiceError(p, "InvalidRequestContentException",
                                "Could not parse request body into json")

    def test_throttle_fails_with_too_many_requests(self):
        marker = f"cli-hold-{uuid.uuid4()}"
        hold = threading.Thread(target=self.emu.invoke, args=(
            "single", json.dumps({"stderr": marker, "sleep": 6}).encode()))
        hold.start()
        try:
            self.emu.wait_for_output(marker)
            p = self.cli_invoke(payload="{}", function="single")
        finally:
            hold.join(30)
        self.assertServiceError(p, "TooManyRequestsException", "Rate Exceeded.")


if __name__ == "__main__":
    unittest.main()
