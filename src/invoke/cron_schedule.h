#pragma once
// CronSchedule: the six fields of an EventBridge cron(...) expression
// (minutes hours day-of-month month day-of-week year), parsed into sets, and
// the search for the next minute they all match. Quartz semantics as AWS
// documents them: `, - * /` in every field, `?` in one of day-of-month and
// day-of-week, `L` `L-n` `nW` `LW` in day-of-month, `L` `nL` `n#k` in
// day-of-week (1 = Sunday), names JAN-DEC and SUN-SAT, years 1970-2199.
// docs/async/schedules.md lists every choice made where AWS says nothing.
//
// Times are UTC and whole minutes. NextAfter skips field by field (year,
// month, day, hour, minute), so its cost is bounded by the 230 years * 12
// months of the year range, whatever the expression: an expression that can
// never match (cron(0 0 30 FEB ? *)) answers nullopt in microseconds.
//
// A plain value: ScheduleExpression owns one; copy freely; const methods are
// safe from any number of threads.

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lambda_emu/status.h"

namespace lambda_emu::invoke {

class CronSchedule {
 public:
  static constexpr int kFirstYear = 1970;
  static constexpr int kLastYear = 2199;

  // `fields` is the text between "cron(" and ")". Errors name the field and
  // the item at fault, without the expression itself (the caller adds it).
  static Result<CronSchedule> Parse(std::string_view fields);

  // The first matching minute strictly after `after`, or nullopt when the
  // years run out (or the expression never matches).
  std::optional<std::chrono::system_clock::time_point> NextAfter(
      std::chrono::system_clock::time_point after) const;

 private:
  // Bit i of each mask is the value i of its field (days of month 1-31,
  // months 1-12, weekdays 0-6 with 0 = Sunday: the C++ encoding, not AWS's).
  std::uint64_t minutes_ = 0;
  std::uint32_t hours_ = 0;
  std::uint16_t months_ = 0;
  std::bitset<kLastYear - kFirstYear + 1> years_;

  bool day_of_month_any_ = false;       // "?"
  std::uint32_t days_ = 0;              // 1-31, ranges, steps
  std::uint32_t from_last_day_ = 0;     // bit n: "L-n" (bit 0: "L")
  std::uint32_t nearest_weekday_ = 0;   // bit d: "dW"
  bool last_weekday_of_month_ = false;  // "LW"

  bool day_of_week_any_ = false;      // "?"
  std::uint8_t weekdays_ = 0;         // SUN-SAT, ranges, steps, "L" (= SAT)
  std::uint8_t last_of_weekday_ = 0;  // bit w: "nL", the last weekday w of the month
  std::uint8_t nth_weekday_[6] = {};  // [k] bit w: "n#k", the k-th weekday w

  // Days 1-31 of the given month that match both day fields, as bits.
  std::uint32_t DaysOf(std::chrono::year_month month) const;
};

}  // namespace lambda_emu::invoke
