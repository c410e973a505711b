// OperatorRuleSpec: an operator's rule as written, in the config's `governor.rules` or an admin
// API call, before it is checked (operator_rule.h turns it into a governor::OperatorRule).
#pragma once

#include <string>

#include "core/clock.h"

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

  bool operator==(const OperatorRuleSpec&) const = default;
};

}  // namespace floodgate::governor
