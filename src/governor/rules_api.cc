#include "governor/rules_api.h"

#include <charconv>
#include <string>
#include <string_view>

#include "governor/operator_rule.h"

namespace floodgate::governor {
namespace {

constexpr std::string_view kRules = "/api/v1/rules";
constexpr std::string_view kWhy = "/api/v1/why";

web::Response json(int status, const nlohmann::json& body) {
  web::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.push_back({"Cache-Control", "no-store"});
  r.body = body.dump(2) + "\n";
  return r;
}

web::Response error(int status, std::string message) {
  return json(status, {{"error", std::move(message)}});
}

web::Response notAllowed(std::string_view allow) {
  web::Response r = error(405, "method not allowed here; use " + std::string(allow));
  r.headers.push_back({"Allow", std::string(allow)});
  return r;
}

// The value of `name` in a query string, "" when absent (no percent-decoding: addresses and
// ids need none).
std::string queryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name && eq != std::string_view::npos) {
      return std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

Result<nlohmann::json> parseBody(const web::Request& req) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return makeError("the body is not valid JSON");
  return body;
}

// {"<field>": true|false} → the bool, or an error naming the field.
Result<bool> flag(const web::Request& req, const char* field) {
  auto body = parseBody(req);
  if (!body) return Error{body.error()};
  if (!body->is_object() || !body->contains(field) || !(*body)[field].is_boolean()) {
    return makeError(std::string("the body must be {\"") + field + "\": true} or false");
  }
  return (*body)[field].get<bool>();
}

// Request ids as floodgate forwards them (X-Request-Id): 1 to 128 token characters.
bool validRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool token = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

web::Response whyRequest(Governor* g, const Clock* clock, const RequestLookup& lookup,
                         const std::string& id) {
  if (!lookup) {
    return error(400,
                 "request ids cannot be looked up here; ask by address: "
                 "/api/v1/why?client=203.0.113.7");
  }
  if (!validRequestId(id)) {
    return error(400, "request_id: 1 to 128 letters, digits or -._~ (the X-Request-Id value)");
  }
  auto found = lookup(id);
  if (!found) {
    return error(404, "no recent request has id " + id +
                          " (each worker remembers its last few thousand requests)");
  }
  nlohmann::json out = std::move(*found);
  // The rule as the governor sees it now, beside the share it was enforced on at the time.
  if (out.contains("rule") && out["rule"].contains("id")) {
    auto rule = g->ruleJson(out["rule"]["id"].get<uint64_t>(), clock->now());
    if (rule) out["rule"]["now"] = std::move(*rule);
  }
  return json(200, out);
}

web::Response why(Governor* g, const Clock* clock, const RequestLookup& lookup,
                  const web::Request& req) {
  if (req.method != "GET") return notAllowed("GET");
  std::string request_id = queryValue(req.query, "request_id");
  if (!request_id.empty()) return whyRequest(g, clock, lookup, request_id);
  std::string client = queryValue(req.query, "client");
  if (client.empty()) {
    return error(400,
                 "name the client (/api/v1/why?client=203.0.113.7) or the request "
                 "(/api/v1/why?request_id=...)");
  }
  auto key = shield::IpKey::parse(client);
  if (!key) return error(400, "client: " + key.error());
  return json(200, g->why(*key, clock->now()));
}

web::Response collection(Governor* g, const Clock* clock, const web::Request& req) {
  MonoTime now = clock->now();
  if (req.method == "GET") {
    nlohmann::json out = g->rulesJson(now);
    out["governor"] = g->statusJson();
    return json(200, out);
  }
  if (req.method != "POST") return notAllowed("GET, POST");
  auto body = parseBody(req);
  if (!body) return error(400, body.error());
  auto spec = operatorRuleSpecFromJson(*body);
  if (!spec) return error(400, spec.error());
  auto rule = operatorRule(*spec);
  if (!rule) return error(400, rule.error());
  auto id = g->addOperatorRule(*rule, now);
  if (!id) return error(400, id.error());
  auto added = g->ruleJson(*id, now);
  return json(201, added ? *added : nlohmann::json{{"id", *id}});
}

web::Response switches(Governor* g, const Clock* clock, const web::Request& req,
                       std::string_view which) {
  if (req.method != "POST") return notAllowed("POST");
  MonoTime now = clock->now();
  if (which == "kill-switch") {
    auto engaged = flag(req, "engaged");
    if (!engaged) return error(400, engaged.error());
    size_t dropped = g->setKillSwitch(*engaged, now);
    return json(200, {{"kill_switch", *engaged}, {"dropped", dropped}});
  }
  auto enabled = flag(req, "enabled");
  if (!enabled) return error(400, enabled.error());
  g->setDryRun(*enabled, now);
  return json(200, {{"dry_run", *enabled}});
}

web::Response oneRule(Governor* g, const Clock* clock, const web::Request& req,
                      std::string_view rest) {
  size_t slash = rest.find('/');
  std::string_view id_text = rest.substr(0, slash);
  std::string_view verb = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || p != id_text.data() + id_text.size() || id == 0) {
    return error(404, "no such resource: rules are addressed by number, /api/v1/rules/7");
  }
  MonoTime now = clock->now();
  if (verb.empty()) {
    if (req.method == "GET") {
      auto rule = g->ruleJson(id, now);
      return rule ? json(200, *rule) : error(404, rule.error());
    }
    if (req.method != "DELETE") return notAllowed("GET, DELETE");
    verb = "expire";
  } else if (req.method != "POST") {
    return notAllowed("POST");
  }
  Status done;
  if (verb == "pin") {
    done = g->pin(id, now);
  } else if (verb == "expire") {
    done = g->expire(id, now);
  } else {
    return error(404, "a rule can be pinned (POST .../pin) or expired (POST .../expire)");
  }
  if (!done) return error(404, done.error());
  auto rule = g->ruleJson(id, now);
  return json(200, rule ? *rule : nlohmann::json{{"id", id}});
}

}  // namespace

web::Handler rulesApi(Governor* governor, const Clock* clock, RequestLookup lookup) {
  return [governor, clock, lookup = std::move(lookup)](const web::Request& req) -> web::Response {
    std::string_view path = req.path;
    if (path == kWhy) return why(governor, clock, lookup, req);
    if (path == kRules || path == std::string(kRules) + "/") {
      return collection(governor, clock, req);
    }
    if (path.starts_with(kRules) && path.size() > kRules.size() && path[kRules.size()] == '/') {
      std::string_view rest = path.substr(kRules.size() + 1);
      if (rest == "kill-switch" || rest == "dry-run") return switches(governor, clock, req, rest);
      return oneRule(governor, clock, req, rest);
    }
    return error(404, "no such resource; the governor serves /api/v1/rules and /api/v1/why");
  };
}

}  // namespace floodgate::governor
