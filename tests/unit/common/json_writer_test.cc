#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>

namespace lambda_emu {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string Nlohmann(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("plain text/with slash"), "\"plain text/with slash\"");
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(Quoted(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  // Escapes found by the 8-byte scan and in the tail alike.
  EXPECT_EQ(Quoted("0123456\"89abcdef\n"), R"("0123456\"89abcdef\n")");
}

TEST(JsonWriter, PassesUtf8ThroughAndReplacesIllFormedBytes) {
  EXPECT_EQ(Quoted("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(Quoted("a\xff"), "\"a\xef\xbf\xbd\"");
  EXPECT_EQ(Quoted("a\xff"), Nlohmann("a\xff"));
  EXPECT_EQ(Quoted("\xc0\xaf tail"), Nlohmann("\xc0\xaf tail"));  // overlong
  EXPECT_EQ(Quoted("\xed\xa0\x80"), Nlohmann("\xed\xa0\x80"));    // surrogate
  EXPECT_EQ(Quoted("cut \xe2\x82"), Nlohmann("cut \xe2\x82"));    // truncated
}

TEST(JsonWriter, MatchesNlohmannOnRandomStrings) {
  std::mt19937 rng(42);
  const std::string alphabet = std::string("ab\"\\\n\t\x01\x1f\x7f/ \xc3\xa9\xe2\x82\xac\xff", 18);
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    std::size_t length = rng() % 40;
    for (std::size_t i = 0; i < length; ++i) s += alphabet[rng() % alphabet.size()];
    ASSERT_EQ(Quoted(s), Nlohmann(s)) << round;
  }
}

TEST(JsonWriter, AppendsToWhatIsThere) {
  std::string out = "{\"k\":";
  AppendJsonString(out, "v\xff");
  out += ",\"n\":";
  AppendJsonInt(out, -1428582896000);
  EXPECT_EQ(out, "{\"k\":\"v\xef\xbf\xbd\",\"n\":-1428582896000");
  out.clear();
  AppendJsonInt(out, std::numeric_limits<long long>::min());
  EXPECT_EQ(out, "-9223372036854775808");
}

TEST(JsonWriter, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("0123456789\xc3\xa9\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("0123456789\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
}

}  // namespace
}  // namespace lambda_emu

namespace lambda_emu {
namespace {

TEST(JsonWriter, WriterGrowsPastItsExpectedSizeAndKeepsEveryPiece) {
  JsonWriter w(4);  // far too small: every write below has to grow it
  std::string expected;
  std::mt19937 rng(7);
  const std::string alphabet = std::string("xyz\"\\\n\x02\xc3\xa9\xff", 10);
  for (int round = 0; round < 300; ++round) {
    std::string s;
    std::size_t length = rng() % 70;
    for (std::size_t i = 0; i < length; ++i) s += alphabet[rng() % alphabet.size()];
    w.String(',', s, ':');
    expected += ',' + Nlohmann(s) + ':';
    w.String({"a/", s});
    expected += Nlohmann("a/" + s);
    w.Raw("[]");
    expected += "[]";
    w.Int(round);
    expected += std::to_string(round);
  }
  EXPECT_EQ(w.Take(), expected);
}

TEST(JsonWriter, TruncateDropsTheTail) {
  JsonWriter w(64);
  w.Raw("{\"a\":");
  std::size_t mark = w.size();
  w.String("gone");
  w.Truncate(mark);
  w.Bool(true);
  w.Raw('}');
  EXPECT_EQ(w.Take(), "{\"a\":true}");
}

}  // namespace
}  // namespace lambda_emu
