#include "web/query.h"

#include <gtest/gtest.h>

namespace floodgate::web {
namespace {

TEST(QueryTest, FindsAndDecodesParameters) {
  EXPECT_EQ(queryParam("series=requests&resolution=minute", "resolution"), "minute");
  EXPECT_EQ(queryParam("prefix=10.0.0.0%2F8", "prefix"), "10.0.0.0/8");
  EXPECT_EQ(queryParam("a=1&a=2", "a"), "1");
  EXPECT_EQ(queryParam("q=a+b%20c", "q"), "a b c");
  EXPECT_EQ(queryParam("flag&x=1", "flag"), "");
  EXPECT_FALSE(queryParam("x=1", "y").has_value());
  EXPECT_FALSE(queryParam("", "y").has_value());
  EXPECT_FALSE(queryParam("x=%2", "x").has_value());
  EXPECT_FALSE(queryParam("x=%zz", "x").has_value());
}

}  // namespace
}  // namespace floodgate::web
