// A small blocking HTTP/1.1 client for storm's side channel to the origin (its stats, reset):
// one request per connection, a hard deadline, loopback only. Never used for load.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "storm/url.h"

namespace floodgate::storm {

struct HttpReply {
  int status = 0;
  std::string body;
};

// Sends `method path` to `server` and waits at most `timeout` for the whole reply.
Result<HttpReply> httpFetch(const LoopbackUrl& server, std::string_view method,
                            std::string_view path, Duration timeout);

}  // namespace floodgate::storm
