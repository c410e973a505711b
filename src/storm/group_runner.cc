#include "storm/group_runner.h"

#include "storm/hold_slot.h"
#include "storm/request_slot.h"

namespace floodgate::storm {
namespace {

RequestShape shapeOf(const ClientGroup& g, const std::string& host) {
  RequestShape shape;
  shape.method = g.method;
  shape.host = host;
  shape.headers = g.headers;
  shape.body_bytes = g.body_bytes;
  if (g.kind == GroupKind::kHeaderBomb) {
    shape.header_count = g.header_count;
    shape.header_bytes = g.header_bytes;
  }
  return shape;
}

}  // namespace

GroupRunner::GroupRunner(WorkerContext* worker, const Scenario& scenario, size_t group_index,
                         std::vector<uint64_t> slots, MonoTime start)
    : start_(start) {
  const ClientGroup& g = scenario.groups[group_index];
  shared_ = std::make_unique<GroupShared>(worker, &g, group_index,
                                          RequestBank(shapeOf(g, worker->host_header), g.paths));
  shared_->traffic = isAttack(g.kind) ? TrafficClass::kAttack : TrafficClass::kLegit;
  shared_->legit = !isAttack(g.kind);
  shared_->method = http::methodFromToken(g.method);
  shared_->total_slots = g.connections;
  windows_ = ActiveWindows::forGroup(scenario.phases, g);
  if (!g.closed_loop && !slots.empty()) {
    double share = static_cast<double>(slots.size()) / static_cast<double>(g.connections);
    schedule_.emplace(&windows_, g.rate * share, start);
  }
  for (uint64_t index : slots) {
    if (holdsConnections(g.kind)) {
      slots_.push_back(std::make_unique<HoldSlot>(shared_.get(), index));
    } else {
      slots_.push_back(std::make_unique<RequestSlot>(shared_.get(), index));
    }
  }
}

GroupRunner::~GroupRunner() { slots_.clear(); }

void GroupRunner::tick(MonoTime now) {
  if (slots_.empty()) return;
  bool active = windows_.activeAt(now - start_);
  if (active != shared_->active) {
    shared_->active = active;
    for (auto& slot : slots_) {
      if (active) {
        if (auto* r = dynamic_cast<RequestSlot*>(slot.get())) r->onStart();
      } else {
        slot->onStop();
      }
    }
  }
  if (schedule_) {
    // Due requests go round-robin over the slots: with evenly spread slots, each client's
    // requests are evenly spaced too.
    schedule_->takeDue(now, [&](uint64_t, MonoTime intended) {
      slots_[next_slot_]->onDue(intended);
      if (++next_slot_ == slots_.size()) next_slot_ = 0;
    });
  } else if (active) {
    for (auto& slot : slots_) slot->onTick(now);
  }
}

bool GroupRunner::idle() const {
  for (const auto& slot : slots_) {
    if (!slot->idle()) return false;
  }
  return true;
}

void GroupRunner::abandon() {
  for (auto& slot : slots_) slot->abandon();
}

uint64_t GroupRunner::blockedUsers() const {
  uint64_t n = 0;
  for (const auto& slot : slots_) {
    if (auto* r = dynamic_cast<const RequestSlot*>(slot.get()); r != nullptr && r->blocked()) ++n;
  }
  return n;
}

}  // namespace floodgate::storm
