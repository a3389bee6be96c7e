// RunQuietly (sandbox/run_quietly.h): a helper's output and exit status,
// also while another thread reaps the process's children as the server's
// Reaper does (waitpid(-1) on SIGCHLD).
#include "sandbox/run_quietly.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

namespace lambda_emu::sandbox {
namespace {

TEST(RunQuietly, ReturnsStdoutAndWhetherItExitedZero) {
  std::string output;
  EXPECT_TRUE(RunQuietly({"sh", "-c", "echo out; echo err >&2"}, output));
  EXPECT_EQ(output, "out\n");  // stderr is discarded
  std::string ignored;
  EXPECT_FALSE(RunQuietly({"sh", "-c", "exit 3"}, ignored));
  EXPECT_FALSE(RunQuietly({"lambda-emu-no-such-helper"}, ignored));
}

TEST(RunQuietly, AnotherThreadsWaitpidDoesNotTakeItsStatus) {
  std::atomic<bool> stop{false};
  std::thread reaper([&] {
    while (!stop) ::waitpid(-1, nullptr, WNOHANG);
  });
  int wrong = 0;
  for (int i = 0; i < 20; ++i) {
    std::string ignored;
    if (RunQuietly({"false"}, ignored)) ++wrong;
    if (!RunQuietly({"true"}, ignored)) ++wrong;
  }
  stop = true;
  reaper.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace lambda_emu::sandbox
