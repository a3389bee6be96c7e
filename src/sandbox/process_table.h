#pragma once
// ProcessTable: what /proc says about the processes a server is
// responsible for. Runtimes carry an environment variable naming the server
// instance that started them (InstanceMarker), so leftovers can be found
// even after they escaped their cgroup and process group, and after the
// server that started them died. Descendants follow the parent links: the
// server is a child subreaper, so orphans of a runtime become its children.
//
// Plain functions reading /proc (blocking, O(processes)): call them from the
// Janitor's thread or at start-up/shutdown, not per request. Any thread.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace lambda_emu::sandbox {

// The variable a runtime gets: "<kInstanceVariable>=<pid>.<starttime>".
inline constexpr const char* kInstanceVariable = "LAMBDA_EMU_INSTANCE";

// This server's value of it.
const std::string& InstanceMarker();

// Field 22 of /proc/<pid>/stat (clock ticks after boot), which tells a pid
// reused by another process apart; nullopt when `pid` is gone.
std::optional<std::uint64_t> StartTime(pid_t pid);

// True while `pid` runs lambda-emu (its comm), and, when `start_time` is
// given, is the same process that had that start time.
bool IsLiveServer(pid_t pid, std::optional<std::uint64_t> start_time = std::nullopt);

// The value of kInstanceVariable in `pid`'s environment; "" when it has
// none, nullopt when it cannot be read (gone, or a kernel thread).
std::optional<std::string> MarkerOf(pid_t pid);

// What `pid`'s environment says of who started it. A process a runtime
// started carries InstanceMarker(); a helper the server runs itself has the
// server's environment. An empty one is either a process that wiped its
// own, or one in the middle of an execve (the kernel sets the new
// environment up last): a template or spare the server is starting looks
// like that for a moment, so only a second look, later, can tell.
enum class StartedBy { kOther, kOurRuntime, kUnknown };
StartedBy WhoStarted(pid_t pid);

// Whether a marker value names a server that is no longer running.
bool MarkerOfDeadServer(const std::string& marker);

struct Descendant {
  pid_t pid;
  pid_t top;  // the ancestor that is a direct child of the server (maybe pid itself)
};
// Every descendant of `server`, from the parent links in /proc/*/stat.
std::vector<Descendant> Descendants(pid_t server);

// SIGKILLs every process whose marker names a dead server (start-up
// cleanup of what a killed server left running). Returns how many.
int KillProcessesOfDeadServers();

// SIGKILLs every descendant of this process; returns how many were found.
int KillAllDescendants();

}  // namespace lambda_emu::sandbox
