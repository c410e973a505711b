// LoopbackUrl: an http:// URL whose host is a loopback address — the only kind of target storm
// will send to (a fire drill must never leave the machine).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/socket_address.h"

namespace floodgate::storm {

struct LoopbackUrl {
  SocketAddress address;    // 127.x.y.z:port
  std::string host_header;  // as written in the URL ("127.0.0.1:8080", "localhost:8080")
  std::string path = "/";   // path and query
  std::string text;         // the URL as given

  // Accepts "http://127.0.0.1:8080[/path]" and "http://localhost:8080[/path]"; port defaults
  // to 80. Anything else (https, other hosts, IPv6) is refused with a reason.
  static Result<LoopbackUrl> parse(std::string_view text);
};

}  // namespace floodgate::storm
