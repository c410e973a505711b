// What the proxy answers when something is wrong: an upstream that is down, answers garbage or
// is too slow, and client requests that are ambiguous, too big or too slow.
#include <gtest/gtest.h>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

using namespace std::literals;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(ProxyUpstreamErrorsTest, UpstreamDownIs502WithABody) {
  RefusingPort down;
  auto gateway = startQuickGateway({down.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 502);
  EXPECT_FALSE(r->body.empty());
  EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
  // The gateway itself is fine: the same connection answers the next request too.
  auto again = c.get("/again");
  ASSERT_TRUE(again) << c.error();
  EXPECT_EQ(again->status, 502);
}

TEST(ProxyUpstreamErrorsTest, UpstreamAnsweringGarbageIs502) {
  ScriptedUpstream garbage("SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n", true);
  auto gateway = startQuickGateway({garbage.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 502);
  EXPECT_FALSE(r->body.empty());
}

TEST(ProxyUpstreamErrorsTest, UpstreamClosingWithoutAnAnswerIs502) {
  ScriptedUpstream closer("", true);
  auto gateway = startQuickGateway({closer.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 502);
  EXPECT_GE(closer.connections(), 1);
}

TEST(ProxyUpstreamErrorsTest, UpstreamTooSlowIs504AtTheRequestTimeout) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  GatewayYaml yaml;
  yaml.endpoints = {origin.port};
  yaml.cluster_extra = "    request_timeout: 500ms\n";
  auto gateway = startGatewayWithConfig(yaml.str());
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto start = Clock::now();
  auto r = c.get("/__origin/delay/3000");
  double took = secondsSince(start);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 504);
  EXPECT_FALSE(r->body.empty());
  EXPECT_GE(took, 0.45);
  EXPECT_LT(took, 2.0) << "the 504 came long after request_timeout";
  // A fast request right after is served: the timed-out exchange left nothing behind.
  auto fast = c.get("/__origin/echo");
  ASSERT_TRUE(fast) << c.error();
  EXPECT_EQ(fast->status, 200);
}

// ---- client errors ----

class ProxyClientErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = startOrigin();
    ASSERT_TRUE(origin_.ok());
    GatewayYaml yaml;
    yaml.endpoints = {origin_.port};
    yaml.extra =
        "limits:\n"
        "  max_body_bytes: 1KiB\n"
        "  header_read_timeout: 500ms\n";
    gateway_ = startGatewayWithConfig(yaml.str());
    ASSERT_TRUE(gateway_.ok());
  }

  // Sends `bytes`, expects one response with `status`, then the connection closed.
  void expectRefusedAndClosed(std::string_view bytes, int status, const std::string& what) {
    SCOPED_TRACE(what);
    HttpClient c(gateway_.port, seconds(5));
    ASSERT_TRUE(c.send(bytes)) << c.error();
    auto r = c.readResponse();
    ASSERT_TRUE(r) << "no response: " << c.error();
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_TRUE(r->closes) << "refusal without Connection: close";
    EXPECT_TRUE(c.waitForPeerClose(seconds(3))) << c.error();
  }

  Server origin_;
  Server gateway_;
};

struct SmugglingVector {
  const char* name;
  std::string_view request;  // a smuggled GET follows each one
};

// Ambiguous framing: a front end and a back end could disagree about where the request ends.
// Each must be refused with 400 and the connection closed, so the smuggled request behind it is
// never read.
const SmugglingVector kSmugglingVectors[] = {
    {"CL then TE",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
    {"TE then CL",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
     "Content-Length: 5\r\n\r\n0\r\n\r\n"},
    {"CL with an unknown TE",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     "Transfer-Encoding: xchunked\r\n\r\nhello"},
    {"two different CLs",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     "Content-Length: 6\r\n\r\nhello!"},
    {"CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!"},
    {"negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"},
    {"signed CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello"},
    {"hex CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello"},
    {"overflowing CL",
     "POST / HTTP/1.1\r\nHost: a\r\n"
     "Content-Length: 99999999999999999999999\r\n\r\nhello"},
    {"space before colon",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"
     "0\r\n\r\n"},
    {"obs-fold in TE",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
     "0\r\n\r\n"},
    {"chunked twice",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
    {"TE in HTTP/1.0",
     "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n"},
    {"bad chunk size",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
     "zz\r\nhello\r\n0\r\n\r\n"},
    {"overflowing chunk size",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
     "10000000000000005\r\nhello\r\n0\r\n\r\n"},
    {"chunk without CRLF",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5\r\nhelloXX0\r\n\r\n"},
    {"missing Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n"},
    {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
    {"NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n"sv},
    {"space in a field name", "POST / HTTP/1.1\r\nHost: a\r\nContent Length: 5\r\n\r\nhello"},
    {"bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rContent-Length: 5\r\n\r\n"},
};

TEST_F(ProxyClientErrorsTest, SmugglingVectorsAre400AndTheConnectionCloses) {
  const std::string smuggled = "GET /__origin/echo?smuggled=1 HTTP/1.1\r\nHost: a\r\n\r\n";
  int body_stage = 0;  // vectors whose head is fine: it may have gone upstream before the body
  for (const auto& v : kSmugglingVectors) {
    expectRefusedAndClosed(std::string(v.request) + smuggled, 400, v.name);
    body_stage += std::string_view(v.name).find("chunk ") != std::string_view::npos ? 1 : 0;
  }
  // No smuggled request reached the origin: it saw at most the heads of the body-stage vectors.
  int64_t seen = originRequestCount(origin_.port);
  EXPECT_GE(seen, 0);
  EXPECT_LE(seen, body_stage);
}

TEST_F(ProxyClientErrorsTest, OversizedHeadIs431) {
  std::string request =
      "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  expectRefusedAndClosed(request, 431, "64 KiB header");
}

TEST_F(ProxyClientErrorsTest, TooManyHeadersIs431) {
  std::string request = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 150; ++i) request += "X-H" + std::to_string(i) + ": v\r\n";
  request += "\r\n";
  expectRefusedAndClosed(request, 431, "150 headers");
}

TEST_F(ProxyClientErrorsTest, BodyOverTheLimitIs413) {
  expectRefusedAndClosed(
      "POST /__origin/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n" +
          std::string(2048, 'x'),
      413, "Content-Length over max_body_bytes");
  // A body at the limit is fine.
  HttpClient c(gateway_.port);
  auto ok = c.request("POST", "/__origin/upload", {}, std::string(1024, 'x'));
  ASSERT_TRUE(ok) << c.error();
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(ProxyClientErrorsTest, ChunkedBodyOverTheLimitIs413) {
  std::string request =
      "POST /__origin/upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'x') + "\r\n";
  request += "0\r\n\r\n";
  expectRefusedAndClosed(request, 413, "chunked body over max_body_bytes");
}

TEST_F(ProxyClientErrorsTest, ExpectContinueOverTheLimitIs413WithoutA100) {
  HttpClient c(gateway_.port, seconds(5));
  ASSERT_TRUE(
      c.send("POST /__origin/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 413) << "the client was told to send a body that will be refused";
}

TEST_F(ProxyClientErrorsTest, SlowHeadIs408AtTheHeaderReadTimeout) {
  HttpClient c(gateway_.port, seconds(5));
  auto start = Clock::now();
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Partial: ")) << c.error();
  auto r = c.readResponse();
  double took = secondsSince(start);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 408);
  EXPECT_GE(took, 0.45);
  EXPECT_LT(took, 2.0);
  EXPECT_TRUE(c.waitForPeerClose(seconds(3))) << c.error();
}

TEST(ProxyClientTimeoutsTest, StalledBodyIs408AndIdleConnectionsClose) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  GatewayYaml yaml;
  yaml.endpoints = {origin.port};
  yaml.extra =
      "limits:\n"
      "  client_body_timeout: 500ms\n"
      "  client_idle_timeout: 500ms\n";
  auto gateway = startGatewayWithConfig(yaml.str());
  ASSERT_TRUE(gateway.ok());

  // A body that stops halfway.
  HttpClient stalled(gateway.port, seconds(5));
  auto start = Clock::now();
  ASSERT_TRUE(
      stalled.send("POST /__origin/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
                   "\r\n0123456789"));
  auto r = stalled.readResponse();
  ASSERT_TRUE(r) << stalled.error();
  EXPECT_EQ(r->status, 408);
  EXPECT_GE(secondsSince(start), 0.45);
  EXPECT_LT(secondsSince(start), 2.0);
  EXPECT_TRUE(stalled.waitForPeerClose(seconds(3))) << stalled.error();

  // A keep-alive connection with nothing more to ask is closed, without a response.
  HttpClient idle(gateway.port, seconds(5));
  auto ok = idle.get("/__origin/echo");
  ASSERT_TRUE(ok) << idle.error();
  start = Clock::now();
  EXPECT_TRUE(idle.waitForPeerClose(seconds(3))) << idle.error();
  EXPECT_GE(secondsSince(start), 0.45);
}

TEST_F(ProxyClientErrorsTest, ValidRequestsStillWorkNextToRefusedOnes) {
  HttpClient bad(gateway_.port);
  ASSERT_TRUE(
      bad.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"));
  HttpClient good(gateway_.port);
  auto r = good.get("/__origin/echo");
  ASSERT_TRUE(r) << good.error();
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace floodgate::integration
