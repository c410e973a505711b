#include "storm/cookie_jar.h"

#include <algorithm>
#include <cctype>

namespace floodgate::storm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

bool safeForHeader(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == ';') return false;
  }
  return true;
}

}  // namespace

void CookieJar::apply(std::string_view set_cookie) {
  size_t semi = set_cookie.find(';');
  std::string_view pair = trim(set_cookie.substr(0, semi));
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return;
  std::string_view name = trim(pair.substr(0, eq));
  std::string_view value = trim(pair.substr(eq + 1));
  if (!safeForHeader(name) || !safeForHeader(value)) return;
  bool expire = false;
  std::string_view attrs = semi == std::string_view::npos ? "" : set_cookie.substr(semi + 1);
  while (!attrs.empty()) {
    size_t next = attrs.find(';');
    std::string_view attr = trim(attrs.substr(0, next));
    if (startsWithIgnoreCase(attr, "max-age=")) {
      std::string_view n = attr.substr(8);
      expire = !n.empty() && (n[0] == '-' || n == "0");
    }
    if (next == std::string_view::npos) break;
    attrs.remove_prefix(next + 1);
  }
  auto it = std::find_if(cookies_.begin(), cookies_.end(),
                         [&](const auto& c) { return c.first == name; });
  if (expire) {
    if (it == cookies_.end()) return;
    cookies_.erase(it);
  } else if (it != cookies_.end()) {
    if (it->second == value) return;
    it->second = std::string(value);
  } else {
    if (cookies_.size() >= kMaxCookies) return;
    cookies_.emplace_back(std::string(name), std::string(value));
  }
  rebuild();
}

void CookieJar::rebuild() {
  line_.clear();
  if (cookies_.empty()) return;
  line_ = "Cookie: ";
  for (size_t i = 0; i < cookies_.size(); ++i) {
    const auto& [name, value] = cookies_[i];
    if (line_.size() + name.size() + value.size() + 4 > kMaxBytes) break;
    if (i > 0) line_ += "; ";
    line_ += name;
    line_ += '=';
    line_ += value;
  }
  line_ += "\r\n";
}

void CookieJar::clear() {
  cookies_.clear();
  line_.clear();
}

}  // namespace floodgate::storm
