// RemoveTree and TreeDiskUsage on real temp trees: symlinks and bind mounts
// (issue 12 item 7: a root function bind-mounted an outside directory under
// its /tmp, and the teardown's recursive delete removed the outside file).
#include "sandbox/tree_walk.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "sandbox/janitor.h"

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;

class TreeWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("lambda-emu-tree-test-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(std::random_device{}()));
    tree_ = base_ / "env" / "tmp";
    outside_ = base_ / "outside";
    fs::create_directories(tree_);
    fs::create_directories(outside_);
    Write(outside_ / "precious.txt", "keep me");
  }
  void TearDown() override {
    for (const auto& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  static void Write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }
  // Bind-mounts `source` at `target`; false when this process may not mount.
  bool Bind(const fs::path& source, const fs::path& target) {
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) return false;
    mounts_.push_back(target);
    return true;
  }

  fs::path base_, tree_, outside_;
  std::vector<fs::path> mounts_;
};

TEST_F(TreeWalkTest, RemovesFilesAndNestedDirectories) {
  fs::create_directories(tree_ / "a" / "b" / "c");
  for (int i = 0; i < 50; ++i) Write(tree_ / "a" / "b" / ("f" + std::to_string(i)), "x");
  Write(tree_ / "a" / "b" / "c" / "deep", "y");
  ASSERT_TRUE(RemoveTree(base_ / "env").ok());
  EXPECT_FALSE(fs::exists(base_ / "env"));
}

TEST_F(TreeWalkTest, MissingDirectoryIsOk) { EXPECT_TRUE(RemoveTree(base_ / "nope").ok()); }

TEST_F(TreeWalkTest, SymlinkToOutsideIsUnlinkedNotFollowed) {
  fs::create_directory_symlink(outside_, tree_ / "link");
  fs::create_symlink(outside_ / "precious.txt", tree_ / "file-link");
  ASSERT_TRUE(RemoveTree(base_ / "env").ok());
  EXPECT_FALSE(fs::exists(base_ / "env"));
  EXPECT_TRUE(fs::exists(outside_ / "precious.txt"));
}

TEST_F(TreeWalkTest, TreeDeeperThanTheWalkLimitIsRemoved) {
  fs::path deep = tree_;
  for (int i = 0; i < 300; ++i) {
    deep /= "d";
    ASSERT_EQ(::mkdir(deep.c_str(), 0755), 0) << i;
  }
  Write(deep / "bottom", "z");
  ASSERT_TRUE(RemoveTree(base_ / "env").ok());
  EXPECT_FALSE(fs::exists(base_ / "env"));
}

TEST_F(TreeWalkTest, BindMountedOutsideDirectoryIsUnmountedNotEmptied) {
  fs::create_directory(tree_ / "mnt");
  if (!Bind(outside_, tree_ / "mnt")) GTEST_SKIP() << "needs CAP_SYS_ADMIN to bind-mount";
  ASSERT_TRUE(fs::exists(tree_ / "mnt" / "precious.txt"));
  Status s = RemoveTree(base_ / "env");
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(fs::exists(outside_ / "precious.txt"));
  EXPECT_FALSE(fs::exists(base_ / "env"));
}

TEST_F(TreeWalkTest, BindMountedOutsideFileIsUnmountedNotDeleted) {
  Write(tree_ / "over", "");
  if (!Bind(outside_ / "precious.txt", tree_ / "over")) GTEST_SKIP() << "needs CAP_SYS_ADMIN";
  Status s = RemoveTree(base_ / "env");
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(fs::exists(outside_ / "precious.txt"));
  EXPECT_FALSE(fs::exists(base_ / "env"));
}

TEST_F(TreeWalkTest, MountOverTheDirectoryItselfIsUnmounted) {
  if (!Bind(outside_, tree_)) GTEST_SKIP() << "needs CAP_SYS_ADMIN";
  Status s = RemoveTree(tree_);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(fs::exists(outside_ / "precious.txt"));
}

TEST_F(TreeWalkTest, DiskUsageCountsFilesButNotMountsOrSymlinks) {
  std::ofstream(tree_ / "big", std::ios::binary) << std::string(64 * 1024, 'x');
  fs::create_directory_symlink(outside_, tree_ / "link");
  fs::create_directory(tree_ / "mnt");
  std::ofstream(outside_ / "huge", std::ios::binary) << std::string(256 * 1024, 'y');
  const bool mounted = Bind(outside_, tree_ / "mnt");
  std::uint64_t used = TreeDiskUsage(tree_);
  EXPECT_GE(used, 64u * 1024);
  if (mounted) {
    EXPECT_LT(used, 256u * 1024);
  }
}

TEST(Janitor, RemovesTreesAndMeasuresOffTheCallingThread) {
  boost::asio::io_context io;
  fs::path dir =
      fs::temp_directory_path() / ("lambda-emu-janitor-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "tmp");
  std::ofstream(dir / "tmp" / "f", std::ios::binary) << std::string(8192, 'x');
  std::uint64_t measured = 0;
  {
    Janitor janitor(io);
    janitor.Measure(dir / "tmp", [&](std::uint64_t used) { measured = used; });
    janitor.RemoveTree(dir);
    janitor.RemoveCgroup(dir / "not-a-cgroup");  // absent: done at once
    EXPECT_TRUE(janitor.Finish(std::chrono::seconds(5)));
    EXPECT_EQ(janitor.pending(), 0u);
  }
  io.run();  // the measurement's result is delivered on the io thread
  EXPECT_GE(measured, 8192u);
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace lambda_emu::sandbox
