#include "telemetry/registry.h"

#include <gtest/gtest.h>

namespace floodgate::telemetry {
namespace {

TEST(RegistryTest, ExpositionInTheTextFormat) {
  Registry r(2);
  Counter* ok = r.counter("floodgate_requests_total", "Requests answered.",
                          {{"listener", "main"}, {"route", "api"}, {"code", "2xx"}});
  Counter* bad = r.counter("floodgate_requests_total", "Requests answered.",
                           {{"listener", "main"}, {"route", "api"}, {"code", "5xx"}});
  EXPECT_EQ(ok, r.counter("floodgate_requests_total", "Requests answered.",
                          {{"listener", "main"}, {"route", "api"}, {"code", "2xx"}}));
  ok->add(0, 3);
  ok->add(1, 4);
  bad->add(1);
  r.gauge("floodgate_amplification_factor", "Upstream attempts per request.", {{"cluster", "c"}})
      ->set(1.25);
  r.callback("process_resident_memory_bytes", "Resident memory.", MetricType::kGauge, {},
             [] { return 123456789.0; });
  Histogram* h = r.histogram("floodgate_request_duration_seconds", "Request duration.",
                             {{"route", "api"}}, {0.01, 0.1});
  h->observe(0, milliseconds(5));
  h->observe(1, milliseconds(50));
  h->observe(1, seconds(1));

  EXPECT_EQ(r.exposition(),
            "# HELP floodgate_amplification_factor Upstream attempts per request.\n"
            "# TYPE floodgate_amplification_factor gauge\n"
            "floodgate_amplification_factor{cluster=\"c\"} 1.25\n"
            "# HELP floodgate_request_duration_seconds Request duration.\n"
            "# TYPE floodgate_request_duration_seconds histogram\n"
            "floodgate_request_duration_seconds_bucket{route=\"api\",le=\"0.01\"} 1\n"
            "floodgate_request_duration_seconds_bucket{route=\"api\",le=\"0.1\"} 2\n"
            "floodgate_request_duration_seconds_bucket{route=\"api\",le=\"+Inf\"} 3\n"
            "floodgate_request_duration_seconds_sum{route=\"api\"} 1.055\n"
            "floodgate_request_duration_seconds_count{route=\"api\"} 3\n"
            "# HELP floodgate_requests_total Requests answered.\n"
            "# TYPE floodgate_requests_total counter\n"
            "floodgate_requests_total{listener=\"main\",route=\"api\",code=\"2xx\"} 7\n"
            "floodgate_requests_total{listener=\"main\",route=\"api\",code=\"5xx\"} 1\n"
            "# HELP process_resident_memory_bytes Resident memory.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 123456789\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escapeHelp("line\\one\ntwo \"quoted\""), "line\\\\one\\ntwo \"quoted\"");
  Registry r(1);
  r.counter("x_total", "h", {{"route", "we\"ird\n"}})->add(0);
  EXPECT_NE(r.exposition().find("x_total{route=\"we\\\"ird\\n\"} 1\n"), std::string::npos);
}

TEST(RegistryTest, FormatsValuesAsPrometheusDoes) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(0.0025), "0.0025");
  EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(formatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(formatValue(0.0 / 0.0), "NaN");
}

TEST(RegistryTest, SumsAndMergesForTheHistory) {
  Registry r(1);
  r.counter("req_total", "h", {{"route", "a"}, {"code", "2xx"}})->add(0, 5);
  r.counter("req_total", "h", {{"route", "b"}, {"code", "5xx"}})->add(0, 2);
  r.counter("req_total", "h", {{"route", "a"}, {"code", "5xx"}})->add(0, 1);
  r.callback("rej_total", "h", MetricType::kCounter, {{"reason", "x"}}, [] { return 4.0; });
  EXPECT_EQ(r.sum("req_total"), 8);
  EXPECT_EQ(r.sum("req_total", {{"code", "5xx"}}), 3);
  EXPECT_EQ(r.sum("rej_total"), 4);
  EXPECT_EQ(r.sum("missing"), 0);
  r.histogram("d", "h", {{"route", "a"}}, {1})->observe(0, milliseconds(1));
  r.histogram("d", "h", {{"route", "b"}}, {1})->observe(0, seconds(2));
  auto merged = r.merged("d");
  EXPECT_EQ(merged.count(), 2u);
  EXPECT_EQ(merged.counts[1], 1u);
}

// A family whose series are read when scraped: what the function returns now, no more — a
// source that left the top offenders leaves the exposition too.
TEST(RegistryTest, CallbackFamilySeriesComeAndGo) {
  Registry r(1);
  Registry::Samples now = {{{{"source", "203.0.113.7"}}, 900}, {{{"source", "10.0.0.0/24"}}, 40}};
  r.callbackFamily("top", "Top offenders.", MetricType::kGauge, [&] { return now; });
  EXPECT_EQ(r.exposition(),
            "# HELP top Top offenders.\n"
            "# TYPE top gauge\n"
            "top{source=\"203.0.113.7\"} 900\n"
            "top{source=\"10.0.0.0/24\"} 40\n");
  EXPECT_EQ(r.sum("top"), 940);
  EXPECT_EQ(r.sum("top", {{"source", "10.0.0.0/24"}}), 40);
  now = {{{{"source", "198.51.100.1"}}, 5}};
  EXPECT_EQ(r.exposition(),
            "# HELP top Top offenders.\n"
            "# TYPE top gauge\n"
            "top{source=\"198.51.100.1\"} 5\n");
  now.clear();
  EXPECT_EQ(r.exposition(), "# HELP top Top offenders.\n# TYPE top gauge\n");
}

TEST(RegistryDeathTest, OneNameHasOneType) {
  Registry r(1);
  r.counter("dual", "h");
  EXPECT_DEATH(r.gauge("dual", "h"), "registered as counter and as gauge");
}

}  // namespace
}  // namespace floodgate::telemetry
