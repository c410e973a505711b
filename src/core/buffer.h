// Buffer: a contiguous byte buffer with a read and a write position. It grows only when asked
// (reserve), so a connection that reuses it allocates nothing per request.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace floodgate {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t capacity) { reserve(capacity); }
  ~Buffer() { freeStorage(); }
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  const char* readPtr() const { return data_ + read_; }
  size_t readable() const { return write_ - read_; }
  bool empty() const { return read_ == write_; }
  std::string_view view() const { return {data_ + read_, write_ - read_}; }
  void consume(size_t n) {
    read_ += n;
    if (read_ == write_) read_ = write_ = 0;
  }

  char* writePtr() { return data_ + write_; }
  size_t writable() const { return capacity_ - write_; }
  void commit(size_t n) { write_ += n; }
  // Makes room for at least `n` more bytes: moves the unread bytes to the front, then grows.
  void reserve(size_t n);
  // Makes room for a read of up to `n` bytes. A buffer without storage gets all of it, or a
  // kSmallBlock when `small_first` (a request head: most fit in one); one with storage is read
  // into the room it has while that is kMinReadRoom or more (a small block: until it is full),
  // and grows only once a read has filled it. A fast sender fills it at once and gets the big
  // reads; a peer that trickles (slowloris, slow POST) keeps its connection at one block
  // instead of one doubled for every piece or sized for a whole body: memory per held
  // connection.
  void reserveForRead(size_t n, bool small_first = false);
  void append(const char* p, size_t n) {
    if (n == 0) return;  // an empty view may carry a null pointer, which memcpy must not see
    if (writable() < n) reserve(n);
    std::memcpy(data_ + write_, p, n);
    write_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void append(char c) { append(&c, 1); }

  size_t capacity() const { return capacity_; }
  void clear() { read_ = write_ = 0; }
  // Gives the memory of an empty buffer back (idle connections hold no buffers). Blocks of the
  // two standard sizes go to per-thread free lists, so a keep-alive connection that releases its
  // buffers between requests does not pay for malloc on every request.
  void release();

  static constexpr size_t kBlockSize = 16 * 1024;
  static constexpr size_t kSmallBlock = 4 * 1024;
  static constexpr size_t kMinReadRoom = 4 * 1024;

 private:
  void freeStorage();
  void takeBlock(size_t size);  // storage of a cached size (kSmallBlock, kBlockSize), empty

  char* data_ = nullptr;
  size_t capacity_ = 0;
  size_t read_ = 0;
  size_t write_ = 0;
};

}  // namespace floodgate
