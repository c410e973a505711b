#include "origin/origin.h"

#include <cstdio>

namespace floodgate::origin {
int runOrigin(const OriginOptions&) {
  std::fprintf(stderr, "floodgate origin: not built yet\n");
  return 1;
}
}  // namespace floodgate::origin
