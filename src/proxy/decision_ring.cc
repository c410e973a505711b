#include "proxy/decision_ring.h"

#include <algorithm>
#include <cstring>

namespace floodgate::proxy {
namespace {

uint64_t hashId(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : id) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

const char* verdictName(Decision::Verdict v) {
  switch (v) {
    case Decision::Verdict::kProxied:
      return "proxied";
    case Decision::Verdict::kRejected:
      return "rejected";
    case Decision::Verdict::kAnswered:
      return "answered";
  }
  return "answered";
}

}  // namespace

void Decision::setRequestId(std::string_view request_id) {
  id_hash = hashId(request_id);
  id_len = static_cast<uint8_t>(std::min<size_t>(request_id.size(), 255));
  size_t n = std::min(request_id.size(), kIdChars);
  std::memcpy(id, request_id.data(), n);
  std::memset(id + n, 0, kIdChars - n);
}

void Decision::setRoute(std::string_view name) {
  route_len = static_cast<uint8_t>(std::min<size_t>(name.size(), 255));
  size_t n = std::min(name.size(), kRouteChars);
  std::memcpy(route, name.data(), n);
  std::memset(route + n, 0, kRouteChars - n);
}

bool Decision::hasRequestId(std::string_view request_id) const {
  return id_len == std::min<size_t>(request_id.size(), 255) && id_hash == hashId(request_id) &&
         requestId() == request_id.substr(0, kIdChars);
}

std::optional<Decision> DecisionRing::find(std::string_view request_id) const {
  std::optional<Decision> newest;
  uint64_t newest_serial = 0;
  ring_.forEach([&](const Decision& d, uint64_t serial) {
    if (serial > newest_serial && d.hasRequestId(request_id)) {
      newest = d;
      newest_serial = serial;
    }
  });
  return newest;
}

nlohmann::json describeDecision(const Decision& d) {
  nlohmann::json out = {{"request_id", std::string(d.requestId())},
                        {"client", d.client.toString()},
                        {"verdict", verdictName(d.verdict)},
                        {"status", d.status}};
  if (d.id_len > Decision::kIdChars) out["request_id_truncated"] = true;
  if (d.route_len > 0) {
    out["route"] = std::string(d.routeName());
    if (d.route_len > Decision::kRouteChars) out["route_truncated"] = true;
  } else {
    out["route"] = nullptr;
  }
  if (d.verdict == Decision::Verdict::kRejected && d.reason != Rejection::kCount) {
    out["stage"] = rejectionStage(d.reason);
    out["reason"] = rejectionName(d.reason);
  }
  if (d.rule_id != 0) {
    out["rule"] = {{"id", d.rule_id}, {"enforced_share", d.rule_permille / 1000.0}};
  }
  return out;
}

}  // namespace floodgate::proxy
