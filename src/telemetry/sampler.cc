#include "telemetry/sampler.h"

#include <algorithm>

#include "telemetry/metric_names.h"

namespace floodgate::telemetry {

void Sampler::tick(int64_t unix_second, double elapsed_seconds) {
  double requests = registry_->sum(names::kRequests);
  double errors = registry_->sum(names::kRequests, {{"code", "5xx"}});
  double rejected = registry_->sum(names::kRejections);
  Histogram::Snapshot durations = registry_->merged(names::kRequestDuration);
  {
    double per = 1 / std::max(elapsed_seconds, 1e-3);
    Sample s;
    double answered = std::max(0.0, requests - requests_);
    double failed = std::max(0.0, errors - errors_);
    s.requests = answered * per;
    s.errors_5xx = failed * per;
    s.rejected = std::max(0.0, rejected - rejected_) * per;
    Histogram::Snapshot window = durations;
    window.subtract(durations_);
    s.p99_seconds = window.quantile(latencyBuckets(), 0.99);
    s.success = answered > 0 ? 1 - failed / answered : 1;
    s.connections = registry_->sum(names::kConnectionsActive);
    history_->record(unix_second, s);
    last_ = s;
  }
  requests_ = requests;
  errors_ = errors;
  rejected_ = rejected;
  durations_ = std::move(durations);
}

}  // namespace floodgate::telemetry
