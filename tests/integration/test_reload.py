"""Drain on change (issue 4, "Pool policy"): `serve --watch` drains only the
function whose code directory changed; a config edit (in place or by an
editor's rename) or SIGUSR1 reloads the config and drains only the functions
whose configuration changed; idle environments stop now, busy ones after
their invocation; the next start is cold.
"""
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

from emu import fixture, pid_alive, report_for, serve_for_class, wait_until

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

PROBE_DIR = fixture("functions", "limits-probe")


def function(code, **overrides):
    config = {"Runtime": "provided", "Handler": "bootstrap", "Code": code, "MemorySize": 128,
              "Timeout": 10}
    config.update(overrides)
    return config


class ReloadTestCase(unittest.TestCase):
    emu = None

    @classmethod
    def make_code_dirs(cls, *names):
        cls.code_root = tempfile.mkdtemp(prefix="lambda-emu-reload-")
        cls.addClassCleanup(shutil.rmtree, cls.code_root, True)
        dirs = {}
        for name in names:
            dirs[name] = os.path.join(cls.code_root, name)
            shutil.copytree(PROBE_DIR, dirs[name])
        return dirs

    def invoke(self, name, event=None):
        return self.emu.invoke(name, json.dumps(event or {}).encode(),
                               headers={"X-Amz-Log-Type": "Tail"})

    def run_invoke(self, name, event=None):
        """Invokes name; returns (pid, cold, body)."""
        r = self.invoke(name, event)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        report = report_for(r.log_tail() or "", r.header("x-amzn-RequestId"))
        self.assertIsNotNone(report, r.log_tail())
        return r.json()["pid"], report["init"] is not None, r.json()

    def warm_pid(self, name):
        """Makes sure name has a warm environment; returns its pid."""
        self.run_invoke(name)
        pid, cold, _ = self.run_invoke(name)
        self.assertFalse(cold)
        return pid

    def assertCold(self, name, old_pid):
        pid, cold, body = self.run_invoke(name)
        self.assertTrue(cold, f"{name}: expected a cold start after the change")
        self.assertNotEqual(pid, old_pid)
        self.assertTrue(wait_until(lambda: not pid_alive(old_pid), 5),
                        f"{name}: the drained runtime {old_pid} lives on")
        return body

    def assertStillWarm(self, name, old_pid):
        pid, cold, _ = self.run_invoke(name)
        self.assertFalse(cold, f"{name} was drained but did not change")
        self.assertEqual(pid, old_pid)

    def count(self, needle):
        return self.emu.stderr().count(needle)

    def wait_for_count(self, needle, n, timeout=10):
        self.assertTrue(wait_until(lambda: self.count(needle) >= n, timeout),
                        f"{needle!r} not logged {n} time(s):\n{self.emu.stderr()[-3000:]}")

    def write_config(self, functions, atomic=False):
        text = json.dumps({"Functions": functions}, indent=2)
        if atomic:  # as editors save: write a new file and rename it over the old one
            tmp = self.emu.config_path + ".new"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, self.emu.config_path)
        else:
            with open(self.emu.config_path, "w") as f:
                f.write(text)

    def env_of(self, name):
        return self.run_invoke(name, {"env": True})


class WatchTest(ReloadTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dirs = cls.make_code_dirs("a", "b", "c")
        cls.functions = {
            "a": function(cls.dirs["a"]),
            "b": function(cls.dirs["b"]),
            "c": function(cls.dirs["c"], Environment={"Variables": {"V": "1"}}),
        }
        cls.emu = serve_for_class(cls, cls.functions, args=["--watch"])

    def drains_of(self, name):
        return self.count(f"function {name}: code changed; draining")

    def touch_and_wait(self, name, path):
        before = self.drains_of(name)
        with open(path, "a") as f:
            f.write("x\n")
        self.wait_for_count(f"function {name}: code changed; draining", before + 1)

    def test_touching_a_code_file_drains_only_that_function(self):
        a, b = self.warm_pid("a"), self.warm_pid("b")
        self.touch_and_wait("a", os.path.join(self.dirs["a"], "touched.txt"))
        self.assertCold("a", a)
        self.assertStillWarm("b", b)

    def test_a_file_in_a_new_subdirectory_drains_too(self):
        sub = os.path.join(self.dirs["b"], "pkg")
        before = self.drains_of("b")
        os.makedirs(sub, exist_ok=True)
        self.wait_for_count("function b: code changed; draining", before + 1)
        b = self.warm_pid("b")
        time.sleep(0.5)  # the change above is fully debounced
        self.touch_and_wait("b", os.path.join(sub, "module.py"))
        self.assertCold("b", b)

    def test_busy_environment_finishes_its_invocation_then_stops(self):
        a = self.warm_pid("a")
        out = []
        t = threading.Thread(target=lambda: out.append(self.invoke("a", {"sleep": 2})))
        t.start()
        wait_until(lambda: self.emu.request("GET", "/_emu/functions/a").json()
                   ["Environments"]["Busy"] == 1, 5)
        self.touch_and_wait("a", os.path.join(self.dirs["a"], "touched-while-busy.txt"))
        t.join(30)
        self.assertEqual(out[0].status, 200, out[0])
        self.assertIsNone(out[0].header("X-Amz-Function-Error"), out[0])
        self.assertEqual(out[0].json()["pid"], a)
        self.assertCold("a", a)

    def test_config_edits_in_place_and_by_rename_are_picked_up(self):
        a, c = self.warm_pid("a"), self.warm_pid("c")
        reloads = self.count("config reloaded")
        for value, atomic in (("2", False), ("3", True), ("4", False)):
            self.functions["c"]["Environment"] = {"Variables": {"V": value}}
            self.write_config(self.functions, atomic=atomic)
            reloads += 1
            self.wait_for_count("config reloaded", reloads)
            pid, cold, body = self.env_of("c")
            how = "renamed over" if atomic else "edited in place"
            self.assertEqual(body["env"].get("V"), value, f"config {how} was not applied")
            self.assertTrue(cold, f"config {how}: the next start must be cold")
            self.assertNotEqual(pid, c)
            c = pid
        self.assertStillWarm("a", a)


class ReloadSignalTest(ReloadTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dirs = cls.make_code_dirs("a", "c")
        cls.functions = {
            "a": function(cls.dirs["a"]),
            "c": function(cls.dirs["c"], Environment={"Variables": {"V": "1"}}),
        }
        cls.emu = serve_for_class(cls, cls.functions)

    def reload(self):
        before = self.count("received SIGUSR1")
        self.emu.proc.send_signal(signal.SIGUSR1)
        self.wait_for_count("received SIGUSR1", before + 1)
        time.sleep(0.2)

    def test_sigusr1_reloads_changed_functions_only(self):
        a, c = self.warm_pid("a"), self.warm_pid("c")
        reloads = self.count("config reloaded")
        self.functions["c"]["Environment"] = {"Variables": {"V": "2"}}
        self.write_config(self.functions)
        self.reload()
        self.wait_for_count("config reloaded", reloads + 1)
        pid, cold, body = self.env_of("c")
        self.assertEqual(body["env"].get("V"), "2")
        self.assertTrue(cold)
        self.assertNotEqual(pid, c)
        self.assertStillWarm("a", a)

    def test_code_changes_without_watch_drain_nothing(self):
        a = self.warm_pid("a")
        with open(os.path.join(self.dirs["a"], "ignored.txt"), "w") as f:
            f.write("x")
        time.sleep(0.6)
        self.assertStillWarm("a", a)

    def test_sigusr1_adds_and_removes_functions(self):
        functions = dict(self.functions, added=function(self.dirs["a"]))
        self.write_config(functions)
        self.reload()
        wait_until(lambda: self.emu.invoke("added").status == 200, 5)
        self.run_invoke("added")
        del functions["added"]
        self.write_config(functions)
        self.reload()
        self.assertTrue(wait_until(lambda: self.emu.invoke("added").status == 404, 5))
        self.assertIsNone(wait_until(lambda: [p for p in self.emu.request(
            "GET", "/_emu/functions").json()["Functions"] if p["FunctionName"] == "added"], 0))

    def test_provisioned_function_gets_new_provisioned_environments_on_change(self):
        functions = dict(self.functions, prov=function(self.dirs["a"], ProvisionedConcurrency=2))
        self.write_config(functions)
        self.reload()
        stats = lambda: self.emu.request("GET", "/_emu/functions/prov").json()  # noqa: E731
        self.assertTrue(wait_until(lambda: stats()["Environments"]["Idle"] == 2, 10), stats())
        old = {self.run_invoke("prov")[0]}
        functions["prov"]["Environment"] = {"Variables": {"V": "new"}}
        self.write_config(functions)
        self.reload()
        self.assertTrue(wait_until(lambda: stats()["ProvisionedInits"] == 4
                                   and stats()["Environments"]["Idle"] == 2, 10), stats())
        pid, cold, body = self.env_of("prov")
        self.assertFalse(cold, "served by a new provisioned environment")
        self.assertEqual(body["env"].get("V"), "new")
        self.assertNotIn(pid, old)
        self.write_config(self.functions)
        self.reload()

    def test_removing_a_busy_function_lets_its_invocation_finish(self):
        # Like any other config change, removal drains: the running invocation
        # completes normally; only then is its environment stopped.
        functions = dict(self.functions, doomed=function(self.dirs["a"]))
        self.write_config(functions)
        self.reload()
        self.assertTrue(wait_until(lambda: self.emu.invoke("doomed").status == 200, 5))
        out = []
        t = threading.Thread(target=lambda: out.append(self.invoke("doomed", {"sleep": 2})))
        t.start()
        wait_until(lambda: self.emu.request("GET", "/_emu/functions/doomed").json()
                   ["Environments"]["Busy"] == 1, 5)
        self.write_config(self.functions)
        self.reload()
        t.join(30)
        self.assertEqual(out[0].status, 200, out[0])
        self.assertIsNone(out[0].header("X-Amz-Function-Error"), out[0])
        self.assertEqual(self.emu.invoke("doomed").status, 404)

    def test_bad_config_on_reload_signal_keeps_the_running_configuration(self):
        a = self.warm_pid("a")
        failures = self.count("config reload failed")
        with open(self.emu.config_path, "w") as f:
            f.write('{"Functions": {"a": {"Runtime": "provided", "MemorySize": 1}}')
        try:
            self.reload()
            self.wait_for_count("config reload failed", failures + 1)
            self.assertStillWarm("a", a)
        finally:
            self.write_config(self.functions)
            self.reload()


if __name__ == "__main__":
    unittest.main()
