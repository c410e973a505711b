#include "admin/admin_api.h"

#include <charconv>
#include <set>

#include "admin/auth.h"
#include "config/units.h"
#include "web/json.h"
#include "web/query.h"

namespace floodgate::admin {
namespace {

using nlohmann::json;
using web::errorResponse;
using web::jsonResponse;
using web::Request;
using web::Response;

// Unknown fields are refused, not ignored: a typo ("ttl_s") must not silently mean "forever".
bool onlyFields(const json& body, const std::set<std::string>& allowed, Response* error) {
  for (const auto& [key, value] : body.items()) {
    if (allowed.count(key) == 0) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      *error = errorResponse(400, "unknown field \"" + key + "\" (allowed: " + list + ")");
      return false;
    }
  }
  return true;
}

bool parseUnsigned(std::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

Response metrics(const AdminContext& c) {
  Response r;
  r.content_type = std::string(telemetry::Registry::kContentType);
  r.body = c.registry->exposition();
  return r;
}

Response history(const AdminContext& c, const Request& request) {
  std::string resolution_text = web::queryParam(request.query, "resolution").value_or("second");
  telemetry::Resolution resolution;
  if (resolution_text == "second") {
    resolution = telemetry::Resolution::kSecond;
  } else if (resolution_text == "minute") {
    resolution = telemetry::Resolution::kMinute;
  } else {
    return errorResponse(400, "resolution must be second or minute");
  }
  size_t limit = SIZE_MAX;
  if (auto text = web::queryParam(request.query, "limit")) {
    uint64_t n = 0;
    if (!parseUnsigned(*text, &n) || n == 0)
      return errorResponse(400, "limit must be a positive number");
    limit = static_cast<size_t>(n);
  }
  std::vector<telemetry::Series> wanted;
  std::string all;
  for (size_t i = 0; i < static_cast<size_t>(telemetry::Series::kCount); ++i) {
    all += (all.empty() ? "" : ", ") + std::string(seriesName(static_cast<telemetry::Series>(i)));
  }
  std::string list = web::queryParam(request.query, "series").value_or("");
  if (list.empty()) {
    for (size_t i = 0; i < static_cast<size_t>(telemetry::Series::kCount); ++i) {
      wanted.push_back(static_cast<telemetry::Series>(i));
    }
  }
  for (size_t start = 0; start < list.size();) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string name = list.substr(start, comma - start);
    auto s = telemetry::seriesFromName(name);
    if (!s) return errorResponse(400, "unknown series \"" + name + "\" (known: " + all + ")");
    wanted.push_back(*s);
    start = comma + 1;
  }
  json series = json::object();
  for (auto s : wanted) {
    json points = json::array();
    for (const auto& p : c.history->points(s, resolution, limit))
      points.push_back({p.time, p.value});
    series[std::string(seriesName(s))] = std::move(points);
  }
  return jsonResponse(200, {{"resolution", resolution_text}, {"series", std::move(series)}});
}

Response events(const AdminContext& c, const Request& request) {
  uint64_t since = 0, limit = 1000;
  if (auto text = web::queryParam(request.query, "since"); text && !parseUnsigned(*text, &since)) {
    return errorResponse(400, "since must be an event id (a whole number)");
  }
  if (auto text = web::queryParam(request.query, "limit");
      text && (!parseUnsigned(*text, &limit) || limit == 0)) {
    return errorResponse(400, "limit must be a positive number");
  }
  std::string kind = web::queryParam(request.query, "kind").value_or("");
  json list = json::array();
  for (const auto& e : c.events->since(since, kind, static_cast<size_t>(limit))) {
    list.push_back(e.toJson());
  }
  return jsonResponse(200, {{"events", std::move(list)}, {"last_id", c.events->lastId()}});
}

Response reload(const AdminContext& c, const Request& request) {
  if (!request.body.empty()) return errorResponse(400, "reload takes no body");
  ReloadOutcome outcome = c.gateway->reload();
  if (!outcome.ok) {
    json answer = {{"error", outcome.error.empty() ? "the new config has problems; the running "
                                                     "config stays in force"
                                                   : outcome.error},
                   {"problems", outcome.problems}};
    return jsonResponse(outcome.error.empty() ? 400 : 409, answer);
  }
  return jsonResponse(200, {{"reloaded", true}, {"source", outcome.source}});
}

Response drain(const AdminContext& c, const Request& request) {
  if (!request.body.empty()) {
    json body;
    Response error;
    if (!web::parseJsonObject(request, &body, &error)) return error;
    if (!onlyFields(body, {}, &error)) return error;
  }
  c.events->push("gateway.drain", "gateway", "drain requested through the admin API");
  c.gateway->drain();
  return jsonResponse(202, {{"draining", true}});
}

Response addBlock(const AdminContext& c, const Request& request) {
  json body;
  Response error;
  if (!web::parseJsonObject(request, &body, &error)) return error;
  if (!onlyFields(body, {"prefix", "reason", "ttl"}, &error)) return error;
  BlockRequest block;
  if (!body.contains("prefix") || !body["prefix"].is_string()) {
    return errorResponse(400,
                         "prefix is required: an address or CIDR prefix as a string, e.g. "
                         "\"203.0.113.0/24\"");
  }
  block.prefix = body["prefix"];
  if (body.contains("reason")) {
    if (!body["reason"].is_string()) return errorResponse(400, "reason must be a string");
    block.reason = body["reason"];
  }
  if (body.contains("ttl")) {
    const json& ttl = body["ttl"];
    if (ttl.is_number()) {
      double s = ttl.get<double>();
      if (!(s > 0) || s > 365.0 * 86400) {
        return errorResponse(400, "ttl must be more than 0 seconds and at most 365 days");
      }
      block.ttl = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
    } else if (ttl.is_string()) {
      auto d = config::parseDuration(ttl.get<std::string>());
      if (!d.ok() || d->count() <= 0) {
        return errorResponse(400, "ttl must be " + std::string(config::kDurationForm));
      }
      block.ttl = *d;
    } else {
      return errorResponse(400, "ttl must be a duration such as \"10m\" or a number of seconds");
    }
  }
  auto added = c.gateway->addBlock(block);
  if (!added.ok()) return errorResponse(400, added.error());
  c.events->push(
      "blocklist.added", block.prefix,
      "operator blocked " + block.prefix + (block.reason.empty() ? "" : " (" + block.reason + ")"),
      *added);
  return jsonResponse(201, *added);
}

Response removeBlock(const AdminContext& c, const Request& request) {
  std::string prefix;
  if (auto q = web::queryParam(request.query, "prefix")) {
    prefix = *q;
  } else if (!request.body.empty()) {
    json body;
    Response error;
    if (!web::parseJsonObject(request, &body, &error)) return error;
    if (!onlyFields(body, {"prefix"}, &error)) return error;
    if (body.contains("prefix") && body["prefix"].is_string()) prefix = body["prefix"];
  }
  if (prefix.empty()) {
    return errorResponse(400, "say which entry: ?prefix=203.0.113.0/24 or {\"prefix\": ...}");
  }
  auto removed = c.gateway->removeBlock(prefix);
  if (!removed.ok()) return errorResponse(400, removed.error());
  if (!*removed) return errorResponse(404, "no operator blocklist entry for " + prefix);
  c.events->push("blocklist.removed", prefix, "operator unblocked " + prefix);
  return jsonResponse(200, {{"removed", prefix}});
}

Response upstreams(const AdminContext& c, const Request& request) {
  if (request.path != "/api/v1/upstreams") return errorResponse(404, "no such upstream call");
  return jsonResponse(200, c.gateway->upstreams());
}

Response drainEndpoint(const AdminContext& c, const Request& request) {
  json body;
  Response error;
  if (!web::parseJsonObject(request, &body, &error)) return error;
  if (!onlyFields(body, {"endpoint", "drain"}, &error)) return error;
  if (!body.contains("endpoint") || !body["endpoint"].is_string() ||
      body["endpoint"].get<std::string>().empty()) {
    return errorResponse(400,
                         "endpoint is required: an endpoint's address as a string, as the config "
                         "writes it, e.g. \"127.0.0.1:9001\"");
  }
  std::string endpoint = body["endpoint"];
  bool drain = true;
  if (body.contains("drain")) {
    if (!body["drain"].is_boolean()) {
      return errorResponse(400, "drain must be true (stop new requests) or false (take it back)");
    }
    drain = body["drain"];
  }
  auto done = c.gateway->drainEndpoint(endpoint, drain);
  if (!done.ok()) return errorResponse(404, done.error());
  return jsonResponse(200, {{"endpoint", endpoint}, {"draining", drain}, {"message", *done}});
}

}  // namespace

web::Router adminRouter(const AdminContext& c) {
  web::Router router;
  router.add("GET", "/metrics", [c](const Request&) { return metrics(c); })
      .add("GET", "/api/v1/history", [c](const Request& r) { return history(c, r); })
      .add("GET", "/api/v1/events", [c](const Request& r) { return events(c, r); })
      .add("POST", "/api/v1/reload", [c](const Request& r) { return reload(c, r); })
      .add("POST", "/api/v1/drain", [c](const Request& r) { return drain(c, r); })
      .add("GET", "/api/v1/blocklist",
           [c](const Request&) { return jsonResponse(200, c.gateway->blocklist()); })
      .add("POST", "/api/v1/blocklist", [c](const Request& r) { return addBlock(c, r); })
      .add("DELETE", "/api/v1/blocklist", [c](const Request& r) { return removeBlock(c, r); })
      .add("POST", "/api/v1/upstreams/drain", [c](const Request& r) { return drainEndpoint(c, r); })
      .add("GET", "/api/v1/upstreams", [c](const Request& r) { return upstreams(c, r); })
      .add("GET", "/api/v1/shield",
           [c](const Request&) { return jsonResponse(200, c.gateway->shield()); })
      .add("GET", "/api/v1/config",
           [c](const Request&) { return jsonResponse(200, c.gateway->configSummary()); });
  return router;
}

web::Handler adminHandler(const AdminContext& context, std::string token) {
  return requireToken(std::move(token), adminRouter(context));
}

}  // namespace floodgate::admin
