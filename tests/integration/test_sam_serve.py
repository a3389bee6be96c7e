"""`lambda-emu serve` on SAM projects (the SAM template issue), as `sam local start-lambda`:
started inside a project with no --config / --template it finds the template itself, prints
the banner, and answers the Invoke API by logical id and by FunctionName.

Each server runs in a private copy of its project (tests/fixtures/sam/*, examples/sam-app),
on port 0 with --port-file, as tests/lib/emu.py does for config files.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import time
import unittest

from emu import EXAMPLES, EmuServer, emu_binary, fixture, parse_reports, wait_until

SAM_FIXTURES = fixture("sam")
TRIED_NAMES = (".aws-sam/build/template.yaml", "template.yaml", "template.yml", "lambda-emu.yaml")
HELLO_PYTHON_BYTES = b'{"statusCode": 200, "body": "{\\"message\\": \\"hello world\\"}"}'
DECLARED_VARIABLES = {"STAGE", "GREETING", "SERVICE_NAME", "MODE", "OWNER_OR_NOBODY",
                      "ONLY_IN_PROD", "FROM_GLOBALS", "OVERRIDDEN", "HELPER_NAME", "HELPER_ARN",
                      "KIND", "LOG_LEVEL", "PEER_ARN", "COLOR", "ROOT_GLOBAL"}


class SamServer(EmuServer):
    """lambda-emu serve started in a copy of a SAM project, without --config."""

    def __init__(self, project=None, args=(), files=None):
        super().__init__({}, args=args)
        os.remove(self.config_path)  # EmuServer writes one; a SAM project brings its own
        self.project = os.path.join(self.tmp, "project")
        if project:
            shutil.copytree(project, self.project, symlinks=True)
        else:
            os.makedirs(self.project)
        for rel, text in (files or {}).items():
            path = os.path.join(self.project, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(textwrap.dedent(text).lstrip("\n"))

    def command(self, port_file):
        # --api-port 0: a project with Api events would otherwise take port 3000, which
        # tests running side by side would fight over.
        api = [] if any(a.startswith("--api-port") or a == "--port-file" for a in self.args) \
            else ["--api-port", "0"]
        return [emu_binary(), "serve", "--ephemeral", "--port", "0", "--port-file", port_file,
                "--log-dir", os.path.join(self.tmp, "logs"), "--no-cpu-limit", *api, *self.args]

    def start(self):
        port_file = os.path.join(self.tmp, "port")
        self._out = open(os.path.join(self.tmp, "stdout"), "wb")
        self._err = open(os.path.join(self.tmp, "stderr"), "wb")
        # As with SAM CLI, the shell's value of a variable the template declares wins; the
        # tests' shell must not interfere.
        env = {k: v for k, v in os.environ.items() if k not in DECLARED_VARIABLES}
        self.proc = subprocess.Popen(self.command(port_file), cwd=self.project, env=env,
                                     stdout=self._out, stderr=self._err)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lambda-emu exited with {self.proc.returncode}:\n"
                                   f"{self.stderr()}")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("lambda-emu did not write its port file:\n" + self.stderr())

    def read(self, *parts):
        with open(os.path.join(self.project, *parts), "rb") as f:
            return f.read()


def serve(test_class, project, args=(), files=None):
    """A SamServer for test_class's tests, stopped (and required to exit 0) at class cleanup."""
    emu = SamServer(project, args=args, files=files)

    def stop():
        try:
            code = emu.stop()
            if code != 0:
                raise AssertionError(f"lambda-emu exited with {code} on SIGTERM:\n"
                                     f"{emu.stderr()[-3000:]}")
        finally:
            emu.__exit__(None, None, None)

    emu.start()
    test_class.addClassCleanup(stop)
    return emu


def lines_with(text, *needles):
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def has_number(line, n):
    return re.search(rf"(?<![\d.]){n}(?![\d.])", line) is not None


class ServeCase(unittest.TestCase):
    def ok(self, name, payload=b"{}", **kw):
        r = self.emu.invoke(name, payload, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        return r

    def assertLoaded(self, file_suffix, kind="template"):
        text = self.emu.stderr()
        lines = [line for line in text.splitlines() if file_suffix in line]
        self.assertTrue(lines, f"no banner line names {file_suffix}:\n{text}")
        self.assertTrue(any(kind in line.replace(file_suffix, "").lower() for line in lines),
                        f"the line naming {file_suffix} does not say '{kind}': {lines}")


class ServeHelloPythonTest(ServeCase):
    """Started in the sam init Python project: `cd hello-python && lambda-emu serve`."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, os.path.join(SAM_FIXTURES, "hello-python"))

    def test_invoke_by_logical_id_returns_the_functions_bytes(self):
        r = self.ok("HelloWorldFunction", self.emu.read("events", "event.json"))
        self.assertEqual(r.body, HELLO_PYTHON_BYTES)

    def test_invoke_by_arn(self):
        r = self.ok("arn:aws:lambda:us-east-1:000000000000:function:HelloWorldFunction")
        self.assertEqual(r.body, HELLO_PYTHON_BYTES)

    def test_log_tail_has_the_invocation(self):
        r = self.ok("HelloWorldFunction", headers={"X-Amz-Log-Type": "Tail"})
        log = r.log_tail()
        request_id = r.header("x-amzn-RequestId")
        self.assertIn(f"START RequestId: {request_id} Version: $LATEST", log)
        self.assertEqual([p["id"] for p in parse_reports(log)], [request_id])

    def test_unknown_function_is_404(self):
        r = self.emu.invoke("GoodbyeWorldFunction")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("x-amzn-ErrorType").split(":")[0], "ResourceNotFoundException")
        self.assertIn(b"GoodbyeWorldFunction", r.body)

    def test_banner_names_the_template_and_the_function(self):
        self.assertLoaded("template.yaml")
        lines = lines_with(self.emu.stderr(), "HelloWorldFunction", "app.lambda_handler")
        self.assertTrue(lines, self.emu.stderr())
        self.assertIn("python3.12", lines[0])
        self.assertTrue(has_number(lines[0], 128), lines[0])
        self.assertRegex(lines[0].replace("python3.12", ""), r"python|\b3\.\d+", lines[0])

    def test_banner_lists_the_api_route(self):
        text = self.emu.stderr()
        self.assertTrue(lines_with(text, "GET /hello", "HelloWorldFunction", "REST API"), text)
        self.assertEqual(lines_with(text, "/hello", "not emulated"), [], text)

    def test_function_log_goes_to_the_console(self):
        r = self.ok("HelloWorldFunction")
        request_id = r.header("x-amzn-RequestId")
        wait_until(lambda: f"REPORT RequestId: {request_id}" in
                   self.emu.stdout() + self.emu.stderr(), 10)
        self.assertIn(f"END RequestId: {request_id}", self.emu.stdout() + self.emu.stderr())


class ServeBuiltProjectTest(ServeCase):
    @classmethod
    def setUpClass(cls):
        # Unsandboxed, LAMBDA_TASK_ROOT names the host directory the code came from.
        cls.emu = serve(cls, os.path.join(SAM_FIXTURES, "built"), args=["--sandbox", "none"])

    def test_serves_the_built_template(self):
        r = self.ok("HelloWorldFunction")
        task_root = json.loads(r.json()["body"])["task_root"]
        self.assertTrue(task_root.endswith(os.path.join(".aws-sam", "build", "HelloWorldFunction")),
                        task_root)
        self.assertLoaded(os.path.join(".aws-sam", "build", "template.yaml"))


class ServeFunctionNameTest(ServeCase):
    """A function answers to its logical id and to its FunctionName, and is one function."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, os.path.join(SAM_FIXTURES, "cfn"))

    def test_logical_id_and_function_name(self):
        by_id = self.ok("InlineFunction", b'{"n": 2}').json()
        by_name = self.ok("cfn-inline", b'{"n": 2}').json()
        self.assertEqual(by_id, by_name)
        self.assertEqual(by_id["kind"], "inline")
        self.assertEqual(by_id["function_name"], "cfn-inline")

    def test_function_name_arn(self):
        r = self.ok("arn:aws:lambda:us-east-1:000000000000:function:cfn-inline")
        self.assertEqual(r.json()["kind"], "inline")

    def test_both_names_share_warm_environments(self):
        self.ok("InlineNodeFunction")  # something else first, so ordering does not matter
        self.ok("cfn-inline")
        r = self.ok("InlineFunction", headers={"X-Amz-Log-Type": "Tail"})
        reports = parse_reports(r.log_tail())
        self.assertEqual(len(reports), 1, r.log_tail())
        self.assertIsNone(reports[0]["init"], "a warm function started cold under its other name")

    def test_banner_shows_function_name_and_logical_id(self):
        self.assertLoaded("template.yaml")
        self.assertTrue(lines_with(self.emu.stderr(), "cfn-inline", "InlineFunction"),
                        self.emu.stderr())

    def test_layer_and_local_code_path(self):
        self.assertEqual(self.ok("PathFunction").json()["shout"], "PATH!")


class ServeParameterOverridesTest(ServeCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, os.path.join(SAM_FIXTURES, "intrinsics"),
                        args=["--parameter-overrides", "Stage=prod Owner=ada",
                              "--env-vars", "env.json"],
                        files={"env.json": json.dumps({
                            "HelperFunction": {"FROM_GLOBALS": "from-env-file",
                                               "NOT_DECLARED": "x"},
                            "Parameters": {"OVERRIDDEN": "from-parameters"}})})

    def test_overrides_apply(self):
        out = self.ok("intrinsics-env-prod").json()
        self.assertEqual(out["memory"], "512")
        env = out["env"]
        self.assertEqual((env["STAGE"], env["MODE"], env["ONLY_IN_PROD"], env["OWNER_OR_NOBODY"]),
                         ("prod", "production", "set-in-prod", "ada"))

    def test_logical_id_still_works(self):
        self.assertEqual(self.ok("EnvFunction").json()["function_name"], "intrinsics-env-prod")

    def test_env_vars_file(self):
        helper = self.ok("intrinsics-helper").json()["env"]
        self.assertEqual(helper["FROM_GLOBALS"], "from-env-file")
        self.assertEqual(helper["OVERRIDDEN"], "from-parameters")
        self.assertNotIn("NOT_DECLARED", helper)
        env = self.ok("EnvFunction").json()["env"]
        self.assertEqual(env["FROM_GLOBALS"], "global-value")
        self.assertEqual(env["OVERRIDDEN"], "from-parameters")

    def test_ref_of_another_function(self):
        env = self.ok("EnvFunction").json()["env"]
        self.assertEqual(env["HELPER_NAME"], "intrinsics-helper")
        self.assertEqual(env["HELPER_ARN"],
                         "arn:aws:lambda:us-east-1:000000000000:function:intrinsics-helper")
        self.assertEqual(self.ok("intrinsics-helper").json()["function_name"], "intrinsics-helper")


class ServeSamAppExampleTest(ServeCase):
    """examples/sam-app served as the examples README says: `cd examples/sam-app && serve`."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, os.path.join(EXAMPLES, "sam-app"))

    def test_python_function_with_layer(self):
        r = self.ok("HelloWorldFunction", self.emu.read("events", "event.json"))
        self.assertEqual(r.body, b'{"statusCode": 200, "body": "{\\"message\\": \\"hello world\\", '
                                 b'\\"stage\\": \\"dev\\", \\"service\\": \\"sam-app-dev\\"}"}')

    def test_node_function(self):
        r = self.ok("HelloNodeFunction", self.emu.read("events", "http-api.json"))
        body = json.loads(r.json()["body"])
        self.assertEqual(body, {"message": "hello Ada", "stage": "dev", "path": "/hello-node"})

    def test_function_error(self):
        r = self.emu.invoke("HelloWorldFunction", b"[]")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "AttributeError")

    def test_banner(self):
        self.assertLoaded("template.yaml")
        text = self.emu.stderr()
        python = lines_with(text, "HelloWorldFunction", "app.lambda_handler")
        node = lines_with(text, "HelloNodeFunction", "app.lambdaHandler")
        self.assertTrue(python and node, text)
        self.assertIn("python3.12", python[0])
        self.assertIn("nodejs20.x", node[0])
        self.assertTrue(has_number(node[0], 256), node[0])
        self.assertFalse(lines_with(text, "GreetingLayer", "app."), "a layer listed as a function")

    def test_layer_is_not_a_function(self):
        self.assertEqual(self.emu.invoke("GreetingLayer").status, 404)


class ServeNestedTest(ServeCase):
    """A nested stack's function through the Invoke API: Child/LogicalId, URL-encoded."""

    @classmethod
    def setUpClass(cls):
        cls.emu = serve(cls, os.path.join(SAM_FIXTURES, "nested"))

    def test_child_function_by_its_url_encoded_path(self):
        out = self.ok("ChildStack%2FHelloChildFunction", b'{"via": "http"}').json()
        self.assertEqual((out["stack"], out["greeting"], out["event"]),
                         ("child", "hello from the parent stack", {"via": "http"}))

    def test_parent_function(self):
        self.assertEqual(self.ok("ParentFunction").json()["stack"], "parent")

    def test_banner_lists_both(self):
        text = self.emu.stderr()
        self.assertTrue(lines_with(text, "ParentFunction", "app.handler"), text)
        self.assertTrue(lines_with(text, "ChildStack/HelloChildFunction"), text)


class ServeAliasAndProvisionedTest(ServeCase):
    """AutoPublishAlias: the function answers to the alias as a qualifier; provisioned
    concurrency (configured on that alias) keeps an environment initialised."""

    @classmethod
    def setUpClass(cls):
        emu = SamServer(files={
            "template.yaml": """
                AWSTemplateFormatVersion: '2010-09-09'
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  AliasedFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: python3.12
                      Handler: index.handler
                      AutoPublishAlias: live
                      ProvisionedConcurrencyConfig:
                        ProvisionedConcurrentExecutions: 1
                      InlineCode: |
                        import os

                        def handler(event, context):
                            return {"arn": context.invoked_function_arn,
                                    "init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}
                """})
        cls.emu = emu.start()
        cls.addClassCleanup(emu.__exit__, None, None, None)
        # Lambda allocates provisioned concurrency before the alias takes traffic.
        cls.provisioned = wait_until(lambda: "provisioned-concurrency" in emu.stdout() +
                                     emu.stderr(), 10)

    def test_alias_as_qualifier_and_in_the_name(self):
        for kw in ({"qualifier": "live"}, {}):
            name = "AliasedFunction" if kw else "AliasedFunction:live"
            with self.subTest(name=name, **kw):
                r = self.ok(name, **kw)
                self.assertTrue(r.json()["arn"].endswith(":function:AliasedFunction:live"),
                                r.json())

    def test_unknown_alias_is_404(self):
        self.assertEqual(self.emu.invoke("AliasedFunction", qualifier="beta").status, 404)

    def test_provisioned_environment_serves_the_alias(self):
        self.assertTrue(self.provisioned,
                        "no provisioned environment was initialised:\n" + self.emu.stderr())
        for _ in range(3):
            r = self.ok("AliasedFunction", qualifier="live")
            self.assertEqual(r.json()["init"], "provisioned-concurrency")


class ServeReservedConcurrencyTest(ServeCase):
    @classmethod
    def setUpClass(cls):
        emu = SamServer(files={
            "template.yaml": """
                AWSTemplateFormatVersion: '2010-09-09'
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  ThrottledFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      InlineCode: |
                        def handler(event, context):
                            return "ran"
                      Handler: index.handler
                      Runtime: python3.12
                      ReservedConcurrentExecutions: 0
                  OpenFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      InlineCode: |
                        def handler(event, context):
                            return "ran"
                      Handler: index.handler
                      Runtime: python3.12
                      ReservedConcurrentExecutions: 1
                """})
        cls.emu = emu.start()
        cls.addClassCleanup(emu.__exit__, None, None, None)

    def test_reserved_concurrency_zero_throttles(self):
        r = self.emu.invoke("ThrottledFunction")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.header("x-amzn-ErrorType").split(":")[0], "TooManyRequestsException")

    def test_other_function_runs(self):
        self.assertEqual(self.ok("OpenFunction").body, b'"ran"')


class ServeStartupTest(unittest.TestCase):
    """serve's own start-up: no template, explicit --template, and a bad template."""

    def run_serve(self, cwd, *args):
        port_file = os.path.join(cwd, "port")
        p = subprocess.run([emu_binary(), "serve", "--ephemeral", "--port", "0", "--port-file", port_file,
                            "--log-dir", os.path.join(cwd, "logs"), *args], cwd=cwd,
                           capture_output=True, text=True, timeout=30)
        self.assertFalse(os.path.exists(port_file) and open(port_file).read().strip(),
                         "wrote a port file although it cannot start")
        return p

    def tmpdir(self):
        path = tempfile.mkdtemp(prefix="lambda-emu-sam-serve-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def test_no_template_is_exit_2_listing_the_names_tried(self):
        p = self.run_serve(self.tmpdir())
        self.assertEqual(p.returncode, 2, p.stderr)
        for name in TRIED_NAMES:
            self.assertIn(name, p.stderr)

    def test_bad_allowed_value_is_exit_2(self):
        cwd = self.tmpdir()
        shutil.copytree(os.path.join(SAM_FIXTURES, "intrinsics"), os.path.join(cwd, "p"))
        p = self.run_serve(os.path.join(cwd, "p"), "--parameter-overrides", "Stage=qa")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("Stage", p.stderr)
        self.assertIn("qa", p.stderr)

    def test_explicit_template_from_another_directory(self):
        project = os.path.join(self.tmpdir(), "hello-node")
        shutil.copytree(os.path.join(SAM_FIXTURES, "hello-node"), project)
        for flag in ("--template", "-t"):
            with self.subTest(flag=flag):
                emu = SamServer(args=[flag, os.path.join(project, "template.yaml")])
                with emu:
                    r = emu.invoke("HelloWorldFunction")
                    self.assertEqual(r.status, 200, r)
                    self.assertEqual(r.body, b'{"statusCode":200,"body":"{\\"message\\":'
                                             b'\\"hello world\\"}"}')


if __name__ == "__main__":
    unittest.main()
