// The parsed shapes of HTTP/1.1 messages. Views point into the connection's read buffer and
// are valid until it is consumed; the header vectors are reused, so parsing allocates nothing
// once a connection is warm.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace floodgate::http {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kOptions, kPatch, kTrace, kConnect, kOther };

Method methodFromToken(std::string_view token);
// Safe to retry: the request has no side effects the client did not already accept twice.
bool isIdempotent(Method m);

enum class BodyFraming : uint8_t {
  kNone,           // no body
  kContentLength,  // exactly content_length bytes
  kChunked,        // chunked transfer coding
  kUntilClose,     // responses only: the body ends when the connection closes
};

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

enum class ParseState : uint8_t { kIncomplete, kDone, kError };

// Why a message was refused: the status to answer with and a short reason for the body/log.
struct ParseError {
  int status = 400;
  const char* reason = "";
};

struct ParseLimits {
  size_t max_head_bytes = 16 * 1024;
  size_t max_headers = 100;
};

struct RequestHead {
  std::string_view method_token;
  Method method = Method::kOther;
  std::string_view target;     // as sent
  std::string_view path;       // origin-form path and query (absolute-form rewritten)
  std::string_view authority;  // from absolute-form, else empty
  std::string_view host;       // Host header value (or the absolute-form authority)
  int minor_version = 1;
  std::vector<HeaderField> headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
  std::string_view connection;  // the Connection header value, for hop-by-hop removal
  size_t head_bytes = 0;        // bytes of the head, including the blank line

  void clear();
  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int minor_version = 1;
  std::vector<HeaderField> headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  std::string_view connection;
  size_t head_bytes = 0;

  void clear();
  std::string_view header(std::string_view name) const;
  bool interim() const { return status >= 100 && status < 200; }
};

// Hop-by-hop fields (RFC 9110 7.6.1): the fixed set plus any named in `connection`.
bool isHopByHop(std::string_view name, std::string_view connection);

}  // namespace floodgate::http
