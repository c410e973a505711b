#include "shield/fingerprint.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "http/chars.h"
#include "shield/ip_prefix.h"

namespace floodgate::shield {
namespace {

enum class Placeholder : uint8_t { kNumber, kHex, kUuid, kKey };

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHexLetter(char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isHex(char c) { return isDigit(c) || isHexLetter(c); }

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isHex(s[i])) return false;
  }
  return true;
}

// Object ids, hashes, tokens: all hex, long enough not to be a word, with a decimal digit (all
// letters is likely a word like "facade"). All digits counts too: one random ten-digit hex id in
// a hundred has no letter, and a cache buster's ids must not fall out of their shape by chance.
bool isHexId(std::string_view s) {
  if (s.size() < 8) return false;
  bool digit = false;
  for (char c : s) {
    if (!isHex(c)) return false;
    digit = digit || isDigit(c);
  }
  return digit;
}

}  // namespace

bool isWordKey(std::string_view key) {
  return !isUuid(key) && !isHexId(key) && std::none_of(key.begin(), key.end(), isDigit);
}

namespace {

// A query key as the fingerprint takes it: shaped like a path segment, and a word-like key the
// regular clients do not use (when that is known) as one placeholder.
template <class Out>
void shapeQueryKey(std::string_view key, const QueryKeys* known, uint64_t seed, Out& out);

// One path segment or query key, with its variable parts as placeholders: a UUID, a hex id, or
// each run of decimal digits ("v2" → "v{n}"). Hands the pieces to `out` (literal/placeholder).
template <class Out>
void shapeSegment(std::string_view segment, Out& out) {
  if (isUuid(segment)) {
    out.placeholder(Placeholder::kUuid);
  } else if (isHexId(segment)) {
    out.placeholder(Placeholder::kHex);
  } else {
    for (size_t j = 0; j < segment.size();) {
      size_t k = j;
      if (isDigit(segment[j])) {
        while (k < segment.size() && isDigit(segment[k])) ++k;
        out.placeholder(Placeholder::kNumber);
      } else {
        while (k < segment.size() && !isDigit(segment[k])) ++k;
        out.literal(segment.substr(j, k - j));
      }
      j = k;
    }
  }
}

template <class Out>
void shapeQueryKey(std::string_view key, const QueryKeys* known, uint64_t seed, Out& out) {
  if (known != nullptr && isWordKey(key) && !known->contains(queryKeyHash(key, seed))) {
    out.placeholder(Placeholder::kKey);
  } else {
    shapeSegment(key, out);
  }
}

// Walks a request's shape and hands its parts to a sink: the hasher on the data path, the text
// writer for describe(). One walk for both keeps them describing the same thing.
template <class Sink>
void walkShape(const http::RequestHead& head, Sink& sink) {
  sink.method(head.method_token);

  const std::string_view target = head.path;
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      sink.literal(path.substr(i, 1));
      ++i;
      continue;
    }
    size_t end = std::min(path.find('/', i), path.size());
    shapeSegment(path.substr(i, end - i), sink);
    i = end;
  }
  sink.endPath();

  forEachQueryKey(target, [&](std::string_view key) { sink.queryKey(key); });
  sink.endQuery();

  std::string_view user_agent;
  bool have_user_agent = false;
  for (const auto& field : head.headers) {
    sink.headerName(field.name);
    if (!have_user_agent && http::equalsIgnoreCase(field.name, "user-agent")) {
      user_agent = field.value;
      have_user_agent = true;
    }
  }
  sink.userAgent(user_agent, have_user_agent);
}

// A streaming 64-bit hash (MurmurHash3's x64 block step, 8 bytes at a time) that takes its input
// in pieces, so the shape is hashed as it is walked, without building it anywhere.
class StreamHash {
 public:
  explicit StreamHash(uint64_t seed) : h_(seed ^ 0x6a09e667f3bcc909ULL) {}

  // Up to 8 bytes a step, shifted in after whatever is pending (little-endian byte order).
  void append(std::string_view s) {
    const char* p = s.data();
    size_t n = s.size();
    length_ += n;
    while (n > 0) {
      const size_t take = std::min<size_t>(8 - fill_, n);
      uint64_t chunk = 0;
      if (take == 8) {
        std::memcpy(&chunk, p, 8);
      } else {
        // Bytes into a register: a variable-length memcpy into `chunk` costs a store-forwarding
        // stall on the load that follows, which was a third of the whole fingerprint.
        for (size_t i = 0; i < take; ++i) chunk |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
      }
      pending_ |= chunk << (8 * fill_);
      fill_ += static_cast<unsigned>(take);
      p += take;
      n -= take;
      if (fill_ == 8) {
        block(pending_);
        pending_ = 0;
        fill_ = 0;
      }
    }
  }

  void appendByte(uint8_t b) {
    pending_ |= uint64_t{b} << (8 * fill_);
    ++length_;
    if (++fill_ == 8) {
      block(pending_);
      pending_ = 0;
      fill_ = 0;
    }
  }

  void appendWord(uint64_t w) {
    for (int i = 0; i < 8; ++i) appendByte(static_cast<uint8_t>(w >> (8 * i)));
  }

  uint64_t finish() const {
    uint64_t h = h_;
    if (fill_ != 0) {
      uint64_t k = pending_ * 0x87c37b91114253d5ULL;
      k = (k << 31) | (k >> 33);
      h ^= k * 0x4cf5ad432745937fULL;
    }
    return mix64(h ^ length_);
  }

 private:
  void block(uint64_t k) {
    k *= 0x87c37b91114253d5ULL;
    k = (k << 31) | (k >> 33);
    k *= 0x4cf5ad432745937fULL;
    h_ ^= k;
    h_ = (h_ << 27) | (h_ >> 37);
    h_ = h_ * 5 + 0x52dce729;
  }

  uint64_t h_;
  uint64_t pending_ = 0;
  unsigned fill_ = 0;
  uint64_t length_ = 0;
};

// Field boundaries and placeholders are bytes that the parser never lets into a target, a
// header name or a User-Agent value, so no two different shapes can hash the same byte stream.
constexpr uint8_t kEndMethod = 0x01, kEndPath = 0x02, kEndHeaderName = 0x03, kEndHeaders = 0x04;
constexpr uint8_t kPlaceholderBase = 0x10;

class HashSink {
 public:
  HashSink(uint64_t seed, const QueryKeys* known) : main_(seed), seed_(seed), known_(known) {}

  void method(std::string_view m) {
    main_.append(m);
    main_.appendByte(kEndMethod);
  }
  void literal(std::string_view s) { main_.append(s); }
  void placeholder(Placeholder p) {
    main_.appendByte(static_cast<uint8_t>(kPlaceholderBase + static_cast<uint8_t>(p)));
  }
  void endPath() { main_.appendByte(kEndPath); }
  // Keys are summed, each hashed on its own: a sum does not depend on order, so the set of keys
  // is hashed as if sorted without sorting (or storing) anything.
  // A key is shaped like a path segment, so "?a81f93c0e2=1" and "?5d0b7e1c94=1" (a cache
  // buster's random key) are one shape, "?{hex}".
  void queryKey(std::string_view key) {
    struct KeyHash {
      StreamHash h;
      void literal(std::string_view s) { h.append(s); }
      void placeholder(Placeholder p) {
        h.appendByte(static_cast<uint8_t>(kPlaceholderBase + static_cast<uint8_t>(p)));
      }
    } k{StreamHash(seed_ ^ 0x3c6ef372fe94f82bULL)};
    shapeQueryKey(key, known_, seed_, k);
    query_sum_ += k.h.finish();
    ++query_count_;
  }
  void endQuery() {
    main_.appendWord(query_sum_);
    main_.appendWord(query_count_);
  }
  void headerName(std::string_view name) {
    main_.append(name);
    main_.appendByte(kEndHeaderName);
  }
  void userAgent(std::string_view ua, bool present) {
    main_.appendByte(kEndHeaders);
    main_.appendByte(present ? 1 : 0);
    main_.append(ua);
  }
  uint64_t finish() const { return main_.finish(); }

 private:
  StreamHash main_;
  uint64_t seed_;
  const QueryKeys* known_;
  uint64_t query_sum_ = 0;
  uint64_t query_count_ = 0;
};

class TextSink {
 public:
  TextSink(uint64_t seed, const QueryKeys* known) : seed_(seed), known_(known) {}

  void method(std::string_view m) {
    out_.append(m);
    out_ += ' ';
  }
  void literal(std::string_view s) { out_.append(s); }
  void placeholder(Placeholder p) { out_ += placeholderText(p); }
  void endPath() {}
  void queryKey(std::string_view key) {
    struct KeyText {
      std::string text;
      void literal(std::string_view s) { text.append(s); }
      void placeholder(Placeholder p) { text += placeholderText(p); }
    } k;
    shapeQueryKey(key, known_, seed_, k);
    keys_.push_back(std::move(k.text));
  }
  void endQuery() {
    std::sort(keys_.begin(), keys_.end());
    for (size_t i = 0; i < keys_.size(); ++i) {
      out_ += i == 0 ? '?' : '&';
      out_.append(keys_[i]);
    }
  }
  void headerName(std::string_view name) {
    out_ += first_header_ ? " headers=[" : ", ";
    first_header_ = false;
    out_.append(name);
  }
  void userAgent(std::string_view ua, bool present) {
    out_ += first_header_ ? " headers=[]" : "]";
    if (!present) {
      out_ += " ua=none";
      return;
    }
    constexpr size_t kMaxShown = 200;
    out_ += " ua=\"";
    for (size_t i = 0; i < ua.size() && i < kMaxShown; ++i) {
      unsigned char c = static_cast<unsigned char>(ua[i]);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        static constexpr char kHexDigits[] = "0123456789abcdef";
        out_ += "\\x";
        out_ += kHexDigits[c >> 4];
        out_ += kHexDigits[c & 15];
      } else {
        out_ += static_cast<char>(c);
      }
    }
    if (ua.size() > kMaxShown) out_ += "...";
    out_ += '"';
  }
  std::string take() { return std::move(out_); }

 private:
  static const char* placeholderText(Placeholder p) {
    switch (p) {
      case Placeholder::kNumber:
        return "{n}";
      case Placeholder::kHex:
        return "{hex}";
      case Placeholder::kUuid:
        return "{uuid}";
      case Placeholder::kKey:
        return "{key}";
    }
    return "?";
  }

  uint64_t seed_;
  const QueryKeys* known_;
  std::string out_;
  std::vector<std::string> keys_;
  bool first_header_ = true;
};

}  // namespace

uint64_t RequestFingerprint::compute(const http::RequestHead& head,
                                     const QueryKeys* known) const {
  HashSink sink(seed_, known);
  walkShape(head, sink);
  return sink.finish();
}

std::string RequestFingerprint::describe(const http::RequestHead& head,
                                         const QueryKeys* known) const {
  TextSink sink(seed_, known);
  walkShape(head, sink);
  return sink.take();
}

}  // namespace floodgate::shield
