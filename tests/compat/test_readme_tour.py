"""README's five-minute tour, as pasted, with aws CLI v1 and v2.

The aws commands are taken from README.md's first `sh` block after "with the aws CLI" and run
by bash against a server with the examples config; only the port differs. v1 is the `aws` on
PATH; v2 is Debian's /usr/bin/aws (scripts/setup installs the awscli package). Each version
found is tested; a missing one is skipped with a reason.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from emu import EmuServer

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def tour_commands(after_text="with the aws CLI"):
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    after = readme[readme.index(after_text):]
    return re.search(r"```sh\n(.*?)```", after, re.S).group(1)


def cli_version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return None
    m = re.search(r"aws-cli/(\d+)\.", out.stdout + out.stderr)
    return int(m.group(1)) if m else None


def find_cli(major):
    """The path of aws CLI `major`, or None."""
    for binary in [shutil.which("aws"), "/usr/bin/aws", "/usr/local/bin/aws"]:
        if binary and cli_version(binary) == major:
            return binary
    return None


class ReadmeTourTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(REPO, "examples", "lambda-emu.yaml")) as f:
            config = f.read()
        cls.emu = EmuServer()
        # The examples' config names its code relative to itself: keep it next to them.
        cls.emu.config_path = os.path.join(cls.emu.tmp, "lambda-emu.yaml")
        with open(cls.emu.config_path, "w") as f:
            f.write(config.replace("Code: ./", "Code: %s/examples/" % REPO))
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def run_tour(self, major, after_text="with the aws CLI", rename=None):
        binary = find_cli(major)
        if binary is None:
            self.skipTest("aws CLI v%d is not installed (scripts/setup installs v2 as awscli)"
                          % major)
        work = tempfile.mkdtemp(prefix="lambda-emu-tour-")
        self.addCleanup(shutil.rmtree, work, True)
        os.symlink(os.path.join(REPO, "examples"), os.path.join(work, "examples"))
        path_dir = os.path.join(work, "bin")  # `aws` is this version
        os.mkdir(path_dir)
        os.symlink(binary, os.path.join(path_dir, "aws"))
        script = tour_commands(after_text).replace("127.0.0.1:3001", "127.0.0.1:%d" % self.emu.port)
        if rename:
            script = script.replace("made-here", rename).replace("/tmp/hello.zip",
                                                                os.path.join(work, "hello.zip"))
            # In the tour's terminal: the first block's credentials are exported.
            export = tour_commands().splitlines()[0]
            self.assertTrue(export.startswith("export AWS_ACCESS_KEY_ID"), export)
            script = export + "\n" + script + "\ncat out.json\n"
        env = dict(os.environ, PATH=path_dir + os.pathsep + os.environ["PATH"],
                   AWS_CONFIG_FILE=os.path.join(work, "none"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(work, "none"))
        env.pop("PYTHONPATH", None)  # v2 runs on Debian's Python, not ours
        out = subprocess.run(["bash", "-e", "-c", script], cwd=work, env=env,
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return out.stdout

    def check(self, output):
        # 1: the greeting, then out.json's content.
        self.assertIn('"message": "Hello, Ada!"', output)
        # 2: the Tail log decodes to START, the function's own line, END, REPORT.
        self.assertRegex(output, r"START RequestId: \S+ Version: \$LATEST\ngreeting world\n"
                                 r"END RequestId: \S+\nREPORT RequestId: ")
        # 3: a function error: FunctionError in the CLI's output, the error payload in out.json.
        self.assertIn('"FunctionError": "Unhandled"', output)
        payload = json.loads(output[output.rindex("\n{"):])
        self.assertEqual(payload["errorMessage"], "card declined")

    def test_tour_with_aws_cli_v1(self):
        self.check(self.run_tour(1))

    def test_tour_with_aws_cli_v2(self):
        self.check(self.run_tour(2))

    def check_made_through_the_api(self, output, name):
        self.assertIn('"StateReasonCode": "Creating"', output)
        self.assertIn('"FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:%s:1"' % name,
                      output)
        self.assertIn('"ExecutedVersion": "1"', output)
        self.assertIn('"message": "Hello, world!"', output)

    def test_functions_made_through_the_api_with_aws_cli_v1(self):
        # One server for both CLI versions: each creates its own function.
        self.check_made_through_the_api(
            self.run_tour(1, "### Functions made through the API", rename="made-here-v1"),
            "made-here-v1")

    def test_functions_made_through_the_api_with_aws_cli_v2(self):
        self.check_made_through_the_api(
            self.run_tour(2, "### Functions made through the API", rename="made-here-v2"),
            "made-here-v2")


if __name__ == "__main__":
    unittest.main()
