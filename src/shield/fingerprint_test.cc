#include "shield/fingerprint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/request_parser.h"
#include "shield/test_support.h"

namespace floodgate::shield {
namespace {

// A request parsed by the real parser; the head's views point into `raw_`, so it stays put.
class Parsed {
 public:
  explicit Parsed(std::string raw) : raw_(std::move(raw)) {
    http::RequestParser parser;
    state_ = parser.parse(raw_.data(), raw_.size(), &head_);
  }
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;
  const http::RequestHead& head() const { return head_; }
  bool ok() const { return state_ == http::ParseState::kDone; }

 private:
  std::string raw_;
  http::RequestHead head_;
  http::ParseState state_;
};

std::string request(std::string_view line, std::string_view headers) {
  return std::string(line) + "\r\n" + std::string(headers) + "\r\n";
}

constexpr std::string_view kBrowserHeaders =
    "Host: shop.example\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n"
    "Accept: text/html\r\n"
    "Cookie: session=abc\r\n";

TEST(RequestFingerprint, IdsAndValuesDoNotChangeTheShape) {
  RequestFingerprint fp(7);
  Parsed a(request("GET /item/123?x=1 HTTP/1.1", kBrowserHeaders));
  Parsed b(request("GET /item/456?x=2 HTTP/1.1", kBrowserHeaders));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(fp.compute(a.head()), fp.compute(b.head()));
  EXPECT_EQ(fp.describe(a.head()),
            "GET /item/{n}?x headers=[Host, User-Agent, Accept, Cookie] "
            "ua=\"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\"");
}

TEST(RequestFingerprint, HeaderOrderNameCaseAndUserAgentCount) {
  RequestFingerprint fp(7);
  Parsed base(request("GET / HTTP/1.1", "Host: a\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n"));
  Parsed swapped(request("GET / HTTP/1.1", "User-Agent: curl/8.4.0\r\nHost: a\r\nAccept: */*\r\n"));
  Parsed lower(request("GET / HTTP/1.1", "host: a\r\nuser-agent: curl/8.4.0\r\naccept: */*\r\n"));
  Parsed other_ua(
      request("GET / HTTP/1.1", "Host: a\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"));
  Parsed other_host(
      request("GET / HTTP/1.1", "Host: b\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n"));
  Parsed no_ua(request("GET / HTTP/1.1", "Host: a\r\nAccept: */*\r\n"));
  Parsed empty_ua(request("GET / HTTP/1.1", "Host: a\r\nUser-Agent: \r\nAccept: */*\r\n"));
  for (const Parsed* p : {&base, &swapped, &lower, &other_ua, &other_host, &no_ua, &empty_ua}) {
    ASSERT_TRUE(p->ok());
  }
  const uint64_t f = fp.compute(base.head());
  EXPECT_NE(f, fp.compute(swapped.head()));
  EXPECT_NE(f, fp.compute(lower.head()));
  EXPECT_NE(f, fp.compute(other_ua.head()));
  EXPECT_EQ(f, fp.compute(other_host.head()));  // header values other than the UA are not shape
  EXPECT_NE(fp.compute(no_ua.head()), fp.compute(empty_ua.head()));
  EXPECT_EQ(fp.describe(no_ua.head()), "GET / headers=[Host, Accept] ua=none");
}

TEST(RequestFingerprint, QueryKeysAreASetWithoutValues) {
  RequestFingerprint fp(1);
  Parsed ab(request("GET /s?a=1&b=2 HTTP/1.1", "Host: h\r\n"));
  Parsed ba(request("GET /s?b=9&a= HTTP/1.1", "Host: h\r\n"));
  Parsed a(request("GET /s?a=1 HTTP/1.1", "Host: h\r\n"));
  Parsed aa(request("GET /s?a=1&a=2 HTTP/1.1", "Host: h\r\n"));
  Parsed none(request("GET /s HTTP/1.1", "Host: h\r\n"));
  Parsed bare(request("GET /s? HTTP/1.1", "Host: h\r\n"));
  Parsed flags(request("GET /s?b&a HTTP/1.1", "Host: h\r\n"));
  EXPECT_EQ(fp.compute(ab.head()), fp.compute(ba.head()));
  EXPECT_EQ(fp.compute(ab.head()), fp.compute(flags.head()));
  EXPECT_NE(fp.compute(ab.head()), fp.compute(a.head()));
  EXPECT_NE(fp.compute(a.head()), fp.compute(aa.head()));
  EXPECT_NE(fp.compute(a.head()), fp.compute(none.head()));
  EXPECT_EQ(fp.compute(none.head()), fp.compute(bare.head()));
  EXPECT_EQ(fp.describe(ba.head()), "GET /s?a&b headers=[Host] ua=none");
}

// A cache-busting flood varies its query keys too ("/{rand}?{rand}={rand}"): keys are shaped
// like path segments, so its requests share one fingerprint the detector can find, while real
// keys ("q", "page", "v2") keep theirs.
TEST(RequestFingerprint, QueryKeysAreShapedLikeSegments) {
  RequestFingerprint fp(1);
  Parsed hex1(request("GET /a81f93c0e2?5d0b7e1c94=77f0a1b2c3 HTTP/1.1", "Host: h\r\n"));
  Parsed hex2(request("GET /0c4e9d2b7a?e3f1a09b4d=1 HTTP/1.1", "Host: h\r\n"));
  Parsed num1(request("GET /s?1700000=x HTTP/1.1", "Host: h\r\n"));
  Parsed num2(request("GET /s?42=y HTTP/1.1", "Host: h\r\n"));
  Parsed uuid(request("GET /s?123e4567-e89b-12d3-a456-426614174000=1 HTTP/1.1", "Host: h\r\n"));
  Parsed q(request("GET /s?q=1 HTTP/1.1", "Host: h\r\n"));
  Parsed page(request("GET /s?page=1 HTTP/1.1", "Host: h\r\n"));
  Parsed v2(request("GET /s?v2=1 HTTP/1.1", "Host: h\r\n"));
  Parsed v3(request("GET /s?v3=1 HTTP/1.1", "Host: h\r\n"));
  ASSERT_TRUE(hex1.ok() && hex2.ok() && num1.ok() && num2.ok() && uuid.ok());
  EXPECT_EQ(fp.compute(hex1.head()), fp.compute(hex2.head()));
  EXPECT_EQ(fp.compute(num1.head()), fp.compute(num2.head()));
  EXPECT_EQ(fp.compute(v2.head()), fp.compute(v3.head()));
  EXPECT_NE(fp.compute(num1.head()), fp.compute(uuid.head()));
  EXPECT_NE(fp.compute(num1.head()), fp.compute(q.head()));
  EXPECT_NE(fp.compute(q.head()), fp.compute(page.head()));
  EXPECT_NE(fp.compute(q.head()), fp.compute(v2.head()));
  EXPECT_EQ(fp.describe(hex1.head()), "GET /{hex}?{hex} headers=[Host] ua=none");
  EXPECT_EQ(fp.describe(uuid.head()), "GET /s?{uuid} headers=[Host] ua=none");
  EXPECT_EQ(fp.describe(v2.head()), "GET /s?v{n} headers=[Host] ua=none");
}

// Random letters as a key ("?qzkwv=1") are a shape of their own each, until the fingerprint
// knows the keys regular clients use: then any other word-like key is one {key}.
TEST(RequestFingerprint, WordKeysTheRegularsDoNotUseAreOneShape) {
  RequestFingerprint fp(5);
  Parsed busted1(request("GET /x?qzkwv=1 HTTP/1.1", "Host: h\r\n"));
  Parsed busted2(request("GET /x?bmtrla=2 HTTP/1.1", "Host: h\r\n"));
  Parsed search(request("GET /x?q=shoes&page=2 HTTP/1.1", "Host: h\r\n"));
  Parsed search_busted(request("GET /x?q=shoes&zzyxq=2 HTTP/1.1", "Host: h\r\n"));
  Parsed numbered(request("GET /x?v2=1 HTTP/1.1", "Host: h\r\n"));
  ASSERT_TRUE(busted1.ok() && busted2.ok() && search.ok() && search_busted.ok() && numbered.ok());
  // Nothing learned yet: every key as it is (as before).
  EXPECT_NE(fp.compute(busted1.head()), fp.compute(busted2.head()));
  // The regulars send ?q and ?page.
  std::vector<uint64_t> regular;
  fp.wordKeys(search.head(), [&](uint64_t h) { regular.push_back(h); });
  ASSERT_EQ(regular.size(), 2u);
  const QueryKeys known(regular);
  EXPECT_EQ(fp.compute(busted1.head(), &known), fp.compute(busted2.head(), &known));
  EXPECT_EQ(fp.describe(busted1.head(), &known), "GET /x?{key} headers=[Host] ua=none");
  EXPECT_EQ(fp.describe(search.head(), &known), "GET /x?page&q headers=[Host] ua=none");
  EXPECT_EQ(fp.compute(search.head(), &known), fp.compute(search.head()));  // unchanged
  EXPECT_NE(fp.compute(search.head(), &known), fp.compute(search_busted.head(), &known));
  EXPECT_EQ(fp.describe(search_busted.head(), &known), "GET /x?q&{key} headers=[Host] ua=none");
  // A key with digits keeps its segment shape: it is not a word.
  EXPECT_EQ(fp.describe(numbered.head(), &known), "GET /x?v{n} headers=[Host] ua=none");
  // The set is keyed by the seed: another deployment's hashes mean nothing here.
  RequestFingerprint other(6);
  EXPECT_EQ(other.describe(search.head(), &known), "GET /x?{key}&{key} headers=[Host] ua=none");
}

TEST(RequestFingerprint, PathShapes) {
  struct Case {
    const char* target;
    const char* shape;
  } cases[] = {
      {"/", "/"},
      {"/item/123", "/item/{n}"},
      {"/v2/items/42/reviews", "/v{n}/items/{n}/reviews"},
      {"/page-17.html", "/page-{n}.html"},
      {"/u/6f1c2a9e-3b7d-4c1e-9a0f-2b8d7e6c5a41/avatar", "/u/{uuid}/avatar"},
      {"/u/6F1C2A9E-3B7D-4C1E-9A0F-2B8D7E6C5A41", "/u/{uuid}"},
      {"/obj/5f3a9c2e1b", "/obj/{hex}"},
      {"/obj/5839027164", "/obj/{hex}"},  // a hex id that drew no letter; a long number
      {"/obj/1234567", "/obj/{n}"},       // seven digits: a number
      {"/commit/0123456789abcdef0123456789abcdef01234567", "/commit/{hex}"},
      {"/facade/cafebabe", "/facade/cafebabe"},  // hex letters only: a word
      {"/abc123", "/abc{n}"},                    // too short for an id
      {"//double//slash/", "//double//slash/"},
      {"/a%20b", "/a%{n}b"},
  };
  RequestFingerprint fp;
  for (const auto& c : cases) {
    Parsed p(request(std::string("GET ") + c.target + " HTTP/1.1", "Host: h\r\n"));
    ASSERT_TRUE(p.ok()) << c.target;
    EXPECT_EQ(fp.describe(p.head()), std::string("GET ") + c.shape + " headers=[Host] ua=none")
        << c.target;
  }
  // Two different ids of each kind: same fingerprint.
  Parsed u1(request("GET /u/6f1c2a9e-3b7d-4c1e-9a0f-2b8d7e6c5a41 HTTP/1.1", "Host: h\r\n"));
  Parsed u2(request("GET /u/00000000-1111-2222-3333-abcdefabcdef HTTP/1.1", "Host: h\r\n"));
  EXPECT_EQ(fp.compute(u1.head()), fp.compute(u2.head()));
  Parsed h1(request("GET /obj/5f3a9c2e1b HTTP/1.1", "Host: h\r\n"));
  Parsed h2(request("GET /obj/a0b1c2d3e4f5 HTTP/1.1", "Host: h\r\n"));
  Parsed h3(request("GET /obj/9081726354 HTTP/1.1", "Host: h\r\n"));
  EXPECT_EQ(fp.compute(h1.head()), fp.compute(h2.head()));
  EXPECT_EQ(fp.compute(h1.head()), fp.compute(h3.head()));
  // Placeholders are not the same as their text.
  Parsed literal(request("GET /item/{n} HTTP/1.1", "Host: h\r\n"));
  Parsed number(request("GET /item/7 HTTP/1.1", "Host: h\r\n"));
  ASSERT_TRUE(literal.ok());
  EXPECT_NE(fp.compute(literal.head()), fp.compute(number.head()));
  EXPECT_EQ(fp.describe(literal.head()), fp.describe(number.head()));  // text can't tell them apart
}

TEST(RequestFingerprint, MethodAndSeedMatter) {
  Parsed get(request("GET /x HTTP/1.1", "Host: h\r\n"));
  Parsed post(request("POST /x HTTP/1.1", "Host: h\r\nContent-Length: 0\r\n"));
  Parsed post_no_body(request("POST /x HTTP/1.1", "Host: h\r\n"));
  RequestFingerprint a(1), b(2);
  EXPECT_NE(a.compute(get.head()), a.compute(post_no_body.head()));
  EXPECT_NE(a.compute(post.head()), a.compute(post_no_body.head()));
  EXPECT_NE(a.compute(get.head()), b.compute(get.head()));
  EXPECT_EQ(a.compute(get.head()), RequestFingerprint(1).compute(get.head()));
}

TEST(RequestFingerprint, DescribeEscapesAndCutsTheUserAgent) {
  RequestFingerprint fp;
  Parsed quoted(request("GET / HTTP/1.1", "Host: h\r\nUser-Agent: a \"b\" \\c\td\r\n"));
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(fp.describe(quoted.head()),
            "GET / headers=[Host, User-Agent] ua=\"a \\\"b\\\" \\\\c\\x09d\"");
  Parsed long_ua(
      request("GET / HTTP/1.1", "Host: h\r\nUser-Agent: " + std::string(500, 'z') + "\r\n"));
  ASSERT_TRUE(long_ua.ok());
  EXPECT_EQ(fp.describe(long_ua.head()),
            "GET / headers=[Host, User-Agent] ua=\"" + std::string(200, 'z') + "...\"");
}

TEST(RequestFingerprint, ComputeAllocatesNothing) {
  RequestFingerprint fp(3);
  Parsed p(
      request("GET /api/v1/users/12345/orders/6f1c2a9e-3b7d-4c1e-9a0f-2b8d7e6c5a41?page=2&"
              "sort=desc&filter=open HTTP/1.1",
              kBrowserHeaders));
  ASSERT_TRUE(p.ok());
  testing::AllocationCounter counter;
  uint64_t x = 0;
  const double start = testing::threadCpuNanos();
  const int kRounds = static_cast<int>(testing::scaled(200'000));
  const QueryKeys known({});  // every word-like key looked up, none found
  for (int i = 0; i < kRounds; ++i) x ^= fp.compute(p.head(), &known);
  const double cpu_ns = testing::threadCpuNanos() - start;
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_EQ(x, 0u);  // an even number of identical values
  std::printf("[ fingerprint ] %.0f ns CPU per compute (%zu-byte target, %zu headers): %s\n",
              cpu_ns / kRounds, p.head().path.size(), p.head().headers.size(),
              fp.describe(p.head()).c_str());
}

}  // namespace
}  // namespace floodgate::shield
