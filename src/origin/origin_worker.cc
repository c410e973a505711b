#include "origin/origin_worker.h"

#include <pthread.h>

#include <string>

#include "core/log.h"
#include "origin/origin_connection.h"

namespace floodgate::origin {

OriginWorker::OriginWorker(int index, OriginState* state, FileDescriptor listen_fd)
    : index_(index),
      state_(state),
      sources_(&state->budget),
      canned_(state->name, state->options.body_bytes),
      listener_(&loop_, std::move(listen_fd), [this](FileDescriptor fd, const SocketAddress& peer) {
        onAccept(std::move(fd), peer);
      }) {}

OriginWorker::~OriginWorker() {
  join();
  closeAll();
}

Status OriginWorker::start() {
  Status st = listener_.start();
  if (!st.ok()) return st;
  thread_ = std::thread([this] { run(); });
  return {};
}

void OriginWorker::stop() { loop_.stop(); }

void OriginWorker::join() {
  if (thread_.joinable()) thread_.join();
}

void OriginWorker::run() {
  std::string name = "origin-w" + std::to_string(index_);
  pthread_setname_np(pthread_self(), name.c_str());
  loop_.run();
  closeAll();
}

void OriginWorker::closeAll() {
  while (!connections_.empty()) connections_.front()->abort();  // abort() unlinks it
}

void OriginWorker::onAccept(FileDescriptor fd, const SocketAddress& peer) {
  auto* conn = new OriginConnection(this, std::move(fd), peer);
  connections_.pushFront(conn);
  conn->start();
}

void OriginWorker::release(OriginConnection* conn) {
  connections_.remove(conn);
}

void OriginWorker::startQuery(std::shared_ptr<ControlQuery> query) {
  query->home = this;
  query->remaining.store(static_cast<int>(state_->workers.size()));
  if (query->kind == ControlQuery::Kind::kReset) state_->admitted.store(0);
  for (OriginWorker* w : state_->workers) {
    w->loop_.post([w, query] { w->answerQuery(query); });
  }
}

void OriginWorker::answerQuery(const std::shared_ptr<ControlQuery>& query) {
  {
    std::lock_guard<std::mutex> lock(query->mu);
    if (query->kind == ControlQuery::Kind::kReset) {
      sources_.clear();
    } else {
      query->totals.add(sources_.totals());
      query->other.add(sources_.other());
      query->tracked += sources_.tracked();
      if (!query->summary) sources_.collect(query->prefix, &query->sources);
    }
  }
  if (query->remaining.fetch_sub(1) == 1) {
    OriginWorker* home = query->home;
    home->loop_.post([home, query] { home->finishQuery(query); });
  }
}

void OriginWorker::finishQuery(const std::shared_ptr<ControlQuery>& query) {
  if (query->connection == nullptr) return;  // the asker has gone
  if (query->kind == ControlQuery::Kind::kReset) {
    query->connection->onQueryDone("{\"reset\":true}\n");
    return;
  }
  mergeSources(&query->sources);
  StatsHeader header;
  const OriginOptions& o = state_->options;
  header.name = state_->name;
  header.uptime_s = std::chrono::duration<double>(state_->clock.now() - state_->started).count();
  header.in_flight = state_->capacity.inFlight();
  header.capacity_rps = o.capacity_rps;
  header.concurrency = o.concurrency;
  header.latency_ms = state_->latency_ms.load(std::memory_order_relaxed);
  header.workers = static_cast<int>(state_->workers.size());
  query->connection->onQueryDone(renderStats(header, *query));
}

}  // namespace floodgate::origin
