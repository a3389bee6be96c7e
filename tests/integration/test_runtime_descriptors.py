"""A runtime inherits only stdin, stdout and stderr (issue 12 item 3).

Regression: Asio opens sockets without close-on-exec, so every runtime
inherited the server's listening sockets and open connections. A runtime then
kept the Invoke API's port open after the server closed it (a graceful
shutdown could not refuse new connections), and each environment held
descriptors of every other one.
"""
import os
import tempfile
import unittest

from emu import EmuServer

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

BOOTSTRAP = """#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  H=$(mktemp)
  curl -sS -D "$H" -o /dev/null "$API/invocation/next"
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '\\r' | cut -d' ' -f2)
  rm -f "$H"
  # The shell's own descriptors, as the runtime got them (listed into a
  # file: a $(...) around ls would add its pipe).
  ls -l /proc/$$/fd > "$TMPDIR/fds"
  FDS=$(awk '/->/ {print $9 "=" $11}' "$TMPDIR/fds" | tr '\\n' ' ')
  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "\\"$FDS\\""
done
"""


class InheritedDescriptorsTest(unittest.TestCase):
    def test_runtime_gets_only_the_standard_descriptors(self):
        code = tempfile.mkdtemp(prefix="fds-")
        path = os.path.join(code, "bootstrap")
        with open(path, "w") as f:
            f.write(BOOTSTRAP)
        os.chmod(path, 0o755)
        functions = {name: {"Runtime": "provided", "Handler": "bootstrap", "Code": code,
                            "MemorySize": 128, "Timeout": 10} for name in ("one", "two")}
        with EmuServer(functions) as emu:
            # Another environment and a keep-alive client are open while "two" starts.
            self.assertEqual(emu.invoke("one").status, 200)
            r = emu.invoke("two")
            self.assertEqual(r.status, 200, r)
            fds = dict(entry.split("=", 1) for entry in r.json().split())
            self.assertIn("0", fds)
            # No socket (the server's listeners, its connections, other
            # environments' Runtime APIs) and no pipe but the output pipe.
            sockets = {fd: target for fd, target in fds.items() if target.startswith("socket:")}
            self.assertEqual(sockets, {}, fds)
            pipes = {target for target in fds.values() if target.startswith("pipe:")}
            self.assertEqual(len(pipes), 1, fds)


if __name__ == "__main__":
    unittest.main()
