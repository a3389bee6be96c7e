#include "invoke/schedule_expression.h"

#include <date/tz.h>

#include <cctype>
#include <exception>
#include <utility>
#include <vector>

namespace lambda_emu::invoke {
namespace {

using std::chrono::minutes;

// AWS sets no upper bound on a rate; ours keeps anchor + k * period far from
// the limits of system_clock (nanoseconds, about 292 years each way).
constexpr long long kMaxRateMinutes = 36500LL * 24 * 60;  // 100 years

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int Digits(std::string_view s) {
  int value = 0;
  for (char c : s) value = value * 10 + (c - '0');
  return value;
}

// The part between "name(" and the final ")", or nullopt when `text` is not
// written that way.
std::optional<std::string_view> Inside(std::string_view text, std::string_view name) {
  if (text.size() < name.size() + 1 || text.substr(0, name.size()) != name ||
      text[name.size()] != '(') {
    return std::nullopt;
  }
  std::string_view rest = text.substr(name.size() + 1);
  if (rest.empty() || rest.back() != ')') return std::nullopt;
  rest.remove_suffix(1);
  return rest;
}

Result<minutes> ParseRate(std::string_view inside) {
  std::vector<std::string_view> words = Words(inside);
  if (words.size() != 2) {
    return Status::Error("expected a value and a unit, as in rate(5 minutes)");
  }
  std::string_view value_text = words[0];
  std::string_view unit = words[1];
  if (!AllDigits(value_text) || value_text.size() > 9 || Digits(value_text) == 0) {
    return Status::Error("the value '" + std::string(value_text) +
                         "' must be a positive whole number");
  }
  const long long value = Digits(value_text);
  long long unit_minutes = 0;
  bool plural = false;
  if (unit == "minute" || unit == "minutes") {
    unit_minutes = 1;
  } else if (unit == "hour" || unit == "hours") {
    unit_minutes = 60;
  } else if (unit == "day" || unit == "days") {
    unit_minutes = 24 * 60;
  } else {
    return Status::Error("the unit '" + std::string(unit) +
                         "' must be minute, minutes, hour, hours, day or days");
  }
  plural = unit.back() == 's';
  std::string singular(unit.substr(0, plural ? unit.size() - 1 : unit.size()));
  if (value == 1 && plural) {
    return Status::Error("a value of 1 takes the singular unit: rate(1 " + singular + ")");
  }
  if (value > 1 && !plural) {
    return Status::Error("a value above 1 takes the plural unit: rate(" + std::string(value_text) +
                         " " + singular + "s)");
  }
  if (value * unit_minutes > kMaxRateMinutes) {
    return Status::Error("the period is longer than lambda-emu supports (100 years)");
  }
  return minutes(value * unit_minutes);
}

// at(yyyy-mm-ddThh:mm:ss), read as UTC.
Result<SystemTime> ParseAt(std::string_view inside) {
  using namespace std::chrono;
  const std::string_view shape = "yyyy-mm-ddThh:mm:ss";
  bool matches = inside.size() == shape.size();
  for (std::size_t i = 0; matches && i < shape.size(); ++i) {
    const char want = shape[i];
    const bool digit = inside[i] >= '0' && inside[i] <= '9';
    matches = (want == '-' || want == ':' || want == 'T') ? inside[i] == want : digit;
  }
  if (!matches) {
    return Status::Error("expected at(yyyy-mm-ddThh:mm:ss), as in at(2026-12-01T10:00:00)");
  }
  const int y = Digits(inside.substr(0, 4));
  const int mo = Digits(inside.substr(5, 2));
  const int d = Digits(inside.substr(8, 2));
  const int h = Digits(inside.substr(11, 2));
  const int mi = Digits(inside.substr(14, 2));
  const int s = Digits(inside.substr(17, 2));
  if (y < CronSchedule::kFirstYear || y > CronSchedule::kLastYear) {
    return Status::Error("year " + std::to_string(y) + " is out of range 1970-2199");
  }
  if (mo < 1 || mo > 12) {
    return Status::Error("month " + std::string(inside.substr(5, 2)) + " is out of range 01-12");
  }
  year_month_day date = year(y) / month(static_cast<unsigned>(mo)) / static_cast<unsigned>(d);
  if (!date.ok()) {
    return Status::Error("day " + std::string(inside.substr(8, 2)) + " does not exist in " +
                         std::string(inside.substr(0, 7)));
  }
  if (h > 23 || mi > 59 || s > 59) {
    return Status::Error("time " + std::string(inside.substr(11, 8)) +
                         " is not a time of day (00:00:00 to 23:59:59)");
  }
  return SystemTime(sys_days(date) + hours(h) + minutes(mi) + seconds(s));
}

// A wall-clock time held in a system_clock time point (how CronSchedule and
// ParseAt compute) as the zone's local time, and back.
date::local_seconds AsLocal(std::chrono::sys_seconds wall) {
  return date::local_seconds(wall.time_since_epoch());
}
std::chrono::sys_seconds AsWall(date::local_seconds local) {
  return std::chrono::sys_seconds(local.time_since_epoch());
}

Result<const date::time_zone*> FindZone(std::string_view name) {
  // date's tz database throws when a name is unknown or zoneinfo is missing.
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    std::string message = "time zone '" + std::string(name) +
                          "' is not in the time zone database (an IANA name such as "
                          "Europe/London or America/New_York)";
    // Anything but an unknown name (no zoneinfo at all) is worth showing.
    if (std::string_view(e.what()).find("not found") == std::string_view::npos) {
      message += std::string(": ") + e.what();
    }
    return Status::Error(message);
  }
}

}  // namespace

Result<ScheduleExpression> ScheduleExpression::Parse(std::string_view text,
                                                     std::string_view time_zone) {
  Result<ScheduleExpression> parsed = ParseUtc(text);
  if (!parsed.ok() || time_zone.empty()) return parsed;
  Result<const date::time_zone*> zone = FindZone(time_zone);
  if (!zone.ok()) return zone.status();
  ScheduleExpression& expression = parsed.value();
  expression.time_zone_ = std::string(time_zone);
  expression.zone_ = *zone;
  if (expression.kind_ == Kind::kAt) {
    // A wall-clock time the clock skips (spring forward) is read as the
    // instant the clock jumps; a repeated one as its first occurrence.
    auto wall = std::chrono::floor<std::chrono::seconds>(expression.at_time_);
    expression.at_time_ = expression.zone_->to_sys(AsLocal(wall), date::choose::earliest);
  }
  return parsed;
}

Result<ScheduleExpression> ScheduleExpression::ParseUtc(std::string_view text) {
  // Surrounding white space (a YAML block scalar's newline) is forgiven.
  std::string_view body = Trim(text);
  if (body.empty()) {
    return Status::Error("the schedule expression is empty; use rate(...), cron(...) or at(...)");
  }
  const std::string prefix = std::string(body) + ": ";
  ScheduleExpression expression;
  expression.text_ = std::string(text);
  if (std::optional<std::string_view> inside = Inside(body, "rate")) {
    Result<minutes> period = ParseRate(*inside);
    if (!period.ok()) return Status::Error(prefix + period.status().message());
    expression.kind_ = Kind::kRate;
    expression.rate_period_ = *period;
    return expression;
  }
  if (std::optional<std::string_view> inside = Inside(body, "cron")) {
    Result<CronSchedule> cron = CronSchedule::Parse(*inside);
    if (!cron.ok()) return Status::Error(prefix + cron.status().message());
    expression.kind_ = Kind::kCron;
    expression.cron_ = std::move(cron).value();
    return expression;
  }
  if (std::optional<std::string_view> inside = Inside(body, "at")) {
    Result<SystemTime> at = ParseAt(*inside);
    if (!at.ok()) return Status::Error(prefix + at.status().message());
    expression.kind_ = Kind::kAt;
    expression.at_time_ = *at;
    return expression;
  }
  return Status::Error(prefix +
                       "a schedule expression is rate(value unit), cron(fields) or "
                       "at(yyyy-mm-ddThh:mm:ss), e.g. rate(5 minutes)");
}

std::optional<SystemTime> ScheduleExpression::NextAfter(SystemTime after, SystemTime anchor) const {
  switch (kind_) {
    case Kind::kRate: {
      if (after < anchor) return anchor;
      const SystemTime::duration period = rate_period_;
      const auto periods = (after - anchor) / period + 1;
      return anchor + periods * period;
    }
    case Kind::kCron:
      if (zone_ != nullptr) return NextCronInZone(after);
      return cron_.NextAfter(after);
    case Kind::kAt:
      if (at_time_ > after) return at_time_;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<SystemTime> ScheduleExpression::NextCronInZone(SystemTime after) const {
  using namespace std::chrono;
  // Search the zone's wall clock, then map each candidate back to an instant.
  SystemTime cursor = AsWall(zone_->to_local(floor<seconds>(after)));
  // Each pass moves the cursor on by at least a minute, and only candidates
  // inside a daylight-saving change come round again; the bound is a guard.
  for (int pass = 0; pass < 100000; ++pass) {
    std::optional<SystemTime> candidate = cron_.NextAfter(cursor);
    if (!candidate) return std::nullopt;
    cursor = *candidate;
    const date::local_seconds local = AsLocal(floor<seconds>(*candidate));
    const date::local_info info = zone_->get_info(local);
    // Skipped by the clock (spring forward): this time does not fire.
    if (info.result == date::local_info::nonexistent) continue;
    // Unique, or repeated (fall back) and then fired once, at the first
    // occurrence: a `after` inside the second pass has already seen it.
    const SystemTime instant = sys_seconds(local.time_since_epoch()) - info.first.offset;
    if (instant > after) return instant;
  }
  return std::nullopt;
}

}  // namespace lambda_emu::invoke
