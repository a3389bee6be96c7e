// The management API's tag writes (ListTags is in management_api.cc):
//   POST   /2017-03-31/tags/{ARN}                       TagResource
//   DELETE /2017-03-31/tags/{ARN}?tagKeys=K&tagKeys=K2  UntagResource
// The tags are stored in the function's record. Only functions made through
// the API take these writes; a function's tags, not its versions' or aliases'.

#include "api/function_ref.h"
#include "api/invoke_api.h"
#include "api/management_api.h"
#include "api/management_internal.h"

namespace lambda_emu::api {

using namespace management;
namespace http_ns = beast::http;
using nlohmann::json;

// Each change is a named control::ControlPlane::Change moved into Update, not
// a temporary: GCC 12 destroys a co_await expression's temporaries twice.

namespace {

constexpr size_t kMaxTags = 50;

std::optional<AwsError> RefuseQualifiedTagArn(const std::string& arn) {
  std::optional<FunctionRef> ref = ParseFunctionRef(arn);
  if (ref && ref->qualifier) {
    return AwsError::InvalidParameterValue(
        "Tags on function aliases and versions are not supported. Please specify a function ARN.");
  }
  return std::nullopt;
}

}  // namespace

ManagementApi::Awaitable ManagementApi::TagResource(http::Request& req, std::string_view resource) {
  const std::string arn = UrlDecode(resource);
  if (auto invalid = CheckTaggable(arn)) co_return Fail(req, *invalid);
  std::optional<AwsError> error;
  auto body = Body(req, error);
  if (!body) co_return Fail(req, *error);
  if (auto refused = RefuseQualifiedTagArn(arn)) co_return Fail(req, *refused);
  const json tags = body->value("Tags", json());
  bool valid = tags.is_object() && !tags.empty();
  if (valid) {
    for (const auto& [key, value] : tags.items()) {
      valid = valid && value.is_string() && !key.empty();
    }
  }
  if (!valid) {
    co_return Fail(req, AwsError::InvalidParameterValue(
                            "An error occurred and the request cannot be processed."));
  }
  WriteTarget target = ResolveWrite(arn, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    for (const auto& [key, value] : tags.items()) record.tags[key] = value.get<std::string>();
    if (record.tags.size() > kMaxTags) {
      return control::Error{control::Error::Kind::kInvalidParameter,
                            "Number of tags exceeds resource tag limit."};
    }
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

ManagementApi::Awaitable ManagementApi::UntagResource(http::Request& req, std::string_view resource,
                                                      std::string_view query) {
  const std::string arn = UrlDecode(resource);
  if (auto invalid = CheckTaggable(arn)) co_return Fail(req, *invalid);
  // tagKeys repeats, once per key.
  std::vector<std::string> keys;
  bool given = false;
  for (std::string_view rest = query; !rest.empty();) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == "tagKeys") {
      given = true;
      if (eq != std::string_view::npos) keys.push_back(UrlDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (!given) {
    ValidationErrors errors;
    errors.Add(kNull, "tagKeys", "Member must not be null");
    co_return Fail(req, Invalid(errors));
  }
  if (auto refused = RefuseQualifiedTagArn(arn)) co_return Fail(req, *refused);
  WriteTarget target = ResolveWrite(arn, {}, false);
  if (target.error) co_return Fail(req, *target.error);
  control::ControlPlane::Change change =
      [&](control::FunctionRecord& record) -> std::optional<control::Error> {
    for (const auto& key : keys) record.tags.erase(key);
    return std::nullopt;
  };
  auto refused = co_await control_.Update(target.name, std::move(change));
  if (refused) co_return Fail(req, FromControl(*refused));
  co_return NoContent(req);
}

}  // namespace lambda_emu::api
