// RequestBank: a group's requests, built once. A path's holes: {rand} (ten hex digits) and {word}
// (six lowercase letters: a random query key no placeholder rule catches). A request without holes is sent straight
// from the bank's bytes; one with holes, or with the user's cookies, is rendered into the
// connection's own reusable scratch string. Either way a request allocates nothing once warm.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storm/fast_random.h"
#include "storm/scenario.h"

namespace floodgate::storm {

struct RequestShape {
  std::string method = "GET";
  std::string host;  // Host header value
  std::vector<Header> headers;
  uint64_t body_bytes = 0;    // Content-Length and a body of that many bytes
  uint64_t header_count = 0;  // extra "X-Bomb-N" headers (header bomb)
  uint64_t header_bytes = 0;
};

class RequestBank {
 public:
  RequestBank(const RequestShape& shape, const std::vector<std::string>& path_templates);

  size_t size() const { return variants_.size(); }
  // A ready request (head and body) for variant i when it has no holes; empty otherwise.
  std::string_view whole(size_t i) const { return variants_[i].whole; }
  bool hasHoles(size_t i) const { return variants_[i].pieces.size() > 1; }
  // Renders variant i's head into *out with fresh random values and an optional extra header
  // line (e.g. "Cookie: a=b\r\n"), ending with the blank line. The body is body().
  void renderHead(size_t i, FastRandom& rng, std::string_view extra_lines, std::string* out) const;
  // Renders a GET for `path` (a redirect target) with the same headers.
  void renderGet(std::string_view path, std::string_view extra_lines, std::string* out) const;
  std::string_view body() const { return body_; }
  const std::string& method() const { return method_; }

 private:
  struct Variant {
    std::vector<std::string> pieces;  // literal text between holes
    std::vector<bool> words;          // per hole (pieces.size() - 1): {word}, else {rand}
    std::string whole;                // head + body when there are no holes
  };
  std::string method_;
  std::string fields_;      // " HTTP/1.1\r\nHost: ...\r\n<headers>" without the blank line
  std::string get_fields_;  // the same without Content-Length, for redirects
  std::string body_;
  std::vector<Variant> variants_;
};

// Writes 10 random lowercase hex digits: enough to defeat any cache key.
void appendRandomToken(FastRandom& rng, std::string* out);
// Writes 6 random lowercase letters.
void appendRandomWord(FastRandom& rng, std::string* out);

}  // namespace floodgate::storm
