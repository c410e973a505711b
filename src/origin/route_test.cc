#include "origin/route.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "http/request_parser.h"
#include "origin/json_text.h"

namespace floodgate::origin {
namespace {

using http::Method;

struct RouteCase {
  Method method;
  const char* target;
  Endpoint endpoint;
  uint64_t number = 0;
  bool chunked = false;
  bool summary = false;
  const char* prefix = "";
};

TEST(Route, Table) {
  const RouteCase cases[] = {
      {Method::kGet, "/", Endpoint::kApplication},
      {Method::kPost, "/api/v1/items?x=1", Endpoint::kApplication},
      {Method::kGet, "/__origin", Endpoint::kApplication},
      {Method::kGet, "/__origin/stats", Endpoint::kStats},
      {Method::kHead, "/__origin/stats", Endpoint::kStats},
      {Method::kGet, "/__origin/stats?summary=1", Endpoint::kStats, 0, false, true},
      {Method::kGet, "/__origin/stats?prefix=127.1.", Endpoint::kStats, 0, false, false, "127.1."},
      {Method::kGet, "/__origin/stats?summary=0&prefix=%3A%3A1", Endpoint::kStats, 0, false, false,
       "::1"},
      {Method::kPost, "/__origin/stats", Endpoint::kMethodNotAllowed},
      {Method::kPost, "/__origin/reset", Endpoint::kReset},
      {Method::kGet, "/__origin/reset", Endpoint::kMethodNotAllowed},
      {Method::kGet, "/__origin/status/503", Endpoint::kStatus, 503},
      {Method::kDelete, "/__origin/status/204", Endpoint::kStatus, 204},
      {Method::kGet, "/__origin/status/99", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/status/600", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/status/abc", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/status/", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/delay/250", Endpoint::kDelay, 250},
      {Method::kGet, "/__origin/delay/-1", Endpoint::kBadRequest},
      {Method::kPost, "/__origin/latency/50", Endpoint::kLatency, 50},
      {Method::kPost, "/__origin/latency/0", Endpoint::kLatency, 0},
      {Method::kPost, "/__origin/latency/fast", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/latency/50", Endpoint::kMethodNotAllowed},
      {Method::kGet, "/__origin/bytes/1073741824", Endpoint::kBytes, 1073741824},
      {Method::kGet, "/__origin/bytes/1099511627776", Endpoint::kBytes, 1099511627776},
      {Method::kGet, "/__origin/bytes/1099511627777", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/bytes/99999999999999999999", Endpoint::kBadRequest},
      {Method::kGet, "/__origin/bytes/10?chunked=1", Endpoint::kBytes, 10, true},
      {Method::kGet, "/__origin/bytes/10?chunked", Endpoint::kBytes, 10, true},
      {Method::kPost, "/__origin/upload", Endpoint::kUpload},
      {Method::kPut, "/__origin/upload", Endpoint::kUpload},
      {Method::kGet, "/__origin/upload", Endpoint::kMethodNotAllowed},
      {Method::kGet, "/__origin/echo", Endpoint::kEcho},
      {Method::kPost, "/__origin/echo?a=b", Endpoint::kEcho},
      {Method::kGet, "/__origin/nothing", Endpoint::kNotFound},
      {Method::kGet, "/__origin/stats/x", Endpoint::kNotFound},
  };
  Route route;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    matchRoute(c.method, c.target, &route);
    EXPECT_EQ(route.endpoint, c.endpoint);
    if (c.endpoint == Endpoint::kBadRequest) {
      EXPECT_STRNE(route.problem, "");
      continue;
    }
    EXPECT_EQ(route.number, c.number);
    EXPECT_EQ(route.chunked, c.chunked);
    EXPECT_EQ(route.summary, c.summary);
    EXPECT_EQ(route.prefix, c.prefix);
  }
}

TEST(Route, QueryParam) {
  EXPECT_EQ(queryParam("a=1&b=2", "b"), "2");
  EXPECT_EQ(queryParam("a=1&b", "b"), "1");
  EXPECT_EQ(queryParam("ab=1", "a"), "");
  EXPECT_EQ(queryParam("", "a"), "");
}

std::string_view sourceOf(const char* request, http::RequestHead* head) {
  http::RequestParser parser;
  EXPECT_EQ(parser.parse(request, std::strlen(request), head), http::ParseState::kDone);
  return lastForwardedFor(*head);
}

TEST(Route, SourceIsTheLastForwardedForElement) {
  http::RequestHead head;
  EXPECT_EQ(sourceOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &head), "");
  EXPECT_EQ(sourceOf("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 127.1.2.3\r\n\r\n", &head),
            "127.1.2.3");
  EXPECT_EQ(sourceOf("GET / HTTP/1.1\r\nHost: a\r\n"
                     "x-forwarded-for: 1.1.1.1, 2.2.2.2\r\n"
                     "X-Forwarded-For: 10.0.0.1 ,  127.0.0.9 \r\n\r\n",
                     &head),
            "127.0.0.9");
}

TEST(JsonText, EscapesEverythingJsonCannotCarry) {
  std::string out;
  appendJsonString(&out, std::string_view("a\"b\\c\x01\xe9", 7));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0001\\u00e9\"");
}

TEST(JsonText, Fnv1aKnownVectors) {
  EXPECT_EQ(hex64(fnv1a(kFnv1aOffset, "")), "cbf29ce484222325");
  EXPECT_EQ(hex64(fnv1a(kFnv1aOffset, "a")), "af63dc4c8601ec8c");
  EXPECT_EQ(hex64(fnv1a(kFnv1aOffset, "foobar")), "85944171f73967e8");
  // Incremental: pieces hash like the whole.
  EXPECT_EQ(fnv1a(fnv1a(kFnv1aOffset, "foo"), "bar"), fnv1a(kFnv1aOffset, "foobar"));
}

}  // namespace
}  // namespace floodgate::origin
