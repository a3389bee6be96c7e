#include "cli/async_services.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>

#include "aws/destination_client.h"
#include "control/control_plane.h"
#include "invoke/async_policy.h"
#include "pool/services.h"
#include "registry/function_registry.h"

namespace lambda_emu::cli {

void AddAsyncOptions(CLI::App* serve, AsyncFlags& flags) {
  serve
      ->add_option("--async-retry-delays", flags.retry_delays,
                   "Seconds between a failed asynchronous attempt and its retry, comma-separated "
                   "(Lambda: about 60 then 120); the last repeats")
      ->capture_default_str();
  serve->add_option("--aws-endpoint-url", flags.aws_endpoint_url,
                    "AWS-compatible endpoint (e.g. LocalStack, http://localhost:4566) that SQS, "
                    "SNS, EventBridge and S3 destinations and dead-letter queues are sent to, "
                    "SigV4-signed; without it they are kept in the state directory");
  serve
      ->add_option("--schedules", flags.schedules,
                   "on: the project's schedules fire; off: only POST /_emu/schedules/NAME/fire "
                   "fires them")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
}

Result<std::vector<std::chrono::milliseconds>> ParseRetryDelays(std::string_view text) {
  std::vector<std::chrono::milliseconds> delays;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    char* end = nullptr;
    double seconds = item.empty() ? -1 : std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(seconds) ||
        seconds < 0 || seconds > 86400) {
      return Status::Error("--async-retry-delays " + std::string(text) + ": '" + item +
                           "' is not a number of seconds (0-86400)");
    }
    delays.emplace_back(static_cast<long>(std::llround(seconds * 1000)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return delays;
}

AsyncServices::~AsyncServices() {
  if (schedules_) schedules_->Stop();
  if (queue_) queue_->Stop();
  schedules_.reset();
  queue_.reset();
  aws_.reset();
  store_.reset();  // finishes the writes queued so far
}

Result<std::unique_ptr<AsyncServices>> AsyncServices::Open(
    const Setup& setup, const std::vector<config::FunctionConfig>& functions) {
  auto delays = ParseRetryDelays(setup.flags.retry_delays);
  if (!delays.ok()) return delays.status();
  if (!setup.flags.aws_endpoint_url.empty()) {
    if (Status s = aws::DestinationClient::CheckEndpoint(setup.flags.aws_endpoint_url); !s.ok()) {
      return s;
    }
  }
  std::unique_ptr<AsyncServices> services(new AsyncServices());
  services->setup_ = setup;
  if (setup.state_dir.empty()) {
    services->store_ = state::EventStore::OpenEphemeral(*setup.io);
    spdlog::info(
        "async: --ephemeral, the event queue is in memory only: events accepted and not finished "
        "are lost when the server stops");
  } else {
    auto store = state::EventStore::Open(*setup.io, setup.state_dir);
    if (!store.ok()) return store.status();
    services->store_ = std::move(*store);
  }
  invoke::AsyncOptions options;
  options.retry_delays = std::move(*delays);
  auto* registry = setup.registry;
  auto* control = setup.control;
  invoke::AsyncQueue::PolicyResolver policy = [registry, control](const std::string& function,
                                                                  const std::string& qualifier) {
    return invoke::ResolvePolicy(*registry, control, function, qualifier);
  };
  services->queue_ =
      std::make_unique<invoke::AsyncQueue>(*setup.io, *setup.registry, *services->store_,
                                           *setup.settings, std::move(policy), std::move(options));
  if (!setup.flags.aws_endpoint_url.empty()) {
    services->aws_ = std::make_unique<aws::DestinationClient>(
        *setup.io, setup.flags.aws_endpoint_url, aws::Credentials::FromEnvironment(),
        setup.settings->region);
    aws::DestinationClient* client = services->aws_.get();
    services->queue_->SetServiceSender([client](invoke::ServiceMessage m)
                                           -> boost::asio::awaitable<Status> {
      aws::DestinationClient* sender = client;
      aws::Message message;
      message.arn = std::move(m.arn);
      message.body = std::move(m.body);
      for (auto& a : m.attributes) {
        message.attributes.push_back({std::move(a.name), std::move(a.value), std::move(a.type)});
      }
      message.detail_type = std::move(m.detail_type);
      message.resources = std::move(m.resources);
      message.object_key = std::move(m.object_key);
      message.function_name = std::move(m.function_name);
      message.time =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(m.timestamp_ms));
      Status sent = co_await sender->Send(std::move(message));
      co_return sent;
    });
    spdlog::info("async: SQS, SNS, EventBridge and S3 destinations are sent to {}",
                 setup.flags.aws_endpoint_url);
  }
  if (Status s = services->queue_->Recover(); !s.ok()) return s;
  services->schedules_ = std::make_unique<invoke::Schedules>(
      *setup.io, *services->queue_, setup.settings->region, setup.settings->account_id);
  auto schedules = invoke::Schedules::Build(functions);
  if (!schedules.ok()) return schedules.status();
  services->pending_schedules_ = std::move(*schedules);
  // Listed (for the banner and GET /_emu/schedules) but not yet running.
  services->schedules_->Apply(services->pending_schedules_, false);
  return services;
}

void AsyncServices::Start() {
  schedules_->Apply(std::move(pending_schedules_), setup_.flags.schedules == "on");
  pending_schedules_.clear();
}

Status AsyncServices::Reload(const std::vector<config::FunctionConfig>& functions) {
  auto schedules = invoke::Schedules::Build(functions);
  if (!schedules.ok()) return schedules.status();
  schedules_->Apply(std::move(*schedules), setup_.flags.schedules == "on");
  return Status::Ok();
}

void AsyncServices::Stop() {
  schedules_->Stop();
  queue_->Stop();
}

void AsyncServices::PrintBanner(std::ostream& out) const { schedules_->PrintBanner(out); }

}  // namespace lambda_emu::cli
