#include "proxy/gateway_telemetry.h"

#include <gtest/gtest.h>

#include "telemetry/metric_names.h"

namespace floodgate::proxy {
namespace {

namespace names = telemetry::names;

TEST(AmplificationWindowTest, AttemptsPerRequestOverTheLastTenSeconds) {
  auto loaded = config::loadConfigString(
      "listeners: [{ address: 127.0.0.1:8080 }]\n"
      "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n",
      "amp.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.describeProblems();
  telemetry::Registry registry(1);
  telemetry::Counter* attempts =
      registry.counter(names::kUpstreamAttempts, "h", {{"cluster", "app"}});
  telemetry::Counter* requests =
      registry.counter(names::kDownstreamRequests, "h", {{"cluster", "app"}});
  AmplificationWindow window;
  auto factor = [&] {
    return registry.gauge(names::kAmplification, "h", {{"cluster", "app"}})->value();
  };

  attempts->add(0, 30);  // before the first update: still in the first window
  requests->add(0, 10);
  window.update(registry, *loaded.config);
  EXPECT_DOUBLE_EQ(factor(), 3);
  for (int s = 0; s < 10; ++s) {  // ten quiet seconds push the retry storm out of the window
    attempts->add(0, 10);
    requests->add(0, 10);
    window.update(registry, *loaded.config);
  }
  EXPECT_DOUBLE_EQ(factor(), 1);
  for (int s = 0; s < 11; ++s) window.update(registry, *loaded.config);
  EXPECT_DOUBLE_EQ(factor(), 0);  // no requests in the window
}

}  // namespace
}  // namespace floodgate::proxy
