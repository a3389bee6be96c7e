#include "config/watcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lambda_emu::config {

namespace fs = std::filesystem;

namespace {
constexpr uint32_t kDirMask =
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB;
// Editors replace files by renaming over them; watching a file's directory
// would be broader, so a file is watched for the events that still fire.
constexpr uint32_t kFileMask =
    IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
}  // namespace

FileWatcher::FileWatcher(boost::asio::io_context& io, std::chrono::milliseconds debounce,
                         Callback callback)
    : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      stream_(io),
      debounce_timer_(io),
      debounce_(debounce),
      callback_(std::move(callback)) {
  if (fd_ < 0) {
    spdlog::warn("--watch: inotify unavailable: {}", std::strerror(errno));
    return;
  }
  stream_.assign(fd_);
  Read();
}

FileWatcher::~FileWatcher() {
  boost::system::error_code ec;
  stream_.close(ec);
}

void FileWatcher::Clear() {
  for (const auto& [wd, watched] : watches_) ::inotify_rm_watch(fd_, wd);
  watches_.clear();
}

bool FileWatcher::IgnoredName(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (name == "__pycache__" || name == ".lambda-emu" || name == ".git" || name == "4913") {
    return true;
  }
  if (ends_with(".pyc") || ends_with(".pyo") || ends_with("~")) return true;
  if (name.size() > 1 && name.front() == '.' &&
      (ends_with(".swp") || ends_with(".swo") || ends_with(".swx"))) {
    return true;
  }
  if (name.substr(0, 2) == ".#") return true;                                     // emacs lock
  if (name.size() > 1 && name.front() == '#' && name.back() == '#') return true;  // emacs autosave
  return false;
}

void FileWatcher::Ignore(const fs::path& dir) { ignored_dirs_.push_back(dir.lexically_normal()); }

bool FileWatcher::IgnoredDirectory(const fs::path& dir) const {
  const fs::path normal = dir.lexically_normal();
  for (const auto& ignored : ignored_dirs_) {
    auto [mismatch, _] =
        std::mismatch(ignored.begin(), ignored.end(), normal.begin(), normal.end());
    if (mismatch == ignored.end()) return true;
  }
  return false;
}

Status FileWatcher::Watch(const fs::path& root) {
  if (fd_ < 0) return Status::Error("inotify unavailable");
  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    AddDirectory(root, root);
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory(ec)) continue;
      if (IgnoredName(it->path().filename().native()) || IgnoredDirectory(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      AddDirectory(it->path(), root);
    }
    return Status::Ok();
  }
  int wd = ::inotify_add_watch(fd_, root.c_str(), kFileMask);
  if (wd < 0) return Status::Error("watch " + root.string() + ": " + std::strerror(errno));
  watches_[wd] = {root, root};
  return Status::Ok();
}

void FileWatcher::AddDirectory(const fs::path& dir, const fs::path& root) {
  int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirMask);
  if (wd >= 0) watches_[wd] = {dir, root};
}

void FileWatcher::Read() {
  stream_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this](const boost::system::error_code& ec) {
        if (ec) return;
        alignas(inotify_event) char buffer[16 * 1024];
        for (;;) {
          ssize_t n = ::read(fd_, buffer, sizeof buffer);
          if (n <= 0) break;
          for (char* p = buffer; p < buffer + n;) {
            auto* event = reinterpret_cast<inotify_event*>(p);
            p += sizeof(inotify_event) + event->len;
            auto it = watches_.find(event->wd);
            if (it == watches_.end()) continue;
            // A directory's events name the entry; a watched file's do not.
            if (event->len) {
              const fs::path entry = it->second.path / event->name;
              if (IgnoredName(event->name) || IgnoredDirectory(entry)) continue;
              // New subdirectories are watched too.
              if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) {
                AddDirectory(entry, it->second.root);
              }
            }
            changed_.insert(it->second.root);
          }
        }
        if (!changed_.empty()) {
          debounce_timer_.expires_after(debounce_);
          debounce_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
            if (wait_ec) return;  // re-armed by a later event
            auto changed = std::move(changed_);
            changed_.clear();
            callback_(changed);
          });
        }
        Read();
      });
}

}  // namespace lambda_emu::config
