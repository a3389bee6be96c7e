// The lambda-emu config file loader (src/config/config_file.cc): any text
// gives a config or an error message, never an exception or a crash. Code
// paths resolve against a directory that does not exist; packages it could
// still unpack (an absolute path to a .zip) go to a scratch directory.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() /
      ("lambda-emu-fuzz-config-" + std::to_string(::getpid()));
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = lambda_emu::config::ParseConfig(text, "/nonexistent/lambda-emu-fuzz", scratch);
  (void)result;
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  return 0;
}
