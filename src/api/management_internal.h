#pragma once
// Helpers the management API's files share (management_api.cc, the
// management_*.cc write groups and the layers_api.cc / layer_permissions.cc
// pair): responses, request bodies, paging, validation messages, resource
// policies' statements, and the control plane's refusals as AWS errors.
// Internal to api/; io thread only.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/aws_error.h"
#include "control/control_plane.h"
#include "http/server.h"
#include "pool/services.h"

namespace lambda_emu::api::management {

// A 200 (or `status`) response with `body` as JSON.
http::Response Ok(const http::Request& req, const nlohmann::json& body,
                  beast::http::status status = beast::http::status::ok);
// 204 with no body.
http::Response NoContent(const http::Request& req);
http::Response Fail(const http::Request& req, const AwsError& error);
AwsError FromControl(const control::Error& error);

// The request body as a JSON object; an error when it is not one.
std::optional<nlohmann::json> Body(const http::Request& req, std::optional<AwsError>& error);

// MaxItems (1-10000) into `errors`; the page size it asks for (at most 50).
int PageSize(std::string_view query, ValidationErrors& errors);

// One page of a listing whose entries have `keys`, in the listing's order.
// The Marker is the key the next page starts at; `before(key, marker)` says
// whether an entry comes before it (the keys' order; a marker that names no
// entry, say one deleted since, starts at the next that does).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<std::string> next_marker;
};
using KeyOrder = std::function<bool(const std::string& key, const std::string& marker)>;
Page PageOf(const std::vector<std::string>& keys, std::string_view query, int page_size,
            const KeyOrder& before = std::less<std::string>());

// A List operation's body: `member` holds the page's items (`item(i)` for
// the i-th of `keys`), and NextMarker is there while more remain.
nlohmann::json Listing(const std::vector<std::string>& keys, std::string_view query, int page_size,
                       const char* member, const std::function<nlohmann::json(size_t)>& item,
                       const KeyOrder& before = std::less<std::string>());

// The {ARN} of a tag operation (and ListTags'), or the ValidationException
// Lambda gives for it.
std::optional<AwsError> CheckTaggable(const std::string& arn);

// The PreconditionFailedException for a RevisionId that is not the current
// one; `read` is the operation that gives the current one.
AwsError RevisionMismatch(std::string_view read = "GetFunction/GetAlias");

// ---- Validation ------------------------------------------------------------

// A missing member: Lambda writes "Value null at 'member'", unquoted, where
// ValidationErrors quotes every value. Add it as the value; Invalid unquotes it.
inline constexpr std::string_view kNull = "\x01null";
AwsError Invalid(const ValidationErrors& errors);
inline constexpr std::string_view kNoSuchResource = "The resource you requested does not exist.";
// The characters of a name ([a-zA-Z0-9-_]).
inline constexpr std::string_view kNameChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
bool OnlyOf(std::string_view text, std::string_view allowed);
bool IsNumber(std::string_view text);
// A qualifier that can only name an alias.
bool IsAliasName(std::string_view text);
// A member's value as a ValidationException quotes it.
std::string Shown(const nlohmann::json& value);

// An integer member within [min, max] into `errors`, worded as the model's
// constraint ("Member must have value less than or equal to MAX").
void CheckRange(const nlohmann::json& value, std::string_view member, long long min, long long max,
                ValidationErrors& errors);
// The control plane's "Function not found: ..." error.
bool IsNotFound(const AwsError& error);

// What a {FunctionName} segment (and Qualifier) names, even when there is no
// such function: the messages of the configs' and policies' operations quote it.
struct Named {
  std::string name;
  std::string arn;  // unqualified
  std::optional<std::string> qualifier;
};
Named NameOf(std::string_view function, std::string_view query,
             const pool::ServerSettings& settings);

// ---- Resource policies (functions' and layer versions') --------------------

// The StatementId member of `body` (AddPermission, AddLayerVersionPermission).
void CheckStatementId(const nlohmann::json& body, ValidationErrors& errors);
// A statement's Principal as the policy writes it, or nullopt when Lambda
// does not accept the principal.
std::optional<nlohmann::json> PrincipalOf(const std::string& principal);
// A statement in Lambda's key order (Sid, Effect, Principal, Action,
// Resource, Condition): the policy is a string and its readers see the order.
nlohmann::ordered_json Ordered(const nlohmann::json& statement);
// {"Version": "2012-10-17", "Id": "default", "Statement": [...]}, as a string.
std::string PolicyDocument(const std::vector<nlohmann::json>& statements);
// The ResourceConflictException for a StatementId already in the policy.
control::Error StatementExists(const std::string& sid);
inline constexpr std::string_view kNoPolicy = "No policy is associated with the given resource.";
// The statement `sid` removed from `statements`, or the error Lambda gives.
std::optional<control::Error> RemoveStatement(std::vector<nlohmann::json>& statements,
                                              const std::string& sid);

// ---- Layers ----------------------------------------------------------------

std::string LayerArnOf(const pool::ServerSettings& settings, const std::string& name);
// The layer's name from {LayerName}: a name, or the layer's ARN. Empty when
// it is neither.
std::string LayerNameOf(std::string_view segment);
// {VersionNumber}: a positive number, or Lambda's error.
std::optional<int> VersionNumberOf(std::string_view segment, std::optional<AwsError>& error);
// Layers being changed (published, deleted, their permissions): a second
// change of one waits for nothing and is refused, so two never read the same
// record. io thread only.
std::set<std::string>& LayersChanging();
// The ResourceConflictException for a layer in LayersChanging.
AwsError LayerBusy(const pool::ServerSettings& settings, const std::string& name);

// Now, in Unix milliseconds.
std::int64_t NowMs();

}  // namespace lambda_emu::api::management
