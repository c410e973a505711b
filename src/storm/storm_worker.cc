#include "storm/storm_worker.h"

namespace floodgate::storm {
namespace {

std::vector<TrafficClass> classesOf(const Scenario& s) {
  std::vector<TrafficClass> out;
  for (const auto& g : s.groups) {
    out.push_back(isAttack(g.kind) ? TrafficClass::kAttack : TrafficClass::kLegit);
  }
  return out;
}

}  // namespace

StormWorker::StormWorker(const Scenario& scenario, const LoopbackUrl& target,
                         const WorkerPlan& plan)
    : scenario_(scenario),
      plan_(plan),
      series_(classesOf(scenario), plan.seconds),
      context_{&loop_,   &RealClock::instance(), target.address, target.host_header,
               &series_, FastRandom(plan.seed)} {
  for (size_t i = 0; i < scenario.groups.size(); ++i) {
    std::vector<uint64_t> slots;
    for (uint64_t g = static_cast<uint64_t>(plan.index); g < scenario.groups[i].connections;
         g += static_cast<uint64_t>(plan.threads)) {
      slots.push_back(g);
    }
    groups_.push_back(
        std::make_unique<GroupRunner>(&context_, scenario, i, std::move(slots), plan.start));
  }
  next_second_ = plan.start + seconds(1);
  end_ = plan.start + scenario.duration();
  give_up_ = end_ + scenario.drain;
  tick_.setCallback([this] { onTick(); });
}

StormWorker::~StormWorker() {
  loop_.cancel(&tick_);
  groups_.clear();
}

void StormWorker::run() {
  loop_.updateTime();
  loop_.scheduleAt(&tick_, plan_.start);
  loop_.run();
}

void StormWorker::sealSecond() {
  for (size_t i = 0; i < groups_.size(); ++i) {
    series_.now(i)[Count::kOpenConnections] = groups_[i]->openConnections();
  }
  series_.sealCurrent();
}

void StormWorker::onTick() {
  MonoTime now = RealClock::instance().now();
  if (now < plan_.start) {
    loop_.scheduleAt(&tick_, plan_.start);
    return;
  }
  while (now >= next_second_) {
    sealSecond();
    next_second_ += seconds(1);
  }
  bool stop = stop_requested_.load(std::memory_order_relaxed);
  if (!stop) {
    for (auto& g : groups_) g->tick(now);
  }
  if (stop || now >= give_up_) {
    finish();
    return;
  }
  if (now >= end_) {
    bool idle = true;
    for (const auto& g : groups_) idle = idle && g->idle();
    if (idle) {
      finish();
      return;
    }
  }
  loop_.schedule(&tick_, milliseconds(1));
}

void StormWorker::finish() {
  for (auto& g : groups_) g->abandon();
  for (size_t i = 0; i < groups_.size(); ++i) {
    series_.now(i)[Count::kOpenConnections] = 0;
  }
  blocked_users_.clear();
  for (const auto& g : groups_) blocked_users_.push_back(g->blockedUsers());
  loop_.stop();
}

}  // namespace floodgate::storm
