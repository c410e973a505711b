// The proxy core end to end: header rewriting, keep-alive and pooling, pipelining, 100-continue,
// bodiless responses and the access log, through real floodgate and origin processes.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = startOrigin({"--name", "o1"});
    ASSERT_TRUE(origin_.ok());
    gateway_ = startQuickGateway({origin_.port}, {"--workers", "1"});
    ASSERT_TRUE(gateway_.ok());
  }

  Server origin_;
  Server gateway_;
};

TEST_F(ProxyTest, ForwardsWithProxyHeadersAndWithoutHopByHopOnes) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(
      c.send("GET /__origin/echo?x=1 HTTP/1.1\r\n"
             "Host: app.example.test:8080\r\n"
             "X-Forwarded-For: 203.0.113.7\r\n"
             "Connection: keep-alive, X-Hop-Custom\r\n"
             "X-Hop-Custom: secret\r\n"
             "Keep-Alive: timeout=5\r\n"
             "TE: trailers\r\n"
             "Trailer: X-Checksum\r\n"
             "Upgrade: h2c\r\n"
             "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
             "Proxy-Connection: keep-alive\r\n"
             "X-End-To-End: kept\r\n"
             "\r\n"))
      << c.error();
  auto r = c.readResponse();
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->status, 200) << r->body;
  auto echo = parseJson(r->body);
  ASSERT_TRUE(echo.is_object());
  EXPECT_EQ(echo["method"], "GET");
  EXPECT_EQ(echo["target"], "/__origin/echo?x=1");
  EXPECT_EQ(echoHeader(r->body, "Host"), "app.example.test:8080");
  EXPECT_EQ(echoHeaderCount(r->body, "Host"), 1u);
  EXPECT_EQ(echoHeader(r->body, "X-Forwarded-For"), "203.0.113.7, 127.0.0.1");
  EXPECT_EQ(echoHeaderCount(r->body, "X-Forwarded-For"), 1u);
  EXPECT_EQ(echoHeader(r->body, "X-Forwarded-Proto"), "http");
  EXPECT_EQ(echoHeader(r->body, "Via"), "1.1 floodgate");
  std::string id = echoHeader(r->body, "X-Request-Id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[!#$%&'*+.^_`|~0-9A-Za-z-]{8,128}"))) << id;
  EXPECT_EQ(echoHeader(r->body, "X-End-To-End"), "kept");
  for (const char* gone : {"X-Hop-Custom", "Keep-Alive", "TE", "Trailer", "Upgrade",
                           "Proxy-Authorization", "Proxy-Connection"}) {
    EXPECT_EQ(echoHeaderCount(r->body, gone), 0u) << gone << " reached the origin";
  }
  std::string conn = echoHeader(r->body, "Connection");
  EXPECT_EQ(conn.find("X-Hop"), std::string::npos) << conn;
  EXPECT_EQ(conn.find("x-hop"), std::string::npos) << conn;

  // The origin's own hop-by-hop fields do not reach the client; Via does.
  EXPECT_EQ(r->header("Via"), "1.1 floodgate");
  EXPECT_FALSE(r->hasHeader("Keep-Alive"));
  EXPECT_EQ(r->header("X-Origin"), "o1");
  EXPECT_FALSE(r->closes);
}

TEST_F(ProxyTest, ForwardedForIsThePeerWhenTheClientSentNone) {
  HttpClient c(gateway_.port);
  auto r = c.get("/__origin/echo");
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(echoHeader(r->body, "X-Forwarded-For"), "127.0.0.1");
  // The origin counts the request for the client floodgate speaks for.
  EXPECT_EQ(parseJson(r->body)["source"], "127.0.0.1");
}

TEST_F(ProxyTest, RequestIdIsKeptWhenValidAndGeneratedOtherwise) {
  HttpClient c(gateway_.port);
  auto kept = c.get("/__origin/echo", {{"X-Request-Id", "client-id-42.abc"}});
  ASSERT_TRUE(kept) << c.error();
  EXPECT_EQ(echoHeader(kept->body, "X-Request-Id"), "client-id-42.abc");
  EXPECT_EQ(echoHeaderCount(kept->body, "X-Request-Id"), 1u);

  auto invalid = c.get("/__origin/echo", {{"X-Request-Id", "has spaces; and \"quotes\""}});
  ASSERT_TRUE(invalid) << c.error();
  std::string replaced = echoHeader(invalid->body, "X-Request-Id");
  EXPECT_FALSE(replaced.empty());
  EXPECT_EQ(replaced.find(' '), std::string::npos) << replaced;
  EXPECT_EQ(echoHeaderCount(invalid->body, "X-Request-Id"), 1u);

  auto too_long = c.get("/__origin/echo", {{"X-Request-Id", std::string(300, 'a')}});
  ASSERT_TRUE(too_long) << c.error();
  EXPECT_NE(echoHeader(too_long->body, "X-Request-Id"), std::string(300, 'a'));

  std::set<std::string> generated;
  for (int i = 0; i < 5; ++i) {
    auto r = c.get("/__origin/echo");
    ASSERT_TRUE(r) << c.error();
    generated.insert(echoHeader(r->body, "X-Request-Id"));
  }
  EXPECT_EQ(generated.size(), 5u) << "generated request ids repeat";
}

TEST_F(ProxyTest, ViaChainsWithAnIncomingVia) {
  HttpClient c(gateway_.port);
  auto r = c.get("/__origin/echo", {{"Via", "1.1 edge-cdn"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(echoHeader(r->body, "Via"), "1.1 edge-cdn, 1.1 floodgate");
}

TEST_F(ProxyTest, KeepAliveServesManyRequestsOnOneConnectionOverPooledUpstreams) {
  HttpClient c(gateway_.port);
  uint16_t local = c.localPort();
  std::set<int64_t> upstream_ports;
  for (int i = 0; i < 100; ++i) {
    auto r = c.get("/__origin/echo?i=" + std::to_string(i));
    ASSERT_TRUE(r) << "request " << i << ": " << c.error();
    ASSERT_EQ(r->status, 200);
    ASSERT_FALSE(r->closes) << "floodgate closed a keep-alive connection at request " << i;
    auto echo = parseJson(r->body);
    EXPECT_EQ(echo["target"], "/__origin/echo?i=" + std::to_string(i));
    upstream_ports.insert(echo["peer_port"].get<int64_t>());
  }
  EXPECT_EQ(c.localPort(), local) << "the client had to reconnect";
  // One worker, sequential requests: one pooled upstream connection is enough.
  EXPECT_LE(upstream_ports.size(), 2u) << "upstream connections are not reused";
}

TEST_F(ProxyTest, UpstreamConnectionsArePooledAcrossClientConnections) {
  std::set<int64_t> upstream_ports;
  for (int i = 0; i < 20; ++i) {
    HttpClient c(gateway_.port);
    auto r = c.get("/__origin/echo");
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 200);
    upstream_ports.insert(parseJson(r->body)["peer_port"].get<int64_t>());
  }
  EXPECT_LE(upstream_ports.size(), 2u) << "each client connection opened its own upstream one";
}

TEST_F(ProxyTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(
      c.send("GET /__origin/echo?n=1 HTTP/1.1\r\nHost: a\r\n\r\n"
             "HEAD /__origin/bytes/100 HTTP/1.1\r\nHost: a\r\n\r\n"
             "GET /__origin/status/204 HTTP/1.1\r\nHost: a\r\n\r\n"
             "GET /__origin/echo?n=4 HTTP/1.1\r\nHost: a\r\n\r\n"))
      << c.error();
  auto first = c.readResponse();
  ASSERT_TRUE(first) << c.error();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(parseJson(first->body)["target"], "/__origin/echo?n=1");

  ReadOptions head;
  head.head_request = true;
  auto second = c.readResponse(head);
  ASSERT_TRUE(second) << c.error();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->header("Content-Length"), "100");

  auto third = c.readResponse();  // must start right after the HEAD's head: no body was sent
  ASSERT_TRUE(third) << c.error();
  EXPECT_EQ(third->status, 204);
  EXPECT_EQ(third->body_bytes, 0u);

  auto fourth = c.readResponse();
  ASSERT_TRUE(fourth) << c.error();
  EXPECT_EQ(fourth->status, 200);
  EXPECT_EQ(parseJson(fourth->body)["target"], "/__origin/echo?n=4");
  EXPECT_EQ(c.buffered(), 0u);
}

TEST_F(ProxyTest, PipelinedRequestsKeepOrderWhenTheFirstIsSlow) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(
      c.send("GET /__origin/delay/300 HTTP/1.1\r\nHost: a\r\n\r\n"
             "POST /__origin/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"
             "0123456789"
             "GET /__origin/echo?n=3 HTTP/1.1\r\nHost: a\r\n\r\n"))
      << c.error();
  auto slow = c.readResponse();
  ASSERT_TRUE(slow) << c.error();
  EXPECT_EQ(slow->status, 200);
  EXPECT_EQ(slow->body, "delayed 300 ms\n");
  auto upload = c.readResponse();
  ASSERT_TRUE(upload) << c.error();
  EXPECT_EQ(upload->status, 200);
  auto up = parseJson(upload->body);
  EXPECT_EQ(up["bytes"], 10);
  EXPECT_EQ(hexValue(up["fnv1a"]), fnv1a(kFnvOffset, "0123456789", 10));
  auto echo = c.readResponse();
  ASSERT_TRUE(echo) << c.error();
  EXPECT_EQ(parseJson(echo->body)["target"], "/__origin/echo?n=3");
}

TEST_F(ProxyTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  constexpr uint64_t kBytes = 1 << 20;
  HttpClient c(gateway_.port, seconds(5));
  ASSERT_TRUE(
      c.send("POST /__origin/upload HTTP/1.1\r\nHost: a\r\n"
             "Content-Length: " +
             std::to_string(kBytes) +
             "\r\n"
             "Expect: 100-continue\r\n\r\n"))
      << c.error();
  // No body byte has been sent: floodgate must say 100 Continue without waiting for one.
  auto interim = c.readResponse();
  ASSERT_TRUE(interim) << "no 100 Continue: " << c.error();
  ASSERT_EQ(interim->status, 100);

  BodySource body(kBytes);
  ASSERT_TRUE(c.sendBody([&](char* b, size_t n) { return body.next(b, n); }, false)) << c.error();
  auto r = c.readResponse();
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->status, 200) << r->body;
  auto up = parseJson(r->body);
  EXPECT_EQ(up["bytes"], kBytes);
  EXPECT_EQ(hexValue(up["fnv1a"]), body.fnv1a());
}

TEST_F(ProxyTest, HeadAnd304HaveNoBodyAndKeepTheConnection) {
  HttpClient c(gateway_.port);
  auto head = c.request("HEAD", "/__origin/bytes/1000");
  ASSERT_TRUE(head) << c.error();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "1000");
  auto not_modified = c.get("/__origin/status/304");
  ASSERT_TRUE(not_modified) << c.error();
  EXPECT_EQ(not_modified->status, 304);
  auto chunked_head = c.request("HEAD", "/__origin/bytes/1000?chunked=1");
  ASSERT_TRUE(chunked_head) << c.error();
  EXPECT_EQ(chunked_head->status, 200);
  auto after = c.get("/__origin/echo?after=1");
  ASSERT_TRUE(after) << c.error();
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(parseJson(after->body)["target"], "/__origin/echo?after=1");
  EXPECT_EQ(c.buffered(), 0u);
}

TEST_F(ProxyTest, Http10ClientGetsAClosedDelimitedOrLengthResponse) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(c.send("GET /__origin/bytes/5000?chunked=1 HTTP/1.0\r\nHost: a\r\n\r\n"))
      << c.error();
  ReadOptions o;
  o.check_pattern = true;
  auto r = c.readResponse(o);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->chunked) << "chunked coding sent to an HTTP/1.0 client";
  EXPECT_EQ(r->body_bytes, 5000u);
  EXPECT_FALSE(r->pattern_mismatch_at);
}

TEST_F(ProxyTest, SeveralForwardedForFieldsAreJoinedBeforeThePeer) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(
      c.send("GET /__origin/echo HTTP/1.1\r\nHost: a\r\n"
             "X-Forwarded-For: 198.51.100.1\r\n"
             "X-Forwarded-For: 198.51.100.2, 198.51.100.3\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(echoHeader(r->body, "X-Forwarded-For"),
            "198.51.100.1, 198.51.100.2, 198.51.100.3, 127.0.0.1");
  EXPECT_EQ(echoHeaderCount(r->body, "X-Forwarded-For"), 1u);
}

TEST_F(ProxyTest, LargeHeadersWithinTheLimitArriveIntact) {
  std::string cookie;
  for (int i = 0; cookie.size() < 12 * 1024; ++i) cookie += "k" + std::to_string(i) + "=v; ";
  HttpClient c(gateway_.port);
  auto r = c.get("/__origin/echo", {{"Cookie", cookie}});
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(echoHeader(r->body, "Cookie"), cookie.substr(0, cookie.size() - 1));
}

TEST_F(ProxyTest, AbsoluteFormTargetIsForwardedInOriginForm) {
  HttpClient c(gateway_.port);
  ASSERT_TRUE(
      c.send("GET http://app.example.test/__origin/echo?q=1 HTTP/1.1\r\n"
             "Host: app.example.test\r\n\r\n"));
  auto r = c.readResponse();
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->status, 200) << r->body;
  auto echo = parseJson(r->body);
  EXPECT_EQ(echo["target"], "/__origin/echo?q=1");
  EXPECT_EQ(echoHeader(r->body, "Host"), "app.example.test");
}

TEST_F(ProxyTest, ClientConnectionCloseIsHonoured) {
  HttpClient c(gateway_.port);
  auto r = c.get("/__origin/echo", {{"Connection", "close"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->closes) << "no Connection: close on the last response";
  EXPECT_TRUE(c.waitForPeerClose(seconds(3))) << c.error();
}

TEST_F(ProxyTest, Http10KeepAliveClientKeepsItsConnection) {
  HttpClient c(gateway_.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        c.send("GET /__origin/echo HTTP/1.0\r\nHost: a\r\n"
               "Connection: keep-alive\r\n\r\n"))
        << c.error();
    auto r = c.readResponse();
    ASSERT_TRUE(r) << "request " << i << ": " << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->minor_version, 0);
    ASSERT_FALSE(r->closes) << "HTTP/1.0 keep-alive was not kept";
  }
  // A plain HTTP/1.0 request closes.
  ASSERT_TRUE(c.send("GET /__origin/echo HTTP/1.0\r\nHost: a\r\n\r\n"));
  auto last = c.readResponse();
  ASSERT_TRUE(last) << c.error();
  EXPECT_TRUE(last->closes);
  EXPECT_TRUE(c.waitForPeerClose(seconds(3))) << c.error();
}

TEST(ProxyRoutingTest, RoutesByHostAndPathAndAnswersDirectly) {
  auto api = startOrigin({"--name", "api"});
  auto web = startOrigin({"--name", "web"});
  ASSERT_TRUE(api.ok() && web.ok());
  std::string yaml =
      "listeners:\n  - address: 127.0.0.1:0\n    workers: 1\n"
      "routes:\n"
      "  - match: { path_prefix: /healthz }\n"
      "    direct_response: { status: 200, body: \"ok\\n\" }\n"
      "  - match: { host: api.example.com }\n"
      "    cluster: api\n"
      "  - match: { path_prefix: /api/ }\n"
      "    cluster: api\n"
      "  - match: { host: \"*.example.com\", path_prefix: /robots.txt }\n"
      "    direct_response: { status: 404, body: \"nope\", content_type: text/x-test }\n"
      "  - cluster: web\n"
      "clusters:\n"
      "  - name: api\n    endpoints: [127.0.0.1:" +
      std::to_string(api.port) +
      "]\n"
      "  - name: web\n    endpoints: [127.0.0.1:" +
      std::to_string(web.port) + "]\n";
  auto gateway = startGatewayWithConfig(yaml);
  ASSERT_TRUE(gateway.ok());
  struct Case {
    const char* host;
    const char* path;
    int status;
    const char* origin;  // X-Origin, or "" for a direct answer
    const char* body;    // checked for direct answers
  };
  const Case cases[] = {
      {"www.example.com", "/healthz", 200, "", "ok\n"},
      {"API.Example.com:8080", "/anything", 200, "api", nullptr},
      {"www.example.com", "/api/users", 200, "api", nullptr},
      {"www.example.com", "/apiary", 200, "web", nullptr},
      {"static.example.com", "/robots.txt", 404, "", "nope"},
      {"example.com", "/robots.txt", 200, "web", nullptr},
      {"localhost", "/", 200, "web", nullptr},
  };
  HttpClient c(gateway.port);
  for (const auto& k : cases) {
    SCOPED_TRACE(std::string(k.host) + k.path);
    auto r = c.get(k.path, {{"Host", k.host}});
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, k.status);
    EXPECT_EQ(r->header("X-Origin"), k.origin);
    if (k.body != nullptr) {
      EXPECT_EQ(r->body, k.body);
    }
    if (std::string_view(k.path) == "/robots.txt" && k.status == 404) {
      EXPECT_EQ(r->header("Content-Type"), "text/x-test");
    }
  }
}

TEST(ProxyScriptedUpstreamTest, ResponseHopByHopFieldsAreRemovedAndViaAdded) {
  ScriptedUpstream upstream(
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 5\r\n"
      "Connection: keep-alive, X-Resp-Hop\r\n"
      "X-Resp-Hop: 1\r\n"
      "Keep-Alive: timeout=5\r\n"
      "Proxy-Authenticate: Basic realm=x\r\n"
      "Upgrade: h2c\r\n"
      "Via: 1.0 upstream-cache\r\n"
      "X-End: yes\r\n"
      "\r\n"
      "hello");
  auto gateway = startQuickGateway({upstream.port()}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/anything");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->header("X-End"), "yes");
  for (const char* gone : {"X-Resp-Hop", "Keep-Alive", "Proxy-Authenticate", "Upgrade"}) {
    EXPECT_FALSE(r->hasHeader(gone)) << gone << " reached the client";
  }
  EXPECT_EQ(r->header("Connection").find("X-Resp-Hop"), std::string::npos);
  EXPECT_EQ(r->header("Via"), "1.0 upstream-cache, 1.1 floodgate");
  auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("GET /anything HTTP/1.1\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("\r\nVia: 1.1 floodgate\r\n"), std::string::npos) << seen[0];
}

TEST(ProxyAccessLogTest, WritesOneJsonLinePerRequestToStdout) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto gateway = startQuickGateway({origin.port}, {"--workers", "1", "--access-log", "stdout"});
  ASSERT_TRUE(gateway.ok());
  HttpClient c(gateway.port);
  auto r = c.get("/__origin/echo?logged=1", {{"X-Request-Id", "log-me-1"}});
  ASSERT_TRUE(r) << c.error();
  auto line =
      gateway.process->waitForLine(std::regex(R"(\{.*"request_id":"log-me-1".*\})"), seconds(5));
  ASSERT_TRUE(line) << "no access log line; stdout:\n" << gateway.process->stdoutText();
  auto rec = parseJson((*line)[0]);
  EXPECT_EQ(rec["method"], "GET");
  EXPECT_EQ(rec["status"], 200);
  EXPECT_EQ(rec["client"], "127.0.0.1");
  EXPECT_NE(rec["path"].get<std::string>().find("/__origin/echo"), std::string::npos);
}

}  // namespace
}  // namespace floodgate::integration
