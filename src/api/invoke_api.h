#pragma once
// The Invoke API: POST /2015-03-31/functions/{FunctionName}/invocations.
// Validates the request the way Lambda does (name forms, qualifier, payload,
// headers), turns it into an Invocation for the function's pool, waits for
// the outcome and writes Lambda's response. io thread only.

#include <boost/asio/awaitable.hpp>

#include "http/server.h"
#include "pool/services.h"
#include "registry/function_registry.h"

namespace lambda_emu::invoke {
class AsyncQueue;
}

namespace lambda_emu::api {

// Lambda's request size limits.
inline constexpr std::uint64_t kMaxSyncPayloadBytes = 6291456;
inline constexpr std::uint64_t kMaxEventPayloadBytes = 1048576;

class InvokeApi {
 public:
  InvokeApi(registry::FunctionRegistry& registry, const pool::ServerSettings& settings);

  // Where Event invokes go (durably queued before the 202). Without one
  // (unit tests), an Event invoke runs once in the background.
  void SetAsyncQueue(invoke::AsyncQueue* queue) { async_ = queue; }

  // `function` is the raw {FunctionName} path segment, `query` the query string.
  boost::asio::awaitable<http::Response> Invoke(http::Request& req, std::string_view function,
                                                std::string_view query);

 private:
  registry::FunctionRegistry& registry_;
  const pool::ServerSettings& settings_;
  invoke::AsyncQueue* async_ = nullptr;
};

}  // namespace lambda_emu::api
