// SocketAddress: an IPv4 or IPv6 address with a port, parsed from "host:port" / "[v6]:port".
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace floodgate {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Parses a numeric address with a port: "127.0.0.1:8080", "[::1]:8080". "localhost:N" is
  // accepted as 127.0.0.1:N. Hostnames are resolved with resolve(), never on the data path.
  static Result<SocketAddress> parse(std::string_view text);
  // Like parse(), but also resolves a DNS name (blocking; for config loading only).
  static Result<SocketAddress> resolve(std::string_view text);
  // Numeric IP without a port ("10.0.0.1", "::1"); port set to 0.
  static Result<SocketAddress> parseIp(std::string_view ip, uint16_t port = 0);
  static SocketAddress fromSockaddr(const sockaddr* sa, socklen_t len);

  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sockaddrPtr() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const { return len_; }
  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  void setPort(uint16_t port);
  bool valid() const { return len_ != 0; }

  std::string ip() const;        // "127.0.0.1" or "::1"
  std::string toString() const;  // "127.0.0.1:80" or "[::1]:80"
  // Writes the IP into buf (at least 46 bytes) without allocating; returns the length.
  size_t formatIp(char* buf, size_t cap) const;

  bool operator==(const SocketAddress& o) const;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

}  // namespace floodgate
