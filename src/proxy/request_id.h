// RequestIdSource: unique request ids without locks or allocation: a per-process random prefix,
// the worker's index and a per-worker counter, as 20 hex digits.
#pragma once

#include <cstdint>
#include <string_view>

namespace floodgate::proxy {

class RequestIdSource {
 public:
  explicit RequestIdSource(uint32_t worker_index);
  // The next id; the view stays valid until the next call.
  std::string_view next();

 private:
  uint64_t prefix_;
  uint64_t counter_ = 0;
  char text_[24];
};

}  // namespace floodgate::proxy
