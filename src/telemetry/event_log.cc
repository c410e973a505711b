#include "telemetry/event_log.h"

#include <ctime>

#include "core/log.h"

namespace floodgate::telemetry {

std::string isoTime(int64_t unix_millis) {
  time_t seconds = static_cast<time_t>(unix_millis / 1000);
  tm parts;
  gmtime_r(&seconds, &parts);
  char text[40];
  size_t n = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
  return std::string(text, n) + fmt::format(".{:03d}Z", static_cast<int>(unix_millis % 1000));
}

nlohmann::json Event::toJson() const {
  return {{"id", id},           {"time", isoTime(unix_millis)}, {"kind", kind},
          {"subject", subject}, {"message", message},           {"evidence", evidence}};
}

EventLog::EventLog(size_t capacity, const Clock& clock)
    : capacity_(capacity < 1 ? 1 : capacity), clock_(clock) {}

uint64_t EventLog::push(std::string kind, std::string subject, std::string message,
                        nlohmann::json evidence) {
  Event event;
  std::vector<Subscriber> subscribers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    event.id = next_id_++;
    event.unix_millis = clock_.wallMillis();
    event.kind = std::move(kind);
    event.subject = std::move(subject);
    event.message = std::move(message);
    event.evidence = std::move(evidence);
    if (events_.size() == capacity_) events_.pop_front();
    events_.push_back(event);
    subscribers = subscribers_;
  }
  for (const auto& s : subscribers) {
    try {
      s(event);
    } catch (const std::exception& e) {
      spdlog::error("event log: a subscriber failed on event {}: {}", event.id, e.what());
    }
  }
  return event.id;
}

std::vector<Event> EventLog::since(uint64_t since, std::string_view kind, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Event> out;
  // Ids are consecutive in the ring: start right after `since`.
  size_t start = 0;
  if (!events_.empty() && since >= events_.front().id) {
    start = static_cast<size_t>(since - events_.front().id + 1);
  }
  for (size_t i = start; i < events_.size() && out.size() < limit; ++i) {
    const Event& e = events_[i];
    if (!kind.empty() && e.kind != kind &&
        !(e.kind.size() > kind.size() && e.kind.starts_with(kind) && e.kind[kind.size()] == '.')) {
      continue;
    }
    out.push_back(e);
  }
  return out;
}

uint64_t EventLog::lastId() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_id_ - 1;
}

void EventLog::subscribe(Subscriber subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.push_back(std::move(subscriber));
}

}  // namespace floodgate::telemetry
