#include "core/buffer.h"

#include <algorithm>
#include <new>
#include <utility>

namespace floodgate {
namespace {

// A per-thread stack of free blocks of one standard size, bounded so a burst leaves no hoard
// behind.
struct BlockCache {
  static constexpr size_t kMaxBlocks = 256;
  char* blocks[kMaxBlocks];
  size_t count = 0;
  ~BlockCache() {
    while (count > 0) std::free(blocks[--count]);
  }
};
thread_local BlockCache block_cache;        // kBlockSize
thread_local BlockCache small_block_cache;  // kSmallBlock

BlockCache* cacheFor(size_t size) {
  if (size == Buffer::kBlockSize) return &block_cache;
  if (size == Buffer::kSmallBlock) return &small_block_cache;
  return nullptr;
}

}  // namespace

void Buffer::freeStorage() {
  if (data_ == nullptr) return;
  BlockCache* cache = cacheFor(capacity_);
  if (cache != nullptr && cache->count < BlockCache::kMaxBlocks) {
    cache->blocks[cache->count++] = data_;
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  capacity_ = 0;
}

void Buffer::takeBlock(size_t size) {
  BlockCache* cache = cacheFor(size);
  if (cache != nullptr && cache->count > 0) {
    data_ = cache->blocks[--cache->count];
  } else {
    data_ = static_cast<char*>(std::malloc(size));
    if (data_ == nullptr) throw std::bad_alloc();
  }
  capacity_ = size;
}

Buffer::Buffer(Buffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      capacity_(std::exchange(o.capacity_, 0)),
      read_(std::exchange(o.read_, 0)),
      write_(std::exchange(o.write_, 0)) {}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    freeStorage();
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
  if (data_ == nullptr && n <= kBlockSize) {
    takeBlock(kBlockSize);
    return;
  }
  size_t want = capacity_ == 0 ? kBlockSize : capacity_;
  while (want - used < n) want *= 2;
  char* grown = static_cast<char*>(std::realloc(data_, want));
  if (grown == nullptr) throw std::bad_alloc();
  data_ = grown;
  capacity_ = want;
}

void Buffer::reserveForRead(size_t n, bool small_first) {
  if (data_ == nullptr && small_first) {
    takeBlock(kSmallBlock);
    return;
  }
  // No storage: no room, so it grows. A small block is read into to the last byte.
  if (writable() >= std::min(n, kMinReadRoom)) return;
  if (capacity_ < kBlockSize && writable() > 0) return;
  reserve(n);
}

void Buffer::release() {
  if (!empty()) return;
  freeStorage();
  read_ = write_ = 0;
}

}  // namespace floodgate
