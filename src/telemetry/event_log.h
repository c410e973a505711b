// EventLog: the record of automatic decisions and what led to them (DESIGN.md "Explain") — rules
// enforced and expired, findings, later status changes, failovers, operator calls — in a
// bounded ring, queryable over the admin API and fed to subscribers (the status engine).
// Thread-safe: any thread may push; subscribers are called on the pushing thread, outside the
// log's lock, in push order per thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"

namespace floodgate::telemetry {

struct Event {
  uint64_t id = 0;  // 1, 2, 3, ... in push order
  int64_t unix_millis = 0;
  std::string kind;         // "rule.enforced", "rule.expired", "finding", "blocklist.added", ...
  std::string subject;      // what it is about: "source 203.0.113.7", "cluster api"
  std::string message;      // one line for a person
  nlohmann::json evidence;  // the numbers behind it

  nlohmann::json toJson() const;  // time as UTC ISO-8601 with milliseconds
};

// "2026-11-25T05:12:03.250Z"
std::string isoTime(int64_t unix_millis);

class EventLog {
 public:
  explicit EventLog(size_t capacity = 4096, const Clock& clock = RealClock::instance());

  uint64_t push(std::string kind, std::string subject, std::string message,
                nlohmann::json evidence = nlohmann::json::object());

  // Events with id > since, oldest first; only those whose kind is `kind` or starts with
  // `kind.` when kind is not empty ("rule" matches "rule.enforced"); at most `limit`.
  std::vector<Event> since(uint64_t since, std::string_view kind = {}, size_t limit = 1000) const;
  uint64_t lastId() const;

  using Subscriber = std::function<void(const Event&)>;
  void subscribe(Subscriber subscriber);

 private:
  const size_t capacity_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::deque<Event> events_;
  uint64_t next_id_ = 1;
  std::vector<Subscriber> subscribers_;
};

}  // namespace floodgate::telemetry
