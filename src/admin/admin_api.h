// The admin API: metrics, history, events and the calls that change the running gateway
// (reload, blocklist, drain), JSON in and out. Every handler refuses bad input with a 4xx
// `{"error": ...}` before anything changes. Mounted on the admin listener behind the token.
#pragma once

#include <string>

#include "admin/gateway_control.h"
#include "telemetry/event_log.h"
#include "telemetry/history.h"
#include "telemetry/registry.h"
#include "web/router.h"

namespace floodgate::admin {

struct AdminContext {
  GatewayControl* gateway = nullptr;
  telemetry::Registry* registry = nullptr;
  telemetry::History* history = nullptr;
  telemetry::EventLog* events = nullptr;
};

// The routes under /metrics and /api/v1/; other parts (governor, status) add theirs to it.
web::Router adminRouter(const AdminContext& context);

// The router behind the token check (none when `token` is empty).
web::Handler adminHandler(const AdminContext& context, std::string token);

}  // namespace floodgate::admin
