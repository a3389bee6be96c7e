"""Helpers for the runtime tests: write small functions' code to temp folders.

    code = CodeDirs()
    path = code.make("ctx", {"app.py": '''
        def handler(event, context):
            return event
    '''})
    ...
    code.cleanup()

Texts are dedented; a file named `bootstrap` (or any path in `executable`) is
made executable.
"""

import atexit
import base64
import json
import os
import re
import shutil
import tempfile
import textwrap

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_MODULES = os.path.join(REPO, "tests", "node", "node_modules")

# `[LEVEL]\t2024-01-01T00:00:00.000Z\t<request id>\t<message>` (Python) and
# `2024-01-01T00:00:00.000Z\t<request id>\tLEVEL\t<message>` (Node).
ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class CodeDirs:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="lambda-emu-code-")
        # Also when setUpClass fails after this (tearDownClass does not run then).
        atexit.register(self.cleanup)

    def make(self, name, files, executable=()):
        folder = os.path.join(self.root, name)
        for rel, text in files.items():
            path = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(textwrap.dedent(text).lstrip("\n"))
            if rel == "bootstrap" or rel in executable:
                os.chmod(path, 0o755)
        os.makedirs(folder, exist_ok=True)
        return folder

    def cleanup(self):
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            shutil.rmtree(self.root, ignore_errors=True)


def function(code, runtime, handler, timeout=3, memory=128, env=None):
    """A `Functions:` entry."""
    spec = {"Runtime": runtime, "Handler": handler, "Code": code,
            "MemorySize": memory, "Timeout": timeout}
    if env:
        spec["Environment"] = {"Variables": env}
    return spec


def client_context_header(value):
    return base64.b64encode(json.dumps(value).encode()).decode()


def lines_for(stdout, function_name):
    """The function's log lines from the server's stdout, prefix removed."""
    prefix = "[%s] " % function_name
    out = []
    for line in stdout.split("\n"):  # not splitlines(): entries may hold \r
        at = line.find(prefix)
        if at != -1:
            out.append(line[at + len(prefix):])
    return out


def find_line(stdout, function_name, pattern):
    """First log line of `function_name` matching regex `pattern`, or None."""
    regex = re.compile(pattern)
    for line in lines_for(stdout, function_name):
        m = regex.search(line)
        if m:
            return m
    return None


def line_of(source, needle):
    """1-based line number of the first line containing `needle` in dedented source."""
    text = textwrap.dedent(source).lstrip("\n")
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return number
    raise ValueError(needle)


def ric_entry():
    """Path of aws-lambda-ric's executable entry (from its package.json), or None."""
    package = os.path.join(NODE_MODULES, "aws-lambda-ric", "package.json")
    if not os.path.exists(package):
        return None
    with open(package) as f:
        meta = json.load(f)
    bin_field = meta.get("bin")
    rel = bin_field.get("aws-lambda-ric") if isinstance(bin_field, dict) else bin_field
    rel = rel or meta.get("main") or "index.mjs"
    return os.path.normpath(os.path.join(os.path.dirname(package), rel))
