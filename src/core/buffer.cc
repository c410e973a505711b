#include "core/buffer.h"

#include <new>
#include <utility>

namespace floodgate {

Buffer::Buffer(Buffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      capacity_(std::exchange(o.capacity_, 0)),
      read_(std::exchange(o.read_, 0)),
      write_(std::exchange(o.write_, 0)) {}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    data_ = std::exchange(o.data_, nullptr);
    capacity_ = std::exchange(o.capacity_, 0);
    read_ = std::exchange(o.read_, 0);
    write_ = std::exchange(o.write_, 0);
  }
  return *this;
}

void Buffer::reserve(size_t n) {
  if (writable() >= n) return;
  size_t used = readable();
  if (read_ > 0) {
    std::memmove(data_, data_ + read_, used);
    read_ = 0;
    write_ = used;
    if (writable() >= n) return;
  }
  size_t want = capacity_ == 0 ? 4096 : capacity_;
  while (want - used < n) want *= 2;
  char* grown = static_cast<char*>(std::realloc(data_, want));
  if (grown == nullptr) throw std::bad_alloc();
  data_ = grown;
  capacity_ = want;
}

void Buffer::release() {
  if (!empty()) return;
  std::free(data_);
  data_ = nullptr;
  capacity_ = read_ = write_ = 0;
}

}  // namespace floodgate
