#pragma once
// The chart of a tuning run (chart.svg; docs/insight.md): p50 duration and
// cost per invocation against memory size, on two vertical axes, with the
// cheapest, fastest and balanced sizes marked and the sizes that failed
// (out of memory, timeout, error) crossed out. Plain SVG 1.1, no script, no
// external fonts. A pure function.

#include <string>

#include "tune/power_tuning.h"

namespace lambda_emu::tune {

std::string RenderChart(const TuneResult& result);

}  // namespace lambda_emu::tune
