#pragma once
// Small file helpers shared by the cgroup v1 and v2 drivers. A cgroup
// filesystem is plain files, so these also work on the fake trees the unit
// tests build in a temp directory.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {
class Janitor;
}

namespace lambda_emu::sandbox::cgroupfs {

inline constexpr long kCpuPeriodUs = 100000;
// CFS quota for `cpus` vCPUs per kCpuPeriodUs (at least 1 ms, the kernel's minimum).
// The burst (cpu.cfs_burst_us, cpu.max.burst; Linux 5.14+) is set to the same
// amount, the most the kernel allows: an environment that idled between
// invokes may spend up to two periods' quota in one period, so a short spike
// such as writing a 3 MB response runs unthrottled instead of stalling ~93 ms
// per period it overruns (docs/performance.md, "CPU quota"). The average over
// time stays at `cpus`: only unused quota accumulates.
long CpuQuotaUs(double cpus);

Status WriteFile(const std::filesystem::path& file, const std::string& value);
std::optional<std::string> ReadFile(const std::filesystem::path& file);
std::optional<std::uint64_t> ReadNumber(const std::filesystem::path& file);
// The value of `key` in a "key value" per line file (memory.events, memory.oom_control).
std::optional<std::uint64_t> ReadKeyed(const std::filesystem::path& file, const std::string& key);
std::vector<pid_t> ReadPids(const std::filesystem::path& procs_file);

// This process's cgroup path for `controller` ("" = the v2 unified entry),
// from /proc/self/cgroup-formatted `text`.
std::optional<std::string> OwnCgroupPath(const std::string& text, const std::string& controller);

// Sends SIGKILL to every pid listed in `procs_file` until it is empty (or
// `rounds` passes), so processes forked during the kill are caught too.
void KillListed(const std::filesystem::path& procs_file, int rounds = 10);

// A control file opened ahead of its first write (when the cgroup is made:
// for a spare, off the cold path), so that write is one system call instead
// of an open, a write and a close; the descriptor is closed once written.
// Later writes, and a file that could not be opened, go through WriteFile.
class PreparedWrite {
 public:
  explicit PreparedWrite(std::filesystem::path file);
  ~PreparedWrite();
  PreparedWrite(const PreparedWrite&) = delete;
  PreparedWrite& operator=(const PreparedWrite&) = delete;
  // Whether the file is there (a kernel without it: cpu.cfs_burst_us before 5.14).
  bool exists() const;
  Status Write(const std::string& value);

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

// Writes `value` through `prepared` when it holds a PreparedWrite (which is
// then used up), else to `file` by path.
Status WriteLimit(std::optional<PreparedWrite>& prepared, const std::filesystem::path& file,
                  const std::string& value);

// A cgroup file kept open for repeated reads of one number (pread at 0):
// one syscall per read on the invoke path instead of open/read/close.
class NumberFile {
 public:
  explicit NumberFile(const std::filesystem::path& file);
  ~NumberFile();
  NumberFile(const NumberFile&) = delete;
  NumberFile& operator=(const NumberFile&) = delete;
  // Opens the file on first use (and retries while it does not exist).
  std::optional<std::uint64_t> Read();
  // Opens it now, ahead of the first Read.
  void Open();

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

// rmdir; EBUSY (processes still exiting) is retried a few times. Blocking:
// for unit tests' fake trees only; a server removes through the Janitor.
bool RemoveCgroupDir(const std::filesystem::path& dir);

// Removes `dir` through `janitor` (off-thread, retried until gone) when
// there is one, else with RemoveCgroupDir.
void RemoveCgroupDirVia(Janitor* janitor, const std::filesystem::path& dir);

}  // namespace lambda_emu::sandbox::cgroupfs
