#include "api/code_package.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>

#include "common/base64.h"
#include "config/code_archive.h"

namespace lambda_emu::api {

namespace fs = std::filesystem;

class CodePackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("code-package-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  fs::path dir_;
};

TEST(Sha256, KnownDigest) {
  // FIPS 180-2's "abc" example.
  EXPECT_EQ(Base64Encode(Sha256("abc")), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST_F(CodePackageTest, SameFilesGiveSameBytesWhateverTheOrderAndTimes) {
  Write(dir_ / "a" / "app.py", "def handler(e, c): return 1\n");
  Write(dir_ / "a" / "lib" / "util.py", "X = 1\n");
  // The same files, written in the other order, a second later.
  Write(dir_ / "b" / "lib" / "util.py", "X = 1\n");
  Write(dir_ / "b" / "app.py", "def handler(e, c): return 1\n");
  fs::last_write_time(dir_ / "b" / "app.py",
                      fs::last_write_time(dir_ / "b" / "app.py") + std::chrono::seconds(5));

  auto a = ZipDirectory(dir_ / "a");
  auto b = ZipDirectory(dir_ / "b");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(*a, *b);
  auto again = ZipDirectory(dir_ / "a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *a);
}

TEST_F(CodePackageTest, BytesDoNotDependOnTheTimeZone) {
  Write(dir_ / "code" / "app.py", "v = 1\n");
  const char* saved = std::getenv("TZ");
  const std::string saved_tz = saved ? saved : "";
  ::setenv("TZ", "UTC0", 1);
  ::tzset();
  auto utc = ZipDirectory(dir_ / "code");
  ::setenv("TZ", "NZST-12", 1);
  ::tzset();
  auto auckland = ZipDirectory(dir_ / "code");
  if (saved) {
    ::setenv("TZ", saved_tz.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  ASSERT_TRUE(utc.ok() && auckland.ok());
  EXPECT_EQ(*utc, *auckland);
}

TEST_F(CodePackageTest, AnEditChangesTheSha) {
  Write(dir_ / "code" / "app.py", "v = 1\n");
  auto before = MakeCodePackage(dir_ / "code");
  ASSERT_TRUE(before.ok()) << before.status().message();
  Write(dir_ / "code" / "app.py", "v = 2\n");
  auto after = MakeCodePackage(dir_ / "code");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(before->sha256_base64, after->sha256_base64);
  EXPECT_EQ(after->sha256_base64, Base64Encode(Sha256(after->zip)));
}

TEST_F(CodePackageTest, ZipExtractsToTheFilesWithTheirPermissions) {
  Write(dir_ / "code" / "bootstrap", "#!/bin/sh\n");
  ::chmod((dir_ / "code" / "bootstrap").c_str(), 0755);
  Write(dir_ / "code" / "sub" / "data.txt", "hello");
  auto zip = ZipDirectory(dir_ / "code");
  ASSERT_TRUE(zip.ok()) << zip.status().message();
  std::ofstream(dir_ / "code.zip", std::ios::binary) << *zip;

  ASSERT_TRUE(config::ExtractZip(dir_ / "code.zip", dir_ / "out").ok());
  EXPECT_EQ(Read(dir_ / "out" / "bootstrap"), "#!/bin/sh\n");
  EXPECT_EQ(Read(dir_ / "out" / "sub" / "data.txt"), "hello");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "out" / "bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(CodePackageTest, LeavesOutWhatRuntimesAndEditorsWrite) {
  Write(dir_ / "a" / "app.py", "v = 1\n");
  Write(dir_ / "b" / "app.py", "v = 1\n");
  Write(dir_ / "b" / "__pycache__" / "app.cpython-311.pyc", "compiled");
  Write(dir_ / "b" / ".app.py.swp", "swap");
  auto a = ZipDirectory(dir_ / "a");
  auto b = ZipDirectory(dir_ / "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST_F(CodePackageTest, EmptyDirectoryIsAnEmptyZip) {
  fs::create_directories(dir_ / "empty");
  auto zip = ZipDirectory(dir_ / "empty");
  ASSERT_TRUE(zip.ok());
  EXPECT_EQ(zip->size(), 22u);
  std::ofstream(dir_ / "empty.zip", std::ios::binary) << *zip;
  EXPECT_TRUE(config::ExtractZip(dir_ / "empty.zip", dir_ / "out").ok());
}

TEST_F(CodePackageTest, ZipFileIsServedAsItIs) {
  Write(dir_ / "code" / "app.py", "v = 1\n");
  auto zip = ZipDirectory(dir_ / "code");
  ASSERT_TRUE(zip.ok());
  // Not what ZipDirectory would write: a package from elsewhere.
  std::string bytes = *zip + "trailing comment bytes";
  std::ofstream(dir_ / "given.zip", std::ios::binary) << bytes;
  auto package = MakeCodePackage(dir_ / "given.zip");
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(package->zip, bytes);
  EXPECT_EQ(package->sha256_base64, Base64Encode(Sha256(bytes)));
  EXPECT_GT(package->last_modified_ms, 0);
}

TEST_F(CodePackageTest, MissingSourceIsAnError) {
  EXPECT_FALSE(MakeCodePackage(dir_ / "nope").ok());
  EXPECT_FALSE(MakeCodePackage(dir_ / "nope.zip").ok());
}

TEST_F(CodePackageTest, CacheRebuildsOnlyWhenFilesChange) {
  Write(dir_ / "code" / "app.py", "v = 1\n");
  CodePackages packages;
  auto first = packages.Get(dir_ / "code");
  auto second = packages.Get(dir_ / "code");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());  // the same package, not rebuilt

  Write(dir_ / "code" / "app.py", "v = 22\n");
  auto third = packages.Get(dir_ / "code");
  ASSERT_TRUE(third.ok());
  EXPECT_NE((*third)->sha256_base64, (*first)->sha256_base64);
  Write(dir_ / "code" / "new.py", "");
  auto fourth = packages.Get(dir_ / "code");
  ASSERT_TRUE(fourth.ok());
  EXPECT_NE((*fourth)->sha256_base64, (*third)->sha256_base64);
}

}  // namespace lambda_emu::api
