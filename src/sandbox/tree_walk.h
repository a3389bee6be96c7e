#pragma once
// Walks of an environment's directory that stay inside it: removing it and
// measuring it. A function running as root can bind-mount any directory of
// the host under its /tmp, or leave symlinks to it; neither walk follows a
// symlink or descends into another mount. RemoveTree unmounts (MNT_DETACH)
// what was mounted under the directory and, where it cannot, leaves that
// mount point in place and says so.
//
// Plain functions: blocking and file-system bound, so they belong on the
// Janitor's thread, never on the io thread. Safe to call from any thread.

#include <atomic>
#include <cstdint>
#include <filesystem>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

// Removes `dir` and everything under it without leaving its mount: symlinks
// are unlinked, not followed; a mount point under it is unmounted first, or
// left (with its parents) when that fails. Ok when `dir` is gone (or never
// existed); otherwise the error names what was left. Stops early (with an
// error) once `*cancel` is true.
Status RemoveTree(const std::filesystem::path& dir, const std::atomic<bool>* cancel = nullptr);

// The disk space the regular files under `dir` take, within its mount:
// their allocated blocks, as du counts, but never more than their length
// rounded up to a page (XFS preallocates past the end of a growing file).
std::uint64_t TreeDiskUsage(const std::filesystem::path& dir);

}  // namespace lambda_emu::sandbox
