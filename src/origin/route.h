// Route: what a request target asks the origin for. Paths under /__origin/ are control and test
// endpoints; every other path is "the application", the part the capacity model protects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace floodgate::origin {

enum class Endpoint : uint8_t {
  kApplication,  // any path outside /__origin/
  kStats,        // GET /__origin/stats[?summary=1][&prefix=P]
  kReset,        // POST /__origin/reset
  kStatus,       // /__origin/status/NNN
  kDelay,        // /__origin/delay/MS
  kLatency,      // POST /__origin/latency/MS: the application's service time from now on
  kBytes,        // /__origin/bytes/N[?chunked=1]
  kUpload,       // POST|PUT /__origin/upload
  kEcho,         // /__origin/echo
  kNotFound,
  kBadRequest,  // a known endpoint with an unusable parameter
  kMethodNotAllowed,
};

struct Route {
  Endpoint endpoint = Endpoint::kApplication;
  uint64_t number = 0;       // the status, the delay or latency in ms, or the byte count
  bool chunked = false;      // bytes: send the body chunked
  bool summary = false;      // stats: leave out the per-source map
  std::string prefix;        // stats: only sources starting with this (allocates only when given)
  const char* problem = "";  // kBadRequest: why
};

inline constexpr uint64_t kMaxStreamBytes = uint64_t{1} << 40;  // 1 TiB
inline constexpr uint64_t kMaxDelayMs = 24 * 3600 * 1000;

// Classifies `target` (origin-form: path and query). Fills `route` in place so a connection can
// reuse the prefix string's memory.
void matchRoute(http::Method method, std::string_view target, Route* route);

// The value of query parameter `name` in `query` (without the '?'); empty if absent.
std::string_view queryParam(std::string_view query, std::string_view name);

// The client a request speaks for: the last element of the last X-Forwarded-For field (the one
// the nearest proxy appended), or empty when there is none.
std::string_view lastForwardedFor(const http::RequestHead& head);

}  // namespace floodgate::origin
