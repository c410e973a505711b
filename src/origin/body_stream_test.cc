#include "origin/body_stream.h"

#include <gtest/gtest.h>

#include <string>

#include "http/chunked.h"
#include "origin/body_pattern.h"

namespace floodgate::origin {
namespace {

// Runs the stream to its end; returns framing and pieces in wire order.
std::string drain(BodyStream* s) {
  std::string wire;
  Buffer framing;
  while (s->active()) {
    std::string_view piece = s->next(&framing);
    wire.append(framing.view());
    framing.clear();
    wire.append(piece);
  }
  return wire;
}

bool isPattern(std::string_view body) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != kPatternLine[i % kPatternLine.size()]) return false;
  }
  return true;
}

TEST(BodyStream, PlainBodyIsExactlyNPatternBytes) {
  for (uint64_t n : {0ull, 1ull, 63ull, 64ull, 65536ull, 65537ull, 300001ull}) {
    BodyStream s;
    s.start(n, false);
    std::string body = drain(&s);
    EXPECT_EQ(body.size(), n);
    EXPECT_TRUE(isPattern(body));
  }
}

TEST(BodyStream, ChunkedBodyDecodesToTheSameBytes) {
  for (uint64_t n : {0ull, 5ull, 65536ull, 200000ull}) {
    BodyStream s;
    s.start(n, true);
    std::string wire = drain(&s);
    http::ChunkedDecoder decoder;
    std::string body;
    size_t pos = 0;
    http::ParseState st = http::ParseState::kIncomplete;
    while (pos < wire.size() && st == http::ParseState::kIncomplete) {
      size_t used = 0;
      std::string_view data;
      st = decoder.decode(wire.data() + pos, wire.size() - pos, &used, &data);
      body.append(data);
      pos += used;
    }
    EXPECT_EQ(st, http::ParseState::kDone) << n;
    EXPECT_EQ(pos, wire.size());
    EXPECT_EQ(body.size(), n);
    EXPECT_TRUE(isPattern(body));
  }
}

TEST(BodyStream, PiecesAreBounded) {
  BodyStream s;
  s.start(uint64_t{1} << 40, false);  // 1 TiB: only counters, never the body
  Buffer framing;
  EXPECT_EQ(s.next(&framing).size(), kMaxPatternPiece);
  EXPECT_TRUE(s.active());
}

}  // namespace
}  // namespace floodgate::origin
