#include "storm/terminal_report.h"

#include <gtest/gtest.h>

#include "storm/scenario_parser.h"

namespace floodgate::storm {
namespace {

std::vector<size_t> barsOf(const std::string& line) {
  std::vector<size_t> out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|') out.push_back(i);
  }
  return out;
}

TEST(TerminalReport, ProgressLinesLineUpWithTheHeader) {
  auto s = parseScenarioText(R"(target: http://127.0.0.1:8080
phases: [{ name: calm, duration: 2s }, { name: a-very-long-phase-name, duration: 2s, attack: true }]
clients:
  - { name: users, kind: legit, sources: 127.10.0.0/24, count: 10, rate: 100 }
  - { name: flood, kind: keepalive_flood, sources: 127.66.0.0/24, count: 2, rate: 1000 }
)",
                             "t.yaml");
  ASSERT_TRUE(s.ok()) << s.error();
  auto ranges = sourceRangesOf(*s);
  SecondRow row;
  row.second = 3;
  row.phase = 1;
  row.groups.resize(2);
  row.groups[0][Count::kResponses] = row.groups[0][Count::kOk] = 123456;
  row.groups[1][Count::kScheduled] = row.groups[1][Count::kSent] = 9876543;
  row.origin = {OriginCounts{100, 100, 0, 0}, OriginCounts{54321, 54321, 0, 0}};
  for (int i = 0; i < 100; ++i) row.legit_latency.record(1234);
  std::string header = progressHeader();
  std::string line = progressLine(*s, ranges, row);
  EXPECT_EQ(barsOf(header), barsOf(line)) << header << line;
  EXPECT_EQ(header.size(), line.size()) << header << line;
  EXPECT_NE(line.find("a-very-long"), std::string::npos);
  EXPECT_NE(line.find("0.6%"), std::string::npos);  // 54321 of 9876543 admitted
}

}  // namespace
}  // namespace floodgate::storm
