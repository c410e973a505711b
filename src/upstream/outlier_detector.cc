#include "upstream/outlier_detector.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace floodgate::upstream {

OutlierDetector::OutlierDetector(const config::OutlierDetection& config, size_t endpoints)
    : config_(config), state_(endpoints) {}

size_t OutlierDetector::ejectedCount() const {
  return static_cast<size_t>(
      std::count_if(state_.begin(), state_.end(), [](const State& s) { return s.ejected; }));
}

bool OutlierDetector::mayEject() const {
  size_t cap = state_.size() * static_cast<size_t>(config_.max_ejected_percent) / 100;
  return ejectedCount() < std::max<size_t>(cap, 1);
}

void OutlierDetector::eject(size_t i, MonoTime now, std::string reason,
                            std::vector<OutlierChange>* out) {
  State& s = state_[i];
  if (s.ejected || !mayEject()) return;
  // Repeat offences wear off: a clean stretch as long as the longest ejection forgives one.
  if (s.ejections > 0 && now - s.last_ejection > config_.max_ejection) --s.ejections;
  ++s.ejections;
  Duration d = std::min<Duration>(config_.base_ejection * s.ejections, config_.max_ejection);
  s.ejected = true;
  s.until = now + d;
  s.last_ejection = now;
  out->push_back(OutlierChange{i, true, std::move(reason), d, s.ejections});
}

bool OutlierDetector::uneject(size_t endpoint) {
  if (endpoint >= state_.size() || !state_[endpoint].ejected) return false;
  state_[endpoint].ejected = false;
  return true;
}

std::vector<OutlierChange> OutlierDetector::tick(MonoTime now,
                                                 const std::vector<EndpointSample>& samples) {
  std::vector<OutlierChange> changes;
  if (!started_) {
    started_ = true;
    window_began_ = now;
    for (size_t i = 0; i < state_.size() && i < samples.size(); ++i) {
      state_[i].window_start = samples[i];
    }
  }
  for (size_t i = 0; i < state_.size(); ++i) {
    State& s = state_[i];
    if (s.ejected && now >= s.until) {
      s.ejected = false;
      changes.push_back(OutlierChange{i, false, "", Duration{0}, s.ejections});
    }
  }
  if (!config_.enabled) return changes;
  for (size_t i = 0; i < state_.size() && i < samples.size(); ++i) {
    const EndpointSample& x = samples[i];
    if (config_.consecutive_5xx > 0 && x.consecutive_5xx >= config_.consecutive_5xx) {
      eject(i, now, fmt::format("{} consecutive 5xx responses", x.consecutive_5xx), &changes);
    } else if (config_.consecutive_connect_failures > 0 &&
               x.consecutive_gateway >= config_.consecutive_connect_failures) {
      eject(i, now,
            fmt::format("{} consecutive connect failures, resets or timeouts",
                        x.consecutive_gateway),
            &changes);
    }
  }
  if (now - window_began_ >= config_.interval) judgeWindow(now, samples, &changes);
  return changes;
}

void OutlierDetector::judgeWindow(MonoTime now, const std::vector<EndpointSample>& samples,
                                  std::vector<OutlierChange>* out) {
  struct Judged {
    size_t endpoint;
    double success;  // 0..1
    double latency_ms;
  };
  std::vector<Judged> judged;
  for (size_t i = 0; i < state_.size() && i < samples.size(); ++i) {
    State& s = state_[i];
    uint64_t requests = samples[i].requests - s.window_start.requests;
    uint64_t failures = samples[i].failures - s.window_start.failures;
    uint64_t latency = samples[i].latency_us - s.window_start.latency_us;
    s.window_start = samples[i];
    if (s.ejected || requests < static_cast<uint64_t>(config_.success_rate_request_volume)) {
      continue;
    }
    double n = static_cast<double>(requests);
    judged.push_back({i, 1.0 - static_cast<double>(failures) / n,
                      static_cast<double>(latency) / n / 1000.0});
  }
  window_began_ = now;
  for (const auto& j : judged) {
    if (config_.min_success_rate > 0 && j.success * 100 < config_.min_success_rate) {
      eject(j.endpoint, now,
            fmt::format("success rate {:.1f}% below the minimum {:.1f}%", j.success * 100,
                        config_.min_success_rate),
            out);
    }
  }
  if (judged.size() < static_cast<size_t>(config_.success_rate_minimum_hosts)) return;
  if (config_.success_rate_stdev > 0) {
    double mean = 0, var = 0;
    for (const auto& j : judged) mean += j.success;
    mean /= static_cast<double>(judged.size());
    for (const auto& j : judged) var += (j.success - mean) * (j.success - mean);
    double stdev = std::sqrt(var / static_cast<double>(judged.size()));
    double floor = mean - config_.success_rate_stdev * stdev;
    for (const auto& j : judged) {
      if (j.success < floor) {
        eject(j.endpoint, now,
              fmt::format("success rate {:.1f}% far below the cluster's {:.1f}%",
                          j.success * 100, mean * 100),
              out);
      }
    }
  }
  if (config_.latency_factor > 0) {
    std::vector<double> latencies;
    for (const auto& j : judged) latencies.push_back(j.latency_ms);
    std::nth_element(latencies.begin(), latencies.begin() + latencies.size() / 2,
                     latencies.end());
    double median = latencies[latencies.size() / 2];
    for (const auto& j : judged) {
      if (median > 0 && j.latency_ms > config_.latency_factor * median) {
        eject(j.endpoint, now,
              fmt::format("mean latency {:.1f} ms over {:g}x the cluster's median {:.1f} ms",
                          j.latency_ms, config_.latency_factor, median),
              out);
      }
    }
  }
}

}  // namespace floodgate::upstream
