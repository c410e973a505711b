// The names of floodgate's metric families, in one place: the proxy writes them, the history
// sampler and the Grafana dashboard (deploy/grafana/floodgate.json) read them.
#pragma once

#include <string_view>

namespace floodgate::telemetry::names {

inline constexpr std::string_view kRequests = "floodgate_requests_total";
inline constexpr std::string_view kRequestDuration = "floodgate_request_duration_seconds";
inline constexpr std::string_view kUpstreamDuration = "floodgate_upstream_request_duration_seconds";
inline constexpr std::string_view kUpstreamAttempts = "floodgate_upstream_attempts_total";
inline constexpr std::string_view kDownstreamRequests = "floodgate_downstream_requests_total";
inline constexpr std::string_view kAmplification = "floodgate_amplification_factor";
inline constexpr std::string_view kConnectionsActive = "floodgate_connections_active";
inline constexpr std::string_view kRejections = "floodgate_rejections_total";
inline constexpr std::string_view kKernelBlocklistEntries = "floodgate_kernel_blocklist_entries";
inline constexpr std::string_view kRules = "floodgate_rules_active";
inline constexpr std::string_view kFindings = "floodgate_findings_total";
inline constexpr std::string_view kControlTick = "floodgate_control_tick_seconds";
inline constexpr std::string_view kResidentMemory = "process_resident_memory_bytes";

}  // namespace floodgate::telemetry::names
