#include <gtest/gtest.h>

#include "cli/async_services.h"

namespace lambda_emu::cli {

TEST(RetryDelays, SecondsCommaSeparatedFractionsAllowed) {
  auto delays = ParseRetryDelays("60, 120");
  ASSERT_TRUE(delays.ok());
  ASSERT_EQ(delays->size(), 2u);
  EXPECT_EQ((*delays)[0].count(), 60000);
  EXPECT_EQ((*delays)[1].count(), 120000);
  auto scaled = ParseRetryDelays("0.2,0,1.5");
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ((*scaled)[0].count(), 200);
  EXPECT_EQ((*scaled)[1].count(), 0);
  EXPECT_EQ((*scaled)[2].count(), 1500);
}

TEST(RetryDelays, NonsenseIsAnErrorNamingTheItem) {
  for (const char* bad : {"", "60,", "-1", "abc", "1e9", "60;120", "nan"}) {
    auto delays = ParseRetryDelays(bad);
    EXPECT_FALSE(delays.ok()) << bad;
    if (!delays.ok()) {
      EXPECT_NE(delays.status().message().find("--async-retry-delays"), std::string::npos);
    }
  }
}

}  // namespace lambda_emu::cli
