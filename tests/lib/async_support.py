"""Shared pieces of the asynchronous-invocation tests (issue 13): a SAM project with Python
functions written into the server's own temp dir, Event invokes, and readers for what the
functions print and what GET /_emu/async shows.

The functions (src/app.py) print one line per run that the tests parse:
    RUN <request id> <time.time()> <event as compact JSON>     worker, at its start
    SINK <event as compact JSON>                               sink (a destination function)
and worker acts on its event: {"sleep": s} sleeps, {"fail": "msg"} raises RuntimeError(msg),
{"append": path} appends "<id of the event> <request id> <start time>\\n" to path (O_APPEND),
{"fail_first": n, "counter": path} fails its first n runs (counted in path), then succeeds.
"""
import json
import os
import re
import textwrap
import time

from emu import EmuServer, start_for_class, wait_until

APP = '''
import json, os, sys, time

def worker(event, context):
    started = time.time()
    print("RUN %s %.6f %s" % (context.aws_request_id, started,
                              json.dumps(event, separators=(",", ":"))), flush=True)
    if isinstance(event, dict):
        if event.get("append"):
            fd = os.open(event["append"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, ("%s %s %.6f\\n" % (event.get("id"), context.aws_request_id,
                                             started)).encode())
            os.close(fd)
        if event.get("fail_first"):
            # fails its first n runs (counted in the file "counter"), then succeeds
            with open(event["counter"], "a+") as f:
                f.write("x\\n")
                f.seek(0)
                count = len(f.read().splitlines())
            if count <= event["fail_first"]:
                raise RuntimeError("run %d fails" % count)
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("fail"):
            raise RuntimeError(event["fail"])
        return {"ok": event.get("n")}
    return {"ok": None}

def sink(event, context):
    print("SINK " + json.dumps(event, separators=(",", ":")), flush=True)
    return None
'''

HEADER = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src/
    Runtime: python3.12
    Timeout: 10
Resources:
"""

SINK = """
Sink:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.sink
"""

ACCOUNT = "000000000000"
REGION = "us-east-1"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def function_arn(name, qualifier="$LATEST"):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" + (f":{qualifier}"
                                                                    if qualifier else "")


def write_project(emu, resources):
    """Points emu at a SAM template: HEADER + `resources` (indented as under Resources:),
    with src/app.py = APP, written in the server's own temp dir."""
    project = os.path.join(emu.tmp, "project")
    os.makedirs(os.path.join(project, "src"), exist_ok=True)
    with open(os.path.join(project, "src", "app.py"), "w") as f:
        f.write(APP)
    emu.config_path = os.path.join(project, "template.yaml")
    with open(emu.config_path, "w") as f:
        f.write(textwrap.dedent(HEADER).lstrip("\n")
                + textwrap.indent(textwrap.dedent(resources).strip("\n"), "  ") + "\n")
    return emu


def sam_server(resources, args=(), start=True, **kwargs):
    """An EmuServer serving the SAM project of write_project; started unless start=False."""
    emu = write_project(EmuServer(config=None, args=list(args), **kwargs), resources)
    return emu.start() if start else emu


def sam_server_for_class(test_class, resources, args=(), **kwargs):
    """sam_server shared by test_class's tests; class cleanup stops it with SIGTERM and fails
    unless it exits 0 and leaves no worker behind (as emu.serve_for_class)."""
    return start_for_class(test_class, sam_server(resources, args, start=False, **kwargs))


def invoke_event(emu, name, payload, headers=None):
    """An Event invoke; returns its request id after asserting the 202."""
    r = emu.invoke(name, payload, headers=dict({"X-Amz-Invocation-Type": "Event"},
                                               **(headers or {})))
    if r.status != 202:
        raise AssertionError(f"Event invoke of {name}: {r}")
    return r.header("x-amzn-RequestId")


def log_text(emu, function):
    try:
        return emu.log_file(function)
    except FileNotFoundError:
        return ""


def starts(emu, function, request_id):
    """How many times the function started request_id (START lines in its log)."""
    return len(re.findall(rf"^START RequestId: {request_id} ", log_text(emu, function), re.M))


def runs(emu, function, request_id=None):
    """[(request id, start time, event)] for each RUN line of worker-like functions."""
    out = []
    for m in re.finditer(r"^RUN (\S+) (\d+\.\d+) (.*)$", log_text(emu, function), re.M):
        if request_id is None or m.group(1) == request_id:
            out.append((m.group(1), float(m.group(2)), json.loads(m.group(3))))
    return out


def sink_records(emu, function="Sink"):
    """Every record a sink printed, as the raw JSON text (key order intact)."""
    return re.findall(r"^SINK (.*)$", log_text(emu, function), re.M)


def ordered(value):
    """JSON text or a Python value -> nested lists of (key, value) pairs: equal only when the
    keys are in the same order, too."""
    text = value if isinstance(value, (str, bytes)) else json.dumps(value)
    return json.loads(text, object_pairs_hook=lambda pairs: [tuple(p) for p in pairs])


def async_view(emu):
    r = emu.request("GET", "/_emu/async")
    assert r.status == 200, r
    return r.json()


def function_view(emu, name):
    for f in async_view(emu)["Functions"]:
        if f["FunctionName"] == name:
            return f
    return None


def idle(emu, name):
    """True when the function has no event queued, running or waiting for a retry."""
    view = function_view(emu, name)
    return view is not None and view["Queued"] == 0


def wait_idle(emu, *names, timeout=30):
    """Waits until the queue is done with every event of the functions, then until their logs
    have caught up (the log is written after the queue learns the outcome)."""
    ok = wait_until(lambda: all(idle(emu, n) for n in names), timeout=timeout, interval=0.05)
    if not ok:
        raise AssertionError(f"{names} still busy after {timeout} s: {async_view(emu)}")
    for name in names:
        settle_log(emu, name)


def settle_log(emu, function, quiet=0.4, timeout=10):
    """Waits until the function's log has a REPORT for every START and has not grown for
    `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        text = log_text(emu, function)
        balanced = (len(re.findall(r"^START RequestId: ", text, re.M))
                    == len(re.findall(r"^REPORT RequestId: ", text, re.M)))
        if text != last:
            last, since = text, time.monotonic()
        elif balanced and time.monotonic() - since >= quiet:
            return text
        time.sleep(0.05)
    raise AssertionError(f"the log of {function} did not settle in {timeout} s")


def records(emu, destination=None):
    path = "/_emu/async/records"
    if destination:
        from urllib.parse import quote
        path += "?destination=" + quote(destination, safe="")
    r = emu.request("GET", path)
    assert r.status == 200, r
    return r


def wait_for(predicate, what, timeout=30):
    value = wait_until(predicate, timeout=timeout, interval=0.05)
    if not value:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")
    return value


def now_ms():
    return int(time.time() * 1000)
