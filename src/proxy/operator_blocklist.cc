#include "proxy/operator_blocklist.h"

#include "telemetry/event_log.h"

namespace floodgate::proxy {

Result<nlohmann::json> OperatorBlocklist::add(const admin::BlockRequest& request, MonoTime now,
                                              int64_t unix_ms) {
  auto prefix = shield::IpPrefix::parse(request.prefix);
  if (!prefix) return makeError("prefix: " + prefix.error());
  if (request.reason.size() > 1024) return makeError("reason: at most 1024 characters");
  dropExpired(now);
  std::string key = prefix->toString();
  if (entries_.count(key) == 0 && entries_.size() >= kMaxEntries) {
    return makeError("the operator blocklist is full (" + std::to_string(kMaxEntries) +
                     " entries); block a wider prefix or remove some");
  }
  Entry& e = entries_[key];
  e.prefix = *prefix;
  e.reason = request.reason;
  e.expires = request.ttl.count() > 0 ? now + request.ttl : MonoTime::max();
  e.added_unix_ms = unix_ms;
  return toJson(key, e, now);
}

Result<bool> OperatorBlocklist::remove(const std::string& text) {
  auto prefix = shield::IpPrefix::parse(text);
  if (!prefix) return makeError("prefix: " + prefix.error());
  return entries_.erase(prefix->toString()) > 0;
}

std::shared_ptr<const shield::Blocklist> OperatorBlocklist::mergeInto(const shield::Blocklist& base,
                                                                      MonoTime now) {
  dropExpired(now);
  shield::BlocklistBuilder builder(base, now);
  for (const auto& [key, e] : entries_) {
    builder.add(e.prefix, e.expires, shield::BlockOrigin::kOperator,
                e.reason.empty() ? "operator" : e.reason);
  }
  return builder.build();
}

nlohmann::json OperatorBlocklist::describe(MonoTime now) {
  dropExpired(now);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, e] : entries_) list.push_back(toJson(key, e, now));
  return {{"entries", std::move(list)}};
}

void OperatorBlocklist::dropExpired(MonoTime now) {
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
}

nlohmann::json OperatorBlocklist::toJson(const std::string& key, const Entry& e, MonoTime now) {
  nlohmann::json j = {
      {"prefix", key}, {"reason", e.reason}, {"added", telemetry::isoTime(e.added_unix_ms)}};
  if (e.expires == MonoTime::max()) {
    j["ttl_s"] = nullptr;
  } else {
    j["ttl_s"] = std::chrono::duration<double>(e.expires - now).count();
  }
  return j;
}

}  // namespace floodgate::proxy
