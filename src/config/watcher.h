#pragma once
// FileWatcher: notices changes under a set of files and directories (inotify;
// directories recursively) and reports them once things settle (debounced),
// as the set of watched roots that changed. Used by `serve --watch`.
// io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>

#include "lambda_emu/status.h"

namespace lambda_emu::config {

class FileWatcher {
 public:
  using Callback = std::function<void(const std::set<std::filesystem::path>& changed_roots)>;

  FileWatcher(boost::asio::io_context& io, std::chrono::milliseconds debounce, Callback callback);
  ~FileWatcher();

  // Watches `root` (a file, or a directory and everything below it).
  Status Watch(const std::filesystem::path& root);
  // Forgets every watch (before watching a new set).
  void Clear();

 private:
  void AddDirectory(const std::filesystem::path& dir, const std::filesystem::path& root);
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
};

}  // namespace lambda_emu::config
