#include "upstream/hash_key.h"

#include <gtest/gtest.h>

namespace floodgate::upstream {
namespace {

TEST(CookieValue, FindsTheNamedCookieOnly) {
  struct Case {
    const char* header;
    const char* name;
    std::optional<std::string_view> want;
  };
  const Case cases[] = {
      {"session=abc", "session", "abc"},
      {"a=1; session=abc; b=2", "session", "abc"},
      {"a=1;session=abc", "session", "abc"},
      {"mysession=abc; session=xyz", "session", "xyz"},  // not a suffix match
      {"session=", "session", std::nullopt},             // an empty value is no key
      {"sessionx=abc", "session", std::nullopt},
      {"a=1; b=2", "session", std::nullopt},
      {"", "session", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(cookieValue(c.header, c.name), c.want) << c.header;
  }
}

}  // namespace
}  // namespace floodgate::upstream
