// Durations as people write them in scenario files: "500ms", "5s", "1.5s", "2m".
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace floodgate::storm {

// Parses "<number><unit>" with unit us, ms, s or m; a bare number means seconds.
// Returns false for anything else or a negative value.
bool parseDurationText(std::string_view text, Duration* out);
// "1.5s", "250ms", "0s".
std::string formatDuration(Duration d);

}  // namespace floodgate::storm
