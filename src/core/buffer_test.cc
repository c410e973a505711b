#include "core/buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace floodgate {
namespace {

TEST(Buffer, AppendConsumeAndCompact) {
  Buffer b;
  b.append("hello ");
  b.append("world");
  EXPECT_EQ(b.view(), "hello world");
  b.consume(6);
  EXPECT_EQ(b.view(), "world");
  b.reserve(Buffer::kBlockSize - 2);  // forces the unread bytes to the front
  EXPECT_EQ(b.view(), "world");
  EXPECT_GE(b.writable(), Buffer::kBlockSize - 2);
}

TEST(Buffer, GrowsBeyondOneBlock) {
  Buffer b;
  std::string big(100'000, 'x');
  b.append(big);
  EXPECT_EQ(b.readable(), big.size());
  EXPECT_EQ(b.view(), big);
}

TEST(Buffer, ReleasedBlocksAreReused) {
  Buffer a;
  a.append("x");
  const char* first = a.readPtr();
  a.consume(1);
  a.release();
  EXPECT_EQ(a.capacity(), 0u);
  Buffer b;
  b.append("y");
  EXPECT_EQ(b.readPtr(), first);  // the same block came back from the per-thread cache
}

TEST(Buffer, ReleaseKeepsUnreadData) {
  Buffer a;
  a.append("keep");
  a.release();
  EXPECT_EQ(a.view(), "keep");
}

TEST(Buffer, AppendingNothingIsANoOp) {
  Buffer b;
  b.append(std::string_view());  // null data pointer, zero length
  EXPECT_EQ(b.readable(), 0u);
  EXPECT_EQ(b.capacity(), 0u);  // and no memory was taken for it
}

TEST(Buffer, MoveTransfersOwnership) {
  Buffer a;
  a.append("abc");
  Buffer b(std::move(a));
  EXPECT_EQ(b.view(), "abc");
  EXPECT_EQ(a.readable(), 0u);
  a = std::move(b);
  EXPECT_EQ(a.view(), "abc");
}

}  // namespace
}  // namespace floodgate
