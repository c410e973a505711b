#include "origin/exchange_json.h"

#include "origin/json_text.h"

namespace floodgate::origin {

std::string uploadJson(uint64_t bytes, uint64_t fnv1a) {
  std::string json = "{\"bytes\":";
  appendJsonUint(&json, bytes);
  json += ",\"fnv1a\":\"";
  json += hex64(fnv1a);
  json += "\"}\n";
  return json;
}

void beginEchoJson(const http::RequestHead& head, std::string_view peer_ip, uint16_t peer_port,
                   std::string_view source, std::string* out) {
  std::string& s = *out;
  s.clear();
  s += "{\"method\":";
  appendJsonString(&s, head.method_token);
  s += ",\"target\":";
  appendJsonString(&s, head.target);
  s += ",\"path\":";
  appendJsonString(&s, head.path);
  s += head.minor_version == 0 ? ",\"version\":\"HTTP/1.0\"" : ",\"version\":\"HTTP/1.1\"";
  s += ",\"host\":";
  appendJsonString(&s, head.host);
  s += ",\"headers\":[";
  for (size_t i = 0; i < head.headers.size(); ++i) {
    if (i > 0) s += ',';
    s += '[';
    appendJsonString(&s, head.headers[i].name);
    s += ',';
    appendJsonString(&s, head.headers[i].value);
    s += ']';
  }
  s += "],\"peer\":";
  appendJsonString(&s, peer_ip);
  s += ",\"peer_port\":";
  appendJsonUint(&s, peer_port);
  s += ",\"source\":";
  appendJsonString(&s, source);
  s += ",\"body_bytes\":";
}

void finishEchoJson(uint64_t body_bytes, std::string* out) {
  appendJsonUint(out, body_bytes);
  *out += "}\n";
}

}  // namespace floodgate::origin
