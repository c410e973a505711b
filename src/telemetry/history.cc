#include "telemetry/history.h"

#include <algorithm>

namespace floodgate::telemetry {
namespace {

constexpr std::string_view kNames[] = {"requests",    "errors_5xx", "rejected",
                                       "p99_seconds", "success",    "connections"};

double field(const Sample& s, Series series) {
  switch (series) {
    case Series::kRequests:
      return s.requests;
    case Series::kErrors5xx:
      return s.errors_5xx;
    case Series::kRejected:
      return s.rejected;
    case Series::kP99:
      return s.p99_seconds;
    case Series::kSuccess:
      return s.success;
    case Series::kConnections:
      return s.connections;
    case Series::kCount:
      break;
  }
  return 0;
}

}  // namespace

std::string_view seriesName(Series s) { return kNames[static_cast<size_t>(s)]; }

std::optional<Series> seriesFromName(std::string_view name) {
  for (size_t i = 0; i < static_cast<size_t>(Series::kCount); ++i) {
    if (kNames[i] == name) return static_cast<Series>(i);
  }
  return std::nullopt;
}

void History::record(int64_t unix_second, const Sample& sample) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t minute = unix_second - unix_second % 60;
  if (minute_start_ >= 0 && minute != minute_start_) closeMinute();
  if (minute_samples_ == 0) {
    minute_start_ = minute;
    minute_sum_ = Sample{};
    minute_sum_.success = 0;
  }
  seconds_.push({unix_second, sample});
  minute_sum_.requests += sample.requests;
  minute_sum_.errors_5xx += sample.errors_5xx;
  minute_sum_.rejected += sample.rejected;
  minute_sum_.p99_seconds = std::max(minute_sum_.p99_seconds, sample.p99_seconds);
  minute_sum_.success += sample.success;
  minute_sum_.connections += sample.connections;
  ++minute_samples_;
}

void History::closeMinute() {
  if (minute_samples_ > 0) {
    double n = static_cast<double>(minute_samples_);
    Sample avg = minute_sum_;
    avg.requests /= n;
    avg.errors_5xx /= n;
    avg.rejected /= n;
    avg.success /= n;
    avg.connections /= n;
    minutes_.push({minute_start_, avg});
  }
  minute_samples_ = 0;
  minute_start_ = -1;
}

std::vector<Point> History::points(Series series, Resolution resolution, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Point> out;
  auto collect = [&](const auto& ring, size_t capacity) {
    size_t n = std::min(ring.size, limit);
    out.reserve(n);
    for (size_t i = ring.size - n; i < ring.size; ++i) {
      const Slot& s = ring.slots[(ring.next + capacity - ring.size + i) % capacity];
      out.push_back({s.time, field(s.sample, series)});
    }
  };
  if (resolution == Resolution::kSecond) {
    collect(seconds_, kSeconds);
  } else {
    collect(minutes_, kMinutes);
  }
  return out;
}

}  // namespace floodgate::telemetry
