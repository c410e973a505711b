// What the process costs the machine, read from /proc for process_resident_memory_bytes.
#pragma once

#include <cstdint>

namespace floodgate::telemetry {

// Resident set size in bytes; 0 when /proc is unavailable.
uint64_t residentMemoryBytes();

}  // namespace floodgate::telemetry
