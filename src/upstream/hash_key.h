// The key that consistent hashing balances on: a header's value, or one cookie out of the
// Cookie header ("a=1; session=xyz").
#pragma once

#include <optional>
#include <string_view>

namespace floodgate::upstream {

// The value of cookie `name` in a Cookie header, or nullopt when it is absent or empty.
inline std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    if (pair.size() > name.size() + 1 && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

}  // namespace floodgate::upstream
