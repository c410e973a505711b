// Bearer-token authentication for the admin API: every call carries
// `Authorization: Bearer <token>` when a token is configured, compared in constant time so the
// answer's timing does not leak how much of a guess was right.
#pragma once

#include <string>
#include <string_view>

#include "web/handler.h"

namespace floodgate::admin {

// Compares a and b in time that depends only on their lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

// Whether `authorization` (the header's value) carries `token`.
bool bearerMatches(std::string_view authorization, std::string_view token);

// `inner` behind the token; with an empty token every call passes (loopback only, which the
// config enforces). Refusals are 401 JSON with WWW-Authenticate.
web::Handler requireToken(std::string token, web::Handler inner);

}  // namespace floodgate::admin
