#include "storm/schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace floodgate::storm {
namespace {

std::vector<Phase> phases(std::initializer_list<std::pair<const char*, int>> spec) {
  std::vector<Phase> out;
  Duration at{};
  for (const auto& [name, secs] : spec) {
    Phase p;
    p.name = name;
    p.duration = seconds(secs);
    p.start = at;
    at += p.duration;
    out.push_back(p);
  }
  return out;
}

TEST(ActiveWindows, MergesAdjacentPhases) {
  auto ps = phases({{"calm", 2}, {"attack", 3}, {"after", 2}});
  ClientGroup g;
  g.phases = {0, 1, 2};
  auto w = ActiveWindows::forGroup(ps, g);
  ASSERT_EQ(w.windows().size(), 1u);
  EXPECT_EQ(w.totalActive(), seconds(7));
  g.phases = {0, 2};
  w = ActiveWindows::forGroup(ps, g);
  ASSERT_EQ(w.windows().size(), 2u);
  EXPECT_EQ(w.totalActive(), seconds(4));
  EXPECT_TRUE(w.activeAt(seconds(1)));
  EXPECT_FALSE(w.activeAt(seconds(3)));
  EXPECT_TRUE(w.activeAt(seconds(5)));
  EXPECT_EQ(w.activeTimeBefore(seconds(6)), seconds(3));
  EXPECT_EQ(w.offsetOfActiveTime(seconds(2)), seconds(5));
}

TEST(ActiveWindows, CutsPulses) {
  auto ps = phases({{"calm", 2}, {"attack", 10}});
  ClientGroup g;
  g.phases = {1};
  g.pulse_on = seconds(2);
  g.pulse_off = seconds(3);
  auto w = ActiveWindows::forGroup(ps, g);
  // 2-4 on, 4-7 off, 7-9 on, 9-12 off.
  ASSERT_EQ(w.windows().size(), 2u);
  EXPECT_EQ(w.windows()[0], std::make_pair(Duration(seconds(2)), Duration(seconds(4))));
  EXPECT_EQ(w.windows()[1], std::make_pair(Duration(seconds(7)), Duration(seconds(9))));
  EXPECT_EQ(w.totalActive(), seconds(4));
}

TEST(RequestSchedule, OpenLoopAtAFixedRateWithAManualClock) {
  ManualClock clock;
  MonoTime start = clock.now();
  ActiveWindows w({{seconds(0), seconds(2)}});
  RequestSchedule s(&w, 10, start);  // 10/s: one every 100 ms
  std::vector<MonoTime> due;
  auto take = [&] { s.takeDue(clock.now(), [&](uint64_t, MonoTime t) { due.push_back(t); }); };
  take();
  EXPECT_TRUE(due.empty());  // nothing before the start
  clock.advance(milliseconds(1));
  take();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], start);
  clock.advance(milliseconds(349));  // t = 350 ms: requests at 0, 100, 200, 300
  take();
  ASSERT_EQ(due.size(), 4u);
  EXPECT_EQ(due[3] - start, milliseconds(300));
  // A stall does not lose requests: they all come due, each with its own scheduled time.
  clock.advance(milliseconds(1000));
  take();
  ASSERT_EQ(due.size(), 14u);
  EXPECT_EQ(due[13] - start, milliseconds(1300));
  // The window ends at 2 s: exactly 20 requests in all, however long we wait.
  clock.advance(seconds(10));
  take();
  EXPECT_EQ(due.size(), 20u);
  EXPECT_EQ(s.issued(), 20u);
}

TEST(RequestSchedule, SkipsInactiveTime) {
  ManualClock clock;
  MonoTime start = clock.now();
  ActiveWindows w({{seconds(0), seconds(1)}, {seconds(3), seconds(4)}});
  RequestSchedule s(&w, 4, start);
  EXPECT_EQ(s.dueBy(start + milliseconds(2500)), 4u);
  EXPECT_EQ(s.intendedTime(4) - start, seconds(3));
  EXPECT_EQ(s.intendedTime(5) - start, milliseconds(3250));
  EXPECT_EQ(s.dueBy(start + seconds(60)), 8u);
}

TEST(RequestSchedule, FractionalRates) {
  ActiveWindows w({{seconds(0), seconds(10)}});
  ManualClock clock;
  RequestSchedule s(&w, 0.5, clock.now());
  EXPECT_EQ(s.dueBy(clock.now() + seconds(10)), 5u);
  EXPECT_EQ(s.intendedTime(1) - clock.now(), seconds(2));
}

}  // namespace
}  // namespace floodgate::storm
