#include "core/spelling.h"

#include <algorithm>

namespace floodgate {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

size_t editDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent transpositions, the commonest typo
  // ("endpiont").
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string closestName(std::string_view word, const std::vector<std::string>& candidates) {
  // A third of the word's length (at least 2) separates typos from unrelated names: "endpoint"
  // finds "endpoints", "name" does not find "drain_timeout".
  size_t limit = std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    size_t d = editDistance(word, c);
    if (d < best_distance && d < std::max(word.size(), c.size())) {
      best_distance = d;
      best = c;
    }
  }
  if (!best.empty()) return best;
  // A longer or shorter spelling of the same word: "warning" for "warn", "host_name" for "host".
  for (const auto& c : candidates) {
    size_t n = std::min(word.size(), c.size());
    if (n >= 3 && equalsIgnoreCase(word.substr(0, n), std::string_view(c).substr(0, n))) return c;
  }
  return "";
}

}  // namespace floodgate
