// Bodies streamed through the proxy both ways, Content-Length and chunked, with bounded memory:
// a gigabyte goes through while floodgate's peak resident set stays small.
#include <gtest/gtest.h>

#include <cstdio>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

constexpr uint64_t kBigBody = uint64_t{1} << 30;  // 1 GiB
constexpr long kMaxGatewayRssKiB = 64 * 1024;     // 64 MiB

class ProxyStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = startOrigin({"--name", "stream"});
    ASSERT_TRUE(origin_.ok());
    gateway_ = startQuickGateway({origin_.port}, {"--workers", "1"});
    ASSERT_TRUE(gateway_.ok());
    started_ = Clock::now();
  }

  void TearDown() override {
    double s = std::chrono::duration<double>(Clock::now() - started_).count();
    std::printf("[ stream   ] %.2f s, floodgate VmHWM %ld KiB\n", s, last_peak_kib_);
  }

  void upload(bool chunked) {
    HttpClient c(gateway_.port, seconds(20));
    std::string head = "POST /__origin/upload HTTP/1.1\r\nHost: a\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                    : "Content-Length: " + std::to_string(kBigBody) + "\r\n\r\n";
    ASSERT_TRUE(c.send(head)) << c.error();
    BodySource body(kBigBody, chunked ? 7 : 3);
    ASSERT_TRUE(c.sendBody([&](char* b, size_t n) { return body.next(b, n); }, chunked))
        << c.error() << " after " << body.produced() << " bytes";
    auto r = c.readResponse();
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 200) << r->body;
    auto up = parseJson(r->body);
    EXPECT_EQ(up["bytes"], kBigBody);
    EXPECT_EQ(hexValue(up["fnv1a"]), body.fnv1a());
    checkMemory();
  }

  void download(bool chunked) {
    HttpClient c(gateway_.port, seconds(20));
    std::string target = "/__origin/bytes/" + std::to_string(kBigBody);
    if (chunked) target += "?chunked=1";
    ASSERT_TRUE(c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n")) << c.error();
    ReadOptions o;
    o.keep_body = false;
    o.check_pattern = true;  // byte-exact: every byte compared with the origin's pattern
    auto r = c.readResponse(o);
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->chunked, chunked);
    if (!chunked) {
      EXPECT_EQ(r->header("Content-Length"), std::to_string(kBigBody));
    }
    EXPECT_EQ(r->body_bytes, kBigBody);
    EXPECT_FALSE(r->pattern_mismatch_at) << "body differs from byte " << *r->pattern_mismatch_at;
    static const uint64_t expected = originPatternFnv1a(kBigBody);
    EXPECT_EQ(hex64(r->body_fnv1a), hex64(expected));
    checkMemory();
  }

  void checkMemory() {
    last_peak_kib_ = gateway_.process->peakRssKiB();
    ASSERT_GT(last_peak_kib_, 0);
    EXPECT_LT(last_peak_kib_, kMaxGatewayRssKiB) << "floodgate buffered the body";
  }

  Server origin_;
  Server gateway_;
  Clock::time_point started_;
  long last_peak_kib_ = -1;
};

TEST_F(ProxyStreamingTest, UploadOneGiBWithContentLength) { upload(false); }
TEST_F(ProxyStreamingTest, UploadOneGiBChunked) { upload(true); }
TEST_F(ProxyStreamingTest, DownloadOneGiBWithContentLength) { download(false); }
TEST_F(ProxyStreamingTest, DownloadOneGiBChunked) { download(true); }

// A client that stops reading: floodgate must stop reading from the origin too, not buffer the
// rest of the body.
TEST_F(ProxyStreamingTest, SlowReaderDoesNotMakeFloodgateBuffer) {
  constexpr uint64_t kBytes = uint64_t{256} << 20;
  HttpClient c(gateway_.port, seconds(20));
  ASSERT_TRUE(
      c.send("GET /__origin/bytes/" + std::to_string(kBytes) + " HTTP/1.1\r\nHost: a\r\n\r\n"))
      << c.error();
  // Watch floodgate for a second while nothing is read: its memory must stay flat.
  long worst = 0;
  pollUntil(
      [&] {
        worst = std::max(worst, gateway_.process->rssKiB());
        return worst >= kMaxGatewayRssKiB;
      },
      seconds(1), milliseconds(20));
  EXPECT_LT(worst, kMaxGatewayRssKiB) << "floodgate read ahead of a client that does not read";
  ReadOptions o;
  o.keep_body = false;
  o.check_pattern = true;
  o.hash = false;
  auto r = c.readResponse(o);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body_bytes, kBytes);
  EXPECT_FALSE(r->pattern_mismatch_at);
  last_peak_kib_ = gateway_.process->peakRssKiB();
  EXPECT_LT(last_peak_kib_, kMaxGatewayRssKiB);
}

// Many medium bodies on one keep-alive connection: framing stays right after each body.
TEST_F(ProxyStreamingTest, AlternatingUploadsAndDownloadsOnOneConnection) {
  HttpClient c(gateway_.port, seconds(10));
  for (int i = 0; i < 10; ++i) {
    uint64_t n = 100'000 + static_cast<uint64_t>(i) * 77'777;
    bool chunked = i % 2 == 1;
    std::string head = "POST /__origin/upload HTTP/1.1\r\nHost: a\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                    : "Content-Length: " + std::to_string(n) + "\r\n\r\n";
    ASSERT_TRUE(c.send(head)) << c.error();
    BodySource body(n, static_cast<uint32_t>(i));
    ASSERT_TRUE(c.sendBody([&](char* b, size_t cap) { return body.next(b, cap); }, chunked));
    auto up = c.readResponse();
    ASSERT_TRUE(up) << c.error();
    ASSERT_EQ(up->status, 200) << up->body;
    EXPECT_EQ(hexValue(parseJson(up->body)["fnv1a"]), body.fnv1a()) << "upload " << i;

    std::string target = "/__origin/bytes/" + std::to_string(n) + (chunked ? "?chunked=1" : "");
    ASSERT_TRUE(c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"));
    ReadOptions o;
    o.keep_body = false;
    o.check_pattern = true;
    auto down = c.readResponse(o);
    ASSERT_TRUE(down) << c.error();
    EXPECT_EQ(down->body_bytes, n) << "download " << i;
    EXPECT_FALSE(down->pattern_mismatch_at) << "download " << i;
    ASSERT_FALSE(down->closes);
  }
  last_peak_kib_ = gateway_.process->peakRssKiB();
}

}  // namespace
}  // namespace floodgate::integration
