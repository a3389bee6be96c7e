"""`lambda-emu invoke` on SAM projects (the SAM template issue), as `sam local invoke` runs them:
template discovery from the current directory, -t / -c, the payload alone on stdout, the
function's log and the start-up banner on stderr, exit codes 0 / 1 / 2, events from a file,
stdin or --event-json, parameters and overrides, --env-vars, intrinsic functions, Globals,
nested applications, plain CloudFormation functions, FunctionName, layers.

Every test copies the project it runs (tests/fixtures/sam/*, examples/sam-app) to a private
temporary folder and runs the real binary there, so discovery is what a user gets with
`cd my-sam-app && lambda-emu invoke ...`.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import time
import unittest

from emu import EXAMPLES, emu_binary, fixture, parse_reports

SAM_FIXTURES = fixture("sam")
TRIED_NAMES = (".aws-sam/build/template.yaml", "template.yaml", "template.yml", "lambda-emu.yaml")
DEFAULT_ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
LAYER_ARN = "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3"

# What the sam init hello-world functions return, byte for byte: Python's json.dumps and
# Node's JSON.stringify of {statusCode: 200, body: JSON of {message: "hello world"}}.
HELLO_PYTHON_BYTES = b'{"statusCode": 200, "body": "{\\"message\\": \\"hello world\\"}"}'
HELLO_NODE_BYTES = b'{"statusCode":200,"body":"{\\"message\\":\\"hello world\\"}"}'


class Project:
    """A copy of a SAM project in a private temporary folder."""

    def __init__(self, source=None, files=None):
        self.root = tempfile.mkdtemp(prefix="lambda-emu-sam-")
        self.dir = os.path.join(self.root, "project")
        if source:
            shutil.copytree(source, self.dir, symlinks=True)
        else:
            os.makedirs(self.dir)
        for rel, text in (files or {}).items():
            self.write(rel, text)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def cleanup(self):
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(self.root, ignore_errors=True)


def sam_project(name):
    return Project(os.path.join(SAM_FIXTURES, name))


# As with SAM CLI, a variable the template declares takes the shell's value when the shell
# sets it; the tests' own shell must not, so these are removed from the environment.
DECLARED_VARIABLES = {
    "ACCOUNT", "BASE64", "CHILD_NAME", "COLOR", "DEV_OR_OWNER", "F", "FROM_GLOBALS", "G",
    "GREETING", "HELPER_ARN", "HELPER_ARN_LIST_FORM", "HELPER_IN_SUB", "HELPER_NAME",
    "IMPORTED_VPC", "KIND", "LITERAL_BOOL", "LITERAL_NUMBER", "LOG_LEVEL", "LONG_FORM", "MODE",
    "ONLY_IN_PROD", "OVERRIDDEN", "OWN", "OWNER_OR_NOBODY", "PARTITION", "PEER_ARN",
    "PROD_WITH_OWNER", "REGION", "RETRIES", "ROOT_GLOBAL", "SECOND_ZONE", "SERVICE_NAME",
    "SPLIT_SELECT", "STACK", "STAGE", "SUB_LIST", "SUB_LITERAL", "SUB_STRING", "TABLE_ARN",
    "TABLE_NAME", "URL_SUFFIX", "WHERE", "ZONES"}


def clean_environment(**extra):
    env = {k: v for k, v in os.environ.items() if k not in DECLARED_VARIABLES}
    env.update(extra)
    return env


def invoke(cwd, *args, stdin=None, timeout=60, cpu_limit=False, env=None):
    """Runs `lambda-emu invoke ARGS` in cwd; returns the CompletedProcess (bytes)."""
    cmd = [emu_binary(), "invoke", *args]
    if not cpu_limit:
        cmd.append("--no-cpu-limit")
    return subprocess.run(cmd, cwd=cwd, input=stdin if stdin is not None else b"",
                          capture_output=True, timeout=timeout,
                          env=env if env is not None else clean_environment())


def err(p):
    return p.stderr.decode(errors="replace")


def describe(p):
    return (f"exit {p.returncode}\n--- stdout ---\n{p.stdout.decode(errors='replace')}"
            f"\n--- stderr ---\n{err(p)}")


def lines_with(text, *needles):
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def has_number(line, n):
    """n appears in line as a number of its own ("128", "128 MB", "128MB", not "1280")."""
    return re.search(rf"(?<![\d.]){n}(?![\d.])", line) is not None


class SamInvokeCase(unittest.TestCase):
    """Assertions shared by the test classes below."""

    def assertOk(self, p):
        self.assertEqual(p.returncode, 0, describe(p))

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code, describe(p))

    def assertMentions(self, p, *needles):
        text = err(p) + p.stdout.decode(errors="replace")
        for needle in needles:
            self.assertIn(needle, text, describe(p))

    def assertLoaded(self, p, file_suffix, kind="template"):
        """The banner says which file was loaded and read as what (template or config)."""
        lines = [line for line in err(p).splitlines() if file_suffix in line]
        self.assertTrue(lines, f"no banner line names {file_suffix}:\n{describe(p)}")
        self.assertTrue(any(kind in line.replace(file_suffix, "").lower() for line in lines),
                        f"the line naming {file_suffix} does not say '{kind}': {lines}")

    def assertColdInvokeLog(self, p, memory=None):
        """START, END and REPORT (with Init Duration) for one request, on stderr only."""
        text = err(p)
        # (a "[FunctionName] " prefix, as serve puts on its console, is tolerated)
        starts = re.findall(r"^(?:\[\S+\] )?START RequestId: (\S+) Version: \$LATEST$", text, re.M)
        self.assertEqual(len(starts), 1, describe(p))
        request_id = starts[0]
        self.assertRegex(text, re.compile(rf"^(?:\[\S+\] )?END RequestId: {request_id}$", re.M))
        reports = parse_reports(text)
        self.assertEqual([r["id"] for r in reports], [request_id], describe(p))
        self.assertIsNotNone(reports[0]["init"], "the cold start's REPORT has no Init Duration")
        if memory is not None:
            self.assertEqual(reports[0]["memory"], str(memory))
        self.assertNotIn(b"RequestId:", p.stdout)
        return request_id


# -- sam init projects ------------------------------------------------------------------------

class HelloPythonTest(SamInvokeCase):
    """tests/fixtures/sam/hello-python: `sam init --runtime python3.12` as generated."""

    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("hello-python")
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "HelloWorldFunction", "-e", "events/event.json")

    def test_stdout_is_exactly_the_functions_payload(self):
        self.assertOk(self.result)
        self.assertEqual(self.result.stdout, HELLO_PYTHON_BYTES)

    def test_stderr_has_start_end_and_report_with_init_duration(self):
        self.assertOk(self.result)
        self.assertColdInvokeLog(self.result, memory=128)

    def test_banner_names_template_yaml_read_as_a_template(self):
        self.assertLoaded(self.result, "template.yaml")

    def test_banner_line_for_the_function(self):
        lines = lines_with(err(self.result), "HelloWorldFunction", "app.lambda_handler")
        self.assertTrue(lines, describe(self.result))
        line = lines[0]
        self.assertIn("python3.12", line)
        self.assertTrue(has_number(line, 128), line)  # MemorySize default
        self.assertTrue(has_number(line, 3), line)    # Timeout from Globals
        # the interpreter actually used (its path or version), not only the runtime's name
        self.assertRegex(line.replace("python3.12", ""), r"python|\b3\.\d+", line)

    def test_banner_lists_the_api_event(self):
        text = err(self.result)
        self.assertIn("/hello", text, describe(self.result))
        self.assertRegex(text.replace("HelloWorldFunction", ""), r"HelloWorld|\bApi\b")
        # Api events are served by `serve`'s API Gateway front door, so not "not emulated".
        self.assertEqual(lines_with(text, "/hello", "not emulated"), [], text)

    def test_function_may_be_omitted_when_the_template_has_one(self):
        p = invoke(self.project.dir, "-e", "events/event.json")
        self.assertOk(p)
        self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)

    def test_explicit_template_flag_from_another_directory(self):
        for flag in ("--template", "-t"):
            with self.subTest(flag=flag):
                elsewhere = tempfile.mkdtemp(prefix="lambda-emu-cwd-")
                self.addCleanup(shutil.rmtree, elsewhere, True)
                p = invoke(elsewhere, "HelloWorldFunction",
                           flag, self.project.path("template.yaml"),
                           "-e", self.project.path("events", "event.json"))
                self.assertOk(p)
                self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)

    def test_unknown_function_is_exit_2_naming_it(self):
        p = invoke(self.project.dir, "GoodbyeWorldFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, "GoodbyeWorldFunction")
        self.assertEqual(p.stdout, b"")

    def test_missing_event_file_is_exit_2_naming_it(self):
        p = invoke(self.project.dir, "HelloWorldFunction", "-e", "events/no-such-event.json")
        self.assertExit(p, 2)
        self.assertMentions(p, "no-such-event.json")


class HelloNodeTest(SamInvokeCase):
    """tests/fixtures/sam/hello-node: `sam init --runtime nodejs20.x` as generated."""

    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("hello-node")
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "HelloWorldFunction", "-e", "events/event.json")

    def test_stdout_is_exactly_the_functions_payload(self):
        self.assertOk(self.result)
        self.assertEqual(self.result.stdout, HELLO_NODE_BYTES)

    def test_log_and_banner(self):
        self.assertColdInvokeLog(self.result, memory=128)
        self.assertLoaded(self.result, "template.yaml")
        lines = lines_with(err(self.result), "HelloWorldFunction", "app.lambdaHandler")
        self.assertTrue(lines, describe(self.result))
        self.assertIn("nodejs20.x", lines[0])

    def test_single_function_without_name_and_without_event(self):
        p = invoke(self.project.dir)
        self.assertOk(p)
        self.assertEqual(p.stdout, HELLO_NODE_BYTES)


# -- events --------------------------------------------------------------------------------

class EventSourcesTest(SamInvokeCase):
    """The event: -e FILE, -e - (stdin), --event-json, and {} without any."""

    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("intrinsics")
        cls.addClassCleanup(cls.project.cleanup)

    def event_of(self, *args, stdin=None):
        p = invoke(self.project.dir, "EnvFunction", *args, stdin=stdin)
        self.assertOk(p)
        return json.loads(p.stdout)["event"]

    def test_event_file(self):
        self.assertEqual(self.event_of("-e", "events/event.json"),
                         {"source": "events/event.json", "n": 1})

    def test_event_file_long_flag(self):
        self.assertEqual(self.event_of("--event", "events/event.json"),
                         {"source": "events/event.json", "n": 1})

    def test_event_from_stdin(self):
        self.assertEqual(self.event_of("-e", "-", stdin=b'{"from": "stdin", "list": [1, 2]}'),
                         {"from": "stdin", "list": [1, 2]})

    def test_event_json_flag(self):
        self.assertEqual(self.event_of("--event-json", '{"inline": {"deep": true}}'),
                         {"inline": {"deep": True}})

    def test_no_event_is_an_empty_object_and_stdin_is_not_read(self):
        self.assertEqual(self.event_of(stdin=b'{"should": "be ignored"}'), {})

    def test_non_object_events(self):
        self.assertEqual(self.event_of("--event-json", "[1, 2, 3]"), [1, 2, 3])
        self.assertEqual(self.event_of("--event-json", '"text"'), "text")

    def test_invalid_json_event_is_exit_2(self):
        p = invoke(self.project.dir, "EnvFunction", "--event-json", "{not json")
        self.assertExit(p, 2)
        self.assertEqual(p.stdout, b"")

    def test_generate_event_piped_into_invoke(self):
        """The issue's pipeline: generate-event apigateway aws-proxy | invoke -e -."""
        gen = subprocess.run([emu_binary(), "generate-event", "apigateway", "aws-proxy",
                              "--path", "hello", "--method", "GET"],
                             capture_output=True, timeout=30)
        self.assertEqual(gen.returncode, 0, describe(gen))
        event = json.loads(gen.stdout)
        self.assertEqual(event["httpMethod"], "GET")
        self.assertEqual(event["path"], "/hello")
        self.assertEqual(self.event_of("-e", "-", stdin=gen.stdout), event)


# -- exit codes and configuration errors ----------------------------------------------------

PYTHON_FUNCTION = """
    AWSTemplateFormatVersion: '2010-09-09'
    Transform: AWS::Serverless-2016-10-31
    Resources:
      {name}:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Runtime: python3.12
    {extra}"""


def one_function_template(name="HelloFunction", properties="", extra=""):
    text = textwrap.dedent(PYTHON_FUNCTION).format(name=name, extra=extra)
    if properties:
        text = text.rstrip("\n") + "\n" + textwrap.indent(textwrap.dedent(properties).strip("\n"),
                                                          " " * 6) + "\n"
    return text


class ExitCodesTest(SamInvokeCase):
    def project(self, template, code="def handler(event, context):\n    return event\n",
                files=None):
        project = Project(files=files)
        self.addCleanup(project.cleanup)
        project.write("template.yaml", template)
        project.write("src/app.py", code)
        return project

    def test_function_error_is_exit_1_with_the_error_json_on_stdout(self):
        project = self.project(one_function_template(), code="""
            def handler(event, context):
                print("about to fail")
                raise ValueError("boom: " + event["why"])
            """)
        p = invoke(project.dir, "HelloFunction", "--event-json", '{"why": "testing"}')
        self.assertExit(p, 1)
        body = json.loads(p.stdout)
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(body["errorMessage"], "boom: testing")
        self.assertIn("stackTrace", body)
        self.assertIn("about to fail", err(p))
        self.assertColdInvokeLog(p)

    def test_timeout_is_honoured_and_exit_1(self):
        project = self.project(one_function_template(properties="Timeout: 1"), code="""
            import time

            def handler(event, context):
                time.sleep(10)
                return "too late"
            """)
        started = time.monotonic()
        p = invoke(project.dir, "HelloFunction")
        self.assertLess(time.monotonic() - started, 8, "the 1 s Timeout was not enforced")
        self.assertExit(p, 1)
        body = json.loads(p.stdout)
        self.assertEqual(body["errorType"], "Sandbox.Timedout")
        self.assertTrue(body["errorMessage"].endswith("Task timed out after 1.00 seconds"), body)

    def test_memory_size_is_honoured(self):
        project = self.project(one_function_template(properties="MemorySize: 320"), code="""
            import os

            def handler(event, context):
                return [context.memory_limit_in_mb, os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]]
            """)
        p = invoke(project.dir)
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout), ["320", "320"])
        self.assertColdInvokeLog(p, memory=320)

    def test_no_template_is_exit_2_listing_the_names_tried(self):
        empty = Project()
        self.addCleanup(empty.cleanup)
        p = invoke(empty.dir, "HelloFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, *TRIED_NAMES)
        self.assertEqual(p.stdout, b"")

    def test_missing_template_flag_file_is_exit_2(self):
        empty = Project()
        self.addCleanup(empty.cleanup)
        p = invoke(empty.dir, "-t", "absent-template.yaml")
        self.assertExit(p, 2)
        self.assertMentions(p, "absent-template.yaml")

    def test_several_functions_and_no_name_is_exit_2_listing_them(self):
        project = sam_project("intrinsics")
        self.addCleanup(project.cleanup)
        p = invoke(project.dir)
        self.assertExit(p, 2)
        self.assertMentions(p, "EnvFunction", "HelperFunction")

    def test_package_type_image_is_exit_2(self):
        project = self.project("""
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Resources:
              ImageFunction:
                Type: AWS::Serverless::Function
                Properties:
                  PackageType: Image
                  ImageConfig:
                    Command: ["app.handler"]
                Metadata:
                  Dockerfile: Dockerfile
                  DockerContext: ./src
                  DockerTag: python3.12-v1
            """, files={"src/Dockerfile": "FROM public.ecr.aws/lambda/python:3.12\n"})
        p = invoke(project.dir, "ImageFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, "ImageFunction", "Image")

    def test_layer_arn_not_in_the_template_is_exit_2_naming_it(self):
        project = self.project(one_function_template(properties=f"""
            Layers:
              - {LAYER_ARN}
            """))
        p = invoke(project.dir, "HelloFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, LAYER_ARN)
        self.assertEqual(p.stdout, b"")

    def test_layer_dir_maps_a_layer_arn_to_a_local_folder(self):
        project = self.project(one_function_template(properties=f"""
            Layers:
              - {LAYER_ARN}
            """), code="""
            import shared_utils

            def handler(event, context):
                return shared_utils.VALUE
            """, files={"shared-layer/python/shared_utils.py": "VALUE = 'from the layer'\n"})
        p = invoke(project.dir, "HelloFunction", "--layer-dir",
                   f"{LAYER_ARN}={project.path('shared-layer')}")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"from the layer"')

    def test_misspelt_property_is_a_warning_with_a_suggestion(self):
        project = self.project(one_function_template(properties="Timout: 10"))
        p = invoke(project.dir, "HelloFunction", "--event-json", '{"ok": 1}')
        self.assertOk(p)
        self.assertEqual(p.stdout, b'{"ok": 1}')
        lines = lines_with(err(p), "Timout")
        self.assertTrue(lines, describe(p))
        self.assertTrue(any("HelloFunction" in line for line in lines), lines)
        self.assertTrue(any("did you mean" in line.lower() and "Timeout" in line.replace(
            "Timout", "") for line in lines), lines)

    def test_unknown_runtime_is_exit_2(self):
        project = self.project(one_function_template().replace("python3.12", "cobol9"))
        p = invoke(project.dir, "HelloFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, "HelloFunction", "cobol9")

    def test_missing_code_uri_folder_is_exit_2(self):
        project = self.project(one_function_template().replace("CodeUri: src/",
                                                               "CodeUri: no-such-src/"))
        p = invoke(project.dir, "HelloFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, "HelloFunction", "no-such-src")

    def test_code_uri_may_be_a_zip(self):
        import zipfile
        project = self.project(one_function_template().replace("CodeUri: src/",
                                                               "CodeUri: dist/function.zip"))
        os.makedirs(project.path("dist"))
        with zipfile.ZipFile(project.path("dist", "function.zip"), "w") as z:
            z.writestr("app.py", "def handler(event, context):\n    return 'zipped'\n")
        p = invoke(project.dir, "HelloFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"zipped"')

    def test_inline_code_property(self):
        project = self.project("""
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Resources:
              HelloFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: index.handler
                  InlineCode: |
                    def handler(event, context):
                        return 'inline ' + event['x']
            """)
        p = invoke(project.dir, "HelloFunction", "--event-json", '{"x": "code"}')
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"inline code"')

    def test_code_uri_defaults_to_the_template_folder(self):
        # SAM's "from scratch" Node.js templates: no CodeUri, a Handler with a path.
        project = self.project("""
            AWSTemplateFormatVersion: 2010-09-09
            Transform: AWS::Serverless-2016-10-31
            Resources:
              helloFromLambdaFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: src/handlers/hello-from-lambda.helloFromLambdaHandler
                  Runtime: nodejs20.x
                  MemorySize: 128
                  Timeout: 100
                  Policies:
                    - AWSLambdaBasicExecutionRole
            """, files={"src/handlers/hello-from-lambda.mjs": """
                export const helloFromLambdaHandler = async () => 'Hello from Lambda!';
                """})
        p = invoke(project.dir, "helloFromLambdaFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"Hello from Lambda!"')

    def test_provided_runtime_with_a_bootstrap(self):
        project = self.project("""
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Resources:
              GoFunction:
                Type: AWS::Serverless::Function
                Metadata:
                  BuildMethod: go1.x
                Properties:
                  CodeUri: .aws-sam/build/GoFunction/
                  Handler: bootstrap
                  Runtime: provided.al2023
            """, files={".aws-sam/build/GoFunction/bootstrap": """
                #!/bin/sh
                # A custom runtime in shell: one request at a time from the Runtime API.
                set -eu
                api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
                while true; do
                  headers=$(mktemp)
                  event=$(curl -sS -D "$headers" "$api/next")
                  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | tr -d '\\r' |
                       cut -d' ' -f2)
                  curl -sS -X POST -d "{\\"echo\\": $event}" "$api/$id/response" > /dev/null
                done
                """})
        os.chmod(project.path(".aws-sam", "build", "GoFunction", "bootstrap"), 0o755)
        p = invoke(project.dir, "GoFunction", "-t", "template.yaml", "--event-json", '{"go": 1}')
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout), {"echo": {"go": 1}})

    def test_other_function_properties_are_accepted(self):
        project = self.project(one_function_template(properties="""
            MemorySize: 256
            Timeout: 10
            Architectures: [arm64]
            EphemeralStorage:
              Size: 1024
            ReservedConcurrentExecutions: 2
            AutoPublishAlias: live
            ProvisionedConcurrencyConfig:
              ProvisionedConcurrentExecutions: 1
            Description: every property sam init users reach for
            Tracing: Active
            Policies:
              - AWSLambdaBasicExecutionRole
            """), code="""
            def handler(event, context):
                return context.memory_limit_in_mb
            """)
        p = invoke(project.dir, "HelloFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"256"')


# -- discovery --------------------------------------------------------------------------------

class DiscoveryTest(SamInvokeCase):
    """Which file is read without --template / --config, and how a file is read."""

    def test_built_template_is_preferred_over_the_source_template(self):
        project = sam_project("built")
        self.addCleanup(project.cleanup)
        # Unsandboxed, LAMBDA_TASK_ROOT names the host directory the code came from.
        p = invoke(project.dir, "HelloWorldFunction", "--sandbox", "none")
        self.assertOk(p)
        task_root = json.loads(json.loads(p.stdout)["body"])["task_root"]
        self.assertTrue(task_root.endswith(os.path.join(".aws-sam", "build", "HelloWorldFunction")),
                        task_root)
        self.assertLoaded(p, os.path.join(".aws-sam", "build", "template.yaml"))

    def test_template_flag_picks_the_source_template(self):
        project = sam_project("built")
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "HelloWorldFunction", "-t", "template.yaml", "--sandbox", "none")
        self.assertOk(p)
        task_root = json.loads(json.loads(p.stdout)["body"])["task_root"]
        self.assertTrue(task_root.endswith("hello_world"), task_root)

    def test_template_yml_is_found(self):
        project = sam_project("hello-python")
        self.addCleanup(project.cleanup)
        os.rename(project.path("template.yaml"), project.path("template.yml"))
        p = invoke(project.dir, "HelloWorldFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)
        self.assertLoaded(p, "template.yml")

    def test_template_yaml_is_preferred_over_lambda_emu_yaml(self):
        project = sam_project("hello-python")
        self.addCleanup(project.cleanup)
        project.write("lambda-emu.yaml", """
            Functions:
              HelloWorldFunction:
                Runtime: python3.12
                Handler: app.other
                Code: ./hello_world
            """)
        p = invoke(project.dir, "HelloWorldFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)

    def test_lambda_emu_yaml_config_is_found_and_read_as_a_config(self):
        project = Project(files={
            "lambda-emu.yaml": """
                Functions:
                  from-config:
                    Runtime: python3.12
                    Handler: app.handler
                    Code: ./code
                    Environment: { WHERE: config }
                """,
            "code/app.py": """
                import os

                def handler(event, context):
                    return os.environ["WHERE"]
                """})
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "from-config")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"config"')
        self.assertLoaded(p, "lambda-emu.yaml", kind="config")

    def test_config_flag_with_a_template_reads_it_as_a_template(self):
        project = sam_project("hello-python")
        self.addCleanup(project.cleanup)
        os.rename(project.path("template.yaml"), project.path("stack.yaml"))
        for flag in ("--config", "-c"):
            with self.subTest(flag=flag):
                p = invoke(project.dir, "HelloWorldFunction", flag, "stack.yaml")
                self.assertOk(p)
                self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)
                self.assertLoaded(p, "stack.yaml", kind="template")

    def test_lambda_emu_yaml_holding_a_template_is_read_as_a_template(self):
        project = sam_project("hello-python")
        self.addCleanup(project.cleanup)
        os.rename(project.path("template.yaml"), project.path("lambda-emu.yaml"))
        p = invoke(project.dir, "HelloWorldFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, HELLO_PYTHON_BYTES)
        self.assertLoaded(p, "lambda-emu.yaml", kind="template")

    def test_json_cloudformation_template(self):
        project = Project(files={
            "cdk.out/Stack.template.json": json.dumps({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {"JsonFunction": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"Runtime": "python3.12", "Handler": "app.handler",
                                   "Code": "asset.code",
                                   "Environment": {"Variables": {
                                       "WHERE": {"Fn::Sub": "${AWS::Region}-json"}}}}}}}),
            "cdk.out/asset.code/app.py": """
                import os

                def handler(event, context):
                    return os.environ["WHERE"]
                """})
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "-t", "cdk.out/Stack.template.json")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"us-east-1-json"')
        self.assertLoaded(p, "Stack.template.json", kind="template")

    def test_config_flag_with_a_lambda_emu_config(self):
        project = Project(files={
            "functions.yaml": """
                Functions:
                  cfg:
                    Runtime: python3.12
                    Handler: app.handler
                    Code: ./code
                """,
            "code/app.py": "def handler(event, context):\n    return 'cfg'\n"})
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "cfg", "-c", "functions.yaml")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'"cfg"')
        self.assertLoaded(p, "functions.yaml", kind="config")


# -- parameters, intrinsics, Globals, --env-vars ----------------------------------------------

class IntrinsicsTest(SamInvokeCase):
    """tests/fixtures/sam/intrinsics with its default parameters."""

    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("intrinsics")
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "EnvFunction")

    def setUp(self):
        self.assertOk(self.result)
        self.out = json.loads(self.result.stdout)
        self.env = self.out["env"]

    def assertEnv(self, expected):
        for key, value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(self.env.get(key), value)

    def test_parameters_with_their_defaults(self):
        self.assertEnv({"STAGE": "dev", "RETRIES": "3", "ZONES": "eu-a,eu-b,eu-c",
                        "SECOND_ZONE": "eu-b"})

    def test_find_in_map(self):
        self.assertEnv({"LOG_LEVEL": "DEBUG"})
        self.assertEqual(self.out["memory"], "256")  # MemorySize: !FindInMap
        self.assertColdInvokeLog(self.result, memory=256)

    def test_conditions_and_if(self):
        self.assertEnv({"MODE": "development", "OWNER_OR_NOBODY": "nobody",
                        "PROD_WITH_OWNER": "not-both", "DEV_OR_OWNER": "dev-or-owner"})

    def test_no_value_removes_the_variable(self):
        self.assertNotIn("ONLY_IN_PROD", self.env)

    def test_pseudo_parameters(self):
        self.assertEnv({"REGION": "us-east-1", "ACCOUNT": "000000000000", "PARTITION": "aws",
                        "URL_SUFFIX": "amazonaws.com"})
        self.assertTrue(self.env.get("STACK"), "AWS::StackName resolved to nothing")
        self.assertNotIn("AWS::", self.env["STACK"])

    def test_sub_string_list_and_literal(self):
        self.assertEnv({"SUB_STRING": "dev-us-east-1-000000000000",
                        "SUB_LIST": "https://api.dev.example.com/dev/items",
                        "SUB_LITERAL": "${Literal}-dev"})

    def test_split_select_base64_and_long_forms(self):
        self.assertEnv({"SPLIT_SELECT": "c", "BASE64": base64.b64encode(b"hello").decode(),
                        "LONG_FORM": "dev-eu-a-DEBUG"})

    def test_ref_and_get_att_of_a_function(self):
        self.assertEnv({"HELPER_NAME": "intrinsics-helper",
                        "HELPER_ARN": DEFAULT_ARN + "intrinsics-helper",
                        "HELPER_ARN_LIST_FORM": DEFAULT_ARN + "intrinsics-helper",
                        "HELPER_IN_SUB": f"intrinsics-helper is {DEFAULT_ARN}intrinsics-helper"})

    def test_literal_numbers_and_booleans_become_strings(self):
        self.assertEnv({"LITERAL_NUMBER": "10", "LITERAL_BOOL": "true"})

    def test_no_value_removes_a_property(self):
        p = invoke(self.project.dir, "HelperFunction")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["memory"], "128")
        p = invoke(self.project.dir, "HelperFunction", "--parameter-overrides", "Stage=prod")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["memory"], "1024")

    def test_unresolvable_references(self):
        self.assertEnv({"TABLE_NAME": "ItemsTable", "TABLE_ARN": "", "IMPORTED_VPC": ""})

    def test_unresolvable_references_are_reported_once_naming_resource_and_property(self):
        text = err(self.result)
        for variable, what in (("TABLE_NAME", "ItemsTable"), ("TABLE_ARN", "ItemsTable"),
                               ("IMPORTED_VPC", "shared-vpc-id")):
            with self.subTest(variable=variable):
                lines = lines_with(text, variable)
                self.assertEqual(len(lines), 1, f"{variable} reported {len(lines)} times:\n{text}")
                self.assertIn("EnvFunction", lines[0])
                self.assertIn(what, lines[0])

    def test_globals_merge_with_the_function(self):
        self.assertEnv({"FROM_GLOBALS": "global-value", "OVERRIDDEN": "from-function"})
        # Timeout: 5 comes from Globals.Function (Lambda's default would be 3)
        self.assertGreater(self.out["remaining_ms"], 3000)
        self.assertLessEqual(self.out["remaining_ms"], 5000)

    def test_function_name_property_gives_the_function_its_name(self):
        self.assertEqual(self.out["function_arn"], DEFAULT_ARN + "intrinsics-env-dev")
        self.assertEqual(self.out["function_name"], "intrinsics-env-dev")
        self.assertEqual(self.env["AWS_LAMBDA_FUNCTION_NAME"], "intrinsics-env-dev")

    def test_function_answers_to_its_function_name(self):
        p = invoke(self.project.dir, "intrinsics-env-dev")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["env"]["STAGE"], "dev")
        p = invoke(self.project.dir, "intrinsics-helper")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["function_name"], "intrinsics-helper")

    def test_banner_shows_function_name_and_logical_id(self):
        lines = lines_with(err(self.result), "intrinsics-env-dev", "EnvFunction")
        self.assertTrue(lines, describe(self.result))
        self.assertTrue(has_number(lines[0], 256), lines[0])
        self.assertTrue(has_number(lines[0], 5), lines[0])


class ParameterOverridesTest(SamInvokeCase):
    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("intrinsics")
        cls.addClassCleanup(cls.project.cleanup)

    def env_with(self, *args, function="intrinsics-env-prod"):
        p = invoke(self.project.dir, function, *args)
        self.assertOk(p)
        out = json.loads(p.stdout)
        return out, out["env"]

    PROD = {"STAGE": "prod", "LOG_LEVEL": "WARN", "MODE": "production",
            "ONLY_IN_PROD": "set-in-prod", "OWNER_OR_NOBODY": "ada", "PROD_WITH_OWNER": "both",
            "DEV_OR_OWNER": "dev-or-owner", "SUB_LIST": "https://api.prod.example.com/prod/items"}

    def test_key_equals_value_form(self):
        out, env = self.env_with("--parameter-overrides", "Stage=prod Owner=ada")
        self.assertEqual({k: env.get(k) for k in self.PROD}, self.PROD)
        self.assertEqual(out["memory"], "512")

    def test_parameter_key_parameter_value_form(self):
        out, env = self.env_with(
            "--parameter-overrides",
            "ParameterKey=Stage,ParameterValue=prod ParameterKey=Owner,ParameterValue=ada")
        self.assertEqual({k: env.get(k) for k in self.PROD}, self.PROD)
        self.assertEqual(out["memory"], "512")

    def test_overridden_function_name_is_the_invocable_name(self):
        p = invoke(self.project.dir, "intrinsics-env-dev", "--parameter-overrides", "Stage=prod")
        self.assertExit(p, 2)  # with Stage=prod the function is intrinsics-env-prod

    def test_number_and_comma_delimited_list_overrides(self):
        _, env = self.env_with("--parameter-overrides", "Retries=7 Zones=x,y,z",
                               function="EnvFunction")
        self.assertEqual((env["RETRIES"], env["ZONES"], env["SECOND_ZONE"]), ("7", "x,y,z", "y"))
        self.assertEqual(env["OWNER_OR_NOBODY"], "nobody")  # Owner keeps its default

    def test_override_of_a_parameter_the_template_does_not_declare_is_ignored(self):
        _, env = self.env_with("--parameter-overrides", "Stage=prod NotAParameter=x")
        self.assertEqual(env["STAGE"], "prod")

    def test_value_outside_allowed_values_is_exit_2(self):
        p = invoke(self.project.dir, "EnvFunction", "--parameter-overrides", "Stage=qa")
        self.assertExit(p, 2)
        self.assertMentions(p, "Stage", "qa")
        self.assertEqual(p.stdout, b"")


class EnvVarsFileTest(SamInvokeCase):
    """--env-vars in SAM's format, applied only to variables the template declares."""

    def test_env_vars_file_as_sam_applies_it(self):
        project = sam_project("intrinsics")
        self.addCleanup(project.cleanup)
        project.write("env.json", json.dumps({
            "EnvFunction": {"STAGE": "from-env-file", "RETRIES": 7, "NOT_DECLARED": "x"},
            "Parameters": {"STAGE": "parameters-lose", "LOG_LEVEL": "from-parameters",
                           "FROM_GLOBALS": "globals-overridden", "ALSO_NOT_DECLARED": "y"},
            "HelperFunction": {"MODE": "not-for-env-function"},
        }))
        p = invoke(project.dir, "EnvFunction", "--env-vars", "env.json")
        self.assertOk(p)
        env = json.loads(p.stdout)["env"]
        self.assertEqual(env["STAGE"], "from-env-file")
        self.assertEqual(env["RETRIES"], "7")
        self.assertEqual(env["LOG_LEVEL"], "from-parameters")
        self.assertEqual(env["FROM_GLOBALS"], "globals-overridden")
        self.assertEqual(env["MODE"], "development")
        self.assertEqual(env["REGION"], "us-east-1")
        self.assertNotIn("NOT_DECLARED", env)
        self.assertNotIn("ALSO_NOT_DECLARED", env)

    def test_shell_environment_overrides_declared_variables_only(self):
        project = sam_project("intrinsics")
        self.addCleanup(project.cleanup)
        shell = clean_environment(STAGE="from-shell", MODE="from-shell",
                                  UNDECLARED_SHELL_VARIABLE="leak")
        p = invoke(project.dir, "EnvFunction", env=shell)
        self.assertOk(p)
        env = json.loads(p.stdout)["env"]
        self.assertEqual((env["STAGE"], env["MODE"]), ("from-shell", "from-shell"))
        self.assertNotIn("UNDECLARED_SHELL_VARIABLE", env)
        # --env-vars beats the shell
        project.write("env.json", json.dumps({"EnvFunction": {"STAGE": "from-env-file"}}))
        p = invoke(project.dir, "EnvFunction", "--env-vars", "env.json", env=shell)
        self.assertOk(p)
        env = json.loads(p.stdout)["env"]
        self.assertEqual((env["STAGE"], env["MODE"]), ("from-env-file", "from-shell"))

    def test_env_vars_by_function_name_and_nested_path(self):
        project = sam_project("intrinsics")
        self.addCleanup(project.cleanup)
        project.write("env.json", json.dumps({"intrinsics-env-dev": {"STAGE": "by-name"}}))
        p = invoke(project.dir, "EnvFunction", "--env-vars", "env.json")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["env"]["STAGE"], "by-name")
        nested = sam_project("nested")
        self.addCleanup(nested.cleanup)
        nested.write("env.json", json.dumps({"ChildStack/HelloChildFunction": {"COLOR": "blue"}}))
        p = invoke(nested.dir, "ChildStack/HelloChildFunction", "--env-vars", "env.json")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["color"], "blue")

    def test_env_vars_for_another_function_do_not_apply(self):
        project = sam_project("intrinsics")
        self.addCleanup(project.cleanup)
        project.write("env.json", json.dumps({"EnvFunction": {"FROM_GLOBALS": "env-function"}}))
        p = invoke(project.dir, "HelperFunction", "--env-vars", "env.json")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["env"]["FROM_GLOBALS"], "global-value")

    def test_missing_env_vars_file_is_exit_2(self):
        project = sam_project("hello-python")
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "--env-vars", "no-such-env.json")
        self.assertExit(p, 2)
        self.assertMentions(p, "no-such-env.json")


# -- nested applications ------------------------------------------------------------------------

class NestedApplicationTest(SamInvokeCase):
    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("nested")
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "ChildStack/HelloChildFunction", "--sandbox", "none",
                            "-e", "events/event.json")

    def test_child_function_runs_with_the_parameters_its_parent_passes(self):
        self.assertOk(self.result)
        out = json.loads(self.result.stdout)
        self.assertEqual(out["stack"], "child")
        self.assertEqual(out["greeting"], "hello from the parent stack")
        self.assertEqual(out["stage"], "dev")
        self.assertEqual(out["color"], "green")
        self.assertEqual(out["memory"], "192")
        self.assertIsNone(out["root_global"], "the root template's Globals reached the child")
        self.assertEqual(out["event"], {"from": "events/event.json"})

    def test_child_code_uri_is_relative_to_the_child_template(self):
        self.assertOk(self.result)
        task_root = json.loads(self.result.stdout)["task_root"]
        self.assertTrue(task_root.endswith(os.path.join("child", "src")), task_root)

    def test_banner_lists_the_child_function_by_its_path(self):
        lines = lines_with(err(self.result), "ChildStack/HelloChildFunction")
        self.assertTrue(lines, describe(self.result))

    def test_root_parameter_overrides_reach_the_child_through_its_parameters(self):
        p = invoke(self.project.dir, "ChildStack/HelloChildFunction",
                   "--parameter-overrides", "Stage=prod")
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout)["stage"], "prod")

    def test_parent_function(self):
        p = invoke(self.project.dir, "ParentFunction", "--event-json", '{"p": 1}')
        self.assertOk(p)
        self.assertEqual(json.loads(p.stdout), {"stack": "parent", "stage": "dev",
                                                "root_global": "only in the root stack's functions",
                                                "event": {"p": 1}})

    def test_unknown_child_function_is_exit_2(self):
        p = invoke(self.project.dir, "ChildStack/NoSuchFunction")
        self.assertExit(p, 2)
        self.assertMentions(p, "NoSuchFunction")


# -- plain CloudFormation ----------------------------------------------------------------------

class CloudFormationTest(SamInvokeCase):
    @classmethod
    def setUpClass(cls):
        cls.project = sam_project("cfn")
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "InlineFunction", "--event-json", '{"n": 1}')

    def test_inline_zip_file_code(self):
        self.assertOk(self.result)
        out = json.loads(self.result.stdout)
        self.assertEqual(out["kind"], "inline")
        self.assertEqual(out["log_level"], "INFO")
        self.assertEqual(out["memory"], "256")
        self.assertIn("index.py", out["files"])
        self.assertEqual(out["event"], {"n": 1})
        self.assertIn("inline handler called", err(self.result))

    def test_get_att_arn_of_a_function_without_function_name_uses_its_logical_id(self):
        self.assertOk(self.result)
        self.assertEqual(json.loads(self.result.stdout)["peer_arn"], DEFAULT_ARN + "PathFunction")

    def test_function_answers_to_logical_id_and_function_name(self):
        self.assertOk(self.result)
        p = invoke(self.project.dir, "cfn-inline", "--event-json", '{"n": 1}')
        self.assertOk(p)
        by_id, by_name = json.loads(self.result.stdout), json.loads(p.stdout)
        self.assertEqual(by_id, by_name)
        self.assertEqual(by_name["function_name"], "cfn-inline")

    def test_banner_line_has_function_name_and_logical_id(self):
        self.assertLoaded(self.result, "template.yaml")
        lines = lines_with(err(self.result), "cfn-inline", "InlineFunction")
        self.assertTrue(lines, describe(self.result))
        self.assertIn("index.handler", lines[0])

    def test_inline_node_code(self):
        p = invoke(self.project.dir, "InlineNodeFunction", "--event-json", '{"a": [1]}')
        self.assertOk(p)
        self.assertEqual(p.stdout, b'{"kind":"inline-node","event":{"a":[1]}}')

    def test_local_code_path_and_lambda_layer_version(self):
        p = invoke(self.project.dir, "PathFunction")
        self.assertOk(p)
        out = json.loads(p.stdout)
        self.assertEqual((out["kind"], out["shout"]), ("path", "PATH!"))
        self.assertEqual(out["function_name"], "PathFunction")

    def test_allowed_values_checked_for_plain_cloudformation_too(self):
        p = invoke(self.project.dir, "InlineFunction", "--parameter-overrides", "LogLevel=LOUD")
        self.assertExit(p, 2)
        self.assertMentions(p, "LogLevel", "LOUD")


class IgnoreGlobalsTest(SamInvokeCase):
    """SAM's IgnoreGlobals resource attribute: '*' drops every Globals.Function property, a
    list drops only the properties it names (samtranslator's Globals.get_template_globals)."""

    TEMPLATE = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.12
            Timeout: 10
            Environment:
              Variables:
                FROM_GLOBALS: global
        Resources:
        """
    APP = """
        import os

        def handler(event, context):
            return {"from_globals": os.environ.get("FROM_GLOBALS"),
                    "own": os.environ.get("OWN"),
                    "timeout_over_5s": context.get_remaining_time_in_millis() > 5000}
        """

    def out(self, resources, function):
        project = Project(files={
            "template.yaml": textwrap.dedent(self.TEMPLATE) + textwrap.indent(
                textwrap.dedent(resources).strip("\n"), "  ") + "\n",
            "src/app.py": self.APP})
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, function)
        self.assertOk(p)
        return json.loads(p.stdout)

    def test_without_ignore_globals(self):
        self.assertEqual(self.out("""
            UsesGlobals:
              Type: AWS::Serverless::Function
              Properties:
                CodeUri: src/
                Handler: app.handler
            """, "UsesGlobals"), {"from_globals": "global", "own": None, "timeout_over_5s": True})

    def test_star_ignores_every_global(self):
        self.assertEqual(self.out("""
            IgnoresAll:
              Type: AWS::Serverless::Function
              IgnoreGlobals: '*'
              Properties:
                CodeUri: src/
                Handler: app.handler
                Runtime: python3.12
                Environment:
                  Variables:
                    OWN: own
            """, "IgnoresAll"), {"from_globals": None, "own": "own", "timeout_over_5s": False})

    def test_list_ignores_only_the_named_globals(self):
        # Runtime and Timeout still come from Globals; Environment does not.
        self.assertEqual(self.out("""
            IgnoresEnvironment:
              Type: AWS::Serverless::Function
              IgnoreGlobals:
                - Environment
              Properties:
                CodeUri: src/
                Handler: app.handler
                Environment:
                  Variables:
                    OWN: own
            """, "IgnoresEnvironment"),
            {"from_globals": None, "own": "own", "timeout_over_5s": True})

    def test_one_function_ignoring_globals_leaves_them_to_the_others(self):
        self.assertEqual(self.out("""
            IgnoresAll:
              Type: AWS::Serverless::Function
              IgnoreGlobals: '*'
              Properties:
                CodeUri: src/
                Handler: app.handler
                Runtime: python3.12
            UsesGlobals:
              Type: AWS::Serverless::Function
              Properties:
                CodeUri: src/
                Handler: app.handler
            """, "UsesGlobals"), {"from_globals": "global", "own": None, "timeout_over_5s": True})


# -- layers -------------------------------------------------------------------------------------

class LayersTest(SamInvokeCase):
    """Local layers laid out as /opt (nodejs/node_modules, bin/, lib/), from Globals and the
    function combined."""

    def test_globals_and_function_layers_combine_and_are_laid_out_like_opt(self):
        project = Project(files={
            "template.yaml": """
                AWSTemplateFormatVersion: '2010-09-09'
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Runtime: nodejs20.x
                    Layers:
                      - !Ref ToolsLayer
                Resources:
                  ToolsLayer:
                    Type: AWS::Serverless::LayerVersion
                    Properties:
                      ContentUri: layers/tools/
                  NodeModulesLayer:
                    Type: AWS::Serverless::LayerVersion
                    Properties:
                      ContentUri: layers/node/
                      CompatibleRuntimes: [nodejs20.x]
                  LayeredFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: index.handler
                      Layers:
                        - !Ref NodeModulesLayer
                """,
            "layers/tools/bin/greet-tool": "#!/bin/sh\necho \"tool says $1\"\n",
            "layers/tools/lib/libfake.txt": "a library would be here\n",
            "layers/node/nodejs/node_modules/shared-greeting/index.js":
                "module.exports = (name) => `hi ${name}`;\n",
            "src/index.js": """
                const { execFileSync } = require('child_process');
                const fs = require('fs');
                const greet = require('shared-greeting');

                exports.handler = async () => ({
                  greeting: greet('layer'),
                  tool: execFileSync('greet-tool', ['ok']).toString().trim(),
                  libDirs: (process.env.LD_LIBRARY_PATH || '').split(':')
                    .filter((dir) => dir && fs.existsSync(`${dir}/libfake.txt`)).length,
                });
                """})
        self.addCleanup(project.cleanup)
        os.chmod(project.path("layers", "tools", "bin", "greet-tool"), 0o755)
        p = invoke(project.dir, "LayeredFunction")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'{"greeting":"hi layer","tool":"tool says ok","libDirs":1}')

    def test_python_layer_module_from_the_example(self):
        project = Project(os.path.join(EXAMPLES, "sam-app"))
        self.addCleanup(project.cleanup)
        p = invoke(project.dir, "HelloWorldFunction",
                   "--event-json", '{"queryStringParameters": {"name": "layer"}}')
        self.assertOk(p)
        self.assertEqual(json.loads(json.loads(p.stdout)["body"])["message"], "hello layer")


# -- examples/sam-app ---------------------------------------------------------------------------

class SamAppExampleTest(SamInvokeCase):
    """examples/sam-app: layer, Globals, Stage parameter, Python and Node functions."""

    PYTHON_BYTES = (b'{"statusCode": 200, "body": "{\\"message\\": \\"hello world\\", '
                    b'\\"stage\\": \\"dev\\", \\"service\\": \\"sam-app-dev\\"}"}')

    @classmethod
    def setUpClass(cls):
        cls.project = Project(os.path.join(EXAMPLES, "sam-app"))
        cls.addClassCleanup(cls.project.cleanup)
        cls.result = invoke(cls.project.dir, "HelloWorldFunction", "-e", "events/event.json")

    def test_python_function_with_its_layer(self):
        self.assertOk(self.result)
        self.assertEqual(self.result.stdout, self.PYTHON_BYTES)
        self.assertIn("HelloWorldFunction: hello world (dev)", err(self.result))
        self.assertColdInvokeLog(self.result, memory=128)

    def test_node_function_with_an_http_api_event(self):
        p = invoke(self.project.dir, "HelloNodeFunction", "-e", "events/http-api.json")
        self.assertOk(p)
        self.assertEqual(p.stdout, b'{"statusCode":200,"headers":{"content-type":'
                                   b'"application/json"},"body":"{\\"message\\":\\"hello Ada\\",'
                                   b'\\"stage\\":\\"dev\\",\\"path\\":\\"/hello-node\\"}"}')
        self.assertColdInvokeLog(p, memory=256)

    def test_stage_parameter_override_and_event_json(self):
        p = invoke(self.project.dir, "HelloWorldFunction", "--parameter-overrides", "Stage=prod",
                   "--event-json", '{"queryStringParameters": {"name": "Ada"}}')
        self.assertOk(p)
        body = json.loads(json.loads(p.stdout)["body"])
        self.assertEqual(body, {"message": "hello Ada", "stage": "prod", "service": "sam-app-prod"})

    def test_stage_outside_allowed_values(self):
        p = invoke(self.project.dir, "HelloWorldFunction", "--parameter-overrides", "Stage=qa")
        self.assertExit(p, 2)
        self.assertMentions(p, "Stage", "qa")

    def test_event_of_the_wrong_shape_is_a_function_error(self):
        p = invoke(self.project.dir, "HelloWorldFunction", "--event-json", "[]")
        self.assertExit(p, 1)
        self.assertEqual(json.loads(p.stdout)["errorType"], "AttributeError")

    def test_banner_lists_both_functions_and_their_events(self):
        text = err(self.result)
        self.assertLoaded(self.result, "template.yaml")
        python = lines_with(text, "HelloWorldFunction", "app.lambda_handler")
        node = lines_with(text, "HelloNodeFunction", "app.lambdaHandler")
        self.assertTrue(python and node, describe(self.result))
        self.assertIn("python3.12", python[0])
        self.assertIn("nodejs20.x", node[0])
        self.assertTrue(has_number(node[0], 256), node[0])
        self.assertIn("/hello-node", text)
        self.assertEqual(lines_with(text, "/hello-node", "not emulated"), [], text)

    def test_layer_is_not_a_function(self):
        p = invoke(self.project.dir, "GreetingLayer")
        self.assertExit(p, 2)
        self.assertMentions(p, "GreetingLayer")


if __name__ == "__main__":
    unittest.main()
