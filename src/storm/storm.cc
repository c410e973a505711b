// `floodgate storm`: load the scenario, apply the command line, run, and report.
#include "storm/storm.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/clock.h"
#include "storm/chart_svg.h"
#include "storm/report_json.h"
#include "storm/run_summary.h"
#include "storm/scenario_parser.h"
#include "storm/storm_run.h"
#include "storm/terminal_report.h"

namespace floodgate::storm {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

std::atomic<bool> g_interrupted{false};

void onInterrupt(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends at once
  std::signal(SIGTERM, SIG_DFL);
}

ChartData chartDataOf(const Scenario& s, const RunRecord& r) {
  ChartData d;
  d.title = "storm: " + s.name;
  for (const auto& p : s.phases) {
    d.phases.push_back({p.name, static_cast<double>(p.start.count()) / 1e9,
                        static_cast<double>(p.end().count()) / 1e9, p.attack});
  }
  for (const auto& row : r.seconds) {
    Counters l = row.legit(s), a = row.attack(s);
    ChartPoint pt;
    if (l.outcomes() > 0) {
      pt.success = static_cast<double>(l[Count::kOk]) / static_cast<double>(l.outcomes());
    }
    if (row.legit_latency.count() > 0) {
      pt.p99_ms = static_cast<double>(row.legit_latency.percentile(99)) / 1000.0;
    }
    pt.offered_rps = static_cast<double>(a.attempted());
    if (auto admitted = row.attackAdmitted(r.ranges))
      pt.admitted_rps = static_cast<double>(*admitted);
    d.seconds.push_back(pt);
  }
  return d;
}

bool writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int runStorm(const StormOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  auto loaded = loadScenarioFile(options.scenario_path);
  if (!loaded.ok()) {
    std::cerr << loaded.error();
    return kExitBadInput;
  }
  Scenario scenario = std::move(*loaded);
  if (options.threads < 0 || options.threads > 64) {
    std::cerr << "floodgate storm: --threads must be 1..64\n";
    return kExitBadInput;
  }
  if (options.threads > 0) scenario.threads = options.threads;

  LoopbackUrl target = scenario.target;
  if (!options.target.empty()) {
    auto t = LoopbackUrl::parse(options.target);
    if (!t.ok()) {
      std::cerr << "floodgate storm: --target " << t.error() << "\n";
      return kExitBadInput;
    }
    target = *t;
  } else if (!scenario.has_target) {
    std::cerr << scenario.file
              << ": no target; add `target: http://127.0.0.1:PORT` or pass --target\n";
    return kExitBadInput;
  }
  std::optional<LoopbackUrl> origin_stats;
  if (scenario.has_origin_stats) origin_stats = scenario.origin_stats;
  if (!options.origin_stats.empty()) {
    auto o = LoopbackUrl::parse(options.origin_stats);
    if (!o.ok()) {
      std::cerr << "floodgate storm: --origin-stats " << o.error() << "\n";
      return kExitBadInput;
    }
    origin_stats = *o;
  }
  std::filesystem::path report_dir;
  if (!options.report_dir.empty()) {
    report_dir = options.report_dir;
    std::error_code ec;
    std::filesystem::create_directories(report_dir, ec);
    if (ec) {
      std::cerr << "floodgate storm: cannot create " << report_dir << ": " << ec.message() << "\n";
      return kExitBadInput;
    }
  }

  StormRun run(scenario, target, origin_stats);
  if (auto ready = run.prepare(); !ready.ok()) {
    std::cerr << "floodgate storm: " << ready.error() << "\n";
    return kExitBadInput;
  }
  RunContext ctx;
  ctx.scenario = &scenario;
  ctx.target = target.text;
  ctx.origin_stats = origin_stats ? origin_stats->text : "";
  ctx.threads = run.threads();
  ctx.started_unix_ms = RealClock::instance().wallMillis();

  if (!options.quiet) {
    std::printf("storm \"%s\": %zu phases, %zu client groups, %.0f s, %d thread%s, target %s%s\n",
                scenario.name.c_str(), scenario.phases.size(), scenario.groups.size(),
                static_cast<double>(scenario.duration().count()) / 1e9, run.threads(),
                run.threads() == 1 ? "" : "s", target.text.c_str(),
                origin_stats ? (", origin stats " + origin_stats->text).c_str() : "");
    std::fputs(progressHeader().c_str(), stdout);
    std::fflush(stdout);
  }
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  const auto ranges = sourceRangesOf(scenario);
  RunRecord record = run.execute(g_interrupted, [&](const SecondRow& row) {
    if (options.quiet) return;
    std::fputs(progressLine(scenario, ranges, row).c_str(), stdout);
    std::fflush(stdout);
  });
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  ctx.generator_cpu = run.generatorCpu();

  RunSummary summary = summarize(scenario, record);
  if (ctx.generator_cpu > 0.9) {
    summary.warnings.push_back("storm used " +
                               std::to_string(static_cast<int>(ctx.generator_cpu * 100)) +
                               "% of its cores: it may have been the bottleneck; give it more "
                               "threads or cores");
  }
  std::fputs(summaryText(ctx, record, summary).c_str(), stdout);
  if (!report_dir.empty()) {
    bool ok = writeFile(report_dir / "report.json", reportJson(ctx, record, summary)) &&
              writeFile(report_dir / "chart.svg", chartSvg(chartDataOf(scenario, record)));
    if (!ok) {
      std::cerr << "floodgate storm: cannot write the report into " << report_dir << "\n";
      return kExitFailed;
    }
    std::printf("report: %s, %s\n", (report_dir / "report.json").c_str(),
                (report_dir / "chart.svg").c_str());
  }
  std::fflush(stdout);
  if (record.interrupted) return kExitFailed;
  return summary.passed ? 0 : kExitFailed;
}

}  // namespace floodgate::storm
