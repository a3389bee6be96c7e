#include "pool/invocation.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace lambda_emu::pool {

void Invocation::Complete(InvokeOutcome outcome) {
  if (!completion) return;
  if (want_log) outcome.log = std::move(log);
  boost::asio::post(*io, [handler = std::move(completion), outcome = std::move(outcome)]() mutable {
    std::move(handler)(std::move(outcome));
  });
}

void Invocation::AppendLog(std::string_view line) {
  if (!want_log && !keep_log) return;
  // Only the last 4 KB are returned; keep a bounded window.
  constexpr size_t kKeep = 16 * 1024;
  if (log.size() > 4 * kKeep) log.erase(0, log.size() - kKeep);
  // START, END and REPORT alone are ~300 bytes: one allocation, not three.
  if (log.capacity() < 512) log.reserve(512);
  log.append(line);
  log.push_back('\n');
}

}  // namespace lambda_emu::pool
