"""The live dashboard (/_emu/ui; the HTTP contract is docs/dashboard-api.md).

Without a browser: the page and every file of src/dashboard/ui (app.js and the ES modules it
imports) are served with their types, as they are on disk (else the binary is stale); an unknown
asset is 404, and /_emu/events starts with `hello` then a full `functions` event, then streams each
invocation, whose log GET /_emu/invocations/{id} keeps.

With Debian's chromium (headless, driven by tests/ui/dashboard_check.mjs through puppeteer-core
from tests/node): the page loads without a console error or warning, an invocation made through the
Invoke API appears in its table within a second, and clicking it shows its log (the REPORT line and
the function's own output). The screenshot is left in build/test-artifacts/dashboard.png (or
$LAMBDA_EMU_ARTIFACTS/dashboard.png) to look at.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import time
import unittest

from emu import REPO, probe_function, serve_for_class

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHECK_SCRIPT = os.path.join(REPO, "tests", "ui", "dashboard_check.mjs")
PUPPETEER = os.path.join(REPO, "tests", "node", "node_modules", "puppeteer-core", "package.json")
ARTIFACTS = os.environ.get("LAMBDA_EMU_ARTIFACTS", os.path.join(REPO, "build", "test-artifacts"))
HAVE_BROWSER = (os.access(CHROMIUM, os.X_OK) and os.path.exists(PUPPETEER)
                and shutil.which("node") is not None)
UI_DIR = os.path.join(REPO, "src", "dashboard", "ui")
ASSET_TYPES = {".html": ("text/html",), ".js": ("text/javascript", "application/javascript"),
               ".css": ("text/css",), ".svg": ("image/svg+xml",)}

FUNCTIONS = {
    "shout": probe_function(),  # the browser test's events make it write a marker line
    "quiet": probe_function(MemorySize=256),
    "spare": probe_function(MemorySize=512),
}


class EventStream:
    """GET /_emu/events, read as Server-Sent Events: next_event() -> (event, data as JSON)."""

    def __init__(self, emu, timeout=10):
        self.conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=timeout)
        self.conn.request("GET", "/_emu/events", headers={"Accept": "text/event-stream"})
        self.response = self.conn.getresponse()

    def next_event(self):
        event, data = None, []
        while True:
            line = self.response.readline()
            if not line:
                raise AssertionError("the event stream ended")
            line = line.decode().rstrip("\r\n")
            if line == "":
                if event is not None or data:
                    return event or "message", json.loads("\n".join(data))
            elif line.startswith(":") or line.startswith("retry:"):
                continue
            elif line.startswith("event:"):
                event = line[len("event:"):].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:"):].lstrip())

    def wait_for(self, predicate, timeout):
        """The first (event, data) for which predicate is true, within timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event, data = self.next_event()
            if predicate(event, data):
                return event, data
        raise AssertionError(f"no matching event within {timeout} s")

    def close(self):
        self.conn.close()


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = serve_for_class(cls, FUNCTIONS)

    # -- the page, without a browser -------------------------------------------------------------
    def test_the_start_banner_gives_the_dashboards_url(self):
        url = f"http://127.0.0.1:{self.emu.port}/_emu/ui"
        self.assertIn(f"  dashboard: {url}\n", self.emu.stderr())

    def test_page_is_served_at_both_paths(self):
        for path in ("/_emu/ui", "/_emu/ui/"):
            r = self.emu.request("GET", path)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.header("content-type").startswith("text/html"), r)
            self.assertIn(b'<script type="module" src="/_emu/ui/app.js">', r.body)
            self.assertIn(b'href="/_emu/ui/app.css"', r.body)
            self.assertIn(b'href="/_emu/ui/favicon.svg"', r.body)

    def test_assets_are_served_with_their_types(self):
        # Every file of src/dashboard/ui (app.js and the ES modules it imports, ...), as on disk.
        names = sorted(os.listdir(UI_DIR))
        self.assertTrue({"index.html", "app.js", "app.css", "favicon.svg"} <= set(names), names)
        for name in names:
            types = ASSET_TYPES.get(os.path.splitext(name)[1])
            self.assertIsNotNone(types, f"{name}: a file of {UI_DIR} of no known type")
            r = self.emu.request("GET", "/_emu/ui/" + name)
            self.assertEqual(r.status, 200, (name, r))
            self.assertTrue(r.header("content-type").startswith(types), (name, r))
            self.assertGreater(len(r.body), 100, name)
            with open(os.path.join(UI_DIR, name), "rb") as f:
                self.assertEqual(r.body, f.read(), f"the binary serves a stale {name}: rebuild")
            # The modules import each other by absolute path (the page is at /_emu/ui and at
            # /_emu/ui/): each one imported is one of these files.
            for imported in re.findall(rb"^import [^;]*? from '([^']+)';", r.body, re.M):
                imported = imported.decode()
                self.assertTrue(imported.startswith("/_emu/ui/"), (name, imported))
                self.assertIn(imported[len("/_emu/ui/"):], names, (name, imported))

    def test_unknown_asset_is_404(self):
        for path in ("/_emu/ui/nope.js", "/_emu/ui/app.js.map", "/_emu/ui/a/app.js"):
            self.assertEqual(self.emu.request("GET", path).status, 404, path)

    def test_events_start_with_hello_then_every_function(self):
        stream = EventStream(self.emu)
        try:
            self.assertEqual(stream.response.status, 200)
            self.assertTrue(stream.response.getheader("Content-Type").startswith("text/event-stream"))
            event, hello = stream.next_event()
            self.assertEqual(event, "hello")
            self.assertTrue(hello["Version"])
            self.assertTrue(hello["Prices"]["AsOf"])
            self.assertLessEqual(hello["StartedAt"], time.time() * 1000)
            event, functions = stream.next_event()
            self.assertEqual(event, "functions")
            self.assertIs(functions["Full"], True)
            views = {f["FunctionName"]: f for f in functions["Functions"]}
            self.assertEqual(set(views), set(FUNCTIONS))
            self.assertEqual(views["quiet"]["MemorySize"], 256)
            for view in views.values():
                self.assertEqual(view["State"], "Active")
                self.assertEqual(view["Runtime"], "provided")
                self.assertIsInstance(view["EnvironmentList"], list)
                self.assertIn("TotalUsd", view["Cost"])
        finally:
            stream.close()

    def test_an_invocation_is_streamed_and_its_log_kept(self):
        stream = EventStream(self.emu)
        try:
            stream.wait_for(lambda e, d: e == "functions", 5)
            r = self.emu.invoke("quiet", {"stderr": "streamed line"})
            self.assertEqual(r.status, 200, r)
            request_id = r.header("x-amzn-RequestId")
            _, batch = stream.wait_for(lambda e, d: e == "invocations" and any(
                v["RequestId"] == request_id for v in d), 3)
            view = next(v for v in batch if v["RequestId"] == request_id)
            self.assertEqual(view["FunctionName"], "quiet")
            self.assertEqual(view["Outcome"], "Success")
            self.assertEqual(view["MemorySizeMb"], 256)
        finally:
            stream.close()
        r = self.emu.request("GET", f"/_emu/invocations/{request_id}")
        self.assertEqual(r.status, 200, r)
        log = r.json()["Log"]
        self.assertIn(f"REPORT RequestId: {request_id}", log)
        self.assertIn("streamed line", log)

    # -- the page, in a browser ------------------------------------------------------------------
    @unittest.skipUnless(HAVE_BROWSER, f"needs {CHROMIUM}, node and puppeteer-core in tests/node "
                                       "(npm install there)")
    def test_invocation_appears_within_a_second_and_shows_its_log(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        screenshot = os.path.join(ARTIFACTS, "dashboard.png")
        # Warm the function first: the measured invocation is then quick, so what is timed is
        # the way from the server to the page.
        self.assertEqual(self.emu.invoke("shout", {"print": 1}).status, 200)
        p = subprocess.run(
            ["node", CHECK_SCRIPT, "--url", self.emu.endpoint, "--invoke-url", self.emu.endpoint,
             "--function", "shout", "--screenshot", screenshot, "--chromium", CHROMIUM,
             "--payload", '{"stderr": "dashboard says {marker}"}',
             "--expect-log", "dashboard says {marker}"],
            capture_output=True, text=True, timeout=120, cwd=REPO)
        lines = p.stdout.strip().splitlines()
        self.assertTrue(lines, f"no result from the check (exit {p.returncode}):\n{p.stderr}")
        result = json.loads(lines[-1])
        report = json.dumps(result, indent=2) + "\n" + p.stderr[-3000:]
        self.assertEqual(result["consoleErrors"], [], report)
        self.assertEqual(result["pageErrors"], [], report)
        self.assertEqual(result["failedRequests"], [], report)
        self.assertEqual(result["httpErrors"], [], report)
        self.assertEqual(result["functionsShown"], len(FUNCTIONS), report)
        self.assertIsNotNone(result["appearMs"], report)
        self.assertLessEqual(result["appearMs"], 1000, report)
        self.assertTrue(result["logShown"], report)
        self.assertEqual(p.returncode, 0, report)
        self.assertTrue(os.path.getsize(screenshot) > 10000, screenshot)


if __name__ == "__main__":
    unittest.main()
