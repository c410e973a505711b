// Router: picks a handler by method and path prefix; the first match wins. A path no route
// covers is a 404, a path covered for other methods a 405 with Allow — both as JSON errors.
#pragma once

#include <string>
#include <vector>

#include "web/handler.h"

namespace floodgate::web {

class Router {
 public:
  // `method` "GET" also answers HEAD; "*" matches any method. `prefix` matches the path itself
  // and anything below it ("/api/v1/events" covers "/api/v1/events/7", not "/api/v1/eventsx");
  // a prefix ending in '/' matches any path that starts with it.
  Router& add(std::string method, std::string prefix, Handler handler);
  Response operator()(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string prefix;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Whether `path` is `prefix` or lies below it, in the sense Router uses.
bool pathUnder(std::string_view path, std::string_view prefix);

}  // namespace floodgate::web
