// DecisionRing: the recent fates of one worker's requests (request id, client, route, verdict and
// what decided it) for the admin API's why?request_id=. The worker writes fixed-size slots of a
// shield::SeqlockRing with no lock and no allocation; the admin thread copies slots and skips any
// it caught half-written.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <type_traits>

#include "proxy/shield_runtime.h"
#include "shield/ip_prefix.h"
#include "shield/seqlock_ring.h"

namespace floodgate::proxy {

struct Decision {
  enum class Verdict : uint8_t {
    kProxied,   // sent to the origin (its answer, or floodgate's 502/504, went back)
    kRejected,  // refused by the shield: `reason`, and `rule_id` when a rule decided
    kAnswered,  // answered by floodgate itself (a direct route, no route, too large)
  };
  static constexpr size_t kIdChars = 32;
  static constexpr size_t kRouteChars = 32;

  uint64_t id_hash = 0;  // of the whole request id
  uint64_t rule_id = 0;  // the mitigation rule that decided; 0: none
  shield::IpKey client;
  char id[kIdChars] = {};  // the request id's first kIdChars characters
  uint8_t id_len = 0;      // the request id's length (ids are at most 128 characters)
  Verdict verdict = Verdict::kAnswered;
  Rejection reason = Rejection::kCount;  // kRejected only
  uint16_t status = 0;
  // The route's name as the config of the moment had it (a reload may rename or renumber
  // routes before anyone asks); its first kRouteChars characters. route_len 0: no route.
  char route[kRouteChars] = {};
  uint8_t route_len = 0;
  uint16_t rule_permille = 0;  // the rule's enforced share when it decided (1000: everyone)

  void setRequestId(std::string_view request_id);
  bool hasRequestId(std::string_view request_id) const;
  std::string_view requestId() const { return {id, id_len < kIdChars ? id_len : kIdChars}; }
  void setRoute(std::string_view name);  // "": no route
  std::string_view routeName() const { return {route, std::min<size_t>(route_len, kRouteChars)}; }
};
static_assert(std::is_trivially_copyable_v<Decision>);

// One worker's ring (a few thousand of its latest requests; about 100 bytes each).
class DecisionRing {
 public:
  static constexpr size_t kDefaultSlots = 4096;

  explicit DecisionRing(size_t slots = kDefaultSlots) : ring_(slots) {}

  // The worker thread only; no lock, no allocation.
  void record(const Decision& decision) { ring_.push(decision); }
  // Any thread: the newest decision for `request_id` still in the ring, nullopt when none.
  std::optional<Decision> find(std::string_view request_id) const;
  size_t slots() const { return ring_.slots(); }

 private:
  shield::SeqlockRing<Decision> ring_;
};

// {"request_id", "client", "route", "verdict", "status", and for a refusal "stage" and "reason",
// and when a rule decided "rule": {"id", "enforced_share"}}. Control side.
nlohmann::json describeDecision(const Decision& decision);

}  // namespace floodgate::proxy
