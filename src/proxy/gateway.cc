#include "proxy/gateway.h"

#include <cstdio>

namespace floodgate::proxy {
int runGateway(std::shared_ptr<const config::Config>, const std::string&) {
  std::fprintf(stderr, "floodgate run: not built yet\n");
  return 1;
}
}  // namespace floodgate::proxy
