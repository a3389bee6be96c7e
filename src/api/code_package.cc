#include "api/code_package.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "config/watcher.h"

namespace lambda_emu::api {

namespace fs = std::filesystem;

namespace {

// Every entry's timestamp, as a DOS date and time: 1980-01-01 00:00, the
// format's first day. Set directly, not from a time_t, which libzip would
// convert with localtime() and so make the bytes depend on the time zone.
constexpr zip_uint16_t kEntryDosTime = 0;
constexpr zip_uint16_t kEntryDosDate = (0 << 9) | (1 << 5) | 1;  // years since 1980, month, day

// An archive with no entries: libzip removes an empty archive instead of
// writing one, so its end-of-central-directory record is written here.
constexpr std::string_view kEmptyZip{"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22};

struct SourceCloser {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

struct CodeFile {
  std::string name;  // relative, '/'-separated
  fs::path path;
};

std::int64_t MillisSinceEpoch(fs::file_time_type t) {
  auto system = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::milliseconds>(system.time_since_epoch()).count();
}

// The files a package holds, sorted by name: what the runtimes and editors
// write (__pycache__, swap files) is left out, as --watch leaves it out.
Result<std::vector<CodeFile>> ListFiles(const fs::path& dir) {
  std::vector<CodeFile> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return Status::Error("cannot read " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::Error("cannot read " + dir.string() + ": " + ec.message());
    if (config::FileWatcher::IgnoredName(it->path().filename().native())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    files.push_back({it->path().lexically_relative(dir).generic_string(), it->path()});
  }
  std::sort(files.begin(), files.end(),
            [](const CodeFile& a, const CodeFile& b) { return a.name < b.name; });
  return files;
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ZipErrorMessage(zip_t* archive) { return zip_error_strerror(zip_get_error(archive)); }

// A cheap summary of `source`'s files: it differs when any file is added,
// removed, resized or rewritten.
std::string Fingerprint(const fs::path& source) {
  std::error_code ec;
  std::string fingerprint;
  auto add = [&](const std::string& name, const fs::path& path) {
    auto size = fs::file_size(path, ec);
    auto mtime = fs::last_write_time(path, ec);
    fingerprint += name + '\0' + std::to_string(size) + '\0' +
                   std::to_string(mtime.time_since_epoch().count()) + '\n';
  };
  if (fs::is_directory(source, ec)) {
    auto files = ListFiles(source);
    if (!files.ok()) return {};
    for (const auto& file : *files) add(file.name, file.path);
  } else {
    add({}, source);
  }
  return fingerprint;
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

Result<std::string> ZipDirectory(const fs::path& dir) {
  auto files = ListFiles(dir);
  if (!files.ok()) return files.status();
  if (files->empty()) return std::string(kEmptyZip);

  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, SourceCloser> buffer(
      zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::Error("cannot create a zip in memory: " + message);
  }
  std::unique_ptr<zip_t, ZipCloser> archive(
      zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error));
  if (!archive) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::Error("cannot create a zip in memory: " + message);
  }
  zip_error_fini(&error);
  // The archive takes a reference to the buffer; keep ours to read the bytes
  // back after zip_close.
  zip_source_keep(buffer.get());

  // libzip reads the entries' data at zip_close, so it lives until then.
  std::vector<std::string> contents;
  contents.reserve(files->size());
  for (const auto& file : *files) {
    auto data = ReadFile(file.path);
    if (!data.ok()) return data.status();
    contents.push_back(std::move(*data));
    const std::string& bytes = contents.back();
    zip_source_t* source = zip_source_buffer(archive.get(), bytes.data(), bytes.size(), 0);
    if (!source)
      return Status::Error("cannot zip " + file.name + ": " + ZipErrorMessage(archive.get()));
    zip_int64_t index = zip_file_add(archive.get(), file.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      return Status::Error("cannot zip " + file.name + ": " + ZipErrorMessage(archive.get()));
    }
    auto entry = static_cast<zip_uint64_t>(index);
    struct stat st {};
    mode_t mode = ::stat(file.path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0644;
    // Unix permissions live in the upper 16 bits of the external attributes;
    // a zipped `bootstrap` stays executable.
    zip_file_set_external_attributes(archive.get(), entry, 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>(S_IFREG | mode) << 16);
    zip_file_set_dostime(archive.get(), entry, kEntryDosTime, kEntryDosDate, 0);
  }
  if (zip_close(archive.get()) != 0) {
    return Status::Error("cannot write the zip of " + dir.string() + ": " +
                         ZipErrorMessage(archive.get()));
  }
  archive.release();  // zip_close freed it

  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(buffer.get(), &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
      zip_source_open(buffer.get()) != 0) {
    return Status::Error("cannot read back the zip of " + dir.string());
  }
  std::string zip(st.size, '\0');
  zip_int64_t read = zip_source_read(buffer.get(), zip.data(), st.size);
  zip_source_close(buffer.get());
  if (read < 0 || static_cast<zip_uint64_t>(read) != st.size) {
    return Status::Error("cannot read back the zip of " + dir.string());
  }
  return zip;
}

Result<CodePackage> MakeCodePackage(const fs::path& source) {
  CodePackage package;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {
    auto zip = ZipDirectory(source);
    if (!zip.ok()) return zip.status();
    package.zip = std::move(*zip);
    auto files = ListFiles(source);
    if (files.ok()) {
      for (const auto& file : *files) {
        auto mtime = fs::last_write_time(file.path, ec);
        if (!ec)
          package.last_modified_ms = std::max(package.last_modified_ms, MillisSinceEpoch(mtime));
      }
    }
  } else {
    auto zip = ReadFile(source);
    if (!zip.ok()) return zip.status();
    package.zip = std::move(*zip);
    auto mtime = fs::last_write_time(source, ec);
    if (!ec) package.last_modified_ms = MillisSinceEpoch(mtime);
  }
  package.sha256_base64 = Base64Encode(Sha256(package.zip));
  return package;
}

Result<std::shared_ptr<const CodePackage>> CodePackages::Get(const fs::path& source) {
  std::string fingerprint = Fingerprint(source);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(source);
    if (it != cache_.end() && !fingerprint.empty() && it->second.fingerprint == fingerprint) {
      return it->second.package;
    }
  }
  auto package = MakeCodePackage(source);
  if (!package.ok()) return package.status();
  auto shared = std::make_shared<const CodePackage>(std::move(*package));
  std::lock_guard lock(mutex_);
  cache_[source] = Entry{std::move(fingerprint), shared};
  return shared;
}

std::shared_ptr<const CodePackage> CodePackages::Cached(const fs::path& source) const {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(source);
  return it == cache_.end() ? nullptr : it->second.package;
}

}  // namespace lambda_emu::api
