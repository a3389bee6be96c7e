#include "metrics/process_metrics.h"

#include "common/fd_limit.h"
#include "http/server.h"

namespace lambda_emu::metrics {

ProcessFigures TakeProcessFigures() {
  ProcessFigures f;
  f.open_fds = OpenFileCount();
  f.max_fds = MaxOpenFiles();
  const http::ConnectionStats stats = http::GetConnectionStats();
  f.http_refused = stats.refused;
  f.http_idle_timeouts = stats.idle_timeouts;
  f.http_request_timeouts = stats.request_timeouts;
  f.http_malformed = stats.malformed;
  f.http_accept_errors = stats.accept_errors;
  return f;
}

namespace {

void Figure(std::string& out, const char* name, const char* type, const char* help,
            const std::string& value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + value + "\n";
}

}  // namespace

std::string RenderProcessPrometheus(const ProcessFigures& f) {
  std::string out;
  if (f.open_fds >= 0) {
    Figure(out, "lambda_emu_open_fds", "gauge", "File descriptors the server has open.",
           std::to_string(f.open_fds));
  }
  Figure(out, "lambda_emu_max_fds", "gauge",
         "The server's open-file limit (soft RLIMIT_NOFILE; +Inf when unlimited).",
         f.max_fds == static_cast<std::uint64_t>(-1) ? "+Inf" : std::to_string(f.max_fds));
  Figure(out, "lambda_emu_http_connections_refused_total", "counter",
         "Connections closed at once because their listener was at its cap (a Runtime API "
         "has 8).",
         std::to_string(f.http_refused));
  Figure(out, "lambda_emu_http_idle_timeouts_total", "counter",
         "Connections closed after sending nothing for the idle (or, first, header) timeout.",
         std::to_string(f.http_idle_timeouts));
  Figure(out, "lambda_emu_http_request_timeouts_total", "counter",
         "Requests answered 408 because their header or body did not arrive in time.",
         std::to_string(f.http_request_timeouts));
  Figure(out, "lambda_emu_http_malformed_requests_total", "counter",
         "Requests answered 400 or 431 because they could not be parsed.",
         std::to_string(f.http_malformed));
  Figure(out, "lambda_emu_http_accept_errors_total", "counter",
         "Failed accept() calls (EMFILE: the server ran out of descriptors).",
         std::to_string(f.http_accept_errors));
  return out;
}

std::string RenderSparePrometheus(const sandbox::SpareSandboxes::Figures& f) {
  std::string out;
  Figure(out, "lambda_emu_spare_sandboxes", "gauge",
         "Spare sandboxes ready for the next cold start (--spare-sandboxes).",
         std::to_string(f.ready));
  const char* name = "lambda_emu_spare_sandbox_events_total";
  out += std::string("# HELP ") + name +
         " Cold starts that took a spare sandbox (taken) or found none ready (missed); spares "
         "made, and spares that could not be made (failed).\n# TYPE " +
         name + " counter\n";
  for (const auto& [event, count] : {std::pair{"taken", f.taken},
                                     {"missed", f.missed},
                                     {"made", f.made},
                                     {"failed", f.failed}}) {
    out += std::string(name) + "{event=\"" + event + "\"} " + std::to_string(count) + "\n";
  }
  Figure(out, "lambda_emu_forked_runtime_spares", "gauge",
         "Of the spare sandboxes ready, those whose runtime was forked from a runtime template "
         "(forked runtimes).",
         std::to_string(f.forked_ready));
  Figure(out, "lambda_emu_forked_runtime_starts_total", "counter",
         "Cold starts whose runtime was forked from a runtime template rather than exec'd.",
         std::to_string(f.forked_taken));
  return out;
}

}  // namespace lambda_emu::metrics
