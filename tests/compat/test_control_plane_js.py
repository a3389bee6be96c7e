"""The AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, installed in tests/node)
against the management API's write side: a node script creates a function
from an in-memory zip, waits for it with waitUntilFunctionActiveV2, invokes it,
updates its code (waitUntilFunctionUpdatedV2), publishes a version, points an
alias at it, invokes the alias, lists and deletes, and reads a
ResourceNotFoundException (its name and $metadata.httpStatusCode).

The script prints one JSON document with what it saw; the tests assert on it.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile

from emu import REPO, serve_for_class

NODE_MODULES = os.path.join(REPO, "tests", "node", "node_modules")
ROLE = "arn:aws:iam::000000000000:role/x"
ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"
NAME = "cp-js"

SCRIPT = r"""
const fs = require("fs");
const {
  LambdaClient, CreateFunctionCommand, InvokeCommand, UpdateFunctionCodeCommand,
  PublishVersionCommand, CreateAliasCommand, ListFunctionsCommand, DeleteFunctionCommand,
  GetFunctionCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} = require("@aws-sdk/client-lambda");

const [endpoint, name, role, zip1, zip2] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const out = { steps: [] };
const decode = (bytes) => JSON.parse(Buffer.from(bytes).toString("utf8"));
const step = async (label, fn) => {
  try {
    const value = await fn();
    out.steps.push(label);
    return value;
  } catch (e) {
    out.failed = { step: label, name: e.name, message: e.message,
                   status: e.$metadata && e.$metadata.httpStatusCode };
    throw e;
  }
};

(async () => {
  const created = await step("create", () => client.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "python3.12", Role: role, Handler: "lambda_function.handler",
    Code: { ZipFile: new Uint8Array(fs.readFileSync(zip1)) }, Timeout: 10,
  })));
  out.create = { status: created.$metadata.httpStatusCode, State: created.State,
                 StateReasonCode: created.StateReasonCode, CodeSha256: created.CodeSha256,
                 FunctionArn: created.FunctionArn };
  const active = await step("waitActive", () => waitUntilFunctionActiveV2(
    { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: name }));
  out.waitActive = active.state;
  const first = await step("invoke1", () => client.send(new InvokeCommand({
    FunctionName: name, Payload: Buffer.from(JSON.stringify({ from: "js" })) })));
  out.invoke1 = { StatusCode: first.StatusCode, ExecutedVersion: first.ExecutedVersion,
                  payload: decode(first.Payload) };
  const updated = await step("updateCode", () => client.send(new UpdateFunctionCodeCommand({
    FunctionName: name, ZipFile: new Uint8Array(fs.readFileSync(zip2)) })));
  out.updateCode = { status: updated.$metadata.httpStatusCode, CodeSha256: updated.CodeSha256,
                     LastUpdateStatus: updated.LastUpdateStatus };
  const waited = await step("waitUpdated", () => waitUntilFunctionUpdatedV2(
    { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { FunctionName: name }));
  out.waitUpdated = waited.state;
  const version = await step("publish", () => client.send(new PublishVersionCommand({
    FunctionName: name, Description: "from js" })));
  out.publish = { status: version.$metadata.httpStatusCode, Version: version.Version,
                  FunctionArn: version.FunctionArn };
  const alias = await step("alias", () => client.send(new CreateAliasCommand({
    FunctionName: name, Name: "live", FunctionVersion: version.Version })));
  out.alias = { status: alias.$metadata.httpStatusCode, AliasArn: alias.AliasArn,
                FunctionVersion: alias.FunctionVersion };
  const viaAlias = await step("invokeAlias", () => client.send(new InvokeCommand({
    FunctionName: name, Qualifier: "live", Payload: Buffer.from("{}") })));
  out.invokeAlias = { StatusCode: viaAlias.StatusCode, ExecutedVersion: viaAlias.ExecutedVersion,
                      payload: decode(viaAlias.Payload) };
  const listed = await step("list", () => client.send(new ListFunctionsCommand({})));
  out.list = listed.Functions.map((f) => f.FunctionName);
  const deleted = await step("delete", () => client.send(new DeleteFunctionCommand({
    FunctionName: name })));
  out.delete = deleted.$metadata.httpStatusCode;
  try {
    await client.send(new GetFunctionCommand({ FunctionName: name }));
    out.missing = "no error";
  } catch (e) {
    out.missing = { name: e.name, status: e.$metadata && e.$metadata.httpStatusCode,
                    message: e.message,
                    isResourceNotFound: e.constructor && e.constructor.name };
  }
  out.steps.push("done");
})().catch(() => {}).finally(() => { console.log(JSON.stringify(out)); });
"""


def make_zip(marker):
    code = ("import os\n"
            f"MARKER = {marker!r}\n"
            "def handler(event, context):\n"
            "    return {'version': os.environ['AWS_LAMBDA_FUNCTION_VERSION'],\n"
            "            'marker': MARKER, 'event': event}\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", code)
    return buf.getvalue()


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class JsSdkControlPlaneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("node"):
            raise unittest.SkipTest("node is not installed")
        if not os.path.isdir(os.path.join(NODE_MODULES, "@aws-sdk", "client-lambda")):
            raise unittest.SkipTest("tests/node/node_modules has no @aws-sdk/client-lambda "
                                    "(run `npm ci` in tests/node)")
        cls.emu = serve_for_class(cls, config={"Functions": {}}, args=["--ephemeral"])
        tmp = tempfile.mkdtemp(prefix="lambda-emu-cp-js-")
        cls.addClassCleanup(shutil.rmtree, tmp, True)
        cls.zip1, cls.zip2 = make_zip("JS1"), make_zip("JS2")
        paths = []
        for i, data in enumerate((cls.zip1, cls.zip2)):
            paths.append(os.path.join(tmp, f"fn{i}.zip"))
            with open(paths[-1], "wb") as f:
                f.write(data)
        script = os.path.join(tmp, "control_plane.cjs")
        with open(script, "w") as f:
            f.write(SCRIPT)
        p = subprocess.run(["node", script, cls.emu.endpoint, NAME, ROLE, *paths],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, NODE_PATH=NODE_MODULES))
        cls.proc = p
        try:
            cls.out = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            cls.out = {"steps": [], "unparsed": p.stdout[-2000:], "stderr": p.stderr[-2000:]}

    def step(self, label):
        """The script's record of label; fails with what broke if it never got there."""
        self.assertIn(label, self.out["steps"],
                      f"node script stopped: {self.out.get('failed') or self.out}")
        return self.out.get(label)

    def test_create_and_wait_active(self):
        self.step("create")
        self.assertEqual(self.out["create"], {
            "status": 201, "State": "Pending", "StateReasonCode": "Creating",
            "CodeSha256": sha256_b64(self.zip1), "FunctionArn": ARN_PREFIX + NAME})
        self.step("waitActive")
        self.assertEqual(self.out["waitActive"], "SUCCESS")

    def test_invoke(self):
        self.step("invoke1")
        self.assertEqual(self.out["invoke1"], {
            "StatusCode": 200, "ExecutedVersion": "$LATEST",
            "payload": {"version": "$LATEST", "marker": "JS1", "event": {"from": "js"}}})

    def test_update_code_and_wait_updated(self):
        self.step("updateCode")
        self.assertEqual(self.out["updateCode"], {"status": 200,
                                                  "CodeSha256": sha256_b64(self.zip2),
                                                  "LastUpdateStatus": "InProgress"})
        self.step("waitUpdated")
        self.assertEqual(self.out["waitUpdated"], "SUCCESS")

    def test_publish_alias_and_invoke_alias(self):
        self.step("publish")
        self.assertEqual(self.out["publish"], {"status": 201, "Version": "1",
                                               "FunctionArn": ARN_PREFIX + NAME + ":1"})
        self.step("alias")
        self.assertEqual(self.out["alias"], {"status": 201, "AliasArn": ARN_PREFIX + NAME + ":live",
                                             "FunctionVersion": "1"})
        self.step("invokeAlias")
        self.assertEqual(self.out["invokeAlias"], {
            "StatusCode": 200, "ExecutedVersion": "1",
            "payload": {"version": "1", "marker": "JS2", "event": {}}})

    def test_list_and_delete(self):
        self.step("list")
        self.assertEqual(self.out["list"], [NAME])
        self.step("delete")
        self.assertEqual(self.out["delete"], 204)

    def test_resource_not_found_error(self):
        self.step("done")
        missing = self.out["missing"]
        self.assertEqual((missing["name"], missing["status"], missing["message"]),
                         ("ResourceNotFoundException", 404,
                          "Function not found: " + ARN_PREFIX + NAME))
        self.assertEqual(missing["isResourceNotFound"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
