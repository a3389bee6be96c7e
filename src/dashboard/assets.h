#pragma once
// The dashboard's page and its assets: the files of src/dashboard/ui/,
// compiled into the binary at build time (cmake/embed_files.cmake), so the
// server needs nothing on disk and nothing from the network to serve them.

#include <span>
#include <string_view>

namespace lambda_emu::dashboard {

struct Asset {
  std::string_view name;  // "index.html", "app.js", ...
  std::string_view content;
};

std::span<const Asset> Assets();

}  // namespace lambda_emu::dashboard
