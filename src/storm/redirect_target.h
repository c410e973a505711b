// Where a redirect sends a browser-like user: only same-site targets are followed (storm talks
// to one target); anything else ends the request as a plain 3xx.
#pragma once

#include <string>
#include <string_view>

namespace floodgate::storm {

// Turns a Location value into a path on the target whose Host header is `host`: "/next",
// "next?x" (relative to "/"), or "http://<host>/next". Returns false for other sites, other
// schemes, and values that could not be sent safely in a request line.
bool sameSitePath(std::string_view location, std::string_view host, std::string* path);

}  // namespace floodgate::storm
