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

struct Config {
  std::string source;  // file path, or "<quick start>"
  std::vector<Listener> listeners;
  std::vector<Route> routes;
  std::vector<Cluster> clusters;
  Limits limits;
  Logging logging;
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
