// GatewayControl: what the admin API may ask of the running gateway. The gateway (src/proxy)
// implements it; the API knows nothing of workers or snapshots. Every call runs on the control
// thread and either changes what it says completely or not at all.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace floodgate::admin {

struct ReloadOutcome {
  bool ok = false;
  std::string source;                 // the file reloaded
  std::vector<std::string> problems;  // "file:line:col: message", when refused
  std::string error;                  // a refusal that is not about the file's contents
};

struct BlockRequest {
  std::string prefix;  // "203.0.113.7", "10.0.0.0/8"
  std::string reason;
  Duration ttl{0};  // 0: until removed
};

class GatewayControl {
 public:
  virtual ~GatewayControl() = default;

  // Validates and applies the config file the gateway was started with; nothing changes when
  // it has problems.
  virtual ReloadOutcome reload() = 0;
  // Starts a graceful drain, as SIGTERM does; the process exits when it is done.
  virtual void drain() = 0;

  // Operator blocklist entries (not the config's, not the detector's).
  virtual nlohmann::json blocklist() = 0;
  // The entry as stored, or why it was refused (nothing changed).
  virtual Result<nlohmann::json> addBlock(const BlockRequest& request) = 0;
  // False when no operator entry has that prefix.
  virtual Result<bool> removeBlock(const std::string& prefix) = 0;

  virtual nlohmann::json shield() = 0;         // counters, rules, findings, top offenders
  // Clusters, levels and endpoints: health, ejections, draining, counters.
  virtual nlohmann::json upstreams() = 0;
  // Stops new requests to the endpoint at `address` (as the config writes it, or ip:port) in
  // every cluster that has it, or with `drain` false takes it back; what changed, or why nothing.
  virtual Result<std::string> drainEndpoint(const std::string& address, bool drain) = 0;
  virtual nlohmann::json configSummary() = 0;  // the running config, without secrets
};

}  // namespace floodgate::admin
