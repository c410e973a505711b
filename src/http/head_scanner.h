// HeadScanner: finds the end of a message head ("\r\n\r\n") as bytes trickle in, in linear time
// overall (a slowloris sending one byte at a time costs O(n), not O(n^2)), and refuses a bare
// LF line ending at once.
#pragma once

#include <cstddef>

#include "http/message.h"

namespace floodgate::http {

class HeadScanner {
 public:
  // Scans data[0, len) (the same bytes as before plus new ones). Returns kDone with *head_len
  // set to the head's length including the blank line, kIncomplete, or kError (bare LF, or the
  // head exceeds max_bytes: 431).
  ParseState scan(const char* data, size_t len, size_t max_bytes, size_t* head_len,
                  ParseError* error);
  void reset() { scanned_ = 0; leading_ = 0; }
  // Empty lines before the request line (RFC 9112 2.2 allows a server to skip them).
  size_t leadingBytes() const { return leading_; }

 private:
  size_t scanned_ = 0;
  size_t leading_ = 0;
};

}  // namespace floodgate::http
