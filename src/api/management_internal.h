#pragma once
// Helpers the management API's files share (management_api.cc and the
// management_*.cc write groups): responses, request bodies, paging, and the
// control plane's refusals as AWS errors. Internal to api/; io thread only.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/aws_error.h"
#include "control/control_plane.h"
#include "http/server.h"

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

// The PreconditionFailedException for a RevisionId that is not the current one.
AwsError RevisionMismatch();

// Now, in Unix milliseconds.
std::int64_t NowMs();

}  // namespace lambda_emu::api::management
