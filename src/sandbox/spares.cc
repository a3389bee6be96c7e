#include "sandbox/spares.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/namespaces.h"
#include "sandbox/runtime_templates.h"
#include "sandbox/sandbox.h"
#include "sandbox/spare_protocol.h"

extern char** environ;

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A spare's cgroup until it becomes an environment: room for the spare
// itself (a few hundred kilobytes to a few megabytes).
constexpr std::uint64_t kSpareMemoryBytes = 128ull << 20;
// How long a new spare may take to join its cgroups and build its view.
constexpr std::chrono::milliseconds kReadyTimeout{10000};
constexpr int kFailuresBeforeGivingUp = 3;
// A kind AwaitSnapshot found none of is wanted at once for this long.
constexpr std::chrono::milliseconds kAwaitedFor{50};

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

// The child, between clone and exec (system calls only): descriptors 0-4 as
// spare_protocol.h says, nothing else, then `lambda-emu __spare` (on
// spare::Executable()).
[[noreturn]] void ExecSpare(pid_t parent, bool new_pid_namespace, int gate, const int (&fds)[5],
                            const char* executable, char* const* argv) {
  StartChild(parent, new_pid_namespace);
  // Its exec and cgroup join at the normal policy, not the spares thread's
  // (it takes that again afterwards: spare::Prepare::policy).
  sched_param normal{};
  ::sched_setscheduler(0, SCHED_OTHER, &normal);
  if (gate >= 0) {
    // The server writes this namespace's id maps first.
    char byte;
    if (::read(gate, &byte, 1) != 1) _exit(127);
    // In a user namespace of its own the spare is the sandbox user, not
    // root, so its exec would drop the capabilities it has there (and needs
    // for its mounts): as ambient ones they survive it. RunSpare clears them
    // before anything else runs.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2] = {};
    if (::syscall(SYS_capget, &header, caps) == 0) {
      caps[0].inheritable = caps[0].permitted;
      caps[1].inheritable = caps[1].permitted;
      ::syscall(SYS_capset, &header, caps);
    }
    for (unsigned long cap = 0; cap <= CAP_LAST_CAP; ++cap) {
      ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0ul, 0ul);
    }
  }
  if (!PlaceDescriptors(fds)) _exit(127);
  ::execve(executable, argv, environ);
  _exit(127);
}

// SCHED_IDLE where a process may go back from it to SCHED_OTHER (with
// CAP_SYS_NICE, or an RLIMIT_NICE that allows nice 0), else SCHED_BATCH:
// spares and their runtimes must be able to.
int SparesPolicy() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[2] = {};
  const bool nice_cap = ::syscall(SYS_capget, &header, caps) == 0 &&
                        (caps[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32)));
  rlimit nice{};
  const bool nice_limit = ::getrlimit(RLIMIT_NICE, &nice) == 0 && nice.rlim_cur >= 20;
  return nice_cap || nice_limit ? SCHED_IDLE : SCHED_BATCH;
}

// Why a spare that closed its control socket did so, from its report pipe.
std::string WhyItEnded(int status_fd) {
  SpawnFailure failure{};
  if (::read(status_fd, &failure, sizeof failure) == static_cast<ssize_t>(sizeof failure)) {
    return DescribeSpawnFailure(failure, "lambda-emu " + std::string(spare::kCommand), "/");
  }
  return "it exited before it was ready";
}

}  // namespace

SpareSandbox::~SpareSandbox() {
  if (pidfd >= 0) {
    ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    ::close(pidfd);
  }
  CloseAll({control_fd, output_fd, status_fd});
  cgroup.reset();  // kills what is left in it and removes it
  if (!dir.empty()) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // an empty root: the spare's mounts were its own
  }
}

Result<SpawnedProcess> Launch(SpareSandbox& spare, const SpawnSpec& spec) {
  spare::Launch launch = spare::MakeLaunch(spec);
  std::vector<int> fds;
  if (launch.has_tmp_fd) fds.push_back(spec.sandbox->mounts.tmp.mounted_fd);
  if (launch.has_idmap_fd) fds.push_back(spec.sandbox->mounts.idmap_fd);
  if (Status sent = spare::Send(spare.control_fd, spare::Encode(launch), fds); !sent.ok()) {
    return sent;
  }
  SpawnedProcess process{spare.pid, spare.output_fd, spare.status_fd};
  CloseAll({spare.control_fd, spare.pidfd});
  spare.control_fd = spare.output_fd = spare.status_fd = spare.pidfd = -1;
  spare.pid = -1;
  spare.dir.clear();  // the environment's now
  return process;
}

SpareSandboxes::SpareSandboxes(Sandbox* sandbox, CgroupManager& cgroups, fs::path work_dir,
                               std::uint64_t pids_limit, int count, bool fork_runtimes)
    : sandbox_(sandbox),
      cgroups_(cgroups),
      work_dir_(std::move(work_dir)),
      pids_limit_(pids_limit),
      count_(count),
      policy_(SparesPolicy()) {
  kinds_[""];  // blank spares
  if (!fork_runtimes) {
    fork_refused_ = "--no-fork-runtimes";
  } else if (count_ == 0) {
    fork_refused_ = "they are made as spare sandboxes, and --spare-sandboxes is 0";
  } else if (!sandbox_ || !sandbox_->enabled()) {
    fork_refused_ = "they need the sandbox (--sandbox namespaces, as root)";
  } else if (sandbox_->user_namespace()) {
    fork_refused_ = "they need root: a template must enter the spares' namespaces";
  } else {
    templates_ = std::make_unique<RuntimeTemplates>(work_dir_);
  }
  if (count_ != 0) thread_ = std::thread([this] { Run(); });
}

SpareSandboxes::~SpareSandboxes() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  kinds_.clear();
  dead_.clear();
  templates_.reset();
}

void SpareSandboxes::Want(std::shared_ptr<const RuntimeTemplateSpec> kind) {
  if (!templates_ || !kind) return;
  {
    std::lock_guard lock(mutex_);
    Kind& wanted = kinds_[kind->key];
    if (wanted.spec) return;
    wanted.spec = std::move(kind);
  }
  wake_.notify_all();
}

void SpareSandboxes::Forget(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    auto it = kinds_.find(key);
    if (it == kinds_.end() || key.empty() || it->second.forgotten) return;
    Kind& kind = it->second;
    kind.forgotten = true;
    for (auto& spare : kind.ready) dead_.push_back(std::move(spare));
    kind.ready.clear();
    dropped_.push_back(key);
  }
  wake_.notify_all();
}

bool SpareSandboxes::AwaitSnapshot(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    auto it = kinds_.find(key);
    if (it == kinds_.end() || stop_) return false;
    Kind& kind = it->second;
    if (kind.forgotten || kind.failures >= kFailuresBeforeGivingUp || !kind.ready.empty()) {
      return false;
    }
    kind.awaited = Clock::now();
  }
  wake_.notify_all();
  return true;
}

bool SpareSandboxes::SnapshotPending(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = kinds_.find(key);
  if (it == kinds_.end() || stop_) return false;
  const Kind& kind = it->second;
  return !kind.made_any && !kind.forgotten && kind.failures < kFailuresBeforeGivingUp;
}

std::unique_ptr<SpareSandbox> SpareSandboxes::Take(const RuntimeTemplateSpec* kind) {
  if (count_ == 0) return nullptr;
  std::unique_ptr<SpareSandbox> spare;
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    last_take_ = now;
    auto take = [&](Kind& from) {
      from.recent.Add(now);
      while (!from.ready.empty()) {
        spare = std::move(from.ready.front());
        from.ready.pop_front();
        // Its pidfd is readable once it has exited (one poll, no wait).
        pollfd exited{spare->pidfd, POLLIN, 0};
        if (spare->pidfd < 0 || ::poll(&exited, 1, 0) == 0) return true;
        ++figures_.failed;
        dead_.push_back(std::move(spare));  // removed on the spares' thread
      }
      return false;
    };
    auto it = kind && templates_ ? kinds_.find(kind->key) : kinds_.end();
    if ((it != kinds_.end() && take(it->second)) || take(kinds_[""])) {
      ++figures_.taken;
      if (spare->forked) ++figures_.forked_taken;
    } else {
      ++figures_.missed;
    }
  }
  wake_.notify_all();
  return spare;
}

SpareSandboxes::Figures SpareSandboxes::figures() const {
  std::lock_guard lock(mutex_);
  Figures figures = figures_;
  for (const auto& [key, kind] : kinds_) {
    figures.ready += kind.ready.size();
    if (kind.spec) figures.forked_ready += kind.ready.size();
  }
  return figures;
}

std::string SpareSandboxes::Describe() const {
  std::string text = count_ == kAuto ? "auto (" + std::to_string(kAutoLeast) + "-" +
                                           std::to_string(kAutoMax) + " kept ready"
                                     : std::to_string(count_) + " kept ready";
  return text + (templates_ ? ", and as many of each forked runtime)" : ")");
}

std::size_t SpareSandboxes::TargetLocked(Kind& kind, Clock::time_point now) {
  if (count_ != kAuto) return static_cast<std::size_t>(count_);
  return std::clamp<std::size_t>(kind.recent.Count(now), kAutoLeast, kAutoMax);
}

void SpareSandboxes::Run() {
  // This thread only runs when a CPU is otherwise idle: waking it (Take)
  // must not preempt the io thread in the middle of a cold start. Spares
  // go back to the normal policy before they exec (ExecSpare), and to this
  // one once they have joined their cgroups (spare::Prepare::policy).
  sched_param param{};
  if (::sched_setscheduler(0, policy_, &param) != 0) {
    spdlog::debug("spare sandboxes: sched_setscheduler: {}", std::strerror(errno));
  }
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!dead_.empty() || !dropped_.empty()) {
      std::vector<std::unique_ptr<SpareSandbox>> dead = std::move(dead_);
      std::vector<std::string> dropped = std::move(dropped_);
      dead_.clear();
      dropped_.clear();
      lock.unlock();
      dead.clear();  // their cgroups and directories go
      for (const auto& key : dropped) templates_->Drop(key);
      lock.lock();
      continue;
    }
    const auto now = Clock::now();
    // The kind that most needs one: blank first, then each runtime's.
    Kind* short_of = nullptr;
    std::size_t short_target = 0;
    std::unique_ptr<SpareSandbox> extra;
    for (auto& [key, kind] : kinds_) {
      if (kind.failures >= kFailuresBeforeGivingUp || kind.forgotten) continue;
      std::size_t target = TargetLocked(kind, now);
      // A cold start waits for one (AwaitSnapshot asks every few ms).
      const bool awaited = now - kind.awaited < kAwaitedFor;
      if (awaited) target = std::max(target, kind.ready.size() + 1);
      if (kind.ready.size() > target) {
        // Fewer cold starts lately: the oldest goes.
        extra = std::move(kind.ready.front());
        kind.ready.pop_front();
        break;
      }
      if (kind.ready.size() < target && (!short_of || awaited)) {
        short_of = &kind;
        short_target = target;
        if (awaited) break;
      }
    }
    if (extra) {
      lock.unlock();
      extra.reset();
      lock.lock();
      continue;
    }
    if (!short_of) {
      wake_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    // Making a spare takes ~1.5 ms of CPU: not while the environment that
    // took the last one starts, unless none is left (a burst: the next cold
    // start would start on demand, which is slower).
    const auto quiet = last_take_ + kRefillDelay;
    if (now < quiet && !short_of->ready.empty() && now - short_of->awaited >= kAwaitedFor) {
      wake_.wait_until(lock, quiet);
      continue;
    }
    // All that are missing at once: their cgroup moves then wait for one
    // RCU grace period together instead of one each. A kind's first alone:
    // it may start a template, or fail.
    const std::size_t count = short_of->made_any ? short_target - short_of->ready.size() : 1;
    // Kinds are never removed, so short_of stays valid while unlocked.
    std::shared_ptr<const RuntimeTemplateSpec> spec = short_of->spec;
    lock.unlock();
    std::vector<Result<std::unique_ptr<SpareSandbox>>> made;
    for (std::size_t i = 0; i < count; ++i) made.push_back(Start(spec.get()));
    for (auto& spare : made) {
      if (!spare.ok()) continue;
      if (Status ready = AwaitReady(*spare.value()); !ready.ok()) spare = ready;
    }
    lock.lock();
    for (auto& spare : made) Add(*short_of, std::move(spare));
  }
}

void SpareSandboxes::Add(Kind& kind, Result<std::unique_ptr<SpareSandbox>> made) {
  if (made.ok()) {
    if (kind.forgotten) return;  // made meanwhile: it goes
    kind.ready.push_back(std::move(made.value()));
    ++figures_.made;
    kind.failures = 0;
    kind.made_any = true;
    return;
  }
  ++figures_.failed;
  const auto& spec = kind.spec;
  if (spec && spec->snapshot) {
    // A snapshot whose init failed fails the same way again: once is enough.
    kind.failures = kFailuresBeforeGivingUp;
    spdlog::warn("SnapStart: {}: {}; its environments run their init on demand", spec->description,
                 made.status().message());
  } else if (++kind.failures != kFailuresBeforeGivingUp) {
    spdlog::debug("spare sandboxes: {}", made.status().message());
  } else if (spec) {
    spdlog::warn("forked runtimes: {}; {} functions' runtimes start by exec from now on",
                 made.status().message(), spec->description);
  } else {
    spdlog::warn("spare sandboxes: {}; environments are started on demand from now on",
                 made.status().message());
  }
}

Result<std::unique_ptr<SpareSandbox>> SpareSandboxes::Start(const RuntimeTemplateSpec* kind) {
  auto spare = std::make_unique<SpareSandbox>();
  spare->forked = kind != nullptr;
  spare->snapshot = kind && kind->snapshot;
  const std::string name = "spare-" + std::to_string(next_id_++);
  ResourceLimits limits;
  limits.memory_bytes = kSpareMemoryBytes;
  limits.pids = pids_limit_;
  auto cgroup = cgroups_.Create(name, limits);
  if (!cgroup.ok()) return Status::Error("cgroup: " + cgroup.status().message());
  spare->cgroup = std::move(cgroup.value());
  spare->cgroup->PrepareLimits();  // its function's limits are then one write each

  spare::Prepare prepare;
  SandboxSpec box;
  if (sandbox_ && sandbox_->enabled()) {
    spare->dir = work_dir_ / name;
    auto made = sandbox_->ForSpare(spare->dir);
    if (!made.ok()) return made.status();
    box = std::move(made.value());
    prepare.namespaces = true;
    prepare.plan = box.mounts;
    SpawnSpec runtime;
    runtime.sandbox = &box;
    runtime.max_core_size = kLambdaMaxCoreSize;
    prepare.runtime = spare::MakeRuntimeIdentity(runtime);
    if (kind) prepare.forked_argv = kind->runtime_argv;
  }
  const int flags = box.clone_flags;

  int control[2] = {-1, -1};
  int output[2] = {-1, -1};
  int report[2] = {-1, -1};
  int gate[2] = {-1, -1};
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  bool piped = devnull >= 0 &&
               ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) == 0 &&
               ::pipe2(output, O_CLOEXEC) == 0 && ::pipe2(report, O_CLOEXEC) == 0 &&
               (!(flags & CLONE_NEWUSER) || ::pipe2(gate, O_CLOEXEC) == 0);
  if (!piped) {
    int err = errno;
    CloseAll({devnull, control[0], control[1], output[0], output[1], report[0], report[1], gate[0],
              gate[1]});
    return Status::Error(std::string("pipe: ") + std::strerror(err));
  }
  const int child_fds[5] = {devnull, output[1], output[1], report[1], control[1]};
  static char name0[] = "lambda-emu";
  static char name1[] = "__spare";
  char* argv[] = {name0, name1, nullptr};
  const pid_t parent = ::getpid();
  const std::string executable = spare::Executable("/proc/self/exe");

  const fs::path cgroup_dir = spare->cgroup->Directory();
  bool born_in_cgroup = false;
  pid_t pid = -1;
  std::string failed;
  if (kind) {
    // Forked from its runtime template, which is in the server's cgroup:
    // it joins its own as any spare does (cgroup_procs_files).
    auto forked = templates_->Fork(*kind, output[1], report[1], control[1]);
    if (forked.ok()) {
      pid = forked.value();
      if (kind->snapshot) spare->snapshot_bytes = templates_->SnapshotBytes(kind->key);
    } else {
      failed = forked.status().message();
    }
  } else {
    if (!cgroup_dir.empty()) {
      pid = Clone(cgroup_dir, flags);
      born_in_cgroup = pid >= 0;
    }
    if (pid < 0) pid = Clone({}, flags);
    if (pid == 0)
      ExecSpare(parent, flags & CLONE_NEWPID, gate[0], child_fds, executable.c_str(), argv);
    if (pid < 0) failed = std::string("clone: ") + std::strerror(errno);
  }
  CloseAll({devnull, output[1], report[1], control[1], gate[0]});
  if (pid < 0) {
    CloseAll({output[0], report[0], control[0], gate[1]});
    return Status::Error(failed);
  }
  spare->pid = pid;
  spare->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  spare->control_fd = control[0];
  spare->output_fd = output[0];
  spare->status_fd = report[0];
  for (int fd : {output[0], report[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::setpgid(pid, pid);
  if (gate[1] >= 0) {
    Status mapped = WriteIdMaps(pid, box.user.uid, box.outside_uid, box.user.gid, box.outside_gid);
    if (mapped.ok()) {
      ssize_t ignored = ::write(gate[1], "1", 1);
      (void)ignored;
    }
    ::close(gate[1]);  // without the byte the child exits
    if (!mapped.ok()) return mapped;
  }

  if (!born_in_cgroup) prepare.cgroup_procs_files = spare->cgroup->ProcsFiles();
  prepare.policy = policy_;
  if (Status sent = spare::Send(spare->control_fd, spare::Encode(prepare)); !sent.ok()) {
    return Status::Error(WhyItEnded(spare->status_fd));
  }
  return spare;
}

Status SpareSandboxes::AwaitReady(SpareSandbox& spare) {
  // Ready once it says so; a spare that fails says why on its report pipe.
  const auto deadline = Clock::now() + kReadyTimeout;
  for (;;) {
    pollfd ready{spare.control_fd, POLLIN, 0};
    int polled = ::poll(&ready, 1, 100);
    if (polled > 0) break;
    if (polled < 0 && errno != EINTR)
      return Status::Error(std::string("poll: ") + std::strerror(errno));
    std::lock_guard lock(mutex_);
    if (stop_) return Status::Error("stopping");
    if (Clock::now() > deadline) return Status::Error("a spare was not ready within 10 s");
  }
  if (!spare::Receive(spare.control_fd).ok()) return Status::Error(WhyItEnded(spare.status_fd));
  return Status::Ok();
}

}  // namespace lambda_emu::sandbox
