// CookieJar: what a browser keeps for one site — enough for a challenge that sets a cookie and
// expects it back. Bounded (a hostile target cannot grow it), and the Cookie header line is
// rebuilt only when a cookie changes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floodgate::storm {

class CookieJar {
 public:
  static constexpr size_t kMaxCookies = 16;
  static constexpr size_t kMaxBytes = 4096;

  // Applies one Set-Cookie value: "name=value; Path=/; Max-Age=0 ..." (attributes other than
  // Max-Age=0 / expiry are ignored: storm talks to one host).
  void apply(std::string_view set_cookie);
  // "Cookie: a=1; b=2\r\n", or empty when the jar is empty.
  std::string_view headerLine() const { return line_; }
  size_t size() const { return cookies_.size(); }
  void clear();

 private:
  void rebuild();
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::string line_;
};

}  // namespace floodgate::storm
