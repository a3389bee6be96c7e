#pragma once
// AwsError: an Invoke/management API error as Lambda reports it — an HTTP
// status, the `x-amzn-ErrorType` header and a JSON body. Every API error
// response in lambda-emu is built here, so their shape is defined once.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"

namespace lambda_emu::api {

// ValidationErrors: the constraint violations found in one request, in the
// order they were added, worded and joined as Lambda's ValidationException
// message words them. A plain value; confine it to one thread.
class ValidationErrors {
 public:
  // "Value 'VALUE' at 'MEMBER' failed to satisfy constraint: CONSTRAINT".
  void Add(std::string_view value, std::string_view member, std::string_view constraint);

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  // "1 validation error detected: E" or "N validation errors detected: E1; E2".
  std::string Message() const;

 private:
  std::vector<std::string> errors_;
};

struct AwsError {
  beast::http::status status;
  std::string type;  // e.g. "ResourceNotFoundException"
  std::string message;
  std::string reason;     // TooManyRequestsException's Reason, else empty
  int retry_after_s = 0;  // a Retry-After header when > 0 (no Invoke error sends one)

  static AwsError ResourceNotFound(std::string message);
  static AwsError Validation(std::string message);
  static AwsError Validation(const ValidationErrors& errors);
  static AwsError InvalidParameterValue(std::string message);
  static AwsError InvalidRequestContent(std::string message);
  static AwsError RequestTooLarge();
  static AwsError TooManyRequests(std::string reason);
  static AwsError Service(std::string message);
  static AwsError UnsupportedMedia(std::string message);
};

// `body` as the API layer's response bodies write it: compact, and never
// throwing. A string that is not UTF-8 (a value quoted from the request, such
// as a FunctionName of "%FF") has its bad bytes written as U+FFFD, where
// nlohmann's plain dump() would throw type_error 316 and turn a 400 into a 500.
std::string JsonBody(const nlohmann::json& body);

// The response for `error`, with `request_id` in x-amzn-RequestId.
http::Response ToResponse(const AwsError& error, const http::Request& req,
                          const std::string& request_id);

}  // namespace lambda_emu::api
