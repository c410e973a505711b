// OriginState: what every worker of one origin shares — its options, the capacity model and the
// source budget. Workers touch it only through atomics.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/clock.h"
#include "origin/capacity_model.h"
#include "origin/origin.h"
#include "origin/source_table.h"

namespace floodgate::origin {

class OriginWorker;

struct OriginState {
  OriginState(const OriginOptions& opts, const Clock& clock)
      : options(opts),
        name(opts.name.empty() ? "origin" : opts.name),
        capacity({opts.capacity_rps, opts.concurrency}, clock),
        latency_ms(opts.latency_ms),
        budget(opts.max_sources),
        started(clock.now()),
        clock(clock) {}

  const OriginOptions options;
  const std::string name;
  CapacityModel capacity;
  // The application's service time: --latency, until POST /__origin/latency/MS changes it (to
  // slow the origin down mid-run, and back).
  std::atomic<double> latency_ms;
  SourceBudget budget;
  // Admitted application requests, to fail every Nth (--fail-every) across all workers.
  std::atomic<uint64_t> admitted{0};
  const MonoTime started;
  const Clock& clock;
  // Filled before any worker starts; read-only afterwards.
  std::vector<OriginWorker*> workers;
};

}  // namespace floodgate::origin
