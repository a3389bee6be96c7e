#pragma once
// Users: who a sandboxed function runs as, and how the sandbox shows it.
//
// Lambda runs functions as sbx_user1051 (uid 993, gid 990). Here, when the
// server runs as root, functions run as that uid (--sandbox-user chooses
// another). The user is not added to the host's /etc/passwd: each
// environment sees copies of /etc/passwd and /etc/group with it added,
// mounted over the originals inside its mount namespace (PasswdFiles).
//
// Code and layer directories a user cannot read (a `mktemp -d` directory is
// mode 0700, root's) are mounted through an idmapped mount: files the
// server's user owns appear as the sandbox user's (IdmapNamespace).

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "lambda_emu/status.h"

namespace lambda_emu::sandbox {

struct SandboxUser {
  uid_t uid = 993;
  gid_t gid = 990;
  std::string name = "sbx_user1051";
};

// "sbx_user1051" (the default), "NAME" (a host user: its uid and primary
// gid), "UID" or "UID:GID".
Result<SandboxUser> ParseSandboxUser(const std::string& text);

// Writes DIR/passwd and DIR/group: the host's files with `user` (and its
// group) added when the host does not have them. Their paths are returned
// through `passwd` and `group`.
Status WritePasswdFiles(const SandboxUser& user, const std::filesystem::path& dir,
                        std::filesystem::path& passwd, std::filesystem::path& group);

// A user namespace that maps the server's uid and gid (on disk) to `user`'s,
// for idmapped mounts; -1 with a reason in `why` when the kernel refuses.
// The descriptor is close-on-exec and the caller's to close.
int IdmapNamespace(const SandboxUser& user, uid_t disk_uid, gid_t disk_gid, std::string& why);

}  // namespace lambda_emu::sandbox
