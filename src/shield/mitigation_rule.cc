#include "shield/mitigation_rule.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <utility>

namespace floodgate::shield {

const char* ruleActionName(RuleAction action) {
  switch (action) {
    case RuleAction::kBlock:
      return "block";
    case RuleAction::kChallenge:
      return "challenge";
    case RuleAction::kRateLimit:
      return "rate_limit";
    case RuleAction::kDeprioritise:
      return "deprioritise";
  }
  return "?";
}

const char* ruleOriginName(RuleOrigin origin) {
  return origin == RuleOrigin::kOperator ? "operator" : "detector";
}

bool RuleMatch::empty() const {
  return !source && !fingerprint && path_prefix.empty() && method.empty() && header_name.empty();
}

std::string RuleMatch::describe() const {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += ", ";
    out += part;
  };
  if (source) add("source " + source->toString());
  if (fingerprint) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "fingerprint %016" PRIx64, *fingerprint);
    add(buf);
  }
  if (!path_prefix.empty()) add("path " + path_prefix + "*");
  if (!method.empty()) add("method " + method);
  if (!header_name.empty()) {
    add("header " + header_name + (header_value.empty() ? "" : "=" + header_value));
  }
  return out.empty() ? "nothing" : out;
}

std::optional<MitigationRule> proposeRule(const Finding& finding, MonoTime now,
                                          const ProposalConfig& config) {
  MitigationRule rule;
  rule.origin = RuleOrigin::kDetector;
  rule.created_at = now;
  rule.evidence = std::string(findingKindName(finding.kind)) + ": " + finding.evidence;
  auto limit = [&](double floor) {
    rule.action = RuleAction::kRateLimit;
    rule.rate = std::max(floor, finding.baseline * config.baseline_headroom);
    rule.burst = rule.rate * config.burst_seconds;
    rule.expires_at = now + config.rate_limit_ttl;
  };
  switch (finding.kind) {
    case FindingKind::kHeavySource:
      rule.match.source = IpPrefix::host(finding.source);
      rule.action = RuleAction::kBlock;
      rule.expires_at = now + config.block_ttl;
      return rule;
    case FindingKind::kHeavyPrefix:
      rule.match.source = finding.prefix;
      limit(config.min_prefix_rate);
      return rule;
    case FindingKind::kHeavyFingerprint:
      rule.match.fingerprint = finding.fingerprint;
      // Regular clients send it too: the rule is for the newcomers that swelled it.
      rule.spare_known_good = finding.shared;
      if (config.challenge_fingerprints) {
        rule.action = RuleAction::kChallenge;
        rule.expires_at = now + config.challenge_ttl;
      } else {
        limit(config.min_fingerprint_rate);
      }
      return rule;
    case FindingKind::kVolumeAnomaly:
    case FindingKind::kOriginStress:
      return std::nullopt;
  }
  return std::nullopt;
}

RuleSet::RuleSet() = default;

std::shared_ptr<const RuleSet> RuleSet::compile(std::vector<MitigationRule> rules, MonoTime now,
                                                size_t max_rules, std::vector<RuleEvent>* events,
                                                std::shared_ptr<const QueryKeys> query_keys) {
  auto note = [&](RuleEvent::Kind kind, const MitigationRule& rule, std::string reason) {
    if (events != nullptr) events->push_back({kind, rule.id, std::move(reason)});
  };
  std::vector<MitigationRule> live;
  live.reserve(rules.size());
  for (auto& rule : rules) {
    if (rule.expires_at <= now) {
      note(RuleEvent::Kind::kExpired, rule, "expired");
    } else if (rule.match.empty()) {
      note(RuleEvent::Kind::kRefused, rule, "matches no condition: would hit every request");
    } else {
      live.push_back(std::move(rule));
    }
  }
  if (live.size() > max_rules) {
    // Least useful first: detector rules before operator ones, then the oldest.
    // std::sort, not stable_sort: the latter's nothrow temporary buffer trips ASan against the
    // test binary's replaced operator new. The id makes the order total anyway.
    std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
      if (a.origin != b.origin) return a.origin == RuleOrigin::kDetector;
      if (a.created_at != b.created_at) return a.created_at < b.created_at;
      return a.id < b.id;
    });
    const size_t excess = live.size() - max_rules;
    char reason[96];
    std::snprintf(reason, sizeof reason, "rule set full (%zu rules): dropped as the least useful",
                  max_rules);
    for (size_t i = 0; i < excess; ++i) note(RuleEvent::Kind::kDropped, live[i], reason);
    live.erase(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(excess));
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
    return a.action != b.action ? a.action < b.action : a.id < b.id;
  });

  auto set = std::make_shared<RuleSet>();
  set->query_keys_ = std::move(query_keys);
  std::map<std::pair<IpKey, uint8_t>, std::vector<uint32_t>> groups;
  for (uint32_t p = 0; p < live.size(); ++p) {
    const RuleMatch& m = live[p].match;
    if (m.source) {
      groups[{m.source->base, m.source->length}].push_back(p);
      if (std::find(set->lengths_.begin(), set->lengths_.end(), m.source->length) ==
          set->lengths_.end()) {
        set->lengths_.push_back(m.source->length);
      }
    } else if (m.fingerprint) {
      groups[{IpKey{0, *m.fingerprint}, kFingerprintTag}].push_back(p);
      set->has_fingerprints_ = true;
    } else {
      set->scanned_.push_back(p);
    }
  }
  std::sort(set->lengths_.rbegin(), set->lengths_.rend());
  if (!groups.empty()) {
    const size_t size = std::bit_ceil(groups.size() * 2);
    set->slots_.resize(size);
    set->mask_ = size - 1;
    for (const auto& [key, positions] : groups) {
      uint64_t i = hashKey(key.first, key.second) & set->mask_;
      while (set->slots_[i].begin != set->slots_[i].end) i = (i + 1) & set->mask_;
      Slot& slot = set->slots_[i];
      slot.base = key.first;
      slot.tag = key.second;
      slot.begin = static_cast<uint32_t>(set->indexed_.size());
      set->indexed_.insert(set->indexed_.end(), positions.begin(), positions.end());
      slot.end = static_cast<uint32_t>(set->indexed_.size());
    }
  }
  set->rules_ = std::move(live);
  return set;
}

const RuleSet::Slot* RuleSet::find(const IpKey& base, uint8_t tag) const {
  for (uint64_t i = hashKey(base, tag) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.begin == slot.end) return nullptr;
    if (slot.tag == tag && slot.base == base) return &slot;
  }
}

bool RuleSet::matchesRest(const MitigationRule& rule, const IpKey& source, uint64_t fingerprint,
                          std::string_view path, std::string_view method,
                          const HeaderLookup& headers, MonoTime now) const {
  const RuleMatch& m = rule.match;
  if (now >= rule.expires_at) return false;
  if (m.source && !m.source->contains(source)) return false;
  if (m.fingerprint && *m.fingerprint != fingerprint) return false;
  if (!m.method.empty() && m.method != method) return false;
  if (!m.path_prefix.empty() && !path.starts_with(m.path_prefix)) return false;
  if (!m.header_name.empty()) {
    std::optional<std::string_view> value = headers(m.header_name);
    if (!value || (!m.header_value.empty() && *value != m.header_value)) return false;
  }
  return true;
}

template <class F>
void RuleSet::forEachCandidate(const IpKey& source, uint64_t fingerprint, F&& f) const {
  auto run = [&](const uint32_t* begin, const uint32_t* end) {
    for (const uint32_t* p = begin; p != end; ++p) f(*p);
  };
  if (!slots_.empty()) {
    for (uint8_t length : lengths_) {
      if (const Slot* slot = find(source.masked(length), length)) {
        run(indexed_.data() + slot->begin, indexed_.data() + slot->end);
      }
    }
    if (has_fingerprints_) {
      if (const Slot* slot = find(IpKey{0, fingerprint}, kFingerprintTag)) {
        run(indexed_.data() + slot->begin, indexed_.data() + slot->end);
      }
    }
  }
  run(scanned_.data(), scanned_.data() + scanned_.size());
}

const MitigationRule* RuleSet::match(const IpKey& source, uint64_t fingerprint,
                                     std::string_view path, std::string_view method,
                                     HeaderLookup headers, MonoTime now) const {
  if (rules_.empty()) return nullptr;
  uint32_t best = UINT32_MAX;
  forEachCandidate(source, fingerprint, [&](uint32_t p) {
    if (p < best && matchesRest(rules_[p], source, fingerprint, path, method, headers, now)) {
      best = p;
    }
  });
  return best == UINT32_MAX ? nullptr : &rules_[best];
}

const MitigationRule* RuleSet::decide(const IpKey& source, uint64_t fingerprint,
                                      std::string_view path, std::string_view method,
                                      HeaderLookup headers, MonoTime now, bool known_good,
                                      RuleTally* tally) const {
  if (rules_.empty()) return nullptr;
  uint32_t best = UINT32_MAX;
  forEachCandidate(source, fingerprint, [&](uint32_t p) {
    const MitigationRule& rule = rules_[p];
    if (!matchesRest(rule, source, fingerprint, path, method, headers, now)) return;
    if (tally != nullptr && rule.tally != RuleTally::kNone) {
      RuleCounts& c = tally->at(rule.tally);
      ++c.matched;
      c.matched_known_good += known_good ? 1 : 0;
    }
    if (p < best && !(known_good && rule.spare_known_good) && inEnforcedShare(rule, source)) {
      best = p;
    }
  });
  if (best == UINT32_MAX) return nullptr;
  const MitigationRule& chosen = rules_[best];
  if (tally != nullptr && chosen.tally != RuleTally::kNone) {
    RuleCounts& c = tally->at(chosen.tally);
    ++c.enforced;
    c.enforced_known_good += known_good ? 1 : 0;
  }
  return &chosen;
}

bool inEnforcedShare(const MitigationRule& rule, const IpKey& source) {
  if (rule.fraction >= 1) return true;
  if (rule.fraction <= 0) return false;
  // The top 53 bits of a per-rule hash of the client, as a number in [0, 1).
  uint64_t h = hashKey(source, rule.id * 0x9e3779b97f4a7c15ULL + 0x6f76'6572'6e6f'7200ULL);
  return static_cast<double>(h >> 11) * 0x1.0p-53 < rule.fraction;
}

size_t RuleSet::memoryBytes() const {
  size_t n = sizeof(*this) + slots_.capacity() * sizeof(Slot) +
             (indexed_.capacity() + scanned_.capacity()) * sizeof(uint32_t);
  for (const auto& r : rules_) {
    n += sizeof(r) + r.evidence.capacity() + r.match.path_prefix.capacity() +
         r.match.method.capacity() + r.match.header_name.capacity() +
         r.match.header_value.capacity();
  }
  return n;
}

}  // namespace floodgate::shield
