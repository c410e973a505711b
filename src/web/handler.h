// The contract between floodgate's own small HTTP services (admin API, metrics, status page)
// and the server that runs them on the control thread. A handler sees a whole request (head
// and a bounded body, already read) and returns a whole response; it never touches sockets.
// Handlers run on the control thread's loop, never on a worker, so they may take locks and
// touch SQLite, but must not block for long.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floodgate::web {

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string path;    // percent-decoding left to the handler; no query
  std::string query;   // after '?', without it; "" when none
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer;  // client address, "127.0.0.1" (no port)

  // The first header named `name` (lower-case), or "" when absent.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Cache-Control
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

}  // namespace floodgate::web
