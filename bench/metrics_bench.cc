// What the request path pays for telemetry: one answered, proxied request's counters and
// histograms (ProxyMetrics::countRequest + countUpstream), against the bare loop.
// Run: build/release/metrics_bench
#include <benchmark/benchmark.h>

#include "config/config.h"
#include "proxy/proxy_metrics.h"

namespace {

using namespace floodgate;

const config::Config& benchConfig() {
  static auto loaded = config::loadConfigString(
      "listeners: [{ name: main, address: 127.0.0.1:8080 }]\n"
      "routes:\n"
      "  - { name: api, match: { path_prefix: /api }, cluster: app }\n"
      "  - { name: web, cluster: app }\n"
      "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n",
      "bench.yaml");
  return *loaded.config;
}

void BM_RequestMetrics(benchmark::State& state) {
  telemetry::Registry registry(4);
  proxy::ProxyMetrics metrics(benchConfig(), &registry);
  int64_t i = 0;
  for (auto _ : state) {
    Duration d = std::chrono::microseconds(200 + (i++ & 1023));  // spread over a few buckets
    metrics.countRequest(1, 0, 1, 200, true, d);
    metrics.countUpstream(1, 0, 1, true, d);
  }
  benchmark::DoNotOptimize(registry.sum("floodgate_requests_total"));
}
BENCHMARK(BM_RequestMetrics);

void BM_Exposition(benchmark::State& state) {
  telemetry::Registry registry(4);
  proxy::ProxyMetrics metrics(benchConfig(), &registry);
  for (auto _ : state) benchmark::DoNotOptimize(registry.exposition());
}
BENCHMARK(BM_Exposition);

}  // namespace

BENCHMARK_MAIN();
