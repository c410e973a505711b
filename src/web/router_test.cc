#include "web/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace floodgate::web {
namespace {

Handler named(std::string name) {
  return [name](const Request&) {
    Response r;
    r.body = name;
    return r;
  };
}

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(RouterTest, MatchesMethodAndPrefixFirstMatchWins) {
  Router router;
  router.add("GET", "/api/v1/events", named("events"))
      .add("GET", "/api/v1/", named("api"))
      .add("POST", "/api/v1/blocklist", named("block"))
      .add("*", "/any", named("any"));
  struct Case {
    const char* method;
    const char* path;
    int status;
    const char* body;
  } cases[] = {
      {"GET", "/api/v1/events", 200, "events"},
      {"GET", "/api/v1/events/7", 200, "events"},
      {"HEAD", "/api/v1/events", 200, "events"},
      {"GET", "/api/v1/eventsx", 200, "api"},  // not under /api/v1/events, but under /api/v1/
      {"GET", "/api/v1/blocklist", 200, "api"},
      {"POST", "/api/v1/blocklist", 200, "block"},
      {"DELETE", "/any/thing", 200, "any"},
      {"GET", "/anything", 404, nullptr},
      {"GET", "/", 404, nullptr},
      {"DELETE", "/api/v1/events", 405, nullptr},
  };
  for (const Case& c : cases) {
    Response r = router(request(c.method, c.path));
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path;
    if (c.body != nullptr) EXPECT_EQ(r.body, c.body) << c.method << " " << c.path;
  }
}

TEST(RouterTest, NotFoundAndWrongMethodAreJsonErrorsWithAllow) {
  Router router;
  router.add("GET", "/metrics", named("m")).add("POST", "/metrics", named("p"));
  Response r = router(request("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(nlohmann::json::parse(r.body).contains("error"));

  r = router(request("PUT", "/metrics"));
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(nlohmann::json::parse(r.body).contains("error"));
  std::string allow;
  for (const auto& [k, v] : r.headers) {
    if (k == "Allow") allow = v;
  }
  EXPECT_EQ(allow, "GET, HEAD, POST");
}

TEST(RouterTest, PathUnderRespectsSegmentBoundaries) {
  EXPECT_TRUE(pathUnder("/a", "/a"));
  EXPECT_TRUE(pathUnder("/a/b", "/a"));
  EXPECT_FALSE(pathUnder("/ab", "/a"));
  EXPECT_TRUE(pathUnder("/ab", "/"));
  EXPECT_FALSE(pathUnder("/", "/a"));
}

}  // namespace
}  // namespace floodgate::web
