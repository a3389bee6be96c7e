#include "sandbox/spare_protocol.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>

namespace lambda_emu::sandbox::spare {

namespace {

// Numbers as 8 bytes in host order (both ends are built from this file in
// one build: Prepare::build says so), strings
// as their length and bytes, lists as their count and items.
class Writer {
 public:
  Writer& Num(std::uint64_t n) {
    char bytes[sizeof n];
    std::memcpy(bytes, &n, sizeof n);
    out_.append(bytes, sizeof n);
    return *this;
  }
  Writer& Str(const std::string& s) {
    Num(s.size());
    out_ += s;
    return *this;
  }
  Writer& Strs(const std::vector<std::string>& list) {
    Num(list.size());
    for (const auto& s : list) Str(s);
    return *this;
  }
  Writer& Identity(const RuntimeIdentity& r) {
    Num(r.uid).Num(r.gid).Str(r.uid_map).Str(r.gid_map).Num(r.max_open_files);
    return Num(r.max_core_size).Num(r.max_processes).Num(r.max_locked_memory).Num(r.stack_soft);
  }
  Writer& Steps(const std::vector<MountStep>& steps) {
    Num(steps.size());
    for (const auto& step : steps) {
      Num(static_cast<std::uint64_t>(step.kind)).Str(step.source).Str(step.target).Str(step.data);
      Num(step.idmap ? 1 : 0);
    }
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  bool ok() const { return ok_ && at_ == in_.size(); }

  std::uint64_t Num() {
    std::uint64_t n = 0;
    if (!Need(sizeof n)) return 0;
    std::memcpy(&n, in_.data() + at_, sizeof n);
    at_ += sizeof n;
    return n;
  }
  template <typename T>
  void Num(T& out) {
    out = static_cast<T>(Num());
  }
  void Flag(bool& out) { out = Num() != 0; }
  void Str(std::string& out) {
    std::uint64_t size = Num();
    if (!Need(size)) return;
    out.assign(in_, at_, size);
    at_ += size;
  }
  void Strs(std::vector<std::string>& out) {
    std::uint64_t count = Num();
    for (std::uint64_t i = 0; ok_ && i < count; ++i) Str(out.emplace_back());
  }
  void Identity(RuntimeIdentity& r) {
    Num(r.uid);
    Num(r.gid);
    Str(r.uid_map);
    Str(r.gid_map);
    Num(r.max_open_files);
    Num(r.max_core_size);
    Num(r.max_processes);
    Num(r.max_locked_memory);
    Num(r.stack_soft);
  }
  void Steps(std::vector<MountStep>& out) {
    std::uint64_t count = Num();
    for (std::uint64_t i = 0; ok_ && i < count; ++i) {
      MountStep step{};
      std::uint64_t kind = Num();
      if (kind > static_cast<std::uint64_t>(MountStep::Kind::kSeal)) ok_ = false;
      step.kind = static_cast<MountStep::Kind>(kind);
      Str(step.source);
      Str(step.target);
      Str(step.data);
      Flag(step.idmap);
      out.push_back(std::move(step));
    }
  }

 private:
  bool Need(std::uint64_t size) {
    if (!ok_ || size > in_.size() - at_) ok_ = false;
    return ok_;
  }

  const std::string& in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

RuntimeIdentity MakeRuntimeIdentity(const SpawnSpec& spec) {
  RuntimeIdentity identity;
  identity.max_open_files = spec.max_open_files;
  identity.max_core_size = spec.max_core_size;
  if (const SandboxSpec* box = spec.sandbox) {
    identity.uid = box->user.uid;
    identity.gid = box->user.gid;
    identity.uid_map = box->runtime_uid_map;
    identity.gid_map = box->runtime_gid_map;
    identity.max_processes = box->max_processes;
    identity.max_locked_memory = box->max_locked_memory;
    identity.stack_soft = box->stack_soft;
  }
  return identity;
}

Launch MakeLaunch(const SpawnSpec& spec) {
  Launch launch;
  launch.argv = spec.argv;
  launch.env = spec.env;
  launch.cwd = spec.cwd.string();
  launch.wrapped = spec.wrapped;
  launch.runtime = MakeRuntimeIdentity(spec);
  launch.max_file_size = spec.max_file_size;
  if (const SandboxSpec* box = spec.sandbox) {
    launch.extensions = box->extensions;
    launch.function = box->mounts.function;
    launch.tmp = box->mounts.tmp;
    launch.has_tmp_fd = box->mounts.tmp.mounted_fd >= 0;
    launch.has_idmap_fd = box->mounts.idmap_fd >= 0;
  }
  return launch;
}

InitSpec MakeInitSpec(const RuntimeIdentity& r) {
  InitSpec init;
  init.uid = r.uid;
  init.gid = r.gid;
  init.uid_map = r.uid_map.c_str();
  init.gid_map = r.gid_map.c_str();
  init.max_open_files = r.max_open_files;
  init.max_core_size = r.max_core_size;
  init.max_processes = r.max_processes;
  init.max_locked_memory = r.max_locked_memory;
  init.stack_soft = r.stack_soft;
  return init;
}

InitSpec MakeInitSpec(const Launch& launch) {
  InitSpec init = MakeInitSpec(launch.runtime);
  init.runtime_argv = CStrings(launch.argv);
  init.envp = CStrings(launch.env);
  for (const auto& path : launch.extensions) {
    init.extension_argvs.push_back({const_cast<char*>(path.c_str()), nullptr});
  }
  init.cwd = launch.cwd.c_str();
  init.wrapped = launch.wrapped;
  return init;
}

const std::string& Build() {
  // Any change to the messages recompiles this file (it includes every
  // header they are made of), and both programs link this one object.
  static const std::string build = __DATE__ " " __TIME__;
  return build;
}

std::string Executable(const std::string& self) {
  struct Beside {
    std::string path;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  static const std::optional<Beside> beside = []() -> std::optional<Beside> {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    Beside found{(exe.parent_path() / "lambda-emu-spare").string()};
    struct stat st {};
    if (::stat(found.path.c_str(), &st) != 0 || ::access(found.path.c_str(), X_OK) != 0) {
      return std::nullopt;
    }
    found.dev = st.st_dev;
    found.ino = st.st_ino;
    return found;
  }();
  struct stat now {};
  if (!beside || ::stat(beside->path.c_str(), &now) != 0 || now.st_dev != beside->dev ||
      now.st_ino != beside->ino) {
    return self;
  }
  return beside->path;
}

std::string Encode(const Prepare& m) {
  Writer w;
  w.Str(m.build).Num(m.namespaces ? 1 : 0).Strs(m.cgroup_procs_files).Str(m.plan.root);
  w.Steps(m.plan.steps)
      .Steps(m.plan.after_seal)
      .Identity(m.runtime)
      .Num(static_cast<std::uint64_t>(m.policy));
  w.Strs(m.forked_argv);
  return w.Take();
}

bool Decode(const std::string& bytes, Prepare& m) {
  Reader r(bytes);
  r.Str(m.build);
  r.Flag(m.namespaces);
  r.Strs(m.cgroup_procs_files);
  r.Str(m.plan.root);
  r.Steps(m.plan.steps);
  r.Steps(m.plan.after_seal);
  r.Identity(m.runtime);
  m.policy = static_cast<int>(r.Num());
  r.Strs(m.forked_argv);
  return r.ok();
}

std::string Encode(const Launch& m) {
  Writer w;
  w.Strs(m.argv).Strs(m.env).Strs(m.extensions).Str(m.cwd).Num(m.wrapped ? 1 : 0);
  w.Identity(m.runtime).Num(m.max_file_size);
  w.Steps(m.function);
  w.Num(static_cast<std::uint64_t>(m.tmp.kind)).Str(m.tmp.image).Str(m.tmp.template_image);
  w.Str(m.tmp.tmpfs_options).Num(m.has_tmp_fd ? 1 : 0).Num(m.has_idmap_fd ? 1 : 0);
  return w.Take();
}

bool Decode(const std::string& bytes, Launch& m) {
  Reader r(bytes);
  r.Strs(m.argv);
  r.Strs(m.env);
  r.Strs(m.extensions);
  r.Str(m.cwd);
  r.Flag(m.wrapped);
  r.Identity(m.runtime);
  r.Num(m.max_file_size);
  r.Steps(m.function);
  std::uint64_t kind = r.Num();
  m.tmp.kind = kind <= static_cast<std::uint64_t>(TmpVolume::Kind::kTmpfs)
                   ? static_cast<TmpVolume::Kind>(kind)
                   : TmpVolume::Kind::kNone;
  r.Str(m.tmp.image);
  r.Str(m.tmp.template_image);
  r.Str(m.tmp.tmpfs_options);
  r.Flag(m.has_tmp_fd);
  r.Flag(m.has_idmap_fd);
  return r.ok() && !m.argv.empty();
}

Status Send(int socket, const std::string& bytes, const std::vector<int>& fds) {
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&msg);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return Status::Error(std::string("spare: send: ") + std::strerror(errno));
  return Status::Ok();
}

Result<std::string> Receive(int socket, std::vector<int>* fds) {
  // A seqpacket message's whole size, without taking it.
  char probe;
  ssize_t size;
  do {
    size = ::recv(socket, &probe, 1, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) return Status::Error(std::string("spare: receive: ") + std::strerror(errno));
  if (size == 0) return Status::Error("spare: closed");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  iovec iov{bytes.data(), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return Status::Error(std::string("spare: receive: ") + std::strerror(errno));
  for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
      if (fds) {
        fds->push_back(fd);
      } else {
        ::close(fd);
      }
    }
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) return Status::Error("spare: truncated");
  bytes.resize(static_cast<std::size_t>(got));
  return bytes;
}

}  // namespace lambda_emu::sandbox::spare
