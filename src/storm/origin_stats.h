// OriginStatsReader: asks `floodgate origin` (GET /__origin/stats?prefix=...) how many requests
// from a source range reached it — the ground truth for "attack admitted to the origin".
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "storm/cidr.h"
#include "storm/url.h"

namespace floodgate::storm {

struct OriginCounts {
  uint64_t requests = 0;  // reached the origin
  uint64_t served = 0;    // answered 2xx
  uint64_t rejected = 0;  // answered 503, over capacity
  uint64_t failed = 0;    // answered 5xx otherwise

  void add(const OriginCounts& o) {
    requests += o.requests;
    served += o.served;
    rejected += o.rejected;
    failed += o.failed;
  }
  // Growth since `earlier` (a reset of the origin in between reads as zero, not negative).
  OriginCounts since(const OriginCounts& earlier) const;
};

// Sums the sources of a stats reply that lie in `range` (the "other" bucket is not counted:
// its sources are unknown).
Result<OriginCounts> parseOriginStats(std::string_view json, const CidrRange& range);

// The text prefix to ask the origin for: the range's own when it has one, else the widest
// whole-octet prefix that covers it (the reply is then filtered by parseOriginStats).
std::string queryPrefixFor(const CidrRange& range);

class OriginStatsReader {
 public:
  OriginStatsReader(LoopbackUrl stats_url, std::vector<CidrRange> ranges)
      : url_(std::move(stats_url)), ranges_(std::move(ranges)) {}

  // One reading per range, in order.
  Result<std::vector<OriginCounts>> read(Duration timeout) const;
  const std::vector<CidrRange>& ranges() const { return ranges_; }

 private:
  LoopbackUrl url_;
  std::vector<CidrRange> ranges_;
};

}  // namespace floodgate::storm
