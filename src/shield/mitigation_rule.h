// MitigationRule: what to do to which requests, why and until when — proposed from a detector
// finding or written by an operator — and RuleSet, the immutable compiled snapshot of rules the
// request path matches against without a lock or an allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "shield/finding.h"
#include "shield/ip_prefix.h"
#include "shield/query_keys.h"
#include "shield/rule_tally.h"

namespace floodgate::shield {

// Strongest first: when several rules match, the strongest action wins (then the lowest id).
enum class RuleAction : uint8_t { kBlock, kChallenge, kRateLimit, kDeprioritise };
enum class RuleOrigin : uint8_t { kDetector, kOperator };
const char* ruleActionName(RuleAction action);  // "block", "challenge", ...
const char* ruleOriginName(RuleOrigin origin);  // "detector", "operator"

// Every condition set must hold (AND); an unset one matches anything. A rule with no condition
// at all matches nothing (RuleSet refuses it): "block everything" is not a mitigation.
struct RuleMatch {
  std::optional<IpPrefix> source;
  std::optional<uint64_t> fingerprint;
  std::string path_prefix;   // "" any
  std::string method;        // "" any; exact, case-sensitive ("GET")
  std::string header_name;   // "" any; compared case-insensitively
  std::string header_value;  // with header_name: "" means present with any value, else exact

  bool empty() const;
  std::string describe() const;  // "source 1.2.3.4/32, method GET"
};

struct MitigationRule {
  uint64_t id = 0;
  RuleMatch match;
  RuleAction action = RuleAction::kBlock;
  double rate = 0;   // kRateLimit: requests per second for the whole match (all its sources)
  double burst = 0;  // kRateLimit
  RuleOrigin origin = RuleOrigin::kDetector;
  std::string evidence;  // the finding's evidence, or the operator's reason
  MonoTime created_at{};
  MonoTime expires_at = MonoTime::max();  // matches while now < expires_at
  // Set by the governor; the defaults enforce the rule on everyone it matches.
  double fraction = 1;                // share of matching clients enforced: 0 shadow, 1 all
  bool spare_known_good = false;      // narrowed: never enforced on a known-good client
  uint16_t tally = RuleTally::kNone;  // its slot in the workers' RuleTally
};

// Whether `rule` is enforced on `source` by its fraction: a hash of the client, so a client is
// consistently in or out, and a shrinking fraction only ever lets clients out.
bool inEnforcedShare(const MitigationRule& rule, const IpKey& source);

struct ProposalConfig {
  Duration block_ttl = std::chrono::minutes(10);
  Duration rate_limit_ttl = std::chrono::minutes(10);
  Duration challenge_ttl = std::chrono::minutes(10);
  // A rate limit allows the key its learned normal rate times this, and at least min_rate.
  double baseline_headroom = 2;
  double min_prefix_rate = 50;
  double min_fingerprint_rate = 100;
  double burst_seconds = 2;  // burst = rate × this
  // A heavy fingerprint is challenged (a browser passes, a script does not) rather than limited.
  bool challenge_fingerprints = true;
};

// HeavySource → block its address for block_ttl; HeavyPrefix → rate-limit the prefix;
// HeavyFingerprint → challenge (or rate-limit) it; VolumeAnomaly and OriginStress → none: they
// are status signals (the priority classes act on them). The id is 0: whoever keeps the rules
// numbers them.
std::optional<MitigationRule> proposeRule(const Finding& finding, MonoTime now,
                                          const ProposalConfig& config = {});

// Looks a request header up by name (case-insensitively); nullopt when absent. A non-owning
// reference to any callable: no allocation on the request path.
class HeaderLookup {
 public:
  HeaderLookup() = default;  // no headers
  template <class F>
  HeaderLookup(const F& f)  // NOLINT: implicit, like a function_ref
      : ctx_(&f), fn_([](const void* ctx, std::string_view name) {
          return (*static_cast<const F*>(ctx))(name);
        }) {}
  std::optional<std::string_view> operator()(std::string_view name) const {
    return fn_ == nullptr ? std::nullopt : fn_(ctx_, name);
  }

 private:
  const void* ctx_ = nullptr;
  std::optional<std::string_view> (*fn_)(const void*, std::string_view) = nullptr;
};

// Why a rule left the set at compile time, for the event log.
struct RuleEvent {
  enum class Kind : uint8_t { kExpired, kDropped, kRefused };
  Kind kind;
  uint64_t rule_id;
  std::string reason;
};

class RuleSet {
 public:
  static constexpr size_t kDefaultMaxRules = 4096;

  RuleSet();  // matches nothing

  // Control side: drops expired rules and rules with no condition, then — if more than
  // max_rules remain — detector rules before operator rules, oldest first, each with an event.
  // `query_keys`: the learned query keys the workers' fingerprints use, carried in the same
  // snapshot (null: none learned yet).
  static std::shared_ptr<const RuleSet> compile(
      std::vector<MitigationRule> rules, MonoTime now, size_t max_rules = kDefaultMaxRules,
      std::vector<RuleEvent>* events = nullptr,
      std::shared_ptr<const QueryKeys> query_keys = nullptr);

  // Request path: the strongest live rule matching the request, or nullptr. No lock, no
  // allocation; an empty set costs one branch. Source rules cost a probe per distinct prefix
  // length, fingerprint rules one probe; only rules with neither are scanned.
  const MitigationRule* match(const IpKey& source, uint64_t fingerprint, std::string_view path,
                              std::string_view method, HeaderLookup headers, MonoTime now) const;

  // Request path, as match() but for a governed set: every live matching rule is counted in
  // `tally` (when given), and the strongest rule *enforced* on this client is returned — a
  // shadow rule, a client outside a canary's share or a known-good client of a narrowed rule
  // is only counted. No lock, no allocation.
  const MitigationRule* decide(const IpKey& source, uint64_t fingerprint, std::string_view path,
                               std::string_view method, HeaderLookup headers, MonoTime now,
                               bool known_good, RuleTally* tally) const;

  const QueryKeys* queryKeys() const { return query_keys_.get(); }
  bool empty() const { return rules_.empty(); }
  size_t size() const { return rules_.size(); }
  // In precedence order: strongest action first, then by id.
  const std::vector<MitigationRule>& rules() const { return rules_; }
  size_t memoryBytes() const;

 private:
  // Open addressing over (base, tag): tag is the prefix length for source rules, kFingerprintTag
  // for fingerprint rules (base.lo the fingerprint). Each slot names a run of rule positions.
  struct Slot {
    IpKey base;
    uint32_t begin = 0;
    uint32_t end = 0;  // begin == end: empty
    uint8_t tag = 0;
  };
  static constexpr uint8_t kFingerprintTag = 255;

  const Slot* find(const IpKey& base, uint8_t tag) const;
  // Calls f(position) for each rule that may match by source or fingerprint, then the scanned.
  template <class F>
  void forEachCandidate(const IpKey& source, uint64_t fingerprint, F&& f) const;
  bool matchesRest(const MitigationRule& rule, const IpKey& source, uint64_t fingerprint,
                   std::string_view path, std::string_view method, const HeaderLookup& headers,
                   MonoTime now) const;

  std::vector<MitigationRule> rules_;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::vector<uint32_t> indexed_;  // rule positions, grouped by slot, ascending in each group
  std::vector<uint32_t> scanned_;  // rules with neither a source nor a fingerprint
  std::vector<uint8_t> lengths_;   // distinct source prefix lengths, longest first
  bool has_fingerprints_ = false;
  std::shared_ptr<const QueryKeys> query_keys_;
};

}  // namespace floodgate::shield
