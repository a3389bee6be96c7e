"""Issue 15, item 3: SnapStart (docs/snapstart.md).

A published version of a Python function with SnapStart: {ApplyOn:
PublishedVersions} runs its init once, in its snapshot, with its
before-snapshot hooks; each cold start of that version is a restore (a fork
of the snapshot in a sandbox of its own) that runs the after-restore hooks
and reports Restore Duration and Billed Restore Duration instead of Init
Duration. $LATEST is not restored. These tests drive it through boto3 as a
user would (CreateFunction, PublishVersion, Invoke with LogType Tail) and
check the hooks' order and counts, what a restored environment shares with
the snapshot (module state, the `random` module's state, as on Lambda) and
what it does not (PID namespace, os.urandom, connections opened at init; its
/tmp is its own, starting with what the init wrote, as on Lambda), the
failures (init, before-snapshot and after-restore hooks), the fallback when
no snapshot can be made, and the configuration's shapes and errors.
"""

import base64
import io
import json
import math
import os
import re
import signal
import socket
import threading
import unittest
import zipfile

from botocore.exceptions import ClientError

from emu import EmuServer, pid_alive, wait_until
from sandbox_probes import children, cmdline
from test_sam_serve import SamServer

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# Snapshots are made in the sandbox (as root): whatever another test file in
# the same process chose (LAMBDA_EMU_TEST_SANDBOX), these run in it.
SANDBOX = ["--sandbox", "auto"]
SNAP = {"ApplyOn": "PublishedVersions"}

HOOKS = b'''
import os
import random
import socket
import time

from snapshot_restore_py import register_after_restore, register_before_snapshot

ORDER = ["init"]
COUNTS = {"before": 0, "after": 0, "invokes": 0}
INIT_PID = os.getpid()
INIT_PIDNS = os.readlink("/proc/self/ns/pid")
INIT_ROLL = random.random()
with open("/tmp/written-at-init", "w") as f:
    f.write("init")
PEER = os.environ.get("PEER_PORT")
CONNECTION = socket.create_connection(("127.0.0.1", int(PEER))) if PEER else None


@register_before_snapshot
def first_before():
    ORDER.append("before-1")
    COUNTS["before"] += 1


def second_before(tag):
    ORDER.append("before-2:" + tag)
    COUNTS["before"] += 1


register_before_snapshot(second_before, "x")


@register_after_restore
def first_after():
    ORDER.append("after-1")
    COUNTS["after"] += 1


register_after_restore(lambda **kw: ORDER.append("after-2:" + kw["tag"]), tag="y")


def connection_state():
    if CONNECTION is None:
        return None
    try:
        CONNECTION.settimeout(2)
        CONNECTION.sendall(b"ping")
        return "alive" if CONNECTION.recv(4) == b"pong" else "closed"
    except OSError as e:
        return type(e).__name__


def handler(event, context):
    COUNTS["invokes"] += 1
    time.sleep(event.get("sleep", 0))
    tmp = sorted(os.listdir("/tmp"))
    with open("/tmp/seen-by-" + os.readlink("/proc/self/ns/pid")[5:-1], "w") as f:
        f.write(context.aws_request_id)
    env = {k: os.environ.get(k) for k in (
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_FUNCTION_VERSION")}
    return {"order": ORDER, "counts": COUNTS, "pid": os.getpid(), "init_pid": INIT_PID,
            "pidns": os.readlink("/proc/self/ns/pid"), "init_pidns": INIT_PIDNS,
            "init_roll": INIT_ROLL, "roll": random.random(), "urandom": os.urandom(8).hex(),
            "tmp": tmp, "env": env,
            "version": context.function_version, "connection": connection_state(),
            "log_stream": context.log_stream_name}
'''

BROKEN_INIT = b'''
raise ValueError("broken at init")

def handler(event, context):
    return "unreachable"
'''

BROKEN_BEFORE = b'''
from snapshot_restore_py import register_before_snapshot

@register_before_snapshot
def fails():
    raise ValueError("no snapshot for you")

def handler(event, context):
    return "unreachable"
'''

BROKEN_AFTER = b'''
from snapshot_restore_py import register_after_restore

@register_after_restore
def fails():
    raise KeyError("restore went wrong")

def handler(event, context):
    return "unreachable"
'''

BIG_INIT = b'''
import os
BALLAST = bytearray(os.urandom(1 << 20)) * int(os.environ["INIT_MB"])

def handler(event, context):
    return len(BALLAST) >> 20
'''

THREADED = b'''
import threading
import time

threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()

def handler(event, context):
    return threading.active_count()
'''

REPORT = re.compile(r"REPORT RequestId: \S+\tDuration: (?P<duration>[\d.]+) ms\t"
                    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: \d+ MB\t"
                    r"Max Memory Used: \d+ MB(?P<rest>.*)")


def zipped(code):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", code)
    return buffer.getvalue()


def invoke(client, name, payload=None, qualifier=None):
    kwargs = {"FunctionName": name, "Payload": json.dumps(payload or {}).encode(),
              "LogType": "Tail"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    r = client.invoke(**kwargs)
    body = json.loads(r["Payload"].read() or b"null")
    log = base64.b64decode(r.get("LogResult", "")).decode()
    return r, body, log


class EchoPeer:
    """A TCP server that answers each "ping" on a connection with "pong"."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(conn,), daemon=True).start()

    @staticmethod
    def echo(conn):
        with conn:
            while conn.recv(4) == b"ping":
                conn.sendall(b"pong")


class SnapStartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = EchoPeer()
        cls.emu = EmuServer({}, args=["--ephemeral", "--spare-sandboxes", "auto", *SANDBOX]).start()
        cls.client = cls.emu.boto3_client()

    @classmethod
    def tearDownClass(cls):
        cls.peer.listener.close()
        code = cls.emu.stop()
        cls.emu.__exit__(None, None, None)
        assert code == 0, f"lambda-emu exited with {code}"

    def log(self, name):
        try:
            return self.emu.log_file(name)
        except OSError:
            return ""

    def create(self, name, code, runtime="python3.12", publish=True, **kwargs):
        self.client.create_function(FunctionName=name, Runtime=runtime, Role=ROLE,
                                    Handler="index.handler", Code={"ZipFile": zipped(code)},
                                    SnapStart=SNAP, **kwargs)
        if publish:
            return self.client.publish_version(FunctionName=name)
        return None

    def test_hooks_run_in_order_once_per_snapshot_and_once_per_restore(self):
        published = self.create("snap-hooks", HOOKS,
                                Environment={"Variables": {"PEER_PORT": str(self.peer.port)}})
        self.assertEqual(published["Version"], "1")
        self.assertEqual(published["SnapStart"],
                         {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"})
        # Pending while the snapshot's init runs, then Active.
        self.assertEqual((published["State"], published["StateReasonCode"]),
                         ("Pending", "Creating"))
        self.assertTrue(wait_until(lambda: self.client.get_function_configuration(
            FunctionName="snap-hooks", Qualifier="1")["State"] == "Active", 10))
        self.assertEqual(self.client.get_function_configuration(
            FunctionName="snap-hooks")["State"], "Active")
        # Two restored environments at once (the first one is busy).
        results = [None, None]

        def run(i):
            results[i] = invoke(self.client, "snap-hooks", {"sleep": 0.5}, qualifier="1")

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bodies = [body for _, body, _ in results]
        for body in bodies:
            # Before-snapshot hooks ran once, last registered first, in the
            # snapshot; after-restore hooks in each environment, in order.
            self.assertEqual(body["order"],
                             ["init", "before-2:x", "before-1", "after-1", "after-2:y"], body)
            self.assertEqual(body["counts"], {"before": 2, "after": 1, "invokes": 1})
            self.assertNotEqual(body["pidns"], body["init_pidns"])
            self.assertEqual(body["version"], "1")
            self.assertEqual(body["env"], {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
                                           "AWS_LAMBDA_LOG_GROUP_NAME": None,
                                           "AWS_LAMBDA_LOG_STREAM_NAME": None,
                                           "AWS_LAMBDA_FUNCTION_VERSION": "1"})
            self.assertIsNone(body["log_stream"])
            # Each restored environment has a /tmp of its own, which starts
            # with what the init wrote (Lambda's snapshot has its disk).
            self.assertEqual(body["tmp"], ["written-at-init"], body)
            # The connection the init opened is broken after the restore.
            self.assertNotEqual(body["connection"], "alive")
        # Module state from the init is the snapshot's, in both; so is the
        # `random` module's state (Lambda does not reseed it); the kernel's
        # randomness is each environment's own.
        self.assertEqual(bodies[0]["init_roll"], bodies[1]["init_roll"])
        self.assertEqual(bodies[0]["roll"], bodies[1]["roll"])
        self.assertNotEqual(bodies[0]["urandom"], bodies[1]["urandom"])
        self.assertNotEqual(bodies[0]["pidns"], bodies[1]["pidns"])
        for _, _, log in results:
            report = REPORT.search(log)
            self.assertIsNotNone(report, log)
            rest = report["rest"]
            self.assertNotIn("Init Duration", rest)
            restore = re.search(r"\tRestore Duration: ([\d.]+) ms\t"
                                r"Billed Restore Duration: (\d+) ms", rest)
            self.assertIsNotNone(restore, log)
            # Lambda bills the restore's billed part with the invocation. The
            # invocation's own part is its duration rounded up, which the
            # two printed decimals may hide (500.001 ms prints as 500.00).
            duration = float(report["duration"])
            self.assertIn(int(report["billed"]) - int(restore[2]),
                          range(math.ceil(duration - 0.005), math.ceil(duration + 0.005) + 1))
            self.assertIn("RESTORE_REPORT Restore Duration: " + restore[1] + " ms", log)
        # A warm invoke: no hook runs again; /tmp has what this environment
        # wrote, not what the other one did.
        _, body, log = invoke(self.client, "snap-hooks", qualifier="1")
        self.assertEqual(body["counts"]["after"], 1)
        self.assertEqual(len([n for n in body["tmp"] if n.startswith("seen-by-")]), 1, body)
        self.assertEqual(body["counts"]["invokes"], 2)
        self.assertNotIn("Restore Duration", log)

    def test_latest_is_not_restored_and_runs_no_hooks(self):
        self.create("snap-latest", HOOKS, publish=False)
        config = self.client.get_function_configuration(FunctionName="snap-latest")
        self.assertEqual(config["SnapStart"],
                         {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"})
        _, body, log = invoke(self.client, "snap-latest")
        self.assertEqual(body["order"], ["init"])
        self.assertEqual(body["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand")
        self.assertEqual(body["tmp"], ["written-at-init"])
        self.assertIn("\tInit Duration: ", log)
        self.assertNotIn("Restore Duration", log)

    def test_an_init_error_in_the_snapshot_fails_the_invoke_as_on_demand(self):
        self.create("snap-broken-init", BROKEN_INIT)
        r, body, _ = invoke(self.client, "snap-broken-init", qualifier="1")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(body["errorMessage"], "broken at init")
        self.assertTrue(wait_until(
            lambda: "Initialization Type: snap-start" in self.log("snap-broken-init"), 5))
        self.assertIn("Status: error\tError Type: ValueError\tInitialization Type: snap-start",
                      self.log("snap-broken-init"))

    def test_a_failing_before_snapshot_hook_is_an_init_error(self):
        self.create("snap-broken-before", BROKEN_BEFORE)
        r, body, log = invoke(self.client, "snap-broken-before", qualifier="1")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "ValueError")
        self.assertIn("Error Type: Runtime.BeforeSnapshotError", log)

    def test_a_failing_after_restore_hook_fails_the_restore(self):
        self.create("snap-broken-after", BROKEN_AFTER)
        r, body, log = invoke(self.client, "snap-broken-after", qualifier="1")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "KeyError")
        self.assertRegex(log, r"RESTORE_REPORT Restore Duration: [\d.]+ ms\tStatus: error\t"
                              r"Error Type: Runtime.AfterRestoreError")

    def test_the_snapshot_counts_against_memory_size(self):
        # 40 MB of state from the init: a restored environment reports it in
        # Max Memory Used, as the exec'd one would.
        self.create("snap-ballast", BIG_INIT, MemorySize=256,
                    Environment={"Variables": {"INIT_MB": "40"}})
        _, body, log = invoke(self.client, "snap-ballast", qualifier="1")
        self.assertEqual(body, 40)
        self.assertIn("Restore Duration", log)
        used = int(re.search(r"Max Memory Used: (\d+) MB", log)[1])
        self.assertGreaterEqual(used, 40)
        # An init that needs more than MemorySize makes no snapshot; the
        # environment's own init runs out of memory, as on Lambda.
        self.create("snap-too-big", BIG_INIT, MemorySize=128,
                    Environment={"Variables": {"INIT_MB": "200"}})
        r, body, _ = invoke(self.client, "snap-too-big", qualifier="1")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assertEqual(body["errorType"], "Runtime.OutOfMemory", body)
        self.assertIn("more than MemorySize", self.emu.stderr())

    def test_threads_started_at_init_are_reported(self):
        self.create("snap-threads", THREADED)
        r, body, _ = invoke(self.client, "snap-threads", qualifier="1")
        self.assertEqual(body, 1)  # the thread did not come along
        log = self.log("snap-threads")
        self.assertIn("1 thread(s) started during init do not run in restored environments",
                      log)

    def test_runtime_api_restore_paths(self):
        # restore/next is a SnapStart environment's alone.
        code = b'''
import json, os, urllib.request

def handler(event, context):
    api = os.environ["AWS_LAMBDA_RUNTIME_API"]
    try:
        urllib.request.urlopen("http://%s/2018-06-01/runtime/restore/next" % api)
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode(), e.headers["Content-Type"]]
'''
        self.client.create_function(FunctionName="snap-none", Runtime="python3.12", Role=ROLE,
                                    Handler="index.handler", Code={"ZipFile": zipped(code)})
        _, body, _ = invoke(self.client, "snap-none")
        self.assertEqual(body, [404, "404 page not found\n", "text/plain; charset=utf-8"])
        # A second restore/next in a restored environment is refused.
        self.create("snap-twice", code)
        _, body, _ = invoke(self.client, "snap-twice", qualifier="1")
        self.assertEqual(body[0], 403)
        self.assertEqual(json.loads(body[1])["errorType"], "InvalidStateTransition")

    def test_configuration_errors(self):
        with self.assertRaises(ClientError) as caught:
            self.client.create_function(FunctionName="snap-311", Runtime="python3.11", Role=ROLE,
                                        Handler="index.handler",
                                        Code={"ZipFile": zipped(HOOKS)}, SnapStart=SNAP)
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "InvalidParameterValueException")
        self.assertEqual(error["Error"]["Message"],
                         "python3.11 is not supported for SnapStart enabled functions.")
        with self.assertRaises(ClientError) as caught:
            self.client.create_function(FunctionName="snap-bad", Runtime="python3.12", Role=ROLE,
                                        Handler="index.handler",
                                        Code={"ZipFile": zipped(HOOKS)},
                                        SnapStart={"ApplyOn": "Always"})
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], "ValidationException")
        self.assertIn("Value 'Always' at 'snapStart.applyOn' failed to satisfy constraint: "
                      "Member must satisfy enum value set: [PublishedVersions, None]",
                      error["Error"]["Message"])
        # Turned off again: versions published after that are not restored.
        self.create("snap-off", HOOKS, publish=False)
        self.client.update_function_configuration(FunctionName="snap-off",
                                                  SnapStart={"ApplyOn": "None"})
        published = self.client.publish_version(FunctionName="snap-off")
        self.assertEqual(published["SnapStart"], {"ApplyOn": "None", "OptimizationStatus": "Off"})
        _, body, _ = invoke(self.client, "snap-off", qualifier=published["Version"])
        self.assertEqual(body["order"], ["init"])


class SnapStartSamTest(unittest.TestCase):
    """A SAM function with SnapStart (here from Globals) and an
    AutoPublishAlias: the alias names a published version, restored from its
    snapshot, as after `sam deploy`; the unqualified name runs $LATEST."""

    TEMPLATE = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            SnapStart:
              ApplyOn: PublishedVersions
        Resources:
          Hooked:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: index.handler
              Runtime: python3.12
              AutoPublishAlias: live
    """

    def test_auto_publish_alias_is_restored(self):
        files = {"template.yaml": self.TEMPLATE, "src/index.py": HOOKS.decode()}
        with SamServer(files=files, args=["--watch", *SANDBOX]) as emu:
            client = emu.boto3_client()
            r, body, log = invoke(client, "Hooked", qualifier="live")
            self.assertEqual(r["ExecutedVersion"], "1")
            self.assertEqual(body["order"],
                             ["init", "before-2:x", "before-1", "after-1", "after-2:y"])
            self.assertIn("\tRestore Duration: ", log)
            r, body, log = invoke(client, "Hooked")
            self.assertEqual(r["ExecutedVersion"], "$LATEST")
            self.assertEqual(body["order"], ["init"])
            self.assertIn("\tInit Duration: ", log)
            config = client.get_function_configuration(FunctionName="Hooked", Qualifier="live")
            self.assertEqual((config["Version"], config["SnapStart"]),
                             ("1", {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}))
            aliases = client.list_aliases(FunctionName="Hooked")["Aliases"]
            self.assertEqual([(a["Name"], a["FunctionVersion"]) for a in aliases], [("live", "1")])
            # A change (serve --watch) publishes the next version, with a
            # snapshot of its own.
            with open(os.path.join(emu.project, "src", "index.py"), "a") as f:
                f.write("\nORDER.append('changed')\n")
            self.assertTrue(wait_until(
                lambda: invoke(client, "Hooked", qualifier="live")[0]["ExecutedVersion"] == "2",
                15))
            _, body, log = invoke(client, "Hooked", qualifier="live")
            self.assertEqual(body["order"], ["init", "changed", "before-2:x", "before-1",
                                             "after-1", "after-2:y"])
            self.assertEqual(emu.stop(), 0)


def snapshot_pids(server):
    """The server's SnapStart snapshots: children started as one."""
    pids = set()
    for pid in children(server):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if b"LAMBDA_EMU_RUNTIME_TEMPLATE=snapshot" in f.read().split(b"\0"):
                    pids.add(pid)
        except OSError:
            pass
    return pids


def forked_spares(server):
    """The server's spares forked from a template or snapshot (its children:
    it adopts them), not those of servers other tests run alongside."""
    return {p for p in children(server) if cmdline(p)[:3] == ["lambda-emu", "__spare", "forked"]}


class SnapshotLifetimeTest(unittest.TestCase):
    """A snapshot lives as long as its version: deleting the version kills
    it, and it dies with the server, also after kill -9."""

    def publish_and_wait(self, client, name):
        version = client.publish_version(FunctionName=name)["Version"]
        self.assertTrue(wait_until(lambda: client.get_function_configuration(
            FunctionName=name, Qualifier=version)["State"] == "Active", 10))
        return version

    def test_deleting_the_version_or_killing_the_server_kills_the_snapshot(self):
        emu = EmuServer({}, args=["--ephemeral", "--spare-sandboxes", "auto", *SANDBOX]).start()
        self.addCleanup(emu.__exit__, None, None, None)
        client = emu.boto3_client()
        client.create_function(FunctionName="snap-life", Runtime="python3.12", Role=ROLE,
                               Handler="index.handler", Code={"ZipFile": zipped(HOOKS)},
                               SnapStart=SNAP)
        first = self.publish_and_wait(client, "snap-life")
        snapshots = snapshot_pids(emu.proc.pid)
        self.assertEqual(len(snapshots), 1, snapshots)
        self.assertEqual(cmdline(next(iter(snapshots)))[1:], ["/var/runtime/bootstrap.py"])
        client.delete_function(FunctionName="snap-life", Qualifier=first)
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in snapshots), 10))

        self.publish_and_wait(client, "snap-life")
        snapshots = snapshot_pids(emu.proc.pid)
        self.assertEqual(len(snapshots), 1, snapshots)
        spares = forked_spares(emu.proc.pid)
        self.assertTrue(spares)
        os.kill(emu.proc.pid, signal.SIGKILL)
        emu.proc.wait()
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in snapshots | spares), 10),
                        [(p, cmdline(p)) for p in snapshots | spares if pid_alive(p)])


class SnapStartWithoutSnapshotsTest(unittest.TestCase):
    """--no-fork-runtimes: no snapshot can be made; a SnapStart version's
    environments run their own init, then both kinds of hooks, in order."""

    def test_hooks_still_run_in_order(self):
        with EmuServer({}, args=["--ephemeral", "--no-fork-runtimes", *SANDBOX]) as emu:
            client = emu.boto3_client()
            client.create_function(FunctionName="snap-exec", Runtime="python3.13", Role=ROLE,
                                   Handler="index.handler", Code={"ZipFile": zipped(HOOKS)},
                                   SnapStart=SNAP, Publish=True)
            _, body, log = invoke(client, "snap-exec", qualifier="1")
            self.assertEqual(body["order"],
                             ["init", "before-2:x", "before-1", "after-1", "after-2:y"])
            self.assertEqual(body["counts"], {"before": 2, "after": 1, "invokes": 1})
            self.assertEqual(body["pidns"], body["init_pidns"])
            self.assertIn("\tInit Duration: ", log)
            self.assertEqual(emu.stop(), 0)


if __name__ == "__main__":
    unittest.main()
