#include "storm/group_defaults.h"

#include <algorithm>
#include <cmath>

namespace floodgate::storm {
namespace {

const char* const kBrowserAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
    "Safari/537.36";

}  // namespace

// Which keys make sense for which kinds, so a misplaced key is reported, not ignored.
bool keyAppliesTo(std::string_view key, GroupKind kind) {
  bool holds = holdsConnections(kind);
  bool legit = kind == GroupKind::kLegit;
  if (key == "think_time" || key == "follow_redirects" || key == "cookies" ||
      key == "max_redirects") {
    return legit;
  }
  if (key == "byte_interval" || key == "bytes_per_tick") {
    return kind == GroupKind::kSlowloris || kind == GroupKind::kSlowPost;
  }
  if (key == "requests_per_connection") return !legit && !holds;
  if (key == "header_count" || key == "header_bytes") return kind == GroupKind::kHeaderBomb;
  if (key == "pulse_on" || key == "pulse_off") return !legit;
  if (key == "mimic") return kind == GroupKind::kMimic;
  if (key == "method") return kind != GroupKind::kConnectionFlood && kind != GroupKind::kSlowPost;
  if (key == "paths" || key == "headers") return kind != GroupKind::kConnectionFlood;
  if (key == "body_bytes")
    return kind != GroupKind::kConnectionFlood && kind != GroupKind::kSlowloris;
  return true;
}

void applyKindDefaults(ClientGroup* g) {
  switch (g->kind) {
    case GroupKind::kLegit:
      g->follow_redirects = true;
      g->cookies = true;
      g->paths = {"/"};
      g->headers = {{"User-Agent", kBrowserAgent},
                    {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
                    {"Accept-Language", "en-US,en;q=0.9"}};
      break;
    case GroupKind::kCacheBusting:
      g->paths = {"/{rand}?{rand}={rand}", "/search?q={rand}&page={rand}"};
      break;
    case GroupKind::kDistributedFlood:
      g->requests_per_connection = 3;
      break;
    case GroupKind::kSlowloris:
      g->byte_interval = seconds(1);
      break;
    case GroupKind::kSlowPost:
      g->method = "POST";
      g->paths = {"/upload"};
      g->body_bytes = 1'000'000;
      g->byte_interval = seconds(1);
      break;
    case GroupKind::kHeaderBomb:
      g->header_count = 50;
      g->header_bytes = 1000;
      break;
    case GroupKind::kPulse:
      g->pulse_on = seconds(2);
      g->pulse_off = seconds(3);
      break;
    default:
      break;
  }
  if (g->paths.empty()) g->paths = {"/"};
  if (isAttack(g->kind) && g->kind != GroupKind::kMimic) {
    g->headers = {{"User-Agent", "Mozilla/5.0 (compatible; storm)"}, {"Accept", "*/*"}};
  }
}

// Connections a group needs when the scenario does not say.
uint64_t defaultConnections(const ClientGroup& g) {
  switch (g.kind) {
    case GroupKind::kLegit:
    case GroupKind::kConnectionFlood:
    case GroupKind::kSlowloris:
    case GroupKind::kSlowPost:
      return g.count;
    case GroupKind::kKeepaliveFlood:
      return std::max<uint64_t>(g.count, 16);
    default: {
      // Enough to carry the rate if each request takes up to ~50 ms; with keep-alive
      // connections, one per address too, or some addresses would never send.
      double wanted = g.closed_loop ? 64 : std::ceil(g.rate / 20);
      auto n = static_cast<uint64_t>(std::clamp(wanted, 16.0, 2000.0));
      return g.requests_per_connection == 0 ? std::max(n, g.count) : std::min(n, g.count);
    }
  }
}

}  // namespace floodgate::storm
