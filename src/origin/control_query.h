// ControlQuery: a stats or reset request fanned out to every worker. Each worker adds its part on
// its own thread (so counting on the request path never takes a lock); the last one hands the
// query back to the worker whose connection asked, which renders the answer.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "origin/source_table.h"

namespace floodgate::origin {

class OriginConnection;
class OriginWorker;

struct ControlQuery {
  enum class Kind : uint8_t { kStats, kReset };

  Kind kind = Kind::kStats;
  bool summary = false;
  std::string prefix;
  OriginWorker* home = nullptr;
  // Touched only on the home worker's thread; null once the connection has gone.
  OriginConnection* connection = nullptr;
  std::atomic<int> remaining{0};

  std::mutex mu;  // guards the parts below, added by each worker in turn
  SourceCounters totals;
  SourceCounters other;
  size_t tracked = 0;
  std::vector<SourceEntry> sources;
};

struct StatsHeader {
  std::string_view name;
  double uptime_s = 0;
  int in_flight = 0;
  double capacity_rps = 0;
  int concurrency = 0;
  double latency_ms = 0;
  int workers = 0;
};

// The JSON answer of GET /__origin/stats. `query->sources` must be merged (mergeSources).
std::string renderStats(const StatsHeader& header, const ControlQuery& query);

}  // namespace floodgate::origin
