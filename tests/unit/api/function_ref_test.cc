#include "api/function_ref.h"

#include <gtest/gtest.h>

#include "api/invoke_api.h"

namespace lambda_emu::api {

TEST(FunctionRef, PlainName) {
  auto ref = ParseFunctionRef("my-function_1");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "my-function_1");
  EXPECT_FALSE(ref->qualifier);
  EXPECT_FALSE(ref->account);
}

TEST(FunctionRef, NameWithQualifier) {
  auto ref = ParseFunctionRef("hello:$LATEST");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->qualifier, "$LATEST");
}

TEST(FunctionRef, FullArnWithAndWithoutQualifier) {
  auto ref = ParseFunctionRef("arn:aws:lambda:eu-west-1:123456789012:function:hello");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->region, "eu-west-1");
  EXPECT_EQ(ref->account, "123456789012");
  EXPECT_FALSE(ref->qualifier);

  ref = ParseFunctionRef("arn:aws:lambda:us-east-1:123456789012:function:hello:prod");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->qualifier, "prod");
}

TEST(FunctionRef, PartialArn) {
  auto ref = ParseFunctionRef("123456789012:function:hello");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->account, "123456789012");
}

TEST(FunctionRef, MalformedNamesAreValidationErrors) {
  for (const char* bad : {"", "has space", "slash/inside", "a:b:c:d:e", "arn:aws:s3:::bucket"}) {
    auto ref = ParseFunctionRef(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    if (!ref.ok()) {
      EXPECT_NE(ref.status().message().find("validation error"), std::string::npos);
    }
  }
  EXPECT_FALSE(ParseFunctionRef(std::string(65, 'a')).ok());
}

TEST(UrlDecode, DecodesPercentEscapesOnly) {
  EXPECT_EQ(UrlDecode("arn%3Aaws%3alambda"), "arn:aws:lambda");
  EXPECT_EQ(UrlDecode("a+b%2"), "a+b%2");
}

TEST(QueryParam, FindsAndDecodes) {
  EXPECT_EQ(QueryParam("Qualifier=%24LATEST", "Qualifier"), "$LATEST");
  EXPECT_EQ(QueryParam("x=1&Qualifier=v2", "Qualifier"), "v2");
  EXPECT_FALSE(QueryParam("x=1", "Qualifier"));
}

}  // namespace lambda_emu::api
