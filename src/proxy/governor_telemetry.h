// The governor on /metrics: live rules by lifecycle stage, every stage move by its target, and
// rollbacks — read from the governor when scraped.
#pragma once

#include "governor/governor.h"
#include "telemetry/registry.h"

namespace floodgate::proxy {

// floodgate_rules{state="shadow|canary|enforced|relaxing"} (gauge),
// floodgate_governor_transitions_total{to="..."} and floodgate_governor_rollbacks_total.
// `governor` must outlive the registry's scrapes.
void registerGovernorMetrics(telemetry::Registry* registry, const governor::Governor* governor);

}  // namespace floodgate::proxy
