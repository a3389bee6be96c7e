// What AsyncQueue shows: GET /_emu/async (each function's queue), GET
// /_emu/async/records (what was kept in the state directory) and its part
// of GET /metrics, named as CloudWatch names asynchronous invocation's
// metrics (AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped,
// DestinationDeliveryFailures, DeadLetterErrors).

#include <set>

#include "events/values.h"
#include "invoke/async_queue.h"
#include "invoke/invocation_record.h"
#include "metrics/prometheus.h"

namespace lambda_emu::invoke {

using nlohmann::json;

json AsyncQueue::Snapshot() const {
  const std::int64_t now = events::NowMillis();
  struct Queue {
    int queued = 0;
    int in_flight = 0;
    std::int64_t oldest_ms = 0;
    json retrying = json::array();
  };
  std::map<std::string, Queue> queues;
  for (const auto& [id, event] : live_) {
    Queue& q = queues[event->stored.function];
    ++q.queued;
    if (event->in_flight) ++q.in_flight;
    if (q.oldest_ms == 0 || event->stored.accepted_ms < q.oldest_ms) {
      q.oldest_ms = event->stored.accepted_ms;
    }
  }
  for (const auto& [due, event] : delayed_) {
    queues[event->stored.function].retrying.push_back({
        {"RequestId", event->stored.id},
        {"Qualifier", event->stored.qualifier.empty() ? "$LATEST" : event->stored.qualifier},
        {"ApproximateInvokeCount", event->stored.attempts},
        {"NextAttemptAt", events::IsoTimeMillis(due)},
        {"NextAttemptInMs", std::max<std::int64_t>(due - now, 0)},
    });
  }
  std::set<std::string> names;
  for (const auto& [name, _] : stats_) names.insert(name);
  for (const auto& [name, _] : queues) names.insert(name);
  std::set<std::string> throttled;
  for (const auto& [_, lane] : lanes_) {
    if (lane.waiting) throttled.insert(lane.function);
  }
  json functions = json::array();
  for (const std::string& name : names) {
    static const Stats kNone;
    static const Queue kEmpty;
    auto s = stats_.find(name);
    const Stats& st = s == stats_.end() ? kNone : s->second;
    auto q = queues.find(name);
    const Queue& queue = q == queues.end() ? kEmpty : q->second;
    functions.push_back({
        {"FunctionName", name},
        {"Queued", queue.queued},
        {"InFlight", queue.in_flight},
        {"OldestEventAgeMs", queue.oldest_ms == 0 ? 0 : now - queue.oldest_ms},
        {"Throttled", throttled.count(name) > 0},
        {"WaitingForRetry", queue.retrying.size()},
        {"Retrying", queue.retrying},
        {"AsyncEventsReceived", st.received},
        {"AsyncEventsDropped", st.dropped},
        {"Succeeded", st.succeeded},
        {"DeadLettered", st.dead_lettered},
        {"DestinationDeliveryFailures", st.delivery_failures},
        {"DeadLetterErrors", st.dead_letter_errors},
        {"AsyncEventAge", {{"count", st.age.count()}, {"sumMs", st.age.sum()}}},
    });
  }
  json retry_delays = json::array();
  for (auto d : options_.retry_delays)
    retry_delays.push_back(static_cast<double>(d.count()) / 1000);
  return {
      {"Durable", !store_.ephemeral()},     {"RetryDelaysSeconds", retry_delays},
      {"SendsToAws", has_service_sender()}, {"Functions", functions},
      {"StoredRecords", records_.size()},
  };
}

nlohmann::ordered_json AsyncQueue::Records(std::string_view destination) const {
  using ordered = nlohmann::ordered_json;
  ordered out = ordered::array();
  for (const auto& r : records_) {
    if (!destination.empty() && r.destination != destination) continue;
    ordered body = ordered::parse(r.body, nullptr, false);
    if (body.is_discarded()) body = r.body;
    ordered record;
    record["Seq"] = r.seq;
    record["Kind"] = r.kind;
    record["Destination"] = r.destination;
    record["FunctionName"] = r.function;
    record["RequestId"] = r.request_id;
    record["Condition"] = r.condition;
    record["CreatedAt"] = events::IsoTimeMillis(r.created_ms);
    record["Reason"] = r.reason;
    record["Body"] = std::move(body);
    out.push_back(std::move(record));
  }
  ordered result;
  result["Records"] = std::move(out);
  return result;
}

std::string AsyncQueue::RenderPrometheus() const {
  std::string out;
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t Stats::*field;
  };
  static const Counter kCounters[] = {
      {"lambda_emu_AsyncEventsReceived", "Events accepted for asynchronous invocation",
       &Stats::received},
      {"lambda_emu_AsyncEventsDropped",
       "Events dropped without a successful run (retries exhausted or too old)", &Stats::dropped},
      {"lambda_emu_DestinationDeliveryFailures",
       "Invocation records that could not be delivered to their destination",
       &Stats::delivery_failures},
      {"lambda_emu_DeadLetterErrors", "Events that could not be sent to the dead-letter queue",
       &Stats::dead_letter_errors},
  };
  for (const auto& c : kCounters) {
    metrics::Family(out, c.name, "counter", c.help);
    for (const auto& [name, st] : stats_) {
      metrics::Sample(out, c.name, "function=\"" + name + "\"", static_cast<double>(st.*c.field));
    }
  }
  metrics::Family(out, "lambda_emu_AsyncEventAge", "histogram",
                  "Milliseconds from an event's acceptance to each attempt to run it");
  for (const auto& [name, st] : stats_) {
    metrics::HistogramSamples(out, "lambda_emu_AsyncEventAge", "function=\"" + name + "\"", st.age);
  }
  std::map<std::string, int> depth;
  for (const auto& [id, event] : live_) ++depth[event->stored.function];
  metrics::Family(out, "lambda_emu_async_queue_depth", "gauge",
                  "Events accepted and not finished (queued, running or waiting for a retry)");
  for (const auto& [name, _] : stats_) depth.try_emplace(name, 0);
  for (const auto& [name, n] : depth) {
    metrics::Sample(out, "lambda_emu_async_queue_depth", "function=\"" + name + "\"", n);
  }
  return out;
}

}  // namespace lambda_emu::invoke
