#include "config/units.h"

#include <charconv>
#include <limits>
#include <string>

#include "config/messages.h"

namespace floodgate::config {
namespace {

constexpr Duration kMaxDuration = std::chrono::hours(24 * 365);

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error notA(std::string_view text, std::string_view form) {
  return makeError(quoted(text) + " is not " + std::string(form));
}

}  // namespace

Result<Duration> parseDuration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return notA(text, kDurationForm);
  if (s.front() == '-') {
    return makeError(quoted(text) + " is negative; write " + std::string(kDurationForm));
  }
  // Sum of number+unit parts. long double holds every nanosecond count below the cap exactly
  // enough (64-bit mantissa), and makes overflow impossible before the cap check.
  long double total_ns = 0;
  size_t pos = 0;
  int parts = 0;
  while (pos < s.size()) {
    size_t start = pos;
    long double value = 0;
    while (pos < s.size() && isDigit(s[pos])) value = value * 10 + (s[pos++] - '0');
    size_t int_digits = pos - start;
    size_t frac_digits = 0;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      long double scale = 0.1L;
      while (pos < s.size() && isDigit(s[pos])) {
        value += (s[pos++] - '0') * scale;
        scale /= 10;
        ++frac_digits;
      }
    }
    if (int_digits + frac_digits == 0) return notA(text, kDurationForm);
    size_t unit_start = pos;
    while (pos < s.size() &&
           ((s[pos] >= 'a' && s[pos] <= 'z') || (s[pos] >= 'A' && s[pos] <= 'Z'))) {
      ++pos;
    }
    std::string_view unit = s.substr(unit_start, pos - unit_start);
    long double ns_per_unit;
    if (unit == "ms") {
      ns_per_unit = 1e6L;
    } else if (unit == "s") {
      ns_per_unit = 1e9L;
    } else if (unit == "m") {
      ns_per_unit = 60e9L;
    } else if (unit == "h") {
      ns_per_unit = 3600e9L;
    } else if (unit.empty() && parts == 0 && pos == s.size()) {
      ns_per_unit = 1e9L;
    } else {
      return notA(text, kDurationForm);
    }
    total_ns += value * ns_per_unit;
    ++parts;
    if (total_ns > static_cast<long double>(kMaxDuration.count())) {
      return makeError(quoted(text) + " is too long; durations go up to 8760h (365 days)");
    }
  }
  return Duration(static_cast<int64_t>(total_ns + 0.5L));
}

Result<uint64_t> parseSize(std::string_view text) {
  std::string_view s = trim(text);
  size_t digits = 0;
  while (digits < s.size() && isDigit(s[digits])) ++digits;
  if (digits == 0) {
    if (!s.empty() && s.front() == '-') {
      return makeError(quoted(text) + " is negative; write " + std::string(kSizeForm));
    }
    return notA(text, kSizeForm);
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, value);
  if (ec != std::errc()) return makeError(quoted(text) + " is too large");
  std::string_view unit = trim(s.substr(digits));
  uint64_t multiplier;
  if (unit.empty() || equalsIgnoreCase(unit, "B")) {
    multiplier = 1;
  } else if (equalsIgnoreCase(unit, "KiB")) {
    multiplier = uint64_t{1} << 10;
  } else if (equalsIgnoreCase(unit, "MiB")) {
    multiplier = uint64_t{1} << 20;
  } else if (equalsIgnoreCase(unit, "GiB")) {
    multiplier = uint64_t{1} << 30;
  } else if (equalsIgnoreCase(unit, "KB")) {
    multiplier = 1000;
  } else if (equalsIgnoreCase(unit, "MB")) {
    multiplier = 1000 * 1000;
  } else if (equalsIgnoreCase(unit, "GB")) {
    multiplier = 1000 * 1000 * 1000;
  } else {
    return notA(text, kSizeForm);
  }
  if (value > std::numeric_limits<uint64_t>::max() / multiplier) {
    return makeError(quoted(text) + " is too large");
  }
  return value * multiplier;
}

Result<int64_t> parseInteger(std::string_view text) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ptr != s.data() + s.size()) {
    return makeError(quoted(text) + " is not a whole number");
  }
  if (ec != std::errc()) return makeError(quoted(text) + " is too large");
  return value;
}

}  // namespace floodgate::config
