#pragma once
// Schedules: the project's scheduled events (SAM Schedule and ScheduleV2
// events, AWS::Events::Rule and AWS::Scheduler::Schedule resources), each a
// timer that queues, at every firing, the event Lambda would get as an
// asynchronous invoke of its function: EventBridge's "Scheduled Event"
// envelope, or the schedule's Input when it has one.
//
// Build() turns the functions' events into schedules (a bad expression, time
// zone or Input is an error naming the function and event); Apply() starts
// them (replacing those before, as on a reload). With `running` false
// (--schedules off) nothing fires by itself, but Fire() still does, which is
// what POST /_emu/schedules/{name}/fire calls. Owned by the server; io
// thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/function_config.h"
#include "invoke/schedule_expression.h"
#include "lambda_emu/status.h"

namespace lambda_emu::invoke {

class AsyncQueue;

struct Schedule {
  std::string name;      // its Name, else its event's key (or resource's logical id)
  std::string event;     // the event's key under Events
  std::string function;  // the function's name
  std::vector<std::string> function_ids;  // every name it answers to (logical id, name)
  std::string qualifier;                  // its AutoPublishAlias, or "" ($LATEST)
  std::string type;  // "Schedule" (EventBridge rule) or "ScheduleV2" (Scheduler)
  std::optional<ScheduleExpression> expression;
  std::string input;  // JSON text, or "" for the scheduled-event envelope
  bool enabled = true;
};

class Schedules {
 public:
  Schedules(boost::asio::io_context& io, AsyncQueue& queue, std::string region,
            std::string account_id);
  ~Schedules();

  static Result<std::vector<Schedule>> Build(const std::vector<config::FunctionConfig>& functions);

  void Apply(std::vector<Schedule> schedules, bool running);
  void Stop();

  // Queues one firing now. Looks `name` up as a schedule's name, then as an
  // event key, then as FUNCTION.EVENT, then as SAM's rule logical id
  // (FunctionLogicalId + EventKey). NotFound: the names there are. When
  // found, `stored` is called (io thread) once the event is durable, or with
  // the store's error.
  struct Fired {
    std::string request_id;
    std::string schedule;
  };
  Result<Fired> Fire(const std::string& name, std::function<void(Status)> stored = {});

  nlohmann::json Snapshot() const;  // GET /_emu/schedules
  void PrintBanner(std::ostream& out) const;

 private:
  struct Running {
    Schedule schedule;
    SystemTime anchor;
    std::optional<SystemTime> next;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::uint64_t fired = 0;
  };
  void Arm(Running& running);
  void Queue(Running& running, SystemTime at, std::string request_id,
             std::function<void(Status)> stored = {});
  Running* Lookup(const std::string& name);
  std::string Payload(const Running& running, SystemTime at) const;

  boost::asio::io_context& io_;
  AsyncQueue& queue_;
  std::string region_;
  std::string account_id_;
  std::vector<std::unique_ptr<Running>> schedules_;
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lambda_emu::invoke
