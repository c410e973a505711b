// The bytes of the bodies the origin makes up: one 64-byte line repeated, so byte i of any body is
// kLine[i % 64] whatever pieces it is sent in, and a test can check a download without storing it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace floodgate::origin {

inline constexpr std::string_view kPatternLine =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n";
static_assert(kPatternLine.size() == 64);

// Up to `max_len` bytes (at most kMaxPatternPiece) of the body that start at `offset`; the view
// points into static memory and stays valid for the whole program.
inline constexpr size_t kMaxPatternPiece = 64 * 1024;
std::string_view patternPiece(uint64_t offset, size_t max_len);

}  // namespace floodgate::origin
