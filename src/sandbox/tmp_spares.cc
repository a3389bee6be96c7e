#include "sandbox/tmp_spares.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/tmp_volume.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

SpareTmpVolumes::SpareTmpVolumes(fs::path dir, TmpVolumeTemplates* templates, std::size_t per_size,
                                 std::chrono::milliseconds burst_window)
    : dir_(std::move(dir)),
      templates_made_(templates),
      per_size_(per_size),
      burst_window_(burst_window),
      thread_([this] { Run(); }) {}

SpareTmpVolumes::~SpareTmpVolumes() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (auto& [size, queue] : ready_) {
    for (auto& ready : queue) {
      ::close(ready.spare.mounted_fd);
      std::error_code ec;
      fs::remove(ready.image, ec);
    }
  }
}

std::optional<SpareTmpVolumes::Spare> SpareTmpVolumes::Take(int size_mb,
                                                            const fs::path& template_image,
                                                            const fs::path& image) {
  std::optional<Ready> taken;
  {
    std::lock_guard lock(mutex_);
    templates_.emplace(size_mb, template_image);
    last_take_ = Clock::now();
    recent_.try_emplace(size_mb, burst_window_).first->second.Add(last_take_);
    auto& queue = ready_[size_mb];
    if (!queue.empty()) {
      taken = std::move(queue.front());
      queue.pop_front();
    }
  }
  wake_.notify_one();
  if (!taken) return std::nullopt;
  std::error_code ec;
  fs::rename(taken->image, image, ec);
  if (ec) {
    ::close(taken->spare.mounted_fd);
    fs::remove(taken->image, ec);
    return std::nullopt;
  }
  return taken->spare;
}

void SpareTmpVolumes::Expect(int size_mb) {
  if (!templates_made_) return;
  {
    std::lock_guard lock(mutex_);
    if (templates_.count(size_mb)) return;
    expected_.insert(size_mb);
  }
  wake_.notify_one();
}

std::size_t SpareTmpVolumes::ReadyCount(int size_mb) {
  std::lock_guard lock(mutex_);
  return ReadyLocked(size_mb);
}

std::size_t SpareTmpVolumes::ReadyLocked(int size_mb) const {
  auto it = ready_.find(size_mb);
  return it == ready_.end() ? 0 : it->second.size();
}

std::size_t SpareTmpVolumes::TargetLocked(int size_mb, Clock::time_point now) {
  const std::size_t takes = recent_.try_emplace(size_mb, burst_window_).first->second.Count(now);
  return std::clamp(takes + 1, per_size_, std::max(per_size_, kMostPerSize));
}

std::optional<int> SpareTmpVolumes::Wanted(Clock::time_point now) {
  std::optional<int> wanted;
  std::size_t fewest = 0;
  for (const auto& [size, path] : templates_) {
    std::size_t have = ReadyLocked(size);
    if (have < TargetLocked(size, now) && (!wanted || have < fewest)) {
      fewest = have;
      wanted = size;
    }
  }
  return wanted;
}

std::optional<int> SpareTmpVolumes::Extra(Clock::time_point now) {
  for (const auto& [size, queue] : ready_) {
    if (queue.size() > TargetLocked(size, now)) return size;
  }
  return std::nullopt;
}

void SpareTmpVolumes::Run() {
  // Take() wakes this thread in the middle of a cold start: as SCHED_BATCH
  // it does not preempt the io thread there (it would, as SCHED_OTHER), yet
  // keeps its full share of the CPU for a burst that needs volumes at once.
  sched_param batch{};
  if (::sched_setscheduler(0, SCHED_BATCH, &batch) != 0) {
    spdlog::debug("spare /tmp volumes: SCHED_BATCH: {}", std::strerror(errno));
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    // More than per_size_ of a size ready (after a burst): look again once
    // a second, to let the extra ones go when the burst window has passed.
    const bool grown = std::any_of(ready_.begin(), ready_.end(), [this](const auto& entry) {
      return entry.second.size() > per_size_;
    });
    auto asked = [this] {
      const auto now = Clock::now();
      return stop_ || !expected_.empty() || Wanted(now) || Extra(now);
    };
    if (grown) {
      wake_.wait_for(lock, std::chrono::seconds(1), asked);
    } else {
      wake_.wait(lock, asked);
    }
    if (stop_) return;
    const auto now = Clock::now();
    if (!expected_.empty()) {
      const int expected = *expected_.begin();
      expected_.erase(expected_.begin());
      lock.unlock();
      auto made = templates_made_->For(expected);  // a Take() of this size waits for it there
      lock.lock();
      if (made.ok()) {
        templates_.emplace(expected, *made);
      } else {
        // The first environment of this size meets the same error and says it.
        spdlog::debug("sandbox: /tmp template of {} MB: {}", expected, made.status().message());
      }
      continue;
    }
    if (auto extra = Extra(now)) {
      Ready oldest = std::move(ready_[*extra].front());
      ready_[*extra].pop_front();
      lock.unlock();
      ::close(oldest.spare.mounted_fd);  // unattached: the mount and its loop device go
      std::error_code ec;
      fs::remove(oldest.image, ec);
      lock.lock();
      continue;
    }
    const std::optional<int> wanted = Wanted(now);
    if (!wanted) continue;
    const int size = *wanted;
    // Not while the environment that took the last one starts, unless none
    // is left for the next cold start (a burst). A Take() wakes this wait.
    const auto quiet = last_take_ + kRefillDelay;
    if (ReadyLocked(size) > 0 && Clock::now() < quiet) {
      wake_.wait_until(lock, quiet);
      continue;
    }
    const fs::path template_image = templates_[size];
    const fs::path image = dir_ / ("spare-" + std::to_string(next_++) + ".ext4");
    lock.unlock();
    std::optional<Ready> made;
    int fd = CopyTemplate(template_image.c_str(), image.c_str());
    char device[32];
    int loop = fd < 0 ? -1 : AttachLoopDevice(fd, device);
    int mounted = loop < 0 ? -1 : MountDetached(device);
    int error = errno;
    if (fd >= 0) ::close(fd);
    if (loop >= 0) ::close(loop);  // the mount holds the device now
    if (mounted >= 0) {
      made = Ready{image, Spare{mounted}};
    } else {
      std::error_code ec;
      fs::remove(image, ec);
      spdlog::warn("sandbox: cannot make a spare /tmp volume: {}", std::strerror(error));
    }
    lock.lock();
    if (!made) {
      // Environments make their own; do not spin on a failing kernel.
      templates_.erase(size);
      continue;
    }
    ready_[size].push_back(std::move(*made));
  }
}

}  // namespace lambda_emu::sandbox
