// Wording shared by config messages: quoting user text, listing choices, and "did you mean".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/spelling.h"

namespace floodgate::config {

// "text" in double quotes, with control characters escaped so a message stays on one line.
std::string quoted(std::string_view text);

// "a, b, c" (names as they are, unquoted).
std::string joinNames(const std::vector<std::string>& names);

using floodgate::closestName;
using floodgate::editDistance;
using floodgate::equalsIgnoreCase;

// "; did you mean "x"?" or "" when nothing is close.
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace floodgate::config
