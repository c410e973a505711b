#include "origin/canned_responses.h"

#include "http/status.h"
#include "origin/body_pattern.h"

namespace floodgate::origin {
namespace {

constexpr std::string_view kDefaultBody = "hello from origin\n";
constexpr std::string_view kFailedBody = "origin failed this request on purpose (--fail-every)\n";

}  // namespace

CannedResponses::CannedResponses(std::string_view name, size_t body_bytes) {
  origin_header_ = "X-Origin: " + std::string(name) + "\r\n";
  if (body_bytes == 0) {
    ok_body_ = kDefaultBody;
    ok_body_bytes_ = kDefaultBody.size();
  } else {
    ok_body_bytes_ = body_bytes;
    if (!okBodyStreamed()) ok_body_ = patternPiece(0, body_bytes);
  }
}

std::string_view CannedResponses::get(Canned kind, bool keep_alive, bool head_only) {
  std::string_view date = http::httpDate();
  if (date != date_) rebuild(date);
  const Text& text = texts_[static_cast<int>(kind)][keep_alive ? 1 : 0];
  return head_only ? std::string_view(text.bytes).substr(0, text.head_len) : text.bytes;
}

void CannedResponses::rebuild(std::string_view date) {
  date_ = date;
  for (int ka = 0; ka < 2; ++ka) {
    build(&texts_[0][ka], 200, ok_body_, ok_body_bytes_, ka == 1, date);
    build(&texts_[1][ka], 503, kOverCapacityBody, kOverCapacityBody.size(), ka == 1, date);
    build(&texts_[2][ka], 500, kFailedBody, kFailedBody.size(), ka == 1, date);
  }
}

void CannedResponses::build(Text* text, int status, std::string_view body, uint64_t content_length,
                            bool keep_alive, std::string_view date) {
  std::string& s = text->bytes;
  s.clear();
  s += "HTTP/1.1 ";
  s += std::to_string(status);
  s += ' ';
  s += http::reasonPhrase(status);
  s += "\r\nDate: ";
  s += date;
  s += "\r\nServer: floodgate\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "Content-Length: ";
  s += std::to_string(content_length);
  s += "\r\n";
  s += origin_header_;
  s += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  text->head_len = s.size();
  s += body;
}

}  // namespace floodgate::origin
