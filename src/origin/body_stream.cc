#include "origin/body_stream.h"

#include <algorithm>

#include "origin/body_pattern.h"

namespace floodgate::origin {
namespace {

void appendHex(Buffer* out, uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[16];
  int i = sizeof(digits);
  do {
    digits[--i] = kHex[n & 15];
    n >>= 4;
  } while (n != 0);
  out->append(digits + i, sizeof(digits) - i);
}

}  // namespace

std::string_view BodyStream::next(Buffer* out) {
  if (!active_) return {};
  if (remaining_ == 0) {
    if (chunked_) out->append(offset_ > 0 ? "\r\n0\r\n\r\n" : "0\r\n\r\n");
    active_ = false;
    return {};
  }
  std::string_view piece =
      patternPiece(offset_, static_cast<size_t>(std::min<uint64_t>(remaining_, kMaxPatternPiece)));
  if (chunked_) {
    if (offset_ > 0) out->append("\r\n");  // ends the previous chunk's data
    appendHex(out, piece.size());
    out->append("\r\n");
  }
  offset_ += piece.size();
  remaining_ -= piece.size();
  return piece;
}

}  // namespace floodgate::origin
