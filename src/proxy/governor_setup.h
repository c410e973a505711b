// The governor as the gateway configures it: the config's operator rules kept in the governor
// across reloads, and the shield's part of a `why`.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "governor/governor.h"
#include "proxy/runtime.h"
#include "proxy/shield_runtime.h"

namespace floodgate::proxy {

// The config's operator rules as live governor rules: on each apply, rules new to the config are
// added (through the gates unless pinned) and rules gone from it are expired.
class ConfigRules {
 public:
  void apply(const config::Governor& section, governor::Governor& governor, MonoTime now);

 private:
  struct Adopted {
    config::OperatorRuleConfig rule;  // as written: an edited rule is a new one
    uint64_t id = 0;
  };
  std::vector<Adopted> adopted_;
};

// The shield's part of a governor `why` for `client`: known-good or not, the config blocklist
// entry covering it, the rate limits it is subject to.
void describeShieldFor(const shield::IpKey& client, const RuntimeSnapshot& snapshot,
                       ShieldState& state, nlohmann::json& out);

}  // namespace floodgate::proxy
