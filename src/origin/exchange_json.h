// The JSON answers of the test endpoints: /__origin/upload (what arrived) and /__origin/echo
// (what the request looked like, so a test can check what a proxy forwarded).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace floodgate::origin {

// {"bytes":N,"fnv1a":"<16 hex digits>"}
std::string uploadJson(uint64_t bytes, uint64_t fnv1a);

// Writes the echo answer up to its last field, "body_bytes", whose value is known only once the
// body has been read; finishEchoJson() completes it. Built while the head's views are valid.
void beginEchoJson(const http::RequestHead& head, std::string_view peer_ip, uint16_t peer_port,
                   std::string_view source, std::string* out);
void finishEchoJson(uint64_t body_bytes, std::string* out);

}  // namespace floodgate::origin
