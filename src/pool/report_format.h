#pragma once
// What the platform's log lines (REPORT, INIT_REPORT, RESTORE_REPORT) are
// written with: milliseconds since a moment, and two decimals.

#include <chrono>
#include <cstdio>
#include <string>

#include "pool/invocation.h"

namespace lambda_emu::pool {

inline double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

inline std::string Format2(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace lambda_emu::pool
