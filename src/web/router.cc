#include "web/router.h"

#include "web/json.h"

namespace floodgate::web {
namespace {

bool methodMatches(std::string_view route, std::string_view method) {
  return route == "*" || route == method || (route == "GET" && method == "HEAD");
}

}  // namespace

bool pathUnder(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  if (path.size() == prefix.size() || prefix.empty() || prefix.back() == '/') return true;
  return path[prefix.size()] == '/';
}

Router& Router::add(std::string method, std::string prefix, Handler handler) {
  routes_.push_back({std::move(method), std::move(prefix), std::move(handler)});
  return *this;
}

Response Router::operator()(const Request& request) const {
  std::string allow;
  for (const Route& route : routes_) {
    if (!pathUnder(request.path, route.prefix)) continue;
    if (methodMatches(route.method, request.method)) return route.handler(request);
    if (allow.find(route.method) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += route.method;
      if (route.method == "GET") allow += ", HEAD";
    }
  }
  if (allow.empty()) return errorResponse(404, "no such path: " + request.path);
  Response r = errorResponse(405, "method " + request.method + " not allowed on " + request.path);
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace floodgate::web
