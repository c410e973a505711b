// The config-less quick start (`floodgate run --listen A --to B,C`): the same Config and the
// same checks as a file, with problems named after the flags a user typed.
#include "config/addresses.h"
#include "config/admin_section.h"
#include "config/config.h"
#include "config/logging_options.h"
#include "config/messages.h"
#include "config/problems.h"
#include "config/status_section.h"
#include "config/validate.h"

namespace floodgate::config {
LoadResult quickStartConfig(const QuickStart& qs) {
  ProblemList problems("<quick start>");
  Config config;

  Listener l;
  l.name = "quickstart";
  l.address_text = qs.listen;
  l.workers = qs.workers;
  if (auto a = parseListenAddress(qs.listen)) {
    l.address = *a;
  } else {
    problems.add(Where{}, "--listen " + quoted(qs.listen) + ": " + a.error());
  }
  if (qs.workers < 0 || qs.workers > kMaxWorkers) {
    problems.add(Where{}, "--workers " + std::to_string(qs.workers) +
                              ": must be from 0 (one per "
                              "core) to " +
                              std::to_string(kMaxWorkers));
  }
  config.listeners.push_back(std::move(l));

  Cluster c;
  c.name = "upstream";
  if (qs.to.empty()) {
    problems.add(Where{}, "--to: give at least one upstream endpoint (e.g. --to 127.0.0.1:9000)");
  }
  for (const auto& text : qs.to) {
    Endpoint e;
    e.address_text = text;
    if (auto a = resolveEndpoint(text)) {
      e.address = *a;
    } else {
      problems.add(Where{}, "--to " + quoted(text) + ": " + a.error());
    }
    c.endpoints.push_back(std::move(e));
  }
  config.clusters.push_back(std::move(c));

  if (std::string why = logLevelProblem(qs.log_level); why.empty()) {
    config.logging.level = qs.log_level;
  } else {
    problems.add(Where{}, "--log-level " + quoted(qs.log_level) + " " + why);
  }
  if (auto target = accessLogTarget(qs.access_log)) {
    config.logging.access_log = *target;
  } else {
    problems.add(Where{}, "--access-log " + quoted(qs.access_log) + " " + target.error());
  }

  if (!qs.admin.empty()) {
    config.admin.enabled = true;
    config.admin.listen_text = qs.admin;
    config.admin.token = qs.admin_token;
    if (std::string why = adminListenProblem(qs.admin, qs.admin_token, &config.admin.listen);
        !why.empty()) {
      problems.add(Where{}, "--admin " + quoted(qs.admin) + ": " + why);
    }
  }

  if (!qs.status.empty()) {
    config.status.enabled = true;
    config.status.listen_text = qs.status;
    config.status.database = qs.status_database;
    if (auto a = parseListenAddress(qs.status)) {
      config.status.listen = *a;
    } else {
      problems.add(Where{}, "--status " + quoted(qs.status) + ": " + a.error());
    }
    quickStartStatusComponents(&config);
  }

  // No routes: validation adds the catch-all to the one cluster, as for a file without routes.
  SourceMarks marks;
  validateConfig(config, marks, problems);

  LoadResult result;
  if (problems.empty()) {
    config.source = "<quick start>";
    result.config = std::make_shared<const Config>(std::move(config));
  }
  result.problems = problems.take();
  return result;
}

}  // namespace floodgate::config
