// What the slots of one client group on one worker share: the group's spec, its requests, the
// worker's loop and record, and the group's state (active, stopping).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/socket_address.h"
#include "http/message.h"
#include "storm/fast_random.h"
#include "storm/request_bank.h"
#include "storm/scenario.h"
#include "storm/worker_series.h"

namespace floodgate::storm {

// Per worker thread.
struct WorkerContext {
  EventLoop* loop = nullptr;
  const Clock* clock = nullptr;
  SocketAddress target;
  std::string host_header;  // the target's Host, for same-site redirects
  WorkerSeries* series = nullptr;
  FastRandom rng;
};

struct GroupShared {
  GroupShared(WorkerContext* w, const ClientGroup* s, size_t i, RequestBank b)
      : worker(w), spec(s), index(i), bank(std::move(b)), source_order(s->count) {}

  WorkerContext* worker;
  const ClientGroup* spec;
  size_t index;  // in Scenario::groups and in the series
  RequestBank bank;
  TrafficClass traffic = TrafficClass::kLegit;
  http::Method method = http::Method::kGet;
  uint64_t total_slots = 1;  // across all workers
  uint64_t open = 0;         // connections open on this worker
  bool active = false;       // inside one of the group's windows
  bool legit = false;
  ScatteredOrder source_order;

  // The source a slot connects from on its `turn`-th connection. The group's slots take turns
  // over its addresses: slot k's turn t is the (k + t * total_slots)-th, in scattered order.
  SocketAddress sourceFor(uint64_t slot, uint64_t turn) const {
    return spec->sources.socketAddressAt(source_order(slot + turn * total_slots));
  }

  Counters& counters() { return worker->series->now(index); }
  MonoTime now() const { return worker->clock->now(); }
  EventLoop& loop() { return *worker->loop; }
};

}  // namespace floodgate::storm
