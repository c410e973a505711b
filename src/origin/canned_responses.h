// CannedResponses: the application's complete answers (200, 503 over capacity, 500), rebuilt only
// when the Date header's second changes, so answering a request is one memcpy. One per worker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace floodgate::origin {

enum class Canned : uint8_t { kOk, kOverCapacity, kFailed };

class CannedResponses {
 public:
  // Bodies up to this size are kept inside the canned response; larger ones are streamed.
  static constexpr size_t kMaxInlineBody = 16 * 1024;

  // `body_bytes` 0 means the short default text.
  CannedResponses(std::string_view name, size_t body_bytes);

  // The response for `kind` (head, and body unless `head_only` or streamed). Valid until the
  // next call.
  std::string_view get(Canned kind, bool keep_alive, bool head_only);
  // The 200's body is not in get()'s answer and must be streamed (see body_pattern.h).
  bool okBodyStreamed() const { return ok_body_bytes_ > kMaxInlineBody; }
  uint64_t okBodyBytes() const { return ok_body_bytes_; }
  // "X-Origin: <name>\r\n", for responses built elsewhere.
  std::string_view originHeader() const { return origin_header_; }

  static constexpr std::string_view kOverCapacityBody = "origin over capacity\n";

 private:
  struct Text {
    std::string bytes;
    size_t head_len = 0;
  };
  void rebuild(std::string_view date);
  void build(Text* text, int status, std::string_view body, uint64_t content_length,
             bool keep_alive, std::string_view date);

  std::string origin_header_;
  std::string ok_body_;  // empty when streamed
  uint64_t ok_body_bytes_ = 0;
  std::string date_;
  Text texts_[3][2];  // [kind][keep_alive]
};

}  // namespace floodgate::origin
