#include "common/fd_limit.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace lambda_emu {

TEST(FdLimit, OpenFileCountSeesANewDescriptor) {
  const std::int64_t before = OpenFileCount();
  ASSERT_GT(before, 0);
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(OpenFileCount(), before + 1);
  ::close(fd);
  EXPECT_EQ(OpenFileCount(), before);
}

// Regression (issue 12): the server kept Debian's soft limit of 1,024 even
// where the hard limit allowed more.
TEST(FdLimit, RaiseLiftsTheSoftLimitToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max == RLIM_INFINITY || original.rlim_max < 64) GTEST_SKIP();
  rlimit lowered{original.rlim_max / 2, original.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const FileLimit raised = RaiseFileLimit();
  EXPECT_EQ(raised.before, lowered.rlim_cur);
  EXPECT_EQ(raised.soft, original.rlim_max);
  EXPECT_EQ(MaxOpenFiles(), original.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &original);
}

}  // namespace lambda_emu
