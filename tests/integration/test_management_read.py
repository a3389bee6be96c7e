"""The management API's read side (issue 11, first slice): GetFunction,
GetFunctionConfiguration, ListFunctions, GetAccountSettings,
ListVersionsByFunction, GetFunctionConcurrency, ListAliases and ListTags over
HTTP for the functions the config file or template declares, with
botocore's paths and shapes; Code.Location serves the deployment package.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import signal
import tempfile
import unittest
import urllib.parse
import zipfile

from emu import EmuServer, fixture, serve_for_class, wait_until
from test_sam_serve import SamServer

PROBE_DIR = fixture("functions", "probe")
ACCOUNT = "000000000000"
ARN_PREFIX = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
UUID_CHARS = set("0123456789abcdef-")


def function(code, **overrides):
    config = {"Runtime": "provided.al2023", "Handler": "bootstrap", "Code": code}
    config.update(overrides)
    return config


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class ManagementCase(unittest.TestCase):
    emu = None

    def get(self, path, status=200):
        r = self.emu.request("GET", path)
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.header("x-amzn-RequestId"), r)
        return r.json()

    def error(self, path, status, error_type):
        r = self.emu.request("GET", path)
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("x-amzn-ErrorType").split(":")[0], error_type, r)
        body = r.json()
        # Lambda capitalises Message for ResourceNotFoundException only.
        return body["Message" if error_type == "ResourceNotFoundException" else "message"]

    def download(self, location):
        parsed = urllib.parse.urlparse(location)
        self.assertEqual(parsed.netloc, f"127.0.0.1:{self.emu.port}", location)
        r = self.emu.request("GET", parsed.path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "application/zip")
        return r.body


class ManagementReadTest(ManagementCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="lambda-emu-mgmt-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.alpha_dir = os.path.join(cls.root, "alpha")
        shutil.copytree(PROBE_DIR, cls.alpha_dir)
        with open(os.path.join(cls.alpha_dir, "notes.txt"), "w") as f:
            f.write("first\n")
        cls.layer_dir = os.path.join(cls.root, "shared-deps")
        os.makedirs(os.path.join(cls.layer_dir, "lib"))
        with open(os.path.join(cls.layer_dir, "lib", "x.txt"), "w") as f:
            f.write("layer\n")
        # A .zip package, served as it is.
        cls.zip_path = os.path.join(cls.root, "package.zip")
        with zipfile.ZipFile(cls.zip_path, "w") as z:
            z.write(os.path.join(PROBE_DIR, "bootstrap"), "bootstrap")
        with open(cls.zip_path, "rb") as f:
            cls.zip_bytes = f.read()
        functions = {
            "alpha": function(cls.alpha_dir, MemorySize=256, Timeout=7, Description="first one",
                              Environment={"Variables": {"COLOR": "blue"}},
                              ReservedConcurrentExecutions=5, Layers=[cls.layer_dir],
                              Tags={"team": "payments", "stage": "dev"}),
            "zipped": function(cls.zip_path),
        }
        for name in ("delta", "beta", "gamma", "epsilon"):
            functions[name] = function(PROBE_DIR)
        cls.names = sorted(functions)
        cls.emu = serve_for_class(cls, functions, args=["--account-concurrency", "200"])

    # -- GetFunction / GetFunctionConfiguration ---------------------------
    def test_get_function_shape(self):
        body = self.get("/2015-03-31/functions/alpha")
        self.assertEqual(set(body), {"Configuration", "Code", "Concurrency", "Tags"})
        c = body["Configuration"]
        expected = {
            "FunctionName": "alpha", "FunctionArn": ARN_PREFIX + "alpha",
            "Runtime": "provided.al2023", "Role": f"arn:aws:iam::{ACCOUNT}:role/lambda-emu",
            "Handler": "bootstrap", "Description": "first one", "Timeout": 7, "MemorySize": 256,
            "Version": "$LATEST", "Environment": {"Variables": {"COLOR": "blue"}},
            "TracingConfig": {"Mode": "PassThrough"}, "State": "Active",
            "LastUpdateStatus": "Successful", "PackageType": "Zip", "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/alpha"},
        }
        for key, value in expected.items():
            self.assertEqual(c[key], value, key)
        self.assertRegex(c["LastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        self.assertRegex(c["RevisionId"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertRegex(c["RuntimeVersionConfig"]["RuntimeVersionArn"],
                         r"^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$")
        self.assertEqual(len(c["Layers"]), 1)
        self.assertEqual(c["Layers"][0]["Arn"], f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:shared-deps:1")
        self.assertGreater(c["Layers"][0]["CodeSize"], 0)
        self.assertEqual(body["Code"]["RepositoryType"], "S3")
        self.assertEqual(body["Concurrency"], {"ReservedConcurrentExecutions": 5})

    def test_function_without_reserved_concurrency_has_no_concurrency(self):
        body = self.get("/2015-03-31/functions/beta")
        self.assertEqual(set(body), {"Configuration", "Code"})
        self.assertNotIn("Environment", body["Configuration"])
        self.assertNotIn("Layers", body["Configuration"])

    def test_code_location_downloads_the_package(self):
        body = self.get("/2015-03-31/functions/beta")
        data = self.download(body["Code"]["Location"])
        self.assertEqual(sha256_b64(data), body["Configuration"]["CodeSha256"])
        self.assertEqual(len(data), body["Configuration"]["CodeSize"])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.assertEqual(z.namelist(), ["bootstrap"])
            with open(os.path.join(PROBE_DIR, "bootstrap"), "rb") as f:
                self.assertEqual(z.read("bootstrap"), f.read())
            # The runtime's executable bit survives.
            self.assertTrue((z.getinfo("bootstrap").external_attr >> 16) & 0o100)
            # One fixed timestamp, whatever the file's mtime.
            self.assertEqual(z.getinfo("bootstrap").date_time, (1980, 1, 1, 0, 0, 0))
        # Stable across calls: the same bytes, the same sha.
        again = self.get("/2015-03-31/functions/beta")
        self.assertEqual(again["Configuration"]["CodeSha256"], body["Configuration"]["CodeSha256"])
        self.assertEqual(again["Configuration"]["RevisionId"], body["Configuration"]["RevisionId"])
        self.assertEqual(self.download(again["Code"]["Location"]), data)

    def test_zip_package_is_served_as_given(self):
        body = self.get("/2015-03-31/functions/zipped")
        self.assertEqual(self.download(body["Code"]["Location"]), self.zip_bytes)
        self.assertEqual(body["Configuration"]["CodeSha256"], sha256_b64(self.zip_bytes))
        self.assertEqual(body["Configuration"]["CodeSize"], len(self.zip_bytes))

    def test_get_function_configuration_is_the_configuration(self):
        whole = self.get("/2015-03-31/functions/gamma")
        self.assertEqual(self.get("/2015-03-31/functions/gamma/configuration"),
                         whole["Configuration"])

    def test_name_forms(self):
        for name in (ARN_PREFIX + "gamma", f"{ACCOUNT}:function:gamma",
                     urllib.parse.quote(ARN_PREFIX + "gamma", safe="")):
            with self.subTest(name=name):
                c = self.get(f"/2015-03-31/functions/{name}/configuration")
                self.assertEqual(c["FunctionArn"], ARN_PREFIX + "gamma")
        for path in ("/2015-03-31/functions/gamma:$LATEST",
                     "/2015-03-31/functions/gamma?Qualifier=%24LATEST"):
            with self.subTest(path=path):
                c = self.get(path)["Configuration"]
                self.assertEqual(c["FunctionArn"], ARN_PREFIX + "gamma:$LATEST")

    # -- errors -----------------------------------------------------------
    def test_unknown_function_is_404(self):
        for path in ("/2015-03-31/functions/nope", "/2015-03-31/functions/nope/configuration",
                     "/2015-03-31/functions/nope/versions", "/2019-09-30/functions/nope/concurrency",
                     "/2015-03-31/functions/nope/aliases"):
            with self.subTest(path=path):
                self.assertEqual(self.error(path, 404, "ResourceNotFoundException"),
                                 f"Function not found: {ARN_PREFIX}nope")
        self.assertEqual(self.error(f"/2017-03-31/tags/{ARN_PREFIX}nope", 404,
                                    "ResourceNotFoundException"),
                         f"Function not found: {ARN_PREFIX}nope")

    def test_unknown_qualifier_is_404_naming_it(self):
        self.assertEqual(self.error("/2015-03-31/functions/gamma?Qualifier=live", 404,
                                    "ResourceNotFoundException"),
                         f"Function not found: {ARN_PREFIX}gamma:live")
        self.assertEqual(self.error("/2015-03-31/functions/gamma:7/configuration", 404,
                                    "ResourceNotFoundException"),
                         f"Function not found: {ARN_PREFIX}gamma:7")

    def test_another_account_is_404(self):
        self.error("/2015-03-31/functions/111111111111:function:gamma", 404,
                   "ResourceNotFoundException")

    def test_bad_name_is_validation_error(self):
        message = self.error("/2015-03-31/functions/bad%20name", 400, "ValidationException")
        self.assertTrue(message.startswith(
            "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy"),
            message)
        message = self.error("/2015-03-31/functions/gamma?Qualifier=a%2Fb", 400,
                             "ValidationException")
        self.assertIn("at 'qualifier'", message)

    def test_unknown_operation_stays_unknown(self):
        r = self.emu.request("PATCH", "/2015-03-31/functions/gamma")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("x-amzn-ErrorType").split(":")[0], "UnknownOperationException")

    def test_writes_to_a_file_function_are_refused_and_say_where_to_change_it(self):
        r = self.emu.request("DELETE", "/2015-03-31/functions/gamma")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidParameterValueException")
        self.assertIn("config file or template", r.json()["message"])
        self.assertEqual(self.emu.request("GET", "/2015-03-31/functions/gamma").status, 200)
        self.assertEqual(self.emu.request("GET", "/_emu/functions/gamma").json()["Source"], "file")

    # -- ListFunctions ----------------------------------------------------
    def test_list_functions_sorted_without_state(self):
        body = self.get("/2015-03-31/functions/")
        self.assertNotIn("NextMarker", body)
        self.assertEqual([f["FunctionName"] for f in body["Functions"]], self.names)
        for f in body["Functions"]:
            self.assertNotIn("State", f)
            self.assertNotIn("LastUpdateStatus", f)
            self.assertNotIn("RuntimeVersionConfig", f)
            self.assertEqual(f["FunctionArn"], ARN_PREFIX + f["FunctionName"])
        alpha = body["Functions"][0]
        self.assertEqual(alpha["CodeSha256"],
                         self.get("/2015-03-31/functions/alpha")["Configuration"]["CodeSha256"])

    def test_list_functions_paging(self):
        seen, marker, pages = [], None, 0
        while True:
            path = "/2015-03-31/functions/?MaxItems=2"
            if marker:
                path += "&Marker=" + urllib.parse.quote(marker)
            body = self.get(path)
            pages += 1
            self.assertLessEqual(len(body["Functions"]), 2)
            seen += [f["FunctionName"] for f in body["Functions"]]
            marker = body.get("NextMarker")
            if not marker:
                break
            self.assertLess(pages, 10)
        self.assertEqual(seen, self.names)
        self.assertEqual(pages, 3)

    def test_list_functions_all_versions(self):
        body = self.get("/2015-03-31/functions/?FunctionVersion=ALL")
        self.assertEqual([f["FunctionArn"] for f in body["Functions"]],
                         [ARN_PREFIX + n + ":$LATEST" for n in self.names])
        self.assertEqual(self.get("/2015-03-31/functions/?FunctionVersion=ALL&MasterRegion=us-east-1"),
                         {"Functions": []})

    def test_list_functions_bad_parameters(self):
        self.assertEqual(self.error("/2015-03-31/functions/?MaxItems=0", 400, "ValidationException"),
                         "1 validation error detected: Value '0' at 'maxItems' failed to satisfy "
                         "constraint: Member must have value greater than or equal to 1")
        self.assertIn("less than or equal to 10000",
                      self.error("/2015-03-31/functions/?MaxItems=10001", 400, "ValidationException"))
        self.assertIn("at 'functionVersion'",
                      self.error("/2015-03-31/functions/?FunctionVersion=OLD", 400,
                                 "ValidationException"))

    # -- the rest ---------------------------------------------------------
    def test_account_settings(self):
        body = self.get("/2016-08-19/account-settings/")
        limit, usage = body["AccountLimit"], body["AccountUsage"]
        self.assertEqual(limit["ConcurrentExecutions"], 200)
        self.assertEqual(limit["UnreservedConcurrentExecutions"], 195)  # alpha reserves 5
        self.assertEqual((limit["TotalCodeSize"], limit["CodeSizeUnzipped"], limit["CodeSizeZipped"]),
                         (80530636800, 262144000, 52428800))
        self.assertEqual(usage["FunctionCount"], len(self.names))
        listed = self.get("/2015-03-31/functions/")["Functions"]
        self.assertEqual(usage["TotalCodeSize"], sum(f["CodeSize"] for f in listed))

    def test_versions_concurrency_aliases_tags(self):
        versions = self.get("/2015-03-31/functions/gamma/versions")["Versions"]
        self.assertEqual([(v["Version"], v["FunctionArn"]) for v in versions],
                         [("$LATEST", ARN_PREFIX + "gamma:$LATEST")])
        self.assertEqual(self.get("/2019-09-30/functions/alpha/concurrency"),
                         {"ReservedConcurrentExecutions": 5})
        self.assertEqual(self.get("/2019-09-30/functions/gamma/concurrency"), {})
        self.assertEqual(self.get("/2015-03-31/functions/gamma/aliases"), {"Aliases": []})
        self.assertEqual(self.get(f"/2017-03-31/tags/{ARN_PREFIX}gamma"), {"Tags": {}})
        self.assertEqual(self.get(f"/2017-03-31/tags/{ARN_PREFIX}alpha"),
                         {"Tags": {"team": "payments", "stage": "dev"}})
        self.assertEqual(self.get("/2015-03-31/functions/alpha")["Tags"],
                         {"team": "payments", "stage": "dev"})
        self.assertNotIn("Tags", self.get("/2015-03-31/functions/gamma"))
        self.assertIn("at 'resource'", self.error("/2017-03-31/tags/gamma", 400,
                                                  "ValidationException"))

    def test_zz_code_edit_changes_sha_and_revision(self):
        before = self.get("/2015-03-31/functions/alpha")
        with open(os.path.join(self.alpha_dir, "notes.txt"), "w") as f:
            f.write("second, longer\n")
        after = self.get("/2015-03-31/functions/alpha")
        b, a = before["Configuration"], after["Configuration"]
        self.assertNotEqual(a["CodeSha256"], b["CodeSha256"])
        self.assertNotEqual(a["RevisionId"], b["RevisionId"])
        data = self.download(after["Code"]["Location"])
        self.assertEqual(sha256_b64(data), a["CodeSha256"])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.assertEqual(sorted(z.namelist()), ["bootstrap", "notes.txt"])
            self.assertEqual(z.read("notes.txt"), b"second, longer\n")
        # The function still runs the edited code's environment normally.
        self.assertEqual(self.emu.invoke("alpha", {}).status, 200)


class ManagementReloadTest(ManagementCase):
    """SIGUSR1 reload: a changed configuration is a new revision."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, {"solo": function(PROBE_DIR, MemorySize=128)})

    def test_reload_changes_revision_and_fields(self):
        before = self.get("/2015-03-31/functions/solo/configuration")
        with open(self.emu.config_path, "w") as f:
            json.dump({"Functions": {"solo": function(PROBE_DIR, MemorySize=512)}}, f)
        self.emu.proc.send_signal(signal.SIGUSR1)
        self.assertTrue(wait_until(
            lambda: self.get("/2015-03-31/functions/solo/configuration")["MemorySize"] == 512, 10),
            self.emu.stderr())
        after = self.get("/2015-03-31/functions/solo/configuration")
        self.assertEqual(after["CodeSha256"], before["CodeSha256"])
        self.assertNotEqual(after["RevisionId"], before["RevisionId"])


class ManagementTemplateTest(ManagementCase):
    """Template functions: their other names and their AutoPublishAlias."""

    @classmethod
    def setUpClass(cls):
        emu = SamServer(files={
            "template.yaml": """
                AWSTemplateFormatVersion: '2010-09-09'
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Tags: {project: shop}
                Resources:
                  Plain:
                    Type: AWS::Lambda::Function
                    Properties:
                      Runtime: python3.12
                      Handler: index.handler
                      Code: {ZipFile: "def handler(event, context):\\n    return 1\\n"}
                      Tags:
                        - {Key: owner, Value: ada}
                  AliasedFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      FunctionName: aliased-fn
                      Runtime: python3.12
                      Handler: index.handler
                      AutoPublishAlias: live
                      Tags: {team: checkout}
                      InlineCode: |
                        def handler(event, context):
                            return "ok"
                """})
        cls.emu = emu.start()
        cls.addClassCleanup(emu.__exit__, None, None, None)

    def test_logical_id_finds_the_function(self):
        c = self.get("/2015-03-31/functions/AliasedFunction/configuration")
        self.assertEqual(c["FunctionName"], "aliased-fn")
        self.assertEqual(c["Runtime"], "python3.12")

    def test_alias_is_listed_and_answers_as_qualifier(self):
        aliases = self.get("/2015-03-31/functions/aliased-fn/aliases")["Aliases"]
        self.assertEqual(len(aliases), 1)
        self.assertEqual(aliases[0]["Name"], "live")
        self.assertEqual(aliases[0]["AliasArn"], ARN_PREFIX + "aliased-fn:live")
        self.assertEqual(aliases[0]["FunctionVersion"], "$LATEST")
        self.assertTrue(set(aliases[0]["RevisionId"]) <= UUID_CHARS)
        c = self.get("/2015-03-31/functions/aliased-fn?Qualifier=live")["Configuration"]
        self.assertEqual(c["FunctionArn"], ARN_PREFIX + "aliased-fn:live")

    def test_tags_from_the_template(self):
        # SAM's map merged with Globals, plus the tag SAM puts on every function it creates;
        # CloudFormation's list of Key/Value as it is.
        self.assertEqual(self.get(f"/2017-03-31/tags/{ARN_PREFIX}aliased-fn")["Tags"],
                         {"project": "shop", "team": "checkout", "lambda:createdBy": "SAM"})
        self.assertEqual(self.get(f"/2017-03-31/tags/{ARN_PREFIX}Plain")["Tags"],
                         {"owner": "ada"})

    def test_inline_code_downloads(self):
        body = self.get("/2015-03-31/functions/aliased-fn")
        data = self.download(body["Code"]["Location"])
        self.assertEqual(sha256_b64(data), body["Configuration"]["CodeSha256"])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.assertIn(b'return "ok"', z.read(z.namelist()[0]))


if __name__ == "__main__":
    unittest.main()
