// Reads the `admin:` section: where the admin API listens and the bearer token its calls need.
#pragma once

#include <string>
#include <string_view>

#include "config/problems.h"
#include "config/yaml_fields.h"

namespace floodgate::config {

// Fills config->admin from top's "admin" key, reporting problems.
void readAdminSection(Fields& top, Config* config, ProblemList& problems);

// Parses an admin listen address into *out; returns why it cannot be used ("" when fine). A
// non-loopback address needs a token: the admin API can reload, drain and block.
std::string adminListenProblem(std::string_view text, std::string_view token, SocketAddress* out);

bool isLoopback(const SocketAddress& address);

}  // namespace floodgate::config
