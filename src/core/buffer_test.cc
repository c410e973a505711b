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

// A peer that sends a request a few bytes at a time: each piece waits in the buffer for the
// rest. reserve() would double the block for every such read; reserveForRead() reads into the
// room the block has, and grows it only when that runs short.
TEST(Buffer, ATrickleIsReadIntoTheRoomItHas) {
  Buffer trickle;
  trickle.append("POST /upload HTTP/1.1\r\n");  // part of a head, waiting for the rest
  Buffer doubled;
  doubled.append("POST /upload HTTP/1.1\r\n");
  doubled.reserve(Buffer::kBlockSize);
  EXPECT_EQ(doubled.capacity(), 2 * Buffer::kBlockSize);  // what every piece used to cost

  trickle.reserveForRead(Buffer::kBlockSize);
  EXPECT_EQ(trickle.capacity(), Buffer::kBlockSize);
  EXPECT_EQ(trickle.view(), "POST /upload HTTP/1.1\r\n");
  trickle.reserveForRead(64 * 1024);  // a body's chunk: still the room already there
  EXPECT_EQ(trickle.capacity(), Buffer::kBlockSize);
}

TEST(Buffer, ReadRoomGrowsWhenShortOrMissing) {
  Buffer full;
  full.append(std::string(Buffer::kBlockSize - 100, 'h'));  // 100 bytes of room left
  full.reserveForRead(Buffer::kBlockSize);
  EXPECT_GE(full.writable(), Buffer::kBlockSize);
  EXPECT_EQ(full.readable(), Buffer::kBlockSize - 100);  // nothing lost in the move

  Buffer fresh;
  fresh.reserveForRead(64 * 1024);  // no storage yet: the whole chunk at once
  EXPECT_GE(fresh.writable(), 64u * 1024);

  // A head read and consumed, a body to come (slow POST): the block it has, not a body-sized
  // one — a fast body fills the block with its first read and grows it on the next.
  Buffer drained;
  drained.append("POST /upload HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n");
  drained.consume(drained.readable());
  drained.reserveForRead(64 * 1024);
  EXPECT_EQ(drained.capacity(), Buffer::kBlockSize);
  drained.commit(drained.writable());  // the first read filled it
  drained.reserveForRead(64 * 1024);
  EXPECT_GE(drained.writable(), 64u * 1024);

  Buffer small;  // less than kMinReadRoom asked for, and that much there: no growth
  small.append("GET / HTTP/1.1\r\n");
  small.reserveForRead(500);
  EXPECT_EQ(small.capacity(), Buffer::kBlockSize);
}

// A request head starts in a small block: a connection holding a head that trickles in keeps
// 4 KiB; a head that fills it grows the block like any other read.
TEST(Buffer, AHeadStartsInASmallBlockAndGrowsWhenItFills) {
  Buffer head;
  head.reserveForRead(Buffer::kBlockSize, true);
  EXPECT_EQ(head.capacity(), Buffer::kSmallBlock);
  head.append("GET / HTTP/1.1\r\nHost: a\r\n");  // part of it, the rest to come
  head.reserveForRead(Buffer::kBlockSize, true);  // less room than kMinReadRoom, but room
  EXPECT_EQ(head.capacity(), Buffer::kSmallBlock);

  head.commit(head.writable());  // a read filled it
  size_t had = head.readable();
  head.reserveForRead(Buffer::kBlockSize, true);
  EXPECT_GE(head.writable(), Buffer::kBlockSize);
  EXPECT_EQ(head.readable(), had);
  EXPECT_EQ(head.view().substr(0, 16), "GET / HTTP/1.1\r\n");  // nothing lost in the growth

  Buffer body;  // not a head: no storage gets the whole chunk, as before
  body.reserveForRead(Buffer::kBlockSize);
  EXPECT_EQ(body.capacity(), Buffer::kBlockSize);
}

TEST(Buffer, ReleasedSmallBlocksAreReused) {
  Buffer a;
  a.reserveForRead(Buffer::kBlockSize, true);
  const char* first = a.writePtr();
  a.release();
  EXPECT_EQ(a.capacity(), 0u);
  Buffer b;
  b.reserveForRead(Buffer::kBlockSize, true);
  EXPECT_EQ(b.writePtr(), first);  // from the per-thread cache of small blocks
  EXPECT_EQ(b.capacity(), Buffer::kSmallBlock);
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
