#include "tune/tune_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace lambda_emu::tune {

namespace {

constexpr double kWidth = 760, kHeight = 440;
constexpr double kLeft = 80, kRight = 90, kTop = 56, kBottom = 70;
constexpr const char* kDurationColour = "#2563eb";
constexpr const char* kCostColour = "#d97706";

// The smallest 1, 2 or 5 x 10^k at or above `value`.
double NiceCeiling(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= value * 0.999999) return step * power;
  }
  return 10 * power;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double value, const char* format = "%.1f") {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// A duration tick's label, with the decimals its axis's `step` needs:
// "250 ms", "0.04 ms", "1.5 s".
std::string DurationLabel(double ms, double step) {
  if (ms == 0) return "0";
  if (ms >= 1000) return Num(ms / 1000, step >= 1000 ? "%.0f s" : "%.1f s");
  return Num(ms, step >= 1 ? "%.0f ms" : step >= 0.1 ? "%.1f ms" : "%.2f ms");
}

// A cost tick's label, per million invocations: "$2.08".
std::string CostLabel(double usd_per_million) {
  return Num(usd_per_million, usd_per_million >= 100 ? "$%.0f" : "$%.2f");
}

}  // namespace

std::string RenderChart(const TuneResult& result) {
  const auto& sizes = result.sizes;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double max_ms = 0, max_cost = 0;
  for (const auto& s : sizes) {
    if (!s.ok()) continue;
    max_ms = std::max(max_ms, s.p50_ms);
    max_cost = std::max(max_cost, s.cost_per_invocation_usd * 1e6);
  }
  max_ms = NiceCeiling(max_ms);
  max_cost = NiceCeiling(max_cost);
  const size_t n = std::max<size_t>(sizes.size(), 1);
  auto x_of = [&](size_t i) {
    return kLeft + plot_w * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
  };
  auto y_ms = [&](double ms) { return kTop + plot_h * (1 - ms / max_ms); };
  auto y_cost = [&](double usd_m) { return kTop + plot_h * (1 - usd_m / max_cost); };

  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth, "%.0f") +
         "\" height=\"" + Num(kHeight, "%.0f") + "\" viewBox=\"0 0 " + Num(kWidth, "%.0f") + " " +
         Num(kHeight, "%.0f") +
         "\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  svg += "<text x=\"" + Num(kLeft, "%.0f") + "\" y=\"24\" font-size=\"15\" font-weight=\"600\" " +
         "fill=\"#111827\">" + Escape(result.function_name) +
         ": duration and cost by memory size</text>\n";
  svg += "<text x=\"" + Num(kLeft, "%.0f") + "\" y=\"42\" fill=\"#6b7280\">p50 of " +
         std::to_string(result.runs) + " warm runs per size, " + Escape(result.architecture) +
         ", Lambda prices (" + Escape(result.prices_region) + ", " + Escape(result.prices_as_of) +
         ")</text>\n";

  // Grid and the two axes' ticks (five steps each).
  for (int i = 0; i <= 5; ++i) {
    const double f = i / 5.0;
    const double y = kTop + plot_h * (1 - f);
    svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft + plot_w) + "\" y1=\"" + Num(y) +
           "\" y2=\"" + Num(y) + "\" stroke=\"#e5e7eb\"/>\n";
    svg += "<text x=\"" + Num(kLeft - 8) + "\" y=\"" + Num(y + 4) +
           "\" text-anchor=\"end\" fill=\"" + kDurationColour + "\">" +
           DurationLabel(max_ms * f, max_ms / 5) + "</text>\n";
    svg += "<text x=\"" + Num(kLeft + plot_w + 8) + "\" y=\"" + Num(y + 4) + "\" fill=\"" +
           kCostColour + "\">" + CostLabel(max_cost * f) + "</text>\n";
  }
  svg += "<text transform=\"translate(18," + Num(kTop + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" fill=\"" + kDurationColour +
         "\">p50 duration</text>\n";
  svg += "<text transform=\"translate(" + Num(kWidth - 14) + "," + Num(kTop + plot_h / 2) +
         ") rotate(90)\" text-anchor=\"middle\" fill=\"" + kCostColour +
         "\">cost per million invocations (USD)</text>\n";

  // The memory sizes along the bottom, failures crossed out.
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto& s = sizes[i];
    const double x = x_of(i);
    svg += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop + plot_h + 18) +
           "\" text-anchor=\"middle\" fill=\"#111827\">" + std::to_string(s.memory_mb) +
           " MB</text>\n";
    if (!s.ok()) {
      const double y = kTop + plot_h - 10;
      svg += "<path d=\"M" + Num(x - 6) + " " + Num(y - 6) + " l12 12 m0 -12 l-12 12\" " +
             "stroke=\"#dc2626\" stroke-width=\"2.5\"/>\n";
      svg += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop + plot_h + 34) +
             "\" text-anchor=\"middle\" fill=\"#dc2626\">" + Escape(s.status) + "</text>\n";
    }
  }
  svg += "<text x=\"" + Num(kLeft + plot_w) + "\" y=\"" + Num(kHeight - 12) +
         "\" text-anchor=\"end\" fill=\"#6b7280\">memory size (CPU in proportion: 1,769 MB = "
         "1 vCPU)</text>\n";

  // One line per figure through the sizes that ran.
  auto series = [&](auto y_of, auto value_of, const char* colour) {
    std::string points;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (!sizes[i].ok()) continue;
      points += Num(x_of(i)) + "," + Num(y_of(value_of(sizes[i]))) + " ";
    }
    if (points.empty()) return;
    svg += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>\n";
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (!sizes[i].ok()) continue;
      svg += "<circle cx=\"" + Num(x_of(i)) + "\" cy=\"" + Num(y_of(value_of(sizes[i]))) +
             "\" r=\"4\" fill=\"#ffffff\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
    }
  };
  series(
      y_ms, [](const SizeResult& s) { return s.p50_ms; }, kDurationColour);
  series(
      y_cost, [](const SizeResult& s) { return s.cost_per_invocation_usd * 1e6; }, kCostColour);

  // The picks, written above their size.
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::vector<std::string> words;
    if (result.cheapest == sizes[i].memory_mb) words.push_back("cheapest");
    if (result.fastest == sizes[i].memory_mb) words.push_back("fastest");
    if (result.balanced == sizes[i].memory_mb) words.push_back("balanced");
    double y = kTop + 14;
    for (const auto& word : words) {
      svg += "<text x=\"" + Num(x_of(i)) + "\" y=\"" + Num(y) +
             "\" text-anchor=\"middle\" font-weight=\"600\" fill=\"#047857\">" + word + "</text>\n";
      y += 14;
    }
  }

  // Legend, bottom left.
  const double lx = kLeft, ly = kHeight - 16;
  svg += "<line x1=\"" + Num(lx) + "\" x2=\"" + Num(lx + 24) + "\" y1=\"" + Num(ly) + "\" y2=\"" +
         Num(ly) + "\" stroke=\"" + kDurationColour + "\" stroke-width=\"2.5\"/>\n";
  svg += "<text x=\"" + Num(lx + 30) + "\" y=\"" + Num(ly + 4) +
         "\" fill=\"#111827\">p50 duration</text>\n";
  svg += "<line x1=\"" + Num(lx + 120) + "\" x2=\"" + Num(lx + 144) + "\" y1=\"" + Num(ly) +
         "\" y2=\"" + Num(ly) + "\" stroke=\"" + kCostColour + "\" stroke-width=\"2.5\"/>\n";
  svg += "<text x=\"" + Num(lx + 150) + "\" y=\"" + Num(ly + 4) +
         "\" fill=\"#111827\">cost per million</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace lambda_emu::tune
