// The typed, validated configuration. Produced by config/loader.cc from YAML (or by the quick
// start); the rest of floodgate sees only these structs, never YAML.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/socket_address.h"

namespace floodgate::config {

struct Limits {
  size_t max_header_bytes = 16 * 1024;  // whole request head: request line + headers
  size_t max_headers = 100;
  uint64_t max_body_bytes = 0;          // 0: no limit (bodies are streamed, never buffered)
  Duration header_read_timeout = seconds(10);  // from first byte (or keep-alive reuse) to head
  Duration client_idle_timeout = seconds(60);  // keep-alive connection with no request
  Duration client_body_timeout = seconds(30);  // max gap between body reads / writes to client
};

struct Listener {
  std::string name;
  std::string address_text;  // as written, for messages
  SocketAddress address;
  int workers = 0;  // 0: one per core
};

struct DirectResponse {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

struct Route {
  std::string name;         // defaults to "route-<index>"
  std::string host;         // "" matches any; "*.example.com" matches subdomains; case-insensitive
  std::string path_prefix = "/";
  std::string cluster;      // name; empty when direct is set
  int cluster_index = -1;   // resolved by validation
  std::optional<DirectResponse> direct;
};

struct Endpoint {
  std::string address_text;
  SocketAddress address;
};

struct Cluster {
  std::string name;
  std::vector<Endpoint> endpoints;
  Duration connect_timeout = seconds(2);
  Duration request_timeout = seconds(30);  // from request sent to response head received
  Duration idle_timeout = seconds(60);     // pooled keep-alive upstream connection
  int max_idle_connections = 128;          // per endpoint, per worker
  int max_connections = 4096;              // per endpoint, per worker
};

struct Logging {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string access_log;      // "": off; "stdout"/"-"; otherwise a file path (JSON lines)
};

// The shield's data-plane defenses (DESIGN.md "Shield"). On by default, also in the quick start.
struct BlockEntry {
  std::string prefix;  // "203.0.113.7", "10.0.0.0/8", "2001:db8::/32" (validated)
  std::string reason;
  Duration ttl{0};     // 0: until removed
};

struct RateLimit {
  enum class Key { kSource, kPrefix, kHeader, kRoute };
  std::string name;
  Key key = Key::kSource;
  std::string header;            // with Key::kHeader: the header whose value is the key
  int prefix_v4 = 24;            // with Key::kPrefix
  int prefix_v6 = 64;
  double rate = 0;               // requests per second
  double burst = 0;              // bucket size; 0 means the same as rate (one second)
  std::vector<std::string> routes;   // empty: every route
  std::vector<int> route_indexes;    // resolved by validation
};

struct Shield {
  bool enabled = true;
  std::vector<BlockEntry> blocklist;
  int max_connections_per_source = 256;       // concurrent; 0: no cap
  int new_connections_per_source = 0;         // per second; 0: no cap
  int connection_budget = 0;                  // all clients; 0: from the open-files limit
  uint64_t min_request_rate = 256;            // bytes/s a slow head or body must keep up
  Duration min_rate_grace = seconds(5);       // before the rate is judged
  std::vector<RateLimit> rate_limits;
  int table_slots = 1 << 18;                  // per-client state: fixed, whatever the clients
  bool detect = true;  // the detector proposes rules from live traffic to the governor
};

// An operator's mitigation rule from the `governor:` section; it walks the governor's gates
// unless pinned.
struct OperatorRuleConfig {
  std::string name;
  std::string source;  // an address or prefix, "" any
  std::string path_prefix;
  std::string method;
  std::string header;        // name, "" any
  std::string header_value;  // with header: "" any value
  std::string action = "block";  // block, rate_limit, challenge, deprioritise
  double rate = 0;   // rate_limit: requests per second
  double burst = 0;  // 0: the rate
  bool pinned = false;
  std::string reason;
  Duration ttl{0};  // 0: until removed
};

// The governor: how mitigation rules earn their place (see src/governor/governor_config.h).
struct Governor {
  bool dry_run = false;
  double max_collateral = 0.01;
  double refuse_collateral = 0.2;
  Duration shadow_window = seconds(1);
  double canary_fraction = 0.1;
  Duration canary_window = seconds(1);
  Duration effect_window = seconds(10);
  Duration hold = seconds(30);
  int relax_steps = 3;
  Duration relax_step = seconds(10);
  int max_rules = 256;
  std::vector<OperatorRuleConfig> rules;
};

struct Config {
  std::string source;  // file path, or "<quick start>"
  std::vector<Listener> listeners;
  std::vector<Route> routes;
  std::vector<Cluster> clusters;
  Limits limits;
  Logging logging;
  Shield shield;
  Governor governor;
  Duration drain_timeout = seconds(10);

  int workerThreads() const;  // max over listeners, with 0 meaning hardware concurrency
  int clusterIndex(const std::string& name) const;
};

// One problem found while loading or validating, with where it is in the file.
struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string message;
  std::string toString() const;  // "file:line:col: message"
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when there are problems
  std::vector<Problem> problems;
  bool ok() const { return config != nullptr; }
  std::string describeProblems() const;  // one toString() per line
};

LoadResult loadConfigFile(const std::string& path);
LoadResult loadConfigString(const std::string& yaml, const std::string& name);

// The config-less quick start: one listener, one catch-all route, one cluster of `to`.
struct QuickStart {
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> to;
  int workers = 0;
  std::string access_log;
  std::string log_level = "info";
};
LoadResult quickStartConfig(const QuickStart& qs);

}  // namespace floodgate::config
