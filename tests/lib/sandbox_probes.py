"""Functions and host-side probes shared by the spare-sandbox and forked-runtime tests."""

import os

# A function that outgrows 128 MB (Runtime.OutOfMemory).
HOG = """
    def handler(event, context):
        hoard = []
        for _ in range(64):
            hoard.append(bytearray(16 << 20))
        return len(hoard)
"""

# One whose init fails (Runtime.ImportModuleError), and one whose init outlasts any
# --init-timeout (Runtime.InitTimeout).
BROKEN = """
    import no_such_module_anywhere

    def handler(event, context):
        return 1
"""

SLOW_INIT = """
    import time
    time.sleep(30)

    def handler(event, context):
        return 1
"""


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def children(pid):
    """pid's children, whichever of its threads made them (spares come from a thread of their own)."""
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return out
