#pragma once
// The spare's side of a spare sandbox (spares.h): `lambda-emu __spare`,
// exec'd by the server into a new process that already sits in the new
// namespaces, with /dev/null, the output pipe, the report pipe and the
// control socket as descriptors 0-4 (spare_protocol.h).
//
// It joins its cgroups and builds the shared half of the view (the slow
// parts of a start: a cgroup v1 move waits for an RCU grace period), says
// "ready", and waits. Told to become an environment, it mounts the
// function's half, pivots into it and becomes the environment's init (or,
// unsandboxed, execs the runtime itself), exactly as a spawned environment's
// first process would. When the server goes away first it just exits.
//
// A fresh process image rather than a copy of the server: it has one thread,
// so it may allocate, and it holds ~0.9 MB of its own instead of a copy
// of the server's page tables.

namespace lambda_emu::sandbox {

// main() for `lambda-emu __spare`. Never returns.
[[noreturn]] void RunSpare();

}  // namespace lambda_emu::sandbox
