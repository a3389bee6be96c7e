"""serve --watch and SIGUSR1 on a SAM template: an edited template, a changed InlineCode, a changed
layer and a changed --env-vars file each reach the next invoke, and only the functions they affect
are drained."""
import json
import os
import signal
import textwrap
import unittest

from emu import wait_until
from test_sam_serve import SamServer

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Word:
    Type: String
    Default: one
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return "inline-%s"
  WithLayer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Layers: [!Ref Shared]
      Environment:
        Variables:
          WORD: !Ref Word
          FROM_FILE: template
"""
APP = """
import os
import shared

def handler(event, context):
    return {"word": os.environ["WORD"], "file": os.environ["FROM_FILE"], "layer": shared.VALUE}
"""


def layer(value):
    return "VALUE = %r\n" % value


class TemplateReloadTest(unittest.TestCase):
    def start(self, *args):
        files = {"template.yaml": TEMPLATE % "v1", "src/app.py": APP,
                 "layer/python/shared.py": layer("first"),
                 "env.json": json.dumps({"WithLayer": {"FROM_FILE": "env-1"}})}
        self.emu = SamServer(files=files, args=args)
        self.emu.start()
        self.addCleanup(self.emu.__exit__, None, None, None)

    def write(self, rel, text):
        path = os.path.join(self.emu.project, rel)
        with open(path + ".tmp", "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        os.replace(path + ".tmp", path)

    def result(self, name):
        r = self.emu.invoke(name)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def until(self, name, expected):
        self.assertTrue(wait_until(lambda: self.result(name) == expected, 10),
                        f"{name} never returned {expected!r}; last {self.result(name)!r}\n"
                        + self.emu.stderr()[-2000:])

    def test_sigusr1_applies_an_edited_template_and_parameter(self):
        self.start()
        self.assertEqual(self.result("Inline"), "inline-v1")
        self.assertEqual(self.result("WithLayer")["word"], "one")
        self.write("template.yaml", (TEMPLATE % "v2").replace("Default: one", "Default: two"))
        self.emu.proc.send_signal(signal.SIGUSR1)
        self.until("Inline", "inline-v2")
        self.until("WithLayer", {"word": "two", "file": "template", "layer": "first"})

    def test_watch_sees_the_template_a_layer_and_the_env_vars_file(self):
        self.start("--watch", "--env-vars", "env.json")
        self.assertEqual(self.result("WithLayer"),
                         {"word": "one", "file": "env-1", "layer": "first"})
        self.assertEqual(self.result("Inline"), "inline-v1")

        self.write("layer/python/shared.py", layer("second"))
        self.until("WithLayer", {"word": "one", "file": "env-1", "layer": "second"})

        self.write("env.json", json.dumps({"WithLayer": {"FROM_FILE": "env-2"}}))
        self.until("WithLayer", {"word": "one", "file": "env-2", "layer": "second"})

        self.write("template.yaml", TEMPLATE % "v3")
        self.until("Inline", "inline-v3")


if __name__ == "__main__":
    unittest.main()
