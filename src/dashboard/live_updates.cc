#include "dashboard/live_updates.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <unordered_set>

#include "invoke/async_queue.h"
#include "invoke/schedules.h"

namespace lambda_emu::dashboard {

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr std::uint64_t kFunctionTicks = 4;  // a second
constexpr std::uint64_t kAsyncTicks = 8;     // two seconds
constexpr std::uint64_t kPingTicks = 60;     // fifteen seconds

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a function's entry is built from, apart from ages: when these are
// unchanged, so is what the dashboard shows of it.
std::string ChangeKey(const pool::FunctionPool& pool, const metrics::FunctionSnapshot& s) {
  const auto& m = *s.metrics;
  const auto& c = pool.function().config;
  char key[256];
  std::snprintf(
      key, sizeof key, "%llu %llu %llu %llu %d %d %d %d %d %d %d %d %d %d %p",
      static_cast<unsigned long long>(m.invocations), static_cast<unsigned long long>(m.errors),
      static_cast<unsigned long long>(m.throttles), static_cast<unsigned long long>(m.cold_starts),
      s.concurrent_executions, s.invocations_waiting, s.environments_starting, s.environments_idle,
      s.environments_busy, s.provisioned_ready, s.provisioned_concurrency,
      s.provisioned_init_failures, c.memory_mb, c.timeout_s,
      static_cast<const void*>(&pool.function()));
  return key;
}

}  // namespace

struct LiveUpdates::Client {
  explicit Client(asio::io_context& io) : wake(io) {}
  std::string pending;
  asio::steady_timer wake;
  bool closed = false;
  bool dropped = false;  // CloseAll let go of it: its stream must not touch LiveUpdates again
};

LiveUpdates::LiveUpdates(asio::io_context& io, registry::FunctionRegistry& registry,
                         const ActivityFeed& feed, std::string region)
    : io_(io),
      registry_(registry),
      feed_(feed),
      region_(std::move(region)),
      tick_(io),
      started_at_ms_(NowMs()) {}

LiveUpdates::~LiveUpdates() {
  CloseAll();
  tick_.cancel();
}

nlohmann::json LiveUpdates::FunctionView(const registry::FunctionRegistry::PoolEntry& entry) {
  metrics::FunctionSnapshot snapshot = entry.pool->Snapshot();
  snapshot.name = entry.name;
  snapshot.source = entry.source;
  nlohmann::json j = metrics::RenderJson(snapshot);
  const auto& c = entry.pool->function().config;
  j["State"] = metrics::FunctionState(snapshot);
  j["Runtime"] = c.runtime;
  j["MemorySize"] = c.memory_mb;
  j["Timeout"] = c.timeout_s;
  j["Architecture"] = c.architecture;
  nlohmann::json environments = nlohmann::json::array();
  for (const auto& e : entry.pool->Environments()) environments.push_back(metrics::RenderJson(e));
  j["EnvironmentList"] = std::move(environments);
  return j;
}

std::string LiveUpdates::HelloMessage() const {
  return Dump({{"Version", LAMBDA_EMU_VERSION},
               {"Region", region_},
               {"StartedAt", started_at_ms_},
               {"Prices", metrics::PricesJson(registry_.prices())}});
}

std::optional<std::string> LiveUpdates::FunctionsMessage(bool full) {
  nlohmann::json functions = nlohmann::json::array();
  nlohmann::json removed = nlohmann::json::array();
  std::unordered_set<std::string> present;
  for (const auto& entry : registry_.Pools()) {
    if (full) {
      functions.push_back(FunctionView(entry));
      continue;
    }
    present.insert(entry.name);
    std::string key = ChangeKey(*entry.pool, entry.pool->Snapshot());
    auto [it, added] = function_keys_.try_emplace(entry.name, key);
    if (!added && it->second == key) continue;
    it->second = std::move(key);
    functions.push_back(FunctionView(entry));
  }
  if (!full) {
    for (auto it = function_keys_.begin(); it != function_keys_.end();) {
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      removed.push_back(it->first);
      it = function_keys_.erase(it);
    }
    if (functions.empty() && removed.empty()) return std::nullopt;
  }
  return Dump({{"Full", full}, {"Functions", std::move(functions)}, {"Removed", removed}});
}

std::string LiveUpdates::AsyncMessage() const {
  return Dump({{"Async", async_ ? async_->Snapshot() : nlohmann::json::object()},
               {"Schedules", schedules_ ? schedules_->Snapshot() : nlohmann::json::object()}});
}

void LiveUpdates::Send(Client& client, std::string_view event, const std::string& data) {
  if (client.closed) return;
  if (client.pending.size() > kMaxPending) {
    client.closed = true;  // it does not read: cut it off
  } else {
    client.pending.append("event: ").append(event).append("\ndata: ").append(data).append("\n\n");
  }
  client.wake.cancel();
}

void LiveUpdates::Publish(std::string_view event, const std::string& data) {
  for (auto& client : clients_) Send(*client, event, data);
}

void LiveUpdates::CloseAll() {
  for (auto& client : clients_) {
    client->closed = true;
    client->dropped = true;
    client->wake.cancel();
  }
  clients_.clear();
}

asio::awaitable<void> LiveUpdates::Serve(const http::Request& /*req*/, http::tcp::socket& socket) {
  auto client = std::make_shared<Client>(io_);
  client->pending =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 1000\n\n";
  Send(*client, "hello", HelloMessage());
  Send(*client, "functions", *FunctionsMessage(true));
  if (async_ || schedules_) {
    last_async_ = AsyncMessage();
    Send(*client, "async", last_async_);
  }
  if (clients_.empty()) {
    // The first client: the diff starts from what it was just sent.
    sent_seq_ = feed_.last_seq();
    function_keys_.clear();
    for (const auto& entry : registry_.Pools()) {
      function_keys_[entry.name] = ChangeKey(*entry.pool, entry.pool->Snapshot());
    }
  }
  clients_.push_back(client);
  ArmTick();
  while (!client->closed) {
    if (!client->pending.empty()) {
      std::string out = std::move(client->pending);
      client->pending.clear();
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out), kAwait);
      if (ec) break;
      continue;
    }
    client->wake.expires_at(asio::steady_timer::time_point::max());
    co_await client->wake.async_wait(kAwait);
  }
  client->closed = true;
  if (!client->dropped) clients_.remove(client);
}

void LiveUpdates::ArmTick() {
  if (ticking_ || clients_.empty()) return;
  ticking_ = true;
  tick_.expires_after(kTick);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: `this` may be gone
    ticking_ = false;
    Tick();
  });
}

void LiveUpdates::Tick() {
  ++ticks_;
  auto fresh = feed_.Since(sent_seq_);
  if (!fresh.empty()) {
    nlohmann::json batch = nlohmann::json::array();
    for (const auto* entry : fresh) batch.push_back(ToJson(*entry, false));
    sent_seq_ = fresh.back()->seq;
    Publish("invocations", Dump(batch));
  }
  if (ticks_ % kFunctionTicks == 0) {
    if (auto message = FunctionsMessage(false)) Publish("functions", *message);
  }
  if (ticks_ % kAsyncTicks == 0 && (async_ || schedules_)) {
    std::string message = AsyncMessage();
    if (message != last_async_) {
      last_async_ = message;
      Publish("async", message);
    }
  }
  if (ticks_ % kPingTicks == 0) {
    for (auto& client : clients_) {
      client->pending += ": ping\n\n";
      client->wake.cancel();
    }
  }
  ArmTick();
}

}  // namespace lambda_emu::dashboard
