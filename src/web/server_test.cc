// In-process tests: a web::Server on an ephemeral port, its loop on a thread, spoken to over
// real sockets by a client that parses responses on its own.
#include "web/server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "origin/test_client.h"
#include "web/json.h"

namespace floodgate::web {
namespace {

using origin::testing::TestClient;
using origin::testing::TestResponse;

class ServerTest : public ::testing::Test {
 protected:
  void start(Handler handler, ServerOptions options = {}) {
    auto address = SocketAddress::parse("127.0.0.1:0");
    ASSERT_TRUE(address.ok());
    auto server = Server::start(&loop_, *address, std::move(handler), options);
    ASSERT_TRUE(server.ok()) << server.error();
    server_ = std::move(server.value());
    thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    if (!thread_.joinable()) return;
    loop_.post([this] {
      server_.reset();
      loop_.stop();
    });
    thread_.join();
  }
  SocketAddress address() const { return server_->address(); }

  // Echoes what the handler saw, as JSON.
  static Response echo(const Request& r) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [k, v] : r.headers) headers[k] = v;
    return jsonResponse(200, {{"method", r.method},
                              {"path", r.path},
                              {"query", r.query},
                              {"body", r.body},
                              {"peer", r.peer},
                              {"headers", headers}});
  }

  EventLoop loop_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, HandsTheWholeRequestToTheHandlerAndKeepsTheConnection) {
  start(echo);
  EXPECT_NE(address().port(), 0);
  TestClient c(address());
  ASSERT_TRUE(c.send("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Thing: Yes\r\n\r\n"));
  TestResponse r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/a/b");
  EXPECT_EQ(j["query"], "x=1&y=2");
  EXPECT_EQ(j["peer"], "127.0.0.1");
  EXPECT_EQ(j["headers"]["x-thing"], "Yes");

  ASSERT_TRUE(c.send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"));
  r = c.read();
  ASSERT_EQ(r.status, 200);
  j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["body"], "hello");
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  start(echo);
  TestClient c(address());
  ASSERT_TRUE(
      c.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
             "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
             "GET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  for (const char* path : {"/one", "/two", "/three"}) {
    TestResponse r = c.read();
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(nlohmann::json::parse(r.body)["path"], path);
  }
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(ServerTest, ReadsABodyThatArrivesInPiecesAndAnswersExpectContinue) {
  start(echo);
  TestClient c(address());
  ASSERT_TRUE(
      c.send("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
             "Content-Length: 10\r\n\r\n"));
  TestResponse interim = c.read();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send("01234"));
  ASSERT_TRUE(c.send("56789"));
  TestResponse r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "0123456789");
}

TEST_F(ServerTest, RefusesBodiesOverTheLimitAndChunkedBodies) {
  start(echo, {.max_body = 8});
  {
    TestClient c(address());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n123456789"));
    TestResponse r = c.read();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "request body too large");
    EXPECT_TRUE(c.closedByPeer());
  }
  {
    TestClient c(address());
    ASSERT_TRUE(
        c.send("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
               "1\r\na\r\n0\r\n\r\n"));
    EXPECT_EQ(c.read().status, 411);
    EXPECT_TRUE(c.closedByPeer());
  }
  TestClient c(address());  // exactly the limit is fine
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678"));
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(ServerTest, RefusesMalformedRequestsWithAJsonErrorAndCloses) {
  int calls = 0;
  start([&calls](const Request& r) {
    ++calls;
    return echo(r);
  });
  const char* bad[] = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",  // no Host
  };
  for (const char* raw : bad) {
    TestClient c(address());
    ASSERT_TRUE(c.send(raw));
    TestResponse r = c.read();
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_TRUE(nlohmann::json::parse(r.body, nullptr, false).contains("error")) << raw;
    EXPECT_TRUE(c.closedByPeer()) << raw;
  }
  EXPECT_EQ(calls, 0);
}

TEST_F(ServerTest, AnswersHeadWithoutABody) {
  start([](const Request& r) {
    Response resp;
    resp.body = "twelve bytes";
    resp.headers.emplace_back("X-Method", r.method);
    resp.headers.emplace_back("X-Bad", "split\r\nInjected: yes");  // dropped, never sent
    return resp;
  });
  TestClient c(address());
  ASSERT_TRUE(c.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n"));
  TestResponse r = c.read(/*head_request=*/true);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "12");
  EXPECT_EQ(r.header("X-Method"), "HEAD");
  EXPECT_EQ(r.header("Injected"), "");
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));  // nothing stray before this answer
  r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "twelve bytes");
}

TEST_F(ServerTest, AHandlerThatThrowsGetsA500AndTheServerGoesOn) {
  start([](const Request& r) -> Response {
    if (r.path == "/boom") throw std::runtime_error("boom");
    return echo(r);
  });
  TestClient c(address());
  ASSERT_TRUE(c.send("GET /boom HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(c.read().status, 500);
  ASSERT_TRUE(c.send("GET /fine HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(ServerTest, ARequestThatNeverCompletesGets408) {
  start(echo, {.read_timeout = milliseconds(50)});
  TestClient c(address());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\n"));  // the head never ends
  TestResponse r = c.read();
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(ServerTest, AnIdleConnectionIsClosed) {
  start(echo, {.idle_timeout = milliseconds(50)});
  TestClient c(address());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(c.read().status, 200);
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(ServerTest, ConnectionsOverTheLimitAreRefused) {
  start(echo, {.max_connections = 1});
  TestClient first(address());
  ASSERT_TRUE(first.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_EQ(first.read().status, 200);  // accepted and counted
  TestClient second(address());
  second.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(second.read().status, 0);
  ASSERT_TRUE(first.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(first.read().status, 200);
}

}  // namespace
}  // namespace floodgate::web
