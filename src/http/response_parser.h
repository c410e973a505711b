// ResponseParser: parses an upstream's response head and decides how its body is framed
// (RFC 9112 6.3). A malformed upstream response becomes a 502, never a guess.
#pragma once

#include "http/head_scanner.h"
#include "http/message.h"

namespace floodgate::http {

class ResponseParser {
 public:
  explicit ResponseParser(ParseLimits limits = {}) : limits_(limits) {}
  void setLimits(ParseLimits limits) { limits_ = limits; }

  // `request_method` decides whether a body follows (none for HEAD).
  ParseState parse(const char* data, size_t len, Method request_method, ResponseHead* head);
  void reset() { scanner_.reset(); }
  const ParseError& error() const { return error_; }

 private:
  ParseState fail(const char* reason) {
    error_ = {502, reason};
    return ParseState::kError;
  }
  ParseLimits limits_;
  HeadScanner scanner_;
  ParseError error_;
};

}  // namespace floodgate::http
