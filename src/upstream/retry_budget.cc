#include "upstream/retry_budget.h"

namespace floodgate::upstream {

RetryBudget::RetryBudget(double percent, double min_per_second)
    : ratio_(percent / 100.0), floor_(min_per_second * kWindowSeconds) {}

void RetryBudget::advance(MonoTime now) {
  int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (second == current_) return;
  current_ = second;
  Bucket& b = buckets_[static_cast<size_t>(second % kWindowSeconds)];
  if (b.second != second) b = Bucket{second, 0, 0};
}

uint64_t RetryBudget::requestsInWindow() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) {
    if (b.second > current_ - kWindowSeconds) n += b.requests;
  }
  return n;
}

uint64_t RetryBudget::retriesInWindow() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) {
    if (b.second > current_ - kWindowSeconds) n += b.retries;
  }
  return n;
}

void RetryBudget::onRequest(MonoTime now) {
  advance(now);
  ++buckets_[static_cast<size_t>(current_ % kWindowSeconds)].requests;
}

bool RetryBudget::tryRetry(MonoTime now) {
  advance(now);
  // The floor and the share do not add up: at any load the retries stay within the larger of
  // the two, so upstream attempts per request stay within 1 + percent/100 once traffic is real.
  double allowed = std::max(floor_, ratio_ * static_cast<double>(requestsInWindow()));
  if (static_cast<double>(retriesInWindow()) + 1 > allowed) return false;
  ++buckets_[static_cast<size_t>(current_ % kWindowSeconds)].retries;
  return true;
}

}  // namespace floodgate::upstream
