#pragma once
// The spare's side of a spare sandbox (spares.h): `lambda-emu __spare`
// (the program is lambda-emu-spare, src/spare_main.cc, else lambda-emu
// itself: spare::Executable), exec'd by the server into a new process that
// already sits in the new namespaces, with /dev/null, the output pipe, the
// report pipe and the control socket as descriptors 0-4 (spare_protocol.h).
//
// It joins its cgroups and builds the shared half of the view (the slow
// parts of a start: a cgroup v1 move waits for an RCU grace period), says
// "ready", and waits. From the join until it is told to become an
// environment it runs at the spares thread's idle policy (Prepare::policy),
// and so does its prestarted runtime process. Told to become an environment, it mounts the
// function's half, pivots into it and becomes the environment's init (or,
// unsandboxed, execs the runtime itself), exactly as a spawned environment's
// first process would. When the server goes away first it just exits.
//
// A fresh process image rather than a copy of the server: it has one thread,
// so it may allocate, and it holds ~130 KB of its own instead of a copy
// of the server's page tables.

#include <sys/types.h>

namespace lambda_emu::sandbox {

// main() for `lambda-emu __spare` (`forked` -1), or for `lambda-emu
// __spare forked PID`: a spare a runtime template forked (runtime_
// templates.h), whose runtime process is its child `forked`, at the other
// end of descriptor 5. That process joins the cgroups with it and becomes
// the runtime when a Launch names the command it stands for; any other
// Launch lets it go and execs the runtime as usual. Never returns.
[[noreturn]] void RunSpare(pid_t forked);

}  // namespace lambda_emu::sandbox
