// In-process tests: the origin on an ephemeral port, spoken to over real sockets.
#include "origin/origin_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "origin/body_pattern.h"
#include "origin/json_text.h"
#include "origin/test_client.h"

namespace floodgate::origin {
namespace {

using testing::TestClient;
using testing::TestResponse;

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: origin.test\r\n" + std::string(extra) +
         "\r\n";
}

bool matchesPattern(const std::string& body) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != kPatternLine[i % kPatternLine.size()]) return false;
  }
  return true;
}

class OriginServerTest : public ::testing::Test {
 protected:
  void start(OriginOptions options = {}) {
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<OriginServer>(options, clock_);
    Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error();
  }
  const SocketAddress& address() const { return server_->address(); }

  TestResponse exchange(std::string_view request, bool head_request = false) {
    TestClient c(address());
    c.send(request);
    return c.read(head_request);
  }
  nlohmann::json stats(std::string_view query = "") {
    TestResponse r = exchange(get("/__origin/stats" + std::string(query)));
    EXPECT_EQ(r.status, 200);
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  // The capacity model's clock stands still unless a test moves it: no refills behind its back.
  ManualClock clock_;
  std::unique_ptr<OriginServer> server_;
};

TEST_F(OriginServerTest, ServesTheApplicationWithKeepAlive) {
  OriginOptions o;
  o.name = "api";
  start(o);
  TestClient c(address());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/")));
    TestResponse r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello from origin\n");
    EXPECT_EQ(r.header("X-Origin"), "api");
    EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  }
  auto s = stats();
  EXPECT_EQ(s["name"], "api");
  EXPECT_EQ(s["requests"], 3);
  EXPECT_EQ(s["served"], 3);
  EXPECT_EQ(s["sources"]["127.0.0.1"]["served"], 3);
}

TEST_F(OriginServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  TestClient c(address());
  // The first is slower than the second; answers must still come in request order.
  ASSERT_TRUE(c.send(get("/__origin/delay/50") + get("/__origin/status/201") + get("/")));
  TestResponse a = c.read(), b = c.read(), d = c.read();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "delayed 50 ms\n");
  EXPECT_EQ(b.status, 201);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "hello from origin\n");
}

TEST_F(OriginServerTest, HeadGetsHeadersOnly) {
  start();
  TestClient c(address());
  ASSERT_TRUE(c.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + get("/")));
  TestResponse h = c.read(/*head_request=*/true);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("Content-Length"), "18");
  TestResponse g = c.read();  // would be garbled if HEAD had sent a body
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "hello from origin\n");
}

TEST_F(OriginServerTest, ChecksumsAChunkedUpload) {
  start();
  std::string body;
  std::string framed;
  for (int i = 0; i < 20; ++i) {
    std::string piece(1000 + i * 777, static_cast<char>('a' + i));
    body += piece;
    char size[32];
    std::snprintf(size, sizeof(size), "%zx;ext=%d\r\n", piece.size(), i);
    framed += size + piece + "\r\n";
  }
  framed += "0\r\nX-Trailer: yes\r\n\r\n";
  TestClient c(address());
  ASSERT_TRUE(
      c.send("POST /__origin/upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(c.send(framed));
  TestResponse r = c.read();
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["bytes"], body.size());
  EXPECT_EQ(j["fnv1a"], hex64(fnv1a(kFnv1aOffset, body)));
  // The connection goes on after the body.
  ASSERT_TRUE(c.send(get("/")));
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(OriginServerTest, AnswersExpectContinueBeforeTheBody) {
  start();
  std::string body(1 << 20, 'z');
  TestClient c(address());
  ASSERT_TRUE(
      c.send("PUT /__origin/upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(c.read().status, 100);
  ASSERT_TRUE(c.send(body));
  TestResponse r = c.read();
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["bytes"], body.size());
  EXPECT_EQ(j["fnv1a"], hex64(fnv1a(kFnv1aOffset, body)));
}

TEST_F(OriginServerTest, RefusesBeyondCapacityAtOnce) {
  OriginOptions o;
  o.capacity_rps = 50;
  start(o);  // burst 5; the clock stands still, so no more tokens come
  TestClient c(address());
  int ok = 0, refused = 0;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(c.send(get("/")));
    TestResponse r = c.read();
    if (r.status == 200) ++ok;
    if (r.status == 503) {
      ++refused;
      EXPECT_EQ(r.body, "origin over capacity\n");
    }
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(refused, 3);
  // Control endpoints bypass the capacity model, and stats do not count as traffic.
  EXPECT_EQ(exchange(get("/__origin/status/204")).status, 204);
  auto s = stats();
  EXPECT_EQ(s["requests"], 9);
  EXPECT_EQ(s["served"], 6);
  EXPECT_EQ(s["rejected"], 3);
  EXPECT_EQ(s["sources"]["127.0.0.1"]["rejected"], 3);
}

TEST_F(OriginServerTest, RefusedRequestBodyIsSkippedAndTheConnectionGoesOn) {
  OriginOptions o;
  o.capacity_rps = 10;
  start(o);  // burst 1
  TestClient c(address());
  std::string post = "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  ASSERT_TRUE(c.send(post + post + get("/__origin/status/202")));
  TestResponse first = c.read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(nlohmann::json::parse(first.body)["bytes"], 5);
  EXPECT_EQ(c.read().status, 503);
  EXPECT_EQ(c.read().status, 202);
}

TEST_F(OriginServerTest, CapsConcurrencyAcrossConnections) {
  OriginOptions o;
  o.latency_ms = 300;
  o.concurrency = 1;
  start(o);
  TestClient slow(address());
  ASSERT_TRUE(slow.send(get("/")));
  // Wait (bounded) until the first request is in service.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (stats("?summary=1")["in_flight"] != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto t0 = std::chrono::steady_clock::now();
  TestResponse refused = exchange(get("/"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));  // at once
  EXPECT_EQ(slow.read().status, 200);
  EXPECT_EQ(stats("?summary=1")["in_flight"], 0);
}

TEST_F(OriginServerTest, LatencyCanBeChangedWhileRunning) {
  OriginOptions o;
  o.latency_ms = 5;
  o.workers = 2;
  start(o);
  EXPECT_EQ(stats("?summary=1")["latency_ms"], 5);
  TestResponse set =
      exchange("POST /__origin/latency/50 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(nlohmann::json::parse(set.body)["latency_ms"], 50);
  auto after = stats("?summary=1");
  EXPECT_EQ(after["latency_ms"], 50);  // one setting for every worker
  EXPECT_EQ(after["requests"], 0);     // a control call, not application traffic
  EXPECT_EQ(exchange(get("/")).status, 200);
  EXPECT_EQ(exchange(get("/__origin/latency/5")).status, 405);
}

TEST_F(OriginServerTest, MergesWorkersAndFiltersSources) {
  OriginOptions o;
  o.workers = 2;
  start(o);
  for (int conn = 0; conn < 8; ++conn) {
    TestClient c(address());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(c.send(get("/", "X-Forwarded-For: 10.9.9.9, 127.1.0.7\r\n")));
      ASSERT_EQ(c.read().status, 200);
    }
    ASSERT_TRUE(c.send(get("/", "X-Forwarded-For: 127.2.0." + std::to_string(conn) + "\r\n")));
    ASSERT_EQ(c.read().status, 200);
  }
  auto all = stats();
  EXPECT_EQ(all["workers"], 2);
  EXPECT_EQ(all["requests"], 48);
  EXPECT_EQ(all["sources"]["127.1.0.7"]["requests"], 40);
  EXPECT_EQ(all["sources"].size(), 9u);
  auto filtered = stats("?prefix=127.2.");
  EXPECT_EQ(filtered["sources"].size(), 8u);
  EXPECT_EQ(filtered["requests"], 48);  // totals are never filtered
  auto summary = stats("?summary=1");
  EXPECT_FALSE(summary.contains("sources"));
  EXPECT_EQ(summary["served"], 48);

  TestResponse reset =
      exchange("POST /__origin/reset HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(reset.status, 200);
  auto after = stats();
  EXPECT_EQ(after["requests"], 0);
  EXPECT_TRUE(after["sources"].empty());
}

TEST_F(OriginServerTest, BoundsTrackedSources) {
  OriginOptions o;
  o.max_sources = 3;
  start(o);
  TestClient c(address());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.send(get("/", "X-Forwarded-For: 127.3.0." + std::to_string(i) + "\r\n")));
    ASSERT_EQ(c.read().status, 200);
  }
  auto s = stats();
  EXPECT_EQ(s["sources_tracked"], 3);
  EXPECT_EQ(s["sources"]["other"]["requests"], 7);
}

TEST_F(OriginServerTest, StreamsExactlyNBytes) {
  start();
  TestClient c(address());
  ASSERT_TRUE(c.send(get("/__origin/bytes/300001") + get("/__origin/bytes/200000?chunked=1") +
                     get("/__origin/bytes/0?chunked=1")));
  TestResponse plain = c.read();
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body.size(), 300001u);
  EXPECT_TRUE(matchesPattern(plain.body));
  TestResponse chunked = c.read();
  EXPECT_TRUE(chunked.chunked);
  EXPECT_EQ(chunked.body.size(), 200000u);
  EXPECT_TRUE(matchesPattern(chunked.body));
  TestResponse empty = c.read();
  EXPECT_EQ(empty.status, 200);
  EXPECT_TRUE(empty.body.empty());
}

TEST_F(OriginServerTest, StreamsALargeDefaultBody) {
  OriginOptions o;
  o.body_bytes = 100'000;
  start(o);
  TestClient c(address());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send(get("/")));
    TestResponse r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), 100'000u);
    EXPECT_TRUE(matchesPattern(r.body));
  }
}

TEST_F(OriginServerTest, EchoShowsWhatArrived) {
  start();
  TestClient c(address());
  ASSERT_TRUE(
      c.send("POST /__origin/echo?q=1 HTTP/1.1\r\nHost: example.test\r\n"
             "X-Forwarded-For: 127.0.0.42\r\nContent-Length: 3\r\n\r\nabc"));
  TestResponse r = c.read();
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["path"], "/__origin/echo?q=1");
  EXPECT_EQ(j["host"], "example.test");
  EXPECT_EQ(j["peer"], "127.0.0.1");
  EXPECT_EQ(j["source"], "127.0.0.42");
  EXPECT_EQ(j["body_bytes"], 3);
  ASSERT_EQ(j["headers"].size(), 3u);
  EXPECT_EQ(j["headers"][1][0], "X-Forwarded-For");
  EXPECT_EQ(j["headers"][1][1], "127.0.0.42");
}

TEST_F(OriginServerTest, FailsEveryNthRequestWhenAsked) {
  OriginOptions o;
  o.fail_every = 10;
  start(o);
  TestClient c(address());
  int failed = 0;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(c.send(get("/")));
    if (c.read().status == 500) ++failed;
  }
  EXPECT_EQ(failed, 3);
  auto s = stats("?summary=1");
  EXPECT_EQ(s["served"], 27);
  EXPECT_EQ(s["failed"], 3);
}

TEST_F(OriginServerTest, MalformedHeadGets400AndClose) {
  start();
  TestClient c(address());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n"));
  TestResponse r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(OriginServerTest, Http10ClosesAfterTheAnswer) {
  start();
  TestClient c(address());
  ASSERT_TRUE(c.send("GET / HTTP/1.0\r\n\r\n"));
  TestResponse r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(OriginServerTest, UnknownControlPathsAndBadParameters) {
  start();
  EXPECT_EQ(exchange(get("/__origin/nope")).status, 404);
  EXPECT_EQ(exchange(get("/__origin/bytes/lots")).status, 400);
  EXPECT_EQ(exchange(get("/__origin/reset")).status, 405);
}

}  // namespace
}  // namespace floodgate::origin
