#include "proxy/header_rewrite.h"

#include "http/chars.h"
#include "http/status.h"

namespace floodgate::proxy {
namespace {

using http::equalsIgnoreCase;

void appendHeader(Buffer* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ", 2);
  out->append(value);
  out->append("\r\n", 2);
}

// Appends "Name: v1, v2, ..., last\r\n" joining every occurrence of `name` in `headers`.
void appendJoined(Buffer* out, std::string_view name, const std::vector<http::HeaderField>& headers,
                  std::string_view last) {
  out->append(name);
  out->append(": ", 2);
  for (const auto& h : headers) {
    if (equalsIgnoreCase(h.name, name) && !h.value.empty()) {
      out->append(h.value);
      out->append(", ", 2);
    }
  }
  out->append(last);
  out->append("\r\n", 2);
}

bool validRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!http::isTchar(c)) return false;
  }
  return true;
}

}  // namespace

void appendUpstreamRequestHead(Buffer* out, const http::RequestHead& req,
                               const ForwardContext& ctx, std::string_view* used_request_id) {
  out->append(req.method_token);
  out->append(' ');
  out->append(req.path);
  out->append(" HTTP/1.1\r\n", 11);
  bool has_host = false;
  std::string_view request_id;
  for (const auto& h : req.headers) {
    std::string_view n = h.name;
    if (http::isHopByHop(n, req.connection)) continue;
    // Dropped as nginx does by default: an origin that maps "_" to "-" (CGI-style) would read
    // "Transfer_Encoding" as framing floodgate never validated.
    if (n.find('_') != std::string_view::npos) continue;
    switch (n.size()) {
      case 3:
        if (equalsIgnoreCase(n, "via")) continue;  // re-sent below, joined
        break;
      case 4:
        if (equalsIgnoreCase(n, "host")) {
          has_host = true;
          // Absolute-form: the target's authority wins over the Host field (RFC 9112 3.2.2).
          if (!req.authority.empty()) {
            appendHeader(out, "Host", req.authority);
            continue;
          }
        }
        break;
      case 6:
        if (equalsIgnoreCase(n, "expect")) continue;  // floodgate answers 100-continue itself
        break;
      case 12:
        if (equalsIgnoreCase(n, "x-request-id")) {
          if (validRequestId(h.value) && request_id.empty()) request_id = h.value;
          continue;
        }
        break;
      case 15:
        if (equalsIgnoreCase(n, "x-forwarded-for")) continue;
        break;
      case 17:
        if (equalsIgnoreCase(n, "x-forwarded-proto")) continue;
        break;
    }
    out->append(n);
    out->append(": ", 2);
    out->append(h.value);
    out->append("\r\n", 2);
  }
  if (!has_host) {
    appendHeader(out, "Host", !req.authority.empty() ? req.authority : ctx.default_host);
  }
  if (req.framing == http::BodyFraming::kChunked) out->append("Transfer-Encoding: chunked\r\n");
  appendJoined(out, "X-Forwarded-For", req.headers, ctx.client_ip);
  out->append("X-Forwarded-Proto: http\r\n");
  appendJoined(out, "Via", req.headers, req.minor_version == 0 ? "1.0 floodgate" : "1.1 floodgate");
  if (request_id.empty()) request_id = ctx.request_id;
  appendHeader(out, "X-Request-Id", request_id);
  out->append("\r\n", 2);
  *used_request_id = request_id;
}

ResponsePlan planResponse(int client_minor_version, const http::ResponseHead& resp,
                          bool client_keep_alive) {
  ResponsePlan plan;
  plan.keep_alive = client_keep_alive;
  switch (resp.framing) {
    case http::BodyFraming::kNone:
      plan.mode = ResponseBodyMode::kNone;
      break;
    case http::BodyFraming::kContentLength:
      plan.mode = ResponseBodyMode::kLength;
      break;
    case http::BodyFraming::kChunked:
      if (client_minor_version == 0) {
        plan.mode = ResponseBodyMode::kDechunk;
        plan.keep_alive = false;
      } else {
        plan.mode = ResponseBodyMode::kChunked;
      }
      break;
    case http::BodyFraming::kUntilClose:
      plan.mode = ResponseBodyMode::kUntilClose;
      plan.keep_alive = false;
      break;
  }
  return plan;
}

void appendClientResponseHead(Buffer* out, const http::ResponseHead& resp,
                              const ResponsePlan& plan, int client_minor_version) {
  out->append(client_minor_version == 0 ? "HTTP/1.0 " : "HTTP/1.1 ", 9);
  http::appendDecimal(out, static_cast<uint64_t>(resp.status));
  out->append(' ');
  out->append(resp.reason.empty() ? http::reasonPhrase(resp.status) : resp.reason);
  out->append("\r\n", 2);
  for (const auto& h : resp.headers) {
    if (http::isHopByHop(h.name, resp.connection)) continue;
    if (h.name.size() == 3 && equalsIgnoreCase(h.name, "via")) continue;
    out->append(h.name);
    out->append(": ", 2);
    out->append(h.value);
    out->append("\r\n", 2);
  }
  appendJoined(out, "Via", resp.headers, resp.minor_version == 0 ? "1.0 floodgate" : "1.1 floodgate");
  if (plan.mode == ResponseBodyMode::kChunked) out->append("Transfer-Encoding: chunked\r\n");
  if (resp.interim()) {
    out->append("\r\n", 2);
    return;
  }
  if (!plan.keep_alive) {
    out->append("Connection: close\r\n\r\n");
  } else if (client_minor_version == 0) {
    out->append("Connection: keep-alive\r\n\r\n");
  } else {
    out->append("\r\n", 2);
  }
}

}  // namespace floodgate::proxy
