// An operator's rule as written (in the config or an admin API call) and its checked form: the
// one place that turns text into a governor::OperatorRule, so both paths refuse the same mistakes
// with the same words.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "governor/governor.h"
#include "governor/operator_rule_spec.h"

namespace floodgate::governor {

Result<shield::RuleAction> parseRuleAction(std::string_view text);
Result<OperatorRule> operatorRule(const OperatorRuleSpec& spec);
// {"source": "203.0.113.0/24", "action": "block", "reason": "...", "ttl_s": 600, "pinned": true,
//  "path_prefix", "method", "header", "header_value", "rate", "burst"}; unknown keys refused.
Result<OperatorRuleSpec> operatorRuleSpecFromJson(const nlohmann::json& j);

}  // namespace floodgate::governor
