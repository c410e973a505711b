#include "core/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>

namespace floodgate {
namespace {

Result<uint16_t> parsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value > 65535) {
    return makeError("\"" + std::string(whole) + "\": port must be a number from 0 to 65535");
  }
  return static_cast<uint16_t>(value);
}

// Splits "host:port" or "[v6]:port" into host and port text.
Result<std::pair<std::string, std::string_view>> splitHostPort(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return makeError("\"" + std::string(text) + "\": expected [ipv6]:port, e.g. [::1]:8080");
    }
    return std::pair{std::string(text.substr(1, close - 1)), text.substr(close + 2)};
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return makeError("\"" + std::string(text) + "\" needs a port (e.g. " + std::string(text) +
                     ":8080)");
  }
  if (text.find(':') != colon) {
    return makeError("\"" + std::string(text) +
                     "\": write IPv6 addresses in brackets, e.g. [::1]:8080");
  }
  return std::pair{std::string(text.substr(0, colon)), text.substr(colon + 1)};
}

}  // namespace

Result<SocketAddress> SocketAddress::parseIp(std::string_view ip, uint16_t port) {
  SocketAddress a;
  std::string host(ip);
  if (host == "localhost") host = "127.0.0.1";
  if (host == "*" || host.empty()) host = "0.0.0.0";
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len_ = sizeof(sockaddr_in);
    return a;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len_ = sizeof(sockaddr_in6);
    return a;
  }
  return makeError("\"" + host + "\" is not a numeric IPv4 or IPv6 address");
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  auto parts = splitHostPort(text);
  if (!parts) return Error{parts.error()};
  auto port = parsePort(parts->second, text);
  if (!port) return Error{port.error()};
  return parseIp(parts->first, *port);
}

Result<SocketAddress> SocketAddress::resolve(std::string_view text) {
  auto parts = splitHostPort(text);
  if (!parts) return Error{parts.error()};
  auto port = parsePort(parts->second, text);
  if (!port) return Error{port.error()};
  auto numeric = parseIp(parts->first, *port);
  if (numeric) return numeric;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(parts->first.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    return makeError("cannot resolve host \"" + parts->first + "\": " + gai_strerror(rc));
  }
  SocketAddress a = fromSockaddr(res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  a.setPort(*port);
  return a;
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
  SocketAddress a;
  if (len > sizeof(a.storage_)) len = sizeof(a.storage_);
  std::memcpy(&a.storage_, sa, len);
  a.len_ = len;
  return a;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

void SocketAddress::setPort(uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

size_t SocketAddress::formatIp(char* buf, size_t cap) const {
  const void* src = family() == AF_INET6
                        ? static_cast<const void*>(
                              &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr)
                        : static_cast<const void*>(
                              &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr);
  if (!valid() || inet_ntop(family(), src, buf, cap) == nullptr) {
    buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN];
  size_t n = formatIp(buf, sizeof(buf));
  return std::string(buf, n);
}

std::string SocketAddress::toString() const {
  if (family() == AF_INET6) return "[" + ip() + "]:" + std::to_string(port());
  return ip() + ":" + std::to_string(port());
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  return len_ == o.len_ && std::memcmp(&storage_, &o.storage_, len_) == 0;
}

}  // namespace floodgate
