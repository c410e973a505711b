// Wording shared by config messages: quoting user text, listing choices, and "did you mean".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace floodgate::config {

// "text" in double quotes, with control characters escaped so a message stays on one line.
std::string quoted(std::string_view text);

// "a, b, c" (names as they are, unquoted).
std::string joinNames(const std::vector<std::string>& names);

bool equalsIgnoreCase(std::string_view a, std::string_view b);  // ASCII

// Levenshtein distance, case-insensitive (ASCII).
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to word when it is close enough to be a likely typo, else "".
std::string closestName(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean "x"?" or "" when nothing is close.
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace floodgate::config
