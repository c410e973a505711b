#include "storm/report_json.h"

#include <nlohmann/json.hpp>

#include "storm/duration_text.h"

namespace floodgate::storm {
namespace {

using nlohmann::json;

json optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json optional(const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); }

double round3(double v) { return static_cast<double>(static_cast<int64_t>(v * 1000 + 0.5)) / 1000; }

json latencyJson(const LatencyFigures& f) {
  return {{"count", f.count},
          {"p50_ms", round3(f.p50_ms)},
          {"p90_ms", round3(f.p90_ms)},
          {"p99_ms", round3(f.p99_ms)},
          {"p999_ms", round3(f.p999_ms)},
          {"max_ms", round3(f.max_ms)},
          {"mean_ms", round3(f.mean_ms)}};
}

json countersJson(const Counters& c) {
  json out = json::object();
  for (size_t i = 0; i < kCountKinds; ++i) {
    auto k = static_cast<Count>(i);
    if (k == Count::kOpenConnections) continue;  // a gauge: meaningless summed
    out[countName(k)] = c[k];
  }
  return out;
}

json errorsJson(const Counters& c) {
  json out = json::object();
  for (const auto& [name, n] : errorsByKind(c)) out[name] = n;
  return out;
}

json classJson(const ClassFigures& f) {
  return {{"requests", f.totals.outcomes()}, {"ok", f.totals[Count::kOk]},
          {"success", optional(f.success)},  {"latency", latencyJson(f.latency)},
          {"errors", errorsJson(f.totals)},  {"counts", countersJson(f.totals)}};
}

}  // namespace

std::string reportJson(const RunContext& ctx, const RunRecord& r, const RunSummary& sum) {
  const Scenario& s = *ctx.scenario;
  json phases = json::array();
  for (const auto& p : s.phases) {
    phases.push_back({{"name", p.name},
                      {"start_s", static_cast<double>(p.start.count()) / 1e9},
                      {"end_s", static_cast<double>(p.end().count()) / 1e9},
                      {"attack", p.attack}});
  }
  json groups = json::array();
  for (size_t g = 0; g < sum.groups.size(); ++g) {
    const auto& f = sum.groups[g];
    const auto& spec = s.groups[g];
    json entry = {{"name", f.name},
                  {"kind", kindName(f.kind)},
                  {"attack", isAttack(f.kind)},
                  {"sources", spec.sources.toString()},
                  {"count", spec.count},
                  {"connections", spec.connections},
                  {"rate", spec.closed_loop ? json("max") : json(spec.rate)},
                  {"success", optional(f.success)},
                  {"latency", latencyJson(f.latency)},
                  {"errors", errorsJson(f.totals)},
                  {"counts", countersJson(f.totals)}};
    if (!isAttack(f.kind)) {
      entry["users"] = f.users;
      entry["blocked_users"] = f.blocked_users;
    }
    groups.push_back(std::move(entry));
  }
  json ranges = json::array();
  for (size_t i = 0; i < r.ranges.size(); ++i) {
    json names = json::array();
    for (size_t g : r.ranges[i].groups) names.push_back(s.groups[g].name);
    json origin = nullptr;
    if (i < r.origin_total.size() && r.origin_total[i]) {
      const auto& o = *r.origin_total[i];
      origin = {{"requests", o.requests},
                {"served", o.served},
                {"rejected", o.rejected},
                {"failed", o.failed}};
    }
    ranges.push_back({{"range", r.ranges[i].range.toString()},
                      {"attack", r.ranges[i].attack},
                      {"groups", names},
                      {"origin", origin}});
  }

  json series = json::array();
  for (const auto& row : r.seconds) {
    Counters l = row.legit(s), a = row.attack(s);
    LatencyFigures lat = LatencyFigures::of(row.legit_latency);
    json origin_ranges = json::array();
    for (const auto& o : row.origin) origin_ranges.push_back(o ? json(o->requests) : json(nullptr));
    json per_group = json::array();
    for (const auto& c : row.groups) {
      per_group.push_back({{"scheduled", c[Count::kScheduled]},
                           {"sent", c[Count::kSent]},
                           {"ok", c[Count::kOk]},
                           {"errors", c.errors()},
                           {"open", c[Count::kOpenConnections]}});
    }
    series.push_back({{"t", row.second},
                      {"phase", row.phase >= 0 ? json(s.phases[static_cast<size_t>(row.phase)].name)
                                               : json(nullptr)},
                      {"legit",
                       {{"scheduled", l[Count::kScheduled]},
                        {"sent", l[Count::kSent]},
                        {"requests", l.outcomes()},
                        {"ok", l[Count::kOk]},
                        {"success", l.outcomes() ? json(static_cast<double>(l[Count::kOk]) /
                                                        static_cast<double>(l.outcomes()))
                                                 : json(nullptr)},
                        {"p50_ms", lat.count ? json(round3(lat.p50_ms)) : json(nullptr)},
                        {"p99_ms", lat.count ? json(round3(lat.p99_ms)) : json(nullptr)},
                        {"p999_ms", lat.count ? json(round3(lat.p999_ms)) : json(nullptr)},
                        {"errors", errorsJson(l)}}},
                      {"attack",
                       {{"scheduled", a[Count::kScheduled]},
                        {"offered", a.attempted()},
                        {"sent", a[Count::kSent]},
                        {"responses", a[Count::kResponses]},
                        {"open_connections", a[Count::kOpenConnections]},
                        {"admitted", optional(row.attackAdmitted(r.ranges))}}},
                      {"origin_by_range", origin_ranges},
                      {"groups", per_group}});
  }

  json expectations = json::array();
  for (const auto& e : sum.expectations) {
    expectations.push_back(
        {{"expect", e.expectation.text}, {"value", optional(e.value)}, {"held", e.held}});
  }
  json report = {
      {"scenario", s.name},
      {"file", s.file},
      {"target", ctx.target},
      {"origin_stats", ctx.origin_stats.empty() ? json(nullptr) : json(ctx.origin_stats)},
      {"threads", ctx.threads},
      {"started_unix_ms", ctx.started_unix_ms},
      {"duration_s", static_cast<double>(s.duration().count()) / 1e9},
      {"elapsed_s", round3(r.elapsed_s)},
      {"interrupted", r.interrupted},
      {"generator_cpu", round3(ctx.generator_cpu)},
      {"phases", phases},
      {"legit", classJson(sum.legit)},
      {"attack",
       {{"offered", sum.attack.totals.attempted()},
        {"sent", sum.attack.totals[Count::kSent]},
        {"offered_rps", round3(sum.attack_offered_rps)},
        {"scheduled", sum.attack.totals[Count::kScheduled]},
        {"responses", sum.attack.totals[Count::kResponses]},
        {"admitted", optional(sum.attack_admitted)},
        {"admitted_share", optional(sum.attack_admitted_share)},
        {"errors", errorsJson(sum.attack.totals)},
        {"counts", countersJson(sum.attack.totals)}}},
      {"derived",
       {{"time_to_mitigate_s", optional(sum.time_to_mitigate_s)},
        {"time_to_recover_s", optional(sum.time_to_recover_s)},
        {"attack_admitted_share", optional(sum.attack_admitted_share)},
        {"legit_admitted", optional(sum.legit_admitted)},
        {"collateral_users", sum.collateral_users},
        {"legit_users", sum.legit_users},
        {"collateral", optional(sum.collateral)},
        {"attack_window_s",
         sum.window.present() ? json({sum.window.start, sum.window.end}) : json(nullptr)},
        {"baseline", sum.baseline
                         ? json({{"success", sum.baseline->success},
                                 {"p99_ms", static_cast<double>(sum.baseline->p99_us) / 1000}})
                         : json(nullptr)},
        {"baseline_band",
         {{"success_drop", s.baseline.success_drop},
          {"p99_factor", s.baseline.p99_factor},
          {"p99_slack", formatDuration(s.baseline.p99_slack)},
          {"settle", formatDuration(s.baseline.settle)}}}}},
      {"groups", groups},
      {"source_ranges", ranges},
      {"expectations", expectations},
      {"passed", sum.passed},
      {"warnings", sum.warnings},
      {"series", series},
  };
  if (!r.origin_error.empty()) report["origin_error"] = r.origin_error;
  return report.dump(1) + "\n";
}

}  // namespace floodgate::storm
