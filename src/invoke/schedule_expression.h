#pragma once
// ScheduleExpression: one EventBridge schedule expression, parsed:
// "rate(5 minutes)", "cron(0 12 * * ? *)" (EventBridge rules and Scheduler)
// or "at(2026-12-01T10:00:00)" (Scheduler's one-time schedules). Parse
// enforces AWS's rules and explains a rejection by naming the expression and
// the part at fault; NextAfter answers when it fires next. Times are UTC
// unless Parse is given an IANA time zone (ScheduleV2's
// ScheduleExpressionTimezone): then cron and at read the wall clock of that
// zone, as EventBridge Scheduler does across daylight-saving changes (see
// docs/async/schedules.md).
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

namespace date {
class time_zone;
}

namespace lambda_emu::invoke {

using SystemTime = std::chrono::system_clock::time_point;

class ScheduleExpression {
 public:
  enum class Kind { kRate, kCron, kAt };

  // "rate(5 minutes)", "cron(0 12 * * ? *)", "at(2026-12-01T10:00:00)". A bad
  // expression is an error whose message says what is wrong and where, e.g.
  // "cron(0 12 * * * *): day-of-month and day-of-week cannot both be
  // specified; use ? in one".
  // `time_zone` is an IANA name ("Europe/London"); empty means UTC. It is
  // checked against the system's zoneinfo (tzdata); the first such call in a
  // process reads the list of zone names from /usr/share/zoneinfo.
  static Result<ScheduleExpression> Parse(std::string_view text, std::string_view time_zone = {});

  // The first firing strictly after `after`, or nullopt when there is none
  // (an at() in the past, a cron whose years are over). `anchor` is when the
  // schedule started: a rate fires at anchor + k * period for k >= 0, so a
  // schedule whose anchor is still ahead fires first at the anchor itself.
  // cron and at ignore it. `after`, `anchor` and the answer are instants
  // (system_clock); a time zone changes only how cron and at read them.
  // With a time zone, a cron time that the clock skips (spring forward) does
  // not fire, and one that it repeats (fall back) fires once, at its first
  // occurrence; rates are fixed durations (a day is 24 hours).
  std::optional<SystemTime> NextAfter(SystemTime after, SystemTime anchor) const;

  const std::string& text() const { return text_; }  // as given
  Kind kind() const { return kind_; }
  // The IANA name given to Parse; empty for UTC.
  const std::string& time_zone() const { return time_zone_; }

  // rate(): the period. Zero for cron and at.
  std::chrono::minutes rate_period() const { return rate_period_; }
  // at(): the one firing time (an instant, the zone applied). The epoch for
  // rate and cron.
  SystemTime at_time() const { return at_time_; }

 private:
  ScheduleExpression() = default;
  static Result<ScheduleExpression> ParseUtc(std::string_view text);
  std::optional<SystemTime> NextCronInZone(SystemTime after) const;

  std::string text_;
  std::string time_zone_;
  const date::time_zone* zone_ = nullptr;  // in the process-wide tz database; null: UTC
  Kind kind_ = Kind::kRate;
  std::chrono::minutes rate_period_{0};
  SystemTime at_time_{};
  CronSchedule cron_;
};

}  // namespace lambda_emu::invoke
