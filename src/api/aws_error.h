#pragma once
// AwsError: an Invoke/management API error as Lambda reports it — an HTTP
// status, the `x-amzn-ErrorType` header and a JSON body. Every API error
// response in lambda-emu is built here, so their shape is defined once.

#include <optional>
#include <string>

#include "http/server.h"

namespace lambda_emu::api {

struct AwsError {
  beast::http::status status;
  std::string type;  // e.g. "ResourceNotFoundException"
  std::string message;
  std::string reason;  // TooManyRequestsException's Reason, else empty
  int retry_after_s = 0;

  static AwsError ResourceNotFound(std::string message);
  static AwsError Validation(std::string message);
  static AwsError InvalidParameterValue(std::string message);
  static AwsError InvalidRequestContent(std::string message);
  static AwsError RequestTooLarge();
  static AwsError TooManyRequests(std::string reason);
  static AwsError Service(std::string message);
  static AwsError UnsupportedMedia(std::string message);
};

// The response for `error`, with `request_id` in x-amzn-RequestId.
http::Response ToResponse(const AwsError& error, const http::Request& req,
                          const std::string& request_id);

}  // namespace lambda_emu::api
