#include "admin/ctl.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/socket.h"
#include "core/socket_address.h"

namespace floodgate::admin {
namespace {

constexpr size_t kMaxAnswer = 64 << 20;

bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool tokenChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-'; }

// `why` with --request-id or --client: the path to ask, or "" after an error message.
std::string whyPath(const CtlOptions& o) {
  if (o.request_id.empty() == o.client.empty()) {
    std::fprintf(stderr,
                 "floodgate ctl why: give --request-id ID (from the X-Request-Id header) or "
                 "--client ADDRESS\n");
    return "";
  }
  const std::string& value = o.request_id.empty() ? o.client : o.request_id;
  // Sent in the query as is: characters that would end or split it are refused.
  for (char c : value) {
    bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 std::string_view("-._~:!$'*^`|").find(c) != std::string_view::npos;
    if (!plain) {
      std::fprintf(stderr, "floodgate ctl why: %s may hold letters, digits and -._~: only\n",
                   o.request_id.empty() ? "--client" : "--request-id");
      return "";
    }
  }
  return std::string("/api/v1/why?") + (o.request_id.empty() ? "client=" : "request_id=") + value;
}

}  // namespace

// A named call (why, upstreams, drain-endpoint, undrain-endpoint) as the method, path and body
// it stands for; false after an error message.
bool resolveNamedCall(CtlOptions* o) {
  if (o->method == "why" && o->path.empty()) {
    o->path = whyPath(*o);
    if (o->path.empty()) return false;
    o->method = "GET";
  } else if (o->method == "upstreams") {
    if (!o->path.empty()) {
      std::fprintf(stderr, "floodgate ctl upstreams: takes no argument\n");
      return false;
    }
    o->method = "GET";
    o->path = "/api/v1/upstreams";
  } else if (o->method == "drain-endpoint" || o->method == "undrain-endpoint") {
    if (o->path.empty() || !o->body.empty()) {
      std::fprintf(stderr,
                   "floodgate ctl %s: give one endpoint address, e.g. floodgate ctl %s "
                   "127.0.0.1:9001\n",
                   o->method.c_str(), o->method.c_str());
      return false;
    }
    nlohmann::json body = {{"endpoint", o->path}};
    if (o->method == "undrain-endpoint") body["drain"] = false;
    o->method = "POST";
    o->path = "/api/v1/upstreams/drain";
    o->body = body.dump();
  }
  return true;
}

int runCtl(const CtlOptions& options) {
  CtlOptions o = options;
  if (!resolveNamedCall(&o)) return 2;
  std::string method = o.method;
  for (char& c : method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  bool method_ok = !method.empty();
  for (char c : method) method_ok = method_ok && tokenChar(c);
  if (!method_ok || o.path.empty() || o.path[0] != '/' ||
      o.path.find_first_of(" \r\n") != std::string::npos) {
    std::fprintf(stderr,
                 "floodgate ctl: give a METHOD and a PATH starting with /, e.g. "
                 "floodgate ctl GET /api/v1/shield (or: floodgate ctl why --request-id ID)\n");
    return 2;
  }
  auto address = SocketAddress::parse(o.admin);
  if (!address) {
    std::fprintf(stderr, "floodgate ctl: --admin %s: %s\n", o.admin.c_str(),
                 address.error().c_str());
    return 2;
  }
  std::string token = o.token;
  if (token.empty()) {
    if (const char* env = std::getenv("FLOODGATE_ADMIN_TOKEN")) token = env;
  }

  FileDescriptor fd(::socket(address->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{30, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (!fd.valid() || ::connect(fd.get(), address->sockaddrPtr(), address->length()) != 0) {
    std::fprintf(stderr, "floodgate ctl: cannot connect to the admin API at %s\n",
                 address->toString().c_str());
    return 1;
  }
  std::string request = method + " " + o.path + " HTTP/1.1\r\nHost: " + address->toString() +
                        "\r\nConnection: close\r\nUser-Agent: floodgate-ctl\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!o.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(o.body.size()) +
        "\r\n";
  }
  request += "\r\n" + o.body;
  if (!sendAll(fd.get(), request)) {
    std::fprintf(stderr, "floodgate ctl: the admin API closed the connection\n");
    return 1;
  }
  std::string answer;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
    if (answer.size() > kMaxAnswer) break;
  }
  size_t end = answer.find("\r\n\r\n");
  if (answer.compare(0, 7, "HTTP/1.") != 0 || end == std::string::npos || answer.size() < 12) {
    std::fprintf(stderr, "floodgate ctl: no HTTP answer from %s\n", address->toString().c_str());
    return 1;
  }
  int status = std::atoi(answer.c_str() + 9);
  std::string body = answer.substr(end + 4);
  std::fwrite(body.data(), 1, body.size(), stdout);
  if (!body.empty() && body.back() != '\n') std::fputc('\n', stdout);
  if (status < 200 || status > 299) {
    std::fprintf(stderr, "floodgate ctl: %s\n", answer.substr(9, answer.find("\r\n") - 9).c_str());
    return 1;
  }
  return 0;
}

}  // namespace floodgate::admin
