#include "storm/cookie_jar.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(CookieJar, KeepsAndSendsBack) {
  CookieJar jar;
  EXPECT_EQ(jar.headerLine(), "");
  jar.apply("fg_challenge=abc123; Path=/; HttpOnly; Max-Age=3600");
  EXPECT_EQ(jar.headerLine(), "Cookie: fg_challenge=abc123\r\n");
  jar.apply("session=s1");
  EXPECT_EQ(jar.headerLine(), "Cookie: fg_challenge=abc123; session=s1\r\n");
  jar.apply("session=s2; Secure");
  EXPECT_EQ(jar.headerLine(), "Cookie: fg_challenge=abc123; session=s2\r\n");
}

TEST(CookieJar, MaxAgeZeroDeletes) {
  CookieJar jar;
  jar.apply("a=1");
  jar.apply("b=2");
  jar.apply("a=; Max-Age=0");
  EXPECT_EQ(jar.headerLine(), "Cookie: b=2\r\n");
  jar.apply("b=2; max-age=-1");
  EXPECT_EQ(jar.headerLine(), "");
  EXPECT_EQ(jar.size(), 0u);
}

TEST(CookieJar, IgnoresJunkAndStaysBounded) {
  CookieJar jar;
  jar.apply("novalue");
  jar.apply("=x");
  jar.apply("bad=line\r\nInjected: yes");
  EXPECT_EQ(jar.size(), 0u);
  for (int i = 0; i < 100; ++i) jar.apply("c" + std::to_string(i) + "=" + std::string(500, 'v'));
  EXPECT_EQ(jar.size(), CookieJar::kMaxCookies);
  EXPECT_LE(jar.headerLine().size(), CookieJar::kMaxBytes + 2);
}

}  // namespace
}  // namespace floodgate::storm
