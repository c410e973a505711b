#include "config/admin_section.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "config/config.h"

namespace floodgate::config {
namespace {

const char* kBase =
    "listeners: [{ address: 127.0.0.1:8080 }]\n"
    "clusters: [{ name: app, endpoints: [127.0.0.1:9000] }]\n";

LoadResult load(const std::string& admin) {
  return loadConfigString(std::string(kBase) + admin, "admin.yaml");
}

TEST(AdminSection, OffUnlessConfigured) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_FALSE(r.config->admin.enabled);
}

TEST(AdminSection, LoopbackWithoutTokenIsFine) {
  auto r = load("admin: { listen: 127.0.0.1:9901 }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_TRUE(r.config->admin.enabled);
  EXPECT_EQ(r.config->admin.listen.toString(), "127.0.0.1:9901");
  EXPECT_EQ(r.config->admin.token, "");
  r = load("admin: {}\n");  // the default address
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_EQ(r.config->admin.listen.toString(), "127.0.0.1:9901");
}

TEST(AdminSection, NonLoopbackNeedsATokenAndSaysWhere) {
  auto r = load("admin:\n  listen: 0.0.0.0:9901\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("admin.yaml:4:11: admin.listen \"0.0.0.0:9901\": the admin "
                                      "API on a non-loopback address needs a token"),
            std::string::npos)
      << r.describeProblems();
  r = load("admin: { listen: 0.0.0.0:9901, token: s3cret }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_EQ(r.config->admin.token, "s3cret");
}

TEST(AdminSection, TokenFromTheEnvironment) {
  ::setenv("FG_TEST_ADMIN_TOKEN", "from-env", 1);
  auto r = load("admin: { listen: \"[::]:0\", token_env: FG_TEST_ADMIN_TOKEN }\n");
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_EQ(r.config->admin.token, "from-env");
  ::unsetenv("FG_TEST_ADMIN_TOKEN");
  r = load("admin: { listen: \"[::]:0\", token_env: FG_TEST_ADMIN_TOKEN }\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("\"FG_TEST_ADMIN_TOKEN\" is not set"), std::string::npos);
}

TEST(AdminSection, RefusesMistakes) {
  for (const char* bad :
       {"admin: { listen: nowhere }\n", "admin: { token: \"\" }\n",
        "admin: { token: a, token_env: B }\n", "admin: { lisen: 1.2.3.4:1 }\n", "admin: [1]\n"}) {
    auto r = load(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(AdminSection, QuickStartFlag) {
  QuickStart qs;
  qs.to = {"127.0.0.1:9000"};
  qs.admin = "127.0.0.1:0";
  auto r = quickStartConfig(qs);
  ASSERT_TRUE(r.ok()) << r.describeProblems();
  EXPECT_TRUE(r.config->admin.enabled);
  qs.admin = "0.0.0.0:9901";
  r = quickStartConfig(qs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.describeProblems().find("--admin \"0.0.0.0:9901\""), std::string::npos);
  qs.admin_token = "t";
  EXPECT_TRUE(quickStartConfig(qs).ok());
}

}  // namespace
}  // namespace floodgate::config
