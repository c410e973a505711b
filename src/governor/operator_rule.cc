#include "governor/operator_rule.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace floodgate::governor {

Result<shield::RuleAction> parseRuleAction(std::string_view text) {
  for (auto action : {shield::RuleAction::kBlock, shield::RuleAction::kChallenge,
                      shield::RuleAction::kRateLimit, shield::RuleAction::kDeprioritise}) {
    if (text == shield::ruleActionName(action)) return action;
  }
  return makeError(
      fmt::format("\"{}\" is not an action; use block, rate_limit, challenge or "
                  "deprioritise",
                  text));
}

Result<OperatorRule> operatorRule(const OperatorRuleSpec& spec) {
  OperatorRule rule;
  if (!spec.source.empty()) {
    auto prefix = shield::IpPrefix::parse(spec.source);
    if (!prefix) return makeError("source: " + prefix.error());
    rule.match.source = *prefix;
  }
  rule.match.path_prefix = spec.path_prefix;
  rule.match.method = spec.method;
  rule.match.header_name = spec.header;
  rule.match.header_value = spec.header_value;
  if (!spec.header_value.empty() && spec.header.empty()) {
    return makeError("header_value needs header (its name)");
  }
  auto action = parseRuleAction(spec.action);
  if (!action) return makeError("action: " + action.error());
  rule.action = *action;
  rule.rate = spec.rate;
  rule.burst = spec.burst;
  rule.pinned = spec.pinned;
  rule.reason = spec.reason;
  rule.ttl = spec.ttl;
  return rule;
}

Result<OperatorRuleSpec> operatorRuleSpecFromJson(const nlohmann::json& j) {
  static const std::array<std::string_view, 12> kKeys = {
      "source", "path_prefix", "method", "header", "header_value", "action",
      "rate",   "burst",       "pinned", "reason", "ttl_s",        "name"};
  if (!j.is_object()) return makeError("the body must be a JSON object describing the rule");
  OperatorRuleSpec spec;
  for (const auto& [key, value] : j.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return makeError(
          fmt::format("unknown field \"{}\"; a rule has source, path_prefix, method, "
                      "header, header_value, action, rate, burst, pinned, reason, "
                      "ttl_s",
                      key));
    }
    bool text = key != "rate" && key != "burst" && key != "ttl_s" && key != "pinned";
    if (text && !value.is_string()) return makeError(fmt::format("\"{}\" must be a string", key));
    if (key == "pinned" && !value.is_boolean())
      return makeError("\"pinned\" must be true or false");
    if (!text && key != "pinned" && !value.is_number()) {
      return makeError(fmt::format("\"{}\" must be a number", key));
    }
  }
  auto text = [&](const char* key, std::string* out) {
    if (j.contains(key)) *out = j[key].get<std::string>();
  };
  text("source", &spec.source);
  text("path_prefix", &spec.path_prefix);
  text("method", &spec.method);
  text("header", &spec.header);
  text("header_value", &spec.header_value);
  text("action", &spec.action);
  text("reason", &spec.reason);
  spec.rate = j.value("rate", 0.0);
  spec.burst = j.value("burst", 0.0);
  spec.pinned = j.value("pinned", false);
  double ttl = j.value("ttl_s", 0.0);
  if (ttl < 0 || ttl > 365.0 * 86400) return makeError("\"ttl_s\" must be between 0 and a year");
  spec.ttl = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(ttl));
  return spec;
}

}  // namespace floodgate::governor
