// Request-smuggling and malformed-request vectors for RequestParser, as a table (Katran's packet
// fixtures): each row is the raw bytes a client sends and the verdict floodgate must reach. Every
// row is also fed one byte at a time, which must reach the same verdict at the same byte.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/parse_test_support.h"

namespace floodgate::http {
namespace {

using namespace std::literals;

using namespace testing_support;

struct RequestVector {
  const char* name;
  std::string raw;
  ParseState verdict;
  int status = 0;  // kError: the status to answer with
  // kDone: what the parser must have understood.
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  std::string_view host = "a";
  std::string_view path = "/";
  size_t head_bytes = 0;  // 0: the whole input is the head
  bool expect_continue = false;
  std::optional<Method> method = Method::kGet;
  int minor_version = 1;
};

// "GET / HTTP/1.1", Host: a, then `fields` (each ending in CRLF), then the blank line.
std::string get11(std::string_view fields) {
  return "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(fields) + "\r\n";
}
std::string post11(std::string_view fields) {
  return "POST / HTTP/1.1\r\nHost: a\r\n" + std::string(fields) + "\r\n";
}
std::string post10(std::string_view fields) {
  return "POST / HTTP/1.0\r\n" + std::string(fields) + "\r\n";
}

// A GET whose head is exactly `total` bytes, padded with one long field.
std::string headOfSize(size_t total) {
  std::string prefix = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
  std::string suffix = "\r\n\r\n";
  return prefix + std::string(total - prefix.size() - suffix.size(), 'p') + suffix;
}

// A GET with Host plus `extra` more fields.
std::string withFieldCount(size_t extra) {
  std::string fields;
  for (size_t i = 0; i < extra; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
  return get11(fields);
}

std::vector<RequestVector> requestVectors() {
  const auto kPost = Method::kPost;
  const auto kChunked = BodyFraming::kChunked;
  const auto kLength = BodyFraming::kContentLength;
  return {
      // --- Well-formed requests -----------------------------------------------------------------
      {.name = "SimpleGet", .raw = get11(""), .verdict = kDone},
      {.name = "Get10WithoutHost",
       .raw = "GET /x HTTP/1.0\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .host = "",
       .path = "/x",
       .minor_version = 0},
      {.name = "Http12AnsweredAs11", .raw = "GET / HTTP/1.2\r\nHost: a\r\n\r\n", .verdict = kDone},
      {.name = "PathAndQuery",
       .raw = "GET /a/b?c=d&e=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .path = "/a/b?c=d&e=%20"},
      {.name = "LowercaseMethodIsAnotherToken",
       .raw = "get / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .method = Method::kOther},
      {.name = "ExtensionMethod",
       .raw = "PURGE / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .method = Method::kOther},
      {.name = "ObsTextInValue", .raw = get11("X-Name: caf\xc3\xa9\r\n"), .verdict = kDone},
      {.name = "TabInsideValue", .raw = get11("X-A: a\tb\r\n"), .verdict = kDone},
      {.name = "EmptyValue", .raw = get11("X-Empty:\r\n"), .verdict = kDone},
      {.name = "HostWithPort",
       .raw = "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
       .verdict = kDone,
       .host = "a.example:8080"},
      {.name = "HostIpv6Literal",
       .raw = "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
       .verdict = kDone,
       .host = "[::1]:80"},
      {.name = "HostOwsTrimmed",
       .raw = "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n",
       .verdict = kDone},
      {.name = "EmptyHostAllowed",
       .raw = "GET / HTTP/1.1\r\nHost:\r\n\r\n",
       .verdict = kDone,
       .host = ""},
      {.name = "UnderscoreNameIsJustAField",  // not Content-Length: no body for floodgate
       .raw = post11("Content_Length: 5\r\n"),
       .verdict = kDone,
       .method = kPost},

      // --- Content-Length ------------------------------------------------------------------------
      {.name = "ContentLength",
       .raw = post11("Content-Length: 5\r\n") + "hello",
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5,
       .head_bytes = post11("Content-Length: 5\r\n").size(),
       .method = kPost},
      {.name = "ContentLengthZeroIsNoBody",
       .raw = post11("Content-Length: 0\r\n"),
       .verdict = kDone,
       .method = kPost},
      {.name = "ContentLengthLeadingZeros",
       .raw = post11("Content-Length: 007\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 7,
       .method = kPost},
      {.name = "ContentLengthOws",
       .raw = post11("Content-Length: \t 5 \t\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5,
       .method = kPost},
      {.name = "ContentLength18Digits",
       .raw = post11("Content-Length: 999999999999999999\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 999999999999999999ull,
       .method = kPost},
      {.name = "ContentLengthCaseInsensitiveName",
       .raw = post11("cOnTeNt-LeNgTh: 3\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 3,
       .method = kPost},
      {.name = "ContentLength19Digits",
       .raw = post11("Content-Length: 1000000000000000000\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthOverflow20Digits",
       .raw = post11("Content-Length: 18446744073709551616\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthPlusSign",
       .raw = post11("Content-Length: +5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthMinusSign",
       .raw = post11("Content-Length: -5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthSpaceInside",
       .raw = post11("Content-Length: 5 5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthCommaList",
       .raw = post11("Content-Length: 5, 5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthCommaNoSpace",
       .raw = post11("Content-Length: 5,5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthHex",
       .raw = post11("Content-Length: 0x5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthHexDigit",
       .raw = post11("Content-Length: 5a\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthDecimalPoint",
       .raw = post11("Content-Length: 5.0\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthEmpty",
       .raw = post11("Content-Length:\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthOnlyWhitespace",
       .raw = post11("Content-Length:  \t \r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthFullwidthDigit",
       .raw = post11("Content-Length: \xef\xbc\x95\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "DuplicateContentLengthSame",
       .raw = post11("Content-Length: 5\r\nContent-Length: 5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "DuplicateContentLengthDifferent",
       .raw = post11("Content-Length: 5\r\nContent-Length: 6\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthSpaceBeforeColon",
       .raw = post11("Content-Length : 5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "ContentLengthTabBeforeColon",
       .raw = post11("Content-Length\t: 5\r\n"),
       .verdict = kError,
       .status = 400},

      // --- Transfer-Encoding ---------------------------------------------------------------------
      {.name = "Chunked",
       .raw = post11("Transfer-Encoding: chunked\r\n"),
       .verdict = kDone,
       .framing = kChunked,
       .method = kPost},
      {.name = "ChunkedCaseInsensitive",
       .raw = post11("transfer-encoding: ChUnKeD\r\n"),
       .verdict = kDone,
       .framing = kChunked,
       .method = kPost},
      {.name = "ChunkedLeadingTabIsOws",
       .raw = post11("Transfer-Encoding:\tchunked\r\n"),
       .verdict = kDone,
       .framing = kChunked,
       .method = kPost},
      {.name = "ChunkedTrailingOws",
       .raw = post11("Transfer-Encoding:  chunked \t\r\n"),
       .verdict = kDone,
       .framing = kChunked,
       .method = kPost},
      {.name = "ChunkedWithBodyPipelined",
       .raw = post11("Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n",
       .verdict = kDone,
       .framing = kChunked,
       .head_bytes = post11("Transfer-Encoding: chunked\r\n").size(),
       .method = kPost},
      {.name = "ContentLengthAndTransferEncoding",
       .raw = post11("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingAndContentLength",
       .raw = post11("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingAndContentLengthZero",
       .raw = post11("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingGzip",  // chunked must be final (RFC 9112 6.3)
       .raw = post11("Transfer-Encoding: gzip\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingChunkedChunked",
       .raw = post11("Transfer-Encoding: chunked, chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingGzipChunked",  // well-formed, but a coding floodgate lacks
       .raw = post11("Transfer-Encoding: gzip, chunked\r\n"),
       .verdict = kError,
       .status = 501},
      {.name = "TransferEncodingChunkedGzip",
       .raw = post11("Transfer-Encoding: chunked, gzip\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingTrailingComma",
       .raw = post11("Transfer-Encoding: chunked,\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingIdentity",
       .raw = post11("Transfer-Encoding: identity\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingXchunked",
       .raw = post11("Transfer-Encoding: xchunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingChunkedVerticalTab",
       .raw = post11("Transfer-Encoding: chunked\x0b\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingChunkedFormFeed",
       .raw = post11("Transfer-Encoding: \x0c"
                     "chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingChunkSpaceEd",
       .raw = post11("Transfer-Encoding: chunk ed\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingQuotedChunked",
       .raw = post11("Transfer-Encoding: \"chunked\"\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingChunkedWithParameter",
       .raw = post11("Transfer-Encoding: chunked;q=1\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingEmpty",
       .raw = post11("Transfer-Encoding:\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingInHttp10",
       .raw = post10("Transfer-Encoding: chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "DuplicateTransferEncoding",
       .raw = post11("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "SplitTransferEncoding",
       .raw = post11("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingSpaceBeforeColon",
       .raw = post11("Transfer-Encoding : chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingObsFolded",
       .raw = post11("Transfer-Encoding:\r\n chunked\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "TransferEncodingLeadingSpaceName",  // continuation of the Host line
       .raw = post11(" Transfer-Encoding: chunked\r\n"),
       .verdict = kError,
       .status = 400},

      // --- Field syntax --------------------------------------------------------------------------
      {.name = "ObsFoldSpace", .raw = get11("X-A: a\r\n b\r\n"), .verdict = kError, .status = 400},
      {.name = "ObsFoldTab", .raw = get11("X-A: a\r\n\tb\r\n"), .verdict = kError, .status = 400},
      {.name = "ObsFoldFirstLine",
       .raw = "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "SpaceBeforeColon",
       .raw = "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "NoColon", .raw = get11("X-A\r\n"), .verdict = kError, .status = 400},
      {.name = "EmptyName", .raw = get11(": v\r\n"), .verdict = kError, .status = 400},
      {.name = "NulInName", .raw = get11("X-\0A: v\r\n"s), .verdict = kError, .status = 400},
      {.name = "NulInValue", .raw = get11("X-A: a\0b\r\n"s), .verdict = kError, .status = 400},
      {.name = "CrInName", .raw = get11("X-\rA: v\r\n"), .verdict = kError, .status = 400},
      {.name = "CrInValue", .raw = get11("X-A: a\rb\r\n"), .verdict = kError, .status = 400},
      {.name = "CrAtEndOfValue", .raw = get11("X-A: a\r\r\n"), .verdict = kError, .status = 400},
      {.name = "DelInName",
       .raw = get11("X-\x7f"
                    "A: v\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "DelInValue", .raw = get11("X-A: a\x7f\r\n"), .verdict = kError, .status = 400},
      {.name = "EscInValue", .raw = get11("X-A: a\x1b[0m\r\n"), .verdict = kError, .status = 400},
      {.name = "SohInName", .raw = get11("X\x01: v\r\n"), .verdict = kError, .status = 400},
      {.name = "VerticalTabInValue",
       .raw = get11("X-A: a\x0b"
                    "b\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "NonAsciiInName",
       .raw = get11("X-\xc3\xa9: v\r\n"),
       .verdict = kError,
       .status = 400},
      {.name = "SeparatorInName", .raw = get11("X(A): v\r\n"), .verdict = kError, .status = 400},

      // --- Line endings --------------------------------------------------------------------------
      {.name = "BareLfAfterRequestLine",
       .raw = "GET / HTTP/1.1\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "BareLfAfterField",
       .raw = "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "BareLfBlankLine",
       .raw = "GET / HTTP/1.1\r\nHost: a\r\n\n",
       .verdict = kError,
       .status = 400},
      {.name = "LfOnly", .raw = "GET / HTTP/1.1\nHost: a\n\n", .verdict = kError, .status = 400},
      {.name = "LeadingBareLf",
       .raw = "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "LeadingCrlfThenBareLf",
       .raw = "\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "BareCrAfterRequestLine",
       .raw = "GET / HTTP/1.1\rHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "BareCrBetweenFields",
       .raw = "GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "CrCrLfBlankLine",
       .raw = "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "LeadingCrlf", .raw = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .verdict = kDone},
      {.name = "FourLeadingCrlf",
       .raw = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone},
      {.name = "FiveLeadingCrlf",
       .raw = "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},

      // --- Host ----------------------------------------------------------------------------------
      {.name = "MissingHost11",
       .raw = "GET / HTTP/1.1\r\nX-A: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "DuplicateHost",
       .raw = "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "DuplicateHost10",
       .raw = "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithSpace",
       .raw = "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithSlash",
       .raw = "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithUserinfo",
       .raw = "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithQuote",
       .raw = "GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithNonAscii",
       .raw = "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "HostWithSubDelims",  // a valid reg-name (RFC 3986), if an odd one
       .raw = "GET / HTTP/1.1\r\nHost: a,b;c\r\n\r\n",
       .verdict = kDone,
       .host = "a,b;c"},

      // --- Request target ------------------------------------------------------------------------
      {.name = "AbsoluteForm",
       .raw = "GET http://a/x?y HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .path = "/x?y"},
      {.name = "AbsoluteFormNoPath",
       .raw = "GET http://a HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone},
      {.name = "AbsoluteFormHttpsWithPort",
       .raw = "GET https://a:8443/x HTTP/1.1\r\nHost: a:8443\r\n\r\n",
       .verdict = kDone,
       .host = "a:8443",
       .path = "/x"},
      {.name = "AbsoluteFormSchemeCaseInsensitive",
       .raw = "GET HTTP://A/x HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .host = "A",
       .path = "/x"},
      {.name = "AbsoluteForm10WithoutHost",
       .raw = "GET http://a/x HTTP/1.0\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .path = "/x",
       .minor_version = 0},
      {.name = "AbsoluteFormWithoutHost11",
       .raw = "GET http://a/x HTTP/1.1\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormUserinfo",
       .raw = "GET http://a@b/ HTTP/1.1\r\nHost: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormEmptyAuthority",
       .raw = "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormHostMismatch",
       .raw = "GET http://a/x HTTP/1.1\r\nHost: b\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormEmptyHostField",
       .raw = "GET http://a/x HTTP/1.1\r\nHost:\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormQueryWithoutPath",  // would need "/?q" rebuilt; refused instead
       .raw = "GET https://h?q HTTP/1.1\r\nHost: h\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormFtpScheme",
       .raw = "GET ftp://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AbsoluteFormBackslashAuthority",
       .raw = "GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "RelativeTarget",
       .raw = "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "AsteriskOptions",
       .raw = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .path = "*",
       .method = Method::kOptions},
      {.name = "AsteriskGet",
       .raw = "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "ConnectAuthorityForm",
       .raw = "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
       .verdict = kError,
       .status = 501},
      {.name = "ConnectOriginForm",
       .raw = "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 501},
      {.name = "TargetWithFragment",
       .raw = "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TargetNonAscii",
       .raw = "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TargetControlChar",
       .raw = "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TargetNul",
       .raw = "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s,
       .verdict = kError,
       .status = 400},
      {.name = "TargetDel",
       .raw = "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},

      // --- Request line --------------------------------------------------------------------------
      {.name = "TwoSpacesAfterMethod",
       .raw = "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TwoSpacesBeforeVersion",
       .raw = "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TabSeparator",
       .raw = "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "TabBeforeVersion",
       .raw = "GET /\tHTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "LeadingSpace",
       .raw = " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "EmptyMethod",
       .raw = " / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "MethodWithSeparator",
       .raw = "GE[T / HTTP/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "LowercaseVersion",
       .raw = "GET / http/1.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "Http20",
       .raw = "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 505},
      {.name = "Http09Version",
       .raw = "GET / HTTP/0.9\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 505},
      {.name = "Http09NoVersion", .raw = "GET /\r\n\r\n", .verdict = kError, .status = 400},
      {.name = "GarbageAfterVersion",
       .raw = "GET / HTTP/1.1x\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "SpaceAfterVersion",
       .raw = "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "VersionWithoutMinor",
       .raw = "GET / HTTP/1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "VersionTwoDigitMajor",
       .raw = "GET / HTTP/11.1\r\nHost: a\r\n\r\n",
       .verdict = kError,
       .status = 400},
      {.name = "EmptyRequestLine",
       .raw = "\r\n\r\n\r\n\r\n\r\n\r\n",
       .verdict = kError,
       .status = 400},

      // --- Limits --------------------------------------------------------------------------------
      {.name = "HundredFields", .raw = withFieldCount(99), .verdict = kDone},
      {.name = "TooManyFields", .raw = withFieldCount(100), .verdict = kError, .status = 431},
      {.name = "HeadAtMaxBytes", .raw = headOfSize(16 * 1024), .verdict = kDone},
      {.name = "HeadOverMaxBytes",
       .raw = headOfSize(16 * 1024 + 1),
       .verdict = kError,
       .status = 431},
      {.name = "UnendedHeadOverMaxBytes",
       .raw = "GET / HTTP/1.1\r\nX: " + std::string(16 * 1024, 'x'),
       .verdict = kError,
       .status = 431},
      {.name = "LeadingCrlfNotCountedInMax",
       .raw = "\r\n" + headOfSize(16 * 1024),
       .verdict = kDone},

      // --- Expect --------------------------------------------------------------------------------
      {.name = "ExpectContinueWithBody",
       .raw = post11("Content-Length: 5\r\nExpect: 100-continue\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5,
       .expect_continue = true,
       .method = kPost},
      {.name = "ExpectContinueChunked",
       .raw = post11("Transfer-Encoding: chunked\r\nExpect: 100-Continue\r\n"),
       .verdict = kDone,
       .framing = kChunked,
       .expect_continue = true,
       .method = kPost},
      {.name = "ExpectContinueWithoutBody",
       .raw = get11("Expect: 100-continue\r\n"),
       .verdict = kDone},
      {.name = "ExpectContinueHttp10Ignored",  // RFC 9110 10.1.1
       .raw = post10("Content-Length: 5\r\nExpect: 100-continue\r\n"),
       .verdict = kDone,
       .framing = kLength,
       .content_length = 5,
       .keep_alive = false,
       .host = "",
       .method = kPost,
       .minor_version = 0},
      {.name = "ExpectOther",
       .raw = post11("Content-Length: 5\r\nExpect: 200-ok\r\n"),
       .verdict = kError,
       .status = 417},
      {.name = "ExpectEmpty", .raw = get11("Expect:\r\n"), .verdict = kError, .status = 417},

      // --- Connection ----------------------------------------------------------------------------
      {.name = "Close11",
       .raw = get11("Connection: close\r\n"),
       .verdict = kDone,
       .keep_alive = false},
      {.name = "CloseCaseInsensitive",
       .raw = get11("Connection: Close\r\n"),
       .verdict = kDone,
       .keep_alive = false},
      {.name = "CloseInList",
       .raw = get11("Connection: x-a, close\r\n"),
       .verdict = kDone,
       .keep_alive = false},
      {.name = "KeepAlive11", .raw = get11("Connection: keep-alive\r\n"), .verdict = kDone},
      {.name = "Default10",
       .raw = "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "KeepAlive10",
       .raw = "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
       .verdict = kDone,
       .minor_version = 0},
      {.name = "Close10",
       .raw = "GET / HTTP/1.0\r\nHost: a\r\nConnection: close\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "KeepAliveThenClose10",
       .raw = "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "CloseThenKeepAlive10",  // close wins whatever the order
       .raw = "GET / HTTP/1.0\r\nHost: a\r\nConnection: close, keep-alive\r\n\r\n",
       .verdict = kDone,
       .keep_alive = false,
       .minor_version = 0},
      {.name = "DuplicateConnection",  // one `connection` view cannot hold two lists
       .raw = get11("Connection: keep-alive\r\nConnection: close\r\n"),
       .verdict = kError,
       .status = 400},

      // --- Pipelining and incomplete input -------------------------------------------------------
      {.name = "PipelinedSecondRequest",
       .raw = get11("") + "GET /b HTTP/1.1\r\nHost: b\r\n\r\n",
       .verdict = kDone,
       .head_bytes = get11("").size()},
      {.name = "PipelinedGarbageAfterHead",
       .raw = get11("") + "\x16\x03\x01\x00",
       .verdict = kDone,
       .head_bytes = get11("").size()},
      {.name = "Empty", .raw = "", .verdict = kIncomplete},
      {.name = "OnlyCr", .raw = "\r", .verdict = kIncomplete},
      {.name = "OnlyCrlf", .raw = "\r\n", .verdict = kIncomplete},
      {.name = "NoBlankLine", .raw = "GET / HTTP/1.1\r\nHost: a\r\n", .verdict = kIncomplete},
      {.name = "BlankLineCrOnly", .raw = "GET / HTTP/1.1\r\nHost: a\r\n\r", .verdict = kIncomplete},
      {.name = "GarbageWithoutLf", .raw = "\x16\x03\x01\x02\x00\x01", .verdict = kIncomplete},
  };
}

void expectAccepted(const RequestVector& v, const RequestHead& head) {
  EXPECT_EQ(head.framing, v.framing);
  EXPECT_EQ(head.content_length, v.content_length);
  EXPECT_EQ(head.keep_alive, v.keep_alive);
  EXPECT_EQ(head.host, v.host);
  EXPECT_EQ(head.path, v.path);
  EXPECT_EQ(head.head_bytes, v.head_bytes ? v.head_bytes : v.raw.size());
  EXPECT_EQ(head.expect_continue, v.expect_continue);
  EXPECT_EQ(head.minor_version, v.minor_version);
  if (v.method) {
    EXPECT_EQ(head.method, *v.method);
  }
}

void PrintTo(const RequestVector& v, std::ostream* os) { *os << v.name; }

class RequestVectorTest : public ::testing::TestWithParam<RequestVector> {};

TEST_P(RequestVectorTest, WholeInput) {
  const RequestVector& v = GetParam();
  auto buf = exactCopy(v.raw);
  RequestParser parser;
  RequestHead head;
  ParseState st = parser.parse(buf.get(), v.raw.size(), &head);
  ASSERT_EQ(st, v.verdict) << "error: " << parser.error().status << " " << parser.error().reason;
  if (st == kDone) expectAccepted(v, head);
  if (st == kError) {
    EXPECT_EQ(parser.error().status, v.status) << parser.error().reason;
  }
}

TEST_P(RequestVectorTest, OneByteAtATime) {
  const RequestVector& v = GetParam();
  RequestParser parser;
  RequestHead head;
  auto [st, fed] = feedOneByteAtATime(
      v.raw, [&](const char* data, size_t size) { return parser.parse(data, size, &head); },
      [&](size_t fed) {
        expectAccepted(v, head);  // `head` views the fed buffer: check before it goes
        EXPECT_EQ(fed, head.head_bytes) << "kDone before or after the end of the head";
      });
  ASSERT_EQ(st, v.verdict) << "after " << fed << " bytes; error: " << parser.error().reason;
  if (st == kError) {
    EXPECT_EQ(parser.error().status, v.status) << parser.error().reason;
  }
}

TEST_P(RequestVectorTest, ReusedParserAndHead) {
  // The same parser and head, after a first request on the connection, give the same verdict.
  const RequestVector& v = GetParam();
  std::string first =
      "POST /first HTTP/1.1\r\nHost: z\r\nContent-Length: 1\r\n"
      "Expect: 100-continue\r\nConnection: x-a\r\n\r\n";
  RequestParser parser;
  RequestHead head;
  ASSERT_EQ(parser.parse(first.data(), first.size(), &head), kDone);
  parser.reset();
  auto buf = exactCopy(v.raw);
  ParseState st = parser.parse(buf.get(), v.raw.size(), &head);
  ASSERT_EQ(st, v.verdict);
  if (st == kDone) expectAccepted(v, head);
}

INSTANTIATE_TEST_SUITE_P(Vectors, RequestVectorTest, ::testing::ValuesIn(requestVectors()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RequestVectors, NamesAreUniqueAndTableIsLarge) {
  auto vectors = requestVectors();
  std::set<std::string_view> names;
  for (const auto& v : vectors) EXPECT_TRUE(names.insert(v.name).second) << v.name;
  EXPECT_GE(vectors.size(), 150u);
}

TEST(RequestParser, PipelinedRequestsOnOneConnection) {
  std::string wire =
      "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: b\r\nX-B: 1\r\n\r\n"
      "\r\nGET /c HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n";
  RequestParser parser;
  RequestHead head;
  size_t pos = 0;

  ASSERT_EQ(parser.parse(wire.data() + pos, wire.size() - pos, &head), kDone);
  EXPECT_EQ(head.path, "/a");
  EXPECT_EQ(head.content_length, 3u);
  pos += head.head_bytes + head.content_length;
  parser.reset();

  ASSERT_EQ(parser.parse(wire.data() + pos, wire.size() - pos, &head), kDone);
  EXPECT_EQ(head.path, "/b");
  EXPECT_EQ(head.framing, BodyFraming::kNone);
  EXPECT_EQ(head.header("x-b"), "1");
  EXPECT_EQ(head.header("content-length"), "");
  EXPECT_EQ(head.headers.size(), 2u);
  pos += head.head_bytes;
  parser.reset();

  ASSERT_EQ(parser.parse(wire.data() + pos, wire.size() - pos, &head), kDone);
  EXPECT_EQ(head.path, "/c");
  EXPECT_FALSE(head.keep_alive);
  pos += head.head_bytes;
  EXPECT_EQ(pos, wire.size());
}

TEST(RequestParser, HeaderFieldsKeepOrderAndTrimmedValues) {
  std::string wire = "GET / HTTP/1.1\r\nHost: a\r\nX-One:  1 \r\nx-two:2\r\nX-One: 3\r\n\r\n";
  RequestParser parser;
  RequestHead head;
  ASSERT_EQ(parser.parse(wire.data(), wire.size(), &head), kDone);
  ASSERT_EQ(head.headers.size(), 4u);
  EXPECT_EQ(head.headers[1].name, "X-One");
  EXPECT_EQ(head.headers[1].value, "1");
  EXPECT_EQ(head.headers[2].value, "2");
  EXPECT_EQ(head.header("X-TWO"), "2");
  EXPECT_EQ(head.header("x-one"), "1");
  EXPECT_EQ(head.method_token, "GET");
  EXPECT_EQ(head.target, "/");
}

TEST(RequestParser, CustomLimits) {
  RequestParser parser(ParseLimits{.max_head_bytes = 64, .max_headers = 2});
  RequestHead head;
  std::string ok = "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n";
  EXPECT_EQ(parser.parse(ok.data(), ok.size(), &head), kDone);
  parser.reset();
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n";
  EXPECT_EQ(parser.parse(many.data(), many.size(), &head), kError);
  EXPECT_EQ(parser.error().status, 431);
  parser.reset();
  std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(64, 'x') + "\r\n\r\n";
  EXPECT_EQ(parser.parse(big.data(), big.size(), &head), kError);
  EXPECT_EQ(parser.error().status, 431);
}

TEST(RequestParser, AbsoluteFormAuthority) {
  std::string wire = "GET http://a:81/p HTTP/1.1\r\nHost: a:81\r\n\r\n";
  RequestParser parser;
  RequestHead head;
  ASSERT_EQ(parser.parse(wire.data(), wire.size(), &head), kDone);
  EXPECT_EQ(head.authority, "a:81");
  EXPECT_EQ(head.target, "http://a:81/p");
  EXPECT_EQ(head.path, "/p");
}

struct ContentLengthCase {
  std::string_view value;
  bool ok;
  uint64_t n = 0;
};

TEST(ParseContentLength, Table) {
  const ContentLengthCase cases[] = {
      {"0", true, 0},
      {"1", true, 1},
      {"0001", true, 1},
      {"123456789012345678", true, 123456789012345678ull},
      {"1234567890123456789", false},
      {"99999999999999999999", false},
      {"", false},
      {" 1", false},  // callers trim OWS; the value itself is only digits
      {"1 ", false},
      {"+1", false},
      {"-1", false},
      {"1,1", false},
      {"0x1", false},
      {"1e3", false},
      {"1\0"sv, false},
  };
  for (const auto& c : cases) {
    uint64_t n = 12345;
    EXPECT_EQ(parseContentLength(c.value, &n), c.ok) << "'" << c.value << "'";
    if (c.ok) {
      EXPECT_EQ(n, c.n) << c.value;
    }
  }
}

TEST(ParseHeaderLines, CountsAgainstLimitAndRefusesBadLines) {
  std::vector<HeaderField> headers;
  ParseError error;
  EXPECT_EQ(parseHeaderLines("A: 1\r\nB: 2\r\n", 2, &headers, &error), kDone);
  EXPECT_EQ(headers.size(), 2u);
  headers.clear();
  EXPECT_EQ(parseHeaderLines("A: 1\r\nB: 2\r\nC: 3\r\n", 2, &headers, &error), kError);
  EXPECT_EQ(error.status, 431);
  headers.clear();
  EXPECT_EQ(parseHeaderLines("A: 1\r\n\tcont\r\n", 10, &headers, &error), kError);
  EXPECT_EQ(error.status, 400);
  headers.clear();
  EXPECT_EQ(parseHeaderLines("", 10, &headers, &error), kDone);
  EXPECT_TRUE(headers.empty());
}

}  // namespace
}  // namespace floodgate::http
