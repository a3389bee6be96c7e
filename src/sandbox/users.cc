#include "sandbox/users.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "sandbox/namespaces.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

bool ParseId(std::string_view text, unsigned& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// True when a passwd/group line has `name` as its first field or `id` as its third.
bool Listed(const std::string& file, const std::string& name, unsigned id) {
  std::istringstream lines(file);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream parts(line);
    std::string field;
    while (std::getline(parts, field, ':')) fields.push_back(field);
    if (fields.size() >= 3 && (fields[0] == name || fields[2] == std::to_string(id))) return true;
  }
  return false;
}

}  // namespace

Result<SandboxUser> ParseSandboxUser(const std::string& text) {
  SandboxUser user;
  if (text.empty() || text == user.name) {
    if (const passwd* entry = ::getpwnam(user.name.c_str())) {
      user.uid = entry->pw_uid;
      user.gid = entry->pw_gid;
    }
    return user;
  }
  unsigned uid = 0;
  unsigned gid = 0;
  auto colon = text.find(':');
  std::string_view uid_text = std::string_view(text).substr(0, colon);
  if (ParseId(uid_text, uid)) {
    if (colon != std::string::npos && !ParseId(std::string_view(text).substr(colon + 1), gid)) {
      return Status::Error("--sandbox-user " + text + ": expected UID, UID:GID or a user name");
    }
    if (colon == std::string::npos) gid = uid;
    user.uid = uid;
    user.gid = gid;
    const passwd* entry = ::getpwuid(uid);
    user.name = entry ? entry->pw_name : "sbx_user" + std::to_string(uid);
  } else {
    const passwd* entry = ::getpwnam(text.c_str());
    if (!entry) return Status::Error("--sandbox-user " + text + ": no such user");
    user.uid = entry->pw_uid;
    user.gid = entry->pw_gid;
    user.name = text;
  }
  if (user.uid == 0) {
    return Status::Error("--sandbox-user " + text +
                         ": functions must not run as root (use --sandbox none for that)");
  }
  return user;
}

Status WritePasswdFiles(const SandboxUser& user, const fs::path& dir, fs::path& passwd,
                        fs::path& group) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create " + dir.string() + ": " + ec.message());
  std::string users = ReadAll("/etc/passwd");
  if (!Listed(users, user.name, user.uid)) {
    if (!users.empty() && users.back() != '\n') users += '\n';
    users += user.name + ":x:" + std::to_string(user.uid) + ":" + std::to_string(user.gid) +
             "::/home/" + user.name + ":/sbin/nologin\n";
  }
  std::string groups = ReadAll("/etc/group");
  if (!Listed(groups, user.name, user.gid)) {
    if (!groups.empty() && groups.back() != '\n') groups += '\n';
    groups += user.name + ":x:" + std::to_string(user.gid) + ":\n";
  }
  passwd = dir / "passwd";
  group = dir / "group";
  for (const auto& [path, text] : {std::pair{passwd, users}, std::pair{group, groups}}) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) return Status::Error("cannot write " + path.string());
  }
  fs::permissions(passwd, fs::perms(0644), ec);
  fs::permissions(group, fs::perms(0644), ec);
  return Status::Ok();
}

int IdmapNamespace(const SandboxUser& user, uid_t disk_uid, gid_t disk_gid, std::string& why) {
  int gate[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) {
    why = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  // A child in a new user namespace that waits until its maps are written
  // and its namespace is open; the namespace outlives it through the fd.
  auto pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  if (pid == 0) {
    ::close(gate[1]);  // so that the server's close is end of file here
    char byte;
    ssize_t ignored = ::read(gate[0], &byte, 1);
    (void)ignored;
    _exit(0);
  }
  ::close(gate[0]);
  if (pid < 0) {
    why = std::string("clone(CLONE_NEWUSER): ") + std::strerror(errno);
    ::close(gate[1]);
    return -1;
  }
  int fd = -1;
  if (Status mapped = WriteIdMaps(pid, disk_uid, user.uid, disk_gid, user.gid); !mapped.ok()) {
    why = mapped.message();
  } else {
    fd = ::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) why = std::string("open ns/user: ") + std::strerror(errno);
  }
  ::close(gate[1]);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return fd;
}

}  // namespace lambda_emu::sandbox
