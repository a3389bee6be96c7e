#include "dashboard/dashboard.h"

#include <algorithm>
#include <charconv>

#include "api/aws_error.h"
#include "api/function_ref.h"
#include "dashboard/assets.h"
#include "pool/ids.h"
#include "tune/tune_chart.h"

namespace lambda_emu::dashboard {

namespace http_ns = beast::http;
using api::AwsError;

namespace {

std::string_view ContentType(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

http::Response Error(const http::Request& req, const AwsError& error) {
  return api::ToResponse(error, req, pool::NewRequestId());
}

http::Response Json(const http::Request& req, http_ns::status status, const nlohmann::json& body) {
  return http::MakeResponse(req, status, api::JsonBody(body));
}

}  // namespace

Dashboard::Dashboard(pool::PoolServices& services, registry::FunctionRegistry& registry,
                     sandbox::RuntimeLocator& runtimes)
    : services_(services),
      registry_(registry),
      runtimes_(runtimes),
      live_(services.io, registry, feed_, services.settings.region) {}

Dashboard::~Dashboard() {
  Stop();
  // Environments that end after this (the registry's shutdown) tell nobody.
  if (services_.observer == &feed_) services_.observer = nullptr;
}

void Dashboard::Stop() {
  live_.CloseAll();
  for (auto& job : tune_runs_) job.run->Cancel();
}

bool Dashboard::IsStream(const http::Request& req) {
  if (req.method() != http_ns::verb::get) return false;  // an invoke is a POST: one compare
  auto target = req.target();
  target = target.substr(0, target.find('?'));
  return target == "/_emu/events" || target == "/_emu/events/";
}

std::optional<http::Response> Dashboard::Handle(const http::Request& req,
                                                const std::vector<std::string_view>& s,
                                                std::string_view query) {
  if (s.size() < 2 || s[0] != "_emu") return std::nullopt;
  const auto method = req.method();
  const bool get = method == http_ns::verb::get || method == http_ns::verb::head;
  if (s[1] == "ui" && get) {
    if (s.size() == 2) return Asset(req, "index.html");
    if (s.size() == 3) return Asset(req, s[2]);
    return Error(req, AwsError::ResourceNotFound("No such dashboard file"));
  }
  if (s[1] == "invocations" && get) {
    if (s.size() == 2) return Invocations(req, query);
    if (s.size() == 3) return Invocation(req, s[2]);
  }
  if (s[1] == "tune") {
    if (method == http_ns::verb::post && s.size() == 2) return StartTune(req);
    if (get && s.size() == 2) return TuneRuns(req);
    if (get && s.size() == 3) return Tune(req, s[2], false);
    if (get && s.size() == 4 && s[3] == "chart.svg") return Tune(req, s[2], true);
  }
  return std::nullopt;
}

http::Response Dashboard::Asset(const http::Request& req, std::string_view name) const {
  for (const auto& asset : Assets()) {
    if (asset.name != name) continue;
    auto res =
        http::MakeResponse(req, http_ns::status::ok, std::string(asset.content), ContentType(name));
    res.set(http_ns::field::cache_control, "no-cache");
    return res;
  }
  return Error(req, AwsError::ResourceNotFound("No such dashboard file: " + std::string(name)));
}

http::Response Dashboard::Invocations(const http::Request& req, std::string_view query) const {
  std::string function = api::QueryParam(query, "function").value_or("");
  size_t limit = ActivityFeed::kCapacity;
  if (auto text = api::QueryParam(query, "limit")) {
    size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value == 0) {
      return Error(req, AwsError::InvalidParameterValue("limit must be a positive number"));
    }
    limit = std::min(value, ActivityFeed::kCapacity);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto* entry : feed_.Recent(function, limit)) list.push_back(ToJson(*entry, false));
  return Json(req, http_ns::status::ok, {{"Invocations", std::move(list)}});
}

http::Response Dashboard::Invocation(const http::Request& req, std::string_view request_id) const {
  const auto* entry = feed_.Find(request_id);
  if (!entry) {
    return Error(req, AwsError::ResourceNotFound("Invocation not found (the last " +
                                                 std::to_string(ActivityFeed::kCapacity) +
                                                 " are kept): " + std::string(request_id)));
  }
  return Json(req, http_ns::status::ok, ToJson(*entry, true));
}

nlohmann::json Dashboard::TuneView(const TuneJob& job) {
  const auto& run = *job.run;
  const char* status = !run.finished() ? "running" : run.failure().empty() ? "done" : "failed";
  return {{"Id", job.id},
          {"FunctionName", run.request().function.name},
          {"Status", status},
          {"Error", run.failure()},
          {"Progress", {{"Done", run.done()}, {"Total", run.total()}}},
          {"StartedAt", run.result().started_at_ms},
          {"Result", tune::ToJson(run.result())}};
}

http::Response Dashboard::StartTune(const http::Request& req) {
  auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(req, AwsError::InvalidRequestContent(
                          "The request body must be a JSON object with FunctionName"));
  }
  if (!body.contains("FunctionName") || !body["FunctionName"].is_string()) {
    return Error(req, AwsError::InvalidParameterValue("FunctionName is required (a string)"));
  }
  const std::string name = body["FunctionName"].get<std::string>();
  auto* pool = registry_.Find(name);
  if (!pool) return Error(req, AwsError::ResourceNotFound("Function not found: " + name));
  for (const auto& job : tune_runs_) {
    if (!job.run->finished()) {
      AwsError busy{http_ns::status::conflict,
                    "ResourceConflictException",
                    "A tuning run (" + job.id + ") is in progress; one runs at a time",
                    {},
                    0};
      return Error(req, busy);
    }
  }
  tune::TuneRequest request;
  request.id = "tune-" + std::to_string(next_tune_id_);
  request.function = pool->function().config;
  if (body.contains("Event")) request.event = body["Event"].dump();
  if (body.contains("MemorySizes")) {
    const auto& sizes = body["MemorySizes"];
    if (!sizes.is_array()) {
      return Error(req, AwsError::InvalidParameterValue("MemorySizes must be a list of MB"));
    }
    request.memory_sizes.clear();
    for (const auto& mb : sizes) {
      if (!mb.is_number_integer()) {
        return Error(req, AwsError::InvalidParameterValue("MemorySizes must be a list of MB"));
      }
      request.memory_sizes.push_back(mb.get<int>());
    }
  }
  if (body.contains("Runs")) {
    if (!body["Runs"].is_number_integer()) {
      return Error(req, AwsError::InvalidParameterValue("Runs must be a number"));
    }
    request.runs = body["Runs"].get<int>();
  }
  if (Status s = tune::CheckRequest(request); !s.ok()) {
    return Error(req, AwsError::InvalidParameterValue(s.message()));
  }
  if (tune_runs_.size() >= kKeptTuneRuns) tune_runs_.erase(tune_runs_.begin());
  ++next_tune_id_;
  TuneJob job{request.id, nullptr};
  const std::string id = job.id;
  job.run = std::make_shared<tune::TuneRun>(services_, runtimes_, std::move(request),
                                            [this, id](const tune::TuneRun&) {
                                              for (const auto& j : tune_runs_) {
                                                if (j.id == id)
                                                  live_.Publish("tune", api::JsonBody(TuneView(j)));
                                              }
                                            });
  tune_runs_.push_back(job);
  job.run->Start();
  return Json(req, http_ns::status::accepted, TuneView(job));
}

http::Response Dashboard::TuneRuns(const http::Request& req) const {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& job : tune_runs_) runs.push_back(TuneView(job));
  return Json(req, http_ns::status::ok, {{"Runs", std::move(runs)}});
}

http::Response Dashboard::Tune(const http::Request& req, std::string_view id, bool chart) const {
  for (const auto& job : tune_runs_) {
    if (job.id != id) continue;
    if (!chart) return Json(req, http_ns::status::ok, TuneView(job));
    if (!job.run->finished()) {
      return Error(req, AwsError::ResourceNotFound("The run's chart is made when it ends"));
    }
    auto res = http::MakeResponse(req, http_ns::status::ok, tune::RenderChart(job.run->result()),
                                  "image/svg+xml");
    res.set(http_ns::field::cache_control, "no-cache");
    return res;
  }
  return Error(req, AwsError::ResourceNotFound("Tuning run not found: " + std::string(id)));
}

}  // namespace lambda_emu::dashboard
