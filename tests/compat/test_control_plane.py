"""boto3 and the aws CLI against the management API's write side (the control
plane): functions created from in-memory zips go through AWS's whole
lifecycle (create -> Pending -> Active, update code, publish versions,
weighted aliases, provisioned concurrency, deletes), the SDK's waiters and
paginators work, every refusal carries AWS's status, error code and message
(texts: AWS-recorded responses, see docs and /tmp/aws-lambda-errors.md), and
a server started on a --state-dir brings everything back after SIGTERM and
after kill -9 in the middle of an upload.

Functions use the "python3.12" runtime (the local Python 3.11+ runs them) and
return {"version": AWS_LAMBDA_FUNCTION_VERSION, "marker": MARKER, "event": event}.
"""
import base64
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile

import botocore.exceptions
from botocore.config import Config

from emu import EmuServer, emu_binary, pid_alive, serve_for_class, wait_until, worker_pids

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/x"
HANDLER = "lambda_function.handler"
RUNTIME = "python3.12"
ARN_PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. "
                     "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
FAST = {"Delay": 0.2, "MaxAttempts": 100}  # waiters: poll every 0.2 s, up to 20 s
NO_FUNCTIONS = {"Functions": {}}


def arn(name):
    return ARN_PREFIX + name


def make_zip(marker, padding=0):
    """A python function package; padding adds that many random (incompressible) bytes."""
    code = ("import os\n"
            f"MARKER = {marker!r}\n"
            "def handler(event, context):\n"
            "    return {'version': os.environ['AWS_LAMBDA_FUNCTION_VERSION'],\n"
            "            'marker': MARKER, 'event': event}\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", code)
        if padding:
            z.writestr(zipfile.ZipInfo("padding.bin"), os.urandom(padding),
                       compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def client_for(emu, validate=True):
    import boto3
    return boto3.client(
        "lambda", endpoint_url=emu.endpoint, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, read_timeout=120, connect_timeout=10,
                      parameter_validation=validate))


def create(client, name, marker="v0", **overrides):
    params = dict(FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler=HANDLER,
                  Code={"ZipFile": make_zip(marker)}, Timeout=10, MemorySize=128)
    params.update(overrides)
    return client.create_function(**params)


def payload_of(resp):
    return json.loads(resp["Payload"].read())


class AwsErrorAssertions:
    def assertAwsError(self, call, status, code, message=None, prefix=None, suffix=None):
        """call() raises a ClientError with this HTTP status, code and message."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call()
        r = cm.exception.response
        got = (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"])
        self.assertEqual(got, (status, code), r)
        text = r["Error"].get("Message")
        if message is not None:
            self.assertEqual(text, message)
        if prefix is not None:
            self.assertTrue(text and text.startswith(prefix), f"{text!r} !startswith {prefix!r}")
        if suffix is not None:
            self.assertTrue(text and text.endswith(suffix), f"{text!r} !endswith {suffix!r}")
        return r


# ---------------------------------------------------------------------------------------------
class LifecycleTest(AwsErrorAssertions, unittest.TestCase):
    NAME = "cp-life"

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.client = client_for(cls.emu)

    def wait(self, waiter, **kwargs):
        self.client.get_waiter(waiter).wait(WaiterConfig=FAST, **kwargs)

    def test_whole_lifecycle(self):
        c, name = self.client, self.NAME
        zip_a = make_zip("A")
        created = c.create_function(FunctionName=name, Runtime=RUNTIME, Role=ROLE,
                                    Handler=HANDLER, Code={"ZipFile": zip_a}, Timeout=10)
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((created["State"], created["StateReasonCode"], created["StateReason"]),
                         ("Pending", "Creating", "The function is being created."))
        self.assertEqual((created["FunctionArn"], created["Version"], created["CodeSha256"],
                          created["CodeSize"], created["Role"]),
                         (arn(name), "$LATEST", sha256_b64(zip_a), len(zip_a), ROLE))
        self.assertNotIn("LastUpdateStatus", created)
        self.wait("function_active_v2", FunctionName=name)
        conf = c.get_function(FunctionName=name)["Configuration"]
        self.assertEqual((conf["State"], conf["LastUpdateStatus"]), ("Active", "Successful"))

        r = c.invoke(FunctionName=name, Payload=b'{"n": 1}')
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        self.assertEqual(payload_of(r), {"version": "$LATEST", "marker": "A", "event": {"n": 1}})

        # update code -> B; publish 1
        zip_b = make_zip("B")
        upd = c.update_function_code(FunctionName=name, ZipFile=zip_b)
        self.assertEqual(upd["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(upd["LastUpdateStatus"], "InProgress")
        self.assertEqual(upd["CodeSha256"], sha256_b64(zip_b))
        self.assertNotEqual(upd["RevisionId"], created["RevisionId"])
        self.wait("function_updated_v2", FunctionName=name)
        self.assertEqual(payload_of(c.invoke(FunctionName=name))["marker"], "B")
        v1 = c.publish_version(FunctionName=name)
        self.assertEqual(v1["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((v1["Version"], v1["FunctionArn"], v1["CodeSha256"]),
                         ("1", arn(name) + ":1", sha256_b64(zip_b)))
        self.wait("published_version_active", FunctionName=name, Qualifier="1")

        # update code -> C; publish 2
        zip_c = make_zip("C")
        c.update_function_code(FunctionName=name, ZipFile=zip_c)
        self.wait("function_updated_v2", FunctionName=name)
        v2 = c.publish_version(FunctionName=name, Description="second")
        self.assertEqual((v2["Version"], v2["Description"]), ("2", "second"))
        self.wait("published_version_active", FunctionName=name, Qualifier="2")

        alias = c.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        self.assertEqual(alias["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((alias["AliasArn"], alias["FunctionVersion"], alias["Name"],
                          alias["RoutingConfig"]),
                         (arn(name) + ":live", "1", "live",
                          {"AdditionalVersionWeights": {"2": 0.3}}))

        # weighted routing: ~30 % on version 2, each version runs its own code
        counts = {"1": 0, "2": 0}
        expected = {"1": "B", "2": "C"}
        for i in range(300):
            r = c.invoke(FunctionName=name + ":live", Payload=json.dumps({"i": i}).encode())
            version = r["ExecutedVersion"]
            self.assertIn(version, counts, r)
            body = payload_of(r)
            self.assertEqual(body, {"version": version, "marker": expected[version],
                                    "event": {"i": i}})
            counts[version] += 1
        share = counts["2"] / 300
        self.assertTrue(0.2 <= share <= 0.4, counts)

        # qualifier forms
        for fn, qualifier, version, marker in (
                (name, "1", "1", "B"), (name, "2", "2", "C"), (name, "$LATEST", "$LATEST", "C"),
                (arn(name), None, "$LATEST", "C"), (arn(name) + ":1", None, "1", "B"),
                (arn(name) + ":$LATEST", None, "$LATEST", "C"), (name + ":2", None, "2", "C")):
            with self.subTest(function=fn, qualifier=qualifier):
                kwargs = {"Qualifier": qualifier} if qualifier else {}
                r = c.invoke(FunctionName=fn, Payload=b"{}", **kwargs)
                self.assertEqual(r["ExecutedVersion"], version)
                self.assertEqual(payload_of(r), {"version": version, "marker": marker,
                                                 "event": {}})

        # provisioned concurrency on version 1
        pc = c.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                  ProvisionedConcurrentExecutions=1)
        self.assertEqual(pc["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(pc["RequestedProvisionedConcurrentExecutions"], 1)
        self.assertIn(pc["Status"], ("IN_PROGRESS", "READY"))

        def ready():
            got = c.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
            return got if got["Status"] == "READY" else None
        got = wait_until(ready, timeout=30, interval=0.2)
        self.assertIsNotNone(got, "provisioned concurrency never READY")
        self.assertEqual(got["AllocatedProvisionedConcurrentExecutions"], 1)
        self.assertEqual(got["AvailableProvisionedConcurrentExecutions"], 1)

        # reads
        g1 = c.get_function(FunctionName=name, Qualifier="1")["Configuration"]
        self.assertEqual((g1["Version"], g1["FunctionArn"], g1["CodeSha256"], g1["State"]),
                         ("1", arn(name) + ":1", sha256_b64(zip_b), "Active"))
        versions = c.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST", "1", "2"])
        self.assertEqual([v["FunctionArn"] for v in versions],
                         [arn(name) + ":$LATEST", arn(name) + ":1", arn(name) + ":2"])
        aliases = c.list_aliases(FunctionName=name)["Aliases"]
        self.assertEqual([(a["Name"], a["FunctionVersion"]) for a in aliases], [("live", "1")])
        got_alias = c.get_alias(FunctionName=name, Name="live")
        self.assertEqual(got_alias["RevisionId"], alias["RevisionId"])
        self.assertEqual(got_alias["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.3}})

        self.assertAwsError(lambda: c.update_alias(FunctionName=name, Name="live",
                                                   FunctionVersion="2", RevisionId="nope"),
                            412, "PreconditionFailedException", REVISION_MISMATCH)
        updated = c.update_alias(FunctionName=name, Name="live", Description="d",
                                 RevisionId=alias["RevisionId"])
        self.assertNotEqual(updated["RevisionId"], alias["RevisionId"])
        self.assertEqual(updated["Description"], "d")

        # version 1 is still referenced by the alias
        self.assertAwsError(lambda: c.delete_function(FunctionName=name, Qualifier="1"),
                            409, "ResourceConflictException",
                            "Unable to delete version because the following aliases reference "
                            "it: [live]")
        d = c.delete_alias(FunctionName=name, Name="live")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(c.list_aliases(FunctionName=name)["Aliases"], [])
        d = c.delete_function(FunctionName=name, Qualifier="1")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual([v["Version"] for v in
                          c.list_versions_by_function(FunctionName=name)["Versions"]],
                         ["$LATEST", "2"])
        d = c.delete_function(FunctionName=name)
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertAwsError(lambda: c.get_function(FunctionName=name), 404,
                            "ResourceNotFoundException", "Function not found: " + arn(name))
        # Invoke's text: "Function not found: <arn>" [S]; lambda-emu's invoke tests expect
        # "<arn>:$LATEST" (tests/integration/test_invoke_validation.py), so the prefix only.
        self.assertAwsError(lambda: c.invoke(FunctionName=name), 404,
                            "ResourceNotFoundException", prefix="Function not found: " + arn(name))

    def test_create_with_publish(self):
        c = self.client
        resp = create(c, "cp-life-publish", "P", Publish=True)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual((resp["Version"], resp["FunctionArn"], resp["State"]),
                         ("1", arn("cp-life-publish") + ":1", "Pending"))
        self.wait("published_version_active", FunctionName="cp-life-publish", Qualifier="1")
        r = c.invoke(FunctionName="cp-life-publish", Qualifier="1")
        self.assertEqual(payload_of(r)["version"], "1")


# ---------------------------------------------------------------------------------------------
class ErrorsTest(AwsErrorAssertions, unittest.TestCase):
    NAME = "cp-err"

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.client = client_for(cls.emu)
        cls.raw = client_for(cls.emu, validate=False)  # lets out-of-model values reach the server
        cls.zip = make_zip("E")
        create(cls.client, cls.NAME, Code={"ZipFile": cls.zip})
        cls.client.get_waiter("function_active_v2").wait(FunctionName=cls.NAME, WaiterConfig=FAST)
        cls.client.publish_version(FunctionName=cls.NAME)

    def test_create_twice(self):
        self.assertAwsError(lambda: create(self.client, self.NAME), 409,
                            "ResourceConflictException", "Function already exist: " + self.NAME)

    def test_invalid_runtime(self):
        self.assertAwsError(
            lambda: create(self.client, "cp-err-rt", Runtime="non-existent-runtime"), 400,
            "InvalidParameterValueException",
            prefix="Value non-existent-runtime at 'runtime' failed to satisfy constraint: Member "
                   "must satisfy enum value set: [",
            suffix="] or be a valid ARN")
        self.assertAwsError(lambda: create(self.client, "cp-err-rt", Runtime="PYTHON3.9"), 400,
                            "InvalidParameterValueException",
                            prefix="Value PYTHON3.9 at 'runtime' failed to satisfy constraint")

    def test_invalid_role(self):
        self.assertAwsError(
            lambda: create(self.client, "cp-err-role", Role="r1"), 400, "ValidationException",
            "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: "
            r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")

    def test_bad_zip(self):
        self.assertAwsError(
            lambda: create(self.client, "cp-err-zip", Code={"ZipFile": b"this is not a zip"}),
            400, "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.")
        self.assertAwsError(
            lambda: self.client.update_function_code(FunctionName=self.NAME,
                                                     ZipFile=b"PK\x03\x04 truncated"),
            400, "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.")
        # nothing was created
        self.assertAwsError(lambda: self.client.get_function(FunctionName="cp-err-zip"), 404,
                            "ResourceNotFoundException", "Function not found: " + arn("cp-err-zip"))

    def test_memory_and_timeout_out_of_range(self):
        for field, value, at, constraint in (
                ("MemorySize", 64, "memorySize", "greater than or equal to 128"),
                ("MemorySize", 20000, "memorySize", "less than or equal to 10240"),
                ("Timeout", 0, "timeout", "greater than or equal to 1"),
                ("Timeout", 901, "timeout", "less than or equal to 900")):
            message = (f"1 validation error detected: Value '{value}' at '{at}' failed to satisfy "
                       f"constraint: Member must have value {constraint}")
            with self.subTest(field=field, value=value, op="create"):
                self.assertAwsError(lambda: create(self.raw, "cp-err-range", **{field: value}),
                                    400, "ValidationException", message)
            with self.subTest(field=field, value=value, op="update_configuration"):
                self.assertAwsError(
                    lambda: self.raw.update_function_configuration(FunctionName=self.NAME,
                                                                   **{field: value}),
                    400, "ValidationException", message)
        self.assertAwsError(
            lambda: create(self.raw, "cp-err-range", MemorySize=64, Timeout=0), 400,
            "ValidationException",
            "2 validation errors detected: Value '64' at 'memorySize' failed to satisfy "
            "constraint: Member must have value greater than or equal to 128; Value '0' at "
            "'timeout' failed to satisfy constraint: Member must have value greater than or "
            "equal to 1")

    def test_update_configuration_stale_revision(self):
        c = self.client
        old = c.get_function(FunctionName=self.NAME)["Configuration"]["RevisionId"]
        new = c.update_function_configuration(FunctionName=self.NAME, Description="x",
                                               RevisionId=old)["RevisionId"]
        self.assertNotEqual(new, old)
        c.get_waiter("function_updated_v2").wait(FunctionName=self.NAME, WaiterConfig=FAST)
        self.assertAwsError(
            lambda: c.update_function_configuration(FunctionName=self.NAME, Description="y",
                                                    RevisionId=old),
            412, "PreconditionFailedException", REVISION_MISMATCH)
        self.assertEqual(c.get_function(FunctionName=self.NAME)["Configuration"]["Description"],
                         "x")
        self.assertAwsError(
            lambda: c.update_function_code(FunctionName=self.NAME, ZipFile=self.zip,
                                           RevisionId=old),
            412, "PreconditionFailedException", REVISION_MISMATCH)

    def test_publish_version_wrong_code_sha(self):
        wrong = sha256_b64(b"something else")
        self.assertAwsError(
            lambda: self.client.publish_version(FunctionName=self.NAME, CodeSha256=wrong), 400,
            "InvalidParameterValueException",
            f"CodeSHA256 ({wrong}) is different from current CodeSHA256 in $LATEST "
            f"({sha256_b64(self.zip)}). Please try again with the CodeSHA256 in $LATEST.")
        self.assertAwsError(
            lambda: self.client.publish_version(FunctionName=self.NAME, RevisionId="stale"), 412,
            "PreconditionFailedException", REVISION_MISMATCH)

    def test_reserved_concurrency_over_account(self):
        c = self.client
        message = ("Specified ReservedConcurrentExecutions for function decreases account's "
                   "UnreservedConcurrentExecution below its minimum value of [100].")
        for value in (901, 1000, 5000):
            with self.subTest(value=value):
                self.assertAwsError(
                    lambda: c.put_function_concurrency(FunctionName=self.NAME,
                                                       ReservedConcurrentExecutions=value),
                    400, "InvalidParameterValueException", message)
        ok = c.put_function_concurrency(FunctionName=self.NAME, ReservedConcurrentExecutions=900)
        self.assertEqual(ok["ReservedConcurrentExecutions"], 900)
        self.assertEqual(c.get_account_settings()["AccountLimit"]
                         ["UnreservedConcurrentExecutions"], 100)
        c.delete_function_concurrency(FunctionName=self.NAME)
        self.assertNotIn("ReservedConcurrentExecutions",
                         c.get_function_concurrency(FunctionName=self.NAME))
        self.assertAwsError(
            lambda: c.put_function_concurrency(FunctionName=self.NAME + ":1",
                                               ReservedConcurrentExecutions=1),
            400, "InvalidParameterValueException",
            "This operation is permitted on Lambda functions only. Aliases and versions do not "
            "support this operation. Please specify either a function name or an unqualified "
            "function ARN.")
        self.assertAwsError(
            lambda: c.put_function_concurrency(FunctionName="cp-err-missing",
                                               ReservedConcurrentExecutions=1),
            404, "ResourceNotFoundException",
            "Function not found: " + arn("cp-err-missing") + ":$LATEST")

    def test_alias_errors(self):
        c, name = self.raw, self.NAME
        cases = [
            ("numeric name", dict(Name="2024", FunctionVersion="1"), 400, "ValidationException",
             "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: "
             "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"),
            ("weight > 1", dict(Name="heavy", FunctionVersion="1",
                                RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}}),
             400, "ValidationException",
             "1 validation error detected: Value '{2=2.0}' at "
             "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value "
             "must satisfy constraint: [Member must have value less than or equal to 1.0, Member "
             "must have value greater than or equal to 0.0, Member must not be null]"),
            ("version not found", dict(Name="ten", FunctionVersion="10"), 404,
             "ResourceNotFoundException", "Function not found: " + arn(name) + ":10"),
            ("routing version not found", dict(
                Name="routed", FunctionVersion="1",
                RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}}),
             404, "ResourceNotFoundException", "Function not found: " + arn(name) + ":10"),
            ("routing to the primary", dict(
                Name="self", FunctionVersion="1",
                RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
             400, "InvalidParameterValueException",
             "Invalid function version 1. Function version 1 is already included in routing "
             "configuration."),
        ]
        for label, kwargs, status, code, message in cases:
            with self.subTest(label):
                self.assertAwsError(lambda: c.create_alias(FunctionName=name, **kwargs),
                                    status, code, message)
        created = c.create_alias(FunctionName=name, Name="exists", FunctionVersion="1")
        self.addCleanup(c.delete_alias, FunctionName=name, Name="exists")
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertAwsError(
            lambda: c.create_alias(FunctionName=name, Name="exists", FunctionVersion="1"), 409,
            "ResourceConflictException", "Alias already exists: " + arn(name) + ":exists")
        self.assertAwsError(lambda: c.get_alias(FunctionName=name, Name="nothere"), 404,
                            "ResourceNotFoundException",
                            "Cannot find alias arn: " + arn(name) + ":nothere")

    def test_delete_latest_qualifier(self):
        self.assertAwsError(
            lambda: self.client.delete_function(FunctionName=self.NAME, Qualifier="$LATEST"),
            400, "InvalidParameterValueException",
            "$LATEST version cannot be deleted without deleting the function.")
        self.client.get_function(FunctionName=self.NAME)  # still there

    def test_get_missing_version(self):
        self.assertAwsError(
            lambda: self.client.get_function(FunctionName=self.NAME, Qualifier="1221"), 404,
            "ResourceNotFoundException", "Function not found: " + arn(self.NAME) + ":1221")
        self.assertAwsError(
            lambda: self.client.get_function(FunctionName=self.NAME,
                                             Qualifier="aliasdoesnotexist"),
            404, "ResourceNotFoundException",
            "Function not found: " + arn(self.NAME) + ":aliasdoesnotexist")
        self.assertAwsError(
            lambda: self.client.delete_function(FunctionName="cp-err-nope", Qualifier="1"), 404,
            "ResourceNotFoundException", "Function not found: " + arn("cp-err-nope"))

    def test_request_too_large(self):
        """A 71 MB CreateFunction body: 413 RequestEntityTooLargeException, the server stays up."""
        size = 71 * 1024 * 1024
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=60)
        try:
            conn.putrequest("POST", "/2015-03-31/functions")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(size))
            conn.endheaders()
            chunk = b"A" * (1 << 20)
            head = b'{"FunctionName": "cp-err-big", "Code": {"ZipFile": "'
            sent = 0
            try:
                conn.send(head)
                sent = len(head)
                while sent < size:
                    piece = chunk[:min(len(chunk), size - sent)]
                    conn.send(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early and closed: fine
            r = conn.getresponse()
            body = r.read()
            headers = {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()
        self.assertEqual(r.status, 413, body[:500])
        self.assertEqual(headers.get("x-amzn-errortype", "").split(":")[0],
                         "RequestEntityTooLargeException", headers)
        doc = json.loads(body)
        self.assertEqual(doc.get("message", doc.get("Message")),
                         "Request must be smaller than 70167211 bytes for the CreateFunction "
                         "operation")
        self.client.get_function(FunctionName=self.NAME)  # the server still answers


# ---------------------------------------------------------------------------------------------
class UpdateCodeDryRunTest(unittest.TestCase):
    """UpdateFunctionCode with DryRun answers as if applied and changes nothing."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.client = client_for(cls.emu)

    def test_dry_run_changes_nothing(self):
        create(self.client, "dry", marker="before")
        before = self.client.get_function_configuration(FunctionName="dry")
        new_zip = make_zip("after")
        answer = self.client.update_function_code(FunctionName="dry", ZipFile=new_zip, DryRun=True)
        self.assertEqual(answer["CodeSha256"], sha256_b64(new_zip))
        after = self.client.get_function_configuration(FunctionName="dry")
        self.assertEqual(after["CodeSha256"], before["CodeSha256"])
        self.assertEqual(after["RevisionId"], before["RevisionId"])
        self.assertEqual(payload_of(self.client.invoke(FunctionName="dry"))["marker"], "before")


class PagingTest(unittest.TestCase):
    NAMES = [f"cp-page-{i}" for i in range(7)]

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.client = client_for(cls.emu)
        for name in cls.NAMES:
            create(cls.client, name, marker=name)
        for name in cls.NAMES:
            cls.client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=FAST)
        for name in cls.NAMES[:2]:
            cls.client.publish_version(FunctionName=name)

    def test_max_items_pages_with_next_marker(self):
        seen, pages, marker = [], 0, None
        while True:
            kwargs = {"Marker": marker} if marker else {}
            page = self.client.list_functions(MaxItems=3, **kwargs)
            pages += 1
            self.assertLessEqual(len(page["Functions"]), 3)
            seen += [f["FunctionName"] for f in page["Functions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
            self.assertLess(pages, 10, "NextMarker never ends")
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), self.NAMES)
        self.assertEqual(len(seen), len(set(seen)))
        for f in self.client.list_functions()["Functions"]:
            self.assertEqual(f["FunctionArn"], arn(f["FunctionName"]))
            self.assertNotIn("State", f)

    def test_function_version_all(self):
        items = []
        for page in self.client.get_paginator("list_functions").paginate(
                FunctionVersion="ALL", PaginationConfig={"PageSize": 3}):
            items += page["Functions"]
        got = sorted((f["FunctionName"], f["Version"], f["FunctionArn"]) for f in items)
        expected = sorted([(n, "$LATEST", arn(n) + ":$LATEST") for n in self.NAMES] +
                          [(n, "1", arn(n) + ":1") for n in self.NAMES[:2]])
        self.assertEqual(got, expected)

    def test_paginator(self):
        pages = list(self.client.get_paginator("list_functions").paginate(
            PaginationConfig={"PageSize": 3}))
        self.assertEqual([len(p["Functions"]) for p in pages], [3, 3, 1])
        names = [f["FunctionName"] for p in pages for f in p["Functions"]]
        self.assertEqual(sorted(names), self.NAMES)
        full = self.client.get_paginator("list_functions").paginate(
            PaginationConfig={"PageSize": 2, "MaxItems": 5}).build_full_result()
        self.assertEqual(len(full["Functions"]), 5)
        self.assertIn("NextToken", full)


# ---------------------------------------------------------------------------------------------
class WaitersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.client = client_for(cls.emu)

    def test_waiters(self):
        c, name = self.client, "cp-wait"
        with self.assertRaises(botocore.exceptions.WaiterError):
            c.get_waiter("function_exists").wait(FunctionName=name,
                                                 WaiterConfig={"Delay": 0.1, "MaxAttempts": 2})
        create(c, name)
        c.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig=FAST)
        c.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=FAST)
        c.get_waiter("function_active").wait(FunctionName=name, WaiterConfig=FAST)
        c.update_function_configuration(FunctionName=name, Environment={"Variables": {"K": "1"}})
        c.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST)
        conf = c.get_function_configuration(FunctionName=name)
        self.assertEqual((conf["LastUpdateStatus"], conf["Environment"]),
                         ("Successful", {"Variables": {"K": "1"}}))
        c.update_function_code(FunctionName=name, ZipFile=make_zip("W2"))
        c.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig=FAST)
        v = c.publish_version(FunctionName=name)
        c.get_waiter("published_version_active").wait(FunctionName=name, Qualifier=v["Version"],
                                                      WaiterConfig=FAST)
        self.assertEqual(payload_of(c.invoke(FunctionName=name, Qualifier=v["Version"])),
                         {"version": v["Version"], "marker": "W2", "event": {}})
        # Publishing again without changes returns the same version.
        again = c.publish_version(FunctionName=name)
        self.assertEqual((again["Version"], again["RevisionId"]), (v["Version"], v["RevisionId"]))


# ---------------------------------------------------------------------------------------------
class PersistenceTest(unittest.TestCase):
    NAME = "cp-keep"

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="lambda-emu-cp-state-")
        self.addCleanup(shutil.rmtree, self.state, True)
        self.servers = []

    def tearDown(self):
        for emu in self.servers:
            if emu.proc and emu.proc.poll() is None:
                workers = worker_pids(emu.proc.pid)
                emu.stop()
                for pid in workers:  # only this server's own descendants
                    if pid_alive(pid):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
            emu.__exit__(None, None, None)

    def serve(self):
        emu = EmuServer(config=NO_FUNCTIONS, args=["--state-dir", self.state])
        self.servers.append(emu)
        emu.start()
        return emu, client_for(emu)

    def snapshot(self, c):
        latest = c.get_function(FunctionName=self.NAME)
        v1 = c.get_function(FunctionName=self.NAME, Qualifier="1")["Configuration"]
        alias = c.get_alias(FunctionName=self.NAME, Name="live")
        return {
            "latest": {k: latest["Configuration"][k] for k in
                       ("RevisionId", "CodeSha256", "CodeSize", "Description", "Timeout")},
            "v1": {k: v1[k] for k in ("RevisionId", "CodeSha256", "Version", "FunctionArn")},
            "alias": {k: alias[k] for k in ("RevisionId", "FunctionVersion", "AliasArn")},
            "concurrency": latest.get("Concurrency"),
            "versions": [v["Version"] for v in
                         c.list_versions_by_function(FunctionName=self.NAME)["Versions"]],
            "functions": [f["FunctionName"] for f in c.list_functions()["Functions"]],
            "aliases": [a["Name"] for a in c.list_aliases(FunctionName=self.NAME)["Aliases"]],
        }

    def test_restart_keeps_everything_and_survives_kill_9(self):
        emu, c = self.serve()
        zip_1 = make_zip("K1")
        create(c, self.NAME, Code={"ZipFile": zip_1}, Description="kept")
        c.get_waiter("function_active_v2").wait(FunctionName=self.NAME, WaiterConfig=FAST)
        c.publish_version(FunctionName=self.NAME)
        c.get_waiter("published_version_active").wait(FunctionName=self.NAME, Qualifier="1",
                                                      WaiterConfig=FAST)
        c.create_alias(FunctionName=self.NAME, Name="live", FunctionVersion="1")
        c.put_function_concurrency(FunctionName=self.NAME, ReservedConcurrentExecutions=5)
        before = self.snapshot(c)
        self.assertEqual(before["concurrency"], {"ReservedConcurrentExecutions": 5})
        self.assertEqual(before["versions"], ["$LATEST", "1"])

        # A second server on the same directory is refused while the first runs.
        port_dir = tempfile.mkdtemp(prefix="lambda-emu-cp-second-")
        self.addCleanup(shutil.rmtree, port_dir, True)
        port_file = os.path.join(port_dir, "port")
        second = subprocess.run(
            [emu_binary(), "serve", "--config", emu.config_path, "--port", "0", "--port-file",
             port_file, "--state-dir", self.state],
            capture_output=True, text=True, timeout=30)
        self.assertNotEqual(second.returncode, 0, second)
        self.assertIn("in use by another lambda-emu", second.stderr)

        self.assertEqual(emu.stop(), 0, emu.stderr()[-3000:])

        emu, c = self.serve()
        self.assertEqual(self.snapshot(c), before)
        r = c.invoke(FunctionName=self.NAME + ":live", Payload=b'{"after": "restart"}')
        self.assertEqual(r["ExecutedVersion"], "1")
        self.assertEqual(payload_of(r), {"version": "1", "marker": "K1",
                                         "event": {"after": "restart"}})

        # kill -9 while a 20 MB update_function_code is in flight: once mid-upload, once
        # right after the whole body was sent (while the server stores it)
        zip_2 = make_zip("K2", padding=20 * 1024 * 1024)
        for point in ("mid-upload", "body-sent"):
            with self.subTest(kill=point):
                emu, c = self.kill_during_upload(emu, zip_2, point)
                conf = c.get_function(FunctionName=self.NAME)["Configuration"]
                shas = (sha256_b64(zip_1), sha256_b64(zip_2))
                self.assertIn(conf["CodeSha256"], shas, self.outcome)
                if self.outcome.get("status") == 200:  # answered before the kill: was durable
                    self.assertEqual(conf["CodeSha256"], sha256_b64(zip_2))
                new = conf["CodeSha256"] == sha256_b64(zip_2)
                self.assertEqual(conf["CodeSize"], len(zip_2) if new else len(zip_1))
                c.get_waiter("function_active_v2").wait(FunctionName=self.NAME,
                                                        WaiterConfig=FAST)
                r = c.invoke(FunctionName=self.NAME, Payload=b"{}")
                self.assertEqual(payload_of(r), {"version": "$LATEST",
                                                 "marker": "K2" if new else "K1", "event": {}})
                self.assertEqual(payload_of(c.invoke(FunctionName=self.NAME + ":live"))["marker"],
                                 "K1")
                after = self.snapshot(c)
                self.assertEqual((after["v1"], after["alias"], after["concurrency"]),
                                 (before["v1"], before["alias"], before["concurrency"]))

    def kill_during_upload(self, emu, zip_bytes, point):
        """Sends UpdateFunctionCode over raw HTTP, SIGKILLs the server at point, restarts it."""
        self.outcome = outcome = {}
        body = json.dumps({"ZipFile": base64.b64encode(zip_bytes).decode()}).encode()
        started, sent_all = threading.Event(), threading.Event()

        def upload():
            conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=60)
            try:
                conn.putrequest("PUT", f"/2015-03-31/functions/{self.NAME}/code")
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders()
                for i in range(0, len(body), 1 << 20):
                    conn.send(body[i:i + (1 << 20)])
                    started.set()
                sent_all.set()
                r = conn.getresponse()
                outcome["status"] = r.status
                outcome["body"] = r.read()[:300]
            except Exception as e:  # noqa: BLE001 - the connection dies with the server
                outcome["error"] = repr(e)
            finally:
                started.set()
                sent_all.set()
                conn.close()
        thread = threading.Thread(target=upload)
        workers = worker_pids(emu.proc.pid)
        thread.start()
        if point == "mid-upload":
            self.assertTrue(started.wait(30))
            time.sleep(0.05)
        else:
            self.assertTrue(sent_all.wait(30))
        emu.proc.send_signal(signal.SIGKILL)
        emu.proc.wait(10)
        thread.join(60)
        for pid in workers:  # the killed server's own workers
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if os.environ.get("LAMBDA_EMU_TEST_VERBOSE"):
            print(f"kill -9 {point}:", outcome, file=sys.stderr)
        return self.serve()

# ---------------------------------------------------------------------------------------------
def cli_variants():
    """(label, argv prefix): aws CLI v1 as `python3 -m awscli`, and /usr/bin/aws when it is v2."""
    variants = []
    if subprocess.run([sys.executable, "-c", "import awscli"], capture_output=True).returncode == 0:
        variants.append(("v1", [sys.executable, "-m", "awscli"]))
    if os.access("/usr/bin/aws", os.X_OK):
        out = subprocess.run(["/usr/bin/aws", "--version"], capture_output=True, text=True,
                             timeout=60)
        if "aws-cli/2." in out.stdout + out.stderr:
            variants.append(("v2", ["/usr/bin/aws"]))
    return variants


class AwsCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, config=NO_FUNCTIONS, args=["--ephemeral"])
        cls.tmp = tempfile.mkdtemp(prefix="lambda-emu-cp-cli-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.zip_path = os.path.join(cls.tmp, "fn.zip")
        cls.zip = make_zip("CLI")
        with open(cls.zip_path, "wb") as f:
            f.write(cls.zip)

    def run_cli(self, prefix, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        env.pop("AWS_PROFILE", None)
        return subprocess.run([*prefix, "lambda", *args, "--endpoint-url", self.emu.endpoint],
                              capture_output=True, text=True, env=env, timeout=120)

    def test_cli_lifecycle(self):
        variants = cli_variants()
        if not variants:
            self.skipTest("no aws CLI")
        for label, prefix in variants:
            with self.subTest(cli=label):
                self.lifecycle(prefix, f"cp-cli-{label}")

    def lifecycle(self, prefix, name):
        def ok(*args):
            p = self.run_cli(prefix, *args)
            self.assertEqual(p.returncode, 0, f"{args}: {p.stderr}")
            return json.loads(p.stdout) if p.stdout.strip() else None

        out = ok("create-function", "--function-name", name, "--runtime", RUNTIME, "--role", ROLE,
                 "--handler", HANDLER, "--zip-file", "fileb://" + self.zip_path)
        self.assertEqual((out["FunctionName"], out["State"], out["CodeSha256"]),
                         (name, "Pending", sha256_b64(self.zip)))
        ok("wait", "function-active-v2", "--function-name", name)
        out = ok("get-function", "--function-name", name)
        self.assertEqual(out["Configuration"]["State"], "Active")
        out = ok("update-function-configuration", "--function-name", name, "--timeout", "12",
                 "--environment", "Variables={MODE=cli}")
        self.assertEqual((out["Timeout"], out["Environment"]["Variables"]), (12, {"MODE": "cli"}))
        ok("wait", "function-updated-v2", "--function-name", name)
        out = ok("publish-version", "--function-name", name)
        self.assertEqual(out["Version"], "1")
        out = ok("create-alias", "--function-name", name, "--name", "live", "--function-version",
                 "1")
        self.assertEqual(out["AliasArn"], arn(name) + ":live")
        result_path = os.path.join(self.tmp, name + ".out")
        out = ok("invoke", "--function-name", name, "--qualifier", "live", result_path)
        self.assertEqual((out["StatusCode"], out["ExecutedVersion"]), (200, "1"))
        with open(result_path) as f:
            self.assertEqual(json.load(f), {"version": "1", "marker": "CLI", "event": {}})
        p = self.run_cli(prefix, "create-function", "--function-name", name, "--runtime", RUNTIME,
                         "--role", ROLE, "--handler", HANDLER, "--zip-file",
                         "fileb://" + self.zip_path)
        self.assertCliError(p, "ResourceConflictException", "CreateFunction",
                            f"Function already exist: {name}")
        ok("delete-function", "--function-name", name)
        p = self.run_cli(prefix, "get-function", "--function-name", name)
        self.assertCliError(p, "ResourceNotFoundException", "GetFunction",
                            f"Function not found: {arn(name)}")

    def assertCliError(self, p, code, operation, message):
        # v1 exits 255 on a service error, v2 254; botocore adds " (reached max retries: N)"
        # when a retry policy is in force (AWS_MAX_ATTEMPTS).
        self.assertIn(p.returncode, (254, 255), p)
        self.assertRegex(p.stderr, rf"An error occurred \({code}\) when calling the {operation} "
                                   rf"operation(?: \(reached max retries: \d+\))?: "
                                   + re.escape(message) + "$")


if __name__ == "__main__":
    unittest.main()
