#pragma once
// TmpVolume: an environment's /tmp, sized to the function's EphemeralStorage.
//
// On Lambda /tmp is a volume of its own: a full /tmp fails a write with
// ENOSPC, and what it holds does not count against MemorySize. A tmpfs
// would give the first but not the second (the kernel charges tmpfs pages
// to the memory cgroup of the process that writes them: a 128 MB function
// could not fill a 512 MB /tmp). So when the server runs as root, /tmp is an
// ext4 filesystem on a loop device, backed by a sparse file in the
// environment's directory: its pages are page cache, which the kernel
// writes back and reclaims rather than counting as the function's memory.
//
// Making a filesystem takes mke2fs ~15 ms, too long for a cold start; so
// one empty image per size is made once (TmpVolumeTemplates, in the server)
// and each environment copies its few hundred allocated kilobytes (holes
// stay holes) in its own first process, then attaches and mounts it there.
// The loop device detaches itself when the environment's mount namespace
// goes away.
//
// Without root (a user namespace cannot mount ext4 or attach loop devices)
// /tmp is a tmpfs of the same size.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct TmpVolume {
  enum class Kind { kNone, kLoop, kTmpfs };
  Kind kind = Kind::kNone;
  int mounted_fd = -1;         // kLoop: a spare (tmp_spares.h), mounted and detached, or
  std::string image;           // the environment's image file, made from
  std::string template_image;  // the template, attached and mounted by the child
  std::string tmpfs_options;   // kTmpfs: "size=...,mode=1777"
};

// The size of the image file for `size_mb` of usable space (ext4's own
// metadata takes ~3%).
std::uint64_t TmpImageBytes(int size_mb);

class TmpVolumeTemplates {
 public:
  explicit TmpVolumeTemplates(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // The empty image for `size_mb`, made on first use (~15 ms). Thread-safe:
  // a caller asking for a size being made waits for it.
  Result<std::filesystem::path> For(int size_mb);

 private:
  Result<std::filesystem::path> Make(int size_mb);

  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<int, std::filesystem::path> made_;  // guarded by mutex_
};

// Whether this process can attach loop devices (root with /dev/loop-control).
bool LoopDevicesUsable(std::string& why);

// Async-signal-safe pieces, also used by the spares' thread:
// copies `template_image` to a new `image` (holes stay holes); returns its
// descriptor (O_RDWR, close-on-exec) or -1 with errno set.
int CopyTemplate(const char* template_image, const char* image);
// Attaches `image_fd` to a free loop device that detaches itself once
// nothing holds it; returns the device's descriptor and its path in
// `device`, or -1 with errno set.
int AttachLoopDevice(int image_fd, char (&device)[32]);
// Mounts the ext4 filesystem on `device` without attaching it anywhere
// (fsmount); returns the mount's descriptor, which move_mount attaches, or
// -1 with errno set. Unattached, it goes when the descriptor is closed.
int MountDetached(const char* device);

// Child side (async-signal-safe): makes `volume` and mounts it on `target`
// (root:root, mode 1777, empty). false with errno set and `failed` naming
// the step on failure.
bool MountTmpVolume(const TmpVolume& volume, const char* target, const char*& failed);

}  // namespace lambda_emu::sandbox
