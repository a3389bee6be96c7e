// Bytes from the network -> Beast's request parser (with the server's limits)
// -> the API's typed-request parsing of an Invoke: FunctionName from the path,
// Qualifier from the query, the X-Amz-* headers, and the ValidationException
// they give. The property beyond "no crash": every error body is valid JSON,
// whatever bytes the request quoted (issue 12 item 8: invalid UTF-8 in a name
// made the body's encoding throw and the request a 500).

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/aws_error.h"
#include "api/function_ref.h"

namespace {

namespace http = boost::beast::http;
using lambda_emu::api::AwsError;
using lambda_emu::api::ValidationErrors;

void CheckBody(const lambda_emu::http::Response& res) {
  if (!nlohmann::json::accept(res.body())) std::abort();  // not JSON, or not UTF-8
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  boost::asio::const_buffer input(data, size);
  while (input.size() > 0 && !parser.is_done()) {
    std::size_t used = parser.put(input, ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (used == 0) break;
    input += used;
  }
  if (!parser.is_done() && parser.is_header_done() && parser.need_eof()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;

  lambda_emu::http::Request& req = parser.get();
  std::string_view target = req.target();
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const auto segments = Segments(target);
  ValidationErrors errors;
  std::optional<lambda_emu::api::FunctionRef> ref;
  if (segments.size() >= 3) {
    ref = lambda_emu::api::ValidateFunctionName(lambda_emu::api::UrlDecode(segments[2]), errors);
  }
  std::optional<std::string> qualifier = lambda_emu::api::QueryParam(query, "Qualifier");
  if (qualifier) lambda_emu::api::ValidateQualifier(*qualifier, errors);
  if (std::string_view type = req["X-Amz-Invocation-Type"]; !type.empty()) {
    errors.Add(type, "invocationType", "Member must satisfy enum value set");
  }
  if (ref && ref->name.empty()) std::abort();  // a parsed reference always names something

  std::string message = "Unknown operation ";
  message.append(req.method_string()).append(" ").append(req.target());
  CheckBody(ToResponse(AwsError::ResourceNotFound(message), req, "id"));
  if (!errors.empty()) CheckBody(ToResponse(AwsError::Validation(errors), req, "id"));
  return 0;
}
