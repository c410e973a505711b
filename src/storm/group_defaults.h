// What each kind of client group means when the scenario does not say: its paths, headers,
// pacing and connections, and which keys apply to it at all.
#pragma once

#include <cstdint>
#include <string_view>

#include "storm/scenario.h"

namespace floodgate::storm {

// Whether `key` of a client group makes sense for `kind` (a misplaced key is an error).
bool keyAppliesTo(std::string_view key, GroupKind kind);
// Fills in the defaults of g->kind before the scenario's own keys are read.
void applyKindDefaults(ClientGroup* g);
// Connections a group needs when the scenario does not say (after its keys are read).
uint64_t defaultConnections(const ClientGroup& g);

}  // namespace floodgate::storm
