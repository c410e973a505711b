// OperatorBlocklist: the entries an operator added through the admin API (prefix, reason,
// expiry). They are merged into every snapshot's blocklist, so the Acceptor refuses those
// sources at accept, and they survive config reloads (not restarts). Control thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "admin/gateway_control.h"
#include "shield/blocklist.h"

namespace floodgate::proxy {

class OperatorBlocklist {
 public:
  static constexpr size_t kMaxEntries = 100000;  // bounded, like everything an API can grow

  // Adds or replaces the entry for the request's prefix; the entry as JSON, or why not.
  Result<nlohmann::json> add(const admin::BlockRequest& request, MonoTime now, int64_t unix_ms);
  // True when an entry for that prefix existed; an error when `prefix` is not a prefix.
  Result<bool> remove(const std::string& prefix);
  // `base` plus the live entries (expired ones are dropped here too).
  std::shared_ptr<const shield::Blocklist> mergeInto(const shield::Blocklist& base, MonoTime now);
  nlohmann::json describe(MonoTime now);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    shield::IpPrefix prefix;
    std::string reason;
    MonoTime expires = MonoTime::max();
    int64_t added_unix_ms = 0;
  };
  void dropExpired(MonoTime now);
  static nlohmann::json toJson(const std::string& key, const Entry& e, MonoTime now);

  std::map<std::string, Entry> entries_;  // by canonical prefix text
};

}  // namespace floodgate::proxy
