#include "admin/auth.h"

#include "web/json.h"

namespace floodgate::admin {

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the expected value's length whatever was sent; fold the length difference in too.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

bool bearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char k = kScheme[i];
    if (k >= 'A' && k <= 'Z') k = static_cast<char>(k - 'A' + 'a');
    if (c != k) return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  return constantTimeEquals(given, token);
}

web::Handler requireToken(std::string token, web::Handler inner) {
  if (token.empty()) return inner;
  return [token = std::move(token), inner = std::move(inner)](const web::Request& request) {
    std::string_view header = request.header("authorization");
    if (!bearerMatches(header, token)) {
      web::Response r =
          web::errorResponse(401, header.empty() ? "this call needs Authorization: Bearer <token>"
                                                 : "the token is not valid");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"floodgate admin\"");
      return r;
    }
    return inner(request);
  };
}

}  // namespace floodgate::admin
