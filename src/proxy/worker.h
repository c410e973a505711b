// Worker: one thread, one event loop, its own SO_REUSEPORT listeners, client connections and
// upstream pools. It shares nothing mutable with other workers; the control side reaches it
// only through posted tasks (new snapshot, new listeners, drain).
#pragma once

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.h"
#include "core/intrusive_list.h"
#include "core/socket.h"
#include "proxy/decision_ring.h"
#include "proxy/origin_queue.h"
#include "proxy/request_id.h"
#include "proxy/runtime.h"
#include "proxy/shield_runtime.h"
#include "proxy/upstream_pool.h"
#include "upstream/cluster_state.h"
#include "upstream/picker.h"

namespace floodgate::proxy {

class ClientConnection;
class Acceptor;
class AccessLog;

class Worker {
 public:
  Worker(int index, SnapshotPtr snapshot, AccessLog* access_log, ShieldState* shield);
  ~Worker();

  // Starts the thread. Listening sockets are added with addListener (before or after start).
  void start();
  void join();

  // Thread-safe: hand over a listening socket for listener `name`.
  void addListener(const std::string& name, FileDescriptor fd);
  // Thread-safe: serve new requests with `snapshot`; close listeners not in `keep_listeners`.
  void swapSnapshot(SnapshotPtr snapshot, std::vector<std::string> keep_listeners);
  // Thread-safe: stop accepting, finish in-flight requests, then stop the loop.
  void drain();
  // Thread-safe: stop now.
  void stop();
  bool finished() const { return finished_.load(); }

  // Worker-thread API used by connections.
  EventLoop& loop() { return loop_; }
  const SnapshotPtr& snapshot() const { return snapshot_; }
  int index() const { return index_; }
  bool draining() const { return draining_; }
  RequestIdSource& requestIds() { return request_ids_; }
  // The fates of this worker's recent requests: written by connections, searched by the admin
  // API (thread-safe to read).
  DecisionRing& decisions() { return decisions_; }
  AccessLog* accessLog() { return access_log_; }
  ShieldState& shield() { return *shield_; }
  // What this worker saw since the last tick; recorded on the request path.
  shield::WorkerObservation& observation() { return *observing_; }
  // Called on the worker thread by the defense loop's tick: starts a fresh observation and
  // returns the full one, which the loop reads and resets before the next tick.
  shield::WorkerObservation* rotateObservation();
  const shield::RuleSet& rules() const { return *rules_; }
  const shield::Blocklist& detectorBlocklist() const { return *detector_blocklist_; }
  // Thread-safe: serve with new mitigation rules and detector blocks.
  void swapRules(std::shared_ptr<const shield::RuleSet> rules,
                 std::shared_ptr<const shield::Blocklist> blocklist);
  ShieldCounters& counters() { return shield_->counters(index_); }
  // Requests of this worker waiting for a slot toward their cluster (origin protection).
  OriginQueue& originQueue() { return origin_queue_; }
  // The connection budget ran out: close some idle keep-alive connections (at most once per
  // 100 ms), so waiting clients with work get the slots.
  void shedIdle();
  // Round robin over the cluster's endpoints: each call (a retry too) takes the next one.
  EndpointPool* pickEndpoint(int cluster_index);
  // Thread-safe: the upstream control side's latest health view (worker count for the pickers'
  // share of the retry floor).
  void swapUpstream(std::shared_ptr<const upstream::UpstreamView> view, int workers);
  // The picker for a cluster of `config`, or null when the upstream view is for another config
  // (a reload in between): then pickEndpoint's round robin serves.
  std::shared_ptr<upstream::Picker> picker(int cluster_index, const config::Config* config);
  EndpointPool* endpointPool(int cluster_index, int endpoint) {
    return cluster_pools_[static_cast<size_t>(cluster_index)][static_cast<size_t>(endpoint)];
  }
  void adopt(ClientConnection* conn);
  void release(ClientConnection* conn);
  size_t connections() const { return connections_.size(); }

 private:
  void run();
  void rebuildClusterPools();
  void checkDrained();
  // Closes the connections of the sources the detector's blocklist now names (escalated).
  void cutEscalated();

  int index_;
  EventLoop loop_;
  OriginQueue origin_queue_{loop_};
  SnapshotPtr snapshot_;
  AccessLog* access_log_;
  ShieldState* shield_;
  std::unique_ptr<shield::WorkerObservation> observing_;
  std::unique_ptr<shield::WorkerObservation> handed_;
  std::shared_ptr<const shield::RuleSet> rules_;
  std::shared_ptr<const shield::Blocklist> detector_blocklist_;
  MonoTime last_shed_{};
  RequestIdSource request_ids_;
  DecisionRing decisions_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  bool draining_ = false;
  std::map<std::string, std::unique_ptr<Acceptor>> acceptors_;
  std::map<std::string, std::unique_ptr<EndpointPool>> pools_;  // by endpoint address
  std::vector<std::vector<EndpointPool*>> cluster_pools_;         // by cluster index
  std::vector<size_t> round_robin_;
  std::shared_ptr<const upstream::UpstreamView> upstream_view_;
  std::vector<std::shared_ptr<upstream::Picker>> pickers_;  // by cluster index
  IntrusiveList<ClientConnection> connections_;
};

}  // namespace floodgate::proxy
