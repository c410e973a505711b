// Small JSON writers for the origin's answers: it only ever writes JSON, and writing it by hand
// keeps a 100,000-source stats answer fast and free of exceptions on odd bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace floodgate::origin {

// Appends `text` as a JSON string with quotes. Bytes >= 0x80 are written as \u00XX (Latin-1),
// so the output is valid JSON whatever a client put in a header.
void appendJsonString(std::string* out, std::string_view text);
void appendJsonUint(std::string* out, uint64_t n);

// FNV-1a 64: the upload endpoint's checksum, cheap enough to run at memory speed.
inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ULL;
inline uint64_t fnv1a(uint64_t hash, std::string_view data) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}
// 16 lowercase hex digits.
std::string hex64(uint64_t n);

}  // namespace floodgate::origin
