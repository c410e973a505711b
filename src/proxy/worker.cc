#include "proxy/worker.h"

#include <algorithm>
#include <set>

#include "core/log.h"
#include "proxy/acceptor.h"
#include "proxy/access_log.h"
#include "proxy/client_connection.h"

namespace floodgate::proxy {

Worker::Worker(int index, SnapshotPtr snapshot, AccessLog* access_log, ShieldState* shield)
    : index_(index),
      snapshot_(std::move(snapshot)),
      access_log_(access_log),
      shield_(shield),
      observing_(std::make_unique<shield::WorkerObservation>(shield->observationConfig(),
                                                             &shield->knownGood())),
      handed_(std::make_unique<shield::WorkerObservation>(shield->observationConfig(),
                                                          &shield->knownGood())),
      rules_(std::make_shared<const shield::RuleSet>()),
      detector_blocklist_(std::make_shared<const shield::Blocklist>()),
      request_ids_(static_cast<uint32_t>(index)) {
  rebuildClusterPools();
}

Worker::~Worker() {
  join();
  acceptors_.clear();
  connections_.forEach([this](ClientConnection* c) {
    connections_.remove(c);
    delete c;
  });
  pools_.clear();
}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  loop_.run();
  finished_.store(true);
}

void Worker::addListener(const std::string& name, FileDescriptor fd) {
  auto shared = std::make_shared<FileDescriptor>(std::move(fd));
  loop_.post([this, name, shared] {
    if (draining_) return;
    auto acceptor = std::make_unique<Acceptor>(this, name, std::move(*shared));
    if (!acceptor->start()) {
      spdlog::error("worker {}: cannot watch listener {}", index_, name);
      return;
    }
    acceptors_[name] = std::move(acceptor);
  });
}

void Worker::swapSnapshot(SnapshotPtr snapshot, std::vector<std::string> keep_listeners) {
  loop_.post([this, snapshot = std::move(snapshot), keep = std::move(keep_listeners)] {
    snapshot_ = snapshot;
    rebuildClusterPools();
    std::set<std::string> keep_set(keep.begin(), keep.end());
    for (auto it = acceptors_.begin(); it != acceptors_.end();) {
      it = keep_set.count(it->first) ? std::next(it) : acceptors_.erase(it);
    }
  });
}

void Worker::drain() {
  loop_.post([this] {
    draining_ = true;
    acceptors_.clear();  // closes the listening sockets: the kernel stops queueing for us
    connections_.forEach([](ClientConnection* c) { c->beginDrain(); });
    checkDrained();
  });
}

void Worker::stop() { loop_.stop(); }

shield::WorkerObservation* Worker::rotateObservation() {
  std::swap(observing_, handed_);
  return handed_.get();
}

void Worker::swapRules(std::shared_ptr<const shield::RuleSet> rules,
                       std::shared_ptr<const shield::Blocklist> blocklist) {
  loop_.post([this, rules = std::move(rules), blocklist = std::move(blocklist)] {
    rules_ = rules;
    if (blocklist == detector_blocklist_) return;
    detector_blocklist_ = blocklist;
    cutEscalated();
  });
}

void Worker::cutEscalated() {
  // A source or network just escalated is dropped at the SYN from now on, and its packets to
  // the connections it has are dropped too: those would stall, their requests piling up in the
  // socket buffers, and all be answered at once when the penalty ends (or, for a network, as its
  // probation lets a sample through). Closed now, and with a reset (ClientConnection::reset),
  // there is no such backlog and no socket left retransmitting a FIN into the filter. A list
  // changes a few times a minute at most, and the walk is one lookup per connection.
  const MonoTime now = loop_.now();
  connections_.forEach([&](ClientConnection* c) {
    if (c->key() && detector_blocklist_->contains(*c->key(), now)) c->reset();
  });
}

void Worker::checkDrained() {
  if (draining_ && connections_.empty()) loop_.stop();
}

void Worker::rebuildClusterPools() {
  const auto& clusters = snapshot_->config->clusters;
  cluster_pools_.assign(clusters.size(), {});
  round_robin_.resize(clusters.size(), 0);
  for (size_t i = 0; i < clusters.size(); ++i) {
    for (const auto& ep : clusters[i].endpoints) {
      std::string key = ep.address.toString();
      auto& pool = pools_[key];
      if (!pool) pool = std::make_unique<EndpointPool>(&loop_, ep.address);
      cluster_pools_[i].push_back(pool.get());
    }
  }
}

EndpointPool* Worker::pickEndpoint(int cluster_index) {
  auto& pools = cluster_pools_[static_cast<size_t>(cluster_index)];
  size_t& rr = round_robin_[static_cast<size_t>(cluster_index)];
  EndpointPool* pool = pools[rr % pools.size()];
  ++rr;
  return pool;
}

void Worker::swapUpstream(std::shared_ptr<const upstream::UpstreamView> view, int workers) {
  loop_.post([this, view = std::move(view), workers] {
    bool same_config = upstream_view_ && upstream_view_->config == view->config &&
                       pickers_.size() == view->clusters.size();
    upstream_view_ = view;
    if (same_config) {
      for (size_t i = 0; i < pickers_.size(); ++i) pickers_[i]->setHealth(view->clusters[i].health);
      return;
    }
    pickers_.clear();
    for (size_t i = 0; i < view->clusters.size(); ++i) {
      uint64_t seed = (static_cast<uint64_t>(index_) + 1) * 0x9e3779b97f4a7c15ULL + i;
      pickers_.push_back(std::make_shared<upstream::Picker>(&view->config->clusters[i],
                                                            view->clusters[i], workers, seed));
    }
  });
}

std::shared_ptr<upstream::Picker> Worker::picker(int cluster_index, const config::Config* config) {
  if (!upstream_view_ || upstream_view_->config.get() != config ||
      static_cast<size_t>(cluster_index) >= pickers_.size()) {
    return nullptr;
  }
  return pickers_[static_cast<size_t>(cluster_index)];
}

void Worker::shedIdle() {
  constexpr int kMaxShed = 64;
  MonoTime now = loop_.now();
  if (now - last_shed_ < milliseconds(100)) return;
  last_shed_ = now;
  int shed = 0;
  connections_.forEach([&shed](ClientConnection* c) {
    if (shed < kMaxShed && c->idle()) {
      c->cut();
      ++shed;
    }
  });
  counters().idle_closed_for_budget.fetch_add(static_cast<uint64_t>(shed),
                                              std::memory_order_relaxed);
}

void Worker::adopt(ClientConnection* conn) { connections_.pushFront(conn); }

void Worker::release(ClientConnection* conn) {
  connections_.remove(conn);
  loop_.deleteLater(std::unique_ptr<Deferrable>(conn));
  checkDrained();
}

}  // namespace floodgate::proxy
