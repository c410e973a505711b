#include "proxy/router.h"

#include "http/chars.h"

namespace floodgate::proxy {

std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

Router::Router(const config::Config& config) {
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const auto& r = config.routes[i];
    Entry e;
    for (char c : r.host) e.host.push_back(http::toLowerAscii(c));
    if (e.host.rfind("*.", 0) == 0) {
      e.host.erase(0, 1);  // keep the dot: ".example.com"
      e.wildcard = true;
    }
    e.path_prefix = r.path_prefix.empty() ? "/" : r.path_prefix;
    e.route_index = static_cast<int>(i);
    entries_.push_back(std::move(e));
  }
}

int Router::match(std::string_view host, std::string_view path) const {
  std::string_view name = hostWithoutPort(host);
  for (const auto& e : entries_) {
    if (!e.host.empty()) {
      if (e.wildcard) {
        if (name.size() <= e.host.size() ||
            !http::equalsIgnoreCase(name.substr(name.size() - e.host.size()), e.host)) {
          continue;
        }
      } else if (!http::equalsIgnoreCase(name, e.host)) {
        continue;
      }
    }
    if (path.compare(0, e.path_prefix.size(), e.path_prefix) != 0) continue;
    return e.route_index;
  }
  return -1;
}

}  // namespace floodgate::proxy
