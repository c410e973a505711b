// History: the key series of the gateway, one sample per second for the last hour and one per
// minute for the last day, in fixed rings (memory does not grow with uptime), for the status
// page's charts and /api/v1/history. The control thread records; anyone may read.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace floodgate::telemetry {

// One second of the gateway, as the charts show it.
struct Sample {
  double requests = 0;     // requests answered per second
  double errors_5xx = 0;   // of which 5xx, per second
  double rejected = 0;     // shield rejections per second (at accept and per request)
  double p99_seconds = 0;  // request duration, 99th percentile over the second
  double success = 1;      // non-5xx share of answered requests (1 when none were answered)
  double connections = 0;  // client connections open at the end of the second
};

enum class Series { kRequests, kErrors5xx, kRejected, kP99, kSuccess, kConnections, kCount };
// "requests", "errors_5xx", "rejected", "p99_seconds", "success", "connections"
std::string_view seriesName(Series s);
std::optional<Series> seriesFromName(std::string_view name);

enum class Resolution { kSecond, kMinute };

struct Point {
  int64_t time = 0;  // Unix seconds at the start of the interval
  double value = 0;
};

class History {
 public:
  static constexpr size_t kSeconds = 3600;
  static constexpr size_t kMinutes = 1440;

  // Records the second starting at `unix_second`. A minute's point is made when a sample for a
  // later minute arrives: rates and shares are averaged, p99 is the worst second, connections
  // the mean.
  void record(int64_t unix_second, const Sample& sample);
  // Points oldest first, at most `limit` (the newest ones).
  std::vector<Point> points(Series series, Resolution resolution, size_t limit = SIZE_MAX) const;

 private:
  struct Slot {
    int64_t time = 0;
    Sample sample;
  };
  template <size_t N>
  struct Ring {
    std::array<Slot, N> slots;
    size_t next = 0;
    size_t size = 0;
    void push(const Slot& s) {
      slots[next] = s;
      next = (next + 1) % N;
      if (size < N) ++size;
    }
  };
  void closeMinute();

  mutable std::mutex mu_;
  Ring<kSeconds> seconds_;
  Ring<kMinutes> minutes_;
  int64_t minute_start_ = -1;  // the minute being accumulated
  Sample minute_sum_;
  size_t minute_samples_ = 0;
};

}  // namespace floodgate::telemetry
