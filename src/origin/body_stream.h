// BodyStream: a generated body of N bytes (see body_pattern.h) handed out piece by piece, in the
// chunked coding if asked. It holds a few counters, never the body: a 1 TiB download costs the
// same memory as a 1 KiB one, and the socket's pace sets the stream's.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/buffer.h"

namespace floodgate::origin {

class BodyStream {
 public:
  void start(uint64_t bytes, bool chunked) {
    remaining_ = bytes;
    offset_ = 0;
    chunked_ = chunked;
    active_ = true;
  }
  bool active() const { return active_; }

  // Appends the framing that comes before the next piece to `out` and returns the piece (static
  // memory). At the end it appends the last chunk if chunked, returns an empty piece and stops
  // being active.
  std::string_view next(Buffer* out);

 private:
  uint64_t remaining_ = 0;
  uint64_t offset_ = 0;
  bool chunked_ = false;
  bool active_ = false;
};

}  // namespace floodgate::origin
