"""lambda-emu's Python runtime under a debugger (`--debug`, docs/debugging.md).

Started instead of bootstrap.py, with these variables set by lambda-emu:
  LAMBDA_EMU_DEBUGGER    debugpy | pdb | auto (debugpy when importable, else pdb)
  LAMBDA_EMU_DEBUG_HOST  LAMBDA_EMU_DEBUG_PORT  where the debugger listens
It puts the debugger in front of the runtime, then runs bootstrap.py as is:

- debugpy listens and waits for an IDE to attach (VS Code's "Remote Attach")
  before the runtime starts, so breakpoints set there hold from init on.
- pdb listens and stops at the handler's first line (and at any breakpoint()
  in the function's code), waiting there for one connection: `nc HOST PORT`
  gives a (Pdb) prompt, `c` runs on. Closing the connection (or `q`) detaches
  and lets the invocation finish; the next stop waits for a new connection.
"""

import ast
import os
import pdb
import runpy
import socket
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))


def _say(message):
    # The runtime's output is the function's log: the person debugging sees it.
    sys.stderr.write("lambda-emu debug: " + message + "\n")
    sys.stderr.flush()


def _listen(host, port):
    # The previous environment of this function may still hold the port for a
    # moment after it was killed.
    deadline = time.monotonic() + 5
    while True:
        server = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((host, port))
            server.listen(1)
            return server
        except OSError as e:
            server.close()
            if time.monotonic() > deadline:
                _say("cannot listen on %s:%d: %s" % (host, port, e.strerror or e))
                sys.exit(1)
            time.sleep(0.1)


class SocketPdb(pdb.Pdb):
    """pdb whose console is one TCP connection at a time, accepted when it
    first stops (at a breakpoint, or breakpoint() in the function's code)."""

    def __init__(self, server, where):
        super().__init__(nosigint=True, readrc=False)
        self.use_rawinput = False
        self._server = server
        self._where = where
        self._connection = None
        self._file = None

    def interaction(self, frame, traceback):
        if self._connection is None:
            _say("pdb stopped in %s(); waiting for a connection on %s (nc %s)"
                 % (frame.f_code.co_name, self._where, self._where.replace(":", " ")))
            self._connection, _ = self._server.accept()
            self._file = self._connection.makefile("rw", buffering=1, encoding="utf-8",
                                                   errors="replace")
            self.stdin = self.stdout = self._file
            self.message("lambda-emu: pdb for function %s; 'c' continues, 'q' or closing "
                         "the connection detaches" % os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))
        try:
            super().interaction(frame, traceback)
        except OSError:  # the connection went away mid-command
            self.forget()
            self._detach()

    def _detach(self):
        if self._connection is not None:
            try:
                self._file.close()
                self._connection.close()
            except OSError:
                pass
        self._connection = self._file = None
        self.stdin, self.stdout = sys.stdin, sys.stderr
        self.set_continue()

    def do_EOF(self, arg):
        self._detach()
        return 1

    def do_quit(self, arg):
        self._detach()
        return 1

    do_q = do_exit = do_quit

    def start(self):
        """Traces from here on without stopping, until a breakpoint: bdb's
        set_trace() followed by set_continue(), minus the stop."""
        self.reset()
        frame = sys._getframe()
        while frame:
            self.botframe = frame
            frame = frame.f_back
        self._set_stopinfo(self.botframe, None, -1)
        sys.settrace(self.trace_dispatch)


def _handler_location(handler):
    """(file, first line, function name) of the handler's `def`, found
    without importing it (import is the runtime's, errors and all)."""
    modname, _, fname = handler.rpartition(".")
    if not modname or not fname:
        return None
    relative = modname.replace(".", "/")
    roots = [os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()]
    version = "python%d.%d" % sys.version_info[:2]
    for layer in filter(None, os.environ.get("LAMBDA_EMU_LAYERS", "").split(":")):
        roots += [os.path.join(layer, "python"),
                  os.path.join(layer, "python", "lib", version, "site-packages")]
    for root in roots:
        for candidate in (relative + ".py", os.path.join(relative, "__init__.py")):
            path = os.path.join(root, candidate)
            if not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as f:
                    tree = ast.parse(f.read(), path)
            except (OSError, SyntaxError, ValueError):
                return None  # the runtime reports it
            found = None
            for node in tree.body:  # the last top-level definition wins, as at run time
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fname:
                    found = node
            if found is None:
                return None
            # A function's code starts at its first decorator.
            first = min([found.lineno] + [d.lineno for d in found.decorator_list])
            return path, first, fname
    return None


def _start_pdb(host, port):
    server = _listen(host, port)
    debugger = SocketPdb(server, "%s:%d" % (host, port))
    sys.breakpointhook = lambda *args, **kwargs: debugger.set_trace(sys._getframe(1))
    handler = os.environ.get("_HANDLER", "")
    location = _handler_location(handler)
    if location:
        path, line, name = location
        # A function breakpoint: it fires at the first line the function runs
        # (after a docstring, whatever the decorators), not on the `def`.
        error = debugger.set_break(path, line, funcname=name)
        if error:
            location = None
    if not location:
        _say("cannot find the handler %s's def; pdb stops only at breakpoint() calls" % handler)
    debugger.start()


def _start_debugpy(host, port):
    import debugpy
    debugpy.listen((host, port))
    _say("debugpy waiting for a client on %s:%d" % (host, port))
    debugpy.wait_for_client()


def main():
    # pydevd warns, into the function's log, that Python 3.11's frozen modules
    # may miss breakpoints; they are the standard library's, not the function's.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    mode = os.environ.get("LAMBDA_EMU_DEBUGGER", "auto")
    host = os.environ.get("LAMBDA_EMU_DEBUG_HOST", "127.0.0.1")
    port = int(os.environ.get("LAMBDA_EMU_DEBUG_PORT", "5678"))
    if mode == "auto":
        try:
            import debugpy  # noqa: F401
            mode = "debugpy"
        except ImportError:
            mode = "pdb"
    if mode == "debugpy":
        _start_debugpy(host, port)
    else:
        _start_pdb(host, port)
    bootstrap = os.path.join(_HERE, "bootstrap.py")
    sys.argv = [bootstrap]
    runpy.run_path(bootstrap, run_name="__main__")


if __name__ == "__main__":
    main()
