// WorkerObservation: what one worker saw during one tick — counts, heavy hitters and upstream
// latency — in fixed memory, cheap per request; the control thread merges the workers' copies
// and hands the sum to the Detector.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"
#include "shield/defied_holds.h"
#include "shield/distinct_count.h"
#include "shield/heavy_hitters.h"
#include "shield/ip_prefix.h"
#include "shield/known_good.h"
#include "shield/latency_histogram.h"
#include "shield/rule_tally.h"

namespace floodgate::shield {

// What a response's status counts as. kLocal: floodgate answered itself (429, 403, a challenge,
// a shed 503) — our own rejections, kept apart so mitigation does not look like a 4xx surge.
enum class StatusClass : uint8_t { k2xx, k3xx, k4xx, k5xx, kLocal };
inline constexpr int kStatusClasses = 5;
const char* statusClassName(StatusClass c);  // "2xx", ..., "local"

// The shape of every worker's observation. All workers and the merged copy must share it (and
// the seed), or merge() refuses.
struct ObservationConfig {
  uint32_t top_k = 64;           // heavy hitters kept per dimension
  uint32_t sketch_width = 4096;  // count-min width (16 KiB per row)
  uint32_t sketch_depth = 4;
  uint64_t seed = 0x5eed'f100'd6a7'e000ULL;  // per process: keeps table sets unpredictable
  unsigned v4_prefix = 24;                   // the prefix a v4 source is grouped in
  unsigned v6_prefix = 64;
};

class WorkerObservation {
 public:
  static constexpr int kMaxRoutes = 64;  // route ids outside 0..63 count in otherRouteRequests()

  // Allocates everything here (~200 KiB with the defaults); nothing after. `known_good`, if
  // given, is the shared set that successful origin responses are noted in (not owned).
  explicit WorkerObservation(const ObservationConfig& config = {},
                             KnownGoodSet* known_good = nullptr);

  // A request admitted past parsing. `known_good`: the worker's isKnownGood() answer for it (it
  // asks anyway, for the priority class), so the detector can tell a flash crowd of regulars
  // from a flood of strangers.
  void recordRequest(const IpKey& source, uint64_t fingerprint, int route, bool known_good = false);
  // The response sent for it. from_origin: the status came from the origin; otherwise floodgate
  // answered (a local 502/504 means the origin failed or timed out and counts as origin failure
  // and as 5xx). upstream_latency counts in the histogram when from_origin. A 2xx/3xx from the
  // origin is noted in the KnownGoodSet at `now` (a challenge page or a local 200 never is).
  // `route` (the request's, -1 none) counts a 5xx against that route too, for routeErrors().
  void recordResponse(const IpKey& source, int status, Duration upstream_latency, bool from_origin,
                      MonoTime now = MonoTime{}, int route = -1);
  // A word-like query key of a known-good client's request (RequestFingerprint::wordKeys), for
  // the QueryKeyLearner.
  void recordQueryKey(uint64_t hash) { query_keys_.offer(hash, 0); }
  // A sample of the origin's concurrency (in flight vs its limit), e.g. at each upstream pick.
  void recordConcurrency(uint32_t in_flight, uint32_t limit);
  // floodgate refused a request of `source` as an attack's: a rate limit's or a rule's 429, a
  // block rule's 403, a challenge. Counted by network (prefixOfSource) for the kernel drop's
  // prefix escalation, which sets it against the network's requests (prefixes()); and noted in
  // the KnownGoodSet at `now`: a client (and a network) still earning its tenure starts again.
  // `on_network` false: the request was counted against its network already
  // (recordSlowRequest), only its tenure is left to note.
  void recordRefusal(const IpKey& source, MonoTime now, bool on_network = true);
  // A connection of `source` refused before a request of it was admitted: its head too slow or
  // never sent (408), too large or malformed (431, 400). Counted by network like a refusal,
  // and as an attempt prefixes() never saw (connectionRefusals()). Not noted in the
  // KnownGoodSet: a browser's unused preconnection is closed this way too.
  void recordConnectionRefusal(const IpKey& source);
  // A connection of `source` a second into a head or body it sends slower than the minimum
  // rate (or a new one that has sent nothing), not refused yet (it has its grace), counted
  // against its network as refused now: a network of such connections only is a slowloris's or
  // a connection flood's, and is dropped without waiting out each connection's own deadline.
  // `before_request`: no request of it was counted (then an attempt too, as above).
  void recordSlowConnection(const IpKey& source, bool before_request) {
    if (before_request) {
      recordConnectionRefusal(source);
    } else {
      offerRefusedNetwork(source);
    }
  }
  // A tarpitted connection of `source` was sent to before its hold (ending `until`) was over.
  void recordDefiedHold(const IpKey& source, MonoTime until) {
    defied_holds_.record(sourceKey(source), source, until);
  }

  // Adds another worker's observation; false (nothing changed) if the shapes differ.
  [[nodiscard]] bool merge(const WorkerObservation& other);
  void reset();

  uint64_t totalRequests() const { return total_; }
  uint64_t knownGoodRequests() const { return known_good_requests_; }
  uint64_t routeRequests(int route) const;
  uint64_t routeKnownGoodRequests(int route) const;
  uint64_t routeErrors(int route) const;  // 5xx of StatusClass::k5xx answered on the route
  uint64_t otherRouteRequests() const { return other_route_; }
  uint64_t statusCount(StatusClass c) const { return status_[static_cast<int>(c)]; }
  uint64_t originResponses() const { return origin_responses_; }
  uint64_t originAttempts() const { return origin_attempts_; }  // responses + local 502/504
  uint64_t originFailures() const { return origin_failures_; }  // 5xx from origin, 502/504 local
  uint64_t concurrencySamples() const { return concurrency_samples_; }
  uint64_t saturatedSamples() const { return saturated_samples_; }
  const LatencyHistogram& latency() const { return latency_; }
  // Per-rule matches and enforcements, filled by RuleSet::decide() on the request path.
  RuleTally& ruleTally() { return rule_tally_; }
  const RuleTally& ruleTally() const { return rule_tally_; }

  // Payloads carried for evidence: the address, the prefix, the route of a fingerprint.
  const HeavyHitters<IpKey>& sources() const { return sources_; }
  const HeavyHitters<IpPrefix>& prefixes() const { return prefixes_; }
  const HeavyHitters<uint16_t>& fingerprints() const { return fingerprints_; }
  // Sources floodgate itself answered 429 (a rate limit, a rate-limiting rule): the repeat
  // offenders the kernel drop escalates. A 403 of a block rule is not counted: that rule goes
  // to the kernel itself once it has held (DefenseLoop::mirrorToKernel).
  const HeavyHitters<IpKey>& refused() const { return refused_; }
  // Networks by their refused requests (recordRefusal), filed under prefixKey() like prefixes().
  const HeavyHitters<IpPrefix>& refusedPrefixes() const { return refused_prefixes_; }
  // Networks' connections refused before a request (recordConnectionRefusal), by prefixKey():
  // with prefixes(), all that a network tried.
  uint64_t connectionRefusals(uint64_t prefix_key) const {
    return connection_refusals_.estimate(prefix_key);
  }
  // Networks' requests the origin answered (below 500), by prefixKey(): a network served, where
  // one refused late (a slow body refused seconds after its head was counted) is not.
  uint64_t servedByOrigin(uint64_t prefix_key) const { return served_.estimate(prefix_key); }
  // Sources that did not wait for their Retry-After while tarpitted: escalated like the above.
  const DefiedHolds& defiedHolds() const { return defied_holds_; }
  const HeavyHitters<uint8_t>& queryKeys() const { return query_keys_; }
  double distinctSources() const { return distinct_sources_.estimate(); }
  double distinctPrefixes() const { return distinct_prefixes_.estimate(); }
  double distinctFingerprints() const { return distinct_fingerprints_.estimate(); }
  // Known-good clients' requests with `fingerprint`, never an undercount: what a rule on that
  // fingerprint would have matched of theirs (the collateral gate's evidence at once).
  uint64_t knownGoodWithFingerprint(uint64_t fingerprint) const {
    return known_good_fingerprints_.estimate(fingerprint);
  }

  // The heavy-hitter keys: what a source's, prefix's or fingerprint's entry is filed under.
  uint64_t sourceKey(const IpKey& key) const { return hashKey(key, config_.seed); }
  uint64_t prefixKey(const IpPrefix& prefix) const { return hashPrefix(prefix, config_.seed); }
  IpPrefix prefixOfSource(const IpKey& key) const {
    return prefixOf(key, key.isV4() ? config_.v4_prefix : config_.v6_prefix);
  }

  const ObservationConfig& config() const { return config_; }
  size_t memoryBytes() const;

 private:
  // Counts a refusal of `source` against its network (refusedPrefixes()); its key.
  uint64_t offerRefusedNetwork(const IpKey& source);

  ObservationConfig config_;
  KnownGoodSet* known_good_;
  uint64_t total_ = 0;
  uint64_t known_good_requests_ = 0;
  uint64_t other_route_ = 0;
  std::array<uint64_t, kMaxRoutes> routes_{};
  std::array<uint64_t, kMaxRoutes> route_known_good_{};
  std::array<uint64_t, kMaxRoutes> route_5xx_{};
  std::array<uint64_t, kStatusClasses> status_{};
  uint64_t origin_responses_ = 0;
  uint64_t origin_attempts_ = 0;
  uint64_t origin_failures_ = 0;
  uint64_t concurrency_samples_ = 0;
  uint64_t saturated_samples_ = 0;
  LatencyHistogram latency_;
  RuleTally rule_tally_;
  HeavyHitters<IpKey> sources_;
  HeavyHitters<IpPrefix> prefixes_;
  HeavyHitters<uint16_t> fingerprints_;
  HeavyHitters<IpKey> refused_;
  HeavyHitters<IpPrefix> refused_prefixes_;
  DefiedHolds defied_holds_;
  HeavyHitters<uint8_t> query_keys_;  // a narrower sketch: a service has a few dozen keys
  CountMinSketch known_good_fingerprints_;
  CountMinSketch connection_refusals_;  // by network, a narrow sketch: few networks refuse
  CountMinSketch served_;               // origin answers by network, as narrow
  DistinctCount distinct_sources_;
  DistinctCount distinct_prefixes_;
  DistinctCount distinct_fingerprints_;
};

}  // namespace floodgate::shield
