// RequestSlot: a client that sends whole requests and reads the answers — a legitimate user
// (one source, keep-alive, cookies, redirects) or a flooder (rotating sources, a new connection
// every few requests, or a closed loop as fast as answers come).
// Open loop: a request due while the previous one is out waits in a small queue and its
// latency still counts from when it was due.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/timer_wheel.h"
#include "storm/cookie_jar.h"
#include "storm/response_reader.h"
#include "storm/slot.h"

namespace floodgate::storm {

class RequestSlot final : public Slot, private ResponseReader::HeadSink {
 public:
  RequestSlot(GroupShared* group, uint64_t global_index);
  ~RequestSlot() override;

  void onDue(MonoTime intended) override;
  void onTick(MonoTime now) override;
  void onStop() override;
  void onStart();
  bool idle() const override { return !in_flight_ && backlog_count_ == 0; }
  void abandon() override;
  // A legitimate user that received a block (403, 429, a refused or reset connection).
  bool blocked() const { return blocked_; }

 private:
  static constexpr size_t kBacklog = 32;

  void begin(MonoTime intended, MonoTime now);
  void prepareRequest();
  void send();
  void write();
  void finishResponse();
  void failIo(Count why);
  void fail(Count why);
  void complete(MonoTime now);
  void next(MonoTime now);
  void onTimeout();
  void dropConnection(bool reset);
  SocketAddress source() const;

  void onConnected() override { write(); }
  void onConnectFailed(Count why) override;
  void onReadable() override;
  void onWritable() override { write(); }
  void onResponseHead(const http::ResponseHead& head) override;

  ResponseReader reader_;
  Timer timer_;
  MonoTime intended_{};
  std::array<MonoTime, kBacklog> backlog_{};
  uint8_t backlog_head_ = 0;
  uint8_t backlog_count_ = 0;
  bool in_flight_ = false;
  bool counted_sent_ = false;
  bool retried_ = false;
  bool stopping_ = false;
  bool restart_on_tick_ = true;  // closed loop: (re)start on the next tick
  bool blocked_ = false;
  int redirects_ = 0;
  uint64_t responses_on_conn_ = 0;
  uint64_t conn_seq_ = 0;
  std::string_view head_;
  std::string_view body_;
  std::string scratch_;   // rendered requests (holes, cookies, redirects)
  std::string location_;  // a same-site redirect target from the last head
  std::unique_ptr<CookieJar> cookies_;
};

}  // namespace floodgate::storm
