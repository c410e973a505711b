#include "admin/auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace floodgate::admin {
namespace {

TEST(AuthTest, ConstantTimeEqualsComparesWholeValues) {
  EXPECT_TRUE(constantTimeEquals("secret", "secret"));
  EXPECT_FALSE(constantTimeEquals("secreT", "secret"));
  EXPECT_FALSE(constantTimeEquals("secret-and-more", "secret"));
  EXPECT_FALSE(constantTimeEquals("sec", "secret"));
  EXPECT_FALSE(constantTimeEquals("", "secret"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}

TEST(AuthTest, BearerHeaderForms) {
  EXPECT_TRUE(bearerMatches("Bearer t0k", "t0k"));
  EXPECT_TRUE(bearerMatches("bearer t0k", "t0k"));
  EXPECT_TRUE(bearerMatches("Bearer   t0k ", "t0k"));
  EXPECT_FALSE(bearerMatches("Basic t0k", "t0k"));
  EXPECT_FALSE(bearerMatches("t0k", "t0k"));
  EXPECT_FALSE(bearerMatches("Bearer ", "t0k"));
  EXPECT_FALSE(bearerMatches("Bearer t0kk", "t0k"));
}

TEST(AuthTest, RequireTokenRefusesWith401AndPassesTheRightToken) {
  int calls = 0;
  web::Handler inner = [&calls](const web::Request&) {
    ++calls;
    return web::Response{};
  };
  web::Handler guarded = requireToken("s3cret", inner);
  web::Request r;
  r.method = "GET";
  r.path = "/api/v1/shield";
  web::Response answer = guarded(r);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(answer.content_type, "application/json");
  EXPECT_TRUE(nlohmann::json::parse(answer.body).contains("error"));
  r.headers.emplace_back("authorization", "Bearer wrong");
  EXPECT_EQ(guarded(r).status, 401);
  EXPECT_EQ(calls, 0);
  r.headers.back().second = "Bearer s3cret";
  EXPECT_EQ(guarded(r).status, 200);
  EXPECT_EQ(calls, 1);
  // No token configured: every call passes (the config allows that on loopback only).
  EXPECT_EQ(requireToken("", inner)(web::Request{}).status, 200);
}

}  // namespace
}  // namespace floodgate::admin
