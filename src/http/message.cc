#include "http/message.h"

#include "http/chars.h"

namespace floodgate::http {

Method methodFromToken(std::string_view t) {
  switch (t.size()) {
    case 3:
      if (t == "GET") return Method::kGet;
      if (t == "PUT") return Method::kPut;
      break;
    case 4:
      if (t == "POST") return Method::kPost;
      if (t == "HEAD") return Method::kHead;
      break;
    case 5:
      if (t == "PATCH") return Method::kPatch;
      if (t == "TRACE") return Method::kTrace;
      break;
    case 6:
      if (t == "DELETE") return Method::kDelete;
      break;
    case 7:
      if (t == "OPTIONS") return Method::kOptions;
      if (t == "CONNECT") return Method::kConnect;
      break;
  }
  return Method::kOther;
}

bool isIdempotent(Method m) {
  switch (m) {
    case Method::kGet:
    case Method::kHead:
    case Method::kPut:
    case Method::kDelete:
    case Method::kOptions:
    case Method::kTrace:
      return true;
    default:
      return false;
  }
}

namespace {
std::string_view findHeader(const std::vector<HeaderField>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}
}  // namespace

void RequestHead::clear() {
  method_token = target = path = authority = host = connection = {};
  method = Method::kOther;
  minor_version = 1;
  headers.clear();
  framing = BodyFraming::kNone;
  content_length = 0;
  keep_alive = true;
  expect_continue = false;
  head_bytes = 0;
}

std::string_view RequestHead::header(std::string_view name) const {
  return findHeader(headers, name);
}

void ResponseHead::clear() {
  status = 0;
  reason = connection = {};
  minor_version = 1;
  headers.clear();
  framing = BodyFraming::kNone;
  content_length = 0;
  keep_alive = true;
  head_bytes = 0;
}

std::string_view ResponseHead::header(std::string_view name) const {
  return findHeader(headers, name);
}

bool isHopByHop(std::string_view name, std::string_view connection) {
  static constexpr std::string_view kFixed[] = {
      "connection", "keep-alive",         "proxy-connection", "transfer-encoding",
      "te",         "trailer",            "upgrade",          "proxy-authorization",
      "proxy-authenticate"};
  for (auto f : kFixed) {
    if (equalsIgnoreCase(name, f)) return true;
  }
  if (connection.empty()) return false;
  bool listed = false;
  forEachListElement(connection, [&](std::string_view token) {
    if (equalsIgnoreCase(token, name)) listed = true;
  });
  return listed;
}

}  // namespace floodgate::http
