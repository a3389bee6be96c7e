#include "common/fd_limit.h"

#include <dirent.h>

namespace lambda_emu {

FileLimit RaiseFileLimit() {
  FileLimit result;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return result;
  result.before = result.soft = limit.rlim_cur;
  result.hard = limit.rlim_max;
  if (limit.rlim_cur == limit.rlim_max) return result;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) result.soft = limit.rlim_max;
  return result;
}

std::uint64_t MaxOpenFiles() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  return limit.rlim_cur;
}

std::int64_t OpenFileCount() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  std::int64_t count = 0;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory's own descriptor
}

}  // namespace lambda_emu
