"""The Python runtime (runtimes/python/) through the real server:
context object, warm reuse, error payloads, logging, init errors, payloads."""

import json
import os
import shutil
import sys
import time
import unittest

from emu import EmuServer
from runtime_support import (ISO_MS, CodeDirs, client_context_header, find_line, function,
                             line_of, lines_for)

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

RUNTIME = "python3.12"
# The runtime named after the Python running these tests, mapped to it under
# Interpreters: the functions whose errorMessage is asserted whole use it, so
# no "(lambda-emu ran this ... with ...)" note is added (see docs/runtimes.md).
HOST_RUNTIME = "python%d.%d" % sys.version_info[:2]

CTX_APP = """
    import os
    import sys
    import time

    def handler(event, context):
        if event.get("sleep"):
            time.sleep(event["sleep"])
        cc = context.client_context
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "identity": [context.identity.cognito_identity_id,
                         context.identity.cognito_identity_pool_id],
            "client_context": None if cc is None else {
                "custom": cc.custom, "env": cc.env,
                "app_title": cc.client.app_title if cc.client else None},
            "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
            "greeting": os.environ.get("GREETING"),
            "handler_env": os.environ.get("_HANDLER"),
            "cwd": os.getcwd(),
            "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
            "sys_path0": sys.path[0],
            "stdout_encoding": sys.stdout.encoding,
        }
"""

COUNTER_APP = """
    import os
    COUNT = 0
    INIT_PID = os.getpid()

    def handler(event, context):
        global COUNT
        COUNT += 1
        return {"count": COUNT, "pid": os.getpid(), "init_pid": INIT_PID}
"""

ECHO_APP = """
    def handler(event, context):
        if "make" in event:
            return "y" * event["make"]
        if "length_of" in event:
            return {"length": len(event["length_of"])}
        if event.get("none"):
            return None
        if event.get("bytes"):
            return b"raw \\x00 bytes"
        if event.get("lone_surrogate"):
            return "a" + chr(0xD800) + "b"
        return event
"""

ERRORS_APP = """
    import sys

    class PaymentDeclined(Exception):
        pass

    def check(amount):
        raise ValueError("amount %d is too large" % amount)

    def handler(event, context):
        action = event["action"]
        if action == "raise":
            raise PaymentDeclined("card declined")
        if action == "nested":
            check(event.get("amount", 100))
        if action == "marshal":
            return {"tags": {"a", "b"}}
        if action == "exit":
            sys.exit(3)
        if action == "unicode-error":
            raise RuntimeError("échec ✗")
        return "ok"
"""

LOGGING_APP = """
    import logging

    logger = logging.getLogger()
    print("init-print")

    def handler(event, context):
        tag = event["tag"]
        logger.debug("debug-%s", tag)
        logger.info("info-%s", tag)
        logger.warning("warning-%s", tag)
        logger.error("error-%s", tag)
        print("print-%s" % tag)
        print("multi-1-%s\\nmulti-2-%s" % (tag, tag))
        return "logged"
"""

# Imports logging only when invoked, through a submodule: the runtime's
# setup still applies (it hooks the import of `logging`, not module init).
LATE_LOGGING_APP = """
    def handler(event, context):
        import logging.handlers
        logger = logging.getLogger("late")
        tag = event["tag"]
        logger.warning("warning-%s", tag)
        try:
            raise KeyError("lost")
        except KeyError:
            logger.exception("failed-%s", tag)
        return "logged"
"""

DECIMAL_APP = """
    from decimal import Decimal

    def handler(event, context):
        return {"price": Decimal("12.50"), "count": Decimal("3"), "nan": Decimal("NaN")}
"""


class PythonRuntimeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.code = CodeDirs()
        c = cls.code
        cls.ctx_dir = c.make("ctx", {"app.py": CTX_APP})
        cls.errors_dir = c.make("errors", {"app.py": ERRORS_APP})
        cls.syntax_dir = c.make("syntax", {"app.py": "def handler(event, context)\n    return 1\n"})
        cls.init_raise_dir = c.make("init-raise", {"app.py": """
            raise RuntimeError("init failed")

            def handler(event, context):
                return 1
        """})
        functions = {
            "ctx": function(cls.ctx_dir, RUNTIME, "app.handler", timeout=3, memory=256,
                            env={"GREETING": "hi"}),
            "counter": function(c.make("counter", {"app.py": COUNTER_APP}), RUNTIME,
                                "app.handler"),
            "echo": function(c.make("echo", {"app.py": ECHO_APP}), RUNTIME, "app.handler",
                             timeout=20, memory=512),
            "errors": function(cls.errors_dir, RUNTIME, "app.handler"),
            "nested": function(c.make("nested", {
                "src/pkg/mod.py": """
                    import helper

                    def handler(event, context):
                        return {"module": __name__, "helper": helper.NAME}
                """,
                "helper.py": 'NAME = "helper at the task root"\n',
            }), RUNTIME, "src/pkg/mod.handler"),
            "logs": function(c.make("logs", {"app.py": LOGGING_APP}), RUNTIME, "app.handler"),
            "logs-debug": function(c.make("logs-debug", {"app.py": LOGGING_APP}), RUNTIME,
                                   "app.handler", env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}),
            "logs-error": function(c.make("logs-error", {"app.py": LOGGING_APP}), RUNTIME,
                                   "app.handler", env={"AWS_LAMBDA_LOG_LEVEL": "ERROR"}),
            "logs-json": function(c.make("logs-json", {"app.py": LOGGING_APP}), RUNTIME,
                                  "app.handler", env={"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                                      "AWS_LAMBDA_LOG_LEVEL": "INFO"}),
            "late-logs": function(c.make("late-logs", {"app.py": LATE_LOGGING_APP}), RUNTIME,
                                  "app.handler"),
            "late-logs-json": function(c.make("late-logs-json", {"app.py": LATE_LOGGING_APP}),
                                       RUNTIME, "app.handler",
                                       env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}),
            "decimal": function(c.make("decimal", {"app.py": DECIMAL_APP}), RUNTIME,
                                "app.handler"),
            "no-module": function(c.make("no-module", {"other.py": ""}), HOST_RUNTIME,
                                  "missing.handler"),
            "bad-import": function(c.make("bad-import", {"app.py": """
                import not_a_real_module_xyz

                def handler(event, context):
                    return 1
            """}), HOST_RUNTIME, "app.handler"),
            "syntax": function(cls.syntax_dir, RUNTIME, "app.handler"),
            "no-handler": function(c.make("no-handler", {"app.py": """
                def handler(event, context):
                    return 1
            """}), RUNTIME, "app.nope"),
            "bad-name": function(c.make("bad-name", {"app.py": ""}), RUNTIME, "app"),
            "init-raise": function(cls.init_raise_dir, RUNTIME, "app.handler"),
            "layered": dict(function(c.make("layered", {"app.py": """
                import shared

                def handler(event, context):
                    return shared.VALUE
            """}), RUNTIME, "app.handler"), Layers=[c.make("layer", {
                "python/shared.py": 'VALUE = "from a layer"\n'})]),
        }
        cls.emu = EmuServer(config={"Interpreters": {HOST_RUNTIME: sys.executable},
                                    "Functions": functions}).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        if not os.environ.get("LAMBDA_EMU_KEEP_TMP"):
            import shutil
            shutil.rmtree(cls.emu.tmp, ignore_errors=True)
        cls.code.cleanup()

    def invoke(self, name, payload=b"{}", **kwargs):
        return self.emu.invoke(name, payload, **kwargs)

    def assertUnhandled(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Function-Error"), "Unhandled", r)
        return r.json()

    # -- context ------------------------------------------------------------
    def test_context_fields_match_the_function(self):
        r = self.invoke("ctx")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("X-Amz-Function-Error"))
        body = r.json()
        self.assertEqual(body["function_name"], "ctx")
        self.assertEqual(body["function_version"], "$LATEST")
        self.assertEqual(body["invoked_function_arn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:ctx")
        self.assertEqual(body["memory_limit_in_mb"], "256")  # a string, as in awslambdaric
        self.assertEqual(body["aws_request_id"], r.header("x-amzn-RequestId"))
        self.assertEqual(body["log_group_name"], "/aws/lambda/ctx")
        self.assertTrue(body["log_stream_name"])
        self.assertEqual(body["identity"], [None, None])
        self.assertIsNone(body["client_context"])
        self.assertEqual(body["greeting"], "hi")
        self.assertEqual(body["handler_env"], "app.handler")

    def test_code_dir_is_cwd_and_first_on_sys_path(self):
        body = self.invoke("ctx").json()
        self.assertEqual(os.path.realpath(body["cwd"]), os.path.realpath(self.ctx_dir))
        self.assertEqual(os.path.realpath(body["sys_path0"]), os.path.realpath(self.ctx_dir))
        self.assertEqual(os.path.realpath(body["task_root"]), os.path.realpath(self.ctx_dir))
        self.assertEqual(body["stdout_encoding"].lower().replace("-", ""), "utf8")

    def test_remaining_time_counts_down_from_the_timeout(self):
        body = self.invoke("ctx").json()
        self.assertGreater(body["remaining"], 2000)
        self.assertLessEqual(body["remaining"], 3000)
        body = self.invoke("ctx", {"sleep": 1.0}).json()
        self.assertLess(body["remaining"], 2100)
        self.assertGreater(body["remaining"], 1000)

    def test_client_context_and_trace_id(self):
        cc = {"custom": {"user": "u1"}, "env": {"locale": "en"}, "client": {"app_title": "demo"}}
        r = self.invoke("ctx", headers={"X-Amz-Client-Context": client_context_header(cc)})
        body = r.json()
        self.assertEqual(body["client_context"],
                         {"custom": {"user": "u1"}, "env": {"locale": "en"}, "app_title": "demo"})
        self.assertTrue(body["trace_id"], "_X_AMZN_TRACE_ID is set per invoke")

    def test_warm_invokes_reuse_module_globals(self):
        first = self.invoke("counter").json()
        second = self.invoke("counter").json()
        third = self.invoke("counter").json()
        self.assertEqual([second["count"] - first["count"], third["count"] - second["count"]],
                         [1, 1])
        self.assertEqual(first["pid"], third["pid"])
        self.assertEqual(first["init_pid"], third["init_pid"])

    def test_handler_in_a_subfolder_with_task_root_imports(self):
        r = self.invoke("nested")
        self.assertEqual(r.json(), {"module": "src.pkg.mod", "helper": "helper at the task root"})

    def test_layer_modules_are_importable(self):
        self.assertEqual(self.invoke("layered").json(), "from a layer")

    # -- payloads -----------------------------------------------------------
    def test_unicode_round_trip(self):
        event = {"text": "héllo wörld ✓ 日本語 🎉", "rtl": "مرحبا", "emoji": "👩‍💻"}
        r = self.invoke("echo", json.dumps(event, ensure_ascii=False).encode())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), event)

    def test_binary_looking_strings_round_trip(self):
        event = {"nul": "a\u0000b", "ctl": "\u0001\u001f\u007f", "latin": "\u00ff\u00fe",
                 "escaped": "\\x00\\xff", "b64": "AAEC/w==", "surrogate_pair": "\U0001F600",
                 "quotes": "\"'`", "slashes": "\\/\\\\"}
        r = self.invoke("echo", json.dumps(event).encode())
        self.assertEqual(r.json(), event)

    def test_lone_surrogate_in_a_result_is_escaped_not_lost(self):
        r = self.invoke("echo", {"lone_surrogate": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'"a\\ud800b"')

    def test_five_megabyte_event(self):
        data = "x" * (5 * 1024 * 1024)
        r = self.invoke("echo", json.dumps({"length_of": data}).encode())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"length": len(data)})

    def test_five_megabyte_response(self):
        size = 5 * 1024 * 1024
        r = self.invoke("echo", {"make": size})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body), size + 2)
        self.assertEqual(r.json(), "y" * size)

    def test_none_is_null(self):
        r = self.invoke("echo", {"none": True})
        self.assertEqual(r.body, b"null")

    def test_decimals_are_numbers(self):
        r = self.invoke("decimal")
        self.assertEqual(r.body.replace(b" ", b""), b'{"price":12.5,"count":3,"nan":NaN}')

    def test_bytes_are_returned_as_they_are(self):
        r = self.invoke("echo", {"bytes": True})
        self.assertEqual(r.body, b"raw \x00 bytes")

    # -- errors -------------------------------------------------------------
    def test_exception_payload(self):
        r = self.invoke("errors", {"action": "raise"})
        body = self.assertUnhandled(r)
        self.assertEqual(list(body), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(body["errorMessage"], "card declined")
        self.assertEqual(body["errorType"], "PaymentDeclined")
        self.assertEqual(body["requestId"], r.header("x-amzn-RequestId"))
        self.assertEqual(len(body["stackTrace"]), 1, body)
        app = os.path.join(self.errors_dir, "app.py")
        self.assertTrue(body["stackTrace"][0].startswith(
            '  File "%s", line %d, in handler\n    raise PaymentDeclined("card declined")\n'
            % (app, line_of(ERRORS_APP, "raise PaymentDeclined"))), body["stackTrace"])

    def test_stack_trace_lists_user_frames_only(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "nested", "amount": 7}))
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(body["errorMessage"], "amount 7 is too large")
        trace = body["stackTrace"]
        self.assertEqual(len(trace), 2, trace)
        self.assertIn(", in handler\n    check(event.get(\"amount\", 100))\n", trace[0])
        self.assertIn(', line %d, in check\n    raise ValueError("amount %%d is too large" %% amount)'
                      % line_of(ERRORS_APP, "raise ValueError"), trace[1])
        self.assertFalse(any("bootstrap.py" in frame or "lambda_emu_runtime.py" in frame
                             for frame in trace))

    def test_unicode_error_message(self):
        body = self.assertUnhandled(self.invoke("errors", {"action": "unicode-error"}))
        self.assertEqual(body["errorMessage"], "échec ✗")

    def test_unserialisable_result_is_a_marshal_error(self):
        r = self.invoke("errors", {"action": "marshal"})
        body = self.assertUnhandled(r)
        self.assertEqual(body, {
            "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
            "errorType": "Runtime.MarshalError",
            "requestId": r.header("x-amzn-RequestId"),
            "stackTrace": [],
        })

    def test_sys_exit_is_an_exit_error_and_the_next_invoke_works(self):
        r = self.invoke("errors", {"action": "exit"})
        body = self.assertUnhandled(r)
        self.assertEqual(body["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 3", body["errorMessage"])
        r = self.invoke("errors", {"action": "none"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), "ok")

    def test_exception_is_logged_like_aws(self):
        r = self.invoke("errors", {"action": "raise"})
        self.assertUnhandled(r)
        rid = r.header("x-amzn-RequestId")
        out = self.emu.wait_for_output("END RequestId: " + rid)
        # One log entry: lines joined with \r, indentation as NO-BREAK SPACEs, in the log file
        # as in CloudWatch; on the console each line of the entry has its own prefix.
        line = line_of(ERRORS_APP, "raise PaymentDeclined")
        self.assertRegex(
            self.emu.log_file("errors"),
            r"\n\[ERROR\] PaymentDeclined: card declined\rTraceback \(most recent call last\):"
            r"\r\u00a0\u00a0File \".*app\.py\", line %d, in handler\r" % line)
        self.assertRegex(
            out,
            r"\n\[errors\] \[ERROR\] PaymentDeclined: card declined\n"
            r"\[errors\] Traceback \(most recent call last\):\n"
            r"\[errors\] \u00a0\u00a0File \".*app\.py\", line %d, in handler\n" % line)

    # -- logging ------------------------------------------------------------
    def _log_run(self, name):
        tag = "%s-%d" % (name, time.monotonic_ns())
        r = self.invoke(name, {"tag": tag})
        self.assertEqual(r.json(), "logged")
        rid = r.header("x-amzn-RequestId")
        out = self.emu.wait_for_output("END RequestId: " + rid)
        return out, rid, tag

    def test_logging_format_and_default_level(self):
        out, rid, tag = self._log_run("logs")
        m = find_line(out, "logs", r"^\[WARNING\]\t(%s)\t%s\twarning-%s$" % (ISO_MS, rid, tag))
        self.assertIsNotNone(m, out)
        stamp = time.strptime(m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")
        self.assertLess(abs(time.mktime(stamp) - time.mktime(time.gmtime())), 120)
        self.assertIsNotNone(find_line(out, "logs",
                                       r"^\[ERROR\]\t%s\t%s\terror-%s$" % (ISO_MS, rid, tag)))
        # The root logger stays at WARNING unless AWS_LAMBDA_LOG_LEVEL says otherwise.
        self.assertIsNone(find_line(out, "logs", "info-" + tag))
        self.assertIsNone(find_line(out, "logs", "debug-" + tag))
        lines = lines_for(out, "logs")
        self.assertIn("print-" + tag, lines)
        self.assertIn("multi-1-" + tag, lines)
        self.assertIn("multi-2-" + tag, lines)
        self.assertIn("init-print", lines)

    def test_log_level_debug(self):
        out, rid, tag = self._log_run("logs-debug")
        self.assertIsNotNone(find_line(out, "logs-debug",
                                       r"^\[DEBUG\]\t%s\t%s\tdebug-%s$" % (ISO_MS, rid, tag)), out)
        self.assertIsNotNone(find_line(out, "logs-debug",
                                       r"^\[INFO\]\t%s\t%s\tinfo-%s$" % (ISO_MS, rid, tag)), out)

    def test_log_level_error(self):
        out, rid, tag = self._log_run("logs-error")
        self.assertIsNone(find_line(out, "logs-error", "warning-" + tag))
        self.assertIsNotNone(find_line(out, "logs-error", r"^\[ERROR\]\t.*\terror-%s$" % tag))

    def test_json_log_format(self):
        out, rid, tag = self._log_run("logs-json")
        m = find_line(out, "logs-json", r'^(\{.*"message": "info-%s".*\})$' % tag)
        self.assertIsNotNone(m, out)
        entry = json.loads(m.group(1))
        self.assertEqual(entry["level"], "INFO")
        self.assertEqual(entry["requestId"], rid)
        self.assertEqual(entry["logger"], "root")
        self.assertRegex(entry["timestamp"], "^%s$" % ISO_MS)
        self.assertIsNone(find_line(out, "logs-json", "debug-" + tag))

    def test_logging_imported_first_by_the_handler_is_set_up(self):
        out, rid, tag = self._log_run("late-logs")
        self.assertIsNotNone(find_line(
            out, "late-logs", r"^\[WARNING\]\t%s\t%s\twarning-%s$" % (ISO_MS, rid, tag)), out)
        # logger.exception: the message line, then the traceback lines.
        self.assertIsNotNone(find_line(
            out, "late-logs", r"^\[ERROR\]\t%s\t%s\tfailed-%s$" % (ISO_MS, rid, tag)), out)
        self.assertIn("KeyError: 'lost'", lines_for(out, "late-logs"))

    def test_json_log_record_with_an_exception(self):
        out, rid, tag = self._log_run("late-logs-json")
        m = find_line(out, "late-logs-json", r'^(\{.*"message": "failed-%s".*\})$' % tag)
        self.assertIsNotNone(m, out)
        entry = json.loads(m.group(1))
        self.assertEqual((entry["level"], entry["logger"], entry["requestId"]),
                         ("ERROR", "late", rid))
        self.assertEqual((entry["errorType"], entry["errorMessage"]), ("KeyError", "'lost'"))
        self.assertIn("raise KeyError", "".join(entry["stackTrace"]))

    # -- init errors --------------------------------------------------------
    def assertInitError(self, name, error_type, message, stack_trace=None):
        for _ in range(2):  # a failed init is not cached: the next invoke fails the same way
            body = self.assertUnhandled(self.invoke(name))
            self.assertEqual(body["errorType"], error_type, body)
            self.assertEqual(body["errorMessage"], message, body)
            self.assertEqual(body["requestId"], "", body)
            if stack_trace is not None:
                self.assertEqual(body["stackTrace"], stack_trace, body)
        return body

    def test_missing_module(self):
        self.assertInitError("no-module", "Runtime.ImportModuleError",
                             "Unable to import module 'missing': No module named 'missing'", [])

    def test_module_with_a_missing_import(self):
        self.assertInitError(
            "bad-import", "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_a_real_module_xyz'", [])

    def test_syntax_error(self):
        body = self.assertUnhandled(self.invoke("syntax"))
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(body["errorMessage"].startswith("Syntax error in module 'app': "), body)
        self.assertIn("(app.py, line 1)", body["errorMessage"])
        self.assertEqual(len(body["stackTrace"]), 1)
        self.assertTrue(body["stackTrace"][0].startswith(
            '  File "%s" Line 1\n    def handler(event, context)'
            % os.path.join(self.syntax_dir, "app.py")), body)

    def test_handler_not_found(self):
        self.assertInitError("no-handler", "Runtime.HandlerNotFound",
                             "Handler 'nope' missing on module 'app'", [])

    def test_malformed_handler_name(self):
        self.assertInitError("bad-name", "Runtime.MalformedHandlerName",
                             "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
                             [])

    def test_exception_during_init(self):
        body = self.assertInitError("init-raise", "RuntimeError", "init failed")
        self.assertTrue(body["stackTrace"][-1].startswith(
            '  File "%s", line 1, in <module>\n    raise RuntimeError("init failed")\n'
            % os.path.join(self.init_raise_dir, "app.py")), body)

    def test_init_error_is_logged(self):
        self.assertUnhandled(self.invoke("no-handler"))
        out = self.emu.wait_for_output("Handler 'nope' missing")
        self.assertIn("[ERROR] Runtime.HandlerNotFound: Handler 'nope' missing on module 'app'"
                      "\rTraceback (most recent call last):\n", self.emu.log_file("no-handler"))
        self.assertIn("\n[no-handler] [ERROR] Runtime.HandlerNotFound: Handler 'nope' missing"
                      " on module 'app'\n[no-handler] Traceback (most recent call last):\n", out)


if __name__ == "__main__":
    unittest.main()
