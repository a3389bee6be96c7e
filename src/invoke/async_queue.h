#pragma once
// AsyncQueue: asynchronous invocation (InvocationType Event, InvokeAsync,
// schedules). An accepted event is written to the EventStore before Accept
// reports success (so before the 202), then run by the function's pool like
// any invoke. Its outcome decides what follows, as on Lambda:
//   success                -> done; the OnSuccess destination gets the record
//   function error/timeout -> retried after the retry delays, up to
//                             MaximumRetryAttempts; then RetriesExhausted
//   throttled / 5xx        -> back in the queue with a growing backoff, not
//                             counted as an attempt, until the event is older
//                             than MaximumEventAgeInSeconds: EventAgeExceeded
// A failed event goes to the OnFailure destination and the dead-letter
// queue; only then is it deleted from the store (at-least-once: a crash in
// between runs it again). Events of one function and qualifier form a lane
// that runs at most a few at a time; a throttled lane waits, never drops.
//
// Destinations that are functions get the record as a new event of their
// own (in the same store transaction that deletes this one). SQS, SNS,
// EventBridge and S3 destinations go through the ServiceSender when one is
// set (--aws-endpoint-url), else they are kept as StoredRecords and listed
// by GET /_emu/async/records; a failed send is kept too. Owned by the
// server; io thread only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "invoke/async_policy.h"
#include "lambda_emu/status.h"
#include "metrics/function_metrics.h"
#include "state/event_store.h"

namespace lambda_emu::pool {
struct ServerSettings;
}
namespace lambda_emu::registry {
class FunctionRegistry;
}

namespace lambda_emu::invoke {

// A message for an SQS, SNS, EventBridge or S3 destination or DLQ.
struct ServiceMessage {
  struct Attribute {
    std::string name;
    std::string type;  // "String" or "Number"
    std::string value;
  };
  std::string arn;
  std::string body;
  std::vector<Attribute> attributes;   // SQS/SNS message attributes (DLQ)
  std::string detail_type;             // EventBridge
  std::vector<std::string> resources;  // EventBridge
  std::string object_key;              // S3
  std::string function_name;           // whose event it is
  std::string request_id;
  std::int64_t timestamp_ms = 0;
};
using ServiceSender = std::function<boost::asio::awaitable<Status>(ServiceMessage)>;

struct AsyncOptions {
  // Delay before each retry of a function error (Lambda: about 1, then 2
  // minutes); past the list's end its last value repeats.
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::seconds(60),
                                                      std::chrono::seconds(120)};
  // Attempts of one function and qualifier running at once (less when its
  // reserved concurrency is less).
  int lane_concurrency = 32;
  // Throttled or failed-to-start lanes wait this long, doubling up to the
  // maximum, before their next attempt.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
};

struct NewEvent {
  std::string request_id;
  std::string function;   // the function's name
  std::string qualifier;  // as invoked; "" for unqualified
  std::string payload;    // valid JSON
  std::string trace_id;
};

class AsyncQueue {
 public:
  using PolicyResolver =
      std::function<AsyncPolicy(const std::string& function, const std::string& qualifier)>;

  AsyncQueue(boost::asio::io_context& io, registry::FunctionRegistry& registry,
             state::EventStore& store, const pool::ServerSettings& settings, PolicyResolver policy,
             AsyncOptions options);
  ~AsyncQueue();

  void SetServiceSender(ServiceSender sender) { sender_ = std::move(sender); }
  bool has_service_sender() const { return static_cast<bool>(sender_); }

  // Start-up, before the io loop runs: every event the last run accepted and
  // did not finish is queued again (retries keep their times); kept records
  // are listed again.
  Status Recover();

  // Makes `event` durable, then queues it and calls `done` (on the io
  // thread) with Ok; an error (the disk) is reported and nothing is queued.
  void Accept(NewEvent event, std::function<void(Status)> done);

  // No more attempts (server shutdown); what is unfinished stays stored.
  void Stop();

  nlohmann::json Snapshot() const;  // GET /_emu/async
  // GET /_emu/async/records; ordered, so each Body keeps the key order it
  // would have been sent with.
  nlohmann::ordered_json Records(std::string_view destination) const;
  std::string RenderPrometheus() const;         // part of GET /metrics
  size_t size() const { return live_.size(); }  // events not finished
  // POST /_emu/reset: the counters and AsyncEventAge back to zero (the queue
  // itself is untouched).
  void ResetMetrics() {
    for (auto& [_, stats] : stats_) stats = Stats{};
  }

 private:
  struct Event {
    state::StoredEvent stored;
    bool in_flight = false;
  };
  using EventPtr = std::shared_ptr<Event>;
  struct Lane {
    std::string function;
    std::string qualifier;
    std::deque<EventPtr> ready;
    int in_flight = 0;
    int backoff_step = 0;  // throttled rounds in a row
    bool waiting = false;  // backing off: no attempts until the timer
    std::unique_ptr<boost::asio::steady_timer> backoff;
  };
  struct Stats {
    std::uint64_t received = 0;  // AsyncEventsReceived
    std::uint64_t dropped = 0;   // AsyncEventsDropped
    std::uint64_t succeeded = 0;
    std::uint64_t dead_lettered = 0;       // sent to (or kept for) the DLQ
    std::uint64_t delivery_failures = 0;   // DestinationDeliveryFailures
    std::uint64_t dead_letter_errors = 0;  // DeadLetterErrors
    metrics::Histogram age;                // AsyncEventAge, at each attempt
  };

  Lane& LaneOf(const std::string& function, const std::string& qualifier);
  void Enqueue(const EventPtr& event);
  void Pump(Lane& lane);
  void Attempt(Lane& lane, EventPtr event);
  void OnOutcome(Lane& lane, EventPtr event, int kind, std::string payload,
                 std::string executed_version);
  void BackOff(Lane& lane);
  void Delay(const EventPtr& event);
  void ArmDelayTimer();
  void OnDelayTimer();
  int LaneLimit(const Lane& lane) const;
  std::string QualifiedArn(const state::StoredEvent& event) const;
  boost::asio::awaitable<void> Finish(EventPtr event, std::string condition);
  // Sends (or keeps) one message; the references live in Finish's frame.
  boost::asio::awaitable<void> Deliver(const state::StoredEvent& event,
                                       const std::string& destination, const std::string& kind,
                                       const std::string& condition, const std::string& body,
                                       state::EventBatch& batch, std::vector<EventPtr>& new_events);

  boost::asio::io_context& io_;
  registry::FunctionRegistry& registry_;
  state::EventStore& store_;
  const pool::ServerSettings& settings_;
  PolicyResolver policy_;
  AsyncOptions options_;
  ServiceSender sender_;
  std::map<std::string, Lane> lanes_;               // by function + '\n' + qualifier
  std::unordered_map<std::string, EventPtr> live_;  // every unfinished event, by id
  std::multimap<std::int64_t, EventPtr> delayed_;   // retries, by due time (epoch ms)
  boost::asio::steady_timer delay_timer_;
  std::int64_t delay_armed_for_ = 0;
  std::uint64_t delay_generation_ = 0;
  std::map<std::string, Stats> stats_;  // by function name
  std::vector<state::StoredRecord> records_;
  std::int64_t next_record_seq_ = 1;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lambda_emu::invoke
