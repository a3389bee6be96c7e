#include "invoke/schedule_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace lambda_emu::invoke {
namespace {

using namespace std::chrono;

// "2028-02-29T12:00:00" (UTC) to a time point; aborts the test on a typo.
SystemTime T(const std::string& iso) {
  std::tm tm{};
  int seconds = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &seconds) != 6) {
    ADD_FAILURE() << "bad instant " << iso;
  }
  sys_days day = year(tm.tm_year) / month(static_cast<unsigned>(tm.tm_mon)) /
                 static_cast<unsigned>(tm.tm_mday);
  return SystemTime(day + hours(tm.tm_hour) + minutes(tm.tm_min) + std::chrono::seconds(seconds));
}

std::string Iso(std::optional<SystemTime> t) {
  if (!t) return "none";
  auto s = floor<std::chrono::seconds>(*t);
  sys_days day = floor<days>(s);
  year_month_day ymd(day);
  hh_mm_ss<std::chrono::seconds> time(s - day);
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return out;
}

ScheduleExpression MustParse(const std::string& text) {
  Result<ScheduleExpression> parsed = ScheduleExpression::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  if (!parsed.ok()) return ScheduleExpression::Parse("rate(1 minute)").value();
  return std::move(parsed).value();
}

// The next `count` firings after `from`, each as ISO text.
std::vector<std::string> Firings(const std::string& text, const std::string& from, int count) {
  ScheduleExpression expression = MustParse(text);
  std::vector<std::string> out;
  std::optional<SystemTime> t = T(from);
  for (int i = 0; i < count; ++i) {
    t = expression.NextAfter(*t, SystemTime{});
    out.push_back(Iso(t));
    if (!t) break;
  }
  return out;
}

struct CronCase {
  const char* expression;
  const char* from;
  std::vector<std::string> next;
};

TEST(ScheduleExpression, CronTableOfNextFirings) {
  const std::vector<CronCase> cases = {
      // Plain times; strictly after: a firing at `from` itself is not returned.
      {"cron(0 12 * * ? *)", "2026-11-30T12:00:00", {"2026-12-01T12:00:00", "2026-12-02T12:00:00"}},
      {"cron(0 12 * * ? *)", "2026-11-30T11:59:59", {"2026-11-30T12:00:00"}},
      {"cron(0 12 * * ? *)", "2026-11-30T12:00:00", {"2026-12-01T12:00:00"}},
      {"cron(* * * * ? *)", "2026-11-30T04:36:29", {"2026-11-30T04:37:00", "2026-11-30T04:38:00"}},
      {"cron(* * * * ? *)", "2026-12-31T23:59:00", {"2027-01-01T00:00:00"}},
      // Steps and lists.
      {"cron(0/15 * * * ? *)",
       "2026-11-30T10:50:00",
       {"2026-11-30T11:00:00", "2026-11-30T11:15:00", "2026-11-30T11:30:00"}},
      {"cron(1/10 * * * ? *)",
       "2026-11-30T10:52:00",
       {"2026-11-30T11:01:00", "2026-11-30T11:11:00"}},
      {"cron(*/20 9-10 * * ? *)",
       "2026-11-30T10:41:00",
       {"2026-12-01T09:00:00", "2026-12-01T09:20:00"}},
      {"cron(5,35 10,14 * * ? *)",
       "2026-11-30T10:05:00",
       {"2026-11-30T10:35:00", "2026-11-30T14:05:00", "2026-11-30T14:35:00",
        "2026-12-01T10:05:00"}},
      {"cron(0 0-23/6 * * ? *)",
       "2026-11-30T05:00:00",
       {"2026-11-30T06:00:00", "2026-11-30T12:00:00", "2026-11-30T18:00:00",
        "2026-12-01T00:00:00"}},
      // Ranges that wrap round the end of the field, as in Quartz.
      {"cron(0 22-1 * * ? *)",
       "2026-11-30T21:00:00",
       {"2026-11-30T22:00:00", "2026-11-30T23:00:00", "2026-12-01T00:00:00", "2026-12-01T01:00:00",
        "2026-12-01T22:00:00"}},
      {"cron(0 8 ? * FRI-MON *)",
       "2026-11-30T09:00:00",  // a Monday
       {"2026-12-04T08:00:00", "2026-12-05T08:00:00", "2026-12-06T08:00:00", "2026-12-07T08:00:00",
        "2026-12-11T08:00:00"}},
      {"cron(0 0 1 NOV-FEB ? *)",
       "2026-12-15T00:00:00",
       {"2027-01-01T00:00:00", "2027-02-01T00:00:00", "2027-11-01T00:00:00"}},
      // Days of the week: 1 = Sunday, names in any case.
      {"cron(0 18 ? * MON-FRI *)",
       "2026-12-04T18:00:00",  // a Friday
       {"2026-12-07T18:00:00"}},
      {"cron(0 18 ? * 2-6 *)", "2026-12-04T18:00:00", {"2026-12-07T18:00:00"}},
      {"cron(0 9 ? * 1 *)", "2026-11-30T00:00:00", {"2026-12-06T09:00:00"}},  // Sunday
      {"cron(0 9 ? * sun,Sat *)",
       "2026-11-30T00:00:00",
       {"2026-12-05T09:00:00", "2026-12-06T09:00:00"}},
      {"cron(0 9 ? * 7 *)", "2026-11-30T00:00:00", {"2026-12-05T09:00:00"}},  // Saturday
      // Month ends: day 31 only in months that have one.
      {"cron(0 0 31 * ? *)",
       "2026-11-15T00:00:00",
       {"2026-12-31T00:00:00", "2027-01-31T00:00:00", "2027-03-31T00:00:00",
        "2027-05-31T00:00:00"}},
      {"cron(30 23 30 * ? *)", "2027-01-30T23:30:00", {"2027-03-30T23:30:00"}},  // no February 30th
      // Leap years: February 29th.
      {"cron(0 0 29 2 ? *)", "2026-11-30T00:00:00", {"2028-02-29T00:00:00", "2032-02-29T00:00:00"}},
      {"cron(0 0 29 FEB ? 2100-2104)",
       "2026-11-30T00:00:00",
       {"2104-02-29T00:00:00", "none"}},  // 2100 is not a leap year
      {"cron(0 0 L FEB ? *)",
       "2027-03-01T00:00:00",
       {"2028-02-29T00:00:00", "2029-02-28T00:00:00"}},
      // L and L-n in day-of-month.
      {"cron(0 12 L * ? *)",
       "2026-11-30T12:00:00",
       {"2026-12-31T12:00:00", "2027-01-31T12:00:00", "2027-02-28T12:00:00", "2027-03-31T12:00:00",
        "2027-04-30T12:00:00"}},
      {"cron(0 0 L-2 * ? *)",
       "2027-01-01T00:00:00",
       {"2027-01-29T00:00:00", "2027-02-26T00:00:00", "2027-03-29T00:00:00"}},
      // nW: the weekday nearest to day n, never leaving the month.
      {"cron(0 9 15W * ? *)",
       "2026-11-30T00:00:00",
       {"2026-12-15T09:00:00",    // a Tuesday already
        "2027-01-15T09:00:00",    // a Friday
        "2027-02-15T09:00:00",    // a Monday
        "2027-03-15T09:00:00",    // a Monday
        "2027-04-15T09:00:00",    // a Thursday
        "2027-05-14T09:00:00",    // the 15th is a Saturday: Friday before
        "2027-06-15T09:00:00",    // a Tuesday
        "2027-07-15T09:00:00",    // a Thursday
        "2027-08-16T09:00:00"}},  // the 15th is a Sunday: Monday after
      {"cron(0 9 1W * ? *)",
       "2027-04-15T00:00:00",
       {"2027-05-03T09:00:00"}},  // May 1st 2027 is a Saturday: Monday 3rd, not April 30th
      {"cron(0 9 31W * ? *)",
       "2027-10-01T00:00:00",
       {"2027-10-29T09:00:00",    // October 31st is a Sunday: Friday 29th, not November 1st
        "2027-12-31T09:00:00"}},  // November has no 31st: no firing
      // LW: the last weekday of the month.
      {"cron(0 17 LW * ? *)",
       "2027-01-01T00:00:00",
       {"2027-01-29T17:00:00",                           // the 31st is a Sunday
        "2027-02-26T17:00:00",                           // the 28th is a Sunday
        "2027-03-31T17:00:00",                           // a Wednesday
        "2027-04-30T17:00:00",                           // a Friday
        "2027-05-31T17:00:00",                           // a Monday
        "2027-06-30T17:00:00", "2027-07-30T17:00:00"}},  // July 31st is a Saturday
      // L in day-of-week: alone it is Saturday; nL is the last weekday n.
      {"cron(0 0 ? * L *)", "2026-11-30T00:00:00", {"2026-12-05T00:00:00", "2026-12-12T00:00:00"}},
      {"cron(0 10 ? * 6L *)",
       "2026-11-30T00:00:00",
       {"2026-12-25T10:00:00", "2027-01-29T10:00:00", "2027-02-26T10:00:00"}},
      {"cron(0 10 ? * FRIL *)", "2026-11-30T00:00:00", {"2026-12-25T10:00:00"}},
      {"cron(0 10 ? * 1L *)",
       "2027-01-01T00:00:00",
       {"2027-01-31T10:00:00", "2027-02-28T10:00:00", "2027-03-28T10:00:00"}},
      // n#k: the k-th weekday n of the month.
      {"cron(0 8 ? * 3#2 *)",
       "2026-11-30T00:00:00",
       {"2026-12-08T08:00:00", "2027-01-12T08:00:00", "2027-02-09T08:00:00"}},
      {"cron(0 8 ? * MON#1 *)",
       "2026-11-30T00:00:00",
       {"2026-12-07T08:00:00", "2027-01-04T08:00:00"}},
      {"cron(0 8 ? * 2#5 *)",
       "2026-11-30T08:00:00",  // the fifth Monday: only some months
       {"2027-03-29T08:00:00", "2027-05-31T08:00:00", "2027-08-30T08:00:00"}},
      {"cron(0 8 ? * 2#1,6L *)",
       "2026-11-30T08:00:00",
       {"2026-12-07T08:00:00", "2026-12-25T08:00:00", "2027-01-04T08:00:00"}},
      // Years and their limits.
      {"cron(0 0 1 1 ? 2030)", "2026-11-30T00:00:00", {"2030-01-01T00:00:00", "none"}},
      {"cron(0 0 1 1 ? 2027,2029)",
       "2026-11-30T00:00:00",
       {"2027-01-01T00:00:00", "2029-01-01T00:00:00", "none"}},
      {"cron(0 0 1 1 ? 2030/50)",
       "2026-11-30T00:00:00",
       {"2030-01-01T00:00:00", "2080-01-01T00:00:00", "2130-01-01T00:00:00", "2180-01-01T00:00:00",
        "none"}},
      {"cron(59 23 31 12 ? *)", "2199-12-31T23:58:00", {"2199-12-31T23:59:00", "none"}},
      {"cron(0 0 * * ? *)", "2199-12-31T00:00:00", {"none"}},
      {"cron(0 0 * * ? 2026)", "2027-01-01T00:00:00", {"none"}},
      {"cron(0 0 1 1 ? *)", "1960-06-01T00:00:00", {"1970-01-01T00:00:00"}},
      // Never: a date that does not exist returns none (quickly, see below).
      {"cron(0 0 30 FEB ? *)", "2026-11-30T00:00:00", {"none"}},
      {"cron(0 0 31 APR,JUN,SEP,NOV ? *)", "2026-11-30T00:00:00", {"none"}},
      // Seconds and sub-seconds in `after` round to the next whole minute.
      {"cron(* * * * ? *)", "2026-11-30T10:00:59", {"2026-11-30T10:01:00"}},
  };
  for (const CronCase& c : cases) {
    EXPECT_EQ(Firings(c.expression, c.from, static_cast<int>(c.next.size())), c.next)
        << c.expression << " after " << c.from;
  }
}

// The skipping search must agree with itself minute by minute: asked from any
// minute before a firing it finds that same firing, and asked from the firing
// it finds a later one. A search that jumped over a match from some starting
// points (a field reset wrongly when a larger field moved) breaks this.
void ExpectConsistentMinuteByMinute(const ScheduleExpression& expression, SystemTime from,
                                    int minutes_to_walk) {
  std::optional<SystemTime> next = expression.NextAfter(from, SystemTime{});
  for (int i = 1; i <= minutes_to_walk && next; ++i) {
    const SystemTime x = from + minutes(i);
    std::optional<SystemTime> again = expression.NextAfter(x, SystemTime{});
    ASSERT_TRUE(again) << expression.text() << " from " << Iso(x);
    ASSERT_GT(*again, x) << expression.text() << " from " << Iso(x);
    if (*next > x) {
      ASSERT_EQ(Iso(again), Iso(next)) << expression.text() << " from " << Iso(x);
    } else {
      ASSERT_GT(*again, *next) << expression.text() << " from " << Iso(x);
      ASSERT_EQ(Iso(expression.NextAfter(*again - nanoseconds(1), SystemTime{})), Iso(again));
    }
    next = again;
  }
}

TEST(ScheduleExpression, CronSearchIsConsistentAcrossMonthAndYearEnds) {
  const std::vector<const char*> expressions = {
      "cron(* * * * ? *)",       "cron(0/7 * * * ? *)",        "cron(59 23 * * ? *)",
      "cron(0 0 * * ? *)",       "cron(15,45 1-3,22 * * ? *)", "cron(0 22-2 * * ? *)",
      "cron(30 12 L * ? *)",     "cron(0 0 L-1 * ? *)",        "cron(0 6 1W * ? *)",
      "cron(0 6 LW * ? *)",      "cron(0 6 31W * ? *)",        "cron(0 0 29 2 ? *)",
      "cron(0 0 ? * 1 *)",       "cron(0 9 ? * MON-FRI *)",    "cron(0 9 ? * 6L *)",
      "cron(0 9 ? * 2#1,7#5 *)", "cron(0 0 1 JAN ? *)",        "cron(*/30 * ? * SAT,SUN *)",
      "cron(0 12 1,15,L * ? *)", "cron(0 0 ? * L *)",          "cron(0 0 1 */3 ? 2027-2029)",
  };
  const std::vector<const char*> starts = {"2026-12-29T00:00:00", "2028-02-27T00:00:00",
                                           "2027-04-28T12:00:00", "2027-07-30T00:00:00"};
  for (const char* text : expressions) {
    ScheduleExpression expression = MustParse(text);
    for (const char* start : starts) {
      ExpectConsistentMinuteByMinute(expression, T(start), 4 * 24 * 60);
    }
  }
}

TEST(ScheduleExpression, CronSubSecondAfterIsStrict) {
  ScheduleExpression every_minute = MustParse("cron(* * * * ? *)");
  SystemTime t = T("2026-11-30T10:00:00") + milliseconds(1);
  EXPECT_EQ(Iso(every_minute.NextAfter(t, SystemTime{})), "2026-11-30T10:01:00");
  EXPECT_EQ(Iso(every_minute.NextAfter(t - milliseconds(2), SystemTime{})), "2026-11-30T10:00:00");
}

TEST(ScheduleExpression, CronThatNeverFiresAnswersQuickly) {
  const auto start = steady_clock::now();
  for (const char* text :
       {"cron(0 0 30 FEB ? *)", "cron(0 0 31 2,4,6,9,11 ? *)", "cron(0 0 ? 2 2#5 2027)"}) {
    ScheduleExpression never = MustParse(text);
    for (int i = 0; i < 100; ++i) {
      EXPECT_FALSE(never.NextAfter(T("1970-01-01T00:00:00"), SystemTime{})) << text;
    }
  }
  // 300 full searches of 230 years each; a minute-by-minute scan would take
  // hours. The bound is generous: this is a stall check, not a benchmark.
  EXPECT_LT(steady_clock::now() - start, seconds(2));
}

TEST(ScheduleExpression, CronCaseInsensitiveAndWhiteSpace) {
  EXPECT_EQ(Firings("cron(0 12 ? jan-mar mon#1 *)", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2027-01-04T12:00:00"});
  EXPECT_EQ(Firings("cron(0 12 lw * ? *)", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-11-30T12:00:00"});  // a Monday
  EXPECT_EQ(Firings("cron( 0  12 * *  ? * )", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-11-30T12:00:00"});
  EXPECT_EQ(Firings("  cron(0 12 * * ? *)\n", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-11-30T12:00:00"});
}

TEST(ScheduleExpression, KindAndTextAsGiven) {
  ScheduleExpression rate = MustParse("rate(5 minutes)");
  EXPECT_EQ(rate.kind(), ScheduleExpression::Kind::kRate);
  EXPECT_EQ(rate.text(), "rate(5 minutes)");
  EXPECT_EQ(rate.rate_period(), minutes(5));
  ScheduleExpression cron = MustParse("cron(0 12 * * ? *)\n");
  EXPECT_EQ(cron.kind(), ScheduleExpression::Kind::kCron);
  EXPECT_EQ(cron.text(), "cron(0 12 * * ? *)\n");
  ScheduleExpression at = MustParse("at(2026-12-01T10:00:00)");
  EXPECT_EQ(at.kind(), ScheduleExpression::Kind::kAt);
  EXPECT_EQ(Iso(at.at_time()), "2026-12-01T10:00:00");
}

TEST(ScheduleExpression, RatePeriods) {
  EXPECT_EQ(MustParse("rate(1 minute)").rate_period(), minutes(1));
  EXPECT_EQ(MustParse("rate(2 minutes)").rate_period(), minutes(2));
  EXPECT_EQ(MustParse("rate(1 hour)").rate_period(), hours(1));
  EXPECT_EQ(MustParse("rate(12 hours)").rate_period(), hours(12));
  EXPECT_EQ(MustParse("rate(1 day)").rate_period(), days(1));
  EXPECT_EQ(MustParse("rate(7 days)").rate_period(), days(7));
  EXPECT_EQ(MustParse("rate(36500 days)").rate_period(), days(36500));
}

TEST(ScheduleExpression, RateCountsFromTheAnchor) {
  ScheduleExpression every5 = MustParse("rate(5 minutes)");
  // An anchor with seconds keeps them: rates are not aligned to the clock.
  const SystemTime anchor = T("2026-11-30T04:36:29");
  EXPECT_EQ(Iso(every5.NextAfter(anchor, anchor)), "2026-11-30T04:41:29");
  EXPECT_EQ(Iso(every5.NextAfter(T("2026-11-30T04:41:28"), anchor)), "2026-11-30T04:41:29");
  EXPECT_EQ(Iso(every5.NextAfter(T("2026-11-30T04:41:29"), anchor)), "2026-11-30T04:46:29");
  EXPECT_EQ(Iso(every5.NextAfter(T("2026-11-30T05:00:00"), anchor)), "2026-11-30T05:01:29");
  // Long after: no drift, still on the anchor's grid.
  EXPECT_EQ(Iso(every5.NextAfter(T("2027-11-30T00:00:00"), anchor)), "2027-11-30T00:01:29");
  // An anchor still ahead (a schedule that starts later) fires at the anchor.
  EXPECT_EQ(Iso(every5.NextAfter(T("2026-11-30T00:00:00"), anchor)), "2026-11-30T04:36:29");
  EXPECT_EQ(Iso(every5.NextAfter(anchor - nanoseconds(1), anchor)), "2026-11-30T04:36:29");

  ScheduleExpression daily = MustParse("rate(1 day)");
  const SystemTime leap = T("2028-02-28T23:00:00");
  EXPECT_EQ(Iso(daily.NextAfter(leap, leap)), "2028-02-29T23:00:00");
  EXPECT_EQ(Iso(daily.NextAfter(T("2028-02-29T23:00:00"), leap)), "2028-03-01T23:00:00");
  ScheduleExpression hourly = MustParse("rate(1 hour)");
  EXPECT_EQ(Iso(hourly.NextAfter(T("2026-12-31T23:59:59"), T("2026-11-30T04:00:00"))),
            "2027-01-01T00:00:00");
  // Sub-second anchors keep their fraction.
  const SystemTime odd = T("2026-11-30T04:00:00") + milliseconds(250);
  EXPECT_EQ(*hourly.NextAfter(odd, odd), odd + hours(1));
}

TEST(ScheduleExpression, AtFiresOnceStrictlyAfter) {
  ScheduleExpression at = MustParse("at(2026-12-01T10:00:30)");
  const SystemTime anchor = T("2000-01-01T00:00:00");  // ignored
  EXPECT_EQ(Iso(at.NextAfter(T("2026-11-30T04:36:29"), anchor)), "2026-12-01T10:00:30");
  EXPECT_EQ(Iso(at.NextAfter(T("2026-12-01T10:00:29"), anchor)), "2026-12-01T10:00:30");
  EXPECT_EQ(Iso(at.NextAfter(T("2026-12-01T10:00:30"), anchor)), "none");
  EXPECT_EQ(Iso(at.NextAfter(T("2027-01-01T00:00:00"), anchor)), "none");
  EXPECT_EQ(Iso(MustParse("at(2028-02-29T23:59:59)").at_time()), "2028-02-29T23:59:59");
  EXPECT_EQ(Iso(MustParse("at(1970-01-01T00:00:00)").at_time()), "1970-01-01T00:00:00");
}

TEST(ScheduleExpression, CronIgnoresTheAnchor) {
  ScheduleExpression noon = MustParse("cron(0 12 * * ? *)");
  EXPECT_EQ(Iso(noon.NextAfter(T("2026-11-30T00:00:00"), T("2026-11-30T11:59:00"))),
            "2026-11-30T12:00:00");
  EXPECT_EQ(Iso(noon.NextAfter(T("2026-11-30T00:00:00"), T("2030-01-01T00:00:00"))),
            "2026-11-30T12:00:00");
}

struct ErrorCase {
  const char* expression;
  const char* message;
};

TEST(ScheduleExpression, EveryErrorSaysWhatAndWhere) {
  const std::vector<ErrorCase> cases = {
      {"", "the schedule expression is empty; use rate(...), cron(...) or at(...)"},
      {"  ", "the schedule expression is empty; use rate(...), cron(...) or at(...)"},
      // Errors quote the expression without the white space around it.
      {"  rate(0 minutes)\n", "rate(0 minutes): the value '0' must be a positive whole number"},
      {"every 5 minutes",
       "every 5 minutes: a schedule expression is rate(value unit), cron(fields) or "
       "at(yyyy-mm-ddThh:mm:ss), e.g. rate(5 minutes)"},
      {"Rate(5 minutes)",
       "Rate(5 minutes): a schedule expression is rate(value unit), cron(fields) or "
       "at(yyyy-mm-ddThh:mm:ss), e.g. rate(5 minutes)"},
      {"rate(5 minutes",
       "rate(5 minutes: a schedule expression is rate(value unit), cron(fields) or "
       "at(yyyy-mm-ddThh:mm:ss), e.g. rate(5 minutes)"},
      // rate
      {"rate(5)", "rate(5): expected a value and a unit, as in rate(5 minutes)"},
      {"rate()", "rate(): expected a value and a unit, as in rate(5 minutes)"},
      {"rate(5 minutes now)",
       "rate(5 minutes now): expected a value and a unit, as in rate(5 minutes)"},
      {"rate(0 minutes)", "rate(0 minutes): the value '0' must be a positive whole number"},
      {"rate(-5 minutes)", "rate(-5 minutes): the value '-5' must be a positive whole number"},
      {"rate(1.5 hours)", "rate(1.5 hours): the value '1.5' must be a positive whole number"},
      {"rate(five minutes)",
       "rate(five minutes): the value 'five' must be a positive whole number"},
      {"rate(1234567890 minutes)",
       "rate(1234567890 minutes): the value '1234567890' must be a positive whole number"},
      {"rate(1 minutes)", "rate(1 minutes): a value of 1 takes the singular unit: rate(1 minute)"},
      {"rate(1 hours)", "rate(1 hours): a value of 1 takes the singular unit: rate(1 hour)"},
      {"rate(1 days)", "rate(1 days): a value of 1 takes the singular unit: rate(1 day)"},
      {"rate(5 minute)", "rate(5 minute): a value above 1 takes the plural unit: rate(5 minutes)"},
      {"rate(2 hour)", "rate(2 hour): a value above 1 takes the plural unit: rate(2 hours)"},
      {"rate(3 day)", "rate(3 day): a value above 1 takes the plural unit: rate(3 days)"},
      {"rate(5 seconds)",
       "rate(5 seconds): the unit 'seconds' must be minute, minutes, hour, hours, day or days"},
      {"rate(2 weeks)",
       "rate(2 weeks): the unit 'weeks' must be minute, minutes, hour, hours, day or days"},
      {"rate(5 Minutes)",
       "rate(5 Minutes): the unit 'Minutes' must be minute, minutes, hour, hours, day or days"},
      {"rate(36501 days)",
       "rate(36501 days): the period is longer than lambda-emu supports (100 years)"},
      // cron: shape
      {"cron(0 12 * * ?)",
       "cron(0 12 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week "
       "year), got 5"},
      {"cron(0 0 12 * * ? *)",
       "cron(0 0 12 * * ? *): expected 6 fields (minutes hours day-of-month month day-of-week "
       "year), got 7"},
      {"cron()",
       "cron(): expected 6 fields (minutes hours day-of-month month day-of-week year), got 0"},
      // cron: day-of-month against day-of-week
      {"cron(0 12 * * * *)",
       "cron(0 12 * * * *): day-of-month and day-of-week cannot both be specified; use ? in one"},
      {"cron(0 12 1 * MON *)",
       "cron(0 12 1 * MON *): day-of-month and day-of-week cannot both be specified; use ? in "
       "one"},
      {"cron(0 12 ? * ? *)",
       "cron(0 12 ? * ? *): day-of-month and day-of-week cannot both be ?; give one of them a "
       "value"},
      {"cron(? 12 * * ? *)",
       "cron(? 12 * * ? *): minutes '?': '?' is only allowed in day-of-month and day-of-week"},
      {"cron(0 12 1,? * ? *)",
       "cron(0 12 1,? * ? *): day-of-month '1,?': '?' must be the whole field"},
      {"cron(0 12 ? * MON,? *)",
       "cron(0 12 ? * MON,? *): day-of-week 'MON,?': '?' must be the whole field"},
      // cron: values out of range
      {"cron(60 12 * * ? *)", "cron(60 12 * * ? *): minutes '60': 60 is out of range 0-59"},
      {"cron(0 24 * * ? *)", "cron(0 24 * * ? *): hours '24': 24 is out of range 0-23"},
      {"cron(0 12 0 * ? *)", "cron(0 12 0 * ? *): day-of-month '0': 0 is out of range 1-31"},
      {"cron(0 12 32 * ? *)", "cron(0 12 32 * ? *): day-of-month '32': 32 is out of range 1-31"},
      {"cron(0 12 1 13 ? *)",
       "cron(0 12 1 13 ? *): month '13': 13 is out of range 1-12 or JAN-DEC"},
      {"cron(0 12 1 0 ? *)", "cron(0 12 1 0 ? *): month '0': 0 is out of range 1-12 or JAN-DEC"},
      {"cron(0 12 ? * 0 *)",
       "cron(0 12 ? * 0 *): day-of-week '0': 0 is out of range 1-7 or SUN-SAT (1 = SUN)"},
      {"cron(0 12 ? * 8 *)",
       "cron(0 12 ? * 8 *): day-of-week '8': 8 is out of range 1-7 or SUN-SAT (1 = SUN)"},
      {"cron(0 12 * * ? 1969)",
       "cron(0 12 * * ? 1969): year '1969': 1969 is out of range 1970-2199"},
      {"cron(0 12 * * ? 2200)",
       "cron(0 12 * * ? 2200): year '2200': 2200 is out of range 1970-2199"},
      // cron: bad names and numbers
      {"cron(0 12 1 JANUARY ? *)",
       "cron(0 12 1 JANUARY ? *): month 'JANUARY': 'JANUARY' is not a name; use 1-12 or "
       "JAN-DEC"},
      {"cron(0 12 ? * MONDAY *)",
       "cron(0 12 ? * MONDAY *): day-of-week 'MONDAY': 'MONDAY' is not a name; use 1-7 or "
       "SUN-SAT (1 = SUN)"},
      {"cron(0 12 ? JAN-XYZ MON *)",
       "cron(0 12 ? JAN-XYZ MON *): month 'JAN-XYZ': 'XYZ' is not a name; use 1-12 or JAN-DEC"},
      {"cron(0 MON * * ? *)", "cron(0 MON * * ? *): hours 'MON': 'MON' is not a number"},
      {"cron(x 12 * * ? *)", "cron(x 12 * * ? *): minutes 'x': 'x' is not a number"},
      {"cron(-5 12 * * ? *)", "cron(-5 12 * * ? *): minutes '-5': a value is missing"},
      {"cron(5- 12 * * ? *)", "cron(5- 12 * * ? *): minutes '5-': a value is missing"},
      {"cron(1,,2 12 * * ? *)", "cron(1,,2 12 * * ? *): minutes '1,,2': an empty item in the list"},
      {"cron(0 12 * * ? 2030-2020)",
       "cron(0 12 * * ? 2030-2020): year '2030-2020': the range runs backwards"},
      // cron: steps
      {"cron(0/0 12 * * ? *)",
       "cron(0/0 12 * * ? *): minutes '0/0': the step after '/' must be a whole number from 1 to "
       "59"},
      // AWS refuses this one ("Parameter ScheduleExpression is not valid"), as Quartz does.
      {"cron(*/60 * * * ? *)",
       "cron(*/60 * * * ? *): minutes '*/60': the step after '/' must be a whole number from 1 "
       "to 59"},
      {"cron(0 */24 * * ? *)",
       "cron(0 */24 * * ? *): hours '*/24': the step after '/' must be a whole number from 1 to "
       "23"},
      {"cron(0 0 ? * */8 *)",
       "cron(0 0 ? * */8 *): day-of-week '*/8': the step after '/' must be a whole number from 1 "
       "to 7"},
      {"cron(0 0 1 1 ? */230)",
       "cron(0 0 1 1 ? */230): year '*/230': the step after '/' must be a whole number from 1 to "
       "229"},
      {"cron(*/ 12 * * ? *)",
       "cron(*/ 12 * * ? *): minutes '*/': the step after '/' must be a whole number from 1 to "
       "59"},
      {"cron(0/5/2 12 * * ? *)", "cron(0/5/2 12 * * ? *): minutes '0/5/2': more than one '/'"},
      {"cron(0 12 1 */13 ? *)",
       "cron(0 12 1 */13 ? *): month '*/13': the step after '/' must be a whole number from 1 to "
       "12"},
      // cron: L, W, #
      {"cron(0 12 L * L *)",
       "cron(0 12 L * L *): day-of-month and day-of-week cannot both be specified; use ? in one"},
      {"cron(0 12 W * ? *)",
       "cron(0 12 W * ? *): day-of-month 'W': day-of-month allows L, L-n, nW and LW; # is for "
       "day-of-week"},
      {"cron(0 12 1-5W * ? *)",
       "cron(0 12 1-5W * ? *): day-of-month '1-5W': W follows a single day (15W) or L (LW)"},
      {"cron(0 12 32W * ? *)", "cron(0 12 32W * ? *): day-of-month '32W': 32 is out of range 1-31"},
      {"cron(0 12 L-31 * ? *)",
       "cron(0 12 L-31 * ? *): day-of-month 'L-31': L-n needs n from 0 to 30 (days before the "
       "last day)"},
      {"cron(0 12 L-x * ? *)",
       "cron(0 12 L-x * ? *): day-of-month 'L-x': L-n needs n from 0 to 30 (days before the last "
       "day)"},
      {"cron(0 12 3#2 * ? *)",
       "cron(0 12 3#2 * ? *): day-of-month '3#2': day-of-month allows L, L-n, nW and LW; # is "
       "for day-of-week"},
      {"cron(0 12 ? * 3#6 *)",
       "cron(0 12 ? * 3#6 *): day-of-week '3#6': the number after # must be 1 to 5 (3#2: second "
       "TUE)"},
      {"cron(0 12 ? * 3#0 *)",
       "cron(0 12 ? * 3#0 *): day-of-week '3#0': the number after # must be 1 to 5 (3#2: second "
       "TUE)"},
      {"cron(0 12 ? * 8#1 *)",
       "cron(0 12 ? * 8#1 *): day-of-week '8#1': 8 is out of range 1-7 or SUN-SAT (1 = SUN)"},
      {"cron(0 12 ? * #1 *)", "cron(0 12 ? * #1 *): day-of-week '#1': a value is missing"},
      {"cron(0 12 ? * 8L *)",
       "cron(0 12 ? * 8L *): day-of-week '8L': 8 is out of range 1-7 or SUN-SAT (1 = SUN)"},
      {"cron(0 12 ? * 2W *)",
       "cron(0 12 ? * 2W *): day-of-week '2W': day-of-week allows L, nL and n#k; W is for "
       "day-of-month"},
      {"cron(0 12 * * ? 2030L)", "cron(0 12 * * ? 2030L): year '2030L': '2030L' is not a number"},
      {"cron(0 L * * ? *)", "cron(0 L * * ? *): hours 'L': 'L' is not a number"},
      // at
      {"at(2026-12-01 10:00:00)",
       "at(2026-12-01 10:00:00): expected at(yyyy-mm-ddThh:mm:ss), as in "
       "at(2026-12-01T10:00:00)"},
      {"at(2026-12-01T10:00)",
       "at(2026-12-01T10:00): expected at(yyyy-mm-ddThh:mm:ss), as in at(2026-12-01T10:00:00)"},
      {"at(2026-12-01T10:00:00Z)",
       "at(2026-12-01T10:00:00Z): expected at(yyyy-mm-ddThh:mm:ss), as in "
       "at(2026-12-01T10:00:00)"},
      {"at()", "at(): expected at(yyyy-mm-ddThh:mm:ss), as in at(2026-12-01T10:00:00)"},
      {"at(2026-13-01T10:00:00)", "at(2026-13-01T10:00:00): month 13 is out of range 01-12"},
      {"at(2026-00-01T10:00:00)", "at(2026-00-01T10:00:00): month 00 is out of range 01-12"},
      {"at(2027-02-29T10:00:00)", "at(2027-02-29T10:00:00): day 29 does not exist in 2027-02"},
      {"at(2026-04-31T10:00:00)", "at(2026-04-31T10:00:00): day 31 does not exist in 2026-04"},
      {"at(2026-04-00T10:00:00)", "at(2026-04-00T10:00:00): day 00 does not exist in 2026-04"},
      {"at(2026-12-01T24:00:00)",
       "at(2026-12-01T24:00:00): time 24:00:00 is not a time of day (00:00:00 to 23:59:59)"},
      {"at(2026-12-01T10:60:00)",
       "at(2026-12-01T10:60:00): time 10:60:00 is not a time of day (00:00:00 to 23:59:59)"},
      {"at(2026-12-01T10:00:60)",
       "at(2026-12-01T10:00:60): time 10:00:60 is not a time of day (00:00:00 to 23:59:59)"},
      {"at(1969-12-31T23:59:59)", "at(1969-12-31T23:59:59): year 1969 is out of range 1970-2199"},
      {"at(2200-01-01T00:00:00)", "at(2200-01-01T00:00:00): year 2200 is out of range 1970-2199"},
  };
  for (const ErrorCase& c : cases) {
    Result<ScheduleExpression> parsed = ScheduleExpression::Parse(c.expression);
    ASSERT_FALSE(parsed.ok()) << c.expression << " was accepted";
    EXPECT_EQ(parsed.status().message(), c.message) << c.expression;
  }
}

// Europe/London in 2027: the clocks go forward from 01:00 GMT to 02:00 BST
// on March 28th (01:00Z) and back from 02:00 BST to 01:00 GMT on October 31st
// (01:00Z).
std::vector<std::string> ZoneFirings(const std::string& text, const std::string& zone,
                                     const std::string& from, int count) {
  Result<ScheduleExpression> parsed = ScheduleExpression::Parse(text, zone);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  if (!parsed.ok()) return {};
  std::vector<std::string> out;
  std::optional<SystemTime> t = T(from);
  for (int i = 0; i < count && t; ++i) {
    t = parsed->NextAfter(*t, SystemTime{});
    out.push_back(Iso(t));
  }
  return out;
}

TEST(ScheduleExpressionTimeZone, CronReadsTheZonesWallClock) {
  EXPECT_EQ(ZoneFirings("cron(0 12 * * ? *)", "America/New_York", "2027-01-10T00:00:00", 1),
            std::vector<std::string>{"2027-01-10T17:00:00"});  // EST, UTC-5
  EXPECT_EQ(ZoneFirings("cron(0 12 * * ? *)", "America/New_York", "2027-07-10T00:00:00", 1),
            std::vector<std::string>{"2027-07-10T16:00:00"});  // EDT, UTC-4
  EXPECT_EQ(ZoneFirings("cron(0 9 ? * MON#1 *)", "Asia/Kolkata", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-12-07T03:30:00"});  // UTC+5:30
  // The local date decides the day: 00:30 on the 1st in Tokyo is the 31st in UTC.
  EXPECT_EQ(ZoneFirings("cron(30 0 1 * ? *)", "Asia/Tokyo", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-11-30T15:30:00"});
  EXPECT_EQ(ZoneFirings("cron(0 12 * * ? *)", "UTC", "2026-11-30T00:00:00", 1),
            std::vector<std::string>{"2026-11-30T12:00:00"});
}

TEST(ScheduleExpressionTimeZone, SpringForwardSkipsTheMissingTime) {
  EXPECT_EQ(ZoneFirings("cron(30 1 * * ? *)", "Europe/London", "2027-03-27T00:00:00", 3),
            (std::vector<std::string>{"2027-03-27T01:30:00",  // 01:30 GMT
                                      "2027-03-29T00:30:00",  // 01:30 BST; none on the 28th
                                      "2027-03-30T00:30:00"}));
  EXPECT_EQ(ZoneFirings("cron(0/20 * * * ? *)", "Europe/London", "2027-03-28T00:30:00", 3),
            (std::vector<std::string>{"2027-03-28T00:40:00",  // 00:40 GMT
                                      "2027-03-28T01:00:00",  // 02:00 BST: 01:00-01:59 do not exist
                                      "2027-03-28T01:20:00"}));
}

TEST(ScheduleExpressionTimeZone, FallBackFiresARepeatedTimeOnce) {
  EXPECT_EQ(ZoneFirings("cron(30 1 * * ? *)", "Europe/London", "2027-10-30T12:00:00", 2),
            (std::vector<std::string>{"2027-10-31T00:30:00",     // 01:30 BST, the first pass
                                      "2027-11-01T01:30:00"}));  // not 01:30 GMT again
  // Asked from between the two passes, the second one still does not fire.
  EXPECT_EQ(ZoneFirings("cron(30 1 * * ? *)", "Europe/London", "2027-10-31T00:45:00", 1),
            std::vector<std::string>{"2027-11-01T01:30:00"});
  EXPECT_EQ(ZoneFirings("cron(0/15 * * * ? *)", "Europe/London", "2027-10-31T00:40:00", 2),
            (std::vector<std::string>{"2027-10-31T00:45:00",     // 01:45 BST
                                      "2027-10-31T02:00:00"}));  // 02:00 GMT, after the repeat
}

TEST(ScheduleExpressionTimeZone, SearchIsConsistentAcrossDaylightSavingChanges) {
  for (const char* text :
       {"cron(* * * * ? *)", "cron(0/15 * * * ? *)", "cron(30 1 * * ? *)", "cron(0 0-3 * * ? *)"}) {
    Result<ScheduleExpression> parsed = ScheduleExpression::Parse(text, "Europe/London");
    ASSERT_TRUE(parsed.ok());
    ExpectConsistentMinuteByMinute(*parsed, T("2027-03-27T22:00:00"), 6 * 60);
    ExpectConsistentMinuteByMinute(*parsed, T("2027-10-30T22:00:00"), 6 * 60);
  }
}

TEST(ScheduleExpressionTimeZone, AtIsTheZonesWallClock) {
  Result<ScheduleExpression> summer =
      ScheduleExpression::Parse("at(2027-07-01T09:00:00)", "Europe/London");
  ASSERT_TRUE(summer.ok()) << summer.status().message();
  EXPECT_EQ(Iso(summer->at_time()), "2027-07-01T08:00:00");
  EXPECT_EQ(summer->time_zone(), "Europe/London");
  EXPECT_EQ(summer->text(), "at(2027-07-01T09:00:00)");
  EXPECT_EQ(Iso(summer->NextAfter(T("2027-07-01T07:59:59"), SystemTime{})), "2027-07-01T08:00:00");
  // A time the clock skips is read as the instant the clock jumps.
  Result<ScheduleExpression> skipped =
      ScheduleExpression::Parse("at(2027-03-28T01:30:00)", "Europe/London");
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(Iso(skipped->at_time()), "2027-03-28T01:00:00");
  // A repeated time is its first occurrence.
  Result<ScheduleExpression> repeated =
      ScheduleExpression::Parse("at(2027-10-31T01:30:00)", "Europe/London");
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(Iso(repeated->at_time()), "2027-10-31T00:30:00");
}

TEST(ScheduleExpressionTimeZone, RatesAreFixedDurations) {
  Result<ScheduleExpression> daily = ScheduleExpression::Parse("rate(1 day)", "Europe/London");
  ASSERT_TRUE(daily.ok());
  const SystemTime anchor = T("2027-03-27T12:00:00");
  EXPECT_EQ(Iso(daily->NextAfter(anchor, anchor)), "2027-03-28T12:00:00");  // 24 h, not 23
}

TEST(ScheduleExpressionTimeZone, UnknownZoneIsAnError) {
  Result<ScheduleExpression> parsed = ScheduleExpression::Parse("rate(5 minutes)", "Mars/Olympus");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "time zone 'Mars/Olympus' is not in the time zone database (an IANA name such as "
            "Europe/London or America/New_York)");
  // The expression is checked first.
  parsed = ScheduleExpression::Parse("rate(5 minute)", "Mars/Olympus");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "rate(5 minute): a value above 1 takes the plural unit: rate(5 minutes)");
}

TEST(ScheduleExpression, AcceptsEveryDocumentedForm) {
  for (const char* text : {
           "rate(1 minute)",
           "rate(15 minutes)",
           "rate(1 hour)",
           "rate(2 hours)",
           "rate(1 day)",
           "rate(30 days)",
           "cron(0 10 * * ? *)",
           "cron(15 12 * * ? *)",
           "cron(0 18 ? * MON-FRI *)",
           "cron(0 8 1 * ? *)",
           "cron(0/15 * * * ? *)",
           "cron(0/10 * ? * MON-FRI *)",
           "cron(0/5 8-17 ? * MON-FRI *)",
           "cron(0 9 ? * 2#1 *)",
           "cron(0 12 L * ? *)",
           "cron(0 12 LW * ? *)",
           "cron(0 12 15W * ? *)",
           "cron(0 12 ? * 6L *)",
           "cron(0 12 ? * L *)",
           "cron(0 12 * JAN,FEB,MAR ? 2027-2030)",
           "cron(0 0 1 1 ? 1970)",
           "cron(0 0 1 1 ? 2199)",
           "cron(0-59 0-23 1-31 1-12 ? 1970-2199)",
           "cron(0 0 ? * SUN-SAT *)",
           "cron(0 0 ? * 1-7 *)",
           "cron(0 0 ? * */2 *)",
           "cron(0 0 L,15 * ? *)",
           "cron(0 0 L-0 * ? *)",
           "cron(*/59 */23 */31 */12 ? */229)",
           "cron(0 0 ? * */7 *)",
           "cron(15 12 ? * 1#5 *)",
           "at(2026-12-01T10:00:00)",
       }) {
    Result<ScheduleExpression> parsed = ScheduleExpression::Parse(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  }
}

}  // namespace
}  // namespace lambda_emu::invoke
