#pragma once
// Reaper: collects every exited child of the server (SIGCHLD + waitpid) and
// tells whoever watches that pid. The server is a child subreaper, so
// grandchildren orphaned by a runtime are reparented to it and reaped here too
// (without a watcher: they are just collected).
//
// Must be constructed before the first child is spawned. Lives on the io
// thread; not thread-safe.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <unordered_map>

namespace lambda_emu::sandbox {

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

 private:
  void Arm();

  boost::asio::signal_set signals_;
  std::unordered_map<pid_t, ExitCallback> watchers_;
};

// After every environment was killed: collects the remaining children for up
// to two seconds, so none is left as a zombie (or, for escaped grandchildren
// reparented to us, alive). Blocking; for shutdown only.
void ReapRemainingChildren();

}  // namespace lambda_emu::sandbox
