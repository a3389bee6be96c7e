// Chooses the cgroup mode at start: v2, v1, or none.
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <sstream>

#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

std::string SelfCgroups() { return cgroupfs::ReadFile("/proc/self/cgroup").value_or(""); }

// Our own cgroup inside a hierarchy mounted at `mount`; inside a cgroup
// namespace or a container the path may not exist there, then the mount root.
fs::path OwnDir(const fs::path& mount, const std::optional<std::string>& own) {
  if (!own) return mount;
  fs::path dir = mount / fs::path(*own).relative_path();
  std::error_code ec;
  return fs::is_directory(dir, ec) ? dir : mount;
}

}  // namespace

bool CgroupsFavorDynamicModifications(std::string_view proc_mounts) {
  std::istringstream lines{std::string(proc_mounts)};
  std::string device, mount_point, type, options;
  std::string rest;
  while (lines >> device >> mount_point >> type >> options) {
    std::getline(lines, rest);
    if (type != "cgroup" && type != "cgroup2") continue;
    std::istringstream flags(options);
    for (std::string flag; std::getline(flags, flag, ',');) {
      if (flag == "favordynmods") return true;
    }
  }
  return false;
}

bool HostCgroupsFavorDynamicModifications() {
  return CgroupsFavorDynamicModifications(cgroupfs::ReadFile("/proc/mounts").value_or(""));
}

std::unique_ptr<CgroupManager> DetectCgroups(boost::asio::io_context& io,
                                             const CgroupOptions& options) {
  const std::string name = "lambda-emu-" + std::to_string(::getpid());
  if (options.mode == "none") return MakeNoCgroupManager(io, "--cgroups none");

  struct statfs fs_info {};
  bool unified = ::statfs(options.root.c_str(), &fs_info) == 0 &&
                 fs_info.f_type == static_cast<decltype(fs_info.f_type)>(CGROUP2_SUPER_MAGIC);
  std::string why;
  const std::string self = SelfCgroups();

  if (unified && options.mode != "v1") {
    auto manager = MakeCgroupV2Manager(OwnDir(options.root, cgroupfs::OwnCgroupPath(self, "")),
                                       name, options.janitor);
    if (manager.ok()) return std::move(manager.value());
    why = "cgroup v2 not writable: " + manager.status().message();
  } else if (!unified && options.mode != "v2") {
    auto hierarchy = [&](const std::string& controller) -> fs::path {
      fs::path mount = options.root / controller;
      std::error_code ec;
      if (!fs::is_directory(mount, ec)) return {};
      return OwnDir(mount, cgroupfs::OwnCgroupPath(self, controller));
    };
    auto manager = MakeCgroupV1Manager(hierarchy, name, options.janitor);
    if (manager.ok()) return std::move(manager.value());
    why = "cgroup v1 not writable: " + manager.status().message();
  } else {
    why =
        "cgroup " + options.mode + " requested but the host has cgroup " + (unified ? "v2" : "v1");
  }
  return MakeNoCgroupManager(io, why);
}

}  // namespace lambda_emu::sandbox
