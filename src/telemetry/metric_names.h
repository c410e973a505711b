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
inline constexpr std::string_view kRulesByState = "floodgate_rules";
inline constexpr std::string_view kGovernorTransitions = "floodgate_governor_transitions_total";
inline constexpr std::string_view kGovernorRollbacks = "floodgate_governor_rollbacks_total";
inline constexpr std::string_view kFindings = "floodgate_findings_total";
inline constexpr std::string_view kControlTick = "floodgate_control_tick_seconds";
inline constexpr std::string_view kResidentMemory = "process_resident_memory_bytes";
// The shield's own (registerShieldMetrics).
inline constexpr std::string_view kRequestsByClass = "floodgate_requests_by_class_total";
inline constexpr std::string_view kOriginQueued = "floodgate_origin_protection_queued_total";
inline constexpr std::string_view kOriginShed = "floodgate_origin_protection_shed_total";
inline constexpr std::string_view kOriginTimeouts = "floodgate_origin_protection_timeouts_total";
inline constexpr std::string_view kChallenges = "floodgate_challenges_total";
inline constexpr std::string_view kTarpitHolds = "floodgate_tarpit_holds_total";
inline constexpr std::string_view kAdaptiveLimit = "floodgate_origin_adaptive_limit";
inline constexpr std::string_view kTopOffenders = "floodgate_top_offender_requests_per_second";
inline constexpr std::string_view kDetectorMemory = "floodgate_detector_memory_bytes";

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
