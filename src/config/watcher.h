#pragma once
// FileWatcher: notices changes under a set of files and directories (inotify;
// directories recursively) and reports them once things settle (debounced),
// as the set of watched roots that changed. Used by `serve --watch`.
//
// What runtimes, editors and lambda-emu itself write next to the code is not
// a change: `__pycache__` and `*.pyc` (a Python cold start writes them),
// `.lambda-emu/` (the default log and work directory), `.git/`, editor swap
// and backup files (`.x.swp`, `x~`, `.#x`, `#x#`, vim's `4913`), and any
// directory given to Ignore() (a --log-dir inside a code directory). So one
// edit is one change, and the cold start it causes is not another.
// io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::config {

class FileWatcher {
 public:
  using Callback = std::function<void(const std::set<std::filesystem::path>& changed_roots)>;

  FileWatcher(boost::asio::io_context& io, std::chrono::milliseconds debounce, Callback callback);
  ~FileWatcher();

  // Watches `root` (a file, or a directory and everything below it).
  Status Watch(const std::filesystem::path& root);
  // Forgets every watch (before watching a new set); ignored directories stay.
  void Clear();
  // Changes under `dir` are not reported.
  void Ignore(const std::filesystem::path& dir);

  // Whether a file or directory called `name` is one the runtimes, editors
  // or lambda-emu write (see above), never a change to the code.
  static bool IgnoredName(std::string_view name);

 private:
  void AddDirectory(const std::filesystem::path& dir, const std::filesystem::path& root);
  bool IgnoredDirectory(const std::filesystem::path& dir) const;
  void Read();

  int fd_ = -1;
  boost::asio::posix::stream_descriptor stream_;
  boost::asio::steady_timer debounce_timer_;
  std::chrono::milliseconds debounce_;
  Callback callback_;
  struct Watched {
    std::filesystem::path path;
    std::filesystem::path root;
  };
  std::unordered_map<int, Watched> watches_;
  std::set<std::filesystem::path> changed_;
  std::vector<std::filesystem::path> ignored_dirs_;
};

}  // namespace lambda_emu::config
