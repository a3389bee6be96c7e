"""EphemeralStorage bounds /tmp: one file cannot outgrow it (RLIMIT_FSIZE), and
an environment whose files together outgrow it is stopped."""
import os
import unittest

from emu import EmuServer, fixture

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")


def function(**extra):
    config = {"Runtime": "provided.al2023", "Handler": "x",
              "Code": fixture("functions", "tmp-filler"), "MemorySize": 256, "Timeout": 30}
    config.update(extra)
    return config


class EphemeralStorageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = EmuServer({"filler": function()}, args=["--idle-ttl", "2"]).start()
        # __exit__ stops the server and removes its temp dir (stop() alone left it in /tmp).
        cls.addClassCleanup(cls.emu.__exit__, None, None, None)

    def test_one_file_cannot_grow_past_ephemeral_storage(self):
        r = self.emu.invoke("filler", {"files": 1, "mb": 600})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        self.assertEqual(r.json(), {"written_mb": 512, "error": "File too large"})

    def test_files_that_together_outgrow_it_stop_the_environment(self):
        # Three files of 200 MB each fit one by one, not together (512 MB).
        r = self.emu.invoke("filler", {"files": 3, "mb": 200, "sleep": 6})
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Runtime.ExitError", r)
        self.emu.wait_for_output("more than EphemeralStorage (512 MB)")
        # The next invoke gets a fresh environment with an empty /tmp.
        r = self.emu.invoke("filler", {"files": 1, "mb": 1})
        self.assertEqual(r.json(), {"written_mb": 1, "error": None})


if __name__ == "__main__":
    unittest.main()
