// The counts storm keeps for each client group and second: what was scheduled, what was sent,
// and how each request ended. Plain arrays, so merging threads and seconds is a loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace floodgate::storm {

enum class Count : uint8_t {
  kScheduled,  // due by the group's schedule (connection attempts for holding kinds)
  kSent,       // requests fully written (connections opened, for holding kinds)
  kResponses,  // final responses received
  kOk,         // 2xx and 3xx
  kStatus2xx,
  kStatus3xx,
  kStatus4xx,
  kStatus5xx,
  kStatus403,
  kStatus429,
  kStatus503,
  kRefused,          // connection refused
  kReset,            // connection reset
  kClosed,           // closed by the target before a response
  kTimeout,          // no answer within the group's timeout
  kBadResponse,      // malformed or truncated response
  kLocalError,       // the generator could not open a socket (ports, descriptors)
  kUnsent,           // dropped by the generator: its queue for a busy client was full
  kStalled,          // due while its client's connection attempt went unanswered and its queue
                     // was full: the target (a SYN drop) holds the client back, so it counts as
                     // offered load that never got in, where kUnsent is the generator's shortfall
  kRedirects,        // redirects followed
  kConnects,         // connection attempts
  kConnected,        // connections established
  kOpenConnections,  // gauge: connections open at the end of the second
  kBytesOut,
  kBytesIn,
  kUnfinished,  // still queued or in flight when the run ended (not an outcome)
  kLateStarts,  // left over 10 ms late though their client was free: storm (or the machine
                // under it) could not keep the schedule
  kEnd,
};

constexpr size_t kCountKinds = static_cast<size_t>(Count::kEnd);

struct Counters {
  std::array<uint64_t, kCountKinds> v{};

  uint64_t& operator[](Count c) { return v[static_cast<size_t>(c)]; }
  uint64_t operator[](Count c) const { return v[static_cast<size_t>(c)]; }
  void add(const Counters& o) {
    for (size_t i = 0; i < kCountKinds; ++i) v[i] += o.v[i];
  }
  // Requests that reached an outcome (a response or a failure), the success denominator.
  uint64_t outcomes() const {
    return (*this)[Count::kResponses] + (*this)[Count::kRefused] + (*this)[Count::kReset] +
           (*this)[Count::kClosed] + (*this)[Count::kTimeout] + (*this)[Count::kBadResponse] +
           (*this)[Count::kLocalError];
  }
  uint64_t errors() const { return outcomes() - (*this)[Count::kOk]; }
  // Requests (or connections) the clients tried: what an attack offers, whether or not the
  // target let the bytes in (a refused connection is offered load too).
  uint64_t attempted() const {
    uint64_t s = (*this)[Count::kScheduled], u = (*this)[Count::kUnsent];
    return s > u ? s - u : 0;
  }
};

const char* countName(Count c);

}  // namespace floodgate::storm
