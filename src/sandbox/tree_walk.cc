#include "sandbox/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

// Deeper directories are moved up to the top (same mount, so rename works)
// and removed from there: a hostile tree of any depth costs neither stack
// nor one open descriptor per level.
constexpr int kMaxDepth = 64;
std::atomic<std::uint64_t> next_moved{0};

struct Identity {
  std::uint64_t mount_id = 0;
  dev_t dev = 0;
  bool ok = false;
};

// The mount a directory descriptor is on. A bind mount of a directory of
// the same file system has the same st_dev, so the mount id (statx
// STATX_MNT_ID, Linux 5.8+) is what tells it apart; st_dev also catches
// other file systems where the mount id is not available.
Identity IdentityOf(int fd) {
  Identity id;
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) != 0) return id;
  id.dev = static_cast<dev_t>(::makedev(stx.stx_dev_major, stx.stx_dev_minor));
  id.mount_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
  id.ok = true;
  return id;
}

bool SameMount(const Identity& a, const Identity& b) {
  return a.ok && b.ok && a.dev == b.dev && a.mount_id == b.mount_id;
}

// The entries of a directory (without . and ..), read before any is
// changed: unlinking while readdir runs may skip entries.
std::vector<std::string> Entries(int dir_fd) {
  std::vector<std::string> names;
  int fd = ::dup(dir_fd);
  if (fd < 0) return names;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return names;
  }
  ::rewinddir(dir);
  while (dirent* entry = ::readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

// umount2 takes a path; going through /proc/self/fd/N pins the parent the
// entry was found in, so a symlink swapped into the path cannot redirect it,
// and UMOUNT_NOFOLLOW keeps the last component from being one.
bool Unmount(int parent_fd, const std::string& name) {
  std::string path = "/proc/self/fd/" + std::to_string(parent_fd) + "/" + name;
  return ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0;
}

class Remover {
 public:
  Remover(const fs::path& top, int top_fd, Identity mount, const std::atomic<bool>* cancel)
      : top_(top), top_fd_(top_fd), mount_(mount), cancel_(cancel) {}

  // Empties the directory `fd` (at `where`, for messages) of what can go.
  void Empty(int fd, const fs::path& where, int depth) {
    for (const std::string& name : Entries(fd)) {
      if (cancel_ && cancel_->load(std::memory_order_relaxed)) return;
      if (::unlinkat(fd, name.c_str(), 0) == 0 || errno == ENOENT) continue;
      if (errno == EBUSY) {  // a file bind-mounted over this entry
        if (Unmount(fd, name) && ::unlinkat(fd, name.c_str(), 0) == 0) continue;
        Leave(where / name, "a mount point that cannot be unmounted");
        continue;
      }
      if (errno != EISDIR) {
        Leave(where / name, std::strerror(errno));
        continue;
      }
      RemoveDirectory(fd, name, where / name, depth);
    }
  }

  bool moved() const { return moved_; }
  const std::vector<std::string>& left() const { return left_; }
  void Leave(const fs::path& path, const std::string& why) {
    left_.push_back(path.string() + " (" + why + ")");
  }

 private:
  void RemoveDirectory(int parent, const std::string& name, const fs::path& where, int depth) {
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(parent, name.c_str(), flags);
    if (fd < 0) {
      if (errno != ENOENT) Leave(where, std::strerror(errno));
      return;
    }
    if (!SameMount(IdentityOf(fd), mount_)) {
      ::close(fd);
      if (!Unmount(parent, name)) {
        spdlog::warn("cleanup: {} is a mount point that cannot be unmounted ({}); left in place",
                     where.string(), std::strerror(errno));
        Leave(where, "a mount point that cannot be unmounted");
        return;
      }
      spdlog::warn("cleanup: unmounted {}, mounted by a function inside its directory",
                   where.string());
      fd = ::openat(parent, name.c_str(), flags);
      if (fd < 0) return;
      if (!SameMount(IdentityOf(fd), mount_)) {  // mounted more than once
        ::close(fd);
        return RemoveDirectory(parent, name, where, depth);
      }
    }
    if (depth >= kMaxDepth && parent != top_fd_) {
      std::string moved_name = ".lambda-emu-deep-" + std::to_string(next_moved++);
      if (::renameat(parent, name.c_str(), top_fd_, moved_name.c_str()) == 0) {
        moved_ = true;
        ::close(fd);
        return;
      }
    }
    Empty(fd, where, depth + 1);
    ::close(fd);
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
        errno != ENOTEMPTY) {
      Leave(where, std::strerror(errno));
    }
  }

  fs::path top_;
  int top_fd_;
  Identity mount_;
  const std::atomic<bool>* cancel_;
  bool moved_ = false;
  std::vector<std::string> left_;
};

// Opens `dir` without following a symlink; -1 with errno set otherwise.
int OpenDirectory(const fs::path& dir) {
  return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

std::uint64_t UsageOf(int fd, const Identity& mount, int depth) {
  std::uint64_t total = 0;
  for (const std::string& name : Entries(fd)) {
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(st.st_mode)) {
      const auto allocated = static_cast<std::uint64_t>(st.st_blocks) * 512;
      const auto length = (static_cast<std::uint64_t>(st.st_size) + 4095) & ~std::uint64_t{4095};
      total += std::min(allocated, length);
    } else if (S_ISDIR(st.st_mode) && depth < 256) {
      int sub = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) continue;
      if (SameMount(IdentityOf(sub), mount)) total += UsageOf(sub, mount, depth + 1);
      ::close(sub);
    }
  }
  return total;
}

}  // namespace

Status RemoveTree(const fs::path& dir, const std::atomic<bool>* cancel) {
  int fd = OpenDirectory(dir);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    if (errno == ENOTDIR || errno == ELOOP) {  // a file or symlink: unlink just it
      if (::unlink(dir.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    }
    return Status::Error("open " + dir.string() + ": " + std::strerror(errno));
  }
  // Something mounted over `dir` itself: unmount it before emptying it.
  Identity mount = IdentityOf(fd);
  int parent = OpenDirectory(dir.parent_path());
  if (parent >= 0 && !SameMount(IdentityOf(parent), mount)) {
    ::close(fd);
    bool unmounted = Unmount(parent, dir.filename().string());
    ::close(parent);
    if (!unmounted) {
      return Status::Error(dir.string() + " is a mount point that cannot be unmounted");
    }
    return RemoveTree(dir, cancel);
  }
  if (parent >= 0) ::close(parent);

  std::vector<std::string> left;
  for (int pass = 0; pass < 1000; ++pass) {
    Remover remover(dir, fd, mount, cancel);
    remover.Empty(fd, dir, 0);
    left = remover.left();
    if (!remover.moved() || (cancel && cancel->load())) break;
  }
  ::close(fd);
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  const std::string error = std::strerror(errno);
  if (left.empty()) return Status::Error("rmdir " + dir.string() + ": " + error);
  std::string message = "left " + std::to_string(left.size()) + " entr" +
                        (left.size() == 1 ? "y" : "ies") + " under " + dir.string() + ": " +
                        left.front();
  return Status::Error(message);
}

std::uint64_t TreeDiskUsage(const fs::path& dir) {
  int fd = OpenDirectory(dir);
  if (fd < 0) return 0;
  std::uint64_t total = UsageOf(fd, IdentityOf(fd), 0);
  ::close(fd);
  return total;
}

}  // namespace lambda_emu::sandbox
