// Turning the addresses a user writes into SocketAddresses, with reasons a user can act on.
// Reasons leave out the address itself, so the caller can say which one ("endpoint", "--to").
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/socket_address.h"

namespace floodgate::config {

// Where floodgate listens: numeric "IP:port", "[v6]:port" or "localhost:port". Port 0 is
// allowed (the kernel picks one; tests use it).
Result<SocketAddress> parseListenAddress(std::string_view text);

// An upstream endpoint: like a listen address, but a host name is resolved now (blocking; only
// at load time) and the port cannot be 0.
Result<SocketAddress> resolveEndpoint(std::string_view text);

// `endpoint "10.0.0.1" needs a port (e.g. 10.0.0.1:8080)`, `endpoint "x:y": port must be ...`.
std::string describeAddressProblem(std::string_view label, std::string_view text,
                                   const std::string& reason);

}  // namespace floodgate::config
