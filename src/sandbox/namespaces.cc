#include "sandbox/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace lambda_emu::sandbox {

namespace {

bool WriteFile(const char* path, const char* text, std::size_t length) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text, length) == static_cast<ssize_t>(length);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

bool Refused(const std::string& name) {
  const char* refuse = std::getenv("LAMBDA_EMU_REFUSE_NAMESPACES");
  if (!refuse) return false;
  std::stringstream names(refuse);
  std::string item;
  while (std::getline(names, item, ',')) {
    if (item == name) return true;
  }
  return false;
}

}  // namespace

int EnvironmentCloneFlags(bool user_namespace) {
  return CLONE_NEWNS | CLONE_NEWPID | (user_namespace ? CLONE_NEWUSER : 0);
}

Status ProbeNamespaces(bool user_namespace) {
  for (const char* name : {"mount", "pid", "user"}) {
    if (Refused(name)) {
      return Status::Error(std::string("the ") + name +
                           " namespace is refused (LAMBDA_EMU_REFUSE_NAMESPACES)");
    }
  }
  // A child with the environment's namespaces, whose runtime-to-be enters
  // its own user namespace; it reports the errno of what failed.
  // In a user namespace of its own the child waits for its id maps, as an
  // environment's first process does.
  const int flags = EnvironmentCloneFlags(user_namespace);
  int gate[2] = {-1, -1};
  if (user_namespace && ::pipe2(gate, O_CLOEXEC) != 0) {
    return Status::Error(std::string("pipe: ") + std::strerror(errno));
  }
  auto pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
  if (pid == 0) {
    if (gate[0] >= 0) {
      ::close(gate[1]);
      char byte;
      if (::read(gate[0], &byte, 1) != 1) _exit(3);
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(1);
    if (::unshare(CLONE_NEWUSER) != 0) _exit(2);
    _exit(0);
  }
  if (gate[0] >= 0) {
    ::close(gate[0]);
    if (pid > 0 && WriteIdMaps(pid, ::geteuid(), ::geteuid(), ::getegid(), ::getegid()).ok()) {
      ssize_t ignored = ::write(gate[1], "1", 1);
      (void)ignored;
    }
    ::close(gate[1]);
  }
  if (pid < 0) {
    int err = errno;
    const char* which = user_namespace ? "mount, PID and user" : "mount and PID";
    return Status::Error(std::string("the kernel refuses new ") + which +
                         " namespaces (clone: " + std::strerror(err) + ")");
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
    return Status::Error("mounts cannot be made private in a new mount namespace");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    return Status::Error("the server cannot map its ids into a user namespace");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    return Status::Error("a runtime cannot enter a user namespace of its own");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Error("the namespace probe did not exit cleanly");
  }
  return Status::Ok();
}

Status WriteIdMaps(pid_t child, uid_t inside_uid, uid_t outside_uid, gid_t inside_gid,
                   gid_t outside_gid) {
  const std::string proc = "/proc/" + std::to_string(child);
  const std::string uid_map =
      std::to_string(inside_uid) + " " + std::to_string(outside_uid) + " 1\n";
  const std::string gid_map =
      std::to_string(inside_gid) + " " + std::to_string(outside_gid) + " 1\n";
  // An unprivileged server may map only its own ids, and its gid only once
  // setgroups is denied.
  WriteFile((proc + "/setgroups").c_str(), "deny", 4);
  if (!WriteFile((proc + "/uid_map").c_str(), uid_map.data(), uid_map.size()) ||
      !WriteFile((proc + "/gid_map").c_str(), gid_map.data(), gid_map.size())) {
    return Status::Error(std::string("writing the environment's id maps: ") + std::strerror(errno));
  }
  return Status::Ok();
}

std::string RuntimeUidMap(uid_t uid, bool with_root) {
  std::string id = std::to_string(uid);
  return (with_root && uid != 0 ? "0 0 1\n" : "") + id + " " + id + " 1\n";
}

std::string RuntimeGidMap(gid_t gid, bool with_root) {
  std::string id = std::to_string(gid);
  return (with_root && gid != 0 ? "0 0 1\n" : "") + id + " " + id + " 1\n";
}

}  // namespace lambda_emu::sandbox
