#include "api/aws_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambda_emu::api {
namespace {

// Issue 12 item 8: a quoted value that is not UTF-8 made nlohmann's dump()
// throw type_error 316, and the request a 500.
TEST(JsonBody, InvalidUtf8BecomesReplacementCharacterInsteadOfThrowing) {
  nlohmann::json body = {{"message", std::string("Value 'h\xffllo\xc3' \"q\"")}};
  std::string text;
  ASSERT_NO_THROW(text = JsonBody(body));
  EXPECT_EQ(text, "{\"message\":\"Value 'h\xef\xbf\xbdllo\xef\xbf\xbd' \\\"q\\\"\"}");
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(ToResponse, ValidationErrorQuotingBadBytesIsA400WithAJsonBody) {
  ValidationErrors errors;
  errors.Add("\xff\xfe", "functionName", "Member must satisfy regular expression pattern: x");
  http::Request req;
  http::Response res = ToResponse(AwsError::Validation(errors), req, "id");
  EXPECT_EQ(res.result(), beast::http::status::bad_request);
  EXPECT_EQ(res["x-amzn-ErrorType"], "ValidationException");
  auto body = nlohmann::json::parse(res.body());
  EXPECT_EQ(body["message"],
            "1 validation error detected: Value '\xef\xbf\xbd\xef\xbf\xbd' at 'functionName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: x");
}

}  // namespace
}  // namespace lambda_emu::api
