#include "sandbox/leftovers.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "sandbox/cgroup_fs.h"
#include "sandbox/janitor.h"
#include "sandbox/process_table.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

std::optional<pid_t> ServerPidInName(const std::string& name, bool server_leaf) {
  const std::string prefix = "lambda-emu-";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  std::string rest = name.substr(prefix.size());
  const std::string suffix = "-server";
  if (server_leaf && rest.size() > suffix.size() &&
      rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
    rest.resize(rest.size() - suffix.size());
  }
  if (rest.empty() || rest.size() > 9 ||
      !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<pid_t>(std::atol(rest.c_str()));
}

namespace {

bool Stale(pid_t pid) { return pid != ::getpid() && !IsLiveServer(pid); }

}  // namespace

int RemoveStaleCgroups(const fs::path& parent, Janitor& janitor) {
  int stale = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    auto pid = ServerPidInName(entry.path().filename().string(), true);
    if (!pid || !Stale(*pid) || !entry.is_directory(ec)) continue;
    ++stale;
    // Deepest first: a cgroup directory goes only once its children have.
    std::vector<fs::path> dirs;
    for (auto it = fs::recursive_directory_iterator(entry.path(), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec)) dirs.push_back(it->path());
    }
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    dirs.push_back(entry.path());
    // cgroup.kill (v2) takes the whole subtree at once; v1 lists each.
    (void)cgroupfs::WriteFile(entry.path() / "cgroup.kill", "1");
    for (const auto& dir : dirs) {
      cgroupfs::KillListed(dir / "cgroup.procs", 3);
      janitor.RemoveCgroup(dir);
    }
    spdlog::info("cleanup: removing {}, left by lambda-emu pid {} (no longer running)",
                 entry.path().string(), *pid);
  }
  return stale;
}

int RemoveStaleWorkDirs(const fs::path& dir, Janitor& janitor) {
  int stale = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto pid = ServerPidInName(entry.path().filename().string(), false);
    if (!pid || !Stale(*pid) || !entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    ++stale;
    spdlog::info("cleanup: removing {}, left by lambda-emu pid {} (no longer running)",
                 entry.path().string(), *pid);
    janitor.RemoveTree(entry.path());
  }
  return stale;
}

}  // namespace lambda_emu::sandbox
