// Parsing of the value forms a config file writes by hand: durations ("500ms", "1m30s"), sizes
// ("16KiB") and whole numbers. Errors name the expected form, ready to follow a field name.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace floodgate::config {

// "500ms", "10s", "2m", "1h", "1.5s", "1m30s"; a plain number means seconds. Never negative;
// at most 365 days, so arithmetic on it cannot overflow.
Result<Duration> parseDuration(std::string_view text);

// Bytes: "1024", "16KiB", "1 MiB", "2GB" (B, KiB, MiB, GiB, KB, MB, GB; case-insensitive).
Result<uint64_t> parseSize(std::string_view text);

// A whole number in decimal, with an optional sign.
Result<int64_t> parseInteger(std::string_view text);

inline constexpr std::string_view kDurationForm =
    "a duration such as 500ms, 10s, 2m, 1h or 1m30s (a plain number means seconds)";
inline constexpr std::string_view kSizeForm =
    "a size in bytes such as 65536, 16KiB, 1MiB or 1GiB (units: B, KiB, MiB, GiB, KB, MB, GB)";

}  // namespace floodgate::config
