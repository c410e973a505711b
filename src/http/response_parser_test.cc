// Upstream responses for ResponseParser, as a table: each row is what an origin sends, the method
// of the request it answers, and how floodgate must frame the body (RFC 9112 6.3). A malformed
// response is a 502, never a guess. Every row is also fed one byte at a time.
#include "http/response_parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "http/parse_test_support.h"

namespace floodgate::http {
namespace {

using namespace std::literals;

using namespace testing_support;

struct ResponseVector {
  const char* name;
  std::string raw;
  ParseState verdict;
  Method request_method = Method::kGet;
  // kDone: what the parser must have understood.
  int status = 200;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  std::string_view reason = "OK";
  size_t head_bytes = 0;  // 0: the whole input is the head
  int minor_version = 1;
};

void PrintTo(const ResponseVector& v, std::ostream* os) { *os << v.name; }

std::string ok11(std::string_view fields) {
  return "HTTP/1.1 200 OK\r\n" + std::string(fields) + "\r\n";
}

std::vector<ResponseVector> responseVectors() {
  const auto kLength = BodyFraming::kContentLength;
  const auto kChunked = BodyFraming::kChunked;
  const auto kUntilClose = BodyFraming::kUntilClose;
  return {
      // --- Status line ---------------------------------------------------------------------------
      {.name = "ContentLength",
       .raw = ok11("Content-Length: 5\r\n") + "hello",
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5,
       .head_bytes = ok11("Content-Length: 5\r\n").size()},
      {.name = "MissingReasonPhrase",
       .raw = "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .reason = ""},
      {.name = "EmptyReasonPhrase",
       .raw = "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .reason = ""},
      {.name = "ReasonWithSpaces",
       .raw = "HTTP/1.1 404 Not  Found Here\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .status = 404,
       .reason = "Not  Found Here"},
      {.name = "ReasonObsText",
       .raw = "HTTP/1.1 200 D\xc3\xa9j\xc3\xa0\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .reason = "D\xc3\xa9j\xc3\xa0"},
      {.name = "UnknownStatus599",
       .raw = "HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .status = 599,
       .reason = "Whatever"},
      {.name = "Http10",
       .raw = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n",
       .verdict = kDone,
       .framing = kLength,
       .content_length = 2,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "LeadingCrlfSkipped",
       .raw = "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone},
      {.name = "StatusTwoDigits", .raw = "HTTP/1.1 20 OK\r\n\r\n", .verdict = kError},
      {.name = "StatusFourDigits", .raw = "HTTP/1.1 2000 OK\r\n\r\n", .verdict = kError},
      {.name = "StatusBelow100", .raw = "HTTP/1.1 099 Low\r\n\r\n", .verdict = kError},
      {.name = "StatusAbove599", .raw = "HTTP/1.1 600 High\r\n\r\n", .verdict = kError},
      {.name = "StatusNotDigits", .raw = "HTTP/1.1 2x0 OK\r\n\r\n", .verdict = kError},
      {.name = "StatusNegative", .raw = "HTTP/1.1 -20 OK\r\n\r\n", .verdict = kError},
      {.name = "ReasonWithoutSpace", .raw = "HTTP/1.1 200OK\r\n\r\n", .verdict = kError},
      {.name = "TabBeforeReason", .raw = "HTTP/1.1 200\tOK\r\n\r\n", .verdict = kError},
      {.name = "TwoSpacesBeforeStatus", .raw = "HTTP/1.1  200 OK\r\n\r\n", .verdict = kError},
      {.name = "LowercaseVersion", .raw = "http/1.1 200 OK\r\n\r\n", .verdict = kError},
      {.name = "Http2Version", .raw = "HTTP/2 200 OK\r\n\r\n", .verdict = kError},
      {.name = "Http20Version", .raw = "HTTP/2.0 200 OK\r\n\r\n", .verdict = kError},
      {.name = "VersionWithoutMinor", .raw = "HTTP/1 200 OK\r\n\r\n", .verdict = kError},
      {.name = "ControlCharInReason", .raw = "HTTP/1.1 200 O\x01K\r\n\r\n", .verdict = kError},
      {.name = "NulInReason", .raw = "HTTP/1.1 200 O\0K\r\n\r\n"s, .verdict = kError},
      {.name = "NotHttp", .raw = "SSH-2.0-OpenSSH_9.6\r\n\r\n", .verdict = kError},

      // --- Responses without a body --------------------------------------------------------------
      {.name = "Continue100",
       .raw = "HTTP/1.1 100 Continue\r\n\r\n",
       .verdict = kDone,
       .status = 100,
       .reason = "Continue"},
      {.name = "EarlyHints103",
       .raw = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n",
       .verdict = kDone,
       .status = 103,
       .reason = "Early Hints"},
      {.name = "SwitchingProtocols101",
       .raw =
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
       .verdict = kDone,
       .status = 101,
       .reason = "Switching Protocols"},
      {.name = "NoContent204",
       .raw = "HTTP/1.1 204 No Content\r\n\r\n",
       .verdict = kDone,
       .status = 204,
       .reason = "No Content"},
      {.name = "NoContent204WithTransferEncoding",
       .raw = "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
       .verdict = kDone,
       .status = 204,
       .reason = "No Content"},
      {.name = "NotModified304WithLength",  // the length of the representation, not a body
       .raw = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
       .verdict = kDone,
       .status = 304,
       .content_length = 100,
       .reason = "Not Modified"},
      {.name = "HeadWithLength",
       .raw = ok11("Content-Length: 100\r\n"),
       .verdict = kDone,
       .request_method = Method::kHead,
       .content_length = 100},
      {.name = "HeadWithChunked",
       .raw = ok11("Transfer-Encoding: chunked\r\n"),
       .verdict = kDone,
       .request_method = Method::kHead},
      {.name = "HeadWithoutFraming",  // no body, so the connection stays usable
       .raw = ok11(""),
       .verdict = kDone,
       .request_method = Method::kHead},
      {.name = "HeadWithInvalidLength",
       .raw = ok11("Content-Length: x\r\n"),
       .verdict = kError,
       .request_method = Method::kHead},

      // --- Content-Length ------------------------------------------------------------------------
      {.name = "ContentLengthZero", .raw = ok11("Content-Length: 0\r\n"), .verdict = kDone},
      {.name = "DuplicateContentLengthSame",
       .raw = ok11("Content-Length: 5\r\nContent-Length: 5\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5},
      {.name = "ConflictingContentLength",
       .raw = ok11("Content-Length: 5\r\nContent-Length: 6\r\n"),
       .verdict = kError},
      {.name = "ContentLengthList", .raw = ok11("Content-Length: 5, 5\r\n"), .verdict = kError},
      {.name = "ContentLengthSign", .raw = ok11("Content-Length: +5\r\n"), .verdict = kError},
      {.name = "ContentLengthNegative", .raw = ok11("Content-Length: -1\r\n"), .verdict = kError},
      {.name = "ContentLengthHex", .raw = ok11("Content-Length: 0x10\r\n"), .verdict = kError},
      {.name = "ContentLengthEmpty", .raw = ok11("Content-Length:\r\n"), .verdict = kError},
      {.name = "ContentLengthOverflow",
       .raw = ok11("Content-Length: 99999999999999999999\r\n"),
       .verdict = kError},
      {.name = "ContentLengthAndTransferEncoding",
       .raw = ok11("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
       .verdict = kError},

      // --- Transfer-Encoding ---------------------------------------------------------------------
      {.name = "Chunked",
       .raw = ok11("Transfer-Encoding: chunked\r\n"),
       .verdict = kDone,
       .framing = kChunked},
      {.name = "ChunkedCaseInsensitive",
       .raw = ok11("Transfer-Encoding: Chunked\r\n"),
       .verdict = kDone,
       .framing = kChunked},
      {.name = "GzipThenChunked",
       .raw = ok11("Transfer-Encoding: gzip, chunked\r\n"),
       .verdict = kDone,
       .framing = kChunked},
      {.name = "GzipUntilClose",
       .raw = ok11("Transfer-Encoding: gzip\r\n"),
       .verdict = kDone,
       .framing = kUntilClose,
       .keep_alive = false},
      {.name = "ChunkedThenGzipUntilClose",
       .raw = ok11("Transfer-Encoding: chunked, gzip\r\n"),
       .verdict = kDone,
       .framing = kUntilClose,
       .keep_alive = false},
      {.name = "TransferEncodingAcrossFields",
       .raw = ok11("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
       .verdict = kDone,
       .framing = kChunked},
      {.name = "ChunkedHttp10ClosesAfter",  // RFC 9112 6.1: TE in 1.0 is not to be trusted
       .raw = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
       .verdict = kDone,
       .framing = kChunked,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "TransferEncodingSpaceBeforeColon",
       .raw = ok11("Transfer-Encoding : chunked\r\n"),
       .verdict = kError},

      // --- No framing and connection -------------------------------------------------------------
      {.name = "NoFramingUntilClose",
       .raw = ok11(""),
       .verdict = kDone,
       .framing = kUntilClose,
       .keep_alive = false},
      {.name = "Close",
       .raw = ok11("Content-Length: 1\r\nConnection: close\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 1,
       .keep_alive = false},
      {.name = "KeepAlive10",
       .raw = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n",
       .verdict = kDone,
       .framing = kLength,
       .content_length = 1,
       .minor_version = 0},
      {.name = "CloseThenKeepAlive10",
       .raw = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: close, keep-alive\r\n\r\n",
       .verdict = kDone,
       .framing = kLength,
       .content_length = 1,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "DuplicateConnection",  // one `connection` view cannot hold both lists
       .raw = ok11("Content-Length: 1\r\nConnection: close\r\nConnection: x-a\r\n"),
       .verdict = kError},

      // --- Field syntax and limits ---------------------------------------------------------------
      {.name = "BareLf", .raw = "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", .verdict = kError},
      {.name = "LfOnly", .raw = "HTTP/1.1 200 OK\nContent-Length: 0\n\n", .verdict = kError},
      {.name = "ObsFold", .raw = ok11("X-A: a\r\n b\r\nContent-Length: 0\r\n"), .verdict = kError},
      {.name = "SpaceBeforeColon", .raw = ok11("Content-Length : 0\r\n"), .verdict = kError},
      {.name = "NulInValue", .raw = ok11("X-A: a\0b\r\n"s), .verdict = kError},
      {.name = "TooManyFields",
       .raw =
           [] {
             std::string f;
             for (int i = 0; i < 101; ++i) f += "X-" + std::to_string(i) + ": v\r\n";
             return ok11(f);
           }(),
       .verdict = kError},
      {.name = "HeadTooLarge",
       .raw = ok11("X-Big: " + std::string(17 * 1024, 'x') + "\r\n"),
       .verdict = kError},

      // --- Pipelining and incomplete input -------------------------------------------------------
      {.name = "NextResponseAfterHead",
       .raw = ok11("Content-Length: 0\r\n") + "HTTP/1.1 200 OK\r\n\r\n",
       .verdict = kDone,
       .head_bytes = ok11("Content-Length: 0\r\n").size()},
      {.name = "InterimThenFinal",
       .raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       .verdict = kDone,
       .status = 100,
       .reason = "Continue",
       .head_bytes = 25},
      {.name = "Empty", .raw = "", .verdict = kIncomplete},
      {.name = "StatusLineOnly", .raw = "HTTP/1.1 200 OK\r\n", .verdict = kIncomplete},
  };
}

void expectAccepted(const ResponseVector& v, const ResponseHead& head) {
  EXPECT_EQ(head.status, v.status);
  EXPECT_EQ(head.reason, v.reason);
  EXPECT_EQ(head.framing, v.framing);
  EXPECT_EQ(head.content_length, v.content_length);
  EXPECT_EQ(head.keep_alive, v.keep_alive);
  EXPECT_EQ(head.minor_version, v.minor_version);
  EXPECT_EQ(head.head_bytes, v.head_bytes ? v.head_bytes : v.raw.size());
}

class ResponseVectorTest : public ::testing::TestWithParam<ResponseVector> {};

TEST_P(ResponseVectorTest, WholeInput) {
  const ResponseVector& v = GetParam();
  auto buf = exactCopy(v.raw);
  ResponseParser parser;
  ResponseHead head;
  ParseState st = parser.parse(buf.get(), v.raw.size(), v.request_method, &head);
  ASSERT_EQ(st, v.verdict) << parser.error().reason;
  if (st == kDone) expectAccepted(v, head);
  if (st == kError) {
    EXPECT_EQ(parser.error().status, 502);
    EXPECT_NE(std::string_view(parser.error().reason), "");
  }
}

TEST_P(ResponseVectorTest, OneByteAtATime) {
  const ResponseVector& v = GetParam();
  ResponseParser parser;
  ResponseHead head;
  auto [st, fed] = feedOneByteAtATime(
      v.raw,
      [&](const char* data, size_t size) {
        return parser.parse(data, size, v.request_method, &head);
      },
      [&](size_t fed) {
        expectAccepted(v, head);
        EXPECT_EQ(fed, head.head_bytes);
      });
  ASSERT_EQ(st, v.verdict) << "after " << fed << " bytes: " << parser.error().reason;
  if (st == kError) {
    EXPECT_EQ(parser.error().status, 502);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ResponseVectorTest, ::testing::ValuesIn(responseVectors()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ResponseVectors, NamesAreUnique) {
  std::set<std::string_view> names;
  for (const auto& v : responseVectors()) EXPECT_TRUE(names.insert(v.name).second) << v.name;
}

TEST(ResponseParser, InterimThenFinalOnOneConnection) {
  std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: x-a\r\nX-A: 1\r\n\r\nhi"
      "HTTP/1.1 204 No Content\r\n\r\n";
  ResponseParser parser;
  ResponseHead head;
  size_t pos = 0;
  ASSERT_EQ(parser.parse(wire.data(), wire.size(), Method::kPost, &head), kDone);
  EXPECT_TRUE(head.interim());
  pos += head.head_bytes;
  parser.reset();
  ASSERT_EQ(parser.parse(wire.data() + pos, wire.size() - pos, Method::kPost, &head), kDone);
  EXPECT_FALSE(head.interim());
  EXPECT_EQ(head.content_length, 2u);
  EXPECT_EQ(head.connection, "x-a");
  EXPECT_EQ(head.header("x-a"), "1");
  EXPECT_EQ(head.headers.size(), 3u);
  pos += head.head_bytes + head.content_length;
  parser.reset();
  ASSERT_EQ(parser.parse(wire.data() + pos, wire.size() - pos, Method::kPost, &head), kDone);
  EXPECT_EQ(head.status, 204);
  EXPECT_EQ(head.connection, "");
  EXPECT_EQ(head.headers.size(), 0u);
  EXPECT_EQ(pos + head.head_bytes, wire.size());
}

TEST(ResponseParser, LimitsAreConfigurable) {
  ResponseParser parser(ParseLimits{.max_head_bytes = 32, .max_headers = 1});
  ResponseHead head;
  std::string two = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(parser.parse(two.data(), two.size(), Method::kGet, &head), kError);
  EXPECT_EQ(parser.error().status, 502);
  parser.reset();
  std::string big = "HTTP/1.1 200 OK\r\nA: " + std::string(32, 'a') + "\r\n\r\n";
  EXPECT_EQ(parser.parse(big.data(), big.size(), Method::kGet, &head), kError);
  EXPECT_EQ(parser.error().status, 502);
}

}  // namespace
}  // namespace floodgate::http
