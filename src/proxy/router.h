// Router: picks the route for a request by host and path prefix, first match in config order.
// Built once per config snapshot; matching allocates nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace floodgate::proxy {

class Router {
 public:
  explicit Router(const config::Config& config);
  // Index into config.routes, or -1 when no route matches.
  int match(std::string_view host, std::string_view path) const;

 private:
  struct Entry {
    std::string host;  // lower case, port removed; "" any; ".example.com" for "*.example.com"
    bool wildcard = false;
    std::string path_prefix;
    int route_index = 0;
  };
  std::vector<Entry> entries_;
};

// The host part of a Host header, without the port, e.g. "[::1]:80" -> "[::1]".
std::string_view hostWithoutPort(std::string_view host);

}  // namespace floodgate::proxy
