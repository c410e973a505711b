#include "storm/redirect_target.h"

#include <gtest/gtest.h>

namespace floodgate::storm {
namespace {

TEST(SameSitePath, FollowsOnlyTheTarget) {
  struct Case {
    const char* location;
    bool follow;
    const char* path;
  } cases[] = {
      {"/__challenge?next=/cart", true, "/__challenge?next=/cart"},
      {"http://127.0.0.1:8080/ok", true, "/ok"},
      {"HTTP://127.0.0.1:8080", true, "/"},
      {"http://127.0.0.1:8080?x=1", true, "/?x=1"},
      {"http://127.0.0.1:8080/a#frag", true, "/a"},
      {"next?x=1", true, "/next?x=1"},
      {"http://example.com/", false, ""},
      {"https://127.0.0.1:8080/", false, ""},
      {"//evil.example/", false, ""},
      {"/has space", false, ""},
      {"", false, ""},
      {"javascript:alert(1)", false, ""},
  };
  for (const auto& c : cases) {
    std::string path;
    EXPECT_EQ(sameSitePath(c.location, "127.0.0.1:8080", &path), c.follow) << c.location;
    if (c.follow) {
      EXPECT_EQ(path, c.path) << c.location;
    }
  }
}

}  // namespace
}  // namespace floodgate::storm
