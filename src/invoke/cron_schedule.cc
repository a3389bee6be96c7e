#include "invoke/cron_schedule.h"

#include <array>
#include <bit>
#include <cctype>
#include <string>
#include <vector>

namespace lambda_emu::invoke {
namespace {

using std::chrono::system_clock;

// The values one field item selects, indexed by value - min (at most the 230
// years of the year field).
using ValueSet = std::bitset<256>;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const std::array<const char*, 12>* names;  // names[i] is value min + i
  bool wraps;    // "FRI-MON", "22-2": Quartz ranges run over the end of the field
  int max_step;  // Quartz's bound; AWS refuses cron(*/60 * * * ? *)
};

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI",
                                                   "SAT", "",    "",    "",    "",    ""};

constexpr FieldSpec kMinutes{"minutes", 0, 59, nullptr, true, 59};
constexpr FieldSpec kHours{"hours", 0, 23, nullptr, true, 23};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, nullptr, true, 31};
constexpr FieldSpec kMonth{"month", 1, 12, &kMonthNames, true, 12};
constexpr FieldSpec kDayOfWeek{"day-of-week", 1, 7, &kDayNames, true, 7};
constexpr FieldSpec kYear{"year",
                          CronSchedule::kFirstYear,
                          CronSchedule::kLastYear,
                          nullptr,
                          false,
                          CronSchedule::kLastYear - CronSchedule::kFirstYear};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Digits only (no sign, no spaces); nullopt past 9 digits rather than overflow.
std::optional<int> Number(std::string_view s) {
  if (!AllDigits(s) || s.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : s) value = value * 10 + (c - '0');
  return value;
}

Status ItemError(const FieldSpec& spec, std::string_view item, const std::string& problem) {
  return Status::Error(std::string(spec.name) + " '" + std::string(item) + "': " + problem);
}

std::string RangeText(const FieldSpec& spec) {
  std::string text = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  if (spec.names == &kMonthNames) text += " or JAN-DEC";
  if (spec.names == &kDayNames) text += " or SUN-SAT (1 = SUN)";
  return text;
}

// One value of the field: a number in range or (month, day-of-week) a name.
Result<int> Value(const FieldSpec& spec, std::string_view item, std::string_view token) {
  if (token.empty()) return ItemError(spec, item, "a value is missing");
  if (spec.names != nullptr && std::isalpha(static_cast<unsigned char>(token[0]))) {
    std::string upper = Upper(token);
    for (std::size_t i = 0; i < spec.names->size(); ++i) {
      if (upper == (*spec.names)[i]) return spec.min + static_cast<int>(i);
    }
    return ItemError(spec, item,
                     "'" + std::string(token) + "' is not a name; use " + RangeText(spec));
  }
  std::optional<int> value = Number(token);
  if (!value) {
    return ItemError(spec, item, "'" + std::string(token) + "' is not a number");
  }
  if (*value < spec.min || *value > spec.max) {
    return ItemError(spec, item, std::to_string(*value) + " is out of range " + RangeText(spec));
  }
  return *value;
}

// "*", "v", "a-b", each optionally followed by "/step" ("v/step" runs to the
// end of the field, as in Quartz). Adds the values to `set`.
Status AddRangeItem(const FieldSpec& spec, std::string_view item, ValueSet& set) {
  std::vector<std::string_view> slash = Split(item, '/');
  if (slash.size() > 2) return ItemError(spec, item, "more than one '/'");
  std::string_view base = slash[0];
  const int span = spec.max - spec.min + 1;
  int step = 1;
  if (slash.size() == 2) {
    std::optional<int> parsed = Number(slash[1]);
    if (!parsed || *parsed < 1 || *parsed > spec.max_step) {
      return ItemError(
          spec, item,
          "the step after '/' must be a whole number from 1 to " + std::to_string(spec.max_step));
    }
    step = *parsed;
  }
  int first = spec.min;
  int last = spec.max;
  if (base == "*") {
    // every value, from the start of the field
  } else if (std::size_t dash = base.find('-'); dash != std::string_view::npos) {
    Result<int> low = Value(spec, item, base.substr(0, dash));
    if (!low.ok()) return low.status();
    Result<int> high = Value(spec, item, base.substr(dash + 1));
    if (!high.ok()) return high.status();
    first = *low;
    last = *high;
    if (first > last && !spec.wraps) {
      return ItemError(spec, item, "the range runs backwards");
    }
  } else {
    Result<int> value = Value(spec, item, base);
    if (!value.ok()) return value.status();
    first = *value;
    last = slash.size() == 2 ? spec.max : *value;
  }
  // A wrapping range (last < first) continues from the field's minimum.
  const int count = (last - first + span) % span;
  for (int offset = 0; offset <= count; offset += step) {
    set.set(static_cast<std::size_t>((first - spec.min + offset) % span));
  }
  return Status::Ok();
}

Status ParseSimpleField(const FieldSpec& spec, std::string_view field, ValueSet& set) {
  for (std::string_view item : Split(field, ',')) {
    if (item.empty()) return ItemError(spec, field, "an empty item in the list");
    if (item.find('?') != std::string_view::npos) {
      return ItemError(spec, item, "'?' is only allowed in day-of-month and day-of-week");
    }
    Status status = AddRangeItem(spec, item, set);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

std::uint64_t Bits(const ValueSet& set, int min) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 64 && i < set.size(); ++i) {
    if (set.test(i)) bits |= std::uint64_t{1} << (i + static_cast<std::size_t>(min));
  }
  return bits;
}

// First set bit of `mask` at or after `from`, or -1.
int NextBit(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  std::uint64_t rest = mask >> from;
  return rest == 0 ? -1 : from + std::countr_zero(rest);
}

// Weekday of `day` in a month whose first day is `first` (0 = Sunday).
unsigned WeekdayOf(unsigned first, unsigned day) { return (first + day - 1) % 7; }

// Quartz's "dW": the weekday nearest to day d, never leaving the month (the
// 1st on a Saturday gives Monday the 3rd; the last day on a Sunday gives the
// Friday before).
unsigned NearestWeekday(unsigned first, unsigned day, unsigned days_in_month) {
  unsigned weekday = WeekdayOf(first, day);
  if (weekday == 6) return day > 1 ? day - 1 : day + 2;
  if (weekday == 0) return day < days_in_month ? day + 1 : day - 2;
  return day;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 6) {
    return Status::Error(
        "expected 6 fields (minutes hours day-of-month month day-of-week year), got " +
        std::to_string(fields.size()));
  }
  CronSchedule cron;
  ValueSet set;
  Status status = ParseSimpleField(kMinutes, fields[0], set);
  if (!status.ok()) return status;
  cron.minutes_ = Bits(set, kMinutes.min);

  set.reset();
  if (status = ParseSimpleField(kHours, fields[1], set); !status.ok()) return status;
  cron.hours_ = static_cast<std::uint32_t>(Bits(set, kHours.min));

  set.reset();
  if (status = ParseSimpleField(kMonth, fields[3], set); !status.ok()) return status;
  cron.months_ = static_cast<std::uint16_t>(Bits(set, kMonth.min));

  set.reset();
  if (status = ParseSimpleField(kYear, fields[5], set); !status.ok()) return status;
  for (std::size_t y = 0; y < cron.years_.size(); ++y) cron.years_[y] = set.test(y);

  const std::string_view day_of_month = fields[2];
  const std::string_view day_of_week = fields[4];
  cron.day_of_month_any_ = day_of_month == "?";
  cron.day_of_week_any_ = day_of_week == "?";
  if (cron.day_of_month_any_ && cron.day_of_week_any_) {
    return Status::Error("day-of-month and day-of-week cannot both be ?; give one of them a value");
  }
  if (!cron.day_of_month_any_ && !cron.day_of_week_any_) {
    return Status::Error("day-of-month and day-of-week cannot both be specified; use ? in one");
  }

  if (!cron.day_of_month_any_) {
    const FieldSpec& spec = kDayOfMonth;
    set.reset();
    for (std::string_view item : Split(day_of_month, ',')) {
      const std::string upper = Upper(item);
      if (item.empty()) return ItemError(spec, day_of_month, "an empty item in the list");
      if (upper.find('?') != std::string::npos) {
        return ItemError(spec, day_of_month, "'?' must be the whole field");
      }
      if (upper == "L") {
        cron.from_last_day_ |= 1u;
      } else if (upper == "LW") {
        cron.last_weekday_of_month_ = true;
      } else if (upper.rfind("L-", 0) == 0) {
        std::optional<int> offset = Number(std::string_view(upper).substr(2));
        if (!offset || *offset > 30) {
          return ItemError(spec, item, "L-n needs n from 0 to 30 (days before the last day)");
        }
        cron.from_last_day_ |= 1u << *offset;
      } else if (upper.size() > 1 && upper.back() == 'W') {
        std::string_view day = std::string_view(upper).substr(0, upper.size() - 1);
        if (!AllDigits(day)) {
          return ItemError(spec, item, "W follows a single day (15W) or L (LW)");
        }
        Result<int> value = Value(spec, item, day);
        if (!value.ok()) return value.status();
        cron.nearest_weekday_ |= 1u << *value;
      } else if (upper.find_first_of("LW#") != std::string::npos) {
        return ItemError(spec, item, "day-of-month allows L, L-n, nW and LW; # is for day-of-week");
      } else if (status = AddRangeItem(spec, item, set); !status.ok()) {
        return status;
      }
    }
    cron.days_ = static_cast<std::uint32_t>(Bits(set, spec.min));
  }

  if (!cron.day_of_week_any_) {
    const FieldSpec& spec = kDayOfWeek;
    set.reset();
    for (std::string_view item : Split(day_of_week, ',')) {
      const std::string upper = Upper(item);
      if (item.empty()) return ItemError(spec, day_of_week, "an empty item in the list");
      if (upper.find('?') != std::string::npos) {
        return ItemError(spec, day_of_week, "'?' must be the whole field");
      }
      if (std::size_t hash = upper.find('#'); hash != std::string::npos) {
        Result<int> weekday = Value(spec, item, std::string_view(upper).substr(0, hash));
        if (!weekday.ok()) return weekday.status();
        std::optional<int> nth = Number(std::string_view(upper).substr(hash + 1));
        if (!nth || *nth < 1 || *nth > 5) {
          return ItemError(spec, item, "the number after # must be 1 to 5 (3#2: second TUE)");
        }
        cron.nth_weekday_[*nth] |= static_cast<std::uint8_t>(1u << (*weekday - 1));
      } else if (upper == "L") {
        // Quartz: "L" alone is the last day of the week, Saturday.
        set.set(static_cast<std::size_t>(7 - spec.min));
      } else if (upper.size() > 1 && upper.back() == 'L') {
        Result<int> weekday =
            Value(spec, item, std::string_view(upper).substr(0, upper.size() - 1));
        if (!weekday.ok()) return weekday.status();
        cron.last_of_weekday_ |= static_cast<std::uint8_t>(1u << (*weekday - 1));
      } else if (upper.find_first_of("LW") != std::string::npos &&
                 !std::isalpha(static_cast<unsigned char>(upper[0]))) {
        return ItemError(spec, item, "day-of-week allows L, nL and n#k; W is for day-of-month");
      } else if (status = AddRangeItem(spec, item, set); !status.ok()) {
        return status;
      }
    }
    // AWS numbers the week 1 = SUN .. 7 = SAT; the masks use 0 = Sunday.
    cron.weekdays_ = static_cast<std::uint8_t>(Bits(set, 0));
  }
  return cron;
}

std::uint32_t CronSchedule::DaysOf(std::chrono::year_month month) const {
  using namespace std::chrono;
  const unsigned days_in_month = static_cast<unsigned>((month / last).day());
  const unsigned first = weekday(sys_days(month / 1)).c_encoding();
  const unsigned last_weekday = WeekdayOf(first, days_in_month);
  std::uint32_t mask = 0;
  if (!day_of_month_any_) {
    mask |= days_;
    for (unsigned n = 0; n < days_in_month; ++n) {
      if (from_last_day_ & (1u << n)) mask |= 1u << (days_in_month - n);
    }
    for (unsigned day = 1; day <= days_in_month; ++day) {
      if (nearest_weekday_ & (1u << day)) {
        mask |= 1u << NearestWeekday(first, day, days_in_month);
      }
    }
    if (last_weekday_of_month_) {
      unsigned day = days_in_month;
      if (last_weekday == 6) day -= 1;
      if (last_weekday == 0) day -= 2;
      mask |= 1u << day;
    }
  }
  if (!day_of_week_any_) {
    for (unsigned day = 1; day <= days_in_month; ++day) {
      if (weekdays_ & (1u << WeekdayOf(first, day))) mask |= 1u << day;
    }
    for (unsigned w = 0; w < 7; ++w) {
      if (last_of_weekday_ & (1u << w)) {
        mask |= 1u << (days_in_month - (last_weekday + 7 - w) % 7);
      }
      for (unsigned nth = 1; nth <= 5; ++nth) {
        if ((nth_weekday_[nth] & (1u << w)) == 0) continue;
        unsigned day = 1 + (w + 7 - first) % 7 + 7 * (nth - 1);
        if (day <= days_in_month) mask |= 1u << day;
      }
    }
  }
  // Days past the month's end (31 in April) never match.
  const std::uint32_t valid = ((std::uint32_t{1} << days_in_month) - 1) << 1;
  return mask & valid;
}

std::optional<system_clock::time_point> CronSchedule::NextAfter(
    system_clock::time_point after) const {
  using namespace std::chrono;
  // The first candidate: the next whole minute.
  sys_time<minutes> start = floor<minutes>(after) + minutes(1);
  sys_days start_day = floor<days>(start);
  year_month_day date(start_day);
  hh_mm_ss<minutes> time(start - start_day);
  if (static_cast<int>(date.year()) > kLastYear) return std::nullopt;
  // `exact` stays true while every field chosen so far equals the start's,
  // so the next field has to begin at the start's value; once a field moves
  // past it, the later fields begin at their minimum.
  bool exact = true;
  if (static_cast<int>(date.year()) < kFirstYear) {
    date = year(kFirstYear) / 1 / 1;
    exact = false;
  }
  for (int y = static_cast<int>(date.year()); y <= kLastYear; ++y, exact = false) {
    if (!years_.test(static_cast<std::size_t>(y - kFirstYear))) continue;
    int month_from = exact ? static_cast<int>(static_cast<unsigned>(date.month())) : 1;
    for (int m = NextBit(months_, month_from); m != -1 && m <= 12;
         m = NextBit(months_, m + 1), exact = false) {
      exact = exact && m == month_from;
      std::uint32_t days_mask = DaysOf(year(y) / month(static_cast<unsigned>(m)));
      int day_from = exact ? static_cast<int>(static_cast<unsigned>(date.day())) : 1;
      for (int d = NextBit(days_mask, day_from); d != -1;
           d = NextBit(days_mask, d + 1), exact = false) {
        exact = exact && d == day_from;
        int hour_from = exact ? static_cast<int>(time.hours().count()) : 0;
        for (int h = NextBit(hours_, hour_from); h != -1;
             h = NextBit(hours_, h + 1), exact = false) {
          exact = exact && h == hour_from;
          int minute_from = exact ? static_cast<int>(time.minutes().count()) : 0;
          int minute = NextBit(minutes_, minute_from);
          if (minute == -1) continue;
          sys_days day = year(y) / month(static_cast<unsigned>(m)) / static_cast<unsigned>(d);
          return day + hours(h) + minutes(minute);
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace lambda_emu::invoke
