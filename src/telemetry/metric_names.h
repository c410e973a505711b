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
inline constexpr std::string_view kRules = "floodgate_rules_active";
inline constexpr std::string_view kFindings = "floodgate_findings_total";
inline constexpr std::string_view kControlTick = "floodgate_control_tick_seconds";
inline constexpr std::string_view kResidentMemory = "process_resident_memory_bytes";

// Upstream health (issue 6), refreshed once a second from the upstream control side.
inline constexpr std::string_view kEndpointHealthy = "floodgate_upstream_endpoint_healthy";
inline constexpr std::string_view kEndpointEjected = "floodgate_upstream_endpoint_ejected";
inline constexpr std::string_view kEndpointDraining = "floodgate_upstream_endpoint_draining";
inline constexpr std::string_view kEjections = "floodgate_upstream_ejections_total";
inline constexpr std::string_view kLevelHealthy = "floodgate_upstream_level_healthy_endpoints";
inline constexpr std::string_view kFailovers = "floodgate_upstream_failovers_total";
inline constexpr std::string_view kRetries = "floodgate_upstream_retries_total";
inline constexpr std::string_view kShed = "floodgate_upstream_shed_total";
inline constexpr std::string_view kPanic = "floodgate_upstream_panic";

}  // namespace floodgate::telemetry::names
