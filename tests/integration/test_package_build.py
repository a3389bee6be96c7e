"""Building a deployment package never stalls invokes (issue 12 item 4).

Regression: GetFunction (and ListFunctions, GetAccountSettings, the
/_emu/code download) of a file-defined function zipped and hashed its code
folder on the io thread; a large folder stopped every invoke of every
function until the zip was done. Now the package is built on the state
worker thread: other functions keep answering meanwhile.
"""
import os
import tempfile
import threading
import unittest

from emu import EmuServer, probe_function


class PackageBuildTest(unittest.TestCase):
    def test_invokes_are_answered_while_a_large_package_is_zipped(self):
        code = tempfile.mkdtemp(prefix="big-code-")
        with open(os.path.join(code, "index.py"), "w") as f:
            f.write("def handler(event, context):\n    return 1\n")
        # Incompressible bytes: deflate works hard on every one of them.
        for i in range(48):
            with open(os.path.join(code, f"blob{i:02}.bin"), "wb") as f:
                f.write(os.urandom(1 << 20))
        with EmuServer({
            "big": {"Runtime": "python3.12", "Handler": "index.handler", "Code": code},
            "quick": probe_function(),
        }) as emu:
            self.assertEqual(emu.invoke("quick").status, 200)  # warm
            done = threading.Event()
            result = {}

            def get_function():
                result["response"] = emu.request("GET", "/2015-03-31/functions/big/", timeout=120)
                done.set()

            thread = threading.Thread(target=get_function)
            thread.start()
            answered_meanwhile = 0
            while not done.is_set():
                r = emu.invoke("quick", timeout=60)
                self.assertEqual(r.status, 200)
                if not done.is_set():
                    answered_meanwhile += 1
            thread.join()
            r = result["response"]
            self.assertEqual(r.status, 200, r)
            self.assertGreater(r.json()["Configuration"]["CodeSize"], 48 << 20)
            self.assertGreaterEqual(answered_meanwhile, 3,
                                    "invokes waited for the package to be built")

            # The download is built the same way (and cached: same bytes).
            zipped = emu.request("GET", "/_emu/code/big.zip", timeout=120)
            self.assertEqual(zipped.status, 200)
            self.assertEqual(len(zipped.body), r.json()["Configuration"]["CodeSize"])


if __name__ == "__main__":
    unittest.main()
