#include "sandbox/mounts.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

// What the view makes itself; the host's entries of these names are not shown.
const std::set<std::string> kOwnRoot = {"proc", "tmp", "var", "opt", "dev", "lost+found"};
const char* const kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};
const std::set<std::string> kOwnVar = {"task", "runtime", "lang"};

std::vector<HostLayout::Entry> ReadEntries(const fs::path& dir) {
  std::vector<HostLayout::Entry> entries;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    HostLayout::Entry entry;
    entry.name = item.path().filename().string();
    std::error_code ignored;
    if (item.is_symlink(ignored)) {
      entry.link = fs::read_symlink(item.path(), ignored).string();
      if (entry.link.empty()) continue;
    } else if (item.is_directory(ignored)) {
      entry.directory = true;
    } else {
      continue;  // files at the top (/.dockerenv...) are not part of the view
    }
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return entries;
}

// Whether `uid` can list and read `dir` by its mode bits (root's
// directories made by mktemp are 0700).
bool Readable(const fs::path& dir, uid_t uid) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return true;  // the mount reports it
  if (st.st_uid == uid) return (st.st_mode & S_IRUSR) && (st.st_mode & S_IXUSR);
  return (st.st_mode & S_IROTH) && (st.st_mode & S_IXOTH);
}

void AddHostEntries(const std::vector<HostLayout::Entry>& entries, const std::string& host_dir,
                    const std::string& view_dir, const std::set<std::string>& skip,
                    MountPlan& plan) {
  using Kind = MountStep::Kind;
  for (const auto& entry : entries) {
    if (skip.count(entry.name)) continue;
    std::string target = view_dir + "/" + entry.name;
    if (!entry.link.empty()) {
      plan.steps.push_back({Kind::kSymlink, entry.link, target, {}});
    } else {
      plan.steps.push_back({Kind::kDirectory, {}, target, {}});
      plan.steps.push_back({Kind::kBind, host_dir + "/" + entry.name, target, {}});
    }
  }
}

// ---- child side: system calls only ----

int MountSetattr(int dirfd, const char* path, unsigned flags, mount_attr* attr) {
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof *attr));
}

// A read-only bind of `source` on `target`, idmapped through `userns` when
// asked and the filesystem allows it (else a plain read-only bind).
bool BindReadOnly(const MountStep& step, int userns) {
  int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, step.source.c_str(),
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (tree < 0) return false;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (step.idmap && userns >= 0) {
    mount_attr idmapped = attr;
    idmapped.attr_set |= MOUNT_ATTR_IDMAP;
    idmapped.userns_fd = static_cast<std::uint64_t>(userns);
    if (MountSetattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &idmapped) == 0) attr.attr_set = 0;
  }
  bool ok =
      (attr.attr_set == 0 || MountSetattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) == 0) &&
      ::syscall(SYS_move_mount, tree, "", AT_FDCWD, step.target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) ==
          0;
  int saved = errno;
  ::close(tree);
  errno = saved;
  return ok;
}

bool ApplyStep(const MountStep& step, int userns) {
  using Kind = MountStep::Kind;
  switch (step.kind) {
    case Kind::kDirectory:
      return ::mkdir(step.target.c_str(), 0755) == 0 || errno == EEXIST;
    case Kind::kSymlink:
      return ::symlink(step.source.c_str(), step.target.c_str()) == 0;
    case Kind::kBind:
      return ::mount(step.source.c_str(), step.target.c_str(), nullptr, MS_BIND | MS_REC,
                     nullptr) == 0;
    case Kind::kBindFile:
      return ::mount(step.source.c_str(), step.target.c_str(), nullptr, MS_BIND, nullptr) == 0;
    case Kind::kReadOnly:
      return BindReadOnly(step, userns);
    case Kind::kOverlay:
      return ::mount("overlay", step.target.c_str(), "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
                     step.data.c_str()) == 0;
    case Kind::kTmpfs:
      return ::mount("tmpfs", step.target.c_str(), "tmpfs", MS_NOSUID, step.data.c_str()) == 0;
    case Kind::kDevice: {
      int fd = ::open(step.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return false;
      ::close(fd);
      return ::mount(step.source.c_str(), step.target.c_str(), nullptr, MS_BIND, nullptr) == 0;
    }
    case Kind::kSeal:
      return ::mount(nullptr, step.target.c_str(), nullptr,
                     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, nullptr) == 0;
    case Kind::kHide: {
      struct stat st {};
      if (::stat(step.target.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return true;
      return ::mount("tmpfs", step.target.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
                     "size=4k,mode=0755") == 0;
    }
  }
  return false;
}

}  // namespace

const HostLayout& ReadHostLayout() {
  static const HostLayout layout = [] {
    HostLayout read;
    read.root = ReadEntries("/");
    read.var = ReadEntries("/var");
    return read;
  }();
  return layout;
}

void BuildHostView(const fs::path& passwd, const fs::path& group, MountPlan& plan) {
  using Kind = MountStep::Kind;
  const std::string& root = plan.root;
  const HostLayout& host = ReadHostLayout();
  AddHostEntries(host.root, "", root, kOwnRoot, plan);
  for (const char* own : {"/proc", "/tmp", "/var", "/opt", "/dev"}) {
    plan.steps.push_back({Kind::kDirectory, {}, root + own, {}});
  }
  AddHostEntries(host.var, "/var", root + "/var", kOwnVar, plan);
  for (const char* own : {"/var/task", "/var/runtime", "/var/lang"}) {
    plan.steps.push_back({Kind::kDirectory, {}, root + own, {}});
  }
  if (!passwd.empty()) {
    plan.steps.push_back({Kind::kBindFile, passwd.string(), root + "/etc/passwd", {}});
  }
  if (!group.empty()) {
    plan.steps.push_back({Kind::kBindFile, group.string(), root + "/etc/group", {}});
  }
  auto& dev = plan.after_seal;
  dev.push_back({Kind::kTmpfs, {}, root + "/dev", "size=64k,mode=0755"});
  for (const char* name : kDevices) {
    dev.push_back({Kind::kDevice, std::string("/dev/") + name, root + "/dev/" + name, {}});
  }
  dev.push_back({Kind::kSymlink, "/proc/self/fd", root + "/dev/fd", {}});
  const char* const streams[] = {"stdin", "stdout", "stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    dev.push_back(
        {Kind::kSymlink, "/proc/self/fd/" + std::to_string(fd), root + "/dev/" + streams[fd], {}});
  }
  dev.push_back({Kind::kSeal, {}, root + "/dev", {}});
}

void BuildFunctionView(const ViewSpec& spec, MountPlan& plan) {
  using Kind = MountStep::Kind;
  const std::string& root = plan.root;
  auto read_only = [&](const fs::path& source, const std::string& target) {
    MountStep step{Kind::kReadOnly, source.string(), root + target, {}};
    step.idmap = spec.idmap_unreadable && !Readable(source, spec.user_uid);
    plan.function.push_back(std::move(step));
  };
  read_only(spec.code_dir, "/var/task");
  if (spec.layers.size() == 1) {
    read_only(spec.layers.front(), "/opt");
  } else if (spec.layers.size() > 1) {
    // overlayfs lists the top layer first: the last layer wins.
    std::string lower;
    for (auto it = spec.layers.rbegin(); it != spec.layers.rend(); ++it) {
      lower += (lower.empty() ? "" : ":") + it->string();
    }
    plan.function.push_back({Kind::kOverlay, {}, root + "/opt", "lowerdir=" + lower});
  }
  if (!spec.runtime_dir.empty()) read_only(spec.runtime_dir, "/var/runtime");
  if (!spec.interpreter_prefix.empty()) read_only(spec.interpreter_prefix, "/var/lang");
  for (const auto& path : spec.hide) {
    plan.function.push_back({Kind::kHide, {}, root + path.string(), {}});
  }
}

void BuildMountPlan(const ViewSpec& spec, MountPlan& plan) {
  BuildHostView(spec.passwd, spec.group, plan);
  BuildFunctionView(spec, plan);
}

namespace {

bool Fail(const char*& failed, const char* what) {
  int saved = errno;
  failed = what;
  errno = saved;
  return false;
}

// `path` under the view's root, in `out`.
bool UnderRoot(const MountPlan& plan, const char* path, char (&out)[4096]) {
  std::size_t a = plan.root.size();
  std::size_t b = std::strlen(path);
  if (a + b + 1 > sizeof out) return false;
  std::memcpy(out, plan.root.c_str(), a);
  std::memcpy(out + a, path, b + 1);
  return true;
}

}  // namespace

bool PrepareView(const MountPlan& plan, const char*& failed) {
  const char* root = plan.root.c_str();
  // Nothing done here may reach the host's mount table.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Fail(failed, "make mounts private");
  }
  if (::mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") != 0) {
    return Fail(failed, "mount the new root");
  }
  for (const auto& step : plan.steps) {
    if (!ApplyStep(step, plan.idmap_fd)) return Fail(failed, step.target.c_str());
  }
  // Everything so far is the host's: read-only. What comes after is
  // read-only by itself (the function's mounts, /dev's seal) or writable
  // on purpose (/tmp, /proc).
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (MountSetattr(AT_FDCWD, root, AT_RECURSIVE, &attr) != 0) {
    return Fail(failed, "make the view read-only");
  }
  for (const auto& step : plan.after_seal) {
    if (!ApplyStep(step, plan.idmap_fd)) return Fail(failed, step.target.c_str());
  }
  // Own /proc: this PID namespace's processes only.
  char target[4096];
  if (!UnderRoot(plan, "/proc", target) ||
      ::mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Fail(failed, "mount /proc");
  }
  return true;
}

bool EnterView(const MountPlan& plan, const char*& failed) {
  for (const auto& step : plan.function) {
    if (!ApplyStep(step, plan.idmap_fd)) return Fail(failed, step.target.c_str());
  }
  char target[4096];
  if (plan.tmp.kind != TmpVolume::Kind::kNone) {
    if (!UnderRoot(plan, "/tmp", target) || !MountTmpVolume(plan.tmp, target, failed)) {
      return false;
    }
  }
  // The view becomes "/"; the host's root is detached from this namespace.
  if (::chdir(plan.root.c_str()) != 0) return Fail(failed, "chdir to the new root");
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return Fail(failed, "pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) return Fail(failed, "detach the host's root");
  if (::chdir("/") != 0) return Fail(failed, "chdir /");
  return true;
}

bool ApplyMountPlan(const MountPlan& plan, const char*& failed) {
  return PrepareView(plan, failed) && EnterView(plan, failed);
}

}  // namespace lambda_emu::sandbox
