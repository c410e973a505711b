// libFuzzer target for the HTTP/1.1 parsers: RequestParser on the input (whole, and fed in two
// pieces split where the first byte says), ChunkedDecoder on what follows the head, and
// ResponseParser on the whole input. Beyond "no crash, no sanitizer report" it checks that the
// parsers never claim bytes they were not given, that views point into the input, and that
// feeding the same bytes in pieces reaches the same verdict as feeding them at once (the
// property a slowloris or a TCP segment boundary must not be able to change).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chunked.h"
#include "http/request_parser.h"
#include "http/response_parser.h"

using namespace floodgate::http;

namespace {

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

bool within(std::string_view view, const char* begin, size_t len) {
  if (view.empty()) return true;
  return view.data() >= begin && view.data() + view.size() <= begin + len;
}

bool knownRequestStatus(int status) {
  return status == 400 || status == 417 || status == 431 || status == 501 || status == 505;
}

void checkRequestHead(const RequestHead& head, const char* in, size_t len, ParseLimits limits) {
  FUZZ_CHECK(head.head_bytes >= 4 && head.head_bytes <= len);
  const size_t n = head.head_bytes;
  FUZZ_CHECK(in[n - 1] == '\n' && in[n - 2] == '\r' && in[n - 3] == '\n' && in[n - 4] == '\r');
  FUZZ_CHECK(!head.method_token.empty() && within(head.method_token, in, n));
  FUZZ_CHECK(!head.target.empty() && within(head.target, in, n));
  // The path views the input, except the static "/" of an absolute-form target without one.
  FUZZ_CHECK(!head.path.empty() && (within(head.path, in, n) || head.path == "/"));
  FUZZ_CHECK(head.path[0] == '/' || head.path == "*");
  FUZZ_CHECK(within(head.host, in, n) && within(head.authority, in, n));
  FUZZ_CHECK(within(head.connection, in, n));
  FUZZ_CHECK(head.minor_version == 0 || head.minor_version == 1);
  FUZZ_CHECK(head.headers.size() <= limits.max_headers);
  FUZZ_CHECK(head.head_bytes <= limits.max_head_bytes + 8);  // + skipped leading CRLFs
  FUZZ_CHECK(head.method != Method::kConnect);
  for (const auto& h : head.headers) {
    FUZZ_CHECK(!h.name.empty() && within(h.name, in, n) && within(h.value, in, n));
    for (char c : h.value) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  switch (head.framing) {
    case BodyFraming::kNone:
      FUZZ_CHECK(head.content_length == 0);
      FUZZ_CHECK(!head.expect_continue);
      break;
    case BodyFraming::kContentLength:
      FUZZ_CHECK(head.content_length > 0);
      break;
    case BodyFraming::kChunked:
      FUZZ_CHECK(head.minor_version == 1 && head.content_length == 0);
      break;
    case BodyFraming::kUntilClose:
      FUZZ_CHECK(false && "a request body never runs until close");
  }
  if (head.minor_version == 0) FUZZ_CHECK(!head.expect_continue);
}

// Decodes `body` with `decoder` in pieces of at most `piece` bytes; returns the verdict and fills
// the number of bytes consumed and the data handed out.
ParseState decodeChunked(const char* body, size_t len, size_t piece, size_t* consumed,
                         std::string* data) {
  ChunkedDecoder decoder;
  ParseState st = ParseState::kIncomplete;
  size_t pos = 0;
  while (pos < len && st == ParseState::kIncomplete) {
    size_t end = pos + std::min(piece, len - pos);
    while (pos < end) {
      size_t used = 0;
      std::string_view out;
      st = decoder.decode(body + pos, end - pos, &used, &out);
      FUZZ_CHECK(used <= end - pos);
      FUZZ_CHECK(within(out, body + pos, used));
      FUZZ_CHECK(out.empty() || st == ParseState::kIncomplete);
      data->append(out);
      pos += used;
      if (st != ParseState::kIncomplete) break;
      FUZZ_CHECK(used > 0);
    }
  }
  *consumed = pos;
  FUZZ_CHECK(decoder.done() == (st == ParseState::kDone));
  FUZZ_CHECK(decoder.dataBytes() == data->size());
  if (st == ParseState::kError) FUZZ_CHECK(decoder.error()[0] != '\0');
  return st;
}

void fuzzRequest(const char* in, size_t len, size_t split, ParseLimits limits, size_t* body_start) {
  RequestParser whole_parser(limits);
  RequestHead whole;
  ParseState st = whole_parser.parse(in, len, &whole);
  if (st == ParseState::kDone) checkRequestHead(whole, in, len, limits);
  if (st == ParseState::kError) {
    FUZZ_CHECK(knownRequestStatus(whole_parser.error().status));
    FUZZ_CHECK(whole_parser.error().reason[0] != '\0');
  }

  // The same bytes in two pieces: the prefix's verdict must be consistent with the whole one.
  RequestParser split_parser(limits);
  RequestHead head;
  ParseState first = split_parser.parse(in, split, &head);
  if (first == ParseState::kDone) {
    checkRequestHead(head, in, split, limits);
    FUZZ_CHECK(st == ParseState::kDone && head.head_bytes == whole.head_bytes);
  } else if (first == ParseState::kError) {
    FUZZ_CHECK(st == ParseState::kError);
  } else {
    FUZZ_CHECK(split_parser.parse(in, len, &head) == st);
    if (st == ParseState::kDone) {
      FUZZ_CHECK(head.head_bytes == whole.head_bytes && head.framing == whole.framing &&
                 head.content_length == whole.content_length &&
                 head.keep_alive == whole.keep_alive && head.host == whole.host &&
                 head.path == whole.path && head.headers.size() == whole.headers.size());
    }
  }
  // The body follows the head; input that is no request is decoded as a body from its start.
  *body_start = st == ParseState::kDone ? whole.head_bytes : 0;

  // A second request after the first one's head and Content-Length body (pipelining).
  if (st == ParseState::kDone && whole.framing != BodyFraming::kChunked &&
      whole.content_length <= len - whole.head_bytes) {
    size_t next = whole.head_bytes + whole.content_length;
    whole_parser.reset();
    if (whole_parser.parse(in + next, len - next, &head) == ParseState::kDone) {
      checkRequestHead(head, in + next, len - next, limits);
    }
  }
}

void fuzzChunked(const char* body, size_t len, size_t piece) {
  size_t consumed = 0, consumed_pieces = 0;
  std::string data, data_pieces;
  ParseState st = decodeChunked(body, len, SIZE_MAX, &consumed, &data);
  FUZZ_CHECK(consumed <= len);
  if (st == ParseState::kDone) {
    FUZZ_CHECK(consumed >= 5);
    FUZZ_CHECK(body[consumed - 1] == '\n' && body[consumed - 2] == '\r');
  }
  if (st == ParseState::kIncomplete) FUZZ_CHECK(consumed == len);
  // A byte-wise state machine: the pieces it is fed in cannot change anything.
  ParseState st_pieces = decodeChunked(body, len, piece, &consumed_pieces, &data_pieces);
  FUZZ_CHECK(st == st_pieces && consumed == consumed_pieces && data == data_pieces);

  ChunkedDecoder skipper;
  size_t skipped = 0;
  FUZZ_CHECK(skipper.skip(body, len, &skipped) == st);
  FUZZ_CHECK(skipped == consumed && skipper.dataBytes() == data.size());
}

void fuzzResponse(const char* in, size_t len, size_t split, Method method, ParseLimits limits) {
  ResponseParser parser(limits);
  ResponseHead head;
  ParseState st = parser.parse(in, len, method, &head);
  if (st == ParseState::kError) {
    FUZZ_CHECK(parser.error().status == 502 && parser.error().reason[0] != '\0');
  }
  if (st == ParseState::kDone) {
    FUZZ_CHECK(head.head_bytes >= 4 && head.head_bytes <= len);
    FUZZ_CHECK(head.status >= 100 && head.status <= 599);
    FUZZ_CHECK(within(head.reason, in, head.head_bytes));
    FUZZ_CHECK(within(head.connection, in, head.head_bytes));
    for (const auto& h : head.headers) {
      FUZZ_CHECK(within(h.name, in, head.head_bytes) && within(h.value, in, head.head_bytes));
    }
    bool bodyless =
        head.interim() || head.status == 204 || head.status == 304 || method == Method::kHead;
    if (bodyless) FUZZ_CHECK(head.framing == BodyFraming::kNone);
    if (head.framing == BodyFraming::kUntilClose) FUZZ_CHECK(!head.keep_alive);
    if (head.framing == BodyFraming::kContentLength) FUZZ_CHECK(head.content_length > 0);
  }
  ResponseParser split_parser(limits);
  ResponseHead split_head;
  ParseState first = split_parser.parse(in, split, method, &split_head);
  if (first == ParseState::kIncomplete) first = split_parser.parse(in, len, method, &split_head);
  FUZZ_CHECK(first == st);
  if (st == ParseState::kDone) {
    FUZZ_CHECK(split_head.head_bytes == head.head_bytes && split_head.framing == head.framing &&
               split_head.keep_alive == head.keep_alive && split_head.status == head.status);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* in = reinterpret_cast<const char*>(data);
  // The first byte picks where to split the input, and (low bits) the piece size for the
  // chunked decoder and the request method for the response parser. It stays part of the input
  // too: seeds are plain HTTP, so their first byte is a letter or CR.
  uint8_t knob = size > 0 ? data[0] : 0;
  size_t split = size > 0 ? (static_cast<size_t>(knob) * 131) % (size + 1) : 0;

  // Inputs starting with a byte >= 0x80 (never a seed's) run with small limits, so the fuzzer
  // reaches the 431 paths without 16 KiB inputs.
  ParseLimits limits;
  if (knob & 0x80) limits = {.max_head_bytes = 32u + knob % 64u, .max_headers = knob % 5u};

  size_t body_start = 0;
  fuzzRequest(in, size, split, limits, &body_start);
  fuzzChunked(in + body_start, size - body_start, 1 + knob % 7);
  fuzzResponse(in, size, split, (knob & 1) ? Method::kHead : Method::kGet, limits);
  return 0;
}
