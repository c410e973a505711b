#include "storm/counters.h"

namespace floodgate::storm {

const char* countName(Count c) {
  static constexpr const char* kNames[kCountKinds] = {"scheduled",   "sent",
                                                      "responses",   "ok",
                                                      "status_2xx",  "status_3xx",
                                                      "status_4xx",  "status_5xx",
                                                      "status_403",  "status_429",
                                                      "status_503",  "refused",
                                                      "reset",       "closed",
                                                      "timeout",     "bad_response",
                                                      "local_error", "unsent",
                                                      "redirects",   "connects",
                                                      "connected",   "open_connections",
                                                      "bytes_out",   "bytes_in",
                                                      "unfinished"};
  return kNames[static_cast<size_t>(c)];
}

}  // namespace floodgate::storm
