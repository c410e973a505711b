#include "proxy/request_id.h"

#include <random>

namespace floodgate::proxy {

RequestIdSource::RequestIdSource(uint32_t worker_index) {
  std::random_device rd;
  uint64_t random = (uint64_t{rd()} << 32) ^ rd();
  // 24 random bits, 8 bits of worker, then 48 bits of counter: unique across a process's life.
  prefix_ = ((random & 0xffffff) << 8) | (worker_index & 0xff);
}

std::string_view RequestIdSource::next() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = prefix_;
  uint64_t lo = ++counter_;
  for (int i = 7; i >= 0; --i, hi >>= 4) text_[i] = kHex[hi & 0xf];
  for (int i = 19; i >= 8; --i, lo >>= 4) text_[i] = kHex[lo & 0xf];
  return {text_, 20};
}

}  // namespace floodgate::proxy
