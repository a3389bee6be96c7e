#include "sandbox/cgroup_fs.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "sandbox/janitor.h"

namespace lambda_emu::sandbox::cgroupfs {

namespace fs = std::filesystem;

long CpuQuotaUs(double cpus) {
  return std::max(1000L, static_cast<long>(cpus * static_cast<double>(kCpuPeriodUs) + 0.5));
}

Status WriteFile(const fs::path& file, const std::string& value) {
  // O_CREAT only matters for fake trees in tests; real cgroup files exist.
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::Error("open " + file.string() + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return Status::Error("write '" + value + "' to " + file.string() + ": " + std::strerror(err));
  }
  return Status::Ok();
}

std::optional<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::uint64_t> ReadNumber(const fs::path& file) {
  auto text = ReadFile(file);
  if (!text) return std::nullopt;
  try {
    return std::stoull(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> ReadKeyed(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string name;
  std::uint64_t value;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return std::nullopt;
}

std::vector<pid_t> ReadPids(const fs::path& procs_file) {
  std::vector<pid_t> pids;
  std::ifstream in(procs_file);
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

std::optional<std::string> OwnCgroupPath(const std::string& text, const std::string& controller) {
  // Lines: "hierarchy-id:controller-list:path"
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controller.empty()) {
      if (controllers.empty() && line.substr(0, first) == "0") return path;
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name == controller) return path;
    }
  }
  return std::nullopt;
}

void KillListed(const fs::path& procs_file, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    auto pids = ReadPids(procs_file);
    if (pids.empty()) return;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
  }
}

PreparedWrite::PreparedWrite(fs::path file) : file_(std::move(file)) {
  if (file_.empty()) return;
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CLOEXEC);
}

bool PreparedWrite::exists() const {
  std::error_code ec;
  return fd_ >= 0 || (!file_.empty() && fs::exists(file_, ec));
}

PreparedWrite::~PreparedWrite() {
  if (fd_ >= 0) ::close(fd_);
}

Status PreparedWrite::Write(const std::string& value) {
  if (fd_ < 0) return WriteFile(file_, value);
  // A control file takes each write whole, at any offset.
  ssize_t n = ::pwrite(fd_, value.data(), value.size(), 0);
  int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (n == static_cast<ssize_t>(value.size())) return Status::Ok();
  return Status::Error("write " + file_.string() + ": " + std::strerror(n < 0 ? err : EIO));
}

Status WriteLimit(std::optional<PreparedWrite>& prepared, const fs::path& file,
                  const std::string& value) {
  if (!prepared) return WriteFile(file, value);
  Status written = prepared->Write(value);
  prepared.reset();
  return written;
}

NumberFile::NumberFile(const fs::path& file) : file_(file) {}

NumberFile::~NumberFile() {
  if (fd_ >= 0) ::close(fd_);
}

void NumberFile::Open() {
  if (fd_ < 0) fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
}

std::optional<std::uint64_t> NumberFile::Read() {
  Open();
  if (fd_ < 0) return std::nullopt;
  char text[32];
  ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
  if (n <= 0) return std::nullopt;
  text[n] = '\0';
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text) return std::nullopt;
  return value;
}

bool RemoveCgroupDir(const fs::path& dir) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) break;
    // Killed processes leave the cgroup once the kernel has torn them down.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // A fake tree in tests holds plain files: remove them with it.
  std::error_code ec;
  fs::remove_all(dir, ec);
  return !ec;
}

void RemoveCgroupDirVia(Janitor* janitor, const fs::path& dir) {
  if (janitor) {
    janitor->RemoveCgroup(dir);
  } else {
    RemoveCgroupDir(dir);
  }
}

}  // namespace lambda_emu::sandbox::cgroupfs
