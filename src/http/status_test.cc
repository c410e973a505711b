// Responses floodgate writes itself must pass its own strict response parser, framed exactly.
#include "http/status.h"

#include <gtest/gtest.h>

#include <string>

#include "http/response_parser.h"

namespace floodgate::http {
namespace {

struct Written {
  ParseState state;
  ResponseHead head;
  std::string wire;
};

Written parseWritten(int status, std::string_view body, bool keep_alive, bool head_only,
                     std::string_view extra = {}) {
  Buffer out;
  appendSimpleResponse(&out, status, body, keep_alive, extra, head_only);
  Written w;
  w.wire = std::string(out.view());
  ResponseParser parser;
  w.state =
      parser.parse(w.wire.data(), w.wire.size(), head_only ? Method::kHead : Method::kGet, &w.head);
  return w;
}

TEST(AppendSimpleResponse, RoundTripsThroughTheStrictParser) {
  for (int status : {200, 400, 404, 417, 431, 501, 502, 503, 505}) {
    SCOPED_TRACE(status);
    Written w = parseWritten(status, "no\n", true, false, "Retry-After: 1\r\n");
    ASSERT_EQ(w.state, ParseState::kDone);
    EXPECT_EQ(w.head.status, status);
    EXPECT_EQ(w.head.reason, reasonPhrase(status));
    EXPECT_EQ(w.head.framing, BodyFraming::kContentLength);
    EXPECT_EQ(w.head.content_length, 3u);
    EXPECT_TRUE(w.head.keep_alive);
    EXPECT_EQ(w.head.header("retry-after"), "1");
    EXPECT_EQ(w.wire.size(), w.head.head_bytes + 3);
    EXPECT_EQ(w.wire.substr(w.head.head_bytes), "no\n");
  }
}

TEST(AppendSimpleResponse, CloseHeadOnlyAndBodyless) {
  Written close = parseWritten(400, "bad", false, false);
  ASSERT_EQ(close.state, ParseState::kDone);
  EXPECT_FALSE(close.head.keep_alive);

  Written head = parseWritten(200, "hello", true, true);
  ASSERT_EQ(head.state, ParseState::kDone);
  EXPECT_EQ(head.head.header("content-length"), "5");  // the length a GET would have had
  EXPECT_EQ(head.wire.size(), head.head.head_bytes);

  for (int status : {204, 304}) {
    Written w = parseWritten(status, "ignored", true, false);
    ASSERT_EQ(w.state, ParseState::kDone);
    EXPECT_EQ(w.head.framing, BodyFraming::kNone);
    EXPECT_EQ(w.head.header("content-length"), "");
    EXPECT_EQ(w.wire.size(), w.head.head_bytes);
  }
}

TEST(HttpDate, IsAnImfFixdate) {
  std::string_view d = httpDate();
  ASSERT_EQ(d.size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(d.substr(3, 2), ", ");
  EXPECT_EQ(d.substr(25), " GMT");
  EXPECT_EQ(d[19], ':');
  EXPECT_EQ(d[22], ':');
}

TEST(ReasonPhrase, KnownAndFallback) {
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(299), "Success");
  EXPECT_EQ(reasonPhrase(599), "Server Error");
}

}  // namespace
}  // namespace floodgate::http
