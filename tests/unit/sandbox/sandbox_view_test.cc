// The sandbox's server-side pieces (sandbox/mounts.h, users.h, tmp_volume.h,
// namespaces.h): what the view mounts and where, who functions run as, the
// runtime's id maps, and the /tmp image's size. Real environments are
// tested end to end by tests/integration/test_isolation.py.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"
#include "sandbox/tmp_volume.h"
#include "sandbox/users.h"

namespace lambda_emu::sandbox {
namespace {

namespace fs = std::filesystem;
using Kind = MountStep::Kind;

// The last step on `target`: what is mounted there (after its mkdir).
const MountStep* Find(const std::vector<MountStep>& steps, const std::string& target) {
  auto it = std::find_if(steps.rbegin(), steps.rend(),
                         [&](const MountStep& s) { return s.target == target; });
  return it == steps.rend() ? nullptr : &*it;
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/sandbox-view-test-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(MountPlan, BuildsLambdasDirectoriesUnderTheNewRoot) {
  TempDir code;
  ViewSpec view;
  view.code_dir = code.path();
  view.runtime_dir = "/srv/runtimes/python";
  view.interpreter_prefix = "/opt/python3.12";
  view.hide = {"/var/lang/lib/python3.12/site-packages"};
  view.passwd = "/w/sandbox/passwd";
  MountPlan plan;
  plan.root = "/w/env-1/root";
  BuildMountPlan(view, plan);

  const MountStep* task = Find(plan.function, "/w/env-1/root/var/task");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->kind, Kind::kReadOnly);
  EXPECT_EQ(task->source, code.path().string());
  EXPECT_EQ(Find(plan.function, "/w/env-1/root/var/runtime")->source, "/srv/runtimes/python");
  EXPECT_EQ(Find(plan.function, "/w/env-1/root/var/lang")->source, "/opt/python3.12");
  EXPECT_EQ(Find(plan.function, "/w/env-1/root/var/lang/lib/python3.12/site-packages")->kind,
            Kind::kHide);
  EXPECT_EQ(Find(plan.steps, "/w/env-1/root/etc/passwd")->kind, Kind::kBindFile);
  // The host's own /tmp, /proc, /dev and /opt are not shown: the view has its own
  // (/opt stays an empty directory for a function without layers).
  for (const char* own : {"/tmp", "/proc", "/dev", "/opt"}) {
    const MountStep* step = Find(plan.steps, std::string("/w/env-1/root") + own);
    ASSERT_NE(step, nullptr) << own;
    EXPECT_EQ(step->kind, Kind::kDirectory) << own;
  }
  EXPECT_EQ(Find(plan.steps, "/w/env-1/root/usr")->kind, Kind::kBind);
  // /dev is built after the view is sealed read-only, then sealed itself.
  EXPECT_EQ(Find(plan.after_seal, "/w/env-1/root/dev/null")->kind, Kind::kDevice);
  EXPECT_EQ(plan.after_seal.back().kind, Kind::kSeal);
  // The shared half names nothing of the function's, so a spare can build it.
  for (const auto& step : plan.steps) {
    EXPECT_NE(step.source, code.path().string()) << step.target;
    EXPECT_NE(step.source, "/opt/python3.12") << step.target;
  }
}

TEST(MountPlan, LayersAreMergedLastOnTop) {
  TempDir code;
  ViewSpec view;
  view.code_dir = code.path();
  MountPlan one;
  one.root = "/r";
  view.layers = {"/layers/a"};
  BuildMountPlan(view, one);
  auto bind = std::find_if(one.function.begin(), one.function.end(), [](const MountStep& s) {
    return s.target == "/r/opt" && s.kind == Kind::kReadOnly;
  });
  ASSERT_NE(bind, one.function.end());
  EXPECT_EQ(bind->source, "/layers/a");

  MountPlan many;
  many.root = "/r";
  view.layers = {"/layers/a", "/layers/b", "/layers/c"};
  BuildMountPlan(view, many);
  auto overlay = std::find_if(many.function.begin(), many.function.end(),
                              [](const MountStep& s) { return s.kind == Kind::kOverlay; });
  ASSERT_NE(overlay, many.function.end());
  EXPECT_EQ(overlay->target, "/r/opt");
  EXPECT_EQ(overlay->data, "lowerdir=/layers/c:/layers/b:/layers/a");
}

TEST(MountPlan, IdmapsOnlyWhatTheUserCouldNotRead) {
  TempDir open;
  TempDir closed;
  fs::permissions(open.path(), fs::perms(0755));
  fs::permissions(closed.path(), fs::perms(0700));
  for (const auto& [dir, expect] : {std::pair{open.path(), false}, {closed.path(), true}}) {
    ViewSpec view;
    view.code_dir = dir;
    view.user_uid = 993;
    view.idmap_unreadable = true;
    MountPlan plan;
    plan.root = "/r";
    BuildMountPlan(view, plan);
    EXPECT_EQ(Find(plan.function, "/r/var/task")->idmap, expect) << dir;
  }
}

TEST(SandboxUser, DefaultIsLambdas) {
  auto user = ParseSandboxUser("");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->name, "sbx_user1051");
  if (!::getpwnam("sbx_user1051")) {
    EXPECT_EQ(user->uid, 993u);
    EXPECT_EQ(user->gid, 990u);
  }
}

TEST(SandboxUser, NumbersAndNames) {
  auto pair = ParseSandboxUser("2345:2346");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->uid, 2345u);
  EXPECT_EQ(pair->gid, 2346u);
  auto single = ParseSandboxUser("4000");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->gid, 4000u);
  auto nobody = ParseSandboxUser("nobody");
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->uid, ::getpwnam("nobody")->pw_uid);
  EXPECT_FALSE(ParseSandboxUser("no-such-user-here").ok());
  EXPECT_FALSE(ParseSandboxUser("12:x").ok());
  EXPECT_FALSE(ParseSandboxUser("0").ok());
  EXPECT_FALSE(ParseSandboxUser("root").ok());
}

TEST(SandboxUser, PasswdCopiesGainTheUserOnce) {
  TempDir dir;
  SandboxUser user{7001, 7002, "sbx_test7001"};
  fs::path passwd, group;
  ASSERT_TRUE(WritePasswdFiles(user, dir.path(), passwd, group).ok());
  std::ifstream p(passwd), g(group);
  std::stringstream users, groups;
  users << p.rdbuf();
  groups << g.rdbuf();
  EXPECT_NE(users.str().find("sbx_test7001:x:7001:7002::/home/sbx_test7001:/sbin/nologin\n"),
            std::string::npos);
  EXPECT_NE(users.str().find("root:x:0:0:"), std::string::npos);  // the host's are kept
  EXPECT_NE(groups.str().find("sbx_test7001:x:7002:\n"), std::string::npos);
  // A user the host has already is not added again.
  SandboxUser root_like{0, 0, "root"};
  ASSERT_TRUE(WritePasswdFiles(root_like, dir.path(), passwd, group).ok());
  std::ifstream again(passwd);
  std::stringstream text;
  text << again.rdbuf();
  EXPECT_EQ(text.str().find("root:x:0:0::/home/root"), std::string::npos);
}

TEST(Namespaces, RuntimeMapsKeepRootWhenTheServerIsRoot) {
  EXPECT_EQ(RuntimeUidMap(993, true), "0 0 1\n993 993 1\n");
  EXPECT_EQ(RuntimeGidMap(990, true), "0 0 1\n990 990 1\n");
  EXPECT_EQ(RuntimeUidMap(993, false), "993 993 1\n");
}

TEST(Namespaces, RefusalCanBeForcedForTests) {
  ::setenv("LAMBDA_EMU_REFUSE_NAMESPACES", "user,pid", 1);
  Status probed = ProbeNamespaces(false);
  ::unsetenv("LAMBDA_EMU_REFUSE_NAMESPACES");
  ASSERT_FALSE(probed.ok());
  EXPECT_NE(probed.message().find("pid namespace is refused"), std::string::npos)
      << probed.message();
}

TEST(TmpVolume, ImageLeavesAboutEphemeralStorageUsable) {
  // ext4 keeps ~5% (inode tables at one inode per 8 KiB, bitmaps): the
  // image is that much larger than the space the function gets.
  EXPECT_EQ(TmpImageBytes(512), (512ull << 20) + (32ull << 20) + (1ull << 20));
  EXPECT_GT(TmpImageBytes(10240), 10240ull << 20);
}

}  // namespace
}  // namespace lambda_emu::sandbox
