#include "storm/url.h"

#include <charconv>

#include "storm/cidr.h"

namespace floodgate::storm {

Result<LoopbackUrl> LoopbackUrl::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return makeError("\"" + std::string(text) + "\": " + why);
  };
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    return bad("only http:// URLs are supported (e.g. http://127.0.0.1:8080)");
  }
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  LoopbackUrl url;
  url.text = std::string(text);
  if (slash != std::string_view::npos) {
    url.path = std::string(rest.substr(slash));
    if (url.path[0] == '?') url.path.insert(url.path.begin(), '/');
  }
  std::string_view host = authority;
  unsigned port = 80;
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view digits = authority.substr(colon + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || port == 0 ||
        port > 65535) {
      return bad("invalid port");
    }
  }
  uint32_t ip = 0;
  if (host == "localhost") {
    ip = 0x7f000001;
  } else if (!parseIpv4(host, &ip)) {
    return bad("the host must be a numeric loopback address (127.x.y.z) or localhost");
  }
  if (!isLoopbackV4(ip)) {
    return bad("the host is outside 127.0.0.0/8; storm only sends to loopback targets");
  }
  auto address = SocketAddress::parse(formatIpv4(ip) + ":" + std::to_string(port));
  if (!address.ok()) return bad(address.error());
  url.address = *address;
  url.host_header = std::string(authority);
  return url;
}

}  // namespace floodgate::storm
