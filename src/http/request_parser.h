// RequestParser: a strict HTTP/1.1 request-head parser (RFC 9112). Anything a smuggling attack
// could use to make two parsers disagree about where a message ends is refused, not repaired.
#pragma once

#include "http/head_scanner.h"
#include "http/message.h"

namespace floodgate::http {

class RequestParser {
 public:
  explicit RequestParser(ParseLimits limits = {}) : limits_(limits) {}
  void setLimits(ParseLimits limits) { limits_ = limits; }

  // Parses the head at the start of data[0, len). On kDone, `head` is filled and
  // head->head_bytes tells how many bytes it took (including skipped leading empty lines).
  // On kError, error() tells the status to answer with; the connection must then close.
  ParseState parse(const char* data, size_t len, RequestHead* head);
  // Ready for the next request on the connection.
  void reset() { scanner_.reset(); }
  const ParseError& error() const { return error_; }

 private:
  ParseState fail(int status, const char* reason) {
    error_ = {status, reason};
    return ParseState::kError;
  }
  ParseState parseRequestLine(std::string_view line, RequestHead* head);
  ParseState parseTarget(RequestHead* head);
  ParseState applySemantics(RequestHead* head);

  ParseLimits limits_;
  HeadScanner scanner_;
  ParseError error_;
};

// Parses header lines of `block` ("name: value\r\n"... without the final blank line) into
// `headers`. Shared by requests, responses and chunked trailers.
ParseState parseHeaderLines(std::string_view block, size_t max_headers,
                            std::vector<HeaderField>* headers, ParseError* error);

// Parses a Content-Length value: 1*DIGIT, no sign, no list, no overflow.
bool parseContentLength(std::string_view value, uint64_t* out);

}  // namespace floodgate::http
