#pragma once
// ScheduleExpression: one EventBridge schedule expression, parsed:
// "rate(5 minutes)", "cron(0 12 * * ? *)" (EventBridge rules and Scheduler)
// or "at(2026-12-01T10:00:00)" (Scheduler's one-time schedules). Parse
// enforces AWS's rules and explains a rejection by naming the expression and
// the part at fault; NextAfter answers when it fires next. All times are UTC
// (see docs/async/schedules.md for what that means against AWS's
// ScheduleExpressionTimezone).
//
// A plain value with no clock of its own: the scheduler owns one per
// schedule, and says what "now" and the schedule's start are. Copy freely;
// const methods are safe from any number of threads.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "invoke/cron_schedule.h"
#include "lambda_emu/status.h"

namespace lambda_emu::invoke {

using SystemTime = std::chrono::system_clock::time_point;

class ScheduleExpression {
 public:
  enum class Kind { kRate, kCron, kAt };

  // "rate(5 minutes)", "cron(0 12 * * ? *)", "at(2026-12-01T10:00:00)". A bad
  // expression is an error whose message says what is wrong and where, e.g.
  // "cron(0 12 * * * *): day-of-month and day-of-week cannot both be
  // specified; use ? in one".
  static Result<ScheduleExpression> Parse(std::string_view text);

  // The first firing strictly after `after`, or nullopt when there is none
  // (an at() in the past, a cron whose years are over). `anchor` is when the
  // schedule started: a rate fires at anchor + k * period for k >= 0, so a
  // schedule whose anchor is still ahead fires first at the anchor itself.
  // cron and at ignore it. All times UTC.
  std::optional<SystemTime> NextAfter(SystemTime after, SystemTime anchor) const;

  const std::string& text() const { return text_; }  // as given
  Kind kind() const { return kind_; }

  // rate(): the period. Zero for cron and at.
  std::chrono::minutes rate_period() const { return rate_period_; }
  // at(): the one firing time. The epoch for rate and cron.
  SystemTime at_time() const { return at_time_; }

 private:
  ScheduleExpression() = default;

  std::string text_;
  Kind kind_ = Kind::kRate;
  std::chrono::minutes rate_period_{0};
  SystemTime at_time_{};
  CronSchedule cron_;
};

}  // namespace lambda_emu::invoke
