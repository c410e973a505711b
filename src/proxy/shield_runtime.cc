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
    case Rejection::kChallenged: return "challenged";
    case Rejection::kOriginShed: return "origin_shed";
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
  p.challenge.cookie_ttl = s.challenge.cookie_ttl;
  p.challenge.rotation = s.challenge.rotation;
  p.challenge.prefix_v4 = static_cast<unsigned>(s.challenge.prefix_v4);
  p.challenge.prefix_v6 = static_cast<unsigned>(s.challenge.prefix_v6);
  p.challenge_cookie = s.challenge.cookie_name;
  const config::OriginProtection& o = s.origin_protection;
  p.origin_protection = o.enabled;
  p.queue_timeout = o.queue_timeout;
  p.queue_size = static_cast<size_t>(o.queue_size);
  p.buffer_body_bytes = o.buffer_body_bytes;
  p.tarpit_after = s.tarpit_after;
  return p;
}

ShieldState::ShieldState(const config::Shield& config, int workers)
    : connections_(static_cast<size_t>(config.table_slots), capsOf(config), randomSeed()),
      rates_(static_cast<size_t>(config.table_slots)),
      known_good_(static_cast<size_t>(config.table_slots), MonoClock::now()),
      fingerprint_(randomSeed()),
      counters_(static_cast<size_t>(workers)),
      rate_seed_(randomSeed()),
      challenge_(MonoClock::now()),
      gates_(new shield::OriginGate[kMaxGuardedClusters]),
      limits_(kMaxGuardedClusters, shield::AdaptiveLimit(limitConfigFor(config))) {
  observation_config_.seed = randomSeed();
  known_good_.setMinTenure(seconds(10));
  known_good_.setPrefixLengths(observation_config_.v4_prefix, observation_config_.v6_prefix);
  budget_.store(budgetFor(config));
  for (size_t i = 0; i < kMaxGuardedClusters; ++i) {
    gates_[i].setLimit(limits_[i].limit());
    gates_[i].setMinLimit(config.origin_protection.min_limit);
    gates_[i].setCutFloor(limits_[i].cutFloor());
  }
}

shield::AdaptiveLimitConfig ShieldState::limitConfigFor(const config::Shield& config) {
  shield::AdaptiveLimitConfig c;
  c.min_limit = config.origin_protection.min_limit;
  c.max_limit = config.origin_protection.max_limit;
  c.latency_tolerance = config.origin_protection.latency_tolerance;
  return c;
}

void ShieldState::tuneOriginLimits() {
  std::lock_guard<std::mutex> lock(limits_mu_);
  for (size_t i = 0; i < kMaxGuardedClusters; ++i) {
    shield::LimitSample sample = gates_[i].takeSample();
    if (sample.completed == 0 && sample.wanted_more == 0) {
      gates_[i].setSaturated(false);
      continue;
    }
    limits_[i].adopt(gates_[i].limit());  // the data path may have cut it since
    int before = limits_[i].limit();
    shield::AdaptiveLimit::Step step = limits_[i].update(sample);
    gates_[i].setLimit(limits_[i].limit());
    gates_[i].setCutFloor(limits_[i].cutFloor());
    gates_[i].setSaturated(limits_[i].saturated());
    gates_[i].setNormalLatency(std::chrono::duration_cast<Duration>(
        std::chrono::duration<double, std::milli>(limits_[i].normalLatencyMs())));
    // Every tick at debug (the data to see a limit settle or saw), cuts and trims at info.
    bool cut = step == shield::AdaptiveLimit::Step::kCutOverload ||
               step == shield::AdaptiveLimit::Step::kCutLatency ||
               step == shield::AdaptiveLimit::Step::kTrimQueueing;
    spdlog::log(cut ? spdlog::level::info : spdlog::level::debug,
                "origin protection: cluster #{} limit {} -> {}: {} ({} of {} exchanges refused or "
                "failed, mean latency {:.1f} ms, normal {:.1f} ms, peak in flight {}, {} wanted "
                "more, ceiling {}{})",
                i, before, limits_[i].limit(), shield::AdaptiveLimit::stepName(step),
                sample.overloaded, sample.completed,
                sample.latency_count ? sample.latency_sum_ms / sample.latency_count : 0.0,
                limits_[i].normalLatencyMs(), sample.peak_in_flight, sample.wanted_more,
                limits_[i].ceiling(), limits_[i].saturated() ? ", saturated" : "");
  }
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
  std::lock_guard<std::mutex> lock(limits_mu_);
  for (size_t i = 0; i < kMaxGuardedClusters; ++i) {
    limits_[i].reconfigure(limitConfigFor(config));
    gates_[i].setLimit(limits_[i].limit());
    gates_[i].setMinLimit(config.origin_protection.min_limit);
    gates_[i].setCutFloor(limits_[i].cutFloor());
  }
}

bool ShieldState::claimConnection() {
  int64_t now = live_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > budget_.load(std::memory_order_relaxed)) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

uint64_t ShieldState::totalByClass(ByClass field, shield::PriorityClass c) const {
  uint64_t sum = 0;
  for (const auto& counters : counters_) {
    sum += (counters.*field)[static_cast<size_t>(c)].load(std::memory_order_relaxed);
  }
  return sum;
}

uint64_t ShieldState::totalOf(std::atomic<uint64_t> ShieldCounters::*field) const {
  uint64_t sum = 0;
  for (const auto& counters : counters_) sum += (counters.*field).load(std::memory_order_relaxed);
  return sum;
}

int ShieldState::originLimit(int index) const {
  return index >= 0 && static_cast<size_t>(index) < kMaxGuardedClusters
             ? gates_[static_cast<size_t>(index)].limit()
             : 0;
}

uint64_t ShieldState::total(Rejection r) const {
  uint64_t sum = 0;
  for (const auto& c : counters_) {
    sum += c.rejected[static_cast<size_t>(r)].load(std::memory_order_relaxed);
  }
  return sum;
}

}  // namespace floodgate::proxy
