// `floodgate origin`: a demo backend with a capacity model, to have something real to protect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace floodgate::origin {

struct OriginOptions {
  std::string listen = "127.0.0.1:9000";
  double capacity_rps = 0;  // 0: unlimited; beyond it the origin answers 503 at once
  double latency_ms = 0;    // service time of each request that is admitted
  int concurrency = 0;      // 0: unlimited; requests in service at once, beyond it 503
  size_t body_bytes = 0;    // size of the default response body (0: a short text)
  int workers = 1;
  std::string name;                // reported in responses (X-Origin header) and stats
  uint64_t fail_every = 0;         // 0: never; else every Nth admitted application request gets 500
  size_t max_sources = 1'000'000;  // distinct client sources counted apart; the rest is "other"
};

// Validates `options`; returns an empty string when they are usable, else a message for the user.
std::string checkOriginOptions(const OriginOptions& options);

// Runs until SIGTERM or SIGINT. Exit codes: 0 fine, 1 cannot listen, 2 bad options.
int runOrigin(const OriginOptions& options);

}  // namespace floodgate::origin
