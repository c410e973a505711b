#include "storm/request_bank.h"

#include <algorithm>

namespace floodgate::storm {

void appendRandomToken(FastRandom& rng, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng.next();
  char buf[10];
  for (char& c : buf) {
    c = kHex[v & 15];
    v >>= 4;
  }
  out->append(buf, sizeof(buf));
}

void appendRandomWord(FastRandom& rng, std::string* out) {
  uint64_t v = rng.next();
  char buf[6];
  for (char& c : buf) {
    c = static_cast<char>('a' + v % 26);
    v /= 26;
  }
  out->append(buf, sizeof(buf));
}

RequestBank::RequestBank(const RequestShape& shape, const std::vector<std::string>& paths)
    : method_(shape.method) {
  std::string common = " HTTP/1.1\r\nHost: " + shape.host + "\r\n";
  for (const auto& h : shape.headers) common += h.name + ": " + h.value + "\r\n";
  for (uint64_t i = 0; i < shape.header_count; ++i) {
    common += "X-Bomb-" + std::to_string(i) + ": ";
    common.append(shape.header_bytes, static_cast<char>('a' + i % 26));
    common += "\r\n";
  }
  get_fields_ = common;
  fields_ = common;
  if (shape.body_bytes > 0) {
    fields_ += "Content-Type: application/octet-stream\r\nContent-Length: " +
               std::to_string(shape.body_bytes) + "\r\n";
    body_.assign(shape.body_bytes, 'x');
  }
  for (const auto& path : paths) {
    Variant v;
    size_t start = 0;
    for (;;) {
      const size_t rand = path.find("{rand}", start);
      const size_t word = path.find("{word}", start);
      const size_t hole = std::min(rand, word);
      if (hole == std::string::npos) {
        v.pieces.push_back(path.substr(start));
        break;
      }
      v.pieces.push_back(path.substr(start, hole - start));
      v.words.push_back(hole == word);
      start = hole + 6;  // both are six characters
    }
    if (v.pieces.size() == 1) v.whole = method_ + " " + path + fields_ + "\r\n" + body_;
    variants_.push_back(std::move(v));
  }
}

void RequestBank::renderHead(size_t i, FastRandom& rng, std::string_view extra,
                             std::string* out) const {
  const Variant& v = variants_[i];
  out->clear();
  out->append(method_);
  out->push_back(' ');
  for (size_t p = 0; p < v.pieces.size(); ++p) {
    if (p > 0) (v.words[p - 1] ? appendRandomWord : appendRandomToken)(rng, out);
    out->append(v.pieces[p]);
  }
  out->append(fields_);
  out->append(extra);
  out->append("\r\n");
}

void RequestBank::renderGet(std::string_view path, std::string_view extra, std::string* out) const {
  out->clear();
  out->append("GET ");
  out->append(path);
  out->append(get_fields_);
  out->append(extra);
  out->append("\r\n");
}

}  // namespace floodgate::storm
