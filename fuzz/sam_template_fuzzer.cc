// The SAM / CloudFormation template loader (src/template/): YAML, intrinsic
// functions, Globals, Parameters, Conditions. Any text gives a template or an
// error message, never an exception or a crash. Inline code is written under a
// scratch directory that is emptied after each input.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "template/sam_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() /
      ("lambda-emu-fuzz-template-" + std::to_string(::getpid()));
  lambda_emu::templates::TemplateOptions options;
  options.unpack_dir = scratch;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = lambda_emu::templates::ParseTemplate(text, "/nonexistent/lambda-emu-fuzz", options);
  (void)result;
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  return 0;
}
