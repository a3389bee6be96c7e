"""The state directory at start-up: a directory that cannot be used stops the
server with a message naming the file and what is wrong, and nothing in it is
changed; --ephemeral writes nothing; a function made through the API is served
again after a restart, including its published version.
"""
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest
import zipfile

from emu import EmuServer, emu_binary

ROLE = "arn:aws:iam::000000000000:role/x"


def zip_of(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", source)
    return buffer.getvalue()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class StateDirStartTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lambda-emu-state-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.config = os.path.join(self.tmp, "config.yaml")
        with open(self.config, "w") as f:
            f.write("Functions: {}\n")

    def serve(self, *args, cwd=None):
        return subprocess.run(
            [emu_binary(), "serve", "--config", self.config, "--port", "0",
             "--log-dir", os.path.join(self.tmp, "logs"), *args],
            cwd=cwd or self.tmp, capture_output=True, text=True, timeout=30)

    def test_a_file_that_is_not_a_state_database_stops_the_start_and_is_left_alone(self):
        state = os.path.join(self.tmp, "state")
        os.makedirs(state)
        db = os.path.join(state, "state.db")
        with open(db, "wb") as f:
            f.write(b"this is not sqlite at all" * 100)
        before = digest(db)
        p = self.serve("--state-dir", state)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"{db} is not a lambda-emu state database", p.stderr)
        self.assertIn("--ephemeral", p.stderr)
        self.assertEqual(digest(db), before)

    def test_a_record_that_cannot_be_read_is_named_and_kept(self):
        state = os.path.join(self.tmp, "state")
        # A valid database made by a real server, then one record damaged.
        with EmuServer({}, args=["--state-dir", state]) as emu:
            emu.boto3_client().create_function(FunctionName="hello", Runtime="python3.12", Role=ROLE,
                                        Handler="app.handler",
                                        Code={"ZipFile": zip_of("def handler(e, c): return 1\n")})
        with sqlite3.connect(os.path.join(state, "state.db")) as db:
            (text,) = db.execute("SELECT json FROM documents WHERE kind='function'").fetchone()
            record = json.loads(text)
            del record["Latest"]["Handler"]
            db.execute("UPDATE documents SET json=? WHERE kind='function'", (json.dumps(record),))
        p = self.serve("--state-dir", state)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("state function/hello: unexpected function record", p.stderr)
        with sqlite3.connect(os.path.join(state, "state.db")) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM documents").fetchone()[0], 1)

    def test_a_missing_code_package_is_named(self):
        state = os.path.join(self.tmp, "state")
        with EmuServer({}, args=["--state-dir", state]) as emu:
            emu.boto3_client().create_function(FunctionName="hello", Runtime="python3.12", Role=ROLE,
                                        Handler="app.handler",
                                        Code={"ZipFile": zip_of("def handler(e, c): return 1\n")})
        blobs = os.path.join(state, "blobs")
        for name in os.listdir(blobs):
            os.remove(os.path.join(blobs, name))
        p = self.serve("--state-dir", state)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertRegex(p.stderr, r"code package .*/blobs/[0-9a-f]{64}\.zip is missing")

    def test_ephemeral_writes_no_state_directory(self):
        with EmuServer({}, args=["--ephemeral"], popen_kwargs={"cwd": self.tmp}) as emu:
            emu.boto3_client().create_function(FunctionName="hello", Runtime="python3.12", Role=ROLE,
                                        Handler="app.handler",
                                        Code={"ZipFile": zip_of("def handler(e, c): return 7\n")})
            self.assertEqual(json.load(emu.boto3_client().invoke(FunctionName="hello")["Payload"]), 7)
            self.assertIn("kept in memory only", emu.stderr())
            self.assertEqual(emu.request("GET", "/_emu/functions/hello").json()["Source"], "api")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, ".lambda-emu", "state")))

    def test_the_default_state_directory_is_in_the_working_directory(self):
        p = subprocess.Popen([emu_binary(), "serve", "--config", self.config, "--port", "0",
                              "--port-file", os.path.join(self.tmp, "port")], cwd=self.tmp,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(200):
                if os.path.exists(os.path.join(self.tmp, "port")):
                    break
                if p.poll() is not None:
                    self.fail(p.stderr.read())
                time.sleep(0.05)
            self.assertTrue(os.path.exists(os.path.join(self.tmp, ".lambda-emu", "state",
                                                        "state.db")))
        finally:
            p.terminate()
            p.wait(timeout=15)
            p.stderr.close()


class RestartTest(unittest.TestCase):
    def test_versions_and_aliases_are_served_after_a_restart(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-state-")
        self.addCleanup(shutil.rmtree, tmp, True)
        state = os.path.join(tmp, "state")
        source = "import os\ndef handler(e, c): return [%r, os.environ['AWS_LAMBDA_FUNCTION_VERSION']]\n"
        with EmuServer({}, args=["--state-dir", state]) as emu:
            c = emu.boto3_client()
            c.create_function(FunctionName="f", Runtime="python3.12", Role=ROLE,
                              Handler="app.handler", Code={"ZipFile": zip_of(source % "one")},
                              Publish=True)
            c.get_waiter("function_active_v2").wait(FunctionName="f")
            c.update_function_code(FunctionName="f", ZipFile=zip_of(source % "two"))
            c.create_alias(FunctionName="f", Name="prod", FunctionVersion="1")
            revision = c.get_function(FunctionName="f")["Configuration"]["RevisionId"]
        with EmuServer({}, args=["--state-dir", state]) as emu:
            c = emu.boto3_client()
            self.assertEqual(json.load(c.invoke(FunctionName="f", Qualifier="prod")["Payload"]),
                             ["one", "1"])
            self.assertEqual(json.load(c.invoke(FunctionName="f")["Payload"]), ["two", "$LATEST"])
            self.assertEqual(c.get_function(FunctionName="f")["Configuration"]["RevisionId"],
                             revision)


class ConfigReloadTest(unittest.TestCase):
    """A reload of the config file touches only the file's functions: API-made
    ones stay; a file function with an API function's name wins."""

    def wait_reloaded(self, emu, count):
        deadline = time.monotonic() + 15
        while emu.stderr().count("config reloaded") < count:
            self.assertLess(time.monotonic(), deadline, emu.stderr())
            time.sleep(0.05)

    def write_config(self, emu, functions):
        with open(emu.config_path, "w") as f:
            json.dump({"Functions": functions}, f)

    def test_api_functions_survive_a_reload_and_the_file_wins_a_shared_name(self):
        from emu import probe_function
        with EmuServer({"from-file": probe_function()}) as emu:
            c = emu.boto3_client()
            for name in ("made-here", "both"):
                c.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                  Handler="app.handler",
                                  Code={"ZipFile": zip_of("def handler(e, c): return 'api'\n")})
            self.write_config(emu, {"from-file": probe_function(), "both": probe_function()})
            emu.proc.send_signal(signal.SIGUSR1)
            self.wait_reloaded(emu, 1)
            names = {f["FunctionName"] for f in c.list_functions()["Functions"]}
            self.assertEqual(names, {"from-file", "made-here", "both"})
            self.assertEqual(json.load(c.invoke(FunctionName="made-here")["Payload"]), "api")
            self.assertEqual(emu.request("GET", "/_emu/functions/both").json()["Source"], "file")
            # The file's function is the file's: the API may not change it.
            with self.assertRaises(c.exceptions.InvalidParameterValueException):
                c.delete_function(FunctionName="both")


if __name__ == "__main__":
    unittest.main()
