#include "storm/request_bank.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

RequestShape shape() {
  RequestShape s;
  s.host = "127.0.0.1:8080";
  s.headers = {{"User-Agent", "test"}};
  return s;
}

TEST(RequestBank, PrebuildsRequestsWithoutHoles) {
  RequestBank bank(shape(), {"/", "/products"});
  ASSERT_EQ(bank.size(), 2u);
  EXPECT_FALSE(bank.hasHoles(1));
  EXPECT_EQ(bank.whole(1),
            "GET /products HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: test\r\n\r\n");
}

TEST(RequestBank, FillsHolesWithFreshRandomTokens) {
  RequestBank bank(shape(), {"/search?q={rand}&p={rand}"});
  ASSERT_TRUE(bank.hasHoles(0));
  EXPECT_TRUE(bank.whole(0).empty());
  FastRandom rng(42);
  std::string a, b;
  bank.renderHead(0, rng, "Cookie: x=1\r\n", &a);
  bank.renderHead(0, rng, "", &b);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("GET /search?q=", 0), 0u);
  EXPECT_NE(a.find("&p="), std::string::npos);
  EXPECT_NE(a.find("\r\nCookie: x=1\r\n\r\n"), std::string::npos);
  EXPECT_EQ(a.find("{rand}"), std::string::npos);
  size_t q = a.find("q=") + 2;
  EXPECT_EQ(a.find('&', q) - q, 10u);  // ten hex digits
}

TEST(RequestBank, WordHolesAreRandomLetters) {
  RequestBank bank(shape(), {"/x?{word}={rand}"});
  ASSERT_TRUE(bank.hasHoles(0));
  FastRandom rng(7);
  std::string a, b;
  bank.renderHead(0, rng, "", &a);
  bank.renderHead(0, rng, "", &b);
  EXPECT_NE(a, b);
  ASSERT_EQ(a.rfind("GET /x?", 0), 0u);
  const std::string key = a.substr(7, a.find('=') - 7);
  EXPECT_EQ(key.size(), 6u) << a;
  for (char c : key) EXPECT_TRUE(c >= 'a' && c <= 'z') << a;
  EXPECT_EQ(a.find('=') + 11, a.find(" HTTP/1.1")) << a;  // then ten hex digits
}

TEST(RequestBank, BodiesAndHeaderBombs) {
  RequestShape s = shape();
  s.method = "POST";
  s.body_bytes = 5;
  s.header_count = 3;
  s.header_bytes = 4;
  RequestBank bank(s, {"/upload"});
  std::string_view w = bank.whole(0);
  EXPECT_NE(w.find("Content-Length: 5\r\n"), std::string_view::npos);
  EXPECT_NE(w.find("X-Bomb-2: cccc\r\n"), std::string_view::npos);
  EXPECT_EQ(w.substr(w.size() - 9), "\r\n\r\nxxxxx");
  std::string redirect;
  bank.renderGet("/next", "", &redirect);
  EXPECT_EQ(redirect.rfind("GET /next HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(redirect.find("Content-Length"), std::string::npos);
}

}  // namespace
}  // namespace floodgate::storm
