#include "storm/terminal_report.h"

#include <cstdio>
#include <iterator>
#include <utility>

namespace floodgate::storm {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string millis(double ms) {
  if (ms >= 10000) return fmt("%.1fs", ms / 1000);
  if (ms >= 100) return fmt("%.0fms", ms);
  if (ms >= 10) return fmt("%.1fms", ms);
  return fmt("%.2fms", ms);
}

std::string percent(std::optional<double> share) {
  return share ? fmt("%.2f%%", *share * 100) : std::string("-");
}

std::string pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string count(uint64_t n) { return std::to_string(n); }

std::string errorList(const Counters& c) {
  std::string out;
  for (const auto& [name, n] : errorsByKind(c)) {
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(name) + " " + count(n);
  }
  return out.empty() ? "none" : out;
}

std::string seconds(std::optional<double> s, const char* never) {
  return s ? fmt("%.0f s", *s) : std::string(never);
}

}  // namespace

// Progress columns: (header, width); the first two are left-aligned.
constexpr std::pair<const char*, size_t> kColumns[] = {
    {"t", 5},           {"phase", 12},    {"| legit/s", 11}, {"ok%", 8},
    {"p50", 8},         {"p99", 8},       {"p99.9", 8},      {"errors", 8},
    {"| attack/s", 12}, {"origin/s", 10}, {"admitted", 10},  {"open", 7},
};

// Lays out one progress row: a cell starting "| " keeps its bar at the column's left edge.
std::string progressRow(const std::string* cells) {
  std::string line;
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    std::string cell = cells[i];
    size_t width = kColumns[i].second;
    if (i >= 2 && cell.rfind("| ", 0) == 0) cell = " | " + pad(cell.substr(2), width - 3, true);
    line += pad(cell, width, i >= 2) + (i == 0 ? " " : "");
  }
  return line + "\n";
}

std::string progressHeader() {
  std::string cells[std::size(kColumns)];
  for (size_t i = 0; i < std::size(kColumns); ++i) cells[i] = kColumns[i].first;
  return progressRow(cells);
}

std::string progressLine(const Scenario& s, const std::vector<SourceRange>& ranges,
                         const SecondRow& row) {
  Counters l = row.legit(s), a = row.attack(s);
  LatencyFigures lat = LatencyFigures::of(row.legit_latency);
  uint64_t n = l.outcomes();
  auto admitted = row.attackAdmitted(ranges);
  std::optional<double> share;
  if (admitted && a.attempted() > 0) {
    share = static_cast<double>(*admitted) / static_cast<double>(a.attempted());
  }
  std::string cells[] = {
      fmt("%.0fs", static_cast<double>(row.second)),
      (row.phase >= 0 ? s.phases[static_cast<size_t>(row.phase)].name : "(drain)").substr(0, 11),
      "| " + count(n),
      n ? fmt("%.2f", 100.0 * static_cast<double>(l[Count::kOk]) / static_cast<double>(n)) : "-",
      lat.count ? millis(lat.p50_ms) : "-",
      lat.count ? millis(lat.p99_ms) : "-",
      lat.count ? millis(lat.p999_ms) : "-",
      count(l.errors()),
      "| " + count(a.attempted()),
      admitted ? count(*admitted) : "-",
      share ? fmt("%.1f%%", *share * 100) : "-",
      count(a[Count::kOpenConnections]),
  };
  return progressRow(cells);
}

std::string summaryText(const RunContext& ctx, const RunRecord& r, const RunSummary& sum) {
  const Scenario& s = *ctx.scenario;
  std::string out;
  out += "\nstorm \"" + s.name + "\" against " + ctx.target + ": " + fmt("%.1f s", r.elapsed_s) +
         ", " + count(static_cast<uint64_t>(ctx.threads)) +
         (ctx.threads == 1 ? " thread" : " threads") + (r.interrupted ? " (interrupted)" : "") +
         "\n\n";

  out += pad("", 22) + pad("requests", 10, true) + pad("success", 10, true) + pad("p50", 9, true) +
         pad("p99", 9, true) + pad("p99.9", 9, true) + "  errors\n";
  auto row = [&](const std::string& name, const Counters& c, std::optional<double> success,
                 const LatencyFigures& lat) {
    out += pad(name.substr(0, 21), 22) + pad(count(c.outcomes()), 10, true) +
           pad(percent(success), 10, true) + pad(lat.count ? millis(lat.p50_ms) : "-", 9, true) +
           pad(lat.count ? millis(lat.p99_ms) : "-", 9, true) +
           pad(lat.count ? millis(lat.p999_ms) : "-", 9, true) + "  " + errorList(c) + "\n";
  };
  row("legitimate (all)", sum.legit.totals, sum.legit.success, sum.legit.latency);
  for (const auto& g : sum.groups) {
    if (!isAttack(g.kind)) row("  " + g.name, g.totals, g.success, g.latency);
  }
  out += "\n";
  out += pad("", 22) + pad("offered", 10, true) + pad("per sec", 10, true) +
         pad("answered", 10, true) + pad("to origin", 11, true) + "  kind\n";
  for (const auto& g : sum.groups) {
    if (!isAttack(g.kind)) continue;
    out += pad("  " + g.name.substr(0, 19), 22) + pad(count(g.totals.attempted()), 10, true) +
           pad(fmt("%.0f", g.offered_rps), 10, true) +
           pad(count(g.totals[Count::kResponses]), 10, true) +
           pad(g.origin_requests ? count(*g.origin_requests) : "", 11, true) + "  " +
           kindName(g.kind) + "\n";
  }
  out += pad("attack (all)", 22) + pad(count(sum.attack.totals.attempted()), 10, true) +
         pad(fmt("%.0f", sum.attack_offered_rps), 10, true) +
         pad(count(sum.attack.totals[Count::kResponses]), 10, true) +
         pad(sum.attack_admitted ? count(*sum.attack_admitted) : "-", 11, true) + "\n\n";

  bool attack = sum.window.present();
  bool legit = sum.legit_users > 0;
  out += "attack admitted to the origin: " +
         (sum.attack_admitted_share ? percent(sum.attack_admitted_share) + " of offered"
          : r.origin_asked          ? std::string("-")
                                    : std::string("not measured (no origin stats)")) +
         "\n";
  if (attack) {
    out += "time to mitigate:  " +
           (r.origin_asked ? seconds(sum.time_to_mitigate_s, "not mitigated during the attack")
                           : std::string("not measured (no origin stats)")) +
           "\n";
    if (legit && sum.baseline) {
      out += "time to recover:   " +
             (sum.window.end * 1'000'000'000ull < static_cast<uint64_t>(s.duration().count())
                  ? seconds(sum.time_to_recover_s, "not recovered by the end of the run")
                  : std::string("not measured (no phase after the attack)")) +
             "\n";
      out += "  (baseline before the attack: success " + percent(sum.baseline->success) + ", p99 " +
             millis(static_cast<double>(sum.baseline->p99_us) / 1000) + ")\n";
    }
  }
  if (legit) {
    out += "collateral:        " + count(sum.collateral_users) + " of " + count(sum.legit_users) +
           " legitimate users received a block (" + percent(sum.collateral) + ")\n";
  }
  if (ctx.generator_cpu > 0) {
    out += "generator CPU:     " + fmt("%.0f%%", ctx.generator_cpu * 100) + " of its " +
           count(static_cast<uint64_t>(ctx.threads)) + (ctx.threads == 1 ? " core" : " cores") +
           "\n";
  }
  if (!r.origin_error.empty()) out += "origin stats:      " + r.origin_error + "\n";
  for (const auto& w : sum.warnings) out += "warning: " + w + "\n";
  if (!sum.expectations.empty()) {
    out += "\nexpectations:\n";
    for (const auto& e : sum.expectations) {
      out += std::string(e.held ? "  pass  " : "  FAIL  ") + e.expectation.text + "  (measured " +
             (e.value ? fmt("%.4g", *e.value) : std::string("nothing")) + ")\n";
    }
    out += sum.passed ? "all expectations held\n" : "some expectations did not hold\n";
  }
  return out;
}

}  // namespace floodgate::storm
