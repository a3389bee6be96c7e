#include "sandbox/janitor.h"

#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

#include "sandbox/cgroup_fs.h"
#include "sandbox/tree_walk.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

bool OnCgroupFileSystem(const fs::path& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) return false;
  const auto type = static_cast<unsigned long>(info.f_type);
  return type == CGROUP2_SUPER_MAGIC || type == CGROUP_SUPER_MAGIC;
}

}  // namespace

Janitor::Janitor(boost::asio::io_context& io)
    : io_(io), guard_(boost::asio::make_work_guard(own_)), thread_([this] { own_.run(); }) {}

Janitor::~Janitor() {
  Finish(kShutdownWait);
  stopping_ = true;
  guard_.reset();
  own_.stop();
  thread_.join();
}

void Janitor::Queue(std::function<void()> work) {
  ++pending_;
  boost::asio::post(own_, [this, work = std::move(work)] {
    work();
    Done();
  });
}

void Janitor::Done() {
  if (--pending_ == 0) {
    std::lock_guard lock(mutex_);
    idle_.notify_all();
  }
}

void Janitor::Post(std::function<void()> work) { Queue(std::move(work)); }

void Janitor::RemoveTree(fs::path dir) {
  Queue([this, dir = std::move(dir)] {
    // A killed process may still create a file or two until it is gone.
    Status s = sandbox::RemoveTree(dir, &stopping_);
    for (int retry = 0; !s.ok() && retry < 3 && !stopping_; ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      s = sandbox::RemoveTree(dir, &stopping_);
    }
    if (!s.ok()) spdlog::warn("cleanup: {}", s.message());
  });
}

void Janitor::Measure(fs::path dir, std::function<void(std::uint64_t)> on_result) {
  Queue([this, dir = std::move(dir), on_result = std::move(on_result)]() mutable {
    std::uint64_t used = TreeDiskUsage(dir);
    boost::asio::post(io_, [used, on_result = std::move(on_result)] { on_result(used); });
  });
}

void Janitor::RemoveCgroup(fs::path dir) {
  ++pending_;
  boost::asio::post(own_, [this, dir = std::move(dir)]() mutable {
    TryRemoveCgroup(std::move(dir), std::chrono::milliseconds(2));
  });
}

// Runs on the janitor's thread; the item stays pending until rmdir succeeds.
void Janitor::TryRemoveCgroup(fs::path dir, std::chrono::milliseconds backoff) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return Done();
  const int error = errno;
  if (error != EBUSY && !OnCgroupFileSystem(dir)) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return Done();
  }
  // EBUSY: killed processes leave the cgroup once the kernel has torn them
  // down, and a parent goes once its children have. Anything still listed
  // (a process that was forking as the kill came) is killed again.
  cgroupfs::KillListed(dir / "cgroup.procs", 1);
  if (backoff >= std::chrono::milliseconds(1000) && error != EBUSY) {
    spdlog::warn("cleanup: rmdir {}: {}; retrying", dir.string(), std::strerror(error));
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(own_, backoff);
  auto next = std::min(backoff * 2, std::chrono::milliseconds(1000));
  timer->async_wait([this, timer, dir = std::move(dir), next](const boost::system::error_code&) {
    TryRemoveCgroup(dir, next);
  });
}

bool Janitor::Finish(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  if (idle_.wait_for(lock, limit, [this] { return pending_.load() == 0; })) return true;
  spdlog::warn("cleanup: {} item(s) still pending after {} ms (cgroup directories not yet empty?)",
               pending_.load(), limit.count());
  return false;
}

}  // namespace lambda_emu::sandbox
