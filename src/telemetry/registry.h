// Registry: every metric series by name and labels, and their exposition in the Prometheus text
// format 0.0.4. Registering takes a lock and happens on the control side (at start, on reload);
// workers keep the returned pointers — stable for the registry's life — and never see the lock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telemetry/metrics.h"

namespace floodgate::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

class Registry {
 public:
  explicit Registry(int shards);  // one shard per writer thread (the workers)
  int shards() const { return shards_; }

  // The series `name{labels}`, created on first use; the same pointer every later time. Asking
  // for a name already registered with another type is a programming error (aborts).
  Counter* counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram* histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                       const Buckets& buckets = latencyBuckets());
  // A counter or gauge whose value is read from elsewhere when scraped (the shield's counters,
  // the process's memory). Registering the same series again replaces the function.
  void callback(std::string_view name, std::string_view help, MetricType type, const Labels& labels,
                std::function<double()> read);
  // A counter or gauge family whose series themselves are read when scraped: for series that
  // come and go (the top offenders of the last tick). `read` must return a bounded number of
  // samples; registering the family again replaces the function.
  using Samples = std::vector<std::pair<Labels, double>>;
  void callbackFamily(std::string_view name, std::string_view help, MetricType type,
                      std::function<Samples()> read);

  // Everything, in the Prometheus text format 0.0.4.
  std::string exposition() const;
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Reading series for the history: the sum of every counter (or callback) series of `name`
  // whose labels include `match` (empty: all), and the merge of every histogram series of `name`.
  double sum(std::string_view name, const Labels& match = {}) const;
  Histogram::Snapshot merged(std::string_view name) const;

 private:
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    std::string help;
    MetricType type;
    std::map<Labels, Series> series;
    std::function<Samples()> read_all;  // callbackFamily's, beside any fixed series
  };
  Family& family(std::string_view name, std::string_view help, MetricType type);
  Series& series(std::string_view name, std::string_view help, MetricType type,
                 const Labels& labels);

  int shards_;
  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

// Escaping for the text format: label values escape \, " and newline; HELP text \ and newline.
std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);
// A sample value as the text format writes it: integers without a fraction, +Inf, -Inf, NaN.
std::string formatValue(double v);

}  // namespace floodgate::telemetry
