#include "api/aws_error.h"

#include <nlohmann/json.hpp>

namespace lambda_emu::api {

using beast::http::status;

void ValidationErrors::Add(std::string_view value, std::string_view member,
                           std::string_view constraint) {
  std::string error;
  error.reserve(value.size() + member.size() + constraint.size() + 48);
  error.append("Value '").append(value).append("' at '").append(member);
  error.append("' failed to satisfy constraint: ").append(constraint);
  errors_.push_back(std::move(error));
}

std::string ValidationErrors::Message() const {
  std::string message = std::to_string(errors_.size());
  message += errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ";
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i > 0) message += "; ";
    message += errors_[i];
  }
  return message;
}

AwsError AwsError::ResourceNotFound(std::string message) {
  return {status::not_found, "ResourceNotFoundException", std::move(message), {}};
}
AwsError AwsError::Validation(std::string message) {
  return {status::bad_request, "ValidationException", std::move(message), {}};
}
AwsError AwsError::Validation(const ValidationErrors& errors) {
  return Validation(errors.Message());
}
AwsError AwsError::InvalidParameterValue(std::string message) {
  return {status::bad_request, "InvalidParameterValueException", std::move(message), {}};
}
AwsError AwsError::InvalidRequestContent(std::string message) {
  return {status::bad_request, "InvalidRequestContentException", std::move(message), {}};
}
AwsError AwsError::RequestTooLarge() {
  return {status::payload_too_large,
          "RequestTooLargeException",
          "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
          {}};
}
// Lambda's concurrency throttles carry no Retry-After header (the model has a
// retryAfterSeconds member, but a throttled Invoke answers without it).
AwsError AwsError::TooManyRequests(std::string reason) {
  return {status::too_many_requests, "TooManyRequestsException", "Rate Exceeded.",
          std::move(reason)};
}
AwsError AwsError::Service(std::string message) {
  return {status::internal_server_error, "ServiceException", std::move(message), {}};
}
AwsError AwsError::UnsupportedMedia(std::string message) {
  return {status::unsupported_media_type, "UnsupportedMediaTypeException", std::move(message), {}};
}

std::string JsonBody(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response ToResponse(const AwsError& error, const http::Request& req,
                          const std::string& request_id) {
  nlohmann::json body;
  body["Type"] = error.status == status::internal_server_error ? "Service" : "User";
  // Lambda capitalises the key for ResourceNotFound and not for the others;
  // botocore accepts either.
  body[error.type == "ResourceNotFoundException" ? "Message" : "message"] = error.message;
  if (!error.reason.empty()) body["Reason"] = error.reason;
  auto res = http::MakeResponse(req, error.status, JsonBody(body));
  res.set("x-amzn-ErrorType", error.type);
  res.set("x-amzn-RequestId", request_id);
  if (error.retry_after_s > 0) res.set("Retry-After", std::to_string(error.retry_after_s));
  return res;
}

}  // namespace lambda_emu::api
