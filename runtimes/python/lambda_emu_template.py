"""lambda-emu's Python runtime template (forked runtimes, docs/design.md).

lambda-emu starts one template per interpreter and start-up environment
(src/sandbox/runtime_templates.h) with exactly a runtime's command line,
`python3 /var/runtime/bootstrap.py`, and LAMBDA_EMU_RUNTIME_TEMPLATE set: in
a view laid out as an environment's (/var/lang, /var/runtime, the same
LD_LIBRARY_PATH directories), as root, with the start-up variables a
function's runtime would get. bootstrap.py then calls serve(), which imports
what every environment imports first (the runtime client, not user code)
and makes spare sandboxes (src/sandbox/spares.h) on request, each a fork of
itself, so that an environment's Python starts with the interpreter up and
the runtime client loaded instead of paying ~15 ms for both. In a fork that
a function has taken, serve() returns, with the function's environment in
place, and bootstrap.py goes on as in any runtime: sys.argv, __main__ and
/proc/PID/cmdline are already a runtime's.

One request on the control socket (fd 3, SOCK_SEQPACKET) is
`lambda-emu's path NUL its environment...` with three descriptors: the
spare's output pipe, report pipe and control socket. The reply is `pid N`
(the spare, which the server has adopted by then) or `error TEXT`.

A SnapStart version's snapshot (docs/snapstart.md) is a template too, started
with LAMBDA_EMU_RUNTIME_TEMPLATE=snapshot, the version's whole environment and
its code: lambda_emu_runtime.main() runs the function's init and its
before-snapshot hooks, then calls snapshot(), which serves spares as above;
in each restored environment it returns to main(), which goes on with the
after-restore hooks. An init that fails is reported with report_init_error().

A spare is two processes:
  A  forked into a new PID namespace (its PID 1), back in the server's
     mount namespace and then in a new one of its own; it forks B and
     execs `lambda-emu __spare forked B`, which does what any spare does
     (joins the cgroups, builds the view) and becomes the environment's
     init, with B as its runtime.
  B  the runtime, waiting on fd 3 (a stream socket to A): first its ids
     and limits (it becomes the sandbox user, in its own user namespace,
     as init.h's runtimes do), then, when a function takes the spare, its
     working directory, argv and environment; serve() returns.
"""

import ctypes
import fcntl
import gc
import io
import os
import resource
import signal
import socket
import sys
import time

import lambda_emu_runtime  # noqa: F401 - loaded once here, for every fork

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CONTROL_FD = 3
_HOST_MOUNTS_FD = 4
_MAX_FD = 65536
_RLIM_INFINITY_TEXT = str(2**64 - 1)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, what + ": " + os.strerror(err))


def _limit(text):
    return resource.RLIM_INFINITY if text == _RLIM_INFINITY_TEXT else int(text)


def _receive_all(channel):
    chunks = []
    while True:
        chunk = channel.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _receive_line(channel):
    line = b""
    while not line.endswith(b"\n"):
        byte = channel.recv(1)
        if not byte:
            os._exit(0)  # let go before it was set up
        line += byte
    return line.decode()


class _BecomeRuntime(BaseException):
    """Raised in B once a function has taken its spare: it unwinds the
    template's frames to serve(), which returns to bootstrap.py."""


_control = None  # the template's control socket (fd 3)
_snapshot = False  # a SnapStart snapshot (snapshot()), not a runtime template
_snapshot_tmp = -1  # the snapshot's /tmp, open


# -- B: the runtime ------------------------------------------------------------

def _reopen_stdio():
    """sys.stdin/stdout/stderr as the interpreter makes them at start, for
    the descriptors the environment has (the template's were the server's)."""
    for name, fd, write in (("stdin", 0, False), ("stdout", 1, True), ("stderr", 2, True)):
        old = getattr(sys, name)
        raw = io.FileIO(fd, "wb" if write else "rb", closefd=False)
        raw.name = "<%s>" % name
        buffered = io.BufferedWriter(raw) if write else io.BufferedReader(raw)
        stream = io.TextIOWrapper(buffered, encoding=old.encoding, errors=old.errors,
                                  newline="\n", line_buffering=raw.isatty() or name == "stderr")
        stream.mode = "w" if write else "r"
        setattr(sys, name, stream)
        setattr(sys, "__%s__" % name, stream)


def _set_by_the_interpreter():
    """What the interpreter added to its environment as it started (PEP 538's
    LC_CTYPE=C.UTF-8 when the locale is C): the start-up variables are the
    function's, so an exec'd runtime would add the same."""
    with open("/proc/self/environ", "rb") as f:
        started = {entry.partition(b"=")[0] for entry in f.read().split(b"\0") if entry}
    return {k: v for k, v in os.environb.items() if k not in started}


_ADDED = _set_by_the_interpreter()


def _become(cwd, argv, env):
    """The function's working directory and environment, as exec would give."""
    os.chdir(cwd)
    os.environ.clear()
    for entry in env:
        key, _, value = entry.partition("=")
        os.environ[key] = value
    for key, value in _ADDED.items():
        os.environb.setdefault(key, value)
    time.tzset()
    sys.argv = argv[1:]
    sys.orig_argv = list(argv)


def _runtime(channel_fd):
    """B: as init.h's prestarted runtime; raises _BecomeRuntime once taken."""
    channel = socket.socket(fileno=channel_fd)
    # "uid gid nofile core nproc memlock stack userns\n"
    fields = _receive_line(channel).split()
    uid, gid = int(fields[0]), int(fields[1])
    nofile, core, nproc, memlock, stack = (_limit(f) for f in fields[2:7])
    os.setpgid(0, 0)
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (core, core))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (memlock, memlock))
    resource.setrlimit(resource.RLIMIT_STACK, (stack, resource.RLIM_INFINITY))
    if fields[7] == "1":
        _check(_libc.unshare(_CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
        channel.sendall(b"u")
        if channel.recv(1) != b"m":
            os._exit(0)
    try:
        os.setgroups([])
    except PermissionError:
        pass
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # What does not depend on the function is done before it comes (each
    # first write to a page the template shares costs a copy).
    _reopen_stdio()
    channel.sendall(b"r")
    launch = _receive_all(channel)
    channel.close()
    if not launch:
        os._exit(0)  # let go: the environment execs its runtime instead
    # cwd NUL argc NUL argv... NUL env...
    parts = launch.decode("utf-8", "surrogateescape").split("\0")
    argc = int(parts[1])
    raise _BecomeRuntime(parts[0], parts[2:2 + argc], parts[2 + argc:])


# -- A: the spare ---------------------------------------------------------------

def _spare(fds, exe, env):
    """A: PID 1 of a new PID namespace; forks B, then becomes the spare. Its
    parent-death signal is set once it is the server's (spare_process.h)."""
    _check(_libc.setns(_HOST_MOUNTS_FD, _CLONE_NEWNS), "setns(mount)")
    _check(_libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    os.chdir("/")
    os.setpgid(0, 0)
    output, report, control = fds
    devnull = os.open("/dev/null", os.O_RDONLY)
    ours, runtimes = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours_fd, runtimes_fd = ours.detach(), runtimes.detach()
    layout = [devnull, output, output, report, control, ours_fd]
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in layout]
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    runtime_fd = fcntl.fcntl(runtimes_fd, fcntl.F_DUPFD, 64)
    pid = os.fork()
    if pid == 0:
        _control.detach()  # fd 3 is about to be the runtime's channel
        os.dup2(runtime_fd, _CONTROL_FD)
        if not _snapshot:
            os.closerange(_CONTROL_FD + 1, _MAX_FD)
        else:
            # A snapshot's init may hold descriptors (files, connections):
            # a restored environment keeps them; only these go.
            for fd in {4, 5, runtime_fd, runtimes_fd, ours_fd, devnull, *high, *fds} - {
                    _snapshot_tmp}:
                try:
                    os.close(fd)
                except OSError:
                    pass
        _runtime(_CONTROL_FD)
    os.closerange(6, _MAX_FD)
    # Python ignores these; the spare, and what it execs, must not.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    os.execve(exe, ["lambda-emu", "__spare", "forked", str(pid)], env)


def _make_spare(fds, exe, env):
    to_template, from_x = os.pipe()
    x = os.fork()
    if x == 0:  # X: only here to put A in a new PID namespace and leave it
        try:
            os.close(to_template)
            _check(_libc.unshare(_CLONE_NEWPID), "unshare(CLONE_NEWPID)")
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(from_x)
                    _spare(fds, exe, env)
                except _BecomeRuntime:
                    raise
                except BaseException:  # noqa: BLE001 - the server sees it end before ready
                    pass
                os._exit(127)
            os.write(from_x, str(pid).encode())
        except _BecomeRuntime:
            raise
        except BaseException as e:  # noqa: BLE001 - reported, then X ends
            os.write(from_x, ("error " + str(e)).encode())
        os._exit(0)
    os.close(from_x)
    reply = os.read(to_template, 4096)
    os.close(to_template)
    os.waitpid(x, 0)  # A is the server's now (it is the nearest subreaper)
    if reply.isdigit():
        return b"pid " + reply
    return reply or b"error the spare's parent died"


def _serve_spares():
    """False when this is no template (fd 3 is not the server's socket)."""
    global _control
    try:
        _control = socket.socket(fileno=_CONTROL_FD)
    except OSError:
        return False
    if _control.type != socket.SOCK_SEQPACKET:
        _control.detach()
        return False
    # Out of the collector's sight: a collection in a fork would write to
    # (and so copy) every page of the template's objects.
    gc.freeze()
    _control.send(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(_control, 1 << 20, 8)
        except OSError:
            return True
        if not message:
            return True  # the server has gone
        try:
            fields = message.decode("utf-8", "surrogateescape").split("\0")
            env = dict(f.partition("=")[::2] for f in fields[1:] if "=" in f)
            if len(fds) != 3:
                reply = b"error expected 3 descriptors"
            else:
                sys.stdout.flush()
                sys.stderr.flush()
                reply = _make_spare(fds, fields[0], env)
        except OSError as e:
            reply = ("error " + str(e)).encode()
        for fd in fds:
            os.close(fd)
        _control.send(reply)


def _cut_connections():
    """TCP connections the init opened: every restored environment would
    share each one. They are shut down, so that each restored environment
    finds them broken, as one restored on Lambda finds its connections."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd <= _HOST_MOUNTS_FD:
            continue
        try:
            if not os.readlink("/proc/self/fd/" + name).startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.getpeername()  # connected (a listening socket raises)
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            sock.close()


def _copy_tree(source_fd, target):
    """Copies the directory open as `source_fd` into the directory `target`
    (files, directories, symlinks and their modes; as much as fits)."""
    for entry in os.scandir(source_fd):
        path = os.path.join(target, entry.name)
        try:
            mode = entry.stat(follow_symlinks=False).st_mode & 0o7777
            if entry.is_symlink():
                os.symlink(os.readlink(entry.name, dir_fd=source_fd), path)
            elif entry.is_dir(follow_symlinks=False):
                os.mkdir(path, 0o700)
                inner = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=source_fd)
                try:
                    _copy_tree(inner, path)
                finally:
                    os.close(inner)
                os.chmod(path, mode)
            elif entry.is_file(follow_symlinks=False):
                src = os.open(entry.name, os.O_RDONLY, dir_fd=source_fd)
                try:
                    dst = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                    try:
                        offset, size = 0, os.fstat(src).st_size
                        while offset < size:
                            sent = os.sendfile(dst, src, offset, size - offset)
                            if sent == 0:
                                break
                            offset += sent
                    finally:
                        os.close(dst)
                finally:
                    os.close(src)
        except OSError:
            pass  # a full /tmp, an odd file: the environment starts without it


def snapshot():
    """SnapStart: the snapshot's life, once the init and the before-snapshot
    hooks have run. Returns in each environment restored from it (its cwd,
    argv and environment set); exits when the server goes."""
    global _snapshot, _snapshot_tmp
    import threading
    if threading.active_count() > 1:
        sys.stderr.write(
            "lambda-emu: SnapStart: %d thread(s) started during init do not run in restored "
            "environments (a snapshot is a fork here; docs/snapstart.md)\n"
            % (threading.active_count() - 1))
    _cut_connections()
    # A fork reseeds `random` (os.register_at_fork); a restore on Lambda does
    # not: every restored environment starts from the snapshot's state.
    rng = sys.modules.get("random")
    rng_state = rng.getstate() if rng is not None else None
    # The snapshot's /tmp (a tmpfs of its own): a restore on Lambda finds
    # what the init wrote there, so each restored environment's /tmp starts
    # as a copy of it.
    _snapshot_tmp = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    sys.stdout.flush()
    sys.stderr.flush()
    # What the process writes from now on is no environment's.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    _snapshot = True
    launch = None
    try:
        if not _serve_spares():
            sys.exit(1)  # not started by lambda-emu as a snapshot
    except _BecomeRuntime as taken:
        launch = taken.args
    if launch is None:
        sys.exit(0)
    _become(*launch)
    # A descriptor of its own: _snapshot_tmp's open file (and so its
    # directory offset) is shared by every environment forked from the
    # snapshot, and two restoring at once would each read part of it.
    own = os.open(".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=_snapshot_tmp)
    os.close(_snapshot_tmp)
    try:
        _copy_tree(own, "/tmp")
    finally:
        os.close(own)
    if rng_state is not None:
        rng.setstate(rng_state)


def reserve_descriptors():
    """A snapshot, before the init: descriptor 5 is a spare's (_spare), so
    none of the init's may be."""
    fd = os.open(os.devnull, os.O_RDONLY)
    if fd != 5:
        os.dup2(fd, 5)
        os.close(fd)


def report_init_error(error_type):
    """A snapshot whose init (or before-snapshot hook) failed tells the server."""
    sys.stdout.flush()
    sys.stderr.flush()
    control = socket.socket(fileno=_CONTROL_FD)
    try:
        control.send(("error " + error_type).encode("utf-8", "replace"))
    finally:
        control.detach()


def serve():
    """The template's life: exits when the server goes; returns only in a
    runtime a function has taken (its cwd, argv and environment set)."""
    launch = None
    try:
        if not _serve_spares():
            return  # started as a template by someone else: a runtime as any
    except _BecomeRuntime as taken:
        launch = taken.args
    if launch is None:
        sys.exit(0)
    # Outside the except clause, so that nothing the function raises has
    # _BecomeRuntime as its context.
    _become(*launch)
