#include "proxy/shield_runtime.h"

#include <sys/resource.h>

#include <random>

#include "core/log.h"

namespace floodgate::proxy {
namespace {

uint64_t randomSeed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

shield::ConnectionCaps capsOf(const config::Shield& c) {
  shield::ConnectionCaps caps;
  caps.max_concurrent = static_cast<uint32_t>(c.max_connections_per_source);
  caps.max_new_per_second = static_cast<uint32_t>(c.new_connections_per_source);
  return caps;
}

}  // namespace

const char* rejectionName(Rejection r) {
  switch (r) {
    case Rejection::kBlocklisted: return "blocklisted";
    case Rejection::kTooManyConcurrent: return "too_many_concurrent";
    case Rejection::kTooManyNew: return "too_many_new";
    case Rejection::kOverBudget: return "over_budget";
    case Rejection::kRateLimited: return "rate_limited";
    case Rejection::kMitigationRule: return "mitigation_rule";
    case Rejection::kSlowRequest: return "slow_request";
    case Rejection::kHeaderTimeout: return "header_timeout";
    case Rejection::kBadRequest: return "bad_request";
    case Rejection::kCount: break;
  }
  return "unknown";
}

const char* rejectionStage(Rejection r) {
  return r <= Rejection::kOverBudget ? "connection" : "request";
}

ShieldPolicy ShieldPolicy::compile(const config::Config& config, MonoTime now) {
  ShieldPolicy p;
  const config::Shield& s = config.shield;
  p.enabled = s.enabled;
  shield::BlocklistBuilder builder;
  for (const auto& entry : s.blocklist) {
    MonoTime expires = entry.ttl.count() > 0 ? now + entry.ttl : MonoTime::max();
    // Validated at load: a failure here would be a bug, and an empty entry is the safe side.
    (void)builder.add(entry.prefix, expires, shield::BlockOrigin::kOperator,
                      entry.reason.empty() ? "config" : entry.reason);
  }
  p.blocklist = builder.build();
  p.route_limits.assign(config.routes.size(), {});
  for (size_t i = 0; i < s.rate_limits.size(); ++i) {
    const auto& limit = s.rate_limits[i];
    p.rate_specs.push_back(shield::RateSpec::perSecond(limit.rate, limit.burst));
    for (size_t r = 0; r < config.routes.size(); ++r) {
      bool applies = limit.route_indexes.empty();
      for (int idx : limit.route_indexes) applies = applies || idx == static_cast<int>(r);
      if (applies) p.route_limits[r].push_back(static_cast<int>(i));
    }
  }
  p.min_request_rate = s.min_request_rate;
  p.min_rate_grace = s.min_rate_grace;
  p.detect = s.detect;
  return p;
}

ShieldState::ShieldState(const config::Shield& config, int workers)
    : connections_(static_cast<size_t>(config.table_slots), capsOf(config), randomSeed()),
      rates_(static_cast<size_t>(config.table_slots)),
      known_good_(static_cast<size_t>(config.table_slots), MonoClock::now()),
      fingerprint_(randomSeed()),
      counters_(static_cast<size_t>(workers)),
      rate_seed_(randomSeed()) {
  observation_config_.seed = randomSeed();
  known_good_.setMinTenure(seconds(10));
  budget_.store(budgetFor(config));
}

int64_t ShieldState::budgetFor(const config::Shield& config) {
  if (config.connection_budget > 0) return config.connection_budget;
  // Each client may hold an upstream connection too, and the process needs a few of its own.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  int64_t files = limit.rlim_cur == RLIM_INFINITY ? 1 << 20 : static_cast<int64_t>(limit.rlim_cur);
  return std::max<int64_t>(64, (files - 256) * 2 / 3);
}

void ShieldState::apply(const config::Shield& config) {
  connections_.setCaps(capsOf(config));
  budget_.store(budgetFor(config));
}

bool ShieldState::claimConnection() {
  int64_t now = live_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > budget_.load(std::memory_order_relaxed)) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

uint64_t ShieldState::total(Rejection r) const {
  uint64_t sum = 0;
  for (const auto& c : counters_) {
    sum += c.rejected[static_cast<size_t>(r)].load(std::memory_order_relaxed);
  }
  return sum;
}

}  // namespace floodgate::proxy
