#include "invoke/async_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "events/values.h"
#include "invoke/invocation_record.h"
#include "pool/function_pool.h"
#include "pool/ids.h"
#include "pool/invocation.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {

namespace {

using Kind = pool::InvokeOutcome::Kind;

std::string LaneKey(const std::string& function, const std::string& qualifier) {
  return function + '\n' + qualifier;
}

}  // namespace

AsyncQueue::AsyncQueue(boost::asio::io_context& io, registry::FunctionRegistry& registry,
                       state::EventStore& store, const pool::ServerSettings& settings,
                       PolicyResolver policy, AsyncOptions options)
    : io_(io),
      registry_(registry),
      store_(store),
      settings_(settings),
      policy_(std::move(policy)),
      options_(std::move(options)),
      delay_timer_(io) {
  if (options_.retry_delays.empty()) options_.retry_delays.push_back(std::chrono::seconds(60));
}

AsyncQueue::~AsyncQueue() { *alive_ = false; }

Status AsyncQueue::Recover() {
  auto contents = store_.Load();
  if (!contents.ok()) return contents.status();
  records_ = std::move(contents->records);
  if (!records_.empty()) next_record_seq_ = records_.back().seq + 1;
  size_t retries = 0;
  for (auto& stored : contents->events) {
    auto event = std::make_shared<Event>();
    event->stored = std::move(stored);
    live_[event->stored.id] = event;
    if (event->stored.next_attempt_ms > events::NowMillis()) {
      ++retries;
      Delay(event);
    } else {
      Enqueue(event);
    }
  }
  if (!live_.empty()) {
    spdlog::info(
        "async: {} event(s) accepted by the last run and not finished are queued again "
        "({} waiting for a retry)",
        live_.size(), retries);
  }
  return Status::Ok();
}

void AsyncQueue::Accept(NewEvent event, std::function<void(Status)> done) {
  auto queued = std::make_shared<Event>();
  state::StoredEvent& stored = queued->stored;
  stored.id = std::move(event.request_id);
  stored.function = std::move(event.function);
  stored.qualifier = std::move(event.qualifier);
  stored.payload = std::move(event.payload);
  stored.trace_id = std::move(event.trace_id);
  stored.accepted_ms = events::NowMillis();
  state::EventBatch batch;
  batch.inserts.push_back(stored);
  std::weak_ptr<bool> alive = alive_;
  store_.Write(std::move(batch), [this, alive, queued, done = std::move(done)](Status status) {
    if (alive.expired()) return;
    if (!status.ok()) {
      spdlog::error("async: event {} for {} not accepted: {}", queued->stored.id,
                    queued->stored.function, status.message());
      done(status);
      return;
    }
    ++stats_[queued->stored.function].received;
    live_[queued->stored.id] = queued;
    Enqueue(queued);
    done(Status::Ok());
  });
}

void AsyncQueue::Stop() {
  stopped_ = true;
  delay_timer_.cancel();
  for (auto& [_, lane] : lanes_) {
    if (lane.backoff) lane.backoff->cancel();
  }
}

AsyncQueue::Lane& AsyncQueue::LaneOf(const std::string& function, const std::string& qualifier) {
  auto [it, inserted] = lanes_.try_emplace(LaneKey(function, qualifier));
  if (inserted) {
    it->second.function = function;
    it->second.qualifier = qualifier;
  }
  return it->second;
}

void AsyncQueue::Enqueue(const EventPtr& event) {
  Lane& lane = LaneOf(event->stored.function, event->stored.qualifier);
  lane.ready.push_back(event);
  Pump(lane);
}

int AsyncQueue::LaneLimit(const Lane& lane) const {
  int limit = options_.lane_concurrency;
  if (pool::FunctionPool* pool = registry_.Find(lane.function)) {
    // A reservation of 0 still gets one attempt at a time: it is throttled,
    // which is what ages the event out (EventAgeExceeded) as on Lambda.
    if (auto reserved = pool->reserved_concurrency()) limit = std::min(limit, *reserved);
  }
  return std::max(limit, 1);
}

void AsyncQueue::Pump(Lane& lane) {
  if (stopped_ || lane.waiting) return;
  const int limit = LaneLimit(lane);
  while (!lane.ready.empty() && lane.in_flight < limit && !lane.waiting) {
    EventPtr event = std::move(lane.ready.front());
    lane.ready.pop_front();
    Attempt(lane, std::move(event));
  }
}

std::string AsyncQueue::QualifiedArn(const state::StoredEvent& event) const {
  return "arn:aws:lambda:" + settings_.region + ":" + settings_.account_id +
         ":function:" + event.function + ":" +
         (event.qualifier.empty() ? "$LATEST" : event.qualifier);
}

void AsyncQueue::Attempt(Lane& lane, EventPtr event) {
  const state::StoredEvent& stored = event->stored;
  const AsyncPolicy policy = policy_(stored.function, stored.qualifier);
  const std::int64_t age_ms = events::NowMillis() - stored.accepted_ms;
  if (age_ms > std::int64_t{policy.maximum_event_age_s} * 1000) {
    std::string condition(kEventAgeExceeded);
    boost::asio::co_spawn(io_, Finish(std::move(event), std::move(condition)),
                          boost::asio::detached);
    return;
  }
  pool::FunctionPool* pool = stored.qualifier.empty()
                                 ? registry_.Find(stored.function)
                                 : registry_.Find(stored.function, stored.qualifier);
  if (!pool) {
    // The function (or its version/alias) was deleted: Lambda drops what is
    // still queued for it.
    spdlog::warn("async: event {} dropped: function {}{}{} no longer exists", stored.id,
                 stored.function, stored.qualifier.empty() ? "" : ":", stored.qualifier);
    ++stats_[stored.function].dropped;
    live_.erase(stored.id);
    state::EventBatch batch;
    batch.deletes.push_back(stored.id);
    store_.Write(std::move(batch), [](Status) {});
    return;
  }
  stats_[stored.function].age.Observe(static_cast<double>(std::max<std::int64_t>(age_ms, 0)));
  auto invocation = std::make_shared<pool::Invocation>();
  invocation->request_id = stored.id;
  invocation->payload = stored.payload;
  invocation->trace_id = stored.trace_id.empty() ? pool::NewTraceId() : stored.trace_id;
  invocation->qualifier = stored.qualifier;
  invocation->attempt = stored.attempts + 1;
  invocation->io = &io_;
  std::string executed_version = pool->function().version;
  ++lane.in_flight;
  event->in_flight = true;
  std::weak_ptr<bool> alive = alive_;
  Lane* lane_ptr = &lane;
  invocation->SetCompletion(
      [this, alive, lane_ptr, event, executed_version](pool::InvokeOutcome outcome) mutable {
        if (alive.expired()) return;
        OnOutcome(*lane_ptr, std::move(event), static_cast<int>(outcome.kind),
                  std::move(outcome.payload), std::move(executed_version));
      });
  pool->Invoke(std::move(invocation));
}

void AsyncQueue::OnOutcome(Lane& lane, EventPtr event, int kind_value, std::string payload,
                           std::string executed_version) {
  const Kind kind = static_cast<Kind>(kind_value);
  --lane.in_flight;
  event->in_flight = false;
  state::StoredEvent& stored = event->stored;
  if (kind == Kind::kThrottled || kind == Kind::kServiceError) {
    // Not an attempt: back to the head of its lane, which waits a while.
    lane.ready.push_front(std::move(event));
    BackOff(lane);
    return;
  }
  // The function ran it: the lane has capacity again.
  lane.backoff_step = 0;
  if (lane.waiting) lane.backoff->cancel();
  ++stored.attempts;
  const bool failed = kind == Kind::kFunctionError;
  stored.last_outcome = AttemptOutcome(failed, executed_version, payload);
  if (!failed) {
    std::string condition(kSuccess);
    boost::asio::co_spawn(io_, Finish(std::move(event), std::move(condition)),
                          boost::asio::detached);
  } else {
    const AsyncPolicy policy = policy_(stored.function, stored.qualifier);
    const int retries_done = stored.attempts - 1;
    if (retries_done >= policy.maximum_retry_attempts) {
      std::string condition(kRetriesExhausted);
      boost::asio::co_spawn(io_, Finish(std::move(event), std::move(condition)),
                            boost::asio::detached);
    } else {
      const auto& delays = options_.retry_delays;
      const auto delay = delays[std::min(static_cast<size_t>(retries_done), delays.size() - 1)];
      // +1: events::NowMillis() rounds down, and a retry must never come early.
      stored.next_attempt_ms = events::NowMillis() + delay.count() + 1;
      if (stored.next_attempt_ms - stored.accepted_ms >
          std::int64_t{policy.maximum_event_age_s} * 1000) {
        // The retry would come after the event expired: it expires now, with
        // the record the retry would have found.
        std::string condition(kEventAgeExceeded);
        boost::asio::co_spawn(io_, Finish(std::move(event), std::move(condition)),
                              boost::asio::detached);
      } else {
        state::EventBatch batch;
        batch.updates.push_back(
            {stored.id, stored.attempts, stored.next_attempt_ms, stored.last_outcome});
        store_.Write(std::move(batch), [](Status status) {
          if (!status.ok()) spdlog::error("async: {}", status.message());
        });
        Delay(event);
      }
    }
  }
  Pump(lane);
}

void AsyncQueue::BackOff(Lane& lane) {
  if (stopped_ || lane.waiting) return;
  lane.backoff_step = std::min(lane.backoff_step + 1, 30);
  auto delay = options_.backoff_initial;
  for (int i = 1; i < lane.backoff_step && delay < options_.backoff_max; ++i) delay *= 2;
  if (!lane.backoff) lane.backoff = std::make_unique<boost::asio::steady_timer>(io_);
  lane.backoff->expires_after(std::min(delay, options_.backoff_max));
  lane.waiting = true;
  std::weak_ptr<bool> alive = alive_;
  Lane* lane_ptr = &lane;
  // Cancelled when an attempt of the lane goes through (capacity is back):
  // either way the lane runs again.
  lane.backoff->async_wait([this, alive, lane_ptr](const boost::system::error_code&) {
    if (alive.expired()) return;
    lane_ptr->waiting = false;
    Pump(*lane_ptr);
  });
}

void AsyncQueue::Delay(const EventPtr& event) {
  delayed_.emplace(event->stored.next_attempt_ms, event);
  ArmDelayTimer();
}

void AsyncQueue::ArmDelayTimer() {
  if (stopped_ || delayed_.empty()) return;
  const std::int64_t due = delayed_.begin()->first;
  if (delay_armed_for_ != 0 && delay_armed_for_ <= due) return;
  delay_armed_for_ = due;
  // Re-arming cancels the wait before; only the newest wait's handler acts.
  const std::uint64_t generation = ++delay_generation_;
  // Waits until the due millisecond itself (not from a rounded-down now).
  const auto wait =
      std::chrono::milliseconds(due) - std::chrono::system_clock::now().time_since_epoch();
  delay_timer_.expires_after(
      std::max(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait),
               std::chrono::steady_clock::duration::zero()));
  std::weak_ptr<bool> alive = alive_;
  delay_timer_.async_wait([this, alive, generation](const boost::system::error_code&) {
    if (alive.expired() || generation != delay_generation_) return;
    delay_armed_for_ = 0;
    OnDelayTimer();
  });
}

void AsyncQueue::OnDelayTimer() {
  if (stopped_) return;
  const std::int64_t now = events::NowMillis();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    EventPtr event = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    Enqueue(event);
  }
  ArmDelayTimer();
}

}  // namespace lambda_emu::invoke
