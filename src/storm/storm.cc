#include "storm/storm.h"

#include <cstdio>

namespace floodgate::storm {
int runStorm(const StormOptions&) {
  std::fprintf(stderr, "floodgate storm: not built yet\n");
  return 1;
}
}  // namespace floodgate::storm
