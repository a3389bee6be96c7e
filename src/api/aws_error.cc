#include "api/aws_error.h"

#include <nlohmann/json.hpp>

namespace lambda_emu::api {

using beast::http::status;

AwsError AwsError::ResourceNotFound(std::string message) {
  return {status::not_found, "ResourceNotFoundException", std::move(message), {}, 0};
}
AwsError AwsError::Validation(std::string message) {
  return {status::bad_request, "ValidationException", std::move(message), {}, 0};
}
AwsError AwsError::InvalidParameterValue(std::string message) {
  return {status::bad_request, "InvalidParameterValueException", std::move(message), {}, 0};
}
AwsError AwsError::InvalidRequestContent(std::string message) {
  return {status::bad_request, "InvalidRequestContentException", std::move(message), {}, 0};
}
AwsError AwsError::RequestTooLarge() {
  return {status::payload_too_large,
          "RequestTooLargeException",
          "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
          {},
          0};
}
AwsError AwsError::TooManyRequests(std::string reason) {
  return {status::too_many_requests, "TooManyRequestsException", "Rate Exceeded.",
          std::move(reason), 1};
}
AwsError AwsError::Service(std::string message) {
  return {status::internal_server_error, "ServiceException", std::move(message), {}, 0};
}
AwsError AwsError::UnsupportedMedia(std::string message) {
  return {
      status::unsupported_media_type, "UnsupportedMediaTypeException", std::move(message), {}, 0};
}

http::Response ToResponse(const AwsError& error, const http::Request& req,
                          const std::string& request_id) {
  nlohmann::json body;
  body["Type"] = error.status == status::internal_server_error ? "Service" : "User";
  // Lambda capitalises the key for ResourceNotFound and not for the others;
  // botocore accepts either.
  body[error.type == "ResourceNotFoundException" ? "Message" : "message"] = error.message;
  if (!error.reason.empty()) body["Reason"] = error.reason;
  auto res = http::MakeResponse(req, error.status, body.dump());
  res.set("x-amzn-ErrorType", error.type);
  res.set("x-amzn-RequestId", request_id);
  if (error.retry_after_s > 0) res.set("Retry-After", std::to_string(error.retry_after_s));
  return res;
}

}  // namespace lambda_emu::api
