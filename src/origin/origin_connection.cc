#include "origin/origin_connection.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "http/status.h"
#include "origin/exchange_json.h"
#include "origin/json_text.h"
#include "origin/origin_worker.h"

namespace floodgate::origin {
namespace {

constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr size_t kMaxBufferedInput = 64 * 1024;  // pipelined requests read ahead, at most
constexpr size_t kMinReadRoom = 2048;            // below this, make room before reading
constexpr size_t kBodyReadBytes = 64 * 1024;
constexpr size_t kMaxQueuedOutput = 256 * 1024;  // take no more requests until the client reads
// I/O per wake-up before yielding, so one fast upload or download cannot starve the others.
constexpr size_t kSliceBytes = 4 * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(75);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kJson = "application/json";

}  // namespace

OriginConnection::OriginConnection(OriginWorker* worker, FileDescriptor fd,
                                   const SocketAddress& peer)
    : worker_(worker), fd_(std::move(fd)), peer_(peer) {
  peer_ip_len_ = peer_.formatIp(peer_ip_, sizeof(peer_ip_));
  service_timer_.setCallback([this] {
    respond();
    drive();
  });
  idle_timer_.setCallback([this] { onIdleTimer(); });
}

// Everything is released by close(), the only way to reach the destructor (via deleteLater).
OriginConnection::~OriginConnection() = default;

void OriginConnection::start() {
  EventLoop& loop = worker_->loop();
  setNoDelay(fd_.get());
  last_active_ = loop.now();
  if (!loop.add(fd_.get(), kEvents, this).ok()) {
    close();
    return;
  }
  loop.schedule(&idle_timer_, kIdleTimeout);
}

void OriginConnection::onIoEvent(uint32_t events) {
  if (phase_ == Phase::kClosed) return;
  if (events & EPOLLRDHUP) peer_shut_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) can_read_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) can_write_ = true;
  drive();
}

void OriginConnection::drive() {
  size_t budget = kSliceBytes;
  while (phase_ != Phase::kClosed) {
    bool progress = false;
    while (step()) progress = true;
    if (phase_ == Phase::kClosed) return;
    Phase before = phase_;
    if (!flush(&budget)) return;
    if (phase_ != before) progress = true;  // a stream ended: the next request may be waiting
    if (phase_ == Phase::kFlushThenClose && outputEmpty()) {
      if (client_eof_) return close();
      startLinger();
      progress = true;
    }
    if (can_read_ && !client_eof_ && in_.readable() < kMaxBufferedInput && budget > 0) {
      size_t had = in_.readable();
      switch (readSome()) {
        case ReadResult::kData:
          budget -= std::min(budget, in_.readable() - had);
          progress = true;
          break;
        case ReadResult::kEof:
          client_eof_ = true;
          progress = true;
          break;
        case ReadResult::kAgain:
          break;
        case ReadResult::kError:
          return close();
      }
    }
    if (budget == 0) {
      // Re-arming an edge-triggered descriptor reports it again if it is still ready: we come
      // back after the other connections had their turn.
      (void)worker_->loop().modify(fd_.get(), kEvents, this);
      return;
    }
    if (!progress) break;
  }
  if (phase_ == Phase::kHead) {
    // Between requests a connection holds no buffers (the core keeps a per-thread block cache,
    // so this costs no malloc on the next request).
    if (in_.empty()) in_.release();
    if (out_.empty()) out_.release();
  }
  if (phase_ == Phase::kClosed || !client_eof_) return;
  switch (phase_) {
    case Phase::kHead:
      // Nothing more will arrive; close once what was answered has been sent.
      if (outputEmpty()) close();
      break;
    case Phase::kBody:
    case Phase::kLingering:
      close();
      break;
    default:
      break;  // a half-closed client may still read the answer it is waiting for
  }
}

bool OriginConnection::step() {
  switch (phase_) {
    case Phase::kHead:
      return onHeadBytes();
    case Phase::kBody:
      return onBodyBytes();
    case Phase::kFlushThenClose:
    case Phase::kLingering:
      in_.clear();
      return false;
    default:
      return false;
  }
}

bool OriginConnection::onHeadBytes() {
  if (in_.empty() || out_.readable() >= kMaxQueuedOutput) return false;
  http::ParseState st = parser_.parse(in_.readPtr(), in_.readable(), &req_);
  if (st == http::ParseState::kIncomplete) return false;
  if (st == http::ParseState::kError) {
    // Count it against the peer: the head cannot be trusted to name another source.
    counted_ = true;
    answered_ = false;
    source_.bind(&worker_->sources(), {peer_ip_, peer_ip_len_});
    worker_->sources().countRequest(source_.counters);
    failConnection(parser_.error().status, parser_.error().reason);
    return true;
  }
  beginExchange();
  return true;
}

void OriginConnection::beginExchange() {
  OriginState& state = worker_->state();
  SourceTable& sources = worker_->sources();
  matchRoute(req_.method, req_.path, &route_);
  Endpoint endpoint = route_.endpoint;
  head_only_ = req_.method == http::Method::kHead;
  http10_ = req_.minor_version == 0;
  keep_alive_ = req_.keep_alive;
  has_body_ = req_.framing != http::BodyFraming::kNone;
  chunked_body_ = req_.framing == http::BodyFraming::kChunked;
  body_remaining_ = req_.framing == http::BodyFraming::kContentLength ? req_.content_length : 0;
  chunked_.reset();
  body_bytes_ = 0;
  body_hash_ = kFnv1aOffset;
  answered_ = false;
  // A 1.0 client cannot have asked for 100-continue (RFC 9110 10.1.1).
  bool expect = req_.expect_continue && !http10_;

  counted_ = endpoint != Endpoint::kStats && endpoint != Endpoint::kReset &&
             endpoint != Endpoint::kLatency;
  if (counted_) {
    std::string_view source = lastForwardedFor(req_);
    if (source.empty()) source = {peer_ip_, peer_ip_len_};
    source_.bind(&sources, source);
    sources.countRequest(source_.counters);
  }
  if (endpoint == Endpoint::kEcho) {
    beginEchoJson(req_, {peer_ip_, peer_ip_len_}, peer_.port(), source_.key.view(), &echo_);
  }

  if (endpoint == Endpoint::kApplication) {
    if (state.capacity.tryAdmit() == Admission::kAdmitted) {
      holds_slot_ = true;
    } else {
      // Refused at once, before any body is read: a saturated service spends nothing on it.
      // A client waiting for 100-continue will not send its body now, so the connection cannot
      // continue after it.
      answered_ = true;
      if (has_body_ && expect) keep_alive_ = false;
      std::string_view text = worker_->canned().get(Canned::kOverCapacity, keep_alive_, head_only_);
      out_.append(text);
      countAnswer(503, true, text.size());
    }
  }

  in_.consume(req_.head_bytes);  // `req_` views are dead from here on
  parser_.reset();
  if (!has_body_) return onRequestComplete();
  if (answered_ && expect) {
    phase_ = Phase::kFlushThenClose;
    return;
  }
  if (expect) out_.append(kContinue);
  hash_body_ = !answered_ && (endpoint == Endpoint::kApplication || endpoint == Endpoint::kUpload);
  phase_ = Phase::kBody;
}

bool OriginConnection::onBodyBytes() {
  if (in_.empty()) return false;
  if (!chunked_body_) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(body_remaining_, in_.readable()));
    std::string_view data(in_.readPtr(), n);
    body_bytes_ += n;
    if (hash_body_) body_hash_ = fnv1a(body_hash_, data);
    in_.consume(n);
    body_remaining_ -= n;
    if (body_remaining_ == 0) onRequestComplete();
    return true;
  }
  bool progress = false;
  while (!in_.empty()) {
    size_t used = 0;
    std::string_view data;
    http::ParseState st = chunked_.decode(in_.readPtr(), in_.readable(), &used, &data);
    body_bytes_ += data.size();
    if (hash_body_) body_hash_ = fnv1a(body_hash_, data);
    in_.consume(used);
    progress = progress || used > 0;
    if (st == http::ParseState::kError) {
      failConnection(400, chunked_.error());
      return true;
    }
    if (st == http::ParseState::kDone) {
      onRequestComplete();
      return true;
    }
    if (used == 0) break;
  }
  return progress;
}

void OriginConnection::onRequestComplete() {
  if (answered_) return finishExchange();
  switch (route_.endpoint) {
    case Endpoint::kApplication: {
      double ms = worker_->state().latency_ms.load(std::memory_order_relaxed);
      if (ms > 0) return wait(std::chrono::nanoseconds(static_cast<int64_t>(ms * 1e6)));
      return respond();
    }
    case Endpoint::kDelay:
      if (route_.number > 0) return wait(std::chrono::milliseconds(route_.number));
      return respond();
    case Endpoint::kStats:
    case Endpoint::kReset: {
      phase_ = Phase::kWaiting;
      query_ = std::make_shared<ControlQuery>();
      query_->kind = route_.endpoint == Endpoint::kStats ? ControlQuery::Kind::kStats
                                                         : ControlQuery::Kind::kReset;
      query_->summary = route_.summary;
      query_->prefix = route_.prefix;
      query_->connection = this;
      worker_->startQuery(query_);
      return;
    }
    default:
      return respond();
  }
}

void OriginConnection::wait(Duration d) {
  phase_ = Phase::kWaiting;
  worker_->loop().schedule(&service_timer_, d);
}

void OriginConnection::onQueryDone(std::string body) {
  if (phase_ != Phase::kWaiting) return;
  query_.reset();
  respondText(200, body, kJson);
  finishExchange();
  drive();
}

void OriginConnection::respond() {
  switch (route_.endpoint) {
    case Endpoint::kApplication:
      return respondApplication();
    case Endpoint::kBytes: {
      bool chunked = route_.chunked && !http10_;  // a 1.0 client cannot read chunked
      appendStreamHead(200, route_.number, chunked, "application/octet-stream");
      return startStream(route_.number, chunked);
    }
    case Endpoint::kStatus:
      respondText(static_cast<int>(route_.number),
                  "status " + std::to_string(route_.number) + "\n");
      break;
    case Endpoint::kDelay:
      respondText(200, "delayed " + std::to_string(route_.number) + " ms\n");
      break;
    case Endpoint::kLatency:
      worker_->state().latency_ms.store(static_cast<double>(route_.number),
                                        std::memory_order_relaxed);
      respondText(200, "{\"latency_ms\":" + std::to_string(route_.number) + "}\n", kJson);
      break;
    case Endpoint::kUpload:
      respondText(200, uploadJson(body_bytes_, body_hash_), kJson);
      break;
    case Endpoint::kEcho:
      finishEchoJson(body_bytes_, &echo_);
      respondText(200, echo_, kJson);
      break;
    case Endpoint::kBadRequest:
      respondText(400, std::string(route_.problem) + "\n");
      break;
    case Endpoint::kMethodNotAllowed:
      respondText(405, "method not allowed for this endpoint\n");
      break;
    case Endpoint::kNotFound:
    default:
      respondText(404,
                  "no such origin endpoint; try /__origin/stats, /__origin/status/NNN, "
                  "/__origin/delay/MS, /__origin/bytes/N, /__origin/upload, /__origin/echo, "
                  "POST /__origin/latency/MS\n");
      break;
  }
  finishExchange();
}

void OriginConnection::respondApplication() {
  OriginState& state = worker_->state();
  if (holds_slot_) {
    state.capacity.release();
    holds_slot_ = false;
  }
  bool fail = false;
  if (uint64_t every = state.options.fail_every; every > 0) {
    fail = (state.admitted.fetch_add(1, std::memory_order_relaxed) + 1) % every == 0;
  }
  int status = fail ? 500 : 200;
  if (has_body_) {
    // The application answers a request with a body as the upload endpoint does.
    respondText(status, uploadJson(body_bytes_, body_hash_), kJson);
    return finishExchange();
  }
  CannedResponses& canned = worker_->canned();
  std::string_view text = canned.get(fail ? Canned::kFailed : Canned::kOk, keep_alive_, head_only_);
  out_.append(text);
  if (!fail && !head_only_ && canned.okBodyStreamed()) {
    countAnswer(status, false, text.size() + canned.okBodyBytes());
    return startStream(canned.okBodyBytes(), false);
  }
  countAnswer(status, false, text.size());
  finishExchange();
}

void OriginConnection::respondText(int status, std::string_view body,
                                   std::string_view content_type) {
  size_t before = out_.readable();
  http::appendSimpleResponse(&out_, status, body, keep_alive_, worker_->canned().originHeader(),
                             head_only_, content_type);
  countAnswer(status, false, out_.readable() - before);
}

void OriginConnection::appendStreamHead(int status, uint64_t bytes, bool chunked,
                                        std::string_view content_type) {
  size_t before = out_.readable();
  out_.append("HTTP/1.1 ");
  http::appendDecimal(&out_, static_cast<uint64_t>(status));
  out_.append(' ');
  out_.append(http::reasonPhrase(status));
  out_.append("\r\nDate: ");
  out_.append(http::httpDate());
  out_.append("\r\nServer: floodgate\r\nContent-Type: ");
  out_.append(content_type);
  if (chunked) {
    out_.append("\r\nTransfer-Encoding: chunked\r\n");
  } else {
    out_.append("\r\nContent-Length: ");
    http::appendDecimal(&out_, bytes);
    out_.append("\r\n");
  }
  out_.append(worker_->canned().originHeader());
  out_.append(keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  countAnswer(status, false, out_.readable() - before + (head_only_ ? 0 : bytes));
}

void OriginConnection::startStream(uint64_t bytes, bool chunked) {
  if (head_only_) return finishExchange();
  stream_.start(bytes, chunked);
  phase_ = Phase::kStreaming;
}

void OriginConnection::finishExchange() {
  last_active_ = worker_->loop().now();
  if (holds_slot_) {
    worker_->state().capacity.release();
    holds_slot_ = false;
  }
  query_.reset();
  phase_ = keep_alive_ ? Phase::kHead : Phase::kFlushThenClose;
}

void OriginConnection::failConnection(int status, std::string_view why) {
  if (holds_slot_) {
    worker_->state().capacity.release();
    holds_slot_ = false;
  }
  if (!answered_) {
    keep_alive_ = false;
    head_only_ = false;
    respondText(status, std::string(why) + "\n");
  }
  in_.clear();
  phase_ = Phase::kFlushThenClose;
}

void OriginConnection::countAnswer(int status, bool over_capacity, uint64_t bytes) {
  if (!counted_) return;
  SourceTable& sources = worker_->sources();
  sources.countOutcome(source_.get(&sources), outcomeOf(status, over_capacity), bytes);
}

OriginConnection::ReadResult OriginConnection::readSome() {
  if (in_.writable() < kMinReadRoom) {
    in_.reserve(phase_ == Phase::kBody ? kBodyReadBytes : Buffer::kBlockSize);
  }
  for (;;) {
    size_t room = in_.writable();
    ssize_t n = ::read(fd_.get(), in_.writePtr(), room);
    if (n > 0) {
      in_.commit(static_cast<size_t>(n));
      last_active_ = worker_->loop().now();
      // A short read drained the socket: epoll reports the next bytes with a new edge. Not so
      // for the end of stream once EPOLLRDHUP was seen, so then read on until EOF.
      if (static_cast<size_t>(n) < room && !peer_shut_) can_read_ = false;
      return ReadResult::kData;
    }
    if (n == 0) {
      can_read_ = false;
      return ReadResult::kEof;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      can_read_ = false;
      return ReadResult::kAgain;
    }
    return ReadResult::kError;
  }
}

bool OriginConnection::flush(size_t* budget) {
  while (can_write_ && *budget > 0) {
    if (piece_.empty() && phase_ == Phase::kStreaming) {
      piece_ = stream_.next(&out_);
      if (!stream_.active()) finishExchange();
    }
    if (outputEmpty()) break;
    iovec iov[2];
    int n = 0;
    if (!out_.empty()) iov[n++] = {const_cast<char*>(out_.readPtr()), out_.readable()};
    if (!piece_.empty()) iov[n++] = {const_cast<char*>(piece_.data()), piece_.size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        can_write_ = false;
        break;
      }
      close();
      return false;
    }
    size_t left = static_cast<size_t>(w);
    *budget -= std::min(*budget, left);
    size_t from_out = std::min(left, out_.readable());
    out_.consume(from_out);
    piece_.remove_prefix(left - from_out);
  }
  return true;
}

void OriginConnection::startLinger() {
  ::shutdown(fd_.get(), SHUT_WR);
  phase_ = Phase::kLingering;
  in_.clear();
  worker_->loop().schedule(&idle_timer_, kLingerTimeout);
}

void OriginConnection::onIdleTimer() {
  if (phase_ == Phase::kLingering) return close();
  EventLoop& loop = worker_->loop();
  bool idle_phase = phase_ == Phase::kHead || phase_ == Phase::kBody;
  if (idle_phase && loop.now() - last_active_ >= kIdleTimeout) return close();
  loop.scheduleAt(&idle_timer_, (idle_phase ? last_active_ : loop.now()) + kIdleTimeout);
}

void OriginConnection::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  EventLoop& loop = worker_->loop();
  if (holds_slot_) {
    worker_->state().capacity.release();
    holds_slot_ = false;
  }
  if (query_) {
    query_->connection = nullptr;
    query_.reset();
  }
  loop.cancel(&service_timer_);
  loop.cancel(&idle_timer_);
  loop.remove(fd_.get());
  fd_.reset();
  worker_->release(this);
  loop.deleteLater(std::unique_ptr<Deferrable>(this));
}

}  // namespace floodgate::origin
