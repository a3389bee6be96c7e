#include "sandbox/tmp_volume.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <linux/mount.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sandbox/run_quietly.h"

namespace lambda_emu::sandbox {

namespace fs = std::filesystem;

namespace {

// One inode per 8 KiB, as a /tmp of small files needs; 256-byte inodes.
constexpr int kBytesPerInode = 8192;

// "/dev/loop" + n, without allocating.
void LoopPath(char (&out)[32], long n) {
  const char prefix[] = "/dev/loop";
  std::size_t at = sizeof prefix - 1;
  std::memcpy(out, prefix, at);
  char digits[24];
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0 && count < sizeof digits);
  while (count > 0) out[at++] = digits[--count];
  out[at] = '\0';
}

// Copies the allocated parts of `from` into `to` (holes stay holes).
bool CopySparse(int from, int to, off_t size) {
  off_t data = 0;
  while (data < size) {
    data = ::lseek(from, data, SEEK_DATA);
    if (data < 0) return errno == ENXIO;  // no more data
    off_t hole = ::lseek(from, data, SEEK_HOLE);
    if (hole < 0) return false;
    loff_t in = data;
    loff_t out = data;
    while (in < hole) {
      ssize_t n = ::copy_file_range(from, &in, to, &out, static_cast<size_t>(hole - in), 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
    }
    data = hole;
  }
  return true;
}

bool Fail(const char*& failed, const char* what) {
  int saved = errno;
  failed = what;
  errno = saved;
  return false;
}

const char* FindMke2fs() {
  for (const char* path : {"/usr/sbin/mke2fs", "/sbin/mke2fs", "/usr/bin/mke2fs"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return nullptr;
}

}  // namespace

std::uint64_t TmpImageBytes(int size_mb) {
  auto bytes = static_cast<std::uint64_t>(size_mb) << 20;
  // Inode tables (256 B per kBytesPerInode), bitmaps, group descriptors:
  // ext4 keeps ~5% of the device for itself.
  return bytes + bytes / 16 + (1u << 20);
}

Result<fs::path> TmpVolumeTemplates::For(int size_mb) {
  std::lock_guard lock(mutex_);
  if (auto it = made_.find(size_mb); it != made_.end()) return it->second;
  return Make(size_mb);
}

Result<fs::path> TmpVolumeTemplates::Make(int size_mb) {
  const char* mke2fs = FindMke2fs();
  if (!mke2fs) return Status::Error("mke2fs not found (Debian package e2fsprogs)");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::Error("cannot create " + dir_.string() + ": " + ec.message());
  fs::path image = dir_ / ("tmp-" + std::to_string(size_mb) + "mb.ext4");
  fs::path partial = image;
  partial += ".new";
  {
    int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(TmpImageBytes(size_mb))) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      return Status::Error("cannot create " + partial.string() + ": " + std::strerror(err));
    }
    ::close(fd);
  }
  // No journal (a /tmp that dies with its environment needs none), no
  // reserved blocks, nothing left to initialise lazily in the background;
  // then empty (no lost+found) and mode 1777, as Lambda's /tmp is, so that
  // an environment only mounts it.
  const std::string file = partial.string();
  const std::string debugfs = fs::path(mke2fs).parent_path() / "debugfs";
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {mke2fs, "-q", "-F", "-t", "ext4", "-b", "4096", "-O", "^has_journal,^resize_inode",
            "-m", "0", "-i", std::to_string(kBytesPerInode), "-E",
            "root_owner=0:0,lazy_itable_init=1,nodiscard", file},
           {debugfs, "-w", "-R", "rmdir lost+found", file},
           {debugfs, "-w", "-R", "sif / mode 041777", file}}) {
    std::string ignored;
    if (!RunQuietly(args, ignored)) {
      return Status::Error(args[0] + " failed making the " + std::to_string(size_mb) +
                           " MB /tmp template");
    }
  }
  fs::rename(partial, image, ec);
  if (ec) return Status::Error("cannot rename " + partial.string() + ": " + ec.message());
  made_[size_mb] = image;
  return image;
}

bool LoopDevicesUsable(std::string& why) {
  if (::geteuid() != 0) {
    why = "not root";
    return false;
  }
  int fd = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    why = std::string("/dev/loop-control: ") + std::strerror(errno);
    return false;
  }
  ::close(fd);
  if (!FindMke2fs()) {
    why = "mke2fs not found (Debian package e2fsprogs)";
    return false;
  }
  return true;
}

int CopyTemplate(const char* template_image, const char* image) {
  int from = ::open(template_image, O_RDONLY | O_CLOEXEC);
  if (from < 0) return -1;
  struct stat st {};
  int to = ::open(image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool copied = to >= 0 && ::fstat(from, &st) == 0 && ::ftruncate(to, st.st_size) == 0 &&
                CopySparse(from, to, st.st_size);
  int saved = errno;
  ::close(from);
  if (!copied && to >= 0) ::close(to);
  errno = saved;
  return copied ? to : -1;
}

int AttachLoopDevice(int image_fd, char (&device)[32]) {
  int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) return -1;
  // Another environment may take the free device first: then ask again.
  int loop = -1;
  for (int attempt = 0; attempt < 64 && loop < 0; ++attempt) {
    long n = ::ioctl(control, LOOP_CTL_GET_FREE);
    if (n < 0) break;
    LoopPath(device, n);
    loop = ::open(device, O_RDWR | O_CLOEXEC);
    if (loop < 0) continue;
    loop_config config{};
    config.fd = static_cast<std::uint32_t>(image_fd);
    config.block_size = 4096;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
    if (::ioctl(loop, LOOP_CONFIGURE, &config) != 0) {
      int saved = errno;
      ::close(loop);
      loop = -1;
      if (saved != EBUSY) {
        errno = saved;
        break;
      }
    }
  }
  int saved = errno;
  ::close(control);
  errno = saved;
  return loop;
}

int MountDetached(const char* device) {
  int context = static_cast<int>(::syscall(SYS_fsopen, "ext4", FSOPEN_CLOEXEC));
  if (context < 0) return -1;
  int mounted = -1;
  if (::syscall(SYS_fsconfig, context, FSCONFIG_SET_STRING, "source", device, 0) == 0 &&
      ::syscall(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0) {
    mounted = static_cast<int>(
        ::syscall(SYS_fsmount, context, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  }
  int saved = errno;
  ::close(context);
  errno = saved;
  return mounted;
}

bool MountTmpVolume(const TmpVolume& volume, const char* target, const char*& failed) {
  if (volume.kind == TmpVolume::Kind::kTmpfs) {
    if (::mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, volume.tmpfs_options.c_str()) !=
        0) {
      return Fail(failed, "mount tmpfs on /tmp");
    }
    return true;
  }
  if (volume.mounted_fd >= 0) {
    if (::syscall(SYS_move_mount, volume.mounted_fd, "", AT_FDCWD, target,
                  MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      return Fail(failed, "attach the /tmp volume");
    }
    return true;
  }
  int image = CopyTemplate(volume.template_image.c_str(), volume.image.c_str());
  if (image < 0) return Fail(failed, "copy the /tmp template image");
  char device[32];
  int loop = AttachLoopDevice(image, device);
  int saved = errno;
  ::close(image);
  errno = saved;
  if (loop < 0) return Fail(failed, "attach a loop device for /tmp");
  int rc = ::mount(device, target, "ext4", MS_NOSUID | MS_NODEV, "");
  saved = errno;
  ::close(loop);  // the mount holds the device; it detaches when unmounted
  errno = saved;
  if (rc != 0) return Fail(failed, "mount the /tmp volume");
  return true;
}

}  // namespace lambda_emu::sandbox
