// ClientConnection: one downstream HTTP/1.1 connection and the exchange it drives — read a
// request head, route it, borrow an upstream connection, stream the body up and the response
// down with backpressure on both sides, then take the next (pipelined) request in order.
#pragma once

#include <cstdint>
#include <string>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/socket.h"
#include "http/chunked.h"
#include "http/request_parser.h"
#include "proxy/decision_ring.h"
#include "proxy/header_rewrite.h"
#include "proxy/origin_queue.h"
#include "proxy/runtime.h"
#include "proxy/upstream_pool.h"
#include "shield/ip_prefix.h"
#include "shield/origin_gate.h"
#include "shield/priority.h"
#include "shield/tarpit.h"
#include "upstream/picker.h"

namespace floodgate::proxy {

class Worker;

class ClientConnection final : public IoHandler,
                               public UpstreamUser,
                               public Deferrable,
                               public OriginWaiter {
 public:
  // `key` is the client's address as the shield sees it; `tracked` whether the per-source
  // connection table counted this connection (so it must be told when it ends).
  ClientConnection(Worker* worker, FileDescriptor fd, const SocketAddress& peer,
                   std::optional<shield::IpKey> key, bool tracked);
  ~ClientConnection() override;

  void start();
  void onIoEvent(uint32_t events) override;
  void onUpstreamEvent(UpstreamConnection* conn, uint32_t events) override;
  void onUpstreamTimeout(UpstreamConnection* conn) override;

  // Drain: close now if between requests, else after the response in flight.
  void beginDrain();
  bool idle() const { return phase_ == Phase::kIdle && in_.empty(); }
  // Closes it at once, whatever it is doing: an idle one shed for the budget.
  void cut() { abort(); }
  // Closes it at once with a reset: its source was just escalated to the kernel drop, whose
  // filter drops the peer's packets on this connection too. A FIN would never be acknowledged:
  // it would be sent again and again for a minute and more from an orphaned socket, and the
  // peer's own FIN and retransmits would keep arriving to be dropped. A reset ends both ends.
  void reset();
  const std::optional<shield::IpKey>& key() const { return key_; }
  // The listener it came from (its key), for the metrics' listener label.
  void setListener(std::string key) { listener_key_ = std::move(key); }

  // The request's priority class, set by the shield before it is proxied (known-good when the
  // shield is off); for the upstream picker.
  shield::PriorityClass priority() const { return priority_; }
  // From the worker's OriginQueue: a slot toward the cluster is now held for this request, or
  // the request could not wait any longer.
  void onOriginSlot() override;
  void onOriginShed(bool timed_out) override;  // false: displaced

  // Intrusive list of the worker's connections.
  ClientConnection* prev = nullptr;
  ClientConnection* next = nullptr;

 private:
  // kWaiting: the head is taken; a small body is being read whole, or the request waits for
  // an origin slot (OriginQueue).
  enum class Phase : uint8_t { kIdle, kHead, kWaiting, kUpstream, kClosing, kLingering, kClosed };

  void process();
  bool readClient();
  bool flushClient();
  bool readUpstream();
  bool flushUpstream();

  void onHead();
  void startProxy(const config::Route& route);
  bool connectUpstream();
  void pumpRequestBody();
  void pumpResponse();
  bool parseResponseHead();
  void finishExchange();
  void upstreamFailed(int status, const char* why);
  void releaseUpstream(bool reusable);
  // Requests in trouble (issue 6): whether another try may go out, and sending it (after a
  // jittered backoff when the origin saw the failed one). `nothing_sent`: the failed try never
  // reached the origin, so it costs the origin nothing and needs no budget.
  bool mayRetry(bool nothing_sent);
  void retry(bool nothing_sent, int status, const char* why);
  void onBackoff();
  Duration perTryTimeout() const;
  // A 503 with Retry-After: no level of the cluster has room for this request now.
  void respondShed();
  void hashKey(uint64_t* key, bool* has_key) const;

  // Answers with a short text error and closes the connection afterwards.
  void sendError(int status, std::string_view why, std::string_view extra_headers = {});
  void close();
  void abort();  // close without flushing, e.g. when a response can no longer be completed
  void updateTimers();
  void onTimer();
  void logAccess(int status);
  void countRequest(int status);
  // Answers from floodgate itself (direct routes, 404, 429); keeps the connection unless the
  // request has a body we will not read.
  void respondLocally(int status, std::string_view body, std::string_view content_type,
                      std::string_view extra_headers = {});
  // 429 with Retry-After rounded up to whole seconds (at least 1).
  // After tarpit_after refusals in a row (429s, challenges) the connection is held `seconds`.
  void holdIfRefusedInARow(uint32_t seconds);
  // Reports a tarpitted connection the client sent to before its Retry-After (once a hold).
  void noteDefiance();
  void respondTooManyRequests(uint32_t retry_after_ms, uint32_t never_seconds,
                              std::string_view body);
  // The request stage of the shield: false when the request was refused (and answered).
  bool admitRequest(int route_index);
  // Records the request for the detector and applies the mitigation rules it produced.
  bool applyMitigationRules(int route_index);
  // A challenge rule matched: true with a valid cookie, else a 302 that sets one (GET, HEAD)
  // or a 403 (other methods: a redirect would lose the body) and false.
  bool passesChallenge();
  // Origin protection and request buffering, between startProxy and connectUpstream.
  void continueWaiting();
  bool takeOriginSlot();  // false: queued, or shed (answered)
  void releaseOriginSlot();
  void shedForOrigin();   // 503 + Retry-After
  // Slowloris and slow POST: false (and a 408 on its way) when the client sends slower than
  // the configured minimum rate once the grace period is over. Slower kSlowNoteAfter in, it
  // is counted against its network already (noteSlowOnNetwork).
  bool keepsMinimumRate(MonoTime since, uint64_t bytes);
  // Once per request (or new connection): counted against its network as refused, so that a
  // network sending nothing but such connections is dropped before their deadlines run out.
  void noteSlowOnNetwork();
  // The detector watches this connection's source: its network can be counted against, and
  // escalated to the kernel drop.
  bool watchedByDetector() const;
  // Counts a refusal by the shield and notes it as the request's verdict.
  void refuse(Rejection reason);
  // The connection was refused before a request of it was recorded (a head too slow, never
  // sent, too large or malformed: the verdict says): its network tried and was refused, for
  // the kernel drop's network ladder.
  void noteRefusedConnection();
  // `extra` with this request's X-Request-Id header added, written into `buf` when it fits.
  std::string_view withRequestId(std::string_view extra, char* buf, size_t cap) const;
  size_t maxInputBytes() const;

  Worker* worker_;
  FileDescriptor fd_;
  SocketAddress peer_;
  std::optional<shield::IpKey> key_;
  bool tracked_ = false;
  MonoTime body_started_;
  char peer_ip_[48];
  size_t peer_ip_len_ = 0;
  Phase phase_ = Phase::kIdle;
  Phase timer_phase_ = Phase::kClosed;  // the phase the timer was last armed for
  bool linger_after_close_ = false;
  bool can_read_ = false;
  bool can_write_ = true;
  bool client_eof_ = false;
  bool client_hangup_ = false;  // epoll reported RDHUP/HUP: read to EOF
  bool draining_ = false;
  Buffer in_;
  Buffer out_;
  http::RequestParser parser_;
  http::RequestHead req_;
  Timer timer_;
  MonoTime head_started_;
  bool first_head_ = true;  // not a byte read yet: the first head's deadline runs from accept
  // This request (or, before one, the connection) was counted against its network as slow
  // (noteSlowOnNetwork): its refusal, if it comes, is not counted again.
  bool slow_noted_ = false;
  shield::Tarpit tarpit_;  // 429s in a row; while it holds (phase kIdle) nothing is read

  // The exchange in flight (phase kUpstream).
  SnapshotPtr snapshot_;  // the config this request runs under
  const config::Cluster* cluster_ = nullptr;
  UpstreamConnection* upstream_ = nullptr;
  int cluster_index_ = -1;
  int attempts_ = 0;
  http::Method method_ = http::Method::kGet;
  int minor_version_ = 1;
  bool keep_alive_ = true;
  http::BodyFraming req_framing_ = http::BodyFraming::kNone;
  uint64_t req_remaining_ = 0;
  uint64_t req_body_bytes_ = 0;
  bool req_body_done_ = true;
  bool req_body_started_ = false;  // body bytes already left for the upstream (no retry)
  http::ChunkedDecoder req_chunked_;
  Buffer replay_;  // the upstream request head, kept until a response starts (for a retry)
  bool resp_head_done_ = false;
  bool resp_done_ = false;
  http::ResponseHead resp_;
  ResponsePlan plan_;
  uint64_t resp_remaining_ = 0;
  http::ChunkedDecoder resp_chunked_;
  int resp_status_ = 0;
  uint64_t resp_bytes_ = 0;
  MonoTime exchange_started_;
  MonoTime resp_head_at_;
  bool observed_ = false;  // the request was recorded for the detector; its response is due
  std::shared_ptr<upstream::Picker> picker_;  // null: plain round robin (during a reload)
  upstream::Pick pick_;                       // the try in flight: its level slot and endpoint
  upstream::Outcome try_outcome_ = upstream::Outcome::kCancelled;
  bool try_sent_ = false;  // the try reached its endpoint (an upstream attempt)
  MonoTime try_started_;
  MonoTime deadline_ = MonoTime::max();
  uint64_t tried_ = 0;  // endpoints that failed this request, as bits
  int retries_ = 0;
  bool retry_shed_ = false;  // a retry found no level with room
  Timer backoff_timer_;
  int retry_status_ = 502;
  const char* retry_why_ = "";
  shield::PriorityClass priority_ = shield::PriorityClass::kKnownGood;
  shield::OriginGate* origin_gate_ = nullptr;  // the slot held, if any
  MonoTime slot_at_;
  bool queued_ = false;     // in the worker's OriginQueue
  bool buffering_ = false;    // reading the start of a body before taking a slot
  uint64_t buffer_bytes_ = 0; // how much of it: all of a small body, buffer_body_bytes of a big one

  // Kept only for the access log (copied: the parsed views die with the read buffer).
  std::string log_method_, log_host_, log_path_, log_request_id_;
  const EndpointPool* last_endpoint_ = nullptr;  // the endpoint that served the exchange
  // The exchange's fate for the worker's DecisionRing, recorded when it is answered (no request
  // id: nothing to record, e.g. a head that did not parse).
  Decision decision_;

  // Metrics: the request being answered was parsed (else it is counted without a route).
  bool exchange_open_ = false;
  int route_index_ = -1;
  std::string listener_key_;
  int listener_index_ = -1;
  uint64_t listener_generation_ = 0;  // the snapshot generation listener_index_ is valid for
};

}  // namespace floodgate::proxy
