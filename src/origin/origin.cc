// runOrigin: the `floodgate origin` command — check options, start the server, announce the
// address on stdout (tests read it), and run until SIGTERM or SIGINT.
#include "origin/origin.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "core/log.h"
#include "origin/origin_server.h"

namespace floodgate::origin {

std::string checkOriginOptions(const OriginOptions& o) {
  if (o.workers < 1) return "--workers must be at least 1";
  if (!(o.capacity_rps >= 0)) return "--capacity must be 0 (unlimited) or a positive rate";
  if (!(o.latency_ms >= 0)) return "--latency must be 0 or a positive number of milliseconds";
  if (o.latency_ms > 86'400'000) return "--latency must be at most 86400000 ms (a day)";
  if (o.concurrency < 0) return "--concurrency must be 0 (unlimited) or positive";
  if (o.max_sources < 1) return "--max-sources must be at least 1";
  return {};
}

int runOrigin(const OriginOptions& options) {
  initLogging("info");
  if (std::string problem = checkOriginOptions(options); !problem.empty()) {
    std::fprintf(stderr, "floodgate origin: %s\n", problem.c_str());
    return 2;
  }
  // Workers inherit the mask: only this thread takes the stop signals, in sigwait().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  OriginServer server(options);
  Status st = server.start();
  if (!st.ok()) {
    std::fprintf(stderr, "floodgate origin: %s\n", st.error().c_str());
    return st.error().rfind("--listen", 0) == 0 ? 2 : 1;  // a bad address is bad input
  }
  std::printf("origin listening on %s\n", server.address().toString().c_str());
  std::fflush(stdout);
  spdlog::info("origin \"{}\": {} worker(s), capacity {} rps, concurrency {}, latency {} ms",
               options.name.empty() ? "origin" : options.name, options.workers,
               options.capacity_rps, options.concurrency, options.latency_ms);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("origin: signal {}, stopping", sig);
  server.stop();
  server.join();
  return 0;
}

}  // namespace floodgate::origin
