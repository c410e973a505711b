// What the parser test tables share: short names for the verdicts, exact-size input buffers
// (so ASan catches a read past the end) and feeding an input one byte at a time.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "http/message.h"

namespace floodgate::http::testing_support {

constexpr auto kDone = ParseState::kDone;
constexpr auto kIncomplete = ParseState::kIncomplete;
constexpr auto kError = ParseState::kError;

// A copy of `raw` in a buffer of exactly its size.
inline std::unique_ptr<char[]> exactCopy(std::string_view raw) {
  auto buf = std::make_unique<char[]>(raw.size());
  raw.copy(buf.get(), raw.size());
  return buf;
}

// Feeds growing prefixes of `raw`, one byte longer each time and each in a fresh exact-size
// buffer (a parser may keep offsets between calls, never pointers), while `parse(data, size)`
// answers kIncomplete and input remains. `on_done(fed)` runs on kDone while the buffer that the
// parsed views point into is still alive. Returns the last verdict and how many bytes were fed.
template <class Parse, class OnDone>
std::pair<ParseState, size_t> feedOneByteAtATime(std::string_view raw, Parse parse,
                                                 OnDone on_done) {
  ParseState st = kIncomplete;
  size_t fed = 0;
  while (st == kIncomplete && fed < raw.size()) {
    ++fed;
    auto buf = exactCopy(raw.substr(0, fed));
    st = parse(buf.get(), fed);
    if (st == kDone) on_done(fed);
  }
  return {st, fed};
}

}  // namespace floodgate::http::testing_support
