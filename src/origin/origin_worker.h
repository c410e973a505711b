// OriginWorker: one thread with its own event loop, SO_REUSEPORT listener, connections, source
// counters and canned responses. Other threads reach it only through posted tasks.
#pragma once

#include <memory>
#include <thread>

#include "core/event_loop.h"
#include "core/intrusive_list.h"
#include "core/socket.h"
#include "origin/canned_responses.h"
#include "origin/control_query.h"
#include "origin/listener.h"
#include "origin/origin_state.h"
#include "origin/source_table.h"

namespace floodgate::origin {

class OriginConnection;

class OriginWorker {
 public:
  OriginWorker(int index, OriginState* state, FileDescriptor listen_fd);
  ~OriginWorker();
  OriginWorker(const OriginWorker&) = delete;
  OriginWorker& operator=(const OriginWorker&) = delete;

  Status start();
  void stop();  // thread-safe
  void join();

  // Worker-thread API, for its connections.
  EventLoop& loop() { return loop_; }
  OriginState& state() { return *state_; }
  SourceTable& sources() { return sources_; }
  CannedResponses& canned() { return canned_; }
  void release(OriginConnection* conn);
  // Sends `query` to every worker; its connection gets onQueryDone() on this thread.
  void startQuery(std::shared_ptr<ControlQuery> query);

 private:
  void run();
  void onAccept(FileDescriptor fd, const SocketAddress& peer);
  void answerQuery(const std::shared_ptr<ControlQuery>& query);  // on each worker's thread
  void finishQuery(const std::shared_ptr<ControlQuery>& query);  // on the home thread
  void closeAll();

  int index_;
  OriginState* state_;
  EventLoop loop_;  // first member in, last out: timers and deferred objects need it
  SourceTable sources_;
  CannedResponses canned_;
  Listener listener_;
  std::thread thread_;
  IntrusiveList<OriginConnection> connections_;
};

}  // namespace floodgate::origin
