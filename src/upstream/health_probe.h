// HealthProbe: the active health check of one endpoint, on the upstream control loop. Every
// interval (plus jitter) it connects without blocking, and for an HTTP check sends one GET and
// judges the status (and optionally the body); a TCP check passes on connect. After
// healthy_threshold passes in a row an unhealthy endpoint is healthy again, after
// unhealthy_threshold failures a healthy one is unhealthy; each change is reported.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/config.h"
#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/socket.h"

namespace floodgate::upstream {

class HealthProbe final : public IoHandler {
 public:
  // Called on the loop's thread when the endpoint's health changes; `detail` says why.
  using Report = std::function<void(size_t endpoint, bool healthy, const std::string& detail)>;

  HealthProbe(EventLoop* loop, const config::HealthCheck& check, const config::Endpoint& endpoint,
              size_t index, uint64_t seed, Report report);
  ~HealthProbe() override;

  // Schedules the first check after `delay` (spread, so checks of many endpoints do not align).
  void start(Duration delay);
  void onIoEvent(uint32_t events) override;

  bool healthy() const { return healthy_; }
  uint64_t checks() const { return checks_; }
  const std::string& lastResult() const { return last_result_; }

  // The verdict on a complete or cut-off HTTP answer: "" when it passes, else why not.
  static std::string judge(const config::HealthCheck& check, std::string_view answer, bool eof);

 private:
  void begin();
  void onTimer();
  void conclude(bool passed, std::string detail);
  void closeSocket();
  bool sendRequest();
  void readAnswer();

  EventLoop* loop_;
  const config::HealthCheck& check_;
  const config::Endpoint& endpoint_;
  size_t index_;
  uint64_t rng_;
  Report report_;
  Timer timer_;
  FileDescriptor fd_;
  bool in_flight_ = false;
  bool connecting_ = false;
  std::string request_;
  size_t sent_ = 0;
  Buffer in_;
  bool healthy_ = true;  // endpoints start healthy, as HAProxy's do: traffic flows at once
  int passes_ = 0;
  int failures_ = 0;
  uint64_t checks_ = 0;
  std::string last_result_;
};

}  // namespace floodgate::upstream
