// RuntimeSnapshot: an immutable view of the config that workers serve from. The control side
// builds a new one on reload and hands it to each worker; a request keeps the snapshot it
// started with, so a reload never changes a request half-way.
#pragma once

#include <memory>

#include "config/config.h"
#include "proxy/proxy_metrics.h"
#include "proxy/router.h"
#include "proxy/shield_runtime.h"

namespace floodgate::proxy {

struct RuntimeSnapshot {
  explicit RuntimeSnapshot(std::shared_ptr<const config::Config> c, MonoTime now = MonoClock::now(),
                           telemetry::Registry* registry = nullptr)
      : config(std::move(c)),
        router(*config),
        shield(ShieldPolicy::compile(*config, now)),
        metrics(*config, registry) {}
  std::shared_ptr<const config::Config> config;
  Router router;
  ShieldPolicy shield;
  ProxyMetrics metrics;
};

using SnapshotPtr = std::shared_ptr<const RuntimeSnapshot>;

}  // namespace floodgate::proxy
