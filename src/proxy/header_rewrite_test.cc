#include "proxy/header_rewrite.h"

#include <gtest/gtest.h>

#include <string>

#include "http/request_parser.h"
#include "http/response_parser.h"

namespace floodgate::proxy {
namespace {

std::string forward(const std::string& raw, std::string* id_out = nullptr) {
  http::RequestParser parser;
  http::RequestHead head;
  EXPECT_EQ(parser.parse(raw.data(), raw.size(), &head), http::ParseState::kDone)
      << parser.error().reason;
  Buffer out;
  ForwardContext ctx{"10.1.2.3", "generated-id", "127.0.0.1:9000"};
  std::string_view used;
  appendUpstreamRequestHead(&out, head, ctx, &used);
  if (id_out != nullptr) id_out->assign(used);  // `used` views `raw`, which dies here
  return std::string(out.view());
}

TEST(UpstreamRequestHead, RemovesHopByHopAndAddsForwardingHeaders) {
  std::string up = forward(
      "GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: keep-alive, X-Secret\r\n"
      "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\n"
      "Proxy-Authorization: Basic x\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(up.rfind("GET /a?b=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(up.find("Host: shop.example\r\n"), std::string::npos);
  EXPECT_NE(up.find("Accept: */*\r\n"), std::string::npos);
  for (const char* gone : {"X-Secret", "Keep-Alive", "TE:", "Upgrade", "Proxy-Authorization",
                           "Connection"}) {
    EXPECT_EQ(up.find(gone), std::string::npos) << gone;
  }
  EXPECT_NE(up.find("X-Forwarded-For: 10.1.2.3\r\n"), std::string::npos);
  EXPECT_NE(up.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(up.find("Via: 1.1 floodgate\r\n"), std::string::npos);
  EXPECT_NE(up.find("X-Request-Id: generated-id\r\n"), std::string::npos);
  EXPECT_EQ(up.substr(up.size() - 4), "\r\n\r\n");
}

TEST(UpstreamRequestHead, AppendsToExistingForwardedForAndVia) {
  std::string up = forward(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n"
      "Via: 1.1 cdn\r\nX-Forwarded-Proto: https\r\n\r\n");
  EXPECT_NE(up.find("X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.1.2.3\r\n"), std::string::npos);
  EXPECT_NE(up.find("Via: 1.1 cdn, 1.1 floodgate\r\n"), std::string::npos);
  // The client's claim about the scheme is not passed on: floodgate states what it saw.
  EXPECT_EQ(up.find("https"), std::string::npos);
}

TEST(UpstreamRequestHead, KeepsAWellFormedClientRequestId) {
  std::string id;
  std::string up = forward("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123\r\n\r\n", &id);
  EXPECT_EQ(id, "abc-123");
  EXPECT_NE(up.find("X-Request-Id: abc-123\r\n"), std::string::npos);
  EXPECT_EQ(up.find("generated-id"), std::string::npos);
}

TEST(UpstreamRequestHead, DropsFieldNamesWithUnderscores) {
  // An origin that maps "_" to "-" would read Transfer_Encoding as framing (nginx drops these
  // too, by default).
  std::string up = forward(
      "GET / HTTP/1.1\r\nHost: h\r\nTransfer_Encoding: chunked\r\nX_Custom: 1\r\nX-Ok: 2\r\n\r\n");
  EXPECT_EQ(up.find("Transfer_Encoding"), std::string::npos);
  EXPECT_EQ(up.find("X_Custom"), std::string::npos);
  EXPECT_NE(up.find("X-Ok: 2\r\n"), std::string::npos);
}

TEST(UpstreamRequestHead, ChunkedBodyStaysChunkedAndExpectIsAnsweredByUs) {
  std::string up = forward(
      "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_NE(up.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(up.find("Expect"), std::string::npos);
}

TEST(UpstreamRequestHead, Http10WithoutHostGetsOne) {
  std::string up = forward("GET / HTTP/1.0\r\n\r\n");
  EXPECT_NE(up.find("Host: 127.0.0.1:9000\r\n"), std::string::npos);
  EXPECT_EQ(up.rfind("GET / HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(up.find("Via: 1.0 floodgate\r\n"), std::string::npos);
}

TEST(UpstreamRequestHead, AbsoluteFormBecomesOriginForm) {
  std::string up = forward("GET http://api.example/x?y HTTP/1.1\r\nHost: api.example\r\n\r\n");
  EXPECT_EQ(up.rfind("GET /x?y HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(up.find("Host: api.example\r\n"), std::string::npos);
}

struct PlanCase {
  const char* name;
  const char* response;
  http::Method method;
  int client_minor;
  ResponseBodyMode mode;
  bool keep_alive;
};

class ResponsePlanTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(ResponsePlanTest, Plans) {
  const PlanCase& c = GetParam();
  http::ResponseParser parser;
  http::ResponseHead head;
  std::string raw = c.response;
  ASSERT_EQ(parser.parse(raw.data(), raw.size(), c.method, &head), http::ParseState::kDone);
  ResponsePlan plan = planResponse(c.client_minor, head, true);
  EXPECT_EQ(plan.mode, c.mode) << c.name;
  EXPECT_EQ(plan.keep_alive, c.keep_alive) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResponsePlanTest,
    ::testing::Values(
        PlanCase{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", http::Method::kGet, 1,
                 ResponseBodyMode::kLength, true},
        PlanCase{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                 http::Method::kGet, 1, ResponseBodyMode::kChunked, true},
        PlanCase{"chunked to 1.0 client", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                 http::Method::kGet, 0, ResponseBodyMode::kDechunk, false},
        PlanCase{"until close", "HTTP/1.1 200 OK\r\n\r\n", http::Method::kGet, 1,
                 ResponseBodyMode::kUntilClose, false},
        PlanCase{"head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", http::Method::kHead, 1,
                 ResponseBodyMode::kNone, true},
        PlanCase{"204", "HTTP/1.1 204 No Content\r\n\r\n", http::Method::kGet, 1,
                 ResponseBodyMode::kNone, true},
        PlanCase{"304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                 http::Method::kGet, 1, ResponseBodyMode::kNone, true}));

TEST(ClientResponseHead, StripsHopByHopAddsViaAndFraming) {
  http::ResponseParser parser;
  http::ResponseHead head;
  std::string raw =
      "HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=3\r\n"
      "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";
  ASSERT_EQ(parser.parse(raw.data(), raw.size(), http::Method::kGet, &head),
            http::ParseState::kDone);
  ResponsePlan plan = planResponse(1, head, true);
  Buffer out;
  appendClientResponseHead(&out, head, plan, 1);
  std::string s(out.view());
  EXPECT_EQ(s.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(s.find("X-Internal"), std::string::npos);
  EXPECT_EQ(s.find("Keep-Alive"), std::string::npos);
  EXPECT_NE(s.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_NE(s.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(s.find("Via: 1.1 floodgate\r\n"), std::string::npos);
  EXPECT_EQ(s.find("Connection"), std::string::npos);
}

}  // namespace
}  // namespace floodgate::proxy
