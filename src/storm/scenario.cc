#include "storm/scenario.h"

namespace floodgate::storm {
namespace {

constexpr std::pair<GroupKind, const char*> kKinds[] = {
    {GroupKind::kLegit, "legit"},
    {GroupKind::kKeepaliveFlood, "keepalive_flood"},
    {GroupKind::kDistributedFlood, "distributed_flood"},
    {GroupKind::kCacheBusting, "cache_busting"},
    {GroupKind::kConnectionFlood, "connection_flood"},
    {GroupKind::kSlowloris, "slowloris"},
    {GroupKind::kSlowPost, "slow_post"},
    {GroupKind::kHeaderBomb, "header_bomb"},
    {GroupKind::kPulse, "pulse"},
    {GroupKind::kMimic, "mimic"},
};

}  // namespace

const char* kindName(GroupKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

bool parseKind(std::string_view text, GroupKind* kind) {
  for (const auto& [k, name] : kKinds) {
    if (text == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

}  // namespace floodgate::storm
