#include "origin/body_pattern.h"

#include <algorithm>
#include <array>

namespace floodgate::origin {
namespace {

// One piece plus one line, so a piece can start at any offset within a line.
constexpr size_t kBlockBytes = kMaxPatternPiece + kPatternLine.size();

constexpr std::array<char, kBlockBytes> makeBlock() {
  std::array<char, kBlockBytes> block{};
  for (size_t i = 0; i < kBlockBytes; ++i) block[i] = kPatternLine[i % kPatternLine.size()];
  return block;
}

constexpr std::array<char, kBlockBytes> kBlock = makeBlock();

}  // namespace

std::string_view patternPiece(uint64_t offset, size_t max_len) {
  size_t start = static_cast<size_t>(offset % kPatternLine.size());
  return {kBlock.data() + start, std::min(max_len, kMaxPatternPiece)};
}

}  // namespace floodgate::origin
