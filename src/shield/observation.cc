#include "shield/observation.h"

#include <algorithm>

namespace floodgate::shield {

const char* statusClassName(StatusClass c) {
  switch (c) {
    case StatusClass::k2xx:
      return "2xx";
    case StatusClass::k3xx:
      return "3xx";
    case StatusClass::k4xx:
      return "4xx";
    case StatusClass::k5xx:
      return "5xx";
    case StatusClass::kLocal:
      return "local";
  }
  return "?";
}

WorkerObservation::WorkerObservation(const ObservationConfig& config, KnownGoodSet* known_good)
    : config_(config),
      known_good_(known_good),
      sources_(config.top_k, config.sketch_width, config.sketch_depth, config.seed),
      prefixes_(config.top_k, config.sketch_width, config.sketch_depth, config.seed ^ 1),
      fingerprints_(config.top_k, config.sketch_width, config.sketch_depth, config.seed ^ 2),
      refused_(config.top_k, config.sketch_width, config.sketch_depth, config.seed ^ 3),
      refused_prefixes_(config.top_k, config.sketch_width, config.sketch_depth, config.seed ^ 5),
      query_keys_(config.top_k, std::max(64u, config.sketch_width / 8), config.sketch_depth,
                  config.seed ^ 4),
      known_good_fingerprints_(std::max(256u, config.sketch_width / 2), 2, config.seed ^ 6),
      connection_refusals_(std::max(256u, config.sketch_width / 4), 2, config.seed ^ 7),
      served_(std::max(256u, config.sketch_width / 4), 2, config.seed ^ 8) {}

void WorkerObservation::recordRequest(const IpKey& source, uint64_t fingerprint, int route,
                                      bool known_good) {
  ++total_;
  known_good_requests_ += known_good;
  if (route >= 0 && route < kMaxRoutes) {
    ++routes_[route];
    route_known_good_[route] += known_good;
  } else {
    ++other_route_;
  }
  const uint64_t source_key = sourceKey(source);
  sources_.offer(source_key, source);
  distinct_sources_.add(source_key);
  const IpPrefix prefix = prefixOfSource(source);
  const uint64_t prefix_key = prefixKey(prefix);
  prefixes_.offer(prefix_key, prefix);
  distinct_prefixes_.add(prefix_key);
  const uint16_t route_tag = route >= 0 && route < 0xffff ? static_cast<uint16_t>(route) : 0xffff;
  fingerprints_.offer(fingerprint, route_tag);
  if (known_good) known_good_fingerprints_.add(fingerprint);
  distinct_fingerprints_.add(mix64(fingerprint ^ config_.seed));
}

void WorkerObservation::recordResponse(const IpKey& source, int status, Duration upstream_latency,
                                       bool from_origin, MonoTime now, int route) {
  StatusClass cls;
  const bool local_upstream_failure = !from_origin && (status == 502 || status == 504);
  if (from_origin || local_upstream_failure) {
    cls = status < 300   ? StatusClass::k2xx
          : status < 400 ? StatusClass::k3xx
          : status < 500 ? StatusClass::k4xx
                         : StatusClass::k5xx;
  } else {
    cls = StatusClass::kLocal;
  }
  ++status_[static_cast<int>(cls)];
  if (cls == StatusClass::k5xx && route >= 0 && route < kMaxRoutes) ++route_5xx_[route];
  origin_attempts_ += from_origin || local_upstream_failure;
  if (from_origin) {
    ++origin_responses_;
    latency_.record(upstream_latency);
    if (status >= 500) ++origin_failures_;
    if (status < 400 && known_good_ != nullptr) known_good_->noteSuccess(source, now);
    if (status < 500) served_.add(prefixKey(prefixOfSource(source)));
  } else if (local_upstream_failure) {
    ++origin_failures_;
  } else if (status == 429) {
    refused_.offer(sourceKey(source), source);
  }
}

uint64_t WorkerObservation::offerRefusedNetwork(const IpKey& source) {
  const IpPrefix prefix = prefixOfSource(source);
  const uint64_t key = prefixKey(prefix);
  refused_prefixes_.offer(key, prefix);
  return key;
}

void WorkerObservation::recordRefusal(const IpKey& source, MonoTime now, bool on_network) {
  if (on_network) offerRefusedNetwork(source);
  if (known_good_ != nullptr) known_good_->noteRefused(source, now);
}

void WorkerObservation::recordConnectionRefusal(const IpKey& source) {
  connection_refusals_.add(offerRefusedNetwork(source));
}

void WorkerObservation::recordConcurrency(uint32_t in_flight, uint32_t limit) {
  ++concurrency_samples_;
  saturated_samples_ += limit > 0 && in_flight >= limit;
}

uint64_t WorkerObservation::routeRequests(int route) const {
  return route >= 0 && route < kMaxRoutes ? routes_[route] : 0;
}
uint64_t WorkerObservation::routeKnownGoodRequests(int route) const {
  return route >= 0 && route < kMaxRoutes ? route_known_good_[route] : 0;
}
uint64_t WorkerObservation::routeErrors(int route) const {
  return route >= 0 && route < kMaxRoutes ? route_5xx_[route] : 0;
}

bool WorkerObservation::merge(const WorkerObservation& other) {
  if (config_.seed != other.config_.seed || config_.v4_prefix != other.config_.v4_prefix ||
      config_.v6_prefix != other.config_.v6_prefix ||
      !sources_.sketch().compatible(other.sources_.sketch()) ||
      sources_.capacity() != other.sources_.capacity()) {
    return false;
  }
  if (!sources_.merge(other.sources_) || !prefixes_.merge(other.prefixes_) ||
      !fingerprints_.merge(other.fingerprints_) || !refused_.merge(other.refused_) ||
      !refused_prefixes_.merge(other.refused_prefixes_) || !query_keys_.merge(other.query_keys_) ||
      !known_good_fingerprints_.merge(other.known_good_fingerprints_) ||
      !connection_refusals_.merge(other.connection_refusals_) || !served_.merge(other.served_)) {
    return false;  // unreachable: the shapes were checked above
  }
  total_ += other.total_;
  known_good_requests_ += other.known_good_requests_;
  other_route_ += other.other_route_;
  for (int i = 0; i < kMaxRoutes; ++i) {
    routes_[i] += other.routes_[i];
    route_known_good_[i] += other.route_known_good_[i];
    route_5xx_[i] += other.route_5xx_[i];
  }
  for (int i = 0; i < kStatusClasses; ++i) status_[i] += other.status_[i];
  origin_responses_ += other.origin_responses_;
  origin_attempts_ += other.origin_attempts_;
  origin_failures_ += other.origin_failures_;
  concurrency_samples_ += other.concurrency_samples_;
  saturated_samples_ += other.saturated_samples_;
  latency_.merge(other.latency_);
  rule_tally_.merge(other.rule_tally_);
  defied_holds_.merge(other.defied_holds_);
  distinct_sources_.merge(other.distinct_sources_);
  distinct_prefixes_.merge(other.distinct_prefixes_);
  distinct_fingerprints_.merge(other.distinct_fingerprints_);
  return true;
}

void WorkerObservation::reset() {
  total_ = known_good_requests_ = other_route_ = 0;
  routes_.fill(0);
  route_known_good_.fill(0);
  route_5xx_.fill(0);
  status_.fill(0);
  origin_responses_ = origin_attempts_ = origin_failures_ = concurrency_samples_ =
      saturated_samples_ = 0;
  latency_.reset();
  rule_tally_.reset();
  sources_.reset();
  prefixes_.reset();
  fingerprints_.reset();
  refused_.reset();
  refused_prefixes_.reset();
  defied_holds_.reset();
  query_keys_.reset();
  known_good_fingerprints_.reset();
  connection_refusals_.reset();
  served_.reset();
  distinct_sources_.reset();
  distinct_prefixes_.reset();
  distinct_fingerprints_.reset();
}

size_t WorkerObservation::memoryBytes() const {
  return sizeof(*this) + sources_.sketch().memoryBytes() + prefixes_.sketch().memoryBytes() +
         fingerprints_.sketch().memoryBytes() + refused_.sketch().memoryBytes() +
         refused_prefixes_.sketch().memoryBytes() + query_keys_.sketch().memoryBytes() +
         known_good_fingerprints_.memoryBytes() + connection_refusals_.memoryBytes() +
         served_.memoryBytes() + 6 * size_t{config_.top_k} * (8 + 4 + 4 + 4 + 8 + sizeof(IpPrefix));
}

}  // namespace floodgate::shield
