"""lambda-emu's Python runtime interface client.

Started by lambda-emu as `<python3.x or python3> <runtimes>/python/bootstrap.py`
(which only imports this module and calls main(), so that this module's
bytecode is cached) with the function's code directory as cwd and the Lambda
environment variables set (_HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API,
...). It imports the handler once (init), then loops over the Runtime API:
GET /invocation/next, call the handler, POST /response or /error. Standard
library only.

What users see is meant to match AWS's Python runtime (awslambdaric): the
context object, the `logging` root-logger format, the error payloads
({"errorMessage","errorType","requestId","stackTrace"}) and the init error
types (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
Runtime.HandlerNotFound, ...). See docs/runtimes.md.
"""

import importlib
import json
import os
import sys
import time

from lambda_emu_runtime_api import RuntimeApiClient

# Lambda's Python runtimes give user code SnapStart's hook module; this
# runtime's folder leaves sys.path before user code runs, so it is imported
# now (~50 us; a forked runtime's template has it already).
import snapshot_restore_py  # noqa: F401

# Imported only when needed, because every cold start pays for what is
# imported here (docs/performance.md): `logging` when user code imports it
# (see _LoggingSetupFinder), `traceback` for errors, `decimal` never (a
# Decimal to serialise means the user imported it), and (in the Runtime API
# client) `_socket` rather than `socket`, whose enum conversions alone cost
# ~3 ms.

_THIS_FILE = os.path.abspath(__file__)
_RUNTIME_DIR = os.path.dirname(_THIS_FILE)

# awslambdaric writes a multi-line error log entry as one line: the lines are
# joined with '\r' and leading spaces become NO-BREAK SPACEs.
_ERROR_LINE_JOIN = "\r"
_ERROR_INDENT = "\u00a0"

_request_id = None
_tenant_id = None


# -- output -----------------------------------------------------------------

class _Unbuffered:
    """Flushes after every write: stdout and stderr share one pipe with the
    server, which frames the lines, so nothing may sit in a buffer."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        n = self._stream.write(text)
        self._stream.flush()
        return n

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _setup_output():
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            # UTF-8 whatever the locale; never fail a print on odd characters.
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
        setattr(sys, name, _Unbuffered(stream))


# -- logging ----------------------------------------------------------------

_LOG_LEVELS = {  # AWS_LAMBDA_LOG_LEVEL -> logging's numeric levels
    "TRACE": 10,
    "DEBUG": 10,
    "INFO": 20,
    "WARN": 30,
    "WARNING": 30,
    "ERROR": 40,
    "FATAL": 50,
    "CRITICAL": 50,
}

_RESERVED_RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "taskName",
    "aws_request_id", "tenant_id",
}


def _setup_logging(logging):
    """Gives the root logger AWS's handler: its line (or JSON) format, the
    request id on every record, and AWS_LAMBDA_LOG_LEVEL."""

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id or ""
            record.tenant_id = _tenant_id
            return True

    class StdoutHandler(logging.Handler):
        """Writes the formatted record, ending it with a newline (the format
        has one, but a traceback appended to it does not)."""

        def emit(self, record):
            try:
                text = self.format(record)
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
            except Exception:  # noqa: BLE001 - logging must never raise
                self.handleError(record)

    class JsonFormatter(logging.Formatter):
        """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record."""

        def format(self, record):
            created = time.gmtime(record.created)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", created) + ".%03dZ" % record.msecs
            levelno = min(50, max(0, record.levelno)) // 10 * 10
            out = {
                "timestamp": stamp,
                "level": logging.getLevelName(levelno),
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": getattr(record, "aws_request_id", None),
            }
            if record.exc_info:
                import traceback
                out["errorType"] = record.exc_info[0].__name__
                out["errorMessage"] = str(record.exc_info[1])
                out["stackTrace"] = traceback.format_tb(record.exc_info[2])
                out["location"] = "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
            if getattr(record, "tenant_id", None) is not None:
                out["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _RESERVED_RECORD_FIELDS and key not in out:
                    out[key] = value
            out = {k: v for k, v in out.items() if v is not None}
            return json.dumps(out, ensure_ascii=False, default=str) + "\n"

    logging.Formatter.converter = time.gmtime
    handler = StdoutHandler()
    if (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = _LOG_LEVELS.get((os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper())
    if level is not None:
        root.setLevel(level)
    root.addHandler(handler)


class _LoggingSetupFinder:
    """An import hook that runs _setup_logging the moment anything imports
    `logging`, before the importer gets the module: the root logger behaves
    as on AWS, and a handler that never logs does not pay for importing
    logging (~5 ms of a cold start)."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)  # one use; the finders below do the finding
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                spec.loader = _LoggingSetupLoader(spec.loader)
                return spec
        return None


class _LoggingSetupLoader:
    """The real loader of `logging`, plus _setup_logging after it ran."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _setup_logging(module)

    def __getattr__(self, name):  # get_source, get_filename, ... for tracebacks
        return getattr(self._loader, name)


def _install_logging_setup():
    if "logging" in sys.modules:  # imported already (a .pth file, sitecustomize)
        _setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingSetupFinder())


def _log_error(error):
    """Logs an error payload the way awslambdaric does: one line, '\\r' joined."""
    if (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        sys.stdout.write(_to_json({"timestamp": stamp, "level": "ERROR", **error}) + "\n")
        return
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            head += ":"
        head += " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error.get("stackTrace") or []:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(_ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(_ERROR_LINE_JOIN.join(lines) + "\n")


# -- JSON -------------------------------------------------------------------

def _python_at_least_312():
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    prefix = "AWS_Lambda_python3."
    if env.startswith(prefix):
        try:
            return int(env[len(prefix):]) >= 12
        except ValueError:
            return False
    return False


class _Encoder(json.JSONEncoder):
    def default(self, o):
        decimal = sys.modules.get("decimal")  # a Decimal means it was imported
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            return int(o) if o.as_tuple().exponent >= 0 else float(o)
        return super().default(o)


# AWS's python3.12+ runtimes write non-ASCII characters as they are.
_ENCODER = _Encoder(ensure_ascii=not _python_at_least_312())
_ASCII_ENCODER = _Encoder(ensure_ascii=True)


def _to_json(obj):
    return _ENCODER.encode(obj)


def _to_json_bytes(obj):
    text = _ENCODER.encode(obj)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: fall back to \\u escapes
        return _ASCII_ENCODER.encode(obj).encode("ascii")


# -- errors -----------------------------------------------------------------

class FaultException(Exception):
    """A runtime-detected failure with an AWS error type (Runtime.*)."""

    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def _make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def _error_from_exception(exc, request_id=None):
    """Error payload for a user exception; the runtime's own frames are cut
    from the top of the stack as AWS does."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and os.path.dirname(frames[0].filename) == _RUNTIME_DIR:
        frames = frames[1:]
    return _make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


# -- handler loading --------------------------------------------------------

def _interpreter_mismatch():
    """(runtime, "Python 3.11.7") when the function's Runtime (AWS_EXECUTION_ENV)
    names another Python than the one running it, which lambda-emu does when
    that version is not installed; else None."""
    runtime = os.environ.get("AWS_EXECUTION_ENV", "")[len("AWS_Lambda_"):]
    if not runtime.startswith("python3."):
        return None
    try:
        asked = (3, int(runtime[len("python3."):]))
    except ValueError:
        return None
    if asked == tuple(sys.version_info[:2]):
        return None
    return runtime, "Python %d.%d.%d" % sys.version_info[:3]


def _interpreter_note():
    """Appended to the errorMessage of an import or syntax error, the usual
    symptom of code written for a newer Python (AWS's message stays a prefix)."""
    mismatch = _interpreter_mismatch()
    if mismatch is None:
        return ""
    return " (lambda-emu ran this %s function with %s)" % mismatch


def _log_interpreter_mismatch():
    """One line in the function's log before an init error, whatever the error."""
    mismatch = _interpreter_mismatch()
    if mismatch is not None:
        runtime, interpreter = mismatch
        sys.stdout.write("lambda-emu: %s is run by %s here; code that needs Python %s may fail "
                         "to load\n" % (runtime, interpreter, runtime[len("python"):]))


def _load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME,
                             "Bad handler '{}': {}".format(handler, e))
    if modname.split(".")[0] in sys.builtin_module_names:
        raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT,
                             "Cannot use built-in module {} as a handler module".format(modname))
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR,
                             "Unable to import module '{}': {}".format(modname, e)
                             + _interpreter_note())
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR,
                             "Syntax error in module '{}': {}".format(modname, e)
                             + _interpreter_note(), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND,
                             "Handler '{}' missing on module '{}'".format(fname, modname))


def _setup_sys_path(task_root):
    # sys.path[0] is this runtime's folder; user code must not see it (a user
    # module named `bootstrap` would otherwise resolve to our launcher).
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _RUNTIME_DIR]
    paths = [task_root]
    layers = [p for p in os.environ.get("LAMBDA_EMU_LAYERS", "").split(":") if p]
    version = "python%d.%d" % sys.version_info[:2]
    for layer in layers:  # each layer is an /opt
        paths.append(os.path.join(layer, "python", "lib", version, "site-packages"))
        paths.append(os.path.join(layer, "python"))
    for p in reversed(paths):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)


# -- context ----------------------------------------------------------------

class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity(%r, %r)" % (self.cognito_identity_id, self.cognito_identity_pool_id)


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def _object_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field) if isinstance(values, dict) else None)
    return obj


class LambdaContext:
    """The `context` argument, with the same attributes as on AWS."""

    def __init__(self, request_id, client_context, cognito_identity, deadline_ms,
                 invoked_function_arn, tenant_id=None):
        env = os.environ
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _object_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object_from_dict(Client, self.client_context.client)
        self.identity = _object_from_dict(CognitoIdentity, {})
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
                "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
                "invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])" % (
                    self.aws_request_id, self.log_group_name, self.log_stream_name,
                    self.function_name, self.memory_limit_in_mb, self.function_version,
                    self.invoked_function_arn, self.client_context, self.identity,
                    self.tenant_id))


def _parse_json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as e:
        raise FaultException(FaultException.CONTEXT_UNMARSHAL_ERROR,
                             "Unable to parse {} JSON: {}".format(name, e))


# -- invoke loop ------------------------------------------------------------

def _handle(client, handler, headers, body):
    global _request_id, _tenant_id
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    _request_id = request_id
    _tenant_id = headers.get("lambda-runtime-aws-tenant-id")
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        context = LambdaContext(
            request_id,
            _parse_json_header(headers.get("lambda-runtime-client-context"), "Client Context"),
            _parse_json_header(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            _tenant_id)
        try:
            event = json.loads(body)
        except ValueError as e:
            raise FaultException(FaultException.UNMARSHAL_ERROR,
                                 "Unable to unmarshal input: {}".format(e))
        result = handler(event, context)
        if isinstance(result, (bytes, bytearray)):
            payload, content_type = bytes(result), "application/unknown"
        else:
            try:
                payload, content_type = _to_json_bytes(result), "application/json"
            except Exception as e:  # noqa: BLE001 - any encoder failure is a MarshalError
                raise FaultException(FaultException.MARSHAL_ERROR,
                                     "Unable to marshal response: {}".format(e))
    except FaultException as e:
        error = _make_error(e.message, e.error_type, e.trace, request_id)
    except Exception as e:  # noqa: BLE001 - SystemExit & co. propagate and end the process
        error = _error_from_exception(e, request_id)

    if error is not None:
        _log_error(error)
        client.post_error(request_id, _to_json_bytes(error), error["errorType"])
    else:
        client.post_response(request_id, payload, content_type)


def _report_init_error(client, error, error_type):
    if client is not None:
        client.post_init_error(_to_json_bytes(error), error_type)
    else:  # a snapshot's init: the server hears of it from the template
        import lambda_emu_template
        lambda_emu_template.report_init_error(error_type)


def main():
    # lambda-emu's SnapStart snapshot runs the init without a Runtime API.
    in_template = os.environ.pop("LAMBDA_EMU_RUNTIME_TEMPLATE", None) == "snapshot"
    if in_template:
        import lambda_emu_template
        lambda_emu_template.reserve_descriptors()
    snapstart = None
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        # Only SnapStart versions pay for it; imported while this runtime's
        # folder is still on sys.path (_setup_sys_path takes it off).
        import lambda_emu_snapstart as snapstart
    _setup_output()
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _setup_sys_path(task_root)
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api and not in_template:
        sys.stderr.write("lambda-emu python runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 2
    client = RuntimeApiClient(api) if api else None

    _install_logging_setup()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error = _make_error(e.message, e.error_type, e.trace)
        _log_interpreter_mismatch()
        _log_error(error)
        _report_init_error(client, error, error["errorType"])
        return 1
    except Exception as e:  # noqa: BLE001 - an exception raised by module-level code
        error = _error_from_exception(e)
        _log_interpreter_mismatch()
        _log_error(error)
        _report_init_error(client, error, error["errorType"])
        return 1

    if snapstart is not None:
        client = snapstart.snapshot_and_restore(client, in_template)
        if isinstance(client, int):
            return client

    while True:
        try:
            headers, body = client.next_invocation()
            _handle(client, handler, headers, body)
        except OSError:
            # User errors are caught inside _handle; this is the Runtime API
            # going away, i.e. the environment is shutting down.
            return 0
