"""Misbehaves on demand, to see how lambda-emu reports each failure.

The event's "action" chooses:
  raise   raise an exception (message from "message")
  timeout sleep "seconds" (default: 10 s more than the time left)
  exit    sys.exit("code", default 3)
  memory  allocate "mb" MB (default 256) and touch every page
  print   print "lines" lines (default 1000)
"""

import sys
import time


class PaymentDeclined(Exception):
    pass


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
        mb = int(event.get("mb", 256))
        chunks = [b"\x01" * (1 << 20) for _ in range(mb)]
        return {"allocatedMb": len(chunks)}
    if action == "print":
        lines = int(event.get("lines", 1000))
        for i in range(lines):
            print(f"line {i} of {lines}")
        return {"printed": lines}
    raise ValueError(f"unknown action {action!r}")
