#include "http/head_scanner.h"

#include <cstring>

namespace floodgate::http {

ParseState HeadScanner::scan(const char* data, size_t len, size_t max_bytes, size_t* head_len,
                             ParseError* error) {
  // Skip up to four empty lines sent before the request line (e.g. after a POST body). A CR that
  // is the last byte so far may start one: wait for the next byte rather than scan past it, or
  // the same bytes would be refused when they arrive one at a time and accepted all at once.
  while (scanned_ == leading_ && leading_ < 8 && leading_ < len && data[leading_] == '\r') {
    if (leading_ + 1 == len) return ParseState::kIncomplete;
    if (data[leading_ + 1] != '\n') break;
    leading_ += 2;
    scanned_ = leading_;
  }
  size_t pos = scanned_;
  while (pos < len) {
    const void* hit = std::memchr(data + pos, '\n', len - pos);
    if (hit == nullptr) {
      pos = len;
      break;
    }
    size_t lf = static_cast<const char*>(hit) - data;
    if (lf == leading_ || data[lf - 1] != '\r') {
      *error = {400, "bare LF line ending"};
      return ParseState::kError;
    }
    // "\r\n\r\n": the line that just ended is empty and a line ended before it.
    if (lf >= leading_ + 3 && data[lf - 2] == '\n' && data[lf - 3] == '\r') {
      *head_len = lf + 1;
      if (*head_len - leading_ > max_bytes) {
        *error = {431, "request header section too large"};
        return ParseState::kError;
      }
      return ParseState::kDone;
    }
    pos = lf + 1;
  }
  scanned_ = pos;
  if (len - leading_ > max_bytes) {
    *error = {431, "request header section too large"};
    return ParseState::kError;
  }
  return ParseState::kIncomplete;
}

}  // namespace floodgate::http
