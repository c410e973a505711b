#include "web/json.h"

namespace floodgate::web {

Response jsonResponse(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.emplace_back("Cache-Control", "no-store");
  // Replace invalid UTF-8 rather than throw: a label or reason may come from a client.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body.push_back('\n');
  return r;
}

Response errorResponse(int status, std::string message) {
  return jsonResponse(status, nlohmann::json{{"error", std::move(message)}});
}

bool parseJsonObject(const Request& request, nlohmann::json* out, Response* error) {
  nlohmann::json parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    *error = errorResponse(400, "the body is not valid JSON");
    return false;
  }
  if (!parsed.is_object()) {
    *error = errorResponse(400, "the body must be a JSON object");
    return false;
  }
  *out = std::move(parsed);
  return true;
}

}  // namespace floodgate::web
