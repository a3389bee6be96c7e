#include "sandbox/process_table.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "sandbox/cgroup_fs.h"

namespace lambda_emu::sandbox {

namespace {

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (!proc) return pids;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

// The fields after "pid (comm)" of /proc/<pid>/stat: comm may hold spaces
// and parentheses, so they start after the last ')'.
std::optional<std::vector<std::string>> StatFields(pid_t pid) {
  auto text = cgroupfs::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

}  // namespace

std::optional<std::uint64_t> StartTime(pid_t pid) {
  auto fields = StatFields(pid);
  // fields[0] is field 3 (state); starttime is field 22.
  if (!fields || fields->size() < 20) return std::nullopt;
  return std::strtoull((*fields)[19].c_str(), nullptr, 10);
}

const std::string& InstanceMarker() {
  static const std::string marker =
      std::to_string(::getpid()) + "." + std::to_string(StartTime(::getpid()).value_or(0));
  return marker;
}

bool IsLiveServer(pid_t pid, std::optional<std::uint64_t> start_time) {
  if (pid <= 0) return false;
  auto comm = cgroupfs::ReadFile("/proc/" + std::to_string(pid) + "/comm");
  // Not a spare sandbox's lambda-emu-spare (comm "lambda-emu-spar").
  if (!comm || comm->rfind("lambda-emu", 0) != 0 || comm->rfind("lambda-emu-spar", 0) == 0) {
    return false;
  }
  if (!start_time) return true;
  return StartTime(pid) == start_time;
}

namespace {

std::optional<std::string> EnvironmentOf(pid_t pid) {
  return cgroupfs::ReadFile("/proc/" + std::to_string(pid) + "/environ");
}

// The value of kInstanceVariable in a NUL-separated environment; "" when none.
std::string MarkerIn(const std::string& environ) {
  const std::string key = std::string(kInstanceVariable) + "=";
  std::size_t at = 0;
  while (at < environ.size()) {
    std::size_t end = environ.find('\0', at);
    if (end == std::string::npos) end = environ.size();
    if (environ.compare(at, key.size(), key) == 0) {
      return environ.substr(at + key.size(), end - at - key.size());
    }
    at = end + 1;
  }
  return std::string();
}

}  // namespace

std::optional<std::string> MarkerOf(pid_t pid) {
  auto environ = EnvironmentOf(pid);
  if (!environ) return std::nullopt;
  return MarkerIn(*environ);
}

StartedBy WhoStarted(pid_t pid) {
  auto environ = EnvironmentOf(pid);
  if (!environ) return StartedBy::kOther;  // gone
  if (!environ->empty()) {
    return MarkerIn(*environ) == InstanceMarker() ? StartedBy::kOurRuntime : StartedBy::kOther;
  }
  // A zombie has none either; it is dead already, and reaped.
  auto fields = StatFields(pid);
  return fields && !fields->empty() && (*fields)[0] != "Z" ? StartedBy::kUnknown
                                                           : StartedBy::kOther;
}

bool MarkerOfDeadServer(const std::string& marker) {
  if (marker.empty() || marker == InstanceMarker()) return false;
  char* end = nullptr;
  long pid = std::strtol(marker.c_str(), &end, 10);
  if (end == marker.c_str() || *end != '.') return false;
  std::uint64_t start = std::strtoull(end + 1, nullptr, 10);
  return !IsLiveServer(static_cast<pid_t>(pid), start);
}

std::vector<Descendant> Descendants(pid_t server) {
  std::unordered_map<pid_t, pid_t> parent;
  for (pid_t pid : AllPids()) {
    auto fields = StatFields(pid);
    if (fields && fields->size() > 1) parent[pid] = std::atoi((*fields)[1].c_str());
  }
  std::vector<Descendant> found;
  for (const auto& [pid, ppid] : parent) {
    pid_t child = pid;
    pid_t up = ppid;
    // Bounded: a pid reused during the scan could make a cycle.
    for (int hops = 0; hops < 4096 && up > 1 && up != server; ++hops) {
      child = up;
      auto it = parent.find(up);
      up = it == parent.end() ? 0 : it->second;
    }
    if (up == server && pid != server) found.push_back({pid, child});
  }
  return found;
}

int KillProcessesOfDeadServers() {
  int killed = 0;
  for (pid_t pid : AllPids()) {
    auto marker = MarkerOf(pid);
    if (marker && MarkerOfDeadServer(*marker) && ::kill(pid, SIGKILL) == 0) ++killed;
  }
  return killed;
}

int KillAllDescendants() {
  auto all = Descendants(::getpid());
  for (const auto& d : all) ::kill(d.pid, SIGKILL);
  return static_cast<int>(all.size());
}

}  // namespace lambda_emu::sandbox
