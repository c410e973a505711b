// floodgate's command line: run, check, origin, storm, ctl.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "admin/ctl.h"
#include "config/config.h"
#include "origin/origin.h"
#include "proxy/gateway.h"
#include "storm/storm.h"

namespace {

constexpr int kExitBadInput = 2;

void splitCommaList(const std::vector<std::string>& in, std::vector<std::string>* out) {
  for (const auto& item : in) {
    size_t start = 0;
    while (start <= item.size()) {
      size_t comma = item.find(',', start);
      if (comma == std::string::npos) comma = item.size();
      if (comma > start) out->push_back(item.substr(start, comma - start));
      start = comma + 1;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace floodgate;
  CLI::App app{"floodgate: an edge gateway that keeps an HTTP service up while it is flooded"};
  app.set_version_flag("--version", std::string("floodgate ") + FLOODGATE_VERSION);
  app.require_subcommand(1);

  // floodgate run
  auto* run = app.add_subcommand("run", "Run the gateway (from a config file, or the quick start)");
  std::string run_config;
  config::QuickStart qs;
  std::vector<std::string> to_list;
  run->add_option("-c,--config", run_config, "YAML config file");
  run->add_option("--listen", qs.listen, "Quick start: address to listen on")
      ->capture_default_str();
  run->add_option("--to", to_list, "Quick start: upstream endpoints, host:port[,host:port...]");
  run->add_option("--workers", qs.workers, "Quick start: worker threads (default: one per core)");
  run->add_option("--access-log", qs.access_log, "Quick start: access log (stdout or a path)");
  run->add_option("--log-level", qs.log_level, "Quick start: trace|debug|info|warn|error")
      ->capture_default_str();
  run->add_option("--admin", qs.admin,
                  "Quick start: admin API address (token from $FLOODGATE_ADMIN_TOKEN)");
  run->add_option("--status", qs.status,
                  "Quick start: serve the status page on this address (one component per --to)");
  run->add_option("--status-db", qs.status_database, "Quick start: the status page's database")
      ->capture_default_str();

  // floodgate check
  auto* check = app.add_subcommand("check", "Validate a config file; exit 0 if valid, 2 if not");
  std::string check_config;
  check->add_option("-c,--config", check_config, "YAML config file")->required();

  // floodgate origin
  auto* orig = app.add_subcommand("origin", "Run the demo origin with a capacity model");
  origin::OriginOptions oo;
  orig->add_option("--listen", oo.listen, "Address to listen on")->capture_default_str();
  orig->add_option("--capacity", oo.capacity_rps, "Requests/s it can serve (0: unlimited)")
      ->capture_default_str();
  orig->add_option("--latency", oo.latency_ms, "Service time per request, ms")
      ->capture_default_str();
  orig->add_option("--concurrency", oo.concurrency, "Requests in service at once (0: unlimited)")
      ->capture_default_str();
  orig->add_option("--body-bytes", oo.body_bytes, "Response body size for GET / (0: short text)")
      ->capture_default_str();
  orig->add_option("--workers", oo.workers, "Worker threads")->capture_default_str();
  orig->add_option("--name", oo.name, "Name reported in X-Origin and stats");
  orig->add_option("--fail-every", oo.fail_every,
                   "Answer every Nth admitted application request with 500 (0: never)")
      ->capture_default_str();
  orig->add_option("--max-sources", oo.max_sources,
                   "Distinct client sources counted apart in stats; the rest count as \"other\"")
      ->capture_default_str();

  // floodgate storm
  auto* storm_cmd = app.add_subcommand("storm", "Run a storm scenario: legitimate users and attackers");
  storm::StormOptions so;
  storm_cmd->add_option("scenario", so.scenario_path, "Scenario YAML")->required();
  storm_cmd->add_option("--target", so.target, "Target URL (overrides the scenario)");
  storm_cmd->add_option("--report", so.report_dir, "Directory for report.json and chart.svg");
  storm_cmd->add_option("--origin-stats", so.origin_stats,
                        "URL of the origin's /__origin/stats (overrides the scenario)");
  storm_cmd->add_option("--threads", so.threads,
                        "Worker threads (overrides the scenario; default one per core)");
  storm_cmd->add_flag("--quiet", so.quiet, "No progress lines");

  // floodgate ctl
  auto* ctl = app.add_subcommand(
      "ctl",
      "Call the admin API: floodgate ctl GET /api/v1/shield; named calls: upstreams, "
      "drain-endpoint ADDRESS, undrain-endpoint ADDRESS");
  admin::CtlOptions co;
  ctl->add_option("--admin", co.admin, "Admin API address")->capture_default_str();
  ctl->add_option("--token", co.token, "Bearer token (default: $FLOODGATE_ADMIN_TOKEN)");
  ctl->add_option("method", co.method,
                  "GET, POST or DELETE, or a named call: why, upstreams, drain-endpoint, "
                  "undrain-endpoint")
      ->required();
  ctl->add_option("path", co.path, "e.g. /api/v1/blocklist (or the named call's argument)");
  ctl->add_option("--request-id", co.request_id, "why: the request's X-Request-Id");
  ctl->add_option("--client", co.client, "why: a client address");
  ctl->add_option("json", co.body, "Request body (JSON)");

  CLI11_PARSE(app, argc, argv);

  if (*check) {
    auto loaded = config::loadConfigFile(check_config);
    if (!loaded.ok()) {
      std::cerr << loaded.describeProblems();
      return kExitBadInput;
    }
    std::cout << check_config << ": ok\n";
    return 0;
  }
  if (*run) {
    if (!run_config.empty() && !to_list.empty()) {
      std::cerr << "floodgate run: give either -c FILE or --to, not both\n";
      return kExitBadInput;
    }
    config::LoadResult loaded;
    if (!run_config.empty()) {
      loaded = config::loadConfigFile(run_config);
    } else if (!to_list.empty()) {
      splitCommaList(to_list, &qs.to);
      if (const char* token = std::getenv("FLOODGATE_ADMIN_TOKEN")) qs.admin_token = token;
      loaded = config::quickStartConfig(qs);
    } else {
      std::cerr << "floodgate run: give -c FILE, or --to HOST:PORT for the quick start\n"
                   "  e.g. floodgate run --listen 127.0.0.1:8080 --to 127.0.0.1:9000\n";
      return kExitBadInput;
    }
    if (!loaded.ok()) {
      std::cerr << loaded.describeProblems();
      return kExitBadInput;
    }
    return proxy::runGateway(loaded.config, run_config);
  }
  if (*orig) return origin::runOrigin(oo);
  if (*storm_cmd) return storm::runStorm(so);
  if (*ctl) return admin::runCtl(co);
  return kExitBadInput;
}
