// The shield as the data plane sees it: per-config compiled parts (in the RuntimeSnapshot) and
// the state shared by all workers for the life of the process (ShieldState): the per-source
// connection table, the rate-limit table, the global connection count and the counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "shield/adaptive_limit.h"
#include "shield/blocklist.h"
#include "shield/challenge.h"
#include "shield/connection_limiter.h"
#include "shield/fingerprint.h"
#include "shield/known_good.h"
#include "shield/mitigation_rule.h"
#include "shield/observation.h"
#include "shield/origin_gate.h"
#include "shield/priority.h"
#include "shield/rate_limit_table.h"

namespace floodgate::proxy {

// What a config says about the shield, compiled once per config load.
struct ShieldPolicy {
  bool enabled = true;
  std::shared_ptr<const shield::Blocklist> blocklist;
  std::vector<shield::RateSpec> rate_specs;     // by config rate-limit index
  std::vector<std::vector<int>> route_limits;   // by route index: the rate limits that apply
  uint64_t min_request_rate = 0;
  Duration min_rate_grace{};
  bool detect = true;
  shield::ChallengeSettings challenge;
  std::string challenge_cookie;          // the cookie's name
  bool origin_protection = true;
  Duration queue_timeout{};
  size_t queue_size = 0;                 // per worker
  uint64_t buffer_body_bytes = 0;        // bodies up to this are read before an origin slot
  int tarpit_after = 0;                  // shield.tarpit_after

  static ShieldPolicy compile(const config::Config& config, MonoTime now);
};

// Why the shield refused something: one counter each, exported later as
// floodgate_rejections_total{stage,reason}.
enum class Rejection : uint8_t {
  kBlocklisted,        // accept: source in the blocklist
  kTooManyConcurrent,  // accept: per-source concurrent connection cap
  kTooManyNew,         // accept: per-source new connections per second
  kOverBudget,         // accept: the global connection budget is spent
  kRateLimited,        // request: 429
  kMitigationRule,     // request: a rule from the detector blocked or limited it
  kSlowRequest,        // request: head or body slower than min_request_rate (408)
  kHeaderTimeout,      // request: head not complete within header_read_timeout (408)
  kBadRequest,         // request: malformed, 4xx from the parser
  kChallenged,         // request: a challenge rule matched and no valid cookie came (302/403)
  kOriginShed,         // request: no origin slot within the wait, or the queue was full (503)
  kCount
};
const char* rejectionName(Rejection r);
const char* rejectionStage(Rejection r);

// Counters written by one worker each (no sharing of cache lines on the hot path), summed on
// read.
struct alignas(64) ShieldCounters {
  std::atomic<uint64_t> rejected[static_cast<size_t>(Rejection::kCount)] = {};
  std::atomic<uint64_t> idle_closed_for_budget{0};
  std::atomic<uint64_t> by_class[3] = {};          // requests admitted by the shield, by class
  std::atomic<uint64_t> shed_by_class[3] = {};     // kOriginShed, by class
  std::atomic<uint64_t> queued_by_class[3] = {};   // waited for an origin slot
  std::atomic<uint64_t> timeout_by_class[3] = {};  // of the shed: waited, and no slot came in time
  std::atomic<uint64_t> challenge_issued{0};       // answered 302 with a fresh cookie
  std::atomic<uint64_t> challenge_passed{0};       // came back with a valid cookie
  std::atomic<uint64_t> challenge_failed{0};  // a cookie that did not verify, or a 403 (not a GET)
  std::atomic<uint64_t> tarpit_holds{0};  // connections not read until their Retry-After
  void count(Rejection r) {
    rejected[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  static void bump(std::atomic<uint64_t>* by, shield::PriorityClass c) {
    by[static_cast<size_t>(c)].fetch_add(1, std::memory_order_relaxed);
  }
};

class ShieldState {
 public:
  ShieldState(const config::Shield& config, int workers);

  shield::ConnectionLimiter& connections() { return connections_; }
  shield::SharedRateLimiter& rates() { return rates_; }
  shield::KnownGoodSet& knownGood() { return known_good_; }
  const shield::RequestFingerprint& fingerprint() const { return fingerprint_; }
  const shield::ObservationConfig& observationConfig() const { return observation_config_; }
  ShieldCounters& counters(int worker) { return counters_[static_cast<size_t>(worker)]; }
  uint64_t total(Rejection r) const;
  // The sum over workers of one of ShieldCounters' by-class arrays, e.g. &ShieldCounters::by_class.
  using ByClass = std::atomic<uint64_t> (ShieldCounters::*)[3];
  uint64_t totalByClass(ByClass field, shield::PriorityClass c) const;
  // The sum over workers of one of ShieldCounters' counters, e.g. &ShieldCounters::challenge_passed.
  uint64_t totalOf(std::atomic<uint64_t> ShieldCounters::*field) const;
  // The origin gate's current limit toward cluster `index` (0 for an unguarded one).
  int originLimit(int index) const;
  uint64_t rateSeed() const { return rate_seed_; }
  int workers() const { return static_cast<int>(counters_.size()); }
  const shield::ChallengeKeys& challenge() const { return challenge_; }

  // Origin protection: the gate toward cluster `index` (shared by all workers), or nullptr for
  // clusters past kMaxGuardedClusters, which go unguarded.
  static constexpr size_t kMaxGuardedClusters = 64;
  shield::OriginGate* originGate(int index) {
    return index >= 0 && static_cast<size_t>(index) < kMaxGuardedClusters
               ? &gates_[static_cast<size_t>(index)]
               : nullptr;
  }
  // Control tick: one AdaptiveLimit step per cluster that saw traffic.
  void tuneOriginLimits();
  // The detector's verdict, for the priority classes (a deprioritise rule demotes to
  // suspicious only while an anomaly is active).
  bool anomalyActive() const { return anomaly_.load(std::memory_order_relaxed); }
  void setAnomalyActive(bool active) { anomaly_.store(active, std::memory_order_relaxed); }

  // The global budget: claim a slot for a new connection, or learn it is spent.
  bool claimConnection();
  void releaseConnection() { live_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t liveConnections() const { return live_.load(std::memory_order_relaxed); }
  int64_t budget() const { return budget_.load(std::memory_order_relaxed); }

  // A reload: new caps and budget (the tables and their contents stay).
  void apply(const config::Shield& config);

 private:
  static int64_t budgetFor(const config::Shield& config);
  static shield::AdaptiveLimitConfig limitConfigFor(const config::Shield& config);

  shield::ConnectionLimiter connections_;
  shield::SharedRateLimiter rates_;
  shield::KnownGoodSet known_good_;
  shield::RequestFingerprint fingerprint_;
  shield::ObservationConfig observation_config_;
  std::vector<ShieldCounters> counters_;
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> budget_{0};
  uint64_t rate_seed_;
  shield::ChallengeKeys challenge_;
  std::atomic<bool> anomaly_{false};
  std::unique_ptr<shield::OriginGate[]> gates_;
  std::mutex limits_mu_;  // control side only: reloads and ticks
  std::vector<shield::AdaptiveLimit> limits_;  // by cluster index, beside gates_
};

}  // namespace floodgate::proxy
