#pragma once
// Leftovers of servers that died without cleaning up (kill -9, a crash, a
// power cut): their cgroup directories (lambda-emu-<pid>, and the
// lambda-emu-<pid>-server leaf a v2 server moves itself into) and their work
// directories ($TMPDIR/lambda-emu-<pid>). A new server removes those whose
// pid is not a live lambda-emu process at start, and leaves every live
// server's alone.
//
// Plain functions, called once at start-up; the removal itself is queued on
// the Janitor. Any thread.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace lambda_emu::sandbox {

class Janitor;

// The server pid in "lambda-emu-<pid>" (or "lambda-emu-<pid>-server" when
// `server_leaf`); nullopt for any other name.
std::optional<pid_t> ServerPidInName(const std::string& name, bool server_leaf);

// Under the cgroup `parent`: kills what still runs in each dead server's
// directory, then has the janitor remove it (children first). Returns how
// many server directories were stale.
int RemoveStaleCgroups(const std::filesystem::path& parent, Janitor& janitor);

// Under `dir` (the default work directories' parent): has the janitor
// remove each dead server's lambda-emu-<pid> directory.
int RemoveStaleWorkDirs(const std::filesystem::path& dir, Janitor& janitor);

}  // namespace lambda_emu::sandbox
