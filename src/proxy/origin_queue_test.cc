#include "proxy/origin_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floodgate::proxy {
namespace {

using shield::OriginGate;
using shield::PriorityClass;

// A request waiting for a slot: what the queue told it, in order.
struct Waiter final : OriginWaiter {
  explicit Waiter(std::string name, std::vector<std::string>* log)
      : name(std::move(name)), log(log) {}
  void onOriginSlot() override { log->push_back(name + " slot"); }
  void onOriginShed(bool timed_out) override {
    log->push_back(name + (timed_out ? " timed out" : " displaced"));
  }
  std::string name;
  std::vector<std::string>* log;
};

// One worker's queue on a ManualClock, toward an origin of 16 slots at 20 ms, all taken.
class OriginQueueTest : public ::testing::Test {
 protected:
  OriginQueueTest() {
    gate_.setLimit(16);
    gate_.setNormalLatency(milliseconds(20));
    for (int i = 0; i < 16; ++i) EXPECT_TRUE(gate_.tryAcquire(PriorityClass::kKnownGood));
  }
  bool offer(Waiter& w, PriorityClass c, OriginGate& gate) {
    size_t ahead = static_cast<size_t>(gate.waitingAtOrAbove(c));
    return queue_.offer(&w, &gate, c, ahead, milliseconds(80), 64);
  }
  bool offer(Waiter& w, PriorityClass c) { return offer(w, c, gate_); }
  // A slot comes free and the loop turns.
  void freeASlot() {
    gate_.release(false, milliseconds(20), clock_.now());
    queue_.slotFreed();
    loop_.runOnce(0);
  }

  ManualClock clock_;
  EventLoop loop_{clock_};
  OriginQueue queue_{loop_};
  OriginGate gate_;
  std::vector<std::string> log_;
};

// Not saturated: a burst waits in line (the slots turn over within the wait).
TEST_F(OriginQueueTest, ABurstWaitsInLine) {
  Waiter a("a", &log_), b("b", &log_), c("c", &log_);
  EXPECT_TRUE(offer(a, PriorityClass::kKnownGood));
  EXPECT_TRUE(offer(b, PriorityClass::kKnownGood));
  EXPECT_TRUE(offer(c, PriorityClass::kKnownGood));
  EXPECT_EQ(queue_.size(), 3u);
  freeASlot();
  EXPECT_EQ(log_, std::vector<std::string>{"a slot"});
  queue_.cancel(&b);
  queue_.cancel(&c);
}

// Saturated: one waits, for the next free slot, and a newer arrival takes its place — the slot
// goes to the freshest, none waits much past the next arrival. The place taken is the lowest
// class's; a lower class never displaces a better one, nor anyone a waiter toward another cluster.
TEST_F(OriginQueueTest, BeforeAStandingQueueTheNewestWaitsForTheNextSlot) {
  gate_.setSaturated(true);
  Waiter a("a", &log_), b("b", &log_), c("c", &log_), d("d", &log_), e("e", &log_), f("f", &log_);
  EXPECT_TRUE(offer(a, PriorityClass::kUnknown));
  EXPECT_TRUE(offer(b, PriorityClass::kUnknown));
  EXPECT_EQ(log_, std::vector<std::string>{"a displaced"});
  EXPECT_EQ(queue_.size(), 1u);
  EXPECT_EQ(gate_.waitingAtOrAbove(PriorityClass::kUnknown), 1);
  EXPECT_TRUE(offer(c, PriorityClass::kKnownGood));  // nobody as good ahead: it waits too
  EXPECT_TRUE(offer(d, PriorityClass::kKnownGood));  // in the unknown one's place
  EXPECT_FALSE(offer(e, PriorityClass::kUnknown));   // not in a known-good one's
  EXPECT_TRUE(offer(f, PriorityClass::kKnownGood));  // in the older known-good one's
  EXPECT_EQ(log_, (std::vector<std::string>{"a displaced", "b displaced", "c displaced"}));
  OriginGate other;  // another cluster, saturated, with a waiter on another worker
  other.setLimit(1);
  other.setNormalLatency(milliseconds(20));
  other.setSaturated(true);
  ASSERT_TRUE(other.tryAcquire(PriorityClass::kKnownGood));
  other.noteWaiting(PriorityClass::kKnownGood, +1);
  Waiter g("g", &log_);
  EXPECT_FALSE(offer(g, PriorityClass::kKnownGood, other));  // d and f wait for the first one
  other.noteWaiting(PriorityClass::kKnownGood, -1);
  freeASlot();
  freeASlot();
  EXPECT_EQ(log_, (std::vector<std::string>{"a displaced", "b displaced", "c displaced", "d slot",
                                            "f slot"}));
}

// Saturated with slots turning over faster (64 at 20 ms, pulse waves' known-good users against
// a flood): the three that drain within a millisecond all wait; only a fourth takes a place.
TEST_F(OriginQueueTest, AFastTurningStandingQueueKeepsWhatDrainsWithinAMillisecond) {
  gate_.setLimit(64);
  for (int i = 16; i < 64; ++i) ASSERT_TRUE(gate_.tryAcquire(PriorityClass::kKnownGood));
  gate_.setSaturated(true);
  Waiter a("a", &log_), b("b", &log_), c("c", &log_), d("d", &log_);
  for (Waiter* w : {&a, &b, &c, &d}) EXPECT_TRUE(offer(*w, PriorityClass::kKnownGood));
  EXPECT_EQ(log_, std::vector<std::string>{"a displaced"});
  for (int i = 0; i < 3; ++i) freeASlot();
  EXPECT_EQ(log_, (std::vector<std::string>{"a displaced", "b slot", "c slot", "d slot"}));
}

// Saturated, nobody arriving after it: the waiter keeps its place until its deadline.
TEST_F(OriginQueueTest, ALoneWaiterOfASaturatedOriginWaitsItsTime) {
  gate_.setSaturated(true);
  Waiter a("a", &log_);
  EXPECT_TRUE(offer(a, PriorityClass::kKnownGood));
  clock_.advance(milliseconds(79));
  loop_.runOnce(0);
  EXPECT_TRUE(log_.empty());
  clock_.advance(milliseconds(2));
  loop_.runOnce(0);
  EXPECT_EQ(log_, std::vector<std::string>{"a timed out"});
  EXPECT_EQ(queue_.size(), 0u);
}

}  // namespace
}  // namespace floodgate::proxy
