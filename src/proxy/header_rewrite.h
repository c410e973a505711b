// How a request and a response change as they cross the proxy: hop-by-hop fields removed,
// X-Forwarded-For / X-Forwarded-Proto / Via / X-Request-Id added, Host preserved, framing
// restated. Pure functions over parsed heads, so they are tested without sockets.
#pragma once

#include <string_view>

#include "core/buffer.h"
#include "http/message.h"

namespace floodgate::proxy {

struct ForwardContext {
  std::string_view client_ip;     // appended to X-Forwarded-For
  std::string_view request_id;    // X-Request-Id to send when the client sent none
  std::string_view default_host;  // Host to send when the client sent none (HTTP/1.0)
};

// Appends the upstream request head. The request id actually used (the client's own if it sent
// a well-formed one) is stored into *used_request_id (a view into the request or context).
void appendUpstreamRequestHead(Buffer* out, const http::RequestHead& req,
                               const ForwardContext& ctx, std::string_view* used_request_id);

enum class ResponseBodyMode : uint8_t {
  kNone,         // no body follows the head
  kLength,       // Content-Length bytes, passed through
  kChunked,      // chunked, passed through as is
  kDechunk,      // chunked from upstream, decoded for an HTTP/1.0 client (close delimits)
  kUntilClose,   // upstream body delimited by close: passed through, then the client closes
};

struct ResponsePlan {
  ResponseBodyMode mode = ResponseBodyMode::kNone;
  bool keep_alive = true;  // whether the client connection stays open after this response
};

// Decides how the response body reaches the client, given the client's request.
ResponsePlan planResponse(int client_minor_version, const http::ResponseHead& resp,
                          bool client_keep_alive);

// Appends the head sent to the client for an upstream response.
void appendClientResponseHead(Buffer* out, const http::ResponseHead& resp,
                              const ResponsePlan& plan, int client_minor_version);

}  // namespace floodgate::proxy
