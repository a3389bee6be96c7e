#pragma once
// Reaper: collects every exited child of the server (SIGCHLD + waitpid) and
// tells whoever watches that pid. The server is a child subreaper, so
// grandchildren orphaned by a runtime are reparented to it and reaped here too
// (without a watcher: they are just collected).
//
// With a Janitor (SweepStraysWith), each time a watched process (an
// environment's runtime) has been reaped it also looks for strays: processes
// of a dead environment that left its process group and cgroup (root can)
// and so survived its kill. Those are descendants of the server outside
// every live environment's process tree; the janitor scans /proc, and they
// are killed back on the io thread once their top ancestor is checked
// again against the watched pids (an environment may have started since).
//
// Must be constructed before the first child is spawned. Lives on the io
// thread; not thread-safe.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <functional>
#include <unordered_map>
#include <vector>

namespace lambda_emu::sandbox {

class Janitor;

class Reaper {
 public:
  using ExitCallback = std::function<void(int wait_status)>;

  explicit Reaper(boost::asio::io_context& io);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Calls `on_exit` once, on the io thread, when `pid` has exited.
  void Watch(pid_t pid, ExitCallback on_exit);
  void Forget(pid_t pid);

  // Reaps whatever has exited now (also called on every SIGCHLD).
  void ReapNow();

  // Looks for strays after each watched process is reaped (see above).
  void SweepStraysWith(Janitor* janitor) { janitor_ = janitor; }
  // How many strays were killed so far.
  std::size_t strays_killed() const { return strays_killed_; }

  // How long after the scan a process with no environment is looked at
  // again (see SweepStrays).
  static constexpr std::chrono::milliseconds kSecondLook{50};

 private:
  struct Stray {
    pid_t pid;
    pid_t top;
  };
  void Arm();
  void SweepStrays();
  void KillStrays(const std::vector<Stray>& strays);

  boost::asio::io_context& io_;
  boost::asio::signal_set signals_;
  std::unordered_map<pid_t, ExitCallback> watchers_;
  Janitor* janitor_ = nullptr;
  bool sweeping_ = false;
  bool sweep_again_ = false;
  std::size_t strays_killed_ = 0;
};

// After every environment was killed: SIGKILLs every remaining descendant
// (strays that left their environment's process group and cgroup included)
// and collects them, for up to two seconds, so none is left alive or as a
// zombie. Blocking; for shutdown only.
void ReapRemainingChildren();

}  // namespace lambda_emu::sandbox
