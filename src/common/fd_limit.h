#pragma once
// The process's open-file limit (RLIMIT_NOFILE) and its open descriptors.
//
// Every listener socket, accepted connection, runtime output pipe and cgroup
// file the server keeps open is a descriptor; Debian's default soft limit of
// 1,024 is reached by a few hundred environments or one function flooding its
// Runtime API. RaiseFileLimit() lifts the soft limit to the hard one at start
// (children get their own limit in sandbox::Spawn). Plain functions; the
// counts are read from the kernel at each call, from any thread.

#include <sys/resource.h>

#include <cstdint>

namespace lambda_emu {

struct FileLimit {
  rlim_t before = 0;  // the soft limit found at start
  rlim_t soft = 0;    // the soft limit now
  rlim_t hard = 0;
};

// Sets the soft RLIMIT_NOFILE to the hard one and says what it was.
FileLimit RaiseFileLimit();

// The soft RLIMIT_NOFILE now (RLIM_INFINITY as is).
std::uint64_t MaxOpenFiles();

// Descriptors open in this process (entries of /proc/self/fd); -1 when it
// cannot be read.
std::int64_t OpenFileCount();

}  // namespace lambda_emu
