"""Hostile functions against the sandbox (issue 12 items 4, 5, 7).

4. File-system work stays off the io thread: 200,000 files in one function's
   /tmp neither stall another function's invokes during the /tmp sweep nor at
   teardown, and no cgroup directory is left behind after a burst.
5. Kill means dead: a fork bomb is gone right after its timeout; a process
   that left its process group and cgroup dies with the server (SIGTERM), or
   at the next server's start after a kill -9, which also removes the dead
   server's cgroups and work directory and leaves a live server's alone.
7. Teardown stays inside the environment's directory: an outside directory
   bind-mounted under /tmp keeps its files.

The kernel cases need root and writable cgroup v1 (this machine's mode); v2
runs where a writable unified hierarchy with the memory controller exists.
"""
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest
import uuid

from emu import EmuServer, fixture, invoke_parallel, pid_alive, probe_function, wait_until

# These tests watch environments from the host (their pids, TMPDIR, host
# paths), which a sandbox hides: they run with --sandbox none. The sandbox's
# own tests are test_isolation.py; the other files run under the default.
os.environ.setdefault("LAMBDA_EMU_TEST_SANDBOX", "none")

ROOT = os.geteuid() == 0
# The hostile case is 200,000 files (bench/hostile/tmp_files.py); 60,000 already
# stalled main for 1.7 s, and a slow disk takes minutes to remove 200,000.
TMP_FILES = int(os.environ.get("LAMBDA_EMU_TEST_TMP_FILES", "60000"))
V1 = ROOT and os.access("/sys/fs/cgroup/memory", os.W_OK) and os.path.isdir(
    "/sys/fs/cgroup/freezer")
V1_CONTROLLERS = ("memory", "pids", "cpu", "freezer")


def v2_root():
    """A writable cgroup v2 mount with the memory controller, or None."""
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        try:
            with open(os.path.join(root, "cgroup.controllers")) as f:
                if "memory" in f.read().split() and os.access(root, os.W_OK) and ROOT:
                    return root
        except OSError:
            continue
    return None


V2 = v2_root()


def hostile(**overrides):
    config = {"Runtime": "provided", "Handler": "bootstrap",
              "Code": fixture("functions", "hostile"), "MemorySize": 512, "Timeout": 120}
    config.update(overrides)
    return config


def v1_dirs(server_pid):
    """The server's lambda-emu-<pid> directory in each v1 hierarchy."""
    dirs = []
    with open(f"/proc/{server_pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(","):
                if c in V1_CONTROLLERS:
                    dirs.append(os.path.join(f"/sys/fs/cgroup/{c}{path}", f"lambda-emu-{server_pid}"))
    return dirs


def v2_dir(root, server_pid):
    with open(f"/proc/{server_pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                path = line.rstrip("\n")[3:]
                # A v2 server may have moved itself into a "-server" leaf.
                base = os.path.join(root, path.lstrip("/"))
                if os.path.basename(base) == f"lambda-emu-{server_pid}-server":
                    base = os.path.dirname(base)
                return os.path.join(base, f"lambda-emu-{server_pid}")
    return None


def subdirs(path):
    """Environments' cgroup directories under path (spare sandboxes' stay: they wait there)."""
    try:
        return [e for e in os.listdir(path)
                if os.path.isdir(os.path.join(path, e)) and not e.startswith("spare-")]
    except OSError:
        return []


def pids_with(variable, value):
    """Live pids whose environment has variable=value."""
    needle = f"{variable}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0") and pid_alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            continue
    return found


class TmpFilesDoNotStallTheServerTest(unittest.TestCase):
    """200,000 files in /tmp: the sweep (every 750 ms with --idle-ttl 3) and the
    teardown at idle eviction walked and deleted them on the io thread, which
    stalled every other invoke 0.5 s per sweep and 2 s at teardown."""

    def test_warm_function_is_answered_promptly_during_sweeps_and_teardown(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-hostile-")
        self.addCleanup(shutil.rmtree, tmp, True)
        # 200,000 files take 800 MB of blocks: more than the default 512 MB.
        filler = hostile(EphemeralStorage={"Size": 10240})
        with EmuServer({"filler": filler, "warm": probe_function()},
                       args=["--idle-ttl", "3", "--work-dir", tmp]) as emu:
            self.assertEqual(emu.invoke("warm", b"{}").status, 200)  # the cold start
            filled = []
            filler = threading.Thread(target=lambda: filled.append(
                emu.invoke("filler", {"files": TMP_FILES}, timeout=600)))
            filler.start()
            # The warm function is invoked all along: while the files are
            # made, while the sweep measures them, and when the filler is
            # evicted (3 s idle) and its directory removed.
            latencies, filler_dir, done_at = [], None, None
            while done_at is None or time.monotonic() - done_at < 10:
                start = time.monotonic()
                self.assertEqual(emu.invoke("warm", b"{}").status, 200)
                latencies.append(time.monotonic() - start)
                if done_at is None and not filler.is_alive():
                    done_at = time.monotonic()
                    self.assertEqual(filled[0].json(), {"files": TMP_FILES}, filled[0])
                    env_dirs = [d for d in os.listdir(tmp) if d.startswith("filler-")]
                    self.assertEqual(len(env_dirs), 1, env_dirs)
                    filler_dir = os.path.join(tmp, env_dirs[0])
            # Minutes on a busy disk (rm -rf alike); seconds on a quiet one.
            self.assertTrue(wait_until(lambda: not os.path.exists(filler_dir), 240),
                            "the evicted environment's directory was not removed")
        # The bug stalls 0.5 s per sweep and 2 s at teardown (200,000 files;
        # ~0.6 s at teardown with 60,000); a normal warm invoke takes a few
        # ms, so 0.45 s leaves room for a busy machine. A sanitizer build
        # (scripts/test --sanitize) runs everything 2-3x slower, the bug's
        # walk included, and a loaded CI machine stalled one invoke 0.6 s in
        # it: the bound doubles there.
        # The bug stalls at every sweep and at teardown; one stall of a machine
        # busy writing 800 MB is not it (a clean-clone CI run saw one 0.53 s
        # invoke among 3,960, the next slowest 0.09 s): at most one invoke may
        # pass the bound, and none three times it (the teardown's 2 s).
        bound = 0.9 if os.environ.get("ASAN_OPTIONS") else 0.45
        slow = [round(latency, 3) for latency in latencies if latency >= bound]
        detail = (f"slowest of {len(latencies)} warm invokes: {max(latencies):.3f} s; "
                  f"next: {sorted(latencies)[-5:]}")
        self.assertLessEqual(len(slow), 1, f"{len(slow)} stalls over {bound} s: {slow}; {detail}")
        self.assertLess(max(latencies), 3 * bound, detail)


class CgroupsAreAllRemovedTest(unittest.TestCase):
    """rmdir of a cgroup whose killed processes had not exited yet was retried
    for 100 ms on the io thread, then given up: directories leaked."""

    def check_no_directories_left(self, args, dirs_of):
        functions = {"probe": probe_function(MemorySize=128, Timeout=30),
                     "bomb": hostile(Timeout=2, MemorySize=128)}
        with EmuServer(functions, args=["--idle-ttl", "1", "--init-timeout", "60",
                                        "--pids-limit", "60", *args]) as emu:
            results = invoke_parallel(emu, "probe", [b'{"sleep": 0.5}'] * 100)
            self.assertTrue(all(getattr(r, "status", 0) == 200 for r, _ in results),
                            [r for r, _ in results if getattr(r, "status", 0) != 200][:3])
            # Killed environments whose processes take long to exit (CPU-starved
            # fork bombs): their cgroups stay busy for more than the 100 ms the
            # server used to wait.
            results = invoke_parallel(emu, "bomb", [b'{"forkbomb": 60}'] * 8)
            self.assertTrue(all(getattr(r, "status", 0) == 200 for r, _ in results), results[:2])
            dirs = [d for d in dirs_of(emu.proc.pid) if d and os.path.isdir(d)]
            self.assertTrue(dirs, "the server made no cgroup directory")
            # Idle eviction: every environment's cgroup goes.
            left = wait_until(lambda: not any(subdirs(d) for d in dirs), 30)
            self.assertTrue(left, {d: subdirs(d) for d in dirs})
            self.assertEqual(emu.stop(), 0)
        self.assertEqual([d for d in dirs if os.path.exists(d)], [],
                         "the server's cgroup directories outlived it")

    @unittest.skipUnless(V1, "needs root and writable cgroup v1 with a freezer")
    def test_v1_burst_leaves_no_cgroup_directory(self):
        self.check_no_directories_left(["--cgroups", "v1"], v1_dirs)

    @unittest.skipUnless(V2, "needs root and a writable cgroup v2 with the memory controller")
    def test_v2_burst_leaves_no_cgroup_directory(self):
        self.check_no_directories_left(["--cgroups", "v2", "--cgroup-root", V2 or ""],
                                       lambda pid: [v2_dir(V2, pid)])


class ForkBombIsKilledTest(unittest.TestCase):
    """After Sandbox.Timedout, a fork bomb's processes (state R, SIGKILL
    pending) lived on for 12-17 s, starved by the CPU quota."""

    def check_fork_bomb_dies(self, args):
        mark = uuid.uuid4().hex
        with EmuServer({"bomb": hostile(Timeout=4, MemorySize=128,
                                        Environment={"Variables": {"BOMB_MARK": mark}})},
                       args=["--pids-limit", "600", *args]) as emu:
            # ~250 processes in 4 s at 7 % of a CPU (memory stops it there).
            r = emu.invoke("bomb", {"forkbomb": 600})
            self.assertEqual(r.json().get("errorType"), "Sandbox.Timedout", r)
            timed_out = time.monotonic()
            gone = wait_until(lambda: not pids_with("BOMB_MARK", mark), 10, 0.02)
            took = time.monotonic() - timed_out
            self.assertTrue(gone, f"{len(pids_with('BOMB_MARK', mark))} processes still alive")
            # The bug: ~5 s here (12-17 s with a bigger bomb); fixed, well under 1 s.
            self.assertLess(took, 1.5, f"the fork bomb took {took:.1f} s to die")

    @unittest.skipUnless(V1, "needs root and writable cgroup v1 with a freezer")
    def test_v1_fork_bomb_is_gone_within_a_second_of_its_timeout(self):
        self.check_fork_bomb_dies(["--cgroups", "v1"])

    @unittest.skipUnless(V2, "needs root and a writable cgroup v2 with the memory controller")
    def test_v2_fork_bomb_is_gone_within_a_second_of_its_timeout(self):
        self.check_fork_bomb_dies(["--cgroups", "v2", "--cgroup-root", V2 or ""])


@unittest.skipUnless(V1, "needs root and writable cgroup v1 with a freezer")
class EscapeeIsKilledTest(unittest.TestCase):
    """A process that moved itself out of its cgroup and process group
    survived the server's SIGTERM and kill -9."""

    ROOT_PROCS = [f"/sys/fs/cgroup/{c}/cgroup.procs" for c in V1_CONTROLLERS]

    def start_escapee(self, emu):
        r = emu.invoke("escaper", {"escape": self.ROOT_PROCS})
        escapee = r.json()["escapee"]
        self.addCleanup(lambda: pid_alive(escapee) and os.kill(escapee, signal.SIGKILL))
        self.assertTrue(pid_alive(escapee))
        self.assertNotEqual(os.getpgid(escapee), os.getpgid(emu.proc.pid))
        return escapee

    def test_escapee_dies_with_the_server_on_sigterm(self):
        with EmuServer({"escaper": hostile()}, args=["--cgroups", "v1"]) as emu:
            escapee = self.start_escapee(emu)
            self.assertEqual(emu.stop(), 0)
        self.assertTrue(wait_until(lambda: not pid_alive(escapee), 3),
                        f"escapee {escapee} survived the server's SIGTERM")

    def test_next_server_cleans_up_after_one_killed_with_sigkill(self):
        tmp = tempfile.mkdtemp(prefix="lambda-emu-hostile-")
        self.addCleanup(shutil.rmtree, tmp, True)
        env = {"TMPDIR": tmp}
        functions = {"escaper": hostile(), "probe": probe_function()}
        live = EmuServer(functions, args=["--cgroups", "v1"], env=env).start()
        self.addCleanup(live.__exit__, None, None, None)
        self.assertEqual(live.invoke("probe", b"{}").status, 200)
        live_dirs = v1_dirs(live.proc.pid) + [os.path.join(tmp, f"lambda-emu-{live.proc.pid}")]

        dead = EmuServer(functions, args=["--cgroups", "v1"], env=env).start()
        self.addCleanup(dead.__exit__, None, None, None)
        escapee = self.start_escapee(dead)
        dead_dirs = v1_dirs(dead.proc.pid) + [os.path.join(tmp, f"lambda-emu-{dead.proc.pid}")]
        self.assertTrue(all(os.path.isdir(d) for d in dead_dirs + live_dirs))
        dead.stop(signal.SIGKILL)
        time.sleep(0.5)
        self.assertTrue(pid_alive(escapee), "the escapee did not outlive kill -9")

        with EmuServer(functions, args=["--cgroups", "v1"], env=env) as fresh:
            self.assertTrue(wait_until(lambda: not pid_alive(escapee), 5),
                            f"escapee {escapee} of the killed server is still alive")
            left = wait_until(lambda: not any(os.path.exists(d) for d in dead_dirs), 10)
            self.assertTrue(left, [d for d in dead_dirs if os.path.exists(d)])
            self.assertEqual([d for d in live_dirs if not os.path.isdir(d)], [],
                             "a live server's directories were touched")
            self.assertEqual(live.invoke("probe", b"{}").status, 200)
            self.assertEqual(fresh.invoke("probe", b"{}").status, 200)


@unittest.skipUnless(ROOT, "needs root to bind-mount")
class BindMountTeardownTest(unittest.TestCase):
    """A root function bind-mounted an outside directory under its /tmp; the
    teardown's recursive delete followed it and deleted the outside file."""

    def test_outside_file_survives_the_teardown(self):
        outside = tempfile.mkdtemp(prefix="lambda-emu-outside-")
        self.addCleanup(shutil.rmtree, outside, True)
        precious = os.path.join(outside, "precious.txt")
        with open(precious, "w") as f:
            f.write("keep me")
        with EmuServer({"binder": hostile()}, args=["--idle-ttl", "1"]) as emu:
            r = emu.invoke("binder", {"bind": outside})
            result = r.json()
            self.assertTrue(result.get("mounted"), result)
            target = result["target"]
            # If the teardown leaves the mount, unmount it before rmtree(outside).
            self.addCleanup(lambda: os.path.ismount(target) and os.system(f"umount -l {target}"))
            env_dir = os.path.dirname(os.path.dirname(target))
            # Idle eviction tears the environment down.
            removed = wait_until(lambda: not os.path.exists(env_dir), 15)
            self.assertTrue(os.path.exists(precious), "the teardown deleted a file outside /tmp")
            self.assertTrue(removed, f"{env_dir} was not removed")
        self.assertTrue(os.path.exists(precious), "the teardown deleted a file outside /tmp")


if __name__ == "__main__":
    unittest.main()
