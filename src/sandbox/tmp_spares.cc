#include "sandbox/tmp_spares.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/tmp_volume.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

SpareTmpVolumes::SpareTmpVolumes(fs::path dir, TmpVolumeTemplates* templates, std::size_t per_size)
    : dir_(std::move(dir)),
      templates_made_(templates),
      per_size_(per_size),
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
    last_take_ = std::chrono::steady_clock::now();
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

std::optional<int> SpareTmpVolumes::Wanted() const {
  std::optional<int> wanted;
  std::size_t fewest = per_size_;
  for (const auto& [size, path] : templates_) {
    std::size_t have = ReadyLocked(size);
    if (have < fewest) {
      fewest = have;
      wanted = size;
    }
  }
  return wanted;
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
    wake_.wait(lock, [this] { return stop_ || !expected_.empty() || Wanted(); });
    if (stop_) return;
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
    const int size = *Wanted();
    // Not while the environment that took the last one starts, unless none
    // is left for the next cold start (a burst). A Take() wakes this wait.
    const auto quiet = last_take_ + kRefillDelay;
    if (ReadyLocked(size) > 0 && std::chrono::steady_clock::now() < quiet) {
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
