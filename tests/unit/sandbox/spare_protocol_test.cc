// The spare sandbox's messages (sandbox/spare_protocol.h): what the server
// encodes is what the spare decodes, a damaged message is refused, and a
// descriptor sent along arrives as the same open file.
#include "sandbox/spare_protocol.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lambda_emu::sandbox::spare {
namespace {

using Kind = MountStep::Kind;

Launch SampleLaunch() {
  Launch launch;
  launch.argv = {"/var/lang/bin/python3", "-u", ""};
  launch.env = {"AWS_LAMBDA_RUNTIME_API=127.0.0.1:4321", "EMPTY=", std::string("NUL\0IN", 6)};
  launch.extensions = {"/opt/extensions/one"};
  launch.cwd = "/var/task";
  launch.wrapped = true;
  launch.runtime.uid = 993;
  launch.runtime.gid = 990;
  launch.runtime.uid_map = "0 0 1\n993 993 1\n";
  launch.runtime.gid_map = "0 0 1\n990 990 1\n";
  launch.runtime.max_open_files = 1024;
  launch.runtime.max_core_size = 10737418240;
  launch.runtime.max_processes = 742;
  launch.runtime.stack_soft = 8 << 20;
  launch.function = {{Kind::kReadOnly, "/code", "/r/var/task", {}, true},
                     {Kind::kOverlay, {}, "/r/opt", "lowerdir=/b:/a"},
                     {Kind::kHide, {}, "/r/var/lang/lib/site-packages", {}}};
  launch.tmp.kind = TmpVolume::Kind::kLoop;
  launch.tmp.image = "/w/spare-1/tmp.ext4";
  launch.tmp.template_image = "/w/sandbox/tmp-512.ext4";
  launch.has_tmp_fd = true;
  return launch;
}

TEST(SpareProtocol, LaunchRoundTrips) {
  const Launch sent = SampleLaunch();
  Launch got;
  ASSERT_TRUE(Decode(Encode(sent), got));
  EXPECT_EQ(got.argv, sent.argv);
  EXPECT_EQ(got.env, sent.env);
  EXPECT_EQ(got.extensions, sent.extensions);
  EXPECT_EQ(got.cwd, "/var/task");
  EXPECT_TRUE(got.wrapped);
  EXPECT_EQ(got.runtime.uid, 993u);
  EXPECT_EQ(got.runtime.gid, 990u);
  EXPECT_EQ(got.runtime.uid_map, sent.runtime.uid_map);
  EXPECT_EQ(got.runtime.gid_map, sent.runtime.gid_map);
  EXPECT_EQ(got.runtime, sent.runtime);
  EXPECT_EQ(got.runtime.max_processes, 742u);
  EXPECT_EQ(got.max_file_size, RLIM_INFINITY);
  ASSERT_EQ(got.function.size(), 3u);
  EXPECT_EQ(got.function[0].kind, Kind::kReadOnly);
  EXPECT_TRUE(got.function[0].idmap);
  EXPECT_EQ(got.function[1].data, "lowerdir=/b:/a");
  EXPECT_EQ(got.function[2].target, "/r/var/lang/lib/site-packages");
  EXPECT_EQ(got.tmp.kind, TmpVolume::Kind::kLoop);
  EXPECT_EQ(got.tmp.image, sent.tmp.image);
  EXPECT_EQ(got.tmp.template_image, sent.tmp.template_image);
  EXPECT_TRUE(got.has_tmp_fd);
  EXPECT_FALSE(got.has_idmap_fd);
  EXPECT_EQ(got.tmp.mounted_fd, -1);  // descriptors travel beside the bytes
}

TEST(SpareProtocol, PrepareRoundTrips) {
  Prepare sent;
  sent.namespaces = true;
  sent.cgroup_procs_files = {"/sys/fs/cgroup/memory/x/spare-1/cgroup.procs"};
  sent.plan.root = "/w/spare-1/root";
  sent.plan.steps = {{Kind::kDirectory, {}, "/w/spare-1/root/usr", {}},
                     {Kind::kBind, "/usr", "/w/spare-1/root/usr", {}}};
  sent.plan.after_seal = {{Kind::kSeal, {}, "/w/spare-1/root/dev", {}}};
  sent.runtime.uid = 993;
  sent.runtime.uid_map = "993 993 1\n";
  sent.forked_argv = {"/var/lang/bin/python3.11", "/var/runtime/bootstrap.py"};
  sent.policy = SCHED_IDLE;
  Prepare got;
  ASSERT_TRUE(Decode(Encode(sent), got));
  EXPECT_EQ(got.build, Build());
  EXPECT_EQ(got.policy, SCHED_IDLE);
  EXPECT_TRUE(got.namespaces);
  EXPECT_EQ(got.cgroup_procs_files, sent.cgroup_procs_files);
  EXPECT_EQ(got.plan.root, sent.plan.root);
  ASSERT_EQ(got.plan.steps.size(), 2u);
  EXPECT_EQ(got.plan.steps[1].source, "/usr");
  ASSERT_EQ(got.plan.after_seal.size(), 1u);
  EXPECT_EQ(got.plan.after_seal[0].kind, Kind::kSeal);
  EXPECT_EQ(got.runtime, sent.runtime);
  EXPECT_EQ(got.forked_argv, sent.forked_argv);
}

// A lambda-emu-spare left from another build reads which build sent the
// message even when the rest is laid out differently, and can say so.
TEST(SpareProtocol, PrepareSaysItsBuildFirst) {
  EXPECT_FALSE(Build().empty());
  Prepare sent;
  sent.build = "another build";
  sent.cgroup_procs_files = {"/sys/fs/cgroup/memory/x/spare-1/cgroup.procs"};
  const std::string bytes = Encode(sent);
  Prepare got;
  EXPECT_FALSE(Decode(bytes.substr(0, bytes.size() - 3), got));
  EXPECT_EQ(got.build, "another build");
}

// What releases a forked runtime (lambda_emu_template.py splits it at NULs):
// cwd, argc, argv, then the environment, an empty value kept.
TEST(SpareProtocol, ForkedLaunchIsCwdArgcArgvThenEnvironment) {
  Launch launch;
  launch.argv = {"/var/lang/bin/python3.11", "/var/runtime/bootstrap.py"};
  launch.env = {"A=1", "EMPTY="};
  launch.cwd = "/var/task";
  const std::string bytes = ForkedLaunch(MakeInitSpec(launch));
  EXPECT_EQ(bytes, std::string("/var/task\0"
                               "2\0/var/lang/bin/python3.11\0/var/runtime/bootstrap.py"
                               "\0A=1\0EMPTY=",
                               73));
}

TEST(SpareProtocol, DamagedMessagesAreRefused) {
  const std::string bytes = Encode(SampleLaunch());
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    Launch got;
    EXPECT_FALSE(Decode(bytes.substr(0, cut), got)) << cut;
  }
  Launch got;
  EXPECT_FALSE(Decode(bytes + "x", got));  // trailing bytes
  // A length far past the end.
  std::string huge = bytes;
  huge[0] = '\xff';
  huge[6] = '\x7f';
  EXPECT_FALSE(Decode(huge, got));
  // An unknown mount step kind.
  Prepare prepare;
  prepare.plan.steps = {{Kind::kBind, "/a", "/b", {}}};
  std::string encoded = Encode(prepare);
  Prepare decoded;
  ASSERT_TRUE(Decode(encoded, decoded));
  // build, flag, no files, empty root, step count
  const std::size_t kind_at = 8 + Build().size() + 8 + 8 + 8 + 8;
  encoded[kind_at] = '\x63';
  EXPECT_FALSE(Decode(encoded, decoded));
}

TEST(SpareProtocol, SendsMessagesWithDescriptors) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_TRUE(Send(pair[0], "first").ok());
  ASSERT_TRUE(Send(pair[0], std::string(100000, 'b'), {pipe_fds[1]}).ok());

  auto first = Receive(pair[1]);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first.value(), "first");
  std::vector<int> fds;
  auto second = Receive(pair[1], &fds);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second.value(), std::string(100000, 'b'));
  ASSERT_EQ(fds.size(), 1u);
  EXPECT_EQ(::fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  // The same pipe: written through the received copy, read at the other end.
  ASSERT_EQ(::write(fds[0], "z", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(pipe_fds[0], &byte, 1), 1);
  EXPECT_EQ(byte, 'z');

  // The peer gone: sending fails (no SIGPIPE), receiving says closed.
  ::close(pair[1]);
  EXPECT_FALSE(Send(pair[0], "late").ok());
  for (int fd : {fds[0], pipe_fds[0], pipe_fds[1]}) ::close(fd);
  int again[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, again), 0);
  ::close(again[0]);
  auto closed = Receive(again[1]);
  EXPECT_FALSE(closed.ok());
  ::close(again[1]);
  ::close(pair[0]);
}

}  // namespace
}  // namespace lambda_emu::sandbox::spare
