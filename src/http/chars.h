// Character classes of RFC 9110/9112, as lookup tables.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace floodgate::http {

namespace detail {
constexpr std::array<bool, 256> makeTchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
// field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value.
constexpr std::array<bool, 256> makeFieldValue() {
  std::array<bool, 256> t{};
  for (int c = 0x21; c <= 0x7e; ++c) t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
  t[' '] = t['\t'] = true;
  return t;
}
// Characters of a request-target: visible ASCII, no '#'.
constexpr std::array<bool, 256> makeTarget() {
  std::array<bool, 256> t{};
  for (int c = 0x21; c <= 0x7e; ++c) t[c] = true;
  t['#'] = false;
  return t;
}
// Host: reg-name / IP-literal / IPv4 and an optional port.
constexpr std::array<bool, 256> makeHost() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=%:[]")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
constexpr auto kTchar = makeTchar();
constexpr auto kFieldValue = makeFieldValue();
constexpr auto kTarget = makeTarget();
constexpr auto kHost = makeHost();
}  // namespace detail

inline bool isTchar(char c) { return detail::kTchar[static_cast<uint8_t>(c)]; }
inline bool isFieldValueChar(char c) { return detail::kFieldValue[static_cast<uint8_t>(c)]; }
inline bool isTargetChar(char c) { return detail::kTarget[static_cast<uint8_t>(c)]; }
inline bool isHostChar(char c) { return detail::kHost[static_cast<uint8_t>(c)]; }

inline char toLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (toLowerAscii(a[i]) != toLowerAscii(b[i])) return false;
  }
  return true;
}

inline bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of a hex digit, or -1 (chunk sizes, percent-encoding).
constexpr int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls fn(token) for each element of a comma-separated list, trimmed, skipping empty ones.
template <class Fn>
void forEachListElement(std::string_view list, Fn&& fn) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = trimOws(list.substr(start, comma - start));
    if (!item.empty()) fn(item);
    start = comma + 1;
  }
}

}  // namespace floodgate::http
