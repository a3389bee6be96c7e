#pragma once
// SpareTmpVolumes: /tmp volumes (tmp_volume.h) made ahead of time, so that
// a cold start only mounts one.
//
// Copying a template, attaching a loop device and mounting it costs a cold
// start ~3 ms (and tens of milliseconds when the kernel must create a new
// loop device). A thread of its own keeps `per_size` volumes ready for each
// size asked for, more after a burst (kMostPerSize): an image copied from
// the template, attached to a loop device that detaches itself once nothing
// holds it, and mounted without being attached anywhere (fsmount). Take()
// hands one to an environment (moving its image into the environment's
// directory); the environment's first process attaches the mount at its /tmp
// (move_mount), and the server closes its descriptor once the process is
// started. With none ready, the environment makes its own, as before, and
// the thread makes one for next time: kRefillDelay after the last Take(),
// not while the environment that took it starts (copying an image and
// attaching a loop device would take that start's CPU on a 2-core machine,
// and the mount locks its namespace needs), unless none of that size is left
// (a burst of cold starts: the next one would make its own, which is
// slower).
//
// Expect() asks for a size before any environment does (the server's start
// asks for Lambda's default, 512 MB): the thread makes its template
// (TmpVolumeTemplates::For, ~20 ms of mke2fs and debugfs) and volumes, so
// that the first cold start after `serve` only mounts one.
//
// Take() is called on the io thread; the rest runs on the spares' thread.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "sandbox/recent_takes.h"

namespace lambda_emu::sandbox {

class TmpVolumeTemplates;

class SpareTmpVolumes {
 public:
  struct Spare {
    int mounted_fd = -1;  // the detached mount, until an environment attaches it
  };

  // `templates` (may be null: no Expect) must outlive this. Per size,
  // `per_size` are kept ready, more after a burst (TargetLocked).
  SpareTmpVolumes(std::filesystem::path dir, TmpVolumeTemplates* templates = nullptr,
                  std::size_t per_size = 2,
                  std::chrono::milliseconds burst_window = std::chrono::seconds(10));
  ~SpareTmpVolumes();  // stops the thread; spares not taken detach
  SpareTmpVolumes(const SpareTmpVolumes&) = delete;
  SpareTmpVolumes& operator=(const SpareTmpVolumes&) = delete;

  // A ready volume of `size_mb` whose image is now `image`, or nullopt when
  // none is ready. Either way, the thread makes them from `template_image`.
  std::optional<Spare> Take(int size_mb, const std::filesystem::path& template_image,
                            const std::filesystem::path& image);

  // Makes `size_mb`'s template and volumes now, ahead of any Take().
  void Expect(int size_mb);
  // How many volumes of `size_mb` are ready now.
  std::size_t ReadyCount(int size_mb);

  static constexpr std::chrono::milliseconds kRefillDelay{100};
  // After a burst of cold starts a size keeps one more ready for each
  // Take() within the burst window, at most this many (as --spare-sandboxes
  // auto does for sandboxes); once the window has passed, the extra ones go.
  static constexpr std::size_t kMostPerSize = 8;

 private:
  struct Ready {
    std::filesystem::path image;
    Spare spare;
  };
  void Run();
  using Clock = std::chrono::steady_clock;
  // How many of `size_mb` to keep ready now: per_size_, or one more than
  // the Take()s of the last burst window, at most kMostPerSize. Forgets
  // older Take()s.
  std::size_t TargetLocked(int size_mb, Clock::time_point now);
  // The size with the fewest ready volumes below its target, if any.
  std::optional<int> Wanted(Clock::time_point now);
  // A size with more ready than its target, if any.
  std::optional<int> Extra(Clock::time_point now);
  std::size_t ReadyLocked(int size_mb) const;

  const std::filesystem::path dir_;
  TmpVolumeTemplates* const templates_made_;
  const std::size_t per_size_;
  const std::chrono::milliseconds burst_window_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int, std::filesystem::path> templates_;  // by size, as asked for
  std::set<int> expected_;                          // sizes whose template is not made yet
  std::map<int, std::deque<Ready>> ready_;
  std::map<int, RecentTakes> recent_;  // Take()s, by size
  bool stop_ = false;
  std::chrono::steady_clock::time_point last_take_{};
  std::uint64_t next_ = 0;
  std::thread thread_;
};

}  // namespace lambda_emu::sandbox
