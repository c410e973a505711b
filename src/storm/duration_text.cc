#include "storm/duration_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace floodgate::storm {

bool parseDurationText(std::string_view text, Duration* out) {
  size_t n = text.size();
  while (n > 0 && (text[n - 1] < '0' || text[n - 1] > '9') && text[n - 1] != '.') --n;
  std::string number(text.substr(0, n));
  std::string_view unit = text.substr(n);
  if (number.empty()) return false;
  for (char c : number) {
    if ((c < '0' || c > '9') && c != '.') return false;
  }
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value) || value < 0) return false;
  double nanos;
  if (unit.empty() || unit == "s") {
    nanos = value * 1e9;
  } else if (unit == "ms") {
    nanos = value * 1e6;
  } else if (unit == "us") {
    nanos = value * 1e3;
  } else if (unit == "m") {
    nanos = value * 60e9;
  } else {
    return false;
  }
  if (nanos > 1e18) return false;
  *out = Duration(static_cast<int64_t>(std::llround(nanos)));
  return true;
}

std::string formatDuration(Duration d) {
  int64_t ns = d.count();
  char buf[32];
  if (ns % 1'000'000'000 == 0) {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(ns / 1'000'000'000));
  } else if (ns < 1'000'000'000 && ns % 1'000'000 == 0) {
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ns / 1'000'000));
  } else {
    std::snprintf(buf, sizeof(buf), "%gs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

}  // namespace floodgate::storm
