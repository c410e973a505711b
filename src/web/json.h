// JSON answers for floodgate's own HTTP services: one shape for data and one for errors,
// `{"error": "..."}`, so every admin and status call fails the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "web/handler.h"

namespace floodgate::web {

Response jsonResponse(int status, const nlohmann::json& body);
Response errorResponse(int status, std::string message);

// Parses a request body as a JSON object. On failure returns false and fills `*error` with a
// 400 answer saying what is wrong.
bool parseJsonObject(const Request& request, nlohmann::json* out, Response* error);

}  // namespace floodgate::web
