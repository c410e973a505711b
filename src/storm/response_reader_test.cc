#include "storm/response_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace floodgate::storm {
namespace {

class CaptureHead : public ResponseReader::HeadSink {
 public:
  void onResponseHead(const http::ResponseHead& head) override {
    ++heads;
    location = std::string(head.header("location"));
  }
  int heads = 0;
  std::string location;
};

// Feeds `wire` in pieces of `step` bytes; returns the final step and what is left unread.
ResponseReader::Step feedInPieces(ResponseReader& r, const std::string& wire, size_t step,
                                  bool close_at_end, CaptureHead* sink, size_t* left) {
  Buffer in;
  ResponseReader::Step st = ResponseReader::Step::kNeedMore;
  for (size_t pos = 0; pos < wire.size(); pos += step) {
    in.append(wire.substr(pos, step));
    st = r.feed(in, false, sink);
    if (st != ResponseReader::Step::kNeedMore) break;
  }
  if (st == ResponseReader::Step::kNeedMore && close_at_end) st = r.feed(in, true, sink);
  *left = in.readable();
  return st;
}

struct Case {
  const char* name;
  std::string wire;
  http::Method method;
  bool close_at_end;
  ResponseReader::Step step;
  int status;
  bool keep_alive;
  size_t left;
};

TEST(ResponseReader, ReadsEveryFramingInAnySplit) {
  Case cases[] = {
      {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
       http::Method::kGet, false, ResponseReader::Step::kDone, 200, true, 5},
      {"no body", "HTTP/1.1 204 No Content\r\n\r\n", http::Method::kGet, false,
       ResponseReader::Step::kDone, 204, true, 0},
      {"head", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", http::Method::kHead, false,
       ResponseReader::Step::kDone, 200, true, 0},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       http::Method::kGet, false, ResponseReader::Step::kDone, 200, true, 0},
      {"until close", "HTTP/1.0 200 OK\r\n\r\nbody until the end", http::Method::kGet, true,
       ResponseReader::Step::kDone, 200, false, 0},
      {"interim skipped",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
       http::Method::kPost, false, ResponseReader::Step::kDone, 201, true, 0},
      {"connection close", "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
       http::Method::kGet, false, ResponseReader::Step::kDone, 503, false, 0},
      {"cut in body", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", http::Method::kGet,
       true, ResponseReader::Step::kError, 200, true, 0},
      {"garbage", "SSH-2.0-OpenSSH\r\n\r\n", http::Method::kGet, false,
       ResponseReader::Step::kError, 0, true, 0},
      {"nothing", "", http::Method::kGet, true, ResponseReader::Step::kError, 0, true, 0},
  };
  for (const auto& c : cases) {
    for (size_t step : {size_t{1}, size_t{3}, size_t{7}, size_t{4096}}) {
      ResponseReader r;
      r.start(c.method);
      CaptureHead sink;
      size_t left = 0;
      auto st = feedInPieces(r, c.wire, step, c.close_at_end, &sink, &left);
      EXPECT_EQ(st, c.step) << c.name << " step " << step;
      if (c.step == ResponseReader::Step::kDone) {
        EXPECT_EQ(r.status(), c.status) << c.name;
        EXPECT_EQ(r.keepAlive(), c.keep_alive) << c.name;
        EXPECT_EQ(sink.heads, 1) << c.name;
        if (step == 4096) {
          EXPECT_EQ(left, c.left) << c.name;
        }
      }
    }
  }
}

TEST(ResponseReader, TwoResponsesBackToBack) {
  Buffer in;
  in.append(
      "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ResponseReader r;
  CaptureHead sink;
  r.start(http::Method::kGet);
  ASSERT_EQ(r.feed(in, false, &sink), ResponseReader::Step::kDone);
  EXPECT_EQ(r.status(), 302);
  EXPECT_EQ(sink.location, "/next");
  r.start(http::Method::kGet);
  ASSERT_EQ(r.feed(in, false, &sink), ResponseReader::Step::kDone);
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(in.empty());
}

TEST(ResponseReader, SawBytesTellsClosedFromCutShort) {
  Buffer in;
  ResponseReader r;
  r.start(http::Method::kGet);
  EXPECT_EQ(r.feed(in, true, nullptr), ResponseReader::Step::kError);
  EXPECT_FALSE(r.sawBytes());
  r.start(http::Method::kGet);
  in.append("HTTP/1.1 2");
  EXPECT_EQ(r.feed(in, true, nullptr), ResponseReader::Step::kError);
  EXPECT_TRUE(r.sawBytes());
}

}  // namespace
}  // namespace floodgate::storm
