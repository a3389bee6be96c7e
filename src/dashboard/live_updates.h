#pragma once
// LiveUpdates: GET /_emu/events, the dashboard's Server-Sent Events stream
// (docs/dashboard-api.md). One timer for every client, running only while
// one is connected, gathers what changed and sends it to them all:
//   every 250 ms   the invocations that ended since the last tick
//   every second   the functions whose figures changed (each is compared by
//                  a few counters first, so an idle function costs no JSON)
//   every 2 s      the async queue and the schedules, when they changed
// and Publish() sends an event at once (a tuning run's progress). A client
// that does not read falls behind by at most kMaxPending bytes, then is cut
// off; its EventSource reconnects and starts from a full picture. io thread
// only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "dashboard/activity_feed.h"
#include "http/server.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {
class AsyncQueue;
class Schedules;
}  // namespace lambda_emu::invoke

namespace lambda_emu::dashboard {

class LiveUpdates {
 public:
  static constexpr size_t kMaxPending = 8 << 20;

  // `region`: the server's (--region), for the page's header.
  LiveUpdates(boost::asio::io_context& io, registry::FunctionRegistry& registry,
              const ActivityFeed& feed, std::string region);
  ~LiveUpdates();

  void SetAsync(const invoke::AsyncQueue* queue, const invoke::Schedules* schedules) {
    async_ = queue;
    schedules_ = schedules;
  }
  // Serves one client until it goes away (an http::StreamHandler).
  boost::asio::awaitable<void> Serve(const http::Request& req, http::tcp::socket& socket);
  // Sends `event` with `data` (one line of JSON) to every client now.
  void Publish(std::string_view event, const std::string& data);
  // Ends every stream (the server is stopping).
  void CloseAll();
  size_t clients() const { return clients_.size(); }

  // FunctionView (docs/dashboard-api.md) of one pool.
  static nlohmann::json FunctionView(const registry::FunctionRegistry::PoolEntry& entry);

 private:
  struct Client;
  void Send(Client& client, std::string_view event, const std::string& data);
  void ArmTick();
  void Tick();
  // The `functions` event's data: every function (full) or those changed
  // since the last call; nullopt when nothing changed.
  std::optional<std::string> FunctionsMessage(bool full);
  std::string HelloMessage() const;
  std::string AsyncMessage() const;

  boost::asio::io_context& io_;
  registry::FunctionRegistry& registry_;
  const ActivityFeed& feed_;
  const std::string region_;
  const invoke::AsyncQueue* async_ = nullptr;
  const invoke::Schedules* schedules_ = nullptr;
  std::list<std::shared_ptr<Client>> clients_;
  boost::asio::steady_timer tick_;
  bool ticking_ = false;
  std::uint64_t ticks_ = 0;
  std::uint64_t sent_seq_ = 0;  // feed entries up to this one were sent
  // Per pool: the counters its last `functions` entry was built from.
  std::unordered_map<std::string, std::string> function_keys_;
  std::string last_async_;
  const std::int64_t started_at_ms_;
};

}  // namespace lambda_emu::dashboard
