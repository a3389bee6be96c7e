#pragma once
// RunQuietly: runs a helper program (an interpreter probe, mke2fs) from the
// server, outside any environment, and waits for it. Blocking; io thread
// at start-up or once per new kind of thing, or the spare /tmp volumes'
// thread (a template), never per invocation. From any thread: the helper
// is a child the Reaper's waitpid(-1) does not collect (no exit signal).

#include <string>
#include <vector>

namespace lambda_emu::sandbox {

// Runs `args` (PATH lookup for args[0]) with stderr discarded; true when it
// exits 0. Its stdout goes to `output`.
bool RunQuietly(std::vector<std::string> args, std::string& output);

}  // namespace lambda_emu::sandbox
