// Spelling help for messages about names a user typed: "unknown key \"endpiont\"; did you mean
// \"endpoints\"?". Shared by the config loader and the storm lab's scenario reader.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace floodgate {

bool equalsIgnoreCase(std::string_view a, std::string_view b);  // ASCII

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ASCII
// case-insensitive.
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to word when it is close enough to be a likely typo, else "".
std::string closestName(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace floodgate
