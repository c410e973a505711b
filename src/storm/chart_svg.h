// The run as a picture: legitimate success, legitimate p99, and attack offered vs reaching the
// origin, second by second, with the phases shaded. Plain SVG, no scripts, no fonts to fetch.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace floodgate::storm {

struct ChartPhase {
  std::string name;
  double start_s = 0;
  double end_s = 0;
  bool attack = false;
};

struct ChartPoint {
  std::optional<double> success;  // 0..1
  std::optional<double> p99_ms;
  double offered_rps = 0;
  std::optional<double> admitted_rps;
};

struct ChartData {
  std::string title;
  std::vector<ChartPhase> phases;
  std::vector<ChartPoint> seconds;  // index = second
};

std::string chartSvg(const ChartData& data);

}  // namespace floodgate::storm
