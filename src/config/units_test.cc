#include "config/units.h"

#include <gtest/gtest.h>

#include <string>

#include "config/messages.h"

namespace floodgate::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct DurationCase {
  std::string text;
  Duration want;
};

TEST(ParseDuration, AcceptsEveryWrittenForm) {
  const DurationCase cases[] = {
      {"500ms", milliseconds(500)}, {"10s", seconds(10)},
      {"2m", minutes(2)},           {"1h", hours(1)},
      {"1m30s", seconds(90)},       {"1h0m5s", seconds(3605)},
      {"1.5s", milliseconds(1500)}, {"0.25", milliseconds(250)},
      {"30", seconds(30)},                               // plain number: seconds
      {" 5s ", seconds(5)},         {"0", Duration(0)},  // parses; callers that need > 0 say so
      {"8760h", hours(8760)},
  };
  for (const auto& c : cases) {
    auto d = parseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.error();
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

struct BadCase {
  std::string text;
  std::string message;  // substring of the error
};

TEST(ParseDuration, RefusesWithTheExpectedForm) {
  const BadCase cases[] = {
      {"", "is not a duration such as 500ms, 10s"},
      {"5x", "\"5x\" is not a duration such as 500ms, 10s, 2m, 1h or 1m30s"},
      {"10 s", "is not a duration"},
      {"s", "is not a duration"},
      {"1d", "is not a duration"},
      {"10S", "is not a duration"},
      {"1s5", "is not a duration"},  // a unitless number only on its own
      {"-1s", "is negative"},
      {"8761h", "too long; durations go up to 8760h"},
      {"99999999999999999999h", "too long"},
  };
  for (const auto& c : cases) {
    auto d = parseDuration(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_NE(d.error().find(c.message), std::string::npos) << c.text << " -> " << d.error();
  }
}

TEST(ParseSize, AcceptsBytesAndUnits) {
  const std::pair<std::string, uint64_t> cases[] = {
      {"0", 0},
      {"1024", 1024},
      {"100B", 100},
      {"16KiB", 16 * 1024},
      {"16 KiB", 16 * 1024},
      {"16kib", 16 * 1024},
      {"1MiB", 1 << 20},
      {"1GiB", uint64_t{1} << 30},
      {"2KB", 2000},
      {"3MB", 3'000'000},
      {"4GB", 4'000'000'000},
  };
  for (const auto& [text, want] : cases) {
    auto s = parseSize(text);
    ASSERT_TRUE(s.ok()) << text << ": " << s.error();
    EXPECT_EQ(*s, want) << text;
  }
}

TEST(ParseSize, RefusesWithTheExpectedForm) {
  const BadCase cases[] = {
      {"", "is not a size in bytes such as 65536, 16KiB"},
      {"16K", "is not a size"},
      {"1.5GB", "is not a size"},
      {"lots", "is not a size"},
      {"-1", "is negative"},
      {"99999999999999999999", "too large"},
      {"17179869184GiB", "too large"},
  };
  for (const auto& c : cases) {
    auto s = parseSize(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_NE(s.error().find(c.message), std::string::npos) << c.text << " -> " << s.error();
  }
}

TEST(ParseInteger, WholeNumbersOnly) {
  EXPECT_EQ(*parseInteger("42"), 42);
  EXPECT_EQ(*parseInteger("+7"), 7);
  EXPECT_EQ(*parseInteger("-3"), -3);
  EXPECT_FALSE(parseInteger("2.0").ok());
  EXPECT_FALSE(parseInteger("ten").ok());
  EXPECT_FALSE(parseInteger("").ok());
  EXPECT_NE(parseInteger("99999999999999999999").error().find("too large"), std::string::npos);
}

TEST(Messages, DidYouMeanFindsTyposOnly) {
  const std::vector<std::string> keys = {"name", "endpoints", "connect_timeout", "max_connections"};
  EXPECT_EQ(closestName("endpoint", keys), "endpoints");
  EXPECT_EQ(closestName("endpiont", keys), "endpoints");  // transposition
  EXPECT_EQ(closestName("Name", keys), "name");
  EXPECT_EQ(closestName("conect_timeout", keys), "connect_timeout");
  EXPECT_EQ(closestName("weight", keys), "");
  EXPECT_EQ(closestName("x", keys), "");
  EXPECT_EQ(closestName("warning", {"warn", "error"}), "warn");  // longer spelling
  EXPECT_EQ(didYouMean("nmae", keys), "; did you mean \"name\"?");
  EXPECT_EQ(didYouMean("zzz", keys), "");
}

TEST(Messages, QuotedEscapesControlCharacters) {
  EXPECT_EQ(quoted("api"), "\"api\"");
  EXPECT_EQ(quoted("a\"b\nc\x01"), "\"a\\\"b\\nc\\x01\"");
}

}  // namespace
}  // namespace floodgate::config
