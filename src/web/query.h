// Reading a request's query string: `name=value` pairs split on '&', percent-decoded ('+' is a
// space), as browsers and curl send them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace floodgate::web {

// The decoded value of the first parameter `name`; nullopt when absent or badly encoded.
std::optional<std::string> queryParam(std::string_view query, std::string_view name);
// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text);

}  // namespace floodgate::web
