#include "metrics/prometheus.h"

#include <cstdio>

namespace lambda_emu::metrics {

std::string Number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += " ";
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " ";
  out += type;
  out += "\n";
}

void Sample(std::string& out, const char* name, const std::string& labels, double value) {
  out += name;
  out += "{" + labels + "} " + Number(value) + "\n";
}

void HistogramSamples(std::string& out, const char* name, const std::string& labels,
                      const Histogram& h) {
  std::uint64_t cumulative = 0;
  for (size_t i = 0; i < Histogram::kBoundsMs.size(); ++i) {
    cumulative += h.buckets()[i];
    out += std::string(name) + "_bucket{" + labels + ",le=\"" + Number(Histogram::kBoundsMs[i]) +
           "\"} " + std::to_string(cumulative) + "\n";
  }
  out +=
      std::string(name) + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count()) + "\n";
  out += std::string(name) + "_sum{" + labels + "} " + Number(h.sum()) + "\n";
  out += std::string(name) + "_count{" + labels + "} " + std::to_string(h.count()) + "\n";
}

}  // namespace lambda_emu::metrics
