#include "pool/outcomes.h"

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "sandbox/spawn.h"

namespace lambda_emu::pool::outcomes {

std::string ErrorPayload(const std::string& type, const std::string& message) {
  nlohmann::ordered_json body;
  body["errorType"] = type;
  body["errorMessage"] = message;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string TimeoutMessage(const std::string& request_id, double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  return "RequestId: " + request_id + " Error: Task timed out after " + text + " seconds";
}

std::string ExitMessage(const std::string& request_id, const std::string& wait_description) {
  return "RequestId: " + request_id + " Error: Runtime exited with error: " + wait_description;
}

std::string ExitMessage(const std::string& request_id, int wait_status) {
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    return "RequestId: " + request_id + " Error: Runtime exited without providing a reason";
  }
  return ExitMessage(request_id, sandbox::DescribeWaitStatus(wait_status));
}

}  // namespace lambda_emu::pool::outcomes
