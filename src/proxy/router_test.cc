#include "proxy/router.h"

#include <gtest/gtest.h>

namespace floodgate::proxy {
namespace {

config::Config makeConfig() {
  config::Config c;
  auto add = [&](std::string host, std::string prefix) {
    config::Route r;
    r.host = std::move(host);
    r.path_prefix = std::move(prefix);
    c.routes.push_back(r);
  };
  add("api.example.com", "/v1");  // 0
  add("*.example.com", "/");      // 1
  add("", "/static");             // 2
  add("", "/");                   // 3
  return c;
}

TEST(Router, FirstMatchInConfigOrder) {
  config::Config c = makeConfig();
  Router router(c);
  EXPECT_EQ(router.match("api.example.com", "/v1/users"), 0);
  EXPECT_EQ(router.match("API.Example.COM:8080", "/v1"), 0);
  EXPECT_EQ(router.match("api.example.com", "/v2"), 1);
  EXPECT_EQ(router.match("www.example.com", "/static/x.css"), 1);
  EXPECT_EQ(router.match("example.com", "/static/x.css"), 2);  // wildcard needs a subdomain
  EXPECT_EQ(router.match("other", "/anything"), 3);
  EXPECT_EQ(router.match("", "/"), 3);
}

TEST(Router, NoMatch) {
  config::Config c;
  config::Route r;
  r.host = "only.example";
  c.routes.push_back(r);
  Router router(c);
  EXPECT_EQ(router.match("else.example", "/"), -1);
}

TEST(Router, HostWithoutPort) {
  EXPECT_EQ(hostWithoutPort("a.b:80"), "a.b");
  EXPECT_EQ(hostWithoutPort("[::1]:8080"), "[::1]");
  EXPECT_EQ(hostWithoutPort("[::1]"), "[::1]");
  EXPECT_EQ(hostWithoutPort("plain"), "plain");
}

}  // namespace
}  // namespace floodgate::proxy
