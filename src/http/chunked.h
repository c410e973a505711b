// ChunkedDecoder: a strict, incremental decoder of the chunked transfer coding (RFC 9112 7.1).
// The proxy forwards the original bytes and uses the decoder only to validate them and to find
// exactly where the body ends; the origin and storm use the decoded data.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/message.h"

namespace floodgate::http {

class ChunkedDecoder {
 public:
  // Consumes bytes from `in` until it has one piece of chunk data to hand out, the input runs
  // out, or the body ends. *consumed is how many input bytes were used (protocol bytes and the
  // data piece); *data is the data piece (a view into `in`, possibly empty).
  // Returns kDone once the last chunk and trailer section are consumed, kIncomplete while more
  // is expected, kError on malformed framing (see error(); *consumed then counts the bytes
  // before the offending one).
  ParseState decode(const char* in, size_t len, size_t* consumed, std::string_view* data);
  // Validates and consumes as much of `in` as belongs to the body, ignoring the data pieces.
  ParseState skip(const char* in, size_t len, size_t* consumed);

  bool done() const { return state_ == State::kDone; }
  void reset() { *this = ChunkedDecoder(); }
  const char* error() const { return error_; }
  uint64_t dataBytes() const { return data_bytes_; }

 private:
  enum class State : uint8_t {
    kSize,
    kSizeBws,
    kExt,
    kExtQuoted,
    kExtQuotedPair,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerName,
    kTrailerLine,
    kTrailerLf,
    kEndLf,
    kDone,
    kError
  };
  ParseState failWith(const char* reason) {
    state_ = State::kError;
    error_ = reason;
    return ParseState::kError;
  }

  State state_ = State::kSize;
  uint64_t remaining_ = 0;  // of the current chunk
  int size_digits_ = 0;
  size_t line_bytes_ = 0;     // of the current extension or trailer line
  size_t trailer_bytes_ = 0;  // of the whole trailer section
  uint64_t data_bytes_ = 0;
  const char* error_ = "";
};

}  // namespace floodgate::http
