#include "storm/chart_svg.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

size_t countOf(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(ChartSvg, DrawsThreePanelsWithShadedPhases) {
  ChartData d;
  d.title = "storm: a <test> & more";
  d.phases = {{"calm", 0, 5, false}, {"attack", 5, 15, true}, {"after", 15, 20, false}};
  for (int i = 0; i < 20; ++i) {
    ChartPoint p;
    p.success = i >= 5 && i < 10 ? 0.5 : 1.0;
    p.p99_ms = i >= 5 && i < 10 ? 900.0 : 4.0;
    p.offered_rps = i >= 5 && i < 15 ? 5000 : 0;
    if (i != 7) p.admitted_rps = i >= 5 && i < 8 ? 4000.0 : 0.0;
    d.seconds.push_back(p);
  }
  std::string svg = chartSvg(d);
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("a &lt;test&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(countOf(svg, "fill=\"#fbe3e0\""), 3u);  // the attack phase, in each panel
  EXPECT_EQ(countOf(svg, "fill=\"#f2f5f8\""), 6u);
  // success, p99, and admitted broken in two by the missing second; offered is an area
  EXPECT_EQ(countOf(svg, "<polyline"), 4u);
  EXPECT_EQ(countOf(svg, "<polygon"), 1u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(ChartSvg, SurvivesAnEmptyRun) {
  ChartData d;
  std::string svg = chartSvg(d);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace floodgate::storm
