#pragma once
// The server process's own figures for GET /metrics, beside the per-function
// ones: its open descriptors and their limit, and what the HTTP listeners
// refused or cut off (http::ConnectionStats). A plain value, taken on the io
// thread when /metrics is asked for.

#include <cstdint>
#include <string>

#include "sandbox/spares.h"

namespace lambda_emu::metrics {

struct ProcessFigures {
  std::int64_t open_fds = -1;  // -1: /proc/self/fd unreadable
  std::uint64_t max_fds = 0;   // the soft RLIMIT_NOFILE
  std::uint64_t http_refused = 0;
  std::uint64_t http_idle_timeouts = 0;
  std::uint64_t http_request_timeouts = 0;
  std::uint64_t http_malformed = 0;
  std::uint64_t http_accept_errors = 0;
};

// Reads the figures now.
ProcessFigures TakeProcessFigures();

// Prometheus text: lambda_emu_open_fds, lambda_emu_max_fds and the
// lambda_emu_http_* counters.
std::string RenderProcessPrometheus(const ProcessFigures& figures);

}  // namespace lambda_emu::metrics

namespace lambda_emu::metrics {

// Prometheus text: lambda_emu_spare_sandboxes (ready now) and
// lambda_emu_spare_sandbox_events_total{event="taken|missed|made|failed"}.
std::string RenderSparePrometheus(const sandbox::SpareSandboxes::Figures& figures);

}  // namespace lambda_emu::metrics
