#include "storm/counters.h"

#include <iterator>

namespace floodgate::storm {

const char* countName(Count c) {
  // In the order of Count; the assert keeps the two from drifting apart.
  static constexpr const char* kNames[] = {
      "scheduled",   "sent",
      "responses",   "ok",
      "status_2xx",  "status_3xx",
      "status_4xx",  "status_5xx",
      "status_403",  "status_429",
      "status_503",  "refused",
      "reset",       "closed",
      "timeout",     "bad_response",
      "local_error", "unsent",
      "stalled",     "redirects",
      "connects",    "connected",
      "open_connections", "bytes_out",
      "bytes_in",    "unfinished",
      "late_starts",
  };
  static_assert(std::size(kNames) == kCountKinds, "one name per Count");
  return kNames[static_cast<size_t>(c)];
}

}  // namespace floodgate::storm
