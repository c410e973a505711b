// The governor over HTTP: a web::Handler for the admin listener (another part serves it).
//   GET  /api/v1/rules                  live and recently finished rules, with evidence
//   POST /api/v1/rules                  add an operator rule (JSON, see operator_rule.h)
//   GET  /api/v1/rules/{id}             one rule
//   POST /api/v1/rules/{id}/pin         enforce it, no gates
//   POST /api/v1/rules/{id}/expire      end it now (DELETE /api/v1/rules/{id} too)
//   POST /api/v1/rules/kill-switch      {"engaged": true|false}
//   POST /api/v1/rules/dry-run          {"enabled": true|false}
//   GET  /api/v1/why?client=ADDRESS     what decides that client's fate
//   GET  /api/v1/why?request_id=ID      what decided that request's fate (the recent ones)
// Errors are JSON {"error": "..."} with 400, 404 or 405, and change nothing.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "governor/governor.h"
#include "web/handler.h"

namespace floodgate::governor {

// A recent request's fate by its id (the workers keep the last few thousand each); nullopt when
// none is known. Called on the admin thread.
using RequestLookup = std::function<std::optional<nlohmann::json>(std::string_view request_id)>;

// `governor` and `clock` must outlive the handler. Without `lookup`, why?request_id= is refused.
web::Handler rulesApi(Governor* governor, const Clock* clock, RequestLookup lookup = {});

}  // namespace floodgate::governor
