// An operator's rule as written (in the config or an admin API call) and its checked form: the
// one place that turns text into a governor::OperatorRule, so both paths refuse the same mistakes
// with the same words.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "governor/governor.h"

namespace floodgate::governor {

struct OperatorRuleSpec {
  std::string source;  // address or prefix, "" any
  std::string path_prefix;
  std::string method;
  std::string header;
  std::string header_value;
  std::string action = "block";
  double rate = 0;  // requests per second
  double burst = 0;
  bool pinned = false;
  std::string reason;
  Duration ttl{};  // 0: none
};

Result<shield::RuleAction> parseRuleAction(std::string_view text);
Result<OperatorRule> operatorRule(const OperatorRuleSpec& spec);
// {"source": "203.0.113.0/24", "action": "block", "reason": "...", "ttl_s": 600, "pinned": true,
//  "path_prefix", "method", "header", "header_value", "rate", "burst"}; unknown keys refused.
Result<OperatorRuleSpec> operatorRuleSpecFromJson(const nlohmann::json& j);

}  // namespace floodgate::governor
