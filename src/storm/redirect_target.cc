#include "storm/redirect_target.h"

#include <cctype>

namespace floodgate::storm {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool sendable(std::string_view path) {
  for (unsigned char c : path) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

bool sameSitePath(std::string_view location, std::string_view host, std::string* path) {
  if (location.empty() || location.size() > 4096) return false;
  if (location.substr(0, 2) == "//") return false;  // scheme-relative: another site
  if (location[0] == '/') {
    if (!sendable(location)) return false;
    path->assign(location);
    return true;
  }
  constexpr std::string_view kHttp = "http://";
  if (location.size() > kHttp.size() && equalsIgnoreCase(location.substr(0, kHttp.size()), kHttp)) {
    std::string_view rest = location.substr(kHttp.size());
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (!equalsIgnoreCase(authority, host)) return false;
    std::string_view p = end == std::string_view::npos ? "/" : rest.substr(end);
    if (p[0] == '#') p = "/";
    size_t hash = p.find('#');
    p = p.substr(0, hash);
    if (!sendable(p)) return false;
    path->assign(p[0] == '?' ? "/" : "");
    path->append(p);
    return true;
  }
  // A relative reference ("next?x"): resolve against the root. Anything with a scheme is not.
  size_t colon = location.find(':');
  size_t slash = location.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    return false;
  }
  if (!sendable(location)) return false;
  path->assign("/");
  path->append(location);
  return true;
}

}  // namespace floodgate::storm
