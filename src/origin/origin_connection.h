// OriginConnection: one client connection to the origin. It answers pipelined requests strictly
// in order: read a head, admit it (or refuse it at once), consume any body, wait out the service
// time, answer — streaming large bodies with backpressure — then take the next request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/socket.h"
#include "http/chunked.h"
#include "http/request_parser.h"
#include "origin/body_stream.h"
#include "origin/control_query.h"
#include "origin/route.h"
#include "origin/source_table.h"

namespace floodgate::origin {

class OriginWorker;

class OriginConnection final : public IoHandler, public Deferrable {
 public:
  OriginConnection(OriginWorker* worker, FileDescriptor fd, const SocketAddress& peer);
  ~OriginConnection() override;
  OriginConnection(const OriginConnection&) = delete;
  OriginConnection& operator=(const OriginConnection&) = delete;

  void start();
  void onIoEvent(uint32_t events) override;
  // The stats or reset query this connection started has its answer (a JSON body).
  void onQueryDone(std::string body);
  // Closes at once, dropping anything unsent.
  void abort() { close(); }

  // The worker's intrusive list of connections.
  OriginConnection* prev = nullptr;
  OriginConnection* next = nullptr;

 private:
  enum class Phase : uint8_t {
    kHead,            // reading the next request head
    kBody,            // consuming the request body
    kWaiting,         // service time, a delay, or a stats/reset query
    kStreaming,       // sending a generated body
    kFlushThenClose,  // the last response is queued; input is ignored
    kLingering,       // writes shut down; reading until the client closes, so no RST eats data
    kClosed,
  };
  enum class ReadResult : uint8_t { kData, kAgain, kEof, kError };

  void drive();
  bool step();
  bool onHeadBytes();
  void beginExchange();
  bool onBodyBytes();
  void onRequestComplete();
  void wait(Duration d);
  void respond();
  void respondApplication();
  void respondText(int status, std::string_view body,
                   std::string_view content_type = "text/plain; charset=utf-8");
  void appendStreamHead(int status, uint64_t bytes, bool chunked, std::string_view content_type);
  void startStream(uint64_t bytes, bool chunked);
  void finishExchange();
  void failConnection(int status, std::string_view why);
  void countAnswer(int status, bool over_capacity, uint64_t bytes);

  ReadResult readSome();
  bool flush(size_t* budget);
  bool outputEmpty() const { return out_.empty() && piece_.empty(); }
  void startLinger();
  void onIdleTimer();
  void close();

  OriginWorker* worker_;
  FileDescriptor fd_;
  SocketAddress peer_;
  char peer_ip_[48];
  size_t peer_ip_len_ = 0;
  Phase phase_ = Phase::kHead;
  bool can_read_ = false;
  bool can_write_ = true;
  bool peer_shut_ = false;  // epoll saw EPOLLRDHUP: read until EOF even after a short read
  bool client_eof_ = false;
  Buffer in_;
  Buffer out_;
  // Static bytes queued after `out_` (a generated body piece); `out_` only grows while empty.
  std::string_view piece_;
  http::RequestParser parser_;
  http::RequestHead req_;

  // The exchange in progress.
  Route route_;
  SourceRef source_;
  bool counted_ = false;    // stats and reset requests are not traffic
  bool head_only_ = false;  // HEAD
  bool http10_ = false;
  bool keep_alive_ = true;
  bool answered_ = false;    // refused before its body was read; the body is only skipped
  bool holds_slot_ = false;  // admitted by the capacity model, not yet answered
  bool has_body_ = false;
  bool hash_body_ = false;
  bool chunked_body_ = false;
  uint64_t body_remaining_ = 0;  // Content-Length bodies
  http::ChunkedDecoder chunked_;
  uint64_t body_bytes_ = 0;
  uint64_t body_hash_ = 0;
  std::string echo_;  // the echo answer up to its body length, built while the head is at hand
  std::shared_ptr<ControlQuery> query_;

  BodyStream stream_;  // the generated body being sent

  Timer service_timer_;
  Timer idle_timer_;
  MonoTime last_active_;
};

}  // namespace floodgate::origin
