// SpareTmpVolumes (sandbox/tmp_spares.h) on real loop devices: a taken
// volume is replaced kRefillDelay after the Take(), not while the
// environment that took it starts, unless none of its size is left; a
// ready one is handed over mounted; an expected size is made ahead; a
// burst grows the pool until its window has passed. Needs root and
// /dev/loop-control (skipped otherwise).
#include "sandbox/tmp_spares.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "sandbox/tmp_volume.h"

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;

// Waits up to `seconds` for `spares` to have at least `count` volumes of
// 16 MB ready.
bool AwaitReady(SpareTmpVolumes& spares, std::size_t count, int seconds = 5) {
  for (int i = 0; i < seconds * 100 && spares.ReadyCount(16) < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return spares.ReadyCount(16) >= count;
}

// Waits up to `seconds` for `spares` to have at most `count` ready.
bool AwaitAtMost(SpareTmpVolumes& spares, std::size_t count, int seconds) {
  for (int i = 0; i < seconds * 100 && spares.ReadyCount(16) > count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return spares.ReadyCount(16) <= count;
}

// A directory under /tmp for the volumes and templates, removed at the end
// (the test's objects, which hold mounts in it, are gone by then).
class TmpSpares : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!LoopDevicesUsable(why)) GTEST_SKIP() << why;
    char name[] = "/tmp/tmp-spares-test-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(TmpSpares, ReplacesATakenVolumeOnlyAfterTheDelay) {
  TmpVolumeTemplates templates(dir_ / "templates");
  auto image = templates.For(16);
  ASSERT_TRUE(image.ok()) << image.status().message();
  SpareTmpVolumes spares(dir_, nullptr, 2);
  // The first Take() of a size finds none; two are made (none was left).
  EXPECT_FALSE(spares.Take(16, *image, dir_ / "first.ext4"));
  ASSERT_TRUE(AwaitReady(spares, 2));

  auto spare = spares.Take(16, *image, dir_ / "second.ext4");
  ASSERT_TRUE(spare);
  EXPECT_GE(spare->mounted_fd, 0);
  EXPECT_TRUE(fs::exists(dir_ / "second.ext4"));
  ::close(spare->mounted_fd);
  // One is left: its replacement waits for the cold start to be over.
  std::this_thread::sleep_for(SpareTmpVolumes::kRefillDelay / 2);
  EXPECT_EQ(spares.ReadyCount(16), 1u);
  EXPECT_TRUE(AwaitReady(spares, 2));
}

// A burst of cold starts grows the size's pool (one more than the Take()s
// of the burst window); once the window has passed, the extra volumes go.
TEST_F(TmpSpares, ABurstKeepsMoreReadyUntilTheWindowHasPassed) {
  TmpVolumeTemplates templates(dir_ / "templates");
  auto image = templates.For(16);
  ASSERT_TRUE(image.ok()) << image.status().message();
  SpareTmpVolumes spares(dir_, nullptr, 1, std::chrono::seconds(3));
  for (int i = 0; i < 3; ++i) {
    if (auto spare = spares.Take(16, *image, dir_ / ("taken-" + std::to_string(i) + ".ext4"))) {
      ::close(spare->mounted_fd);
    }
  }
  EXPECT_TRUE(AwaitReady(spares, 4, 3));   // three Take()s: four ready
  EXPECT_EQ(spares.ReadyCount(16), 4u);    // and no more
  EXPECT_TRUE(AwaitAtMost(spares, 1, 8));  // the window passes: back to one
  EXPECT_EQ(spares.ReadyCount(16), 1u);
}

// The server's start asks for the default size: its template and volumes
// are made before any environment takes one, and the first Take() of that
// size gets a mounted volume.
TEST_F(TmpSpares, ExpectMakesTheTemplateAndVolumesAheadOfAnyTake) {
  TmpVolumeTemplates templates(dir_ / "templates");
  SpareTmpVolumes spares(dir_, &templates, 2);
  spares.Expect(16);
  ASSERT_TRUE(AwaitReady(spares, 2));
  auto image = templates.For(16);  // made by then: returned, not made again
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_TRUE(fs::exists(*image));
  auto spare = spares.Take(16, *image, dir_ / "first.ext4");
  ASSERT_TRUE(spare);
  EXPECT_GE(spare->mounted_fd, 0);
  ::close(spare->mounted_fd);
}

}  // namespace
}  // namespace lambda_emu::sandbox
