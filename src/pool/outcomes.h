#pragma once
// The one place where what happened to a runtime (timeout, exit, signal, out
// of memory, bad entry point, oversized response) becomes the error payload
// Lambda returns for it. Pure functions.

#include <string>

namespace lambda_emu::pool::outcomes {

// {"errorType": type, "errorMessage": message}, JSON-escaped.
std::string ErrorPayload(const std::string& type, const std::string& message);

// "RequestId: ID Error: Task timed out after 3.00 seconds"
std::string TimeoutMessage(const std::string& request_id, double seconds);
// "RequestId: ID Error: Runtime exited with error: exit status 7"
std::string ExitMessage(const std::string& request_id, const std::string& wait_description);
// The same for a wait status; a runtime that exits 0 on its own gets
// "RequestId: ID Error: Runtime exited without providing a reason".
std::string ExitMessage(const std::string& request_id, int wait_status);

inline constexpr const char* kTimedOut = "Sandbox.Timedout";
inline constexpr const char* kExitError = "Runtime.ExitError";
inline constexpr const char* kOutOfMemory = "Runtime.OutOfMemory";
inline constexpr const char* kInvalidEntrypoint = "Runtime.InvalidEntrypoint";
inline constexpr const char* kInitTimeout = "Runtime.InitTimeout";
inline constexpr const char* kResponseTooLarge = "Function.ResponseSizeTooLarge";
inline constexpr const char* kResponseTooLargeMessage =
    "Response payload size exceeded maximum allowed payload size (6291556 bytes).";

}  // namespace lambda_emu::pool::outcomes
