#include "api/function_ref.h"

#include <gtest/gtest.h>

#include "api/invoke_api.h"

namespace lambda_emu::api {

namespace {

const std::string kNamePatternConstraint =
    "Member must satisfy regular expression pattern: "
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?)"
    R"((\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";
const std::string kQualifierPatternConstraint =
    R"(Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)";

// The ValidationException message for `name` (and `qualifier`, if given).
std::string Message(std::string_view name, std::optional<std::string_view> qualifier = {}) {
  ValidationErrors errors;
  ValidateFunctionName(name, errors);
  if (qualifier) ValidateQualifier(*qualifier, errors);
  return errors.empty() ? "" : errors.Message();
}

}  // namespace

TEST(FunctionRef, PlainName) {
  auto ref = ParseFunctionRef("my-function_1");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "my-function_1");
  EXPECT_FALSE(ref->qualifier);
  EXPECT_FALSE(ref->account);
  EXPECT_FALSE(ref->region);
}

TEST(FunctionRef, NameWithQualifier) {
  for (const char* qualifier : {"$LATEST", "$LATEST.PUBLISHED", "live", "7", "a-b_c"}) {
    auto ref = ParseFunctionRef(std::string("hello:") + qualifier);
    ASSERT_TRUE(ref) << qualifier;
    EXPECT_EQ(ref->name, "hello");
    EXPECT_EQ(ref->qualifier, qualifier);
  }
}

TEST(FunctionRef, FullArnWithAndWithoutQualifier) {
  auto ref = ParseFunctionRef("arn:aws:lambda:eu-west-1:123456789012:function:hello");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->region, "eu-west-1");
  EXPECT_EQ(ref->account, "123456789012");
  EXPECT_FALSE(ref->qualifier);

  ref = ParseFunctionRef("arn:aws:lambda:us-east-1:123456789012:function:hello:prod");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->qualifier, "prod");

  ref = ParseFunctionRef("arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->qualifier, "$LATEST");
}

TEST(FunctionRef, PartitionsAndRegionsThePatternAdmits) {
  for (const char* arn : {"arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
                          "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
                          "arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:f",
                          "arn:aws-iso:lambda:us-iso-east-1:123456789012:function:f",
                          "arn::lambda:us-east-1:123456789012:function:f"}) {
    auto ref = ParseFunctionRef(arn);
    ASSERT_TRUE(ref) << arn;
    EXPECT_EQ(ref->name, "f") << arn;
    EXPECT_EQ(ref->account, "123456789012") << arn;
  }
  EXPECT_EQ(ParseFunctionRef("arn:aws:lambda:us-gov-west-1:123456789012:function:f")->region,
            "us-gov-west-1");
}

TEST(FunctionRef, PartialArn) {
  auto ref = ParseFunctionRef("123456789012:function:hello");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "hello");
  EXPECT_EQ(ref->account, "123456789012");
  EXPECT_FALSE(ref->region);

  ref = ParseFunctionRef("123456789012:function:hello:live");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->qualifier, "live");
}

TEST(FunctionRef, DotsAreAllowedInTheNameButNotTheQualifier) {
  auto ref = ParseFunctionRef("my.function");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "my.function");
  EXPECT_FALSE(ParseFunctionRef("hello:v1.2"));
  EXPECT_FALSE(ParseFunctionRef("hello:$LATEST.DRAFT"));
  // A '$' only in $LATEST: the qualifier inside the name is stricter than ?Qualifier=.
  EXPECT_FALSE(ParseFunctionRef("hello:$v1"));
}

TEST(FunctionRef, MalformedNamesDoNotParse) {
  for (const char* bad :
       {"", "has space", "slash/inside", "a:b:c:d:e", "arn:aws:s3:::bucket", "hello:", ":hello",
        "arn:aws:lambda:us-east-1:12345:function:f", "a:b:c:d:e:f:g:h:i:j", "caf\xc3\xa9"}) {
    EXPECT_FALSE(ParseFunctionRef(bad)) << bad;
  }
}

// -- ValidationException messages --------------------------------------------------

TEST(ValidateFunctionName, WellFormedNamesHaveNoErrors) {
  for (const char* good : {"f", "hello:$LATEST", "hello:$LATEST.PUBLISHED",
                           "arn:aws:lambda:us-east-1:123456789012:function:hello:live"}) {
    EXPECT_EQ(Message(good), "") << good;
  }
}

TEST(ValidateFunctionName, PatternViolationQuotesThePattern) {
  EXPECT_EQ(Message("bad name"),
            "1 validation error detected: Value 'bad name' at 'functionName' "
            "failed to satisfy constraint: " +
                kNamePatternConstraint);
}

TEST(ValidateFunctionName, NamesOfUpTo256CharactersAreNotValidationErrors) {
  // Lambda answers 404 for these (no function can have such a name), not 400.
  for (size_t n : {65, 140, 141, 170, 256}) {
    ValidationErrors errors;
    auto ref = ValidateFunctionName(std::string(n, 'a'), errors);
    EXPECT_TRUE(errors.empty()) << n;
    ASSERT_TRUE(ref) << n;
    EXPECT_EQ(ref->name.size(), n);
  }
}

TEST(ValidateFunctionName, TooLongIsALengthError) {
  std::string name(257, 'a');
  EXPECT_EQ(Message(name), "1 validation error detected: Value '" + name +
                               "' at 'functionName' failed to satisfy constraint: Member must "
                               "have length less than or equal to 256");
}

TEST(ValidateFunctionName, TooLongAndMalformedReportsBothLengthFirst) {
  std::string name(300, '!');
  EXPECT_EQ(Message(name), "2 validation errors detected: Value '" + name +
                               "' at 'functionName' failed to satisfy constraint: Member must "
                               "have length less than or equal to 256; Value '" +
                               name + "' at 'functionName' failed to satisfy constraint: " +
                               kNamePatternConstraint);
}

TEST(ValidateFunctionName, EmptyBreaksTheMinimumLengthAndThePattern) {
  EXPECT_EQ(Message(""),
            "2 validation errors detected: Value '' at 'functionName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1; Value '' at "
            "'functionName' failed to satisfy constraint: " +
                kNamePatternConstraint);
}

TEST(ValidateFunctionName, LengthCountsCharactersNotBytes) {
  // 256 characters, 257 bytes: only the pattern is broken.
  std::string name = std::string(255, 'a') + "\xc3\xa9";
  EXPECT_EQ(Message(name),
            "1 validation error detected: Value '" + name +
                "' at 'functionName' failed to satisfy constraint: " + kNamePatternConstraint);
}

TEST(ValidateQualifier, AcceptsVersionsAliasesAndLatestForms) {
  for (const char* good : {"$LATEST", "$LATEST.PUBLISHED", "1", "live", "a-b_c", "$x"}) {
    EXPECT_EQ(Message("f", good), "") << good;
  }
}

TEST(ValidateQualifier, PatternViolation) {
  for (const char* bad : {"v1.2", "has space", "$LATEST.DRAFT", "a:b", "caf\xc3\xa9"}) {
    EXPECT_EQ(Message("f", bad),
              std::string("1 validation error detected: Value '") + bad +
                  "' at 'qualifier' failed to satisfy constraint: " + kQualifierPatternConstraint)
        << bad;
  }
}

TEST(ValidateQualifier, LengthOf128IsTheLimit) {
  EXPECT_EQ(Message("f", std::string(128, 'q')), "");
  std::string q(129, 'q');
  EXPECT_EQ(Message("f", q), "1 validation error detected: Value '" + q +
                                 "' at 'qualifier' failed to satisfy constraint: Member must "
                                 "have length less than or equal to 128");
}

TEST(ValidateQualifier, TooLongAndMalformedReportsBothLengthFirst) {
  std::string q(129, '.');
  EXPECT_EQ(Message("f", q), "2 validation errors detected: Value '" + q +
                                 "' at 'qualifier' failed to satisfy constraint: Member must "
                                 "have length less than or equal to 128; Value '" +
                                 q + "' at 'qualifier' failed to satisfy constraint: " +
                                 kQualifierPatternConstraint);
}

TEST(ValidationErrors, FunctionNameThenQualifierJoinedBySemicolons) {
  EXPECT_EQ(Message("bad name", "v1.2"),
            "2 validation errors detected: Value 'bad name' at 'functionName' failed to satisfy "
            "constraint: " +
                kNamePatternConstraint +
                "; Value 'v1.2' at 'qualifier' failed to satisfy constraint: " +
                kQualifierPatternConstraint);
}

TEST(ValidationErrors, OneErrorIsSingular) {
  ValidationErrors errors;
  errors.Add("Sometimes", "invocationType",
             "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.Message(),
            "1 validation error detected: Value 'Sometimes' at 'invocationType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
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
