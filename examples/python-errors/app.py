"""Misbehaves on demand, to see how lambda-emu reports each failure.

The event's "action" chooses:
  raise   raise an exception (message from "message")
  timeout sleep "seconds" (default: 10 s more than the time left)
  exit    sys.exit("code", default 3)
  memory  allocate "mb" MB (default 256), touch every page, hold it 0.2 s
  print   print "lines" lines (default 1000)
"""

import mmap
import sys
import time


class PaymentDeclined(Exception):
    pass


def allocate(mb):
    """Takes `mb` MB of memory the kernel must really provide.

    Memory costs CPU: every new page is a fault and a page of zeroes. At 128 MB
    a function has 7 % of a vCPU (CPU is proportional to memory, as in Lambda),
    and filling 128 MB one 1 MB bytes object at a time took 1-3 s of that, so
    the 2 s timeout often came before the out-of-memory kill. MAP_POPULATE has
    the kernel fill each 16 MB mapping in one call, for about half the CPU.
    """
    chunks = []
    while len(chunks) * 16 < mb:
        size = min(16, mb - len(chunks) * 16) << 20
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE
        chunks.append(mmap.mmap(-1, size, flags=flags))
    # Held a moment, as a function using it would; without cgroups lambda-emu
    # notices memory by sampling it every 50 ms.
    time.sleep(0.2)
    total = sum(len(chunk) for chunk in chunks) >> 20
    for chunk in chunks:
        chunk.close()
    return total


def handler(event, context):
    action = event.get("action", "raise")
    if action == "raise":
        raise PaymentDeclined(event.get("message", "card declined"))
    if action == "timeout":
        time.sleep(event.get("seconds", context.get_remaining_time_in_millis() / 1000 + 10))
        return {"slept": True}
    if action == "exit":
        sys.exit(event.get("code", 3))
    if action == "memory":
        return {"allocatedMb": allocate(int(event.get("mb", 256)))}
    if action == "print":
        lines = int(event.get("lines", 1000))
        for i in range(lines):
            print(f"line {i} of {lines}")
        return {"printed": lines}
    raise ValueError(f"unknown action {action!r}")
