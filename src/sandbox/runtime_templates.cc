#include "sandbox/runtime_templates.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "sandbox/spare_protocol.h"
#include "sandbox/spawn.h"

extern char** environ;

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

// How long a template may take to start its interpreter and load the
// runtime client, and to fork a spare.
constexpr int kStartTimeoutMs = 10000;
constexpr int kForkTimeoutMs = 10000;
// Makes the runtime's bootstrap.py a template (lambda_emu_template.py).
constexpr const char* kTemplateVariable = "LAMBDA_EMU_RUNTIME_TEMPLATE";

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

void Say(const char* text) {
  ssize_t ignored = ::write(2, text, std::strlen(text));
  (void)ignored;
}

// The template's child, between clone and exec (system calls only): its
// view, then descriptors 0-4 (/dev/null, the server's stderr twice, the
// control socket, the server's mount namespace) and the interpreter.
[[noreturn]] void ExecTemplate(pid_t parent, const MountPlan& plan, const int (&fds)[5],
                               char* const* argv, char* const* envp) {
  StartChild(parent, false);
  sched_param normal{};
  ::sched_setscheduler(0, SCHED_OTHER, &normal);  // not the spares thread's SCHED_IDLE
  const char* failed = "";
  if (!ApplyMountPlan(plan, failed) || ::chdir("/var/task") != 0) {
    Say("lambda-emu: runtime template: cannot build its view: ");
    Say(failed);
    Say("\n");
    _exit(126);
  }
  if (!PlaceDescriptors(fds)) _exit(127);
  ::execve(argv[0], argv, envp);
  Say("lambda-emu: runtime template: cannot exec the interpreter\n");
  _exit(127);
}

// VmRSS of /proc/<pid>/status, in bytes (0 when it cannot be read).
std::uint64_t ResidentBytes(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
  if (!f) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "VmRSS: %llu kB", &kb) == 1) break;
  }
  std::fclose(f);
  return static_cast<std::uint64_t>(kb) << 10;
}

// Waits up to `timeout_ms` for a message on `fd`.
Result<std::string> ReceiveWithin(int fd, int timeout_ms) {
  pollfd ready{fd, POLLIN, 0};
  int polled;
  do {
    polled = ::poll(&ready, 1, timeout_ms);
  } while (polled < 0 && errno == EINTR);
  if (polled == 0) return Status::Error("no answer within " + std::to_string(timeout_ms) + " ms");
  if (polled < 0) return Status::Error(std::string("poll: ") + std::strerror(errno));
  return spare::Receive(fd);
}

}  // namespace

struct RuntimeTemplates::Template {
  bool snapshot = false;
  std::uint64_t rss_bytes = 0;  // a snapshot's, once ready
  pid_t pid = -1;
  int pidfd = -1;
  int control = -1;
  fs::path dir;

  ~Template() {
    if (control >= 0) ::close(control);  // it exits at end of file
    if (pidfd >= 0) {
      ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
      ::close(pidfd);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);  // its mounts were its own namespace's
  }
};

bool StartupVariable(std::string_view name) {
  auto starts = [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; };
  return starts("LD_") || starts("PYTHON") || starts("LC_") || starts("MALLOC_") ||
         name == "LANG" || name == "LANGUAGE" || name == "GLIBC_TUNABLES" || name == "HOME";
}

RuntimeTemplateSpec MakeRuntimeTemplateSpec(const std::vector<std::string>& runtime_argv,
                                            const ViewSpec& view,
                                            const std::vector<std::string>& env,
                                            const std::vector<std::string>& also) {
  RuntimeTemplateSpec spec;
  spec.runtime_argv = runtime_argv;
  spec.view = view;
  for (const auto& entry : env) {
    if (StartupVariable(std::string_view(entry).substr(0, entry.find('=')))) {
      spec.env.push_back(entry);
    }
  }
  // Later values of a variable win, as in the environment itself.
  std::stable_sort(spec.env.begin(), spec.env.end(), [](const auto& a, const auto& b) {
    return a.substr(0, a.find('=')) < b.substr(0, b.find('='));
  });
  for (std::size_t i = 0; i + 1 < spec.env.size();) {
    const auto& a = spec.env[i];
    const auto& b = spec.env[i + 1];
    if (a.substr(0, a.find('=')) == b.substr(0, b.find('='))) {
      spec.env.erase(spec.env.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  for (const auto& entry : also) {
    const std::string prefix = entry.substr(0, entry.find('=') + 1);
    bool set =
        std::any_of(env.begin(), env.end(), [&](const auto& e) { return e.rfind(prefix, 0) == 0; });
    if (!set) spec.env.push_back(entry);
  }
  for (const auto& arg : runtime_argv) spec.key += arg + '\0';
  spec.key += '\0';
  for (const auto& entry : spec.env) spec.key += entry + '\0';
  spec.key += view.interpreter_prefix.string() + std::string(1, 0) + view.runtime_dir.string();
  for (const auto& hidden : view.hide) spec.key += '\0' + hidden.string();
  spec.description = runtime_argv.empty() ? "" : runtime_argv.front();
  return spec;
}

RuntimeTemplates::RuntimeTemplates(fs::path work_dir) : work_dir_(std::move(work_dir)) {}

RuntimeTemplates::~RuntimeTemplates() = default;

Result<RuntimeTemplates::Template*> RuntimeTemplates::Find(const RuntimeTemplateSpec& spec) {
  if (auto refused = refused_.find(spec.key); refused != refused_.end()) {
    return Status::Error(refused->second);
  }
  if (auto it = templates_.find(spec.key); it != templates_.end()) {
    // Still there? (The server's reaper reaps it: its pidfd says.)
    pollfd gone{it->second->pidfd, POLLIN, 0};
    if (::poll(&gone, 1, 0) == 0) return it->second.get();
    templates_.erase(it);
    refused_[spec.key] = "its runtime template exited";
    return Status::Error(refused_[spec.key]);
  }
  const auto count = static_cast<std::size_t>(
      std::count_if(templates_.begin(), templates_.end(),
                    [&](const auto& entry) { return entry.second->snapshot == spec.snapshot; }));
  if (spec.snapshot && count >= kMaxSnapshots) {
    return Status::Error("more than " + std::to_string(kMaxSnapshots) +
                         " SnapStart versions have a snapshot");
  }
  if (!spec.snapshot && count >= kMaxTemplates) {
    return Status::Error(
        "more than " + std::to_string(kMaxTemplates) +
        " start-up environments (LD_*, PYTHON*, LANG, LC_*, HOME) among functions");
  }
  auto started = Start(spec);
  if (!started.ok()) {
    refused_[spec.key] = started.status().message();
    return started.status();
  }
  Template* made = started.value().get();
  templates_[spec.key] = std::move(started.value());
  return made;
}

Result<std::unique_ptr<RuntimeTemplates::Template>> RuntimeTemplates::Start(
    const RuntimeTemplateSpec& spec) {
  if (spec.runtime_argv.size() < 2) return Status::Error("not an interpreter's command");
  auto made = std::make_unique<Template>();
  made->dir = work_dir_ / ("template-" + std::to_string(next_id_++));
  ViewSpec view = spec.view;
  std::vector<fs::path> dirs = {made->dir / "root"};
  if (!spec.snapshot) {
    // Stand-ins for the code and layers, which are no function's yet.
    view.code_dir = made->dir / "task";
    view.layers = {made->dir / "opt"};
    dirs.push_back(view.code_dir / "lib");
    dirs.push_back(view.layers[0] / "lib");
  }
  std::error_code ec;
  for (const auto& dir : dirs) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Error("cannot create " + dir.string() + ": " + ec.message());
  }
  MountPlan plan;
  plan.root = (made->dir / "root").string();
  BuildMountPlan(view, plan);
  if (spec.snapshot) {
    // What the init writes to /tmp stays in the snapshot's own tmpfs.
    plan.tmp.kind = TmpVolume::Kind::kTmpfs;
    plan.tmp.tmpfs_options = "size=" + std::to_string(spec.tmp_mb) + "m,mode=1777";
  }

  // Exactly the runtime's command line: its forks' /proc/PID/cmdline, sys.argv
  // and __main__ are a runtime's. bootstrap.py serves as a template when told.
  std::vector<char*> argv = CStrings(spec.runtime_argv);
  std::vector<std::string> env = spec.env;
  env.push_back(std::string(kTemplateVariable) + (spec.snapshot ? "=snapshot" : "=1"));
  std::vector<char*> envp = CStrings(env);

  int control[2] = {-1, -1};
  int output[2] = {-1, -1};  // a snapshot's init output
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int mounts = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || mounts < 0 ||
      ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0 ||
      (spec.snapshot && ::pipe2(output, O_CLOEXEC) != 0)) {
    int err = errno;
    CloseAll({devnull, mounts, control[0], control[1], output[0], output[1]});
    return Status::Error(std::string("cannot start a runtime template: ") + std::strerror(err));
  }
  const int out = spec.snapshot ? output[1] : 2;
  const int child_fds[5] = {devnull, out, out, control[1], mounts};
  const pid_t parent = ::getpid();
  pid_t pid = Clone({}, CLONE_NEWNS);
  if (pid == 0) ExecTemplate(parent, plan, child_fds, argv.data(), envp.data());
  int err = errno;
  CloseAll({devnull, mounts, control[1], output[1]});
  if (pid < 0) {
    CloseAll({control[0], output[0]});
    return Status::Error(std::string("clone: ") + std::strerror(err));
  }
  made->snapshot = spec.snapshot;
  made->pid = pid;
  made->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  made->control = control[0];
  auto ready = AwaitReady(spec, *made, output[0]);
  if (output[0] >= 0) ::close(output[0]);
  if (!ready.ok() || ready.value() != "ready") {
    std::string what = ready.ok() ? ready.value() : ready.status().message();
    if (spec.snapshot) return Status::Error("its snapshot could not be made (" + what + ")");
    return Status::Error("the runtime template for " + spec.description + " did not start (" +
                         what + ")");
  }
  if (spec.snapshot) {
    made->rss_bytes = ResidentBytes(made->pid);
    // Lambda's init runs within MemorySize; the snapshot's runs in the
    // server's cgroup, so its size is checked here (an environment's own
    // init then fails as Lambda's would).
    if (spec.memory_bytes && made->rss_bytes > spec.memory_bytes) {
      return Status::Error("its snapshot could not be made (its init used " +
                           std::to_string(made->rss_bytes >> 20) + " MB, more than MemorySize)");
    }
  }
  return made;
}

Result<std::string> RuntimeTemplates::AwaitReady(const RuntimeTemplateSpec& spec, Template& made,
                                                 int output) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline =
      started + (spec.snapshot ? spec.start_timeout : std::chrono::milliseconds(kStartTimeoutMs));
  auto report = [&](const std::string& status) {
    if (!spec.log) return;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.2f", ms);
    spec.log(std::string("INIT_REPORT Init Duration: ") + duration +
                 " ms\tPhase: init\tStatus: " + status + "\tInitialization Type: snap-start",
             true);
  };
  std::string partial;
  auto pass_on = [&](bool all) {
    char buffer[16384];
    for (;;) {
      ssize_t n = ::read(output, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      partial.append(buffer, static_cast<size_t>(n));
      for (size_t newline; (newline = partial.find('\n')) != std::string::npos;) {
        if (spec.log) spec.log(std::string_view(partial).substr(0, newline), false);
        partial.erase(0, newline + 1);
      }
      if (!all) break;
    }
    if (all && !partial.empty() && spec.log) spec.log(partial, false);
  };
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      report("timeout");
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started);
      return Status::Error("no answer within " + std::to_string(waited.count()) + " ms");
    }
    pollfd fds[2] = {{made.control, POLLIN, 0}, {output, POLLIN, 0}};
    int polled = ::poll(fds, output >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled < 0) return Status::Error(std::string("poll: ") + std::strerror(errno));
    if (output >= 0 && fds[1].revents) pass_on(false);
    if (fds[0].revents) break;
  }
  auto message = spare::Receive(made.control);
  if (output >= 0) {
    // Before "ready" the template pointed its output elsewhere; an init
    // that failed has exited. Either way what it wrote is all in the pipe.
    ::fcntl(output, F_SETFL, ::fcntl(output, F_GETFL) | O_NONBLOCK);
    pass_on(true);
  }
  if (!message.ok()) {
    report("error");
    return message;
  }
  // A failed init: "error <Error Type>".
  if (message.value().rfind("error ", 0) == 0) {
    report("error\tError Type: " + message.value().substr(6));
    return message;
  }
  report("success");
  return message;
}

std::uint64_t RuntimeTemplates::SnapshotBytes(const std::string& key) const {
  auto it = templates_.find(key);
  return it == templates_.end() ? 0 : it->second->rss_bytes;
}

void RuntimeTemplates::Drop(const std::string& key) {
  templates_.erase(key);
  refused_.erase(key);
}

Result<pid_t> RuntimeTemplates::Fork(const RuntimeTemplateSpec& spec, int output, int report,
                                     int control) {
  auto found = Find(spec);
  if (!found.ok()) return found.status();
  Template& runtime_template = *found.value();
  // The spare's program (a template's /proc/self/exe is its interpreter),
  // then the server's environment.
  static const std::string self = [] {
    std::error_code ec;
    return fs::read_symlink("/proc/self/exe", ec).string();
  }();
  static const std::string environment = [] {
    std::string text;
    for (char** var = environ; var && *var; ++var) text += '\0' + std::string(*var);
    return text;
  }();
  const std::string request = spare::Executable(self) + environment;
  Status sent = spare::Send(runtime_template.control, request, {output, report, control});
  auto reply = sent.ok() ? ReceiveWithin(runtime_template.control, kForkTimeoutMs)
                         : Result<std::string>(sent);
  if (!reply.ok()) {
    // A template that does not answer is not asked again.
    templates_.erase(spec.key);
    refused_[spec.key] =
        "its runtime template stopped answering (" + reply.status().message() + ")";
    return Status::Error(refused_[spec.key]);
  }
  const std::string& text = reply.value();
  if (text.rfind("pid ", 0) != 0) return Status::Error("runtime template: " + text);
  return static_cast<pid_t>(std::stoi(text.substr(4)));
}

}  // namespace lambda_emu::sandbox
