// Scenario: the plain, validated shape of a storm file — a timeline of phases and the client
// groups that play in them. Produced by scenario_parser; the engine never sees YAML.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "storm/cidr.h"
#include "storm/expectation.h"
#include "storm/url.h"

namespace floodgate::storm {

struct Phase {
  std::string name;
  Duration duration{};
  bool attack = false;
  Duration start{};  // offset from the run's start, filled in by the parser
  Duration end() const { return start + duration; }
};

enum class GroupKind : uint8_t {
  kLegit,
  kKeepaliveFlood,
  kDistributedFlood,
  kCacheBusting,
  kConnectionFlood,
  kSlowloris,
  kSlowPost,
  kHeaderBomb,
  kPulse,
  kMimic,
};

const char* kindName(GroupKind kind);
bool parseKind(std::string_view text, GroupKind* kind);
inline bool isAttack(GroupKind k) { return k != GroupKind::kLegit; }
// Kinds that hold connections open instead of completing requests.
inline bool holdsConnections(GroupKind k) {
  return k == GroupKind::kConnectionFlood || k == GroupKind::kSlowloris ||
         k == GroupKind::kSlowPost;
}

struct Header {
  std::string name;
  std::string value;
};

struct ClientGroup {
  std::string name;
  GroupKind kind = GroupKind::kLegit;
  CidrRange sources;
  uint64_t count = 1;        // distinct clients (source addresses)
  uint64_t connections = 0;  // concurrent connections of the group (0: derived from the kind)
  double rate = 0;           // total requests/s (connection attempts/s for holding kinds)
  bool closed_loop = false;  // `rate: max`: every connection sends as fast as answers come
  std::string method = "GET";
  std::vector<std::string> paths;  // may contain {rand} and {word}
  std::vector<Header> headers;
  uint64_t body_bytes = 0;               // request body (POST, slow POST)
  uint64_t requests_per_connection = 0;  // 0: keep the connection for the whole run
  uint64_t header_count = 0;             // header bomb
  uint64_t header_bytes = 0;             // header bomb: bytes per header value
  Duration byte_interval{};              // slowloris / slow POST: time between trickled bytes
  uint64_t bytes_per_tick = 1;           // slowloris / slow POST: bytes per trickle
  Duration pulse_on{};                   // pulse: bursts on, then off
  Duration pulse_off{};
  Duration timeout = seconds(5);  // a request not answered this long after its scheduled time
  bool follow_redirects = false;
  bool cookies = false;
  int max_redirects = 5;
  std::string mimic;           // mimic: the legitimate group it copies
  std::vector<size_t> phases;  // indexes into Scenario::phases
  int line = 0;                // where it was defined, for messages
};

// What "back within the baseline band" means for time to recover.
struct BaselineBand {
  double success_drop = 0.02;             // success may be this much below the calm baseline
  double p99_factor = 2.0;                // p99 may be this many times the baseline p99 ...
  Duration p99_slack = milliseconds(20);  // ... plus this
  Duration settle = seconds(3);           // and it must stay in the band this long
};

struct Scenario {
  std::string name;
  std::string file;
  LoopbackUrl target;
  bool has_target = false;
  LoopbackUrl origin_stats;
  bool has_origin_stats = false;
  int threads = 0;              // 0: one per core
  Duration drain = seconds(2);  // after the last phase: wait this long for answers
  std::vector<Phase> phases;
  std::vector<ClientGroup> groups;
  std::vector<Expectation> expect;
  BaselineBand baseline;

  Duration duration() const { return phases.empty() ? Duration{} : phases.back().end(); }
};

}  // namespace floodgate::storm
