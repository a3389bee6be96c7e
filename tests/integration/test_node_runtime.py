"""The Node.js runtime (runtimes/nodejs/bootstrap.mjs) through the real server:
module kinds, handler styles, context, errors, logging, init errors, payloads;
and AWS's own runtime interface client (aws-lambda-ric) as a provided bootstrap."""

import json
import os
import shlex
import time
import unittest

from emu import EmuServer, wait_until
from runtime_support import (ISO_MS, CodeDirs, client_context_header, find_line, function,
                             lines_for, ric_entry)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

RUNTIME = "nodejs20.x"

CTX_MJS = """
    let count = 0;
    const initPid = process.pid;

    export const handler = async (event, context) => {
      count += 1;
      if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
      return {
        count,
        pid: process.pid,
        initPid,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        awsRequestId: context.awsRequestId,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        identity: context.identity ?? null,
        clientContext: context.clientContext ?? null,
        remaining: context.getRemainingTimeInMillis(),
        callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
        traceId: process.env._X_AMZN_TRACE_ID ?? null,
        cwd: process.cwd(),
        greeting: process.env.GREETING ?? null,
      };
    };
"""

STYLES_JS = """
    // CommonJS, every handler style.
    let timerFired = 0;

    exports.asyncHandler = async (event) => ({ style: 'async', event });

    exports.promiseHandler = (event) =>
      new Promise((resolve) => setTimeout(() => resolve({ style: 'promise', event }), 5));

    exports.callbackHandler = (event, context, callback) => {
      setTimeout(() => callback(null, { style: 'callback', event }), 5);
    };

    // With callbackWaitsForEmptyEventLoop (the default) the response waits for
    // the timer; set to false it goes out at once and the timer runs later.
    exports.waits = (event, context, callback) => {
      if (event.noWait) context.callbackWaitsForEmptyEventLoop = false;
      const before = timerFired;
      setTimeout(() => { timerFired += 1; }, event.timerMs);
      callback(null, { timerFiredBefore: before });
    };
    exports.timerCount = async () => timerFired;

    exports.succeed = (event, context) => { context.succeed({ style: 'succeed' }); };

    // A non-async handler that neither calls back nor returns a promise: null.
    exports.noResult = () => 42;

    exports.nested = { deeper: { handler: async () => 'nested export' } };
    exports.notAFunction = 7;
"""

ERRORS_MJS = """
    class PaymentDeclined extends Error {
      constructor(message) { super(message); this.name = 'PaymentDeclined'; }
    }

    export const handler = async (event) => {
      switch (event.action) {
        case 'throw': throw new TypeError('bad type');
        case 'custom': throw new PaymentDeclined('card declined');
        case 'reject-string': return Promise.reject('plain string');
        case 'circular': { const o = {}; o.self = o; return o; }
        case 'unhandled':
          Promise.reject(new Error('nobody catches this'));
          await new Promise((r) => setTimeout(r, 200));
          return 'not reached';
        case 'uncaught':
          setTimeout(() => { throw new RangeError('thrown from a timer'); }, 5);
          await new Promise((r) => setTimeout(r, 200));
          return 'not reached';
        default: return { pid: process.pid };
      }
    };

    export const callbackError = (event, context, callback) => {
      if (event.kind === 'string') return callback('just a string');
      callback(new Error('callback error'));
    };
"""

LOGS_JS = """
    console.log('init-log');
    exports.handler = async (event) => {
      const tag = event.tag;
      console.log('log-%s', tag);
      console.info('info', tag, { n: 1 });
      console.warn('warn-' + tag);
      console.error('error-' + tag);
      console.debug('debug-' + tag);
      console.log('multi-1-' + tag + '\\nmulti-2-' + tag);
      process.stdout.write('raw-stdout-' + tag + '\\n');
      return 'logged';
    };
"""

ECHO_JS = """
    exports.handler = async (event) => {
      if (event.make !== undefined) return 'y'.repeat(event.make);
      if (event.lengthOf !== undefined) return { length: event.lengthOf.length };
      if (event.undef) return undefined;
      return event;
    };
"""


class NodeRuntimeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        c = cls.code
        cls.ctx_dir = c.make("ctx", {"index.mjs": CTX_MJS})
        styles = c.make("styles", {"app.js": STYLES_JS})
        functions = {
            "ctx": function(cls.ctx_dir, RUNTIME, "index.handler", timeout=3, memory=256,
                            env={"GREETING": "hi"}),
            "counter": function(c.make("counter", {"index.mjs": CTX_MJS}), RUNTIME,
                                "index.handler"),
            "async": function(styles, RUNTIME, "app.asyncHandler"),
            "promise": function(styles, RUNTIME, "app.promiseHandler"),
            "callback": function(styles, RUNTIME, "app.callbackHandler"),
            "waits": function(styles, RUNTIME, "app.waits"),
            "waits-timer": function(styles, RUNTIME, "app.timerCount"),
            "succeed": function(styles, RUNTIME, "app.succeed"),
            "no-result": function(styles, RUNTIME, "app.noResult"),
            "nested-export": function(styles, RUNTIME, "app.nested.deeper.handler"),
            "cjs-ext": function(c.make("cjs-ext", {"lib.cjs": """
                module.exports.handler = async () => 'from .cjs';
            """}), RUNTIME, "lib.handler"),
            "type-module": function(c.make("type-module", {
                "package.json": '{"type": "module"}\n',
                "index.js": "export const handler = async () => 'ESM from .js';\n",
            }), "nodejs22.x", "index.handler"),
            "subfolder": function(c.make("subfolder", {
                "src/handlers/api.mjs": """
                    import { helper } from '../util.mjs';
                    export const handler = async () => helper();
                """,
                "src/util.mjs": "export const helper = () => 'from a subfolder';\n",
            }), RUNTIME, "src/handlers/api.handler"),
            "errors": function(c.make("errors", {"index.mjs": ERRORS_MJS}), RUNTIME,
                               "index.handler"),
            "callback-error": function(c.make("callback-error", {"index.mjs": ERRORS_MJS}),
                                       RUNTIME, "index.callbackError"),
            "logs": function(c.make("logs", {"index.js": LOGS_JS}), RUNTIME, "index.handler"),
            "logs-warn": function(c.make("logs-warn", {"index.js": LOGS_JS}), RUNTIME,
                                  "index.handler", env={"AWS_LAMBDA_LOG_LEVEL": "WARN"}),
            "logs-json": function(c.make("logs-json", {"index.js": LOGS_JS}), RUNTIME,
                                  "index.handler", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}),
            "echo": function(c.make("echo", {"index.js": ECHO_JS}), RUNTIME, "index.handler",
                             timeout=20, memory=512),
            "no-module": function(c.make("no-module", {"other.js": ""}), RUNTIME,
                                  "missing.handler"),
            "no-handler": function(styles, RUNTIME, "app.nope"),
            "not-function": function(styles, RUNTIME, "app.notAFunction"),
            "bad-name": function(styles, RUNTIME, "app"),
            "syntax": function(c.make("syntax", {"index.js": "exports.handler = async ( => 1;\n"}),
                               RUNTIME, "index.handler"),
            "init-throw": function(c.make("init-throw", {"index.mjs": """
                throw new Error('init failed');
                export const handler = async () => 1;
            """}), RUNTIME, "index.handler"),
            "layered": dict(function(c.make("layered", {"index.js": """
                const shared = require('shared-lib');
                exports.handler = async () => shared.value;
            """}), RUNTIME, "index.handler"), Layers=[c.make("layer", {
                "nodejs/node_modules/shared-lib/index.js": "exports.value = 'from a layer';\n"})]),
            "missing-require": function(c.make("missing-require", {"index.js": """
                const x = require('not-a-real-package-xyz');
                exports.handler = async () => x;
            """}), RUNTIME, "index.handler"),
        }
        cls.emu = EmuServer(functions).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            import shutil
            shutil.rmtree(cls.emu.tmp, ignore_errors=True)
        cls.code.cleanup()

    def invoke(self, name, payload=b"{}", **kwargs):
        return self.emu.invoke(name, payload, **kwargs)

    def ok(self, name, payload=b"{}", **kwargs):
        r = self.invoke(name, payload, **kwargs)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"), r)
        return r

    def assertUnhandled(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        return r.json()

    # -- context ------------------------------------------------------------
    def test_context_fields_match_the_function(self):
        r = self.ok("ctx")
        body = r.json()
        self.assertEqual(body["functionName"], "ctx")
        self.assertEqual(body["functionVersion"], "$LATEST")
        self.assertEqual(body["invokedFunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:ctx")
        self.assertEqual(body["memoryLimitInMB"], "256")  # a string, as on AWS
        self.assertEqual(body["awsRequestId"], r.header("x-amzn-RequestId"))
        self.assertEqual(body["logGroupName"], "/aws/lambda/ctx")
        self.assertTrue(body["logStreamName"])
        self.assertIsNone(body["identity"])
        self.assertIsNone(body["clientContext"])
        self.assertIs(body["callbackWaitsForEmptyEventLoop"], True)
        self.assertTrue(body["traceId"])
        self.assertEqual(body["greeting"], "hi")
        self.assertEqual(os.path.realpath(body["cwd"]), os.path.realpath(self.ctx_dir))

    def test_remaining_time_counts_down_from_the_timeout(self):
        body = self.ok("ctx").json()
        self.assertGreater(body["remaining"], 2000)
        self.assertLessEqual(body["remaining"], 3000)
        body = self.ok("ctx", {"sleepMs": 1000}).json()
        self.assertLess(body["remaining"], 2100)
        self.assertGreater(body["remaining"], 1000)

    def test_client_context(self):
        cc = {"custom": {"user": "u1"}, "env": {"locale": "en"}, "client": {"app_title": "demo"}}
        body = self.ok("ctx", headers={"X-Amz-Client-Context": client_context_header(cc)}).json()
        self.assertEqual(body["clientContext"], cc)

    def test_warm_invokes_reuse_module_globals(self):
        first = self.ok("counter").json()
        second = self.ok("counter").json()
        third = self.ok("counter").json()
        self.assertEqual([second["count"] - first["count"], third["count"] - second["count"]],
                         [1, 1])
        self.assertEqual(first["pid"], third["pid"])

    # -- module kinds and handler styles ---------------------------------
    def test_handler_styles(self):
        for name, style in [("async", "async"), ("promise", "promise"), ("callback", "callback")]:
            with self.subTest(name):
                self.assertEqual(self.ok(name, {"n": 1}).json(), {"style": style, "event": {"n": 1}})
        self.assertEqual(self.ok("succeed").json(), {"style": "succeed"})
        self.assertEqual(self.ok("no-result").body, b"null")
        self.assertEqual(self.ok("nested-export").json(), "nested export")

    def test_module_kinds(self):
        self.assertEqual(self.ok("cjs-ext").json(), "from .cjs")
        self.assertEqual(self.ok("type-module").json(), "ESM from .js")
        self.assertEqual(self.ok("subfolder").json(), "from a subfolder")

    def test_callback_waits_for_empty_event_loop(self):
        start = time.monotonic()
        self.ok("waits", {"timerMs": 600})
        self.assertGreaterEqual(time.monotonic() - start, 0.55)

    def test_callback_without_waiting_for_the_event_loop(self):
        self.ok("waits", {"timerMs": 1})  # warm the environment up
        start = time.monotonic()
        body = self.ok("waits", {"timerMs": 1500, "noWait": True}).json()
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertIn("timerFiredBefore", body)

    def test_layer_packages_are_found(self):
        self.assertEqual(self.ok("layered").json(), "from a layer")

    # -- payloads -----------------------------------------------------------
    def test_unicode_round_trip(self):
        event = {"text": "héllo wörld ✓ 日本語 🎉", "rtl": "مرحبا", "emoji": "👩‍💻"}
        r = self.ok("echo", json.dumps(event, ensure_ascii=False).encode())
        self.assertEqual(r.json(), event)

    def test_binary_looking_strings_round_trip(self):
        event = {"nul": "a\u0000b", "ctl": "\u0001\u001f\u007f", "latin": "\u00ff\u00fe",
                 "escaped": "\\x00\\xff", "b64": "AAEC/w==", "surrogate_pair": "\U0001F600",
                 "quotes": "\"'`", "slashes": "\\/\\\\"}
        self.assertEqual(self.ok("echo", json.dumps(event).encode()).json(), event)

    def test_five_megabyte_event(self):
        data = "x" * (5 * 1024 * 1024)
        r = self.ok("echo", json.dumps({"lengthOf": data}).encode())
        self.assertEqual(r.json(), {"length": len(data)})

    def test_five_megabyte_response(self):
        size = 5 * 1024 * 1024
        r = self.ok("echo", {"make": size})
        self.assertEqual(len(r.body), size + 2)
        self.assertEqual(r.json(), "y" * size)

    def test_undefined_is_null(self):
        self.assertEqual(self.ok("echo", {"undef": True}).body, b"null")

    # -- errors -------------------------------------------------------------
    def test_thrown_error_payload(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "throw"}))
        self.assertEqual(list(body), ["errorType", "errorMessage", "trace"])
        self.assertEqual(body["errorType"], "TypeError")
        self.assertEqual(body["errorMessage"], "bad type")
        self.assertEqual(body["trace"][0], "TypeError: bad type")
        self.assertIn("index.mjs", body["trace"][1])

    def test_custom_error_name(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "custom"}))
        self.assertEqual(body["errorType"], "PaymentDeclined")
        self.assertEqual(body["errorMessage"], "card declined")

    def test_rejected_with_a_string(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "reject-string"}))
        self.assertEqual(body, {"errorType": "string", "errorMessage": "plain string", "trace": []})

    def test_callback_errors(self):
        body = self.assertUnhandled(self.invoke("callback-error"))
        self.assertEqual(body["errorType"], "Error")
        self.assertEqual(body["errorMessage"], "callback error")
        body = self.assertUnhandled(self.invoke("callback-error", {"kind": "string"}))
        self.assertEqual(body, {"errorType": "string", "errorMessage": "just a string", "trace": []})

    def test_unserialisable_result(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "circular"}))
        self.assertEqual(body["errorType"], "Error")
        self.assertEqual(body["errorMessage"], "Unable to stringify response body")

    def assertExits(self, pid):
        # The runtime exits after reporting the error; wait until the server
        # has reaped it (so the next invoke cannot race with the exit).
        gone = wait_until(lambda: not os.path.exists("/proc/%d" % pid), timeout=10)
        self.assertTrue(gone, "runtime process %d did not exit" % pid)
        time.sleep(0.2)

    def test_unhandled_rejection_fails_the_invoke_and_ends_the_environment(self):
        before = self.ok("errors").json()["pid"]
        body = self.assertUnhandled(self.invoke("errors", {"action": "unhandled"}))
        self.assertEqual(body["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(body["errorMessage"], "Error: nobody catches this")
        self.assertEqual(body["trace"][0],
                         "Runtime.UnhandledPromiseRejection: Error: nobody catches this")
        self.assertExits(before)
        after = self.ok("errors").json()["pid"]
        self.assertNotEqual(before, after, "the environment should have been replaced")

    def test_uncaught_exception_fails_the_invoke_and_ends_the_environment(self):
        before = self.ok("errors").json()["pid"]
        body = self.assertUnhandled(self.invoke("errors", {"action": "uncaught"}))
        self.assertEqual(body["errorType"], "RangeError")
        self.assertEqual(body["errorMessage"], "thrown from a timer")
        self.assertExits(before)
        after = self.ok("errors").json()["pid"]
        self.assertNotEqual(before, after, "the environment should have been replaced")

    def test_invoke_error_is_logged_like_aws(self):
        r = self.invoke("errors", {"action": "throw"})
        self.assertUnhandled(r)
        rid = r.header("x-amzn-RequestId")
        out = self.emu.wait_for_output("END RequestId: " + rid)
        m = find_line(out, "errors", r"^%s\t%s\tERROR\tInvoke Error \t(\{.*\})$" % (ISO_MS, rid))
        self.assertIsNotNone(m, out)
        logged = json.loads(m.group(1))
        self.assertEqual(logged["errorType"], "TypeError")
        self.assertEqual(logged["errorMessage"], "bad type")
        self.assertEqual(logged["stack"][0], "TypeError: bad type")

    # -- logging ------------------------------------------------------------
    def _log_run(self, name):
        tag = "%s-%d" % (name, time.monotonic_ns())
        r = self.ok(name, {"tag": tag})
        self.assertEqual(r.json(), "logged")
        rid = r.header("x-amzn-RequestId")
        return self.emu.wait_for_output("END RequestId: " + rid), rid, tag

    def test_console_format(self):
        out, rid, tag = self._log_run("logs")
        prefix = r"^%s\t%s\t" % (ISO_MS, rid)
        for level, message in [("INFO", "log-" + tag), ("INFO", "info %s { n: 1 }" % tag),
                               ("WARN", "warn-" + tag), ("ERROR", "error-" + tag),
                               ("DEBUG", "debug-" + tag),
                               ("INFO", "multi-1-" + tag)]:
            with self.subTest(level=level, message=message):
                self.assertIsNotNone(
                    find_line(out, "logs", prefix + level + r"\t" + _re_escape(message) + "$"),
                    out)
        # console.log("a\nb") is one entry, its lines joined with \r as CloudWatch stores it:
        # the log file keeps that; the console gives each line its own prefixed line.
        multi = "%s\tINFO\tmulti-1-%s\rmulti-2-%s\n" % (rid, tag, tag)
        self.assertIn(multi, self.emu.log_file("logs"))
        self.assertIn("\n[logs] multi-2-%s\n" % tag, out)
        self.assertNotIn("\r", "\n".join(lines_for(out, "logs")))
        self.assertIn("raw-stdout-" + tag, lines_for(out, "logs"))
        # Before the first invoke there is no request id: AWS prints "undefined".
        self.assertIsNotNone(find_line(out, "logs", r"^%s\tundefined\tINFO\tinit-log$" % ISO_MS))

    def test_log_level_filter(self):
        out, rid, tag = self._log_run("logs-warn")
        self.assertIsNone(find_line(out, "logs-warn", "log-" + tag))
        self.assertIsNone(find_line(out, "logs-warn", "debug-" + tag))
        self.assertIsNotNone(find_line(out, "logs-warn", r"\tWARN\twarn-%s$" % tag), out)
        self.assertIsNotNone(find_line(out, "logs-warn", r"\tERROR\terror-%s$" % tag), out)

    def test_json_log_format(self):
        out, rid, tag = self._log_run("logs-json")
        m = find_line(out, "logs-json", r'^(\{.*"message":"warn-%s".*\})$' % tag)
        self.assertIsNotNone(m, out)
        self.assertEqual(json.loads(m.group(1)),
                         {"timestamp": json.loads(m.group(1))["timestamp"], "level": "WARN",
                          "requestId": rid, "message": "warn-" + tag})
        m = find_line(out, "logs-json", r'^(\{.*"message":"info %s \{ n: 1 \}".*\})$' % tag)
        self.assertIsNotNone(m, out)
        self.assertEqual(json.loads(m.group(1))["level"], "INFO")

    # -- init errors --------------------------------------------------------
    def assertInitError(self, name, error_type, message=None, message_prefix=None):
        for _ in range(2):  # not cached: the next invoke starts afresh and fails the same way
            body = self.assertUnhandled(self.invoke(name))
            self.assertEqual(list(body), ["errorType", "errorMessage", "trace"], body)
            self.assertEqual(body["errorType"], error_type, body)
            if message is not None:
                self.assertEqual(body["errorMessage"], message, body)
            if message_prefix is not None:
                self.assertTrue(body["errorMessage"].startswith(message_prefix), body)
        return body

    def test_missing_module(self):
        body = self.assertInitError("no-module", "Runtime.ImportModuleError",
                                    message_prefix="Error: Cannot find module 'missing'")
        self.assertEqual(body["trace"][0],
                         "Runtime.ImportModuleError: Error: Cannot find module 'missing'")

    def test_missing_dependency(self):
        self.assertInitError("missing-require", "Runtime.ImportModuleError",
                             message_prefix="Error: Cannot find module 'not-a-real-package-xyz'")

    def test_handler_not_found(self):
        self.assertInitError("no-handler", "Runtime.HandlerNotFound",
                             "app.nope is undefined or not exported")
        self.assertInitError("not-function", "Runtime.HandlerNotFound",
                             "app.notAFunction is not a function")

    def test_malformed_handler_name(self):
        self.assertInitError("bad-name", "Runtime.MalformedHandlerName", "Bad handler")

    def test_syntax_error(self):
        self.assertInitError("syntax", "Runtime.UserCodeSyntaxError", message_prefix="SyntaxError: ")

    def test_exception_during_init(self):
        body = self.assertInitError("init-throw", "Error", "init failed")
        self.assertEqual(body["trace"][0], "Error: init failed")

    def test_init_error_is_logged(self):
        self.assertUnhandled(self.invoke("bad-name"))
        out = self.emu.wait_for_output("Runtime.MalformedHandlerName")
        self.assertIsNotNone(find_line(
            out, "bad-name",
            r'^%s\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.MalformedHandlerName"'
            % ISO_MS), out)


def _re_escape(text):
    import re
    return re.escape(text)


@unittest.skipUnless(ric_entry(), "tests/node/node_modules is missing: run `npm install` in "
                                  "tests/node (scripts/test does) to test aws-lambda-ric")
class AwsLambdaRicTest(unittest.TestCase):
    """AWS's own Node.js runtime interface client against our Runtime API."""

    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        bootstrap = "#!/bin/sh\nexec node %s \"$_HANDLER\"\n" % shlex.quote(ric_entry())
        folder = cls.code.make("ric", {
            "bootstrap": bootstrap,
            "index.mjs": """
                let count = 0;
                export const handler = async (event, context) => {
                  count += 1;
                  console.log('ric handling', count);
                  if (event.fail) throw new TypeError('ric failure');
                  return { count, requestId: context.awsRequestId, event,
                           functionName: context.functionName,
                           remaining: context.getRemainingTimeInMillis() };
                };
            """,
        })
        cls.emu = EmuServer({
            "ric": function(folder, "provided.al2023", "index.handler", timeout=10, memory=256),
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            import shutil
            shutil.rmtree(cls.emu.tmp, ignore_errors=True)
        cls.code.cleanup()

    def test_handler_runs_under_aws_lambda_ric(self):
        r = self.emu.invoke("ric", {"hello": "ric ✓"}, timeout=60)
        self.assertEqual(r.status, 200, (r, self.emu.stdout()[-3000:]))
        body = r.json()
        self.assertEqual(body["event"], {"hello": "ric ✓"})
        self.assertEqual(body["requestId"], r.header("x-amzn-RequestId"))
        self.assertEqual(body["functionName"], "ric")
        self.assertGreater(body["remaining"], 0)
        second = self.emu.invoke("ric", {}).json()
        self.assertEqual(second["count"], body["count"] + 1)

    def test_errors_under_aws_lambda_ric(self):
        r = self.emu.invoke("ric", {"fail": True}, timeout=60)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        body = r.json()
        self.assertEqual(body["errorType"], "TypeError")
        self.assertEqual(body["errorMessage"], "ric failure")


if __name__ == "__main__":
    unittest.main()
