#pragma once
// What `--debug` asks for (docs/debugging.md): which functions start under
// their debugger, and where the debuggers listen. A plain value, filled once
// from the command line and copied into the server settings and the
// RuntimeLocator, which hands out the ports.

#include <string>
#include <vector>

namespace lambda_emu::sandbox {

// Each debugged function gets its own port, in the order the functions are
// first asked about (the banner's order): from `port` when it is set, else
// Node.js functions from 9229 (the inspector's default) and the others from
// 5678 (debugpy's default).
struct DebugOptions {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 0;                          // 0: the defaults above
  std::vector<std::string> functions;    // names or logical ids; empty: every function
  std::string python_debugger = "auto";  // auto (debugpy when importable, else pdb), debugpy, pdb
};

}  // namespace lambda_emu::sandbox
