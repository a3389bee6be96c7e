#include "config/code_archive.h"

#include <sys/stat.h>
#include <zip.h>

#include <fstream>
#include <memory>
#include <vector>

namespace lambda_emu::config {

namespace fs = std::filesystem;

namespace {
struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

bool StaysInside(const fs::path& root, const fs::path& candidate) {
  auto rel = candidate.lexically_normal().lexically_relative(root.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}
}  // namespace

Status ExtractZip(const fs::path& zip, const fs::path& destination) {
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(zip.c_str(), ZIP_RDONLY, &err));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, err);
    std::string message = "cannot open zip " + zip.string() + ": " + zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::Error(message);
  }
  std::error_code ec;
  fs::create_directories(destination, ec);
  if (ec) return Status::Error("cannot create " + destination.string() + ": " + ec.message());

  zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  std::vector<char> buffer(1 << 16);
  for (zip_int64_t i = 0; i < entries; ++i) {
    auto index = static_cast<zip_uint64_t>(i);
    const char* name = zip_get_name(archive.get(), index, 0);
    if (name == nullptr) continue;
    fs::path target = destination / name;
    if (!StaysInside(destination, target)) {
      return Status::Error("zip entry escapes the code directory: " + std::string(name));
    }
    std::string entry(name);
    if (!entry.empty() && entry.back() == '/') {
      fs::create_directories(target, ec);
      continue;
    }
    fs::create_directories(target.parent_path(), ec);
    std::unique_ptr<zip_file_t, ZipFileCloser> in(zip_fopen_index(archive.get(), index, 0));
    if (!in) return Status::Error("cannot read zip entry " + entry);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error("cannot write " + target.string());
    for (;;) {
      zip_int64_t n = zip_fread(in.get(), buffer.data(), buffer.size());
      if (n < 0) return Status::Error("corrupt zip entry " + entry);
      if (n == 0) break;
      out.write(buffer.data(), static_cast<std::streamsize>(n));
    }
    out.close();
    // Unix permissions live in the upper 16 bits of the external attributes
    // when the archive was made on Unix. Everyone may read what is unpacked
    // (and run what its owner may run): a sandboxed function runs as another
    // user than the server, and Python's zipfile.writestr, a common way to
    // build a package in tests, stores 0600 (docs/compatibility.md).
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(archive.get(), index, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX) {
      auto mode = static_cast<mode_t>((attributes >> 16) & 0777);
      if (mode != 0) {
        mode |= 0444;
        if (mode & 0100) mode |= 0111;
        ::chmod(target.c_str(), mode);
      }
    }
  }
  return Status::Ok();
}

Status UseCode(const fs::path& path, const fs::path& unpack_dir, FunctionConfig& f) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    f.code_dir = fs::canonical(path, ec);
    f.code_source = f.code_dir;
    return Status::Ok();
  }
  if (fs::is_regular_file(path, ec) && path.extension() == ".zip") {
    auto mtime = fs::last_write_time(path, ec);
    f.code_version = static_cast<long long>(mtime.time_since_epoch().count());
    fs::path target = unpack_dir / (f.name + "-" + std::to_string(f.code_version));
    if (!fs::is_directory(target, ec)) {
      Status s = ExtractZip(path, target);
      if (!s.ok()) return s;
    }
    f.code_dir = target;
    f.code_source = path;
    return Status::Ok();
  }
  if (fs::is_regular_file(path, ec)) {
    // Lambda's code is a package, never one source file: "no such
    // directory" would read wrong for a file that is right there.
    return Status::Error(path.string() +
                         " is a file; a function's code is a directory or a .zip deployment "
                         "package (the folder holding it is " +
                         path.parent_path().string() + ")");
  }
  return Status::Error("no such directory or .zip file: " + path.string());
}

}  // namespace lambda_emu::config
