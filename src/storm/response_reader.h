// ResponseReader: reads one HTTP/1.1 response off a connection's input buffer, head and body,
// however the bytes are split. Interim (1xx) responses are skipped. The body is consumed
// without being kept; the caller sees the head once, through a callback, while it is valid.
#pragma once

#include <cstdint>

#include "core/buffer.h"
#include "http/chunked.h"
#include "http/message.h"
#include "http/response_parser.h"

namespace floodgate::storm {

class ResponseReader {
 public:
  enum class Step : uint8_t { kNeedMore, kDone, kError };

  class HeadSink {
   public:
    virtual ~HeadSink() = default;
    // Called once per final response, while `head`'s views point into the buffer.
    virtual void onResponseHead(const http::ResponseHead& head) = 0;
  };

  // Expects a new response to a request made with `method`.
  void start(http::Method method);
  // Consumes what belongs to the response from `in`. `eof` says the peer closed. kDone: the
  // response is complete (status(), keepAlive()); kError: the response was malformed or cut
  // short (sawBytes() tells whether anything arrived at all).
  Step feed(Buffer& in, bool eof, HeadSink* sink);

  int status() const { return status_; }
  bool keepAlive() const { return keep_alive_; }
  bool sawBytes() const { return saw_bytes_; }
  const char* error() const { return error_; }

 private:
  enum class State : uint8_t { kHead, kLength, kChunked, kUntilClose, kDone };
  Step fail(const char* why) {
    error_ = why;
    return Step::kError;
  }

  http::ResponseParser parser_;
  http::ResponseHead head_;
  http::ChunkedDecoder chunked_;
  http::Method method_ = http::Method::kGet;
  State state_ = State::kHead;
  uint64_t remaining_ = 0;
  int status_ = 0;
  bool keep_alive_ = true;
  bool saw_bytes_ = false;
  const char* error_ = "";
};

}  // namespace floodgate::storm
