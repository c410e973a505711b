#include "storm/expectation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "storm/duration_text.h"

namespace floodgate::storm {

const std::vector<MetricInfo>& expectationMetrics() {
  static const std::vector<MetricInfo> metrics = {
      {"legit_success", MetricUnit::kFraction, "share of legitimate requests answered 2xx/3xx"},
      {"legit_p50_ms", MetricUnit::kMillis, "legitimate latency, median"},
      {"legit_p99_ms", MetricUnit::kMillis, "legitimate latency, 99th percentile"},
      {"legit_p999_ms", MetricUnit::kMillis, "legitimate latency, 99.9th percentile"},
      {"attack_admitted", MetricUnit::kFraction,
       "share of attack requests that reached the origin"},
      {"time_to_mitigate_s", MetricUnit::kSeconds, "attack start until admitted attack < 5%"},
      {"time_to_recover_s", MetricUnit::kSeconds, "attack end until legitimate users are back"},
      {"collateral", MetricUnit::kFraction, "share of legitimate users that received a block"},
      {"collateral_users", MetricUnit::kCount, "legitimate users that received a block"},
      {"legit_requests", MetricUnit::kCount, "legitimate requests completed"},
      {"attack_offered_rps", MetricUnit::kCount, "attack requests offered per second of attack"},
  };
  return metrics;
}

const char* comparisonText(Comparison op) {
  switch (op) {
    case Comparison::kGe:
      return ">=";
    case Comparison::kLe:
      return "<=";
    case Comparison::kGt:
      return ">";
    case Comparison::kLt:
      return "<";
    case Comparison::kEq:
      return "==";
  }
  return "?";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parseNumber(std::string_view text, double* out) {
  std::string s(text);
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*out);
}

bool parseValue(std::string_view text, MetricUnit unit, double* out) {
  if (parseNumber(text, out)) return true;
  if (unit == MetricUnit::kFraction && !text.empty() && text.back() == '%') {
    if (!parseNumber(text.substr(0, text.size() - 1), out)) return false;
    *out /= 100.0;
    return true;
  }
  if (unit == MetricUnit::kMillis || unit == MetricUnit::kSeconds) {
    Duration d{};
    if (!parseDurationText(text, &d)) return false;
    *out = static_cast<double>(d.count()) / (unit == MetricUnit::kMillis ? 1e6 : 1e9);
    return true;
  }
  return false;
}

}  // namespace

Result<Expectation> parseExpectation(std::string_view text) {
  static constexpr std::pair<std::string_view, Comparison> kOps[] = {
      {">=", Comparison::kGe}, {"<=", Comparison::kLe}, {"==", Comparison::kEq},
      {">", Comparison::kGt},  {"<", Comparison::kLt},
  };
  Expectation e;
  e.text = std::string(trim(text));
  size_t at = std::string_view::npos;
  size_t op_len = 0;
  for (const auto& [token, op] : kOps) {
    size_t pos = text.find(token);
    if (pos != std::string_view::npos) {
      at = pos;
      op_len = token.size();
      e.op = op;
      break;
    }
  }
  if (at == std::string_view::npos) {
    return makeError("expectation \"" + e.text +
                     "\" needs a comparison, e.g. \"legit_success >= 0.995\"");
  }
  e.metric = std::string(trim(text.substr(0, at)));
  std::string_view value = trim(text.substr(at + op_len));
  const MetricInfo* info = nullptr;
  for (const auto& m : expectationMetrics()) {
    if (e.metric == m.name) info = &m;
  }
  if (info == nullptr) {
    std::string known;
    for (const auto& m : expectationMetrics())
      known += std::string(known.empty() ? "" : ", ") + m.name;
    return makeError("unknown metric \"" + e.metric + "\" (known: " + known + ")");
  }
  if (!parseValue(value, info->unit, &e.threshold)) {
    const char* hint = info->unit == MetricUnit::kFraction ? "a fraction like 0.995 or 99.5%"
                       : info->unit == MetricUnit::kCount  ? "a number"
                                                           : "a number or a duration like 250ms";
    return makeError("\"" + std::string(value) + "\" is not a value for " + e.metric + " (use " +
                     hint + ")");
  }
  return e;
}

bool expectationHolds(const Expectation& e, std::optional<double> value) {
  if (!value) return false;
  double v = *value;
  switch (e.op) {
    case Comparison::kGe:
      return v >= e.threshold;
    case Comparison::kLe:
      return v <= e.threshold;
    case Comparison::kGt:
      return v > e.threshold;
    case Comparison::kLt:
      return v < e.threshold;
    case Comparison::kEq:
      return std::fabs(v - e.threshold) <= 1e-9 * std::max(1.0, std::fabs(v));
  }
  return false;
}

}  // namespace floodgate::storm
