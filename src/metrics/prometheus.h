#pragma once
// Prometheus text exposition: a metric family's HELP/TYPE lines, samples and
// histograms, for every renderer of GET /metrics. Pure functions.

#include <string>

#include "metrics/function_metrics.h"

namespace lambda_emu::metrics {

std::string Number(double v);
void Family(std::string& out, const char* name, const char* type, const char* help);
void Sample(std::string& out, const char* name, const std::string& labels, double value);
// `h` as NAME_bucket{labels,le=...}, NAME_sum and NAME_count.
void HistogramSamples(std::string& out, const char* name, const std::string& labels,
                      const Histogram& h);

}  // namespace lambda_emu::metrics
