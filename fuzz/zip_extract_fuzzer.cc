// Deployment package extraction (src/config/code_archive.cc): the input is a
// .zip file. Besides memory errors, the property is that nothing is written
// outside the destination: the destination's parent must hold only the
// destination and the package afterwards ("../x" entries are refused).

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/code_archive.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path root =
      fs::temp_directory_path() / ("lambda-emu-fuzz-zip-" + std::to_string(::getpid()));
  const fs::path outer = root / "outer";
  const fs::path zip = outer / "package.zip";
  const fs::path destination = outer / "code";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(outer, ec);
  {
    std::ofstream out(zip, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto status = lambda_emu::config::ExtractZip(zip, destination);
  (void)status;
  for (const auto& entry : fs::directory_iterator(outer, ec)) {
    if (entry.path() != zip && entry.path() != destination) std::abort();  // escaped
  }
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.path() != outer) std::abort();  // escaped two levels up
  }
  fs::remove_all(root, ec);
  return 0;
}
