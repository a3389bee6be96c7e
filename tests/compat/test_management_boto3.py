"""boto3 and the aws CLI against the management API's read side (issue 11,
first slice): the real SDK parses GetFunction, GetFunctionConfiguration,
ListFunctions (through its paginator), GetAccountSettings and the other read
operations, its waiters succeed at once, and an unknown name raises its
ResourceNotFoundException class.
"""
import base64
import hashlib
import json
import time
import unittest
import urllib.request

from emu import probe_function, serve_for_class

NAMES = ["m-01", "m-02", "m-03", "m-04", "m-05"]


class Boto3ManagementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        functions = {name: probe_function() for name in NAMES}
        functions["m-03"] = probe_function(MemorySize=256, ReservedConcurrentExecutions=2,
                                           Environment={"Variables": {"MODE": "test"}},
                                           Tags={"team": "payments"})
        cls.emu = serve_for_class(cls, functions)
        cls.client = cls.emu.boto3_client()

    def test_invoke_async_runs_the_function_and_answers_202(self):
        before = self.emu.request("GET", "/_emu/functions/m-02").json()["Invocations"]
        resp = self.client.invoke_async(FunctionName="m-02", InvokeArgs=b'{"from": "invoke-async"}')
        self.assertEqual(resp["Status"], 202)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 202)
        deadline = time.monotonic() + 10
        while self.emu.request("GET", "/_emu/functions/m-02").json()["Invocations"] == before:
            self.assertLess(time.monotonic(), deadline, "the invoke-async event never ran")
            time.sleep(0.05)
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.invoke_async(FunctionName="nope", InvokeArgs=b"{}")

    def test_get_function(self):
        resp = self.client.get_function(FunctionName="m-03")
        c = resp["Configuration"]
        self.assertEqual((c["FunctionName"], c["MemorySize"], c["State"], c["LastUpdateStatus"]),
                         ("m-03", 256, "Active", "Successful"))
        self.assertEqual(c["Environment"]["Variables"], {"MODE": "test"})
        self.assertEqual(resp["Concurrency"]["ReservedConcurrentExecutions"], 2)
        self.assertEqual(resp["Tags"], {"team": "payments"})
        self.assertEqual(self.client.list_tags(Resource=c["FunctionArn"])["Tags"],
                         {"team": "payments"})
        self.assertEqual(resp["Code"]["RepositoryType"], "S3")
        with urllib.request.urlopen(resp["Code"]["Location"], timeout=30) as r:
            data = r.read()
        self.assertEqual(base64.b64encode(hashlib.sha256(data).digest()).decode(), c["CodeSha256"])

    def test_get_function_configuration(self):
        c = self.client.get_function_configuration(FunctionName="m-01", Qualifier="$LATEST")
        self.assertEqual(c["Version"], "$LATEST")
        self.assertEqual(c["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:m-01:$LATEST")

    def test_list_functions_paginator(self):
        pages = list(self.client.get_paginator("list_functions").paginate(
            PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        self.assertEqual([f["FunctionName"] for p in pages for f in p["Functions"]], NAMES)

    def test_get_account_settings(self):
        resp = self.client.get_account_settings()
        self.assertEqual(resp["AccountLimit"]["ConcurrentExecutions"], 1000)
        self.assertEqual(resp["AccountLimit"]["UnreservedConcurrentExecutions"], 998)
        self.assertEqual(resp["AccountUsage"]["FunctionCount"], len(NAMES))

    def test_other_read_operations(self):
        versions = self.client.list_versions_by_function(FunctionName="m-02")["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST"])
        self.assertEqual(self.client.get_function_concurrency(FunctionName="m-03")
                         ["ReservedConcurrentExecutions"], 2)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.client.get_function_concurrency(FunctionName="m-02"))
        self.assertEqual(self.client.list_aliases(FunctionName="m-02")["Aliases"], [])
        arn = self.client.get_function(FunctionName="m-02")["Configuration"]["FunctionArn"]
        self.assertEqual(self.client.list_tags(Resource=arn)["Tags"], {})

    def test_waiters_succeed_at_once(self):
        for waiter in ("function_exists", "function_active_v2", "function_updated_v2",
                       "function_active", "function_updated"):
            with self.subTest(waiter=waiter):
                self.client.get_waiter(waiter).wait(
                    FunctionName="m-04", WaiterConfig={"Delay": 1, "MaxAttempts": 1})

    def test_unknown_function_raises_resource_not_found(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException) as cm:
            self.client.get_function(FunctionName="no-such-function")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:"
                         "no-such-function")
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.get_function_configuration(FunctionName="m-01", Qualifier="prod")

    # -- aws CLI v1 -------------------------------------------------------
    def test_aws_cli_get_function(self):
        p = self.emu.aws_cli("get-function", "--function-name", "m-03")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["Configuration"]["FunctionName"], "m-03")
        self.assertEqual(out["Concurrency"], {"ReservedConcurrentExecutions": 2})

    def test_aws_cli_list_functions(self):
        # --page-size 2: the CLI follows NextMarker itself.
        p = self.emu.aws_cli("list-functions", "--page-size", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([f["FunctionName"] for f in json.loads(p.stdout)["Functions"]], NAMES)

    def test_aws_cli_unknown_function(self):
        p = self.emu.aws_cli("get-function", "--function-name", "nope")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("An error occurred (ResourceNotFoundException) when calling the GetFunction "
                      "operation: Function not found: arn:aws:lambda:us-east-1:000000000000:"
                      "function:nope", p.stderr)


if __name__ == "__main__":
    unittest.main()
