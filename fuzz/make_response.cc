// http::MakeResponse for the fuzz targets, the same as src/http/server.cc's.
// clang 14 cannot compile server.cc's Asio coroutines with the fuzzer's
// coverage instrumentation ("Cannot represent a difference across sections"),
// and the targets need only this function of it.

#include "http/server.h"

namespace lambda_emu::http {

Response MakeResponse(const Request& req, beast::http::status status, std::string body,
                      std::string_view content_type) {
  Response res{status, req.version()};
  if (!content_type.empty()) res.set(beast::http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

}  // namespace lambda_emu::http
