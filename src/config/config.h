// The typed, validated configuration. Produced by config/loader.cc from YAML (or by the quick
// start); the rest of floodgate sees only these structs, never YAML.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/socket_address.h"
#include "governor/governor_config.h"
#include "governor/operator_rule_spec.h"

namespace floodgate::config {

struct Limits {
  size_t max_header_bytes = 16 * 1024;  // whole request head: request line + headers
  size_t max_headers = 100;
  uint64_t max_body_bytes = 0;          // 0: no limit (bodies are streamed, never buffered)
  Duration header_read_timeout = seconds(10);  // from first byte (or keep-alive reuse) to head;
                                               // and from accept to a new connection's first byte
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
  int level = 0;  // index into Cluster::levels: 0 the primary path, then the alternates
};

// Upstream resilience (issue 6): the cluster's paths, health and what a request in trouble may
// do. Read by config/upstream_section.cc; defaults are what an Envoy or HAProxy user expects.
struct Level {
  double requests_per_second = 0;  // declared capacity; 0: not limited
  int concurrency = 0;             // requests in flight at once; 0: not limited
};

struct HealthCheck {
  enum class Type { kNone, kHttp, kTcp };
  Type type = Type::kNone;
  std::string path = "/";
  std::vector<std::pair<int, int>> expect = {{200, 399}};  // inclusive status ranges
  std::string body_contains;
  Duration timeout = seconds(1);
  Duration interval = seconds(2);
  Duration jitter = milliseconds(200);
  int healthy_threshold = 2;
  int unhealthy_threshold = 3;
};

struct OutlierDetection {
  bool enabled = true;
  int consecutive_5xx = 5;                  // 0: off
  int consecutive_connect_failures = 5;     // connect failures, resets and per-try timeouts
  double min_success_rate = 0;              // percent over `interval`; 0: off
  double success_rate_stdev = 1.9;          // below mean - k*stdev of the cluster; 0: off
  int success_rate_minimum_hosts = 3;
  int success_rate_request_volume = 50;     // per endpoint per interval, to judge its rate
  double latency_factor = 0;                // mean latency above k x the cluster's median; 0: off
  Duration interval = seconds(5);           // the window of the rate and latency judgements
  Duration base_ejection = seconds(30);     // times the number of ejections so far
  Duration max_ejection = seconds(300);
  int max_ejected_percent = 10;             // at least one endpoint may always be ejected
};

struct RetryPolicy {
  Duration per_try_timeout{0};  // 0: the cluster's request_timeout
  Duration deadline{0};         // whole request, all tries and backoff; 0: no more than the tries
  int max_attempts = 3;
  double budget_percent = 10;   // retries within this share of recent requests
  int budget_min_per_second = 3;
  Duration backoff_base = milliseconds(25);
  Duration backoff_max = milliseconds(250);
  // Responses retried (idempotent, no body). Not 503 by default: an origin that says it is
  // overloaded is not sent the same request again.
  std::vector<int> on_status = {502, 504};
};

struct LoadBalancing {
  enum class Policy { kLeastRequest, kRoundRobin, kHash };
  Policy policy = Policy::kLeastRequest;
  std::string hash_header;  // with kHash: one of these two
  std::string hash_cookie;
};

struct Cluster {
  std::string name;
  std::vector<Endpoint> endpoints;
  Duration connect_timeout = seconds(2);
  Duration request_timeout = seconds(30);  // from request sent to response head received
  Duration idle_timeout = seconds(60);     // pooled keep-alive upstream connection
  int max_idle_connections = 128;          // per endpoint, per worker
  int max_connections = 4096;              // per endpoint, per worker
  std::vector<Level> levels = {Level{}};   // at least one; endpoints name theirs by index
  HealthCheck health_check;
  OutlierDetection outlier_detection;
  int panic_threshold = 50;  // percent available; with every level below it, health is ignored
  Duration slow_start{0};                  // weight ramp after recovery; 0: at once
  RetryPolicy retry;
  LoadBalancing load_balancing;
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

// The challenge action: a signed cookie handed out with a redirect (shield/challenge.h).
struct ChallengeOptions {
  Duration cookie_ttl = std::chrono::minutes(30);
  Duration rotation = std::chrono::hours(1);  // the signing key's period; >= cookie_ttl
  std::string cookie_name = "fg_challenge";
  int prefix_v4 = 24;  // a cookie is good for the client's whole /24 or /64
  int prefix_v6 = 64;
};

// Adaptive concurrency toward each cluster, with a bounded wait by priority class.
struct OriginProtection {
  bool enabled = true;
  int min_limit = 4;        // requests in flight per cluster, all workers together
  int max_limit = 1024;     // also where a fresh limit starts: no throttling until trouble
  double latency_tolerance = 2;           // latency above this × the learned normal is stress
  Duration queue_timeout = milliseconds(500);  // longest a request waits for a slot
  int queue_size = 256;     // waiting requests per worker; beyond it the lowest class is shed
  uint64_t buffer_body_bytes = 64 * 1024;  // this much of a body is read before a slot; 0: off
};

// Kernel-level drop (eBPF socket filter on the listeners): blocklisted sources, fully enforced
// source/prefix block rules and escalated repeat offenders are dropped at the SYN. When bpf(2) is
// refused the accept-time check does the work alone.
struct KernelDrop {
  bool enabled = true;
  int max_entries = 65536;            // prefixes per family in the kernel maps
  bool escalate = true;  // repeat offenders are dropped for a while (at accept without the kernel):
  double escalate_rate = 50;          // 429s per second to one source...
  int escalate_after = 10;            // ...for this many seconds of ticks in a row: escalated
  // A source sending to its tarpitted connections before their Retry-After (a hold follows
  // tarpit_after refusals in a row on one connection; a browser or a client that honours
  // Retry-After never does) for this many seconds of ticks in a row: escalated.
  int defy_after = 2;
  Duration penalty = seconds(10);     // the first kernel drop; doubles on each repeat (a
                                      // repeat needs one tick over, not escalate_after)
  Duration max_penalty = std::chrono::minutes(10);
  Duration forgive_after = std::chrono::minutes(10);  // a clean source's repeat count starts over
  // Whole networks (the detector's /24 or /64): one whose requests are refused (429s, block
  // rules, challenges, and connections refused before a request: a 408 or 431 head, a first
  // byte that never came) faster than prefix_rate, prefix_share of them or more, spread over its
  // sources (none makes half of them: one that does is the source ladder's), with no known-good
  // client in it, for prefix_after of ticks in a row, is dropped like a source (the same
  // penalty ladder). A flood spread thin over many sources is refused by fingerprint in user
  // space, one accept and one answer per few requests; its networks are what the kernel can drop.
  bool escalate_prefixes = true;
  double prefix_rate = 20;     // refused requests per second in one network...
  double prefix_share = 0.99;  // ...at least this share of its requests...
  // ...for this long of ticks in a row: dropped. One tick (the detector's 0.5 s): a flood's
  // networks go as soon as its rule's refusals are counted once.
  Duration prefix_after = milliseconds(500);
  // After a network's penalty, a probation as long: one of its sources in prefix_probation
  // passes the kernel drop (the same ones throughout), so a flood's connections held at the SYN
  // come back a few at a time instead of all at once; refused again (over prefix_rate /
  // prefix_probation), the network is back on the ladder at once, served, it is let go. 0 or 1:
  // none (a network is let go whole when its penalty ends). A power of two up to 256.
  int prefix_probation = 8;
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
  bool detect = true;  // the detector proposes rules from live traffic, enforced directly for now
  // 429s (or challenges) in a row on one keep-alive connection after which it is not read again
  // until its Retry-After (1 s for a challenge; at most limits.client_idle_timeout) has passed;
  // 0: never. A source that sends to its held connections anyway is escalated to the kernel drop
  // (kernel_drop.escalate).
  int tarpit_after = 8;
  ChallengeOptions challenge;
  OriginProtection origin_protection;
  KernelDrop kernel_drop;
};

// The admin API listener (issue 7): off unless configured. The token is resolved at load time
// (from `token` or the variable named by `token_env`); "" means calls need no token, which
// validation allows only on a loopback address.
struct Admin {
  bool enabled = false;
  std::string listen_text;  // as written, for messages
  SocketAddress listen;
  std::string token;
};

// The public status page (issue 7): off unless configured. Each component is judged by the
// endpoints of its clusters and routes (and any endpoints of its own) and the traffic of its
// routes (or of every route to its clusters).
struct StatusComponent {
  std::string id;  // from the name: lower-case letters, digits and '-'
  std::string name;
  std::string description;
  std::vector<std::string> clusters;
  std::vector<std::string> routes;
  std::vector<Endpoint> endpoints;   // its own, beyond its clusters'
  std::vector<int> cluster_indexes;  // resolved while loading
  std::vector<int> route_indexes;
};

struct StatusPage {
  bool enabled = false;
  std::string listen_text;
  SocketAddress listen;
  std::string title = "floodgate";
  std::string url;                         // public URL; "": http://<bound listen address>
  std::string database = "data/status.db";
  std::vector<StatusComponent> components;  // empty: one per cluster
  Duration worse_after = seconds(2);        // bad seconds before a status drops
  Duration better_after = seconds(10);      // good seconds before it recovers
  Duration resolve_after = seconds(60);     // normal this long: the automatic incident resolves
};

// An operator's mitigation rule from the `governor:` section; it walks the governor's gates
// unless pinned.
// One of the config's `governor.rules`: an operator rule with a name (action block, rate_limit,
// challenge or deprioritise; a header_value needs its header).
struct OperatorRuleConfig {
  std::string name;
  governor::OperatorRuleSpec spec;

  bool operator==(const OperatorRuleConfig&) const = default;
};

// The governor: how mitigation rules earn their place (the knobs are explained in
// src/governor/governor_config.h), and the operator's rules from the config.
struct Governor {
  governor::GovernorConfig knobs;
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
  Admin admin;
  StatusPage status;
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
  std::string admin;        // "": no admin listener
  std::string admin_token;  // from $FLOODGATE_ADMIN_TOKEN
  std::string status;       // "": no status page; else its listen address (one component per --to)
  std::string status_database = "data/status.db";
};
LoadResult quickStartConfig(const QuickStart& qs);

}  // namespace floodgate::config
