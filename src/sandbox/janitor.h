#pragma once
// Janitor: one background thread for the sandbox's file-system chores, so
// none of them stalls the io thread: removing an environment's directory
// (RemoveTree; 200,000 files take seconds), removing cgroup directories
// (rmdir fails with EBUSY until the kernel has torn down the killed
// processes: retried with backoff until it succeeds), and measuring /tmp
// (TreeDiskUsage; the result is posted back to the io thread).
//
// Work runs in the order it was queued, one item at a time. Owned by the
// server (serve/invoke), constructed after the io_context and destroyed
// before it; it must outlive the cgroup manager and every environment, which
// queue work from their destructors. Every method may be called from any
// thread; callbacks run on the io thread.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace lambda_emu::sandbox {

class Janitor {
 public:
  explicit Janitor(boost::asio::io_context& io);  // starts the thread
  // Finish(kShutdownWait), then stops a removal still running (what is
  // left of a server's own work directory goes at the next start, see
  // leftovers.h) and joins.
  ~Janitor();
  Janitor(const Janitor&) = delete;
  Janitor& operator=(const Janitor&) = delete;

  static constexpr std::chrono::milliseconds kShutdownWait{5000};

  // Removes `dir` with RemoveTree (no symlinks followed, no mounts crossed).
  void RemoveTree(std::filesystem::path dir);
  // rmdir of a cgroup directory, retried (2 ms doubling to 1 s, SIGKILLing
  // whatever its cgroup.procs still lists) until it is gone. A directory
  // that is not on a cgroup file system (a unit test's fake tree) is removed
  // with its files.
  void RemoveCgroup(std::filesystem::path dir);
  // Measures TreeDiskUsage(dir) and calls `on_result` with it on the io thread.
  void Measure(std::filesystem::path dir, std::function<void(std::uint64_t)> on_result);
  // Runs `work` on the janitor's thread.
  void Post(std::function<void()> work);

  // Waits up to `limit` for queued work and pending cgroup removals; logs
  // what is left. Returns true when nothing is.
  bool Finish(std::chrono::milliseconds limit);
  // Queued or retrying items.
  std::size_t pending() const { return pending_.load(); }

 private:
  void Queue(std::function<void()> work);
  void TryRemoveCgroup(std::filesystem::path dir, std::chrono::milliseconds backoff);
  void Done();

  boost::asio::io_context& io_;
  boost::asio::io_context own_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::thread thread_;
};

}  // namespace lambda_emu::sandbox
