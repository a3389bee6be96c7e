#include "invoke/schedules.h"

#include <spdlog/spdlog.h>

#include <iomanip>

#include "common/json_check.h"
#include "events/values.h"
#include "invoke/async_queue.h"
#include "invoke/invocation_record.h"
#include "pool/ids.h"

namespace lambda_emu::invoke {

using nlohmann::json;

namespace {

std::int64_t EpochMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string Text(const json& properties, const char* key) {
  const json& v = properties.value(key, json());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return {};
}

}  // namespace

Schedules::Schedules(boost::asio::io_context& io, AsyncQueue& queue, std::string region,
                     std::string account_id)
    : io_(io), queue_(queue), region_(std::move(region)), account_id_(std::move(account_id)) {}

Schedules::~Schedules() {
  *alive_ = false;
  Stop();
}

Result<std::vector<Schedule>> Schedules::Build(
    const std::vector<config::FunctionConfig>& functions) {
  std::vector<Schedule> out;
  for (const auto& f : functions) {
    for (const auto& event : f.events) {
      json p = json::parse(event.properties, nullptr, false);
      if (!p.is_object()) p = json::object();
      // An EventBridgeRule event is a schedule when it names one (a rule has
      // a ScheduleExpression or an event Pattern); a pattern is not emulated.
      const bool rule_schedule = event.type == "EventBridgeRule" &&
                                 (p.contains("ScheduleExpression") || p.contains("Schedule"));
      if (event.type != "Schedule" && event.type != "ScheduleV2" && !rule_schedule) continue;
      const std::string where = f.name + ": Events." + event.name;
      Schedule s;
      s.event = event.name;
      s.function = f.name;
      s.function_ids = f.aliases;
      s.function_ids.push_back(f.name);
      s.qualifier = f.auto_publish_alias;
      s.type = event.type == "ScheduleV2" ? "ScheduleV2" : "Schedule";
      const bool v2 = event.type == "ScheduleV2";
      std::string text = Text(p, v2 ? "ScheduleExpression" : "Schedule");
      if (text.empty() && rule_schedule) text = Text(p, "ScheduleExpression");
      if (text.empty()) {
        return Status::Error(where + ": " + (v2 ? "ScheduleExpression" : "Schedule") +
                             " is required");
      }
      auto parsed = ScheduleExpression::Parse(text, Text(p, "ScheduleExpressionTimezone"));
      if (!parsed.ok()) return Status::Error(where + ": " + parsed.status().message());
      s.expression = std::move(*parsed);
      s.name = Text(p, "Name");
      if (s.name.empty()) s.name = Text(p, "RuleName");
      if (s.name.empty()) s.name = event.name;
      if (p.contains("Input")) {
        s.input = Text(p, "Input");
        if (!p["Input"].is_string()) s.input = p["Input"].dump();
        if (auto error = JsonError(s.input)) {
          return Status::Error(where + ".Input: not JSON: " + *error);
        }
      }
      const std::string state = Text(p, "State");
      if (p.value("Enabled", json(true)) == json(false) || state == "DISABLED") s.enabled = false;
      out.push_back(std::move(s));
    }
  }
  return out;
}

void Schedules::Apply(std::vector<Schedule> schedules, bool running) {
  Stop();
  schedules_.clear();
  running_ = running;
  const SystemTime now = std::chrono::system_clock::now();
  for (auto& s : schedules) {
    auto r = std::make_unique<Running>();
    r->schedule = std::move(s);
    r->anchor = now;
    r->next = r->schedule.expression->NextAfter(now, now);
    r->timer = std::make_unique<boost::asio::steady_timer>(io_);
    if (running_ && r->schedule.enabled) Arm(*r);
    schedules_.push_back(std::move(r));
  }
}

void Schedules::Stop() {
  for (auto& r : schedules_) r->timer->cancel();
}

void Schedules::Arm(Running& r) {
  if (!r.next) return;
  const auto wait = *r.next - std::chrono::system_clock::now();
  r.timer->expires_after(
      std::max(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait),
               std::chrono::steady_clock::duration::zero()));
  std::weak_ptr<bool> alive = alive_;
  Running* running = &r;
  r.timer->async_wait([this, alive, running](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    const SystemTime at = *running->next;
    Queue(*running, at, pool::NewRequestId());
    running->next = running->schedule.expression->NextAfter(at, running->anchor);
    Arm(*running);
  });
}

std::string Schedules::Payload(const Running& r, SystemTime at) const {
  if (!r.schedule.input.empty()) return r.schedule.input;
  const bool v2 = r.schedule.type == "ScheduleV2";
  // EventBridge's scheduled event; EventBridge Scheduler's schedules are
  // named under their group ("default").
  const std::string resource =
      v2 ? "arn:aws:scheduler:" + region_ + ":" + account_id_ + ":schedule/default/" +
               r.schedule.name
         : "arn:aws:events:" + region_ + ":" + account_id_ + ":rule/" + r.schedule.name;
  // In the order EventBridge sends them (a plain json object sorts its keys).
  nlohmann::ordered_json event;
  event["version"] = "0";
  event["id"] = pool::NewRequestId();
  event["detail-type"] = "Scheduled Event";
  event["source"] = v2 ? "aws.scheduler" : "aws.events";
  event["account"] = account_id_;
  event["time"] = events::IsoTimeSeconds(EpochMs(at));
  event["region"] = region_;
  event["resources"] = nlohmann::ordered_json::array({resource});
  event["detail"] = nlohmann::ordered_json::object();
  return event.dump();
}

void Schedules::Queue(Running& r, SystemTime at, std::string request_id,
                      std::function<void(Status)> stored) {
  ++r.fired;
  NewEvent event;
  event.request_id = request_id;
  event.function = r.schedule.function;
  event.qualifier = r.schedule.qualifier;
  event.payload = Payload(r, at);
  event.trace_id = pool::NewTraceId();
  spdlog::info("schedule {}: {} queued for {} ({})", r.schedule.name, request_id,
               r.schedule.function, r.schedule.expression->text());
  const std::string name = r.schedule.name;
  queue_.Accept(std::move(event), [name, stored = std::move(stored)](Status status) {
    if (!status.ok()) spdlog::error("schedule {}: not queued: {}", name, status.message());
    if (stored) stored(std::move(status));
  });
}

Schedules::Running* Schedules::Lookup(const std::string& name) {
  for (const auto& r : schedules_) {
    if (r->schedule.name == name) return r.get();
  }
  for (const auto& r : schedules_) {
    if (r->schedule.event == name) return r.get();
  }
  for (const auto& r : schedules_) {
    if (r->schedule.function + "." + r->schedule.event == name) return r.get();
  }
  // The rule's logical id SAM generates: the function's logical id and the
  // event's key, e.g. "WorkerTick".
  for (const auto& r : schedules_) {
    for (const auto& id : r->schedule.function_ids) {
      if (id + r->schedule.event == name) return r.get();
    }
  }
  return nullptr;
}

Result<Schedules::Fired> Schedules::Fire(const std::string& name,
                                         std::function<void(Status)> stored) {
  Running* found = Lookup(name);
  if (!found) {
    std::string names;
    for (const auto& r : schedules_) names += (names.empty() ? "" : ", ") + r->schedule.name;
    return Status::Error("no schedule named " + name +
                         (names.empty() ? "; the project has none" : "; there are: " + names));
  }
  Running& r = *found;
  Fired fired{pool::NewRequestId(), r.schedule.name};
  Queue(r, std::chrono::system_clock::now(), fired.request_id, std::move(stored));
  return fired;
}

json Schedules::Snapshot() const {
  json list = json::array();
  for (const auto& r : schedules_) {
    const Schedule& s = r->schedule;
    const bool fires = running_ && s.enabled && r->next;
    list.push_back({
        {"Name", s.name},
        {"Event", s.event},
        {"FunctionName", s.function},
        {"Qualifier", s.qualifier.empty() ? "$LATEST" : s.qualifier},
        {"Type", s.type},
        {"ScheduleExpression", s.expression->text()},
        {"ScheduleExpressionTimezone", s.expression->time_zone()},
        {"State", s.enabled ? "ENABLED" : "DISABLED"},
        {"NextFiring", fires ? json(events::IsoTimeSeconds(EpochMs(*r->next))) : json(nullptr)},
        {"Fired", r->fired},
    });
  }
  return {{"Running", running_}, {"Schedules", std::move(list)}};
}

void Schedules::PrintBanner(std::ostream& out) const {
  if (schedules_.empty()) return;
  out << "  schedules"
      << (running_ ? "" : " (--schedules off: fire with POST /_emu/schedules/NAME/fire)") << ":\n";
  for (const auto& r : schedules_) {
    const Schedule& s = r->schedule;
    out << "    " << s.name << "  " << s.expression->text();
    if (!s.expression->time_zone().empty()) out << " " << s.expression->time_zone();
    out << " -> " << s.function << (s.qualifier.empty() ? "" : ":" + s.qualifier);
    if (!s.enabled) {
      out << "  (disabled)";
    } else if (!r->next) {
      out << "  (never fires again)";
    } else if (running_) {
      out << "  next " << events::IsoTimeSeconds(EpochMs(*r->next));
    }
    out << "\n";
  }
}

}  // namespace lambda_emu::invoke
