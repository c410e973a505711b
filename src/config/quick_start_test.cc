#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace floodgate::config {
namespace {

TEST(QuickStart, BuildsOneListenerOneClusterOneCatchAllRoute) {
  QuickStart qs;
  qs.listen = "127.0.0.1:8088";
  qs.to = {"127.0.0.1:9000", "localhost:9001"};
  qs.workers = 2;
  qs.access_log = "-";
  qs.log_level = "debug";
  LoadResult r = quickStartConfig(qs);
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  const Config& c = *r.config;
  EXPECT_EQ(c.source, "<quick start>");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].name, "quickstart");
  EXPECT_EQ(c.listeners[0].address.toString(), "127.0.0.1:8088");
  EXPECT_EQ(c.listeners[0].workers, 2);
  EXPECT_EQ(c.workerThreads(), 2);
  ASSERT_EQ(c.clusters.size(), 1u);
  EXPECT_EQ(c.clusters[0].name, "upstream");
  ASSERT_EQ(c.clusters[0].endpoints.size(), 2u);
  EXPECT_EQ(c.clusters[0].endpoints[0].address_text, "127.0.0.1:9000");
  EXPECT_EQ(c.clusters[0].endpoints[1].address.toString(), "127.0.0.1:9001");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].path_prefix, "/");
  EXPECT_EQ(c.routes[0].host, "");
  EXPECT_EQ(c.routes[0].cluster, "upstream");
  EXPECT_EQ(c.routes[0].cluster_index, 0);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.access_log, "stdout");
  EXPECT_EQ(c.drain_timeout, seconds(10));
}

TEST(QuickStart, DefaultsNeedOnlyTo) {
  QuickStart qs;
  qs.to = {"127.0.0.1:9000"};
  LoadResult r = quickStartConfig(qs);
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_EQ(r.config->listeners[0].address.toString(), "127.0.0.1:8080");
  EXPECT_EQ(r.config->listeners[0].workers, 0);
  EXPECT_EQ(r.config->logging.level, "info");
  EXPECT_EQ(r.config->logging.access_log, "");
}

TEST(QuickStart, EndpointWithoutPortNamesTheFlag) {
  QuickStart qs;
  qs.to = {"foo"};
  LoadResult r = quickStartConfig(qs);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "<quick start>");
  EXPECT_EQ(r.problems[0].line, 0);
  EXPECT_EQ(r.problems[0].column, 0);
  EXPECT_EQ(r.problems[0].toString(), "<quick start>: --to \"foo\": needs a port (e.g. foo:8080)");
}

TEST(QuickStart, CollectsEveryProblem) {
  QuickStart qs;
  qs.listen = "0.0.0.0";
  qs.to = {"127.0.0.1:9000", "http://127.0.0.1:9001"};
  qs.workers = 300;
  qs.log_level = "verbose";
  LoadResult r = quickStartConfig(qs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.describeProblems(),
            "<quick start>: --listen \"0.0.0.0\": needs a port (e.g. 0.0.0.0:8080)\n"
            "<quick start>: --workers 300: must be from 0 (one per core) to 256\n"
            "<quick start>: --to \"http://127.0.0.1:9001\": write host:port without a scheme "
            "(e.g. 127.0.0.1:8080); floodgate speaks plain HTTP\n"
            "<quick start>: --log-level \"verbose\" is not a level (levels: trace, debug, info, "
            "warn, error, off)\n");
}

TEST(QuickStart, NoEndpointsIsAProblem) {
  LoadResult r = quickStartConfig(QuickStart{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("--to: give at least one upstream endpoint"),
            std::string::npos)
      << r.describeProblems();
}

TEST(QuickStart, RefusesToProxyToItself) {
  QuickStart qs;
  qs.listen = "0.0.0.0:8080";
  qs.to = {"127.0.0.1:8080"};
  LoadResult r = quickStartConfig(qs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("requests would loop back into floodgate"), std::string::npos)
      << r.describeProblems();
}

}  // namespace
}  // namespace floodgate::config
