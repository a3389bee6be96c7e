#include "invoke/schedules.h"

#include <gtest/gtest.h>

namespace lambda_emu::invoke {

namespace {

config::FunctionConfig WithEvent(std::string type, std::string properties,
                                 std::string name = "Tick") {
  config::FunctionConfig f;
  f.name = "worker";
  f.events.push_back({std::move(name), std::move(type), "", std::move(properties)});
  return f;
}

}  // namespace

TEST(Schedules, BuildsEverySamScheduleShape) {
  auto built = Schedules::Build({
      WithEvent("Schedule", R"j({"Schedule":"rate(5 minutes)","Input":"{\"a\":1}"})j", "A"),
      WithEvent("ScheduleV2",
                R"j({"ScheduleExpression":"cron(0 12 * * ? *)","State":"DISABLED","Name":"noon"})j",
                "B"),
      WithEvent("EventBridgeRule", R"j({"ScheduleExpression":"rate(1 hour)"})j", "C"),
      WithEvent("EventBridgeRule", R"j({"Pattern":{"source":["x"]}})j", "D"),
      WithEvent("Api", R"j({"Path":"/"})j", "E"),
  });
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->size(), 3u);
  const auto& a = (*built)[0];
  EXPECT_EQ(a.name, "A");
  EXPECT_EQ(a.function, "worker");
  EXPECT_EQ(a.type, "Schedule");
  EXPECT_EQ(a.input, R"j({"a":1})j");
  EXPECT_TRUE(a.enabled);
  const auto& b = (*built)[1];
  EXPECT_EQ(b.name, "noon");
  EXPECT_EQ(b.event, "B");
  EXPECT_EQ(b.type, "ScheduleV2");
  EXPECT_FALSE(b.enabled);
  EXPECT_EQ((*built)[2].expression->text(), "rate(1 hour)");
}

TEST(Schedules, EnabledFalseDisables) {
  auto built =
      Schedules::Build({WithEvent("Schedule", R"j({"Schedule":"rate(1 day)","Enabled":false})j")});
  ASSERT_TRUE(built.ok());
  EXPECT_FALSE((*built)[0].enabled);
}

TEST(Schedules, BadInputIsAnErrorNamingFunctionAndEvent) {
  auto bad_expression =
      Schedules::Build({WithEvent("Schedule", R"j({"Schedule":"rate(5 minute)"})j")});
  ASSERT_FALSE(bad_expression.ok());
  EXPECT_EQ(bad_expression.status().message().rfind("worker: Events.Tick: ", 0), 0u)
      << bad_expression.status().message();
  auto missing = Schedules::Build({WithEvent("ScheduleV2", R"j({})j")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "worker: Events.Tick: ScheduleExpression is required");
  auto bad_input =
      Schedules::Build({WithEvent("Schedule", R"j({"Schedule":"rate(1 day)","Input":"{nope"})j")});
  ASSERT_FALSE(bad_input.ok());
  EXPECT_NE(bad_input.status().message().find("Events.Tick.Input: not JSON"), std::string::npos)
      << bad_input.status().message();
  auto bad_zone = Schedules::Build({WithEvent(
      "ScheduleV2",
      R"j({"ScheduleExpression":"rate(1 day)","ScheduleExpressionTimezone":"Mars/Base"})j")});
  EXPECT_FALSE(bad_zone.ok());
}

}  // namespace lambda_emu::invoke
