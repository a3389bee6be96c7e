// AsyncQueue's end of an event: the invocation record for its destination,
// the message for its dead-letter queue, and the store transaction that
// deletes it (with the destination function's new event, or the records
// kept in the state directory, in the same transaction).

#include <spdlog/spdlog.h>

#include "aws/operations.h"
#include "events/values.h"
#include "invoke/async_queue.h"
#include "invoke/invocation_record.h"
#include "pool/function_pool.h"
#include "pool/ids.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {

boost::asio::awaitable<void> AsyncQueue::Finish(EventPtr event, std::string condition) {
  const state::StoredEvent& stored = event->stored;
  const AsyncPolicy policy = policy_(stored.function, stored.qualifier);
  RecordFields fields;
  fields.request_id = stored.id;
  const std::string arn = QualifiedArn(stored);
  fields.function_arn = arn;
  fields.condition = condition;
  fields.approximate_invoke_count = stored.attempts;
  fields.timestamp_ms = events::NowMillis();
  fields.request_payload = stored.payload;
  fields.last_outcome = stored.last_outcome;
  std::string record = InvocationRecord(fields);

  // Every argument of a co_await'ed call is a named local of this frame
  // (GCC 12 destroys a co_await expression's temporaries twice).
  const std::string as_destination = "destination";
  const std::string as_dead_letter = "dead-letter";
  state::EventBatch batch;
  std::vector<EventPtr> new_events;
  const bool success = condition == kSuccess;
  if (success) {
    ++stats_[stored.function].succeeded;
    if (!policy.on_success.empty()) {
      co_await Deliver(stored, policy.on_success, as_destination, condition, record, batch,
                       new_events);
    }
  } else {
    ++stats_[stored.function].dropped;
    spdlog::warn("async: event {} of {} failed: {} after {} attempt(s){}", stored.id,
                 stored.function, condition, stored.attempts,
                 policy.on_failure.empty() && policy.dead_letter.empty()
                     ? "; no OnFailure destination or dead-letter queue, it is dropped"
                     : "");
    if (!policy.on_failure.empty()) {
      co_await Deliver(stored, policy.on_failure, as_destination, condition, record, batch,
                       new_events);
    }
    if (!policy.dead_letter.empty()) {
      ++stats_[stored.function].dead_lettered;
      co_await Deliver(stored, policy.dead_letter, as_dead_letter, condition, stored.payload, batch,
                       new_events);
    }
  }
  batch.deletes.push_back(stored.id);
  live_.erase(stored.id);
  std::weak_ptr<bool> alive = alive_;
  store_.Write(std::move(batch), [this, alive, new_events](Status status) {
    if (alive.expired()) return;
    if (!status.ok()) spdlog::error("async: {}", status.message());
    for (const EventPtr& next : new_events) {
      ++stats_[next->stored.function].received;
      live_[next->stored.id] = next;
      Enqueue(next);
    }
  });
}

boost::asio::awaitable<void> AsyncQueue::Deliver(const state::StoredEvent& event,
                                                 const std::string& destination,
                                                 const std::string& kind,
                                                 const std::string& condition,
                                                 const std::string& body, state::EventBatch& batch,
                                                 std::vector<EventPtr>& new_events) {
  const bool dead_letter = kind == "dead-letter";
  auto& stats = stats_[event.function];
  const std::optional<aws::Arn> arn = aws::ParseArn(destination);
  const std::string service = arn ? arn->service : "";
  std::string reason;
  if (service == "lambda") {
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]: the record
    // becomes that function's own asynchronous event.
    std::string_view resource = arn->resource;  // function:NAME[:QUALIFIER]
    resource.remove_prefix(std::min(resource.size(), std::string_view("function:").size()));
    const size_t colon = resource.find(':');
    const std::string name(resource.substr(0, colon));
    const std::string qualifier(colon == resource.npos ? "" : resource.substr(colon + 1));
    pool::FunctionPool* pool =
        qualifier.empty() ? registry_.Find(name) : registry_.Find(name, qualifier);
    if (pool) {
      auto next = std::make_shared<Event>();
      next->stored.id = pool::NewRequestId();
      next->stored.function = pool->function().config.name;
      next->stored.qualifier = qualifier;
      next->stored.payload = body;
      next->stored.trace_id = pool::NewTraceId();
      next->stored.accepted_ms = events::NowMillis();
      batch.inserts.push_back(next->stored);
      new_events.push_back(std::move(next));
      co_return;
    }
    reason = "function " + name + (qualifier.empty() ? "" : ":" + qualifier) + " does not exist";
  } else if (sender_) {
    ServiceMessage message;
    message.arn = destination;
    message.body = body;
    message.function_name = event.function;
    message.request_id = event.id;
    message.timestamp_ms = events::NowMillis();
    if (dead_letter) {
      // What Lambda sets on a dead-letter message: the request, and the
      // status of the last attempt with its error message.
      message.attributes = {
          {"RequestID", "String", event.id},
          {"ErrorCode", "Number", event.attempts > 0 ? "200" : "429"},
          {"ErrorMessage", "String", LastErrorMessage(event.last_outcome)},
      };
    }
    message.detail_type = condition == kSuccess ? "Lambda Function Invocation Result - Success"
                                                : "Lambda Function Invocation Result - Failure";
    message.resources = {destination, QualifiedArn(event)};
    // A named local, not a temporary, into the co_await (GCC 12).
    Status sent = co_await sender_(std::move(message));
    if (sent.ok()) co_return;
    reason = sent.message();
  } else {
    reason = "kept here: no --aws-endpoint-url to send it to";
  }
  const bool failure = service == "lambda" || sender_;
  if (failure) {
    if (dead_letter) {
      ++stats.dead_letter_errors;
    } else {
      ++stats.delivery_failures;
    }
    spdlog::warn("async: {} {} for event {} of {} not delivered: {}",
                 dead_letter ? "dead-letter message" : "destination record", destination, event.id,
                 event.function, reason);
  }
  state::StoredRecord kept;
  kept.seq = next_record_seq_++;
  kept.created_ms = events::NowMillis();
  kept.kind = kind;
  kept.destination = destination;
  kept.function = event.function;
  kept.request_id = event.id;
  kept.condition = condition;
  kept.body = body;
  kept.reason = std::move(reason);
  batch.records.push_back(kept);
  records_.push_back(std::move(kept));
}

}  // namespace lambda_emu::invoke
