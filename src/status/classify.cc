#include "status/classify.h"

#include <fmt/format.h>

#include <ctime>

namespace floodgate::status {
namespace {

double errorRate(const Signals& s) {
  return s.requests == 0 ? 0.0 : static_cast<double>(s.errors_5xx) / s.requests;
}

double shedRate(const Signals& s) {
  return s.requests == 0 ? 0.0 : static_cast<double>(s.shed) / s.requests;
}

}  // namespace

ComponentStatus classify(const Signals& s, const Thresholds& t) {
  if (s.total_endpoints > 0 && s.healthy_endpoints <= 0) return ComponentStatus::kMajorOutage;
  bool judged = s.requests >= t.min_requests;
  double rate = errorRate(s);
  if (judged && rate >= t.major_error_rate) return ComponentStatus::kMajorOutage;
  if (judged && rate >= t.partial_error_rate) return ComponentStatus::kPartialOutage;
  // Capacity is short: part of the users are turned away, however well the rest are served.
  if (judged && shedRate(s) >= t.degraded_error_rate) return ComponentStatus::kPartialOutage;
  // On the alternate path the service works, with less room to spare: not an outage.
  if (s.failed_over) return ComponentStatus::kDegradedPerformance;
  if (s.healthy_endpoints < s.total_endpoints) return ComponentStatus::kDegradedPerformance;
  if (judged && rate >= t.degraded_error_rate) return ComponentStatus::kDegradedPerformance;
  if (s.p99_ms > t.slow_p99_ms) return ComponentStatus::kDegradedPerformance;
  if (s.under_attack && !s.mitigated) return ComponentStatus::kDegradedPerformance;
  return ComponentStatus::kOperational;
}

std::string describeSignals(const std::string& name, ComponentStatus status, const Signals& s,
                            const Thresholds& t) {
  std::string out;
  auto sentence = [&out](const std::string& text) {
    if (!out.empty()) out += ' ';
    out += text;
  };
  if (s.total_endpoints > 0 && s.healthy_endpoints <= 0) {
    sentence(fmt::format("{} is unreachable: {} accept connections.", name,
                         s.total_endpoints == 1
                             ? std::string("its endpoint does not")
                             : fmt::format("none of its {} endpoints", s.total_endpoints)));
  } else if (s.failed_over) {
    sentence(fmt::format("{} runs on its alternate path: its primary path is unavailable.", name));
  } else if (s.healthy_endpoints < s.total_endpoints) {
    sentence(fmt::format("{} runs on reduced capacity: {} of {} endpoints accept connections.",
                         name, s.healthy_endpoints, s.total_endpoints));
  }
  if (s.requests >= t.min_requests && errorRate(s) >= t.degraded_error_rate) {
    sentence(fmt::format("Elevated error rates on {}: {:.0f}% of requests failed.", name,
                         100 * errorRate(s)));
  }
  if (s.requests >= t.min_requests && shedRate(s) >= t.degraded_error_rate) {
    sentence(fmt::format("Capacity is short: {:.0f}% of requests to {} were asked to retry "
                         "later.",
                         100 * shedRate(s), name));
  }
  if (s.p99_ms > t.slow_p99_ms) {
    sentence(fmt::format("Slow responses from {}: 99% of requests took up to {:.0f} ms.", name,
                         s.p99_ms));
  }
  if (s.under_attack) {
    sentence(s.mitigated ? fmt::format("floodgate detected attack traffic against {} and is "
                                       "filtering it; legitimate requests are being served.",
                                       name)
                         : fmt::format("floodgate detected attack traffic against {}.", name));
  }
  if (out.empty() && status != ComponentStatus::kOperational) {
    sentence(fmt::format("{}: {}.", name, statusLabel(status)));
  }
  return out;
}

std::string clockTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}:{:02} UTC", tm.tm_hour, tm.tm_min);
}

}  // namespace floodgate::status
