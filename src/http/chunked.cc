#include "http/chunked.h"

#include <algorithm>

#include "http/chars.h"

namespace floodgate::http {
namespace {

constexpr int kMaxSizeDigits = 15;  // 2^60 bytes: far past any body, never overflows
constexpr size_t kMaxExtBytes = 4096;
constexpr size_t kMaxTrailerBytes = 16 * 1024;

}  // namespace

ParseState ChunkedDecoder::skip(const char* in, size_t len, size_t* consumed) {
  size_t total = 0;
  while (total < len) {
    size_t used = 0;
    std::string_view data;
    ParseState st = decode(in + total, len - total, &used, &data);
    total += used;
    if (st != ParseState::kIncomplete) {
      *consumed = total;
      return st;
    }
    if (used == 0) break;
  }
  *consumed = total;
  return done() ? ParseState::kDone : ParseState::kIncomplete;
}

ParseState ChunkedDecoder::decode(const char* in, size_t len, size_t* consumed,
                                  std::string_view* data) {
  *data = {};
  size_t i = 0;
  while (i < len) {
    // Every return, kError included, reports the bytes used: those before the offending one.
    *consumed = i;
    char c = in[i];
    switch (state_) {
      case State::kSize: {
        int v = hexValue(c);
        if (v >= 0) {
          if (++size_digits_ > kMaxSizeDigits) return failWith("chunk size too large");
          remaining_ = (remaining_ << 4) | static_cast<uint64_t>(v);
          ++i;
          break;
        }
        if (size_digits_ == 0) return failWith("invalid chunk size");
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExt;
          line_bytes_ = 0;
        } else if (c == ' ' || c == '\t') {
          state_ = State::kSizeBws;
        } else {
          return failWith("invalid chunk size");
        }
        ++i;
        break;
      }
      case State::kSizeBws:  // BWS is allowed only before a chunk extension
        if (c == ' ' || c == '\t') {
          ++i;
        } else if (c == ';') {
          state_ = State::kExt;
          line_bytes_ = 0;
          ++i;
        } else {
          return failWith("invalid chunk size");
        }
        break;
      // chunk-ext (RFC 9112 7.1.1): tokens, '=', ';', BWS and quoted-strings. Only a CR outside
      // a quoted-string ends the line, and a CR inside one is refused, so every parser agrees
      // on where the line ends, whether or not it knows about quoted-strings and quoted-pairs.
      case State::kExt:
        if (++line_bytes_ > kMaxExtBytes) return failWith("chunk extension too long");
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '"') {
          state_ = State::kExtQuoted;
        } else if (!isTchar(c) && c != '=' && c != ';' && c != ' ' && c != '\t') {
          return failWith("invalid character in chunk extension");
        }
        ++i;
        break;
      case State::kExtQuoted:
        if (++line_bytes_ > kMaxExtBytes) return failWith("chunk extension too long");
        if (c == '"') {
          state_ = State::kExt;
        } else if (c == '\\') {
          state_ = State::kExtQuotedPair;
        } else if (!isFieldValueChar(c)) {
          return failWith("control character in chunk extension");
        }
        ++i;
        break;
      case State::kExtQuotedPair:  // "\" followed by HTAB / SP / VCHAR / obs-text
        if (++line_bytes_ > kMaxExtBytes) return failWith("chunk extension too long");
        if (!isFieldValueChar(c)) return failWith("control character in chunk extension");
        state_ = State::kExtQuoted;
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return failWith("chunk size line not ended by CRLF");
        ++i;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, len - i));
        *data = std::string_view(in + i, n);
        remaining_ -= n;
        data_bytes_ += n;
        i += n;
        if (remaining_ == 0) state_ = State::kDataCr;
        *consumed = i;
        return ParseState::kIncomplete;
      }
      case State::kDataCr:
        if (c != '\r') return failWith("chunk data not followed by CRLF");
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return failWith("chunk data not followed by CRLF");
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kEndLf;
        } else if (c == ' ' || c == '\t') {
          return failWith("obs-fold in trailer");
        } else if (!isTchar(c)) {
          return failWith("invalid trailer field");
        } else {
          state_ = State::kTrailerName;
        }
        if (++trailer_bytes_ > kMaxTrailerBytes) return failWith("trailer section too large");
        ++i;
        break;
      case State::kTrailerName:  // field-name ":" as in the head: no space before the colon
        if (++trailer_bytes_ > kMaxTrailerBytes) return failWith("trailer section too large");
        if (c == ':') {
          state_ = State::kTrailerLine;
        } else if (!isTchar(c)) {
          return failWith("invalid trailer field name");
        }
        ++i;
        break;
      case State::kTrailerLine:
        if (++trailer_bytes_ > kMaxTrailerBytes) return failWith("trailer section too large");
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (!isFieldValueChar(c)) {
          return failWith("control character in trailer");
        }
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return failWith("trailer line not ended by CRLF");
        state_ = State::kTrailerStart;
        ++i;
        break;
      case State::kEndLf:
        if (c != '\n') return failWith("chunked body not ended by CRLF");
        state_ = State::kDone;
        ++i;
        *consumed = i;
        return ParseState::kDone;
      case State::kDone:
        *consumed = i;
        return ParseState::kDone;
      case State::kError:
        *consumed = i;
        return ParseState::kError;
    }
  }
  *consumed = i;
  if (state_ == State::kDone) return ParseState::kDone;
  return ParseState::kIncomplete;
}

}  // namespace floodgate::http
