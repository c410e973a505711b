// Chunked bodies for ChunkedDecoder, as a table: each row is the bytes after a request head and
// what the decoder must make of them: the data, the verdict, and exactly how many bytes belong to
// the body (bytes after the last CRLF belong to the next message and must not be consumed).
#include "http/chunked.h"

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

struct ChunkedVector {
  const char* name;
  std::string raw;
  ParseState verdict;
  std::string data = "";  // the decoded body (for kDone and kIncomplete)
  size_t body_bytes = 0;  // kDone: bytes that belong to the body; 0 = all of `raw`
};

void PrintTo(const ChunkedVector& v, std::ostream* os) { *os << v.name; }

std::vector<ChunkedVector> chunkedVectors() {
  const std::string kNext = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  return {
      // --- Valid ---------------------------------------------------------------------------------
      {.name = "SingleChunk", .raw = "5\r\nhello\r\n0\r\n\r\n", .verdict = kDone, .data = "hello"},
      {.name = "ManyChunks",
       .raw = "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n4\r\nghij\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "abcdefghij"},
      {.name = "EmptyBody", .raw = "0\r\n\r\n", .verdict = kDone},
      {.name = "UppercaseHex",
       .raw = "A\r\n0123456789\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "0123456789"},
      {.name = "MixedCaseHex",
       .raw = "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n1A\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
      {.name = "LeadingZeros",
       .raw = "0005\r\nhello\r\n000\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "FifteenSizeDigits",
       .raw = "000000000000005\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "BinaryDataWithCrlf",
       .raw = "6\r\n\r\n\0\n0\r\r\n0\r\n\r\n"s,
       .verdict = kDone,
       .data = "\r\n\0\n0\r"s},
      {.name = "Extension",
       .raw = "5;name=value\r\nhello\r\n0;last\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "ManyExtensions",
       .raw = "5;a;b=1;c=xyz\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "ExtensionQuotedString",
       .raw = "5;name=\"a b;c=d\"\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "ExtensionQuotedPair",
       .raw = "5;name=\"a\\\"b\\\\\"\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "ExtensionBws",
       .raw = "5 \t; name = value ;x\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "Trailers",
       .raw = "5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-B:\t2 \r\n\r\n",
       .verdict = kDone,
       .data = "hello"},
      {.name = "TrailerEmptyValue", .raw = "0\r\nX:\r\n\r\n", .verdict = kDone},
      {.name = "TrailerObsTextValue", .raw = "0\r\nX: caf\xc3\xa9\r\n\r\n", .verdict = kDone},
      {.name = "PipelinedRequestAfterBody",
       .raw = "5\r\nhello\r\n0\r\n\r\n" + kNext,
       .verdict = kDone,
       .data = "hello",
       .body_bytes = 15},
      {.name = "PipelinedAfterTrailers",
       .raw = "0\r\nX: 1\r\n\r\n" + kNext,
       .verdict = kDone,
       .body_bytes = 11},
      {.name = "PipelinedCrlfAfterBody",  // the next message's leading CRLF is not the body's
       .raw = "0\r\n\r\n\r\n",
       .verdict = kDone,
       .body_bytes = 5},

      // --- Incomplete ----------------------------------------------------------------------------
      {.name = "Nothing", .raw = "", .verdict = kIncomplete},
      {.name = "SizeOnly", .raw = "5", .verdict = kIncomplete},
      {.name = "PartialData", .raw = "5\r\nhel", .verdict = kIncomplete, .data = "hel"},
      {.name = "DataWithoutCrlf", .raw = "5\r\nhello", .verdict = kIncomplete, .data = "hello"},
      {.name = "LastChunkWithoutBlankLine", .raw = "0\r\n", .verdict = kIncomplete},
      {.name = "TrailerWithoutBlankLine", .raw = "0\r\nX: 1\r\n", .verdict = kIncomplete},
      {.name = "HugeChunkDeclared",
       .raw = "fffffffffffffff\r\nabc",
       .verdict = kIncomplete,
       .data = "abc"},

      // --- Invalid size line ---------------------------------------------------------------------
      {.name = "EmptySize", .raw = "\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "NegativeSize", .raw = "-5\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "PlusSign", .raw = "+5\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "HexPrefix", .raw = "0x5\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "NonHexDigit", .raw = "5g\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "SixteenSizeDigits", .raw = "0000000000000005\r\nhello\r\n", .verdict = kError},
      {.name = "SizeOverflow64", .raw = "10000000000000000\r\n", .verdict = kError},
      {.name = "SizeOverflowLong", .raw = "ffffffffffffffffffffffff\r\n", .verdict = kError},
      {.name = "SpaceInsideSize", .raw = "5 5\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "SpaceAfterSize", .raw = "5 \r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "TabAfterSize", .raw = "5\t\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "SpaceBeforeSize", .raw = " 5\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "BareLfAfterSize", .raw = "5\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "BareCrAfterSize", .raw = "5\rhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "LfOnly", .raw = "5\nhello\n0\n\n", .verdict = kError},
      {.name = "NulInSize", .raw = "5\0\r\nhello\r\n0\r\n\r\n"s, .verdict = kError},

      // --- Invalid extensions --------------------------------------------------------------------
      {.name = "ControlCharInExtension", .raw = "5;a\x01\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "NulInExtension", .raw = "5;a\0\r\nhello\r\n0\r\n\r\n"s, .verdict = kError},
      {.name = "DelInExtension", .raw = "5;a\x7f\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "BareLfInExtension", .raw = "5;a\nb\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "BareCrInExtension", .raw = "5;a\rb\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "LfEndsExtension", .raw = "5;a\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "CrlfInsideQuotes", .raw = "5;a=\"x\r\n\"\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "UnterminatedQuote", .raw = "5;a=\"x\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "EscapedQuoteThenCrlf",  // "\"" does not close the string: the CRLF is inside it
       .raw = "5;a=\"\\\"\r\nhello\r\n0\r\n\r\n",
       .verdict = kError},
      {.name = "EscapedCr", .raw = "5;a=\"\\\r\n\"\r\nhello\r\n0\r\n\r\n", .verdict = kError},
      {.name = "ExtensionTooLong",
       .raw = "5;" + std::string(5000, 'a') + "\r\nhello\r\n0\r\n\r\n",
       .verdict = kError},

      // --- Invalid data framing ------------------------------------------------------------------
      {.name = "DataLongerThanSize",
       .raw = "3\r\nhello\r\n0\r\n\r\n",
       .verdict = kError,
       .data = "hel"},
      {.name = "DataShorterThanSize",
       .raw = "7\r\nhello\r\n0\r\n\r\n",
       .verdict = kError,
       .data = "hello\r\n"},
      {.name = "MissingCrlfAfterData",
       .raw = "5\r\nhello0\r\n\r\n",
       .verdict = kError,
       .data = "hello"},
      {.name = "BareLfAfterData",
       .raw = "5\r\nhello\n0\r\n\r\n",
       .verdict = kError,
       .data = "hello"},
      {.name = "BareCrAfterData",
       .raw = "5\r\nhello\r0\r\n\r\n",
       .verdict = kError,
       .data = "hello"},

      // --- Invalid end and trailers --------------------------------------------------------------
      {.name = "BareLfEnd", .raw = "0\r\n\n", .verdict = kError},
      {.name = "CrCrLfEnd", .raw = "0\r\n\r\r\n", .verdict = kError},
      {.name = "ObsFoldTrailer", .raw = "0\r\nX: a\r\n b\r\n\r\n", .verdict = kError},
      {.name = "ObsFoldTabTrailer", .raw = "0\r\nX: a\r\n\tb\r\n\r\n", .verdict = kError},
      {.name = "TrailerNoColon", .raw = "0\r\nX-A\r\n\r\n", .verdict = kError},
      {.name = "TrailerSpaceBeforeColon", .raw = "0\r\nX : a\r\n\r\n", .verdict = kError},
      {.name = "TrailerEmptyName", .raw = "0\r\n: a\r\n\r\n", .verdict = kError},
      {.name = "TrailerControlChar", .raw = "0\r\nX: a\x01\r\n\r\n", .verdict = kError},
      {.name = "TrailerNulInName", .raw = "0\r\nX\0: a\r\n\r\n"s, .verdict = kError},
      {.name = "TrailerBareLf", .raw = "0\r\nX: a\n\r\n", .verdict = kError},
      {.name = "TrailerBareCr", .raw = "0\r\nX: a\rb\r\n\r\n", .verdict = kError},
      {.name = "TrailerTooLarge",
       .raw = "0\r\nX: " + std::string(17 * 1024, 'x') + "\r\n\r\n",
       .verdict = kError},
      {.name = "ManyTrailersTooLarge",
       .raw =
           [] {
             std::string s = "0\r\n";
             for (int i = 0; i < 2000; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
             return s + "\r\n";
           }(),
       .verdict = kError},
  };
}

struct Outcome {
  ParseState state = kIncomplete;
  std::string data;
  size_t consumed = 0;
};

// Feeds `raw` to a fresh decoder in pieces of at most `piece` bytes, each piece in a buffer of its
// own size (ASan sees any read past it), collecting data until the decoder stops.
Outcome decodeInPieces(std::string_view raw, size_t piece) {
  ChunkedDecoder decoder;
  Outcome out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t n = std::min(piece, raw.size() - pos);
    auto buf = std::make_unique<char[]>(n);
    raw.copy(buf.get(), n, pos);
    size_t off = 0;
    while (off < n) {  // a piece may hold several chunks: call until it is used up or we stop
      size_t used = 0;
      std::string_view data;
      out.state = decoder.decode(buf.get() + off, n - off, &used, &data);
      EXPECT_LE(used, n - off);
      out.data.append(data);
      off += used;
      if (out.state != kIncomplete) break;
      if (used == 0) {
        ADD_FAILURE() << "kIncomplete without consuming input";
        break;
      }
    }
    pos += off;
    out.consumed = pos;
    if (out.state != kIncomplete) break;
  }
  EXPECT_EQ(decoder.done(), out.state == kDone);
  return out;
}

class ChunkedVectorTest : public ::testing::TestWithParam<ChunkedVector> {};

void expectOutcome(const ChunkedVector& v, const Outcome& out) {
  ASSERT_EQ(out.state, v.verdict);
  if (v.verdict == kDone) {
    EXPECT_EQ(out.data, v.data);
    EXPECT_EQ(out.consumed, v.body_bytes ? v.body_bytes : v.raw.size());
  } else if (v.verdict == kIncomplete) {
    EXPECT_EQ(out.data, v.data);
    EXPECT_EQ(out.consumed, v.raw.size());
  } else {
    // Whatever was handed out before the error is a prefix of what the row expects.
    EXPECT_EQ(out.data, v.data.substr(0, out.data.size()));
  }
}

TEST_P(ChunkedVectorTest, WholeInput) {
  expectOutcome(GetParam(), decodeInPieces(GetParam().raw, SIZE_MAX));
}

TEST_P(ChunkedVectorTest, OneByteAtATime) {
  expectOutcome(GetParam(), decodeInPieces(GetParam().raw, 1));
}

TEST_P(ChunkedVectorTest, OddPieces) {
  Outcome whole = decodeInPieces(GetParam().raw, SIZE_MAX);
  for (size_t piece : {1, 2, 3, 7}) {
    SCOPED_TRACE(piece);
    Outcome out = decodeInPieces(GetParam().raw, piece);
    expectOutcome(GetParam(), out);
    // The decoder is a byte-wise state machine: even an error is found at the same byte.
    EXPECT_EQ(out.consumed, whole.consumed);
    EXPECT_EQ(out.data, whole.data);
  }
}

TEST_P(ChunkedVectorTest, SkipAgrees) {
  const ChunkedVector& v = GetParam();
  ChunkedDecoder decoder;
  size_t consumed = 0;
  ParseState st = decoder.skip(v.raw.data(), v.raw.size(), &consumed);
  EXPECT_EQ(st, v.verdict);
  if (v.verdict == kDone) {
    EXPECT_EQ(consumed, v.body_bytes ? v.body_bytes : v.raw.size());
    EXPECT_EQ(decoder.dataBytes(), v.data.size());
  }
  if (v.verdict == kError) {
    EXPECT_NE(std::string_view(decoder.error()), "");
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ChunkedVectorTest, ::testing::ValuesIn(chunkedVectors()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ChunkedVectors, NamesAreUnique) {
  std::set<std::string_view> names;
  for (const auto& v : chunkedVectors()) EXPECT_TRUE(names.insert(v.name).second) << v.name;
}

TEST(ChunkedDecoder, DoneDecoderConsumesNothingMore) {
  ChunkedDecoder decoder;
  std::string body = "0\r\n\r\n";
  size_t used = 0;
  ASSERT_EQ(decoder.skip(body.data(), body.size(), &used), kDone);
  std::string next = "GET";
  std::string_view data;
  EXPECT_EQ(decoder.decode(next.data(), next.size(), &used, &data), kDone);
  EXPECT_EQ(used, 0u);
  EXPECT_TRUE(data.empty());
}

TEST(ChunkedDecoder, ErrorIsSticky) {
  ChunkedDecoder decoder;
  std::string bad = "z\r\n";
  size_t used = 0;
  std::string_view data;
  EXPECT_EQ(decoder.decode(bad.data(), bad.size(), &used, &data), kError);
  std::string good = "0\r\n\r\n";
  EXPECT_EQ(decoder.decode(good.data(), good.size(), &used, &data), kError);
  EXPECT_EQ(used, 0u);
}

TEST(ChunkedDecoder, ResetStartsOver) {
  ChunkedDecoder decoder;
  std::string first = "3;a=\"x\r\nabc";  // left inside a quoted extension
  size_t used = 0;
  EXPECT_EQ(decoder.skip(first.data(), 5, &used), kIncomplete);
  decoder.reset();
  std::string second = "3\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(decoder.skip(second.data(), second.size(), &used), kDone);
  EXPECT_EQ(used, second.size());
  EXPECT_EQ(decoder.dataBytes(), 3u);
}

TEST(ChunkedDecoder, ErrorReportsBytesBeforeTheOffendingOne) {
  ChunkedDecoder decoder;
  std::string body = "5\r\nhelloX\r\n";
  size_t used = 12345;
  std::string_view data;
  ASSERT_EQ(decoder.decode(body.data(), body.size(), &used, &data), kIncomplete);
  EXPECT_EQ(used, 8u);
  used = 12345;
  EXPECT_EQ(decoder.decode(body.data() + 8, body.size() - 8, &used, &data), kError);
  EXPECT_EQ(used, 0u);  // 'X' is where the data's CRLF should be
  ChunkedDecoder other;
  std::string bad = "1;a\x01\r\n";
  used = 12345;
  EXPECT_EQ(other.decode(bad.data(), bad.size(), &used, &data), kError);
  EXPECT_EQ(used, 3u);
  EXPECT_TRUE(data.empty());
}

TEST(ChunkedDecoder, DataPiecesPointIntoInput) {
  ChunkedDecoder decoder;
  std::string body = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  size_t used = 0;
  std::string_view data;
  ASSERT_EQ(decoder.decode(body.data(), body.size(), &used, &data), kIncomplete);
  EXPECT_EQ(data, "abc");
  EXPECT_EQ(data.data(), body.data() + 3);
  EXPECT_EQ(used, 6u);
}

}  // namespace
}  // namespace floodgate::http
