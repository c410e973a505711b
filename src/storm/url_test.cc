#include "storm/url.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(LoopbackUrl, AcceptsLoopbackOnly) {
  auto u = LoopbackUrl::parse("http://127.0.0.1:9000/__origin/stats");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->address.toString(), "127.0.0.1:9000");
  EXPECT_EQ(u->path, "/__origin/stats");
  EXPECT_EQ(u->host_header, "127.0.0.1:9000");
  auto l = LoopbackUrl::parse("http://localhost:8080");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->address.ip(), "127.0.0.1");
  EXPECT_EQ(l->path, "/");
  auto q = LoopbackUrl::parse("http://127.5.6.7?x=1");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->address.port(), 80);
  EXPECT_EQ(q->path, "/?x=1");
  for (const char* bad : {"https://127.0.0.1:443", "http://10.0.0.1:80", "http://example.com",
                          "127.0.0.1:8080", "http://127.0.0.1:0", "http://127.0.0.1:99999",
                          "http://[::1]:80", "http://127.0.0.1:80x"}) {
    EXPECT_FALSE(LoopbackUrl::parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace floodgate::storm
