#include "proxy/client_connection.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "http/chars.h"
#include "http/status.h"
#include "proxy/access_log.h"
#include "proxy/worker.h"
#include "upstream/hash_key.h"

namespace floodgate::proxy {
namespace {

constexpr uint32_t kClientEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kHighWater = 64 * 1024;   // per direction: beyond it, stop reading the source
constexpr size_t kMaxResponseHead = 64 * 1024;
constexpr Duration kCloseGrace = seconds(5);  // to flush a last response to a slow client
constexpr Duration kLingerTime = seconds(2);  // to drain unread input before closing
// A connection still silent, or sending slower than min_request_rate, this long in is counted
// against its network (not refused: a client's own deadline and grace are longer). A head or a
// body arrives in one round trip or a few; a second is many.
constexpr Duration kSlowNoteAfter = seconds(1);

// Reads from fd into buf until EAGAIN, EOF or `cap` bytes are buffered.
// Returns bytes read; sets *eof, *blocked (EAGAIN) or *failed. With edge-triggered epoll a short
// read proves the socket drained (new data raises a new edge), which saves the read() that
// would only say EAGAIN — unless a hang-up was signalled, whose edge will not come again.
// `chunk` is the room made for each read: small while a head is expected, large for a body;
// bytes still arriving after others are read into the room already there (reserveForRead).
// `head`: a request head is expected, and a buffer without storage starts with a small block
// (a held connection that trickles its head keeps 4 KiB, not 16).
size_t readInto(int fd, Buffer* buf, size_t cap, size_t chunk, bool hangup_seen, bool* eof,
                bool* blocked, bool* failed, bool head = false) {
  size_t total = 0;
  while (buf->readable() < cap) {
    buf->reserveForRead(std::min(chunk, cap - buf->readable()), head);
    size_t want = std::min(buf->writable(), cap - buf->readable());
    ssize_t n = ::read(fd, buf->writePtr(), want);
    if (n > 0) {
      buf->commit(static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < want && !hangup_seen) {
        *blocked = true;
        break;
      }
      continue;
    }
    if (n == 0) {
      *eof = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *blocked = true;
    } else if (errno == EINTR) {
      continue;
    } else {
      *failed = true;
    }
    break;
  }
  return total;
}

// Writes buf to fd until it is empty or the socket blocks. Returns false on a write error.
bool writeFrom(int fd, Buffer* buf, bool* can_write, size_t* written) {
  while (!buf->empty() && *can_write) {
    ssize_t n = ::send(fd, buf->readPtr(), buf->readable(), MSG_NOSIGNAL);
    if (n > 0) {
      buf->consume(static_cast<size_t>(n));
      *written += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      *can_write = false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

// A seeded hash of a header value (a rate-limit key), FNV-1a finished with a strong mix.
uint64_t hashValue(std::string_view value, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (char c : value) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return shield::mix64(h);
}

// Sends bytes toward `fd`: straight from the source when nothing is queued before them (no
// copy), queueing in `out` whatever the socket does not take now. False on a write error.
bool forward(int fd, Buffer* out, bool* can_write, const char* p, size_t n) {
  if (out->empty() && *can_write && n > 0) {
    ssize_t sent = ::send(fd, p, n, MSG_NOSIGNAL);
    if (sent > 0) {
      p += sent;
      n -= static_cast<size_t>(sent);
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      *can_write = false;
    } else if (sent < 0 && errno != EINTR) {
      return false;
    }
    if (n > 0) *can_write = false;
  }
  out->append(p, n);
  return true;
}

}  // namespace

ClientConnection::ClientConnection(Worker* worker, FileDescriptor fd, const SocketAddress& peer,
                                   std::optional<shield::IpKey> key, bool tracked)
    : worker_(worker), fd_(std::move(fd)), peer_(peer), key_(key), tracked_(tracked) {
  peer_ip_len_ = peer_.formatIp(peer_ip_, sizeof(peer_ip_));
  timer_.setCallback([this] { onTimer(); });
  backoff_timer_.setCallback([this] { onBackoff(); });
  req_.headers.reserve(32);
}

ClientConnection::~ClientConnection() {
  // A connection cut short (drain timeout, worker shutdown) still owns its upstream exchange.
  releaseUpstream(false);
  releaseOriginSlot();
  if (queued_) worker_->originQueue().cancel(this);
  ShieldState& shield = worker_->shield();
  if (tracked_) shield.connections().close(*key_);
  shield.releaseConnection();
}

void ClientConnection::start() {
  const auto& limits = worker_->snapshot()->config->limits;
  parser_.setLimits({limits.max_header_bytes, limits.max_headers});
  if (!worker_->loop().add(fd_.get(), kClientEvents, this)) {
    close();
    return;
  }
  can_read_ = true;  // data often arrives with the connection: try before waiting
  head_started_ = worker_->loop().now();  // the first head's deadline runs from accept
  process();
}

void ClientConnection::onIoEvent(uint32_t events) {
  if (phase_ == Phase::kClosed) return;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) can_read_ = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) client_hangup_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) can_write_ = true;
  if ((events & EPOLLIN) && phase_ == Phase::kIdle) noteDefiance();
  process();
}

void ClientConnection::noteDefiance() {
  // Most connections were never held: no clock for them.
  if (!key_ || tarpit_.until() == MonoTime{}) return;
  MonoTime now = worker_->loop().now();
  if (!tarpit_.holding(now)) return;
  // Bytes, not a bare FIN: a client that gives up and closes has not asked again.
  int pending = 0;
  if (in_.empty() && (::ioctl(fd_.get(), FIONREAD, &pending) != 0 || pending <= 0)) return;
  if (tarpit_.defied(now)) worker_->observation().recordDefiedHold(*key_, tarpit_.until());
}

void ClientConnection::onUpstreamEvent(UpstreamConnection* conn, uint32_t events) {
  if (conn != upstream_ || phase_ == Phase::kClosed) return;
  if (conn->connecting()) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    // A failed connect always raises EPOLLERR: only then is SO_ERROR worth a getsockopt.
    int err = (events & (EPOLLERR | EPOLLHUP)) ? socketError(conn->fd()) : 0;
    if (err != 0) {
      // Nothing was sent: another endpoint may take the request.
      try_outcome_ = upstream::Outcome::kGatewayFailure;
      releaseUpstream(false);
      if (mayRetry(true) && connectUpstream()) {
        process();
      } else if (upstream_ == nullptr && phase_ == Phase::kUpstream) {
        upstreamFailed(502, "cannot connect to upstream");
        process();
      }
      return;
    }
    conn->setConnected();
    try_sent_ = true;
    conn->armTimer(perTryTimeout());
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn->can_read = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn->hangup = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) conn->can_write = true;
  process();
}

void ClientConnection::onUpstreamTimeout(UpstreamConnection* conn) {
  if (conn != upstream_) return;
  bool connecting = conn->connecting();
  if (resp_head_done_) {
    releaseUpstream(false);
    abort();  // the head is out: the only way to say "incomplete" is to close
    return;
  }
  // A black hole (accepts, never answers) ends here: the try fails, counts against the
  // endpoint, and an idempotent request goes to another endpoint.
  try_outcome_ = upstream::Outcome::kGatewayFailure;
  releaseUpstream(false);
  const char* why = connecting ? "upstream connect timed out" : "upstream response timed out";
  if (mayRetry(connecting)) {
    retry(connecting, 504, why);
  } else {
    upstreamFailed(504, why);
  }
  process();
}

void ClientConnection::process() {
  // Move bytes until nothing changes; each pass reads, advances the exchange, then writes.
  for (int pass = 0; pass < 1000 && phase_ != Phase::kClosed; ++pass) {
    size_t before_in = in_.readable(), before_out = out_.readable();
    size_t before_uin = upstream_ ? upstream_->in.readable() : 0;
    size_t before_uout = upstream_ ? upstream_->out.readable() : 0;
    Phase before_phase = phase_;
    bool moved = readClient();
    if (phase_ == Phase::kClosed) return;
    moved |= readUpstream();

    switch (phase_) {
      case Phase::kIdle:
        // Tarpitted: not even a request already read is answered before its Retry-After.
        if (tarpit_.holding(worker_->loop().now())) break;
        [[fallthrough]];
      case Phase::kHead:
        if (!in_.empty()) onHead();
        else if (client_eof_) close();
        break;
      case Phase::kWaiting:
        continueWaiting();
        break;
      case Phase::kUpstream:
        pumpRequestBody();
        if (phase_ == Phase::kUpstream) pumpResponse();
        if (phase_ == Phase::kUpstream && resp_done_) finishExchange();
        break;
      default:
        break;
    }
    if (phase_ == Phase::kClosed) return;
    moved |= flushUpstream();
    if (phase_ == Phase::kClosed) return;
    moved |= flushClient();
    if (phase_ == Phase::kClosed) return;
    size_t after_uin = upstream_ ? upstream_->in.readable() : 0;
    size_t after_uout = upstream_ ? upstream_->out.readable() : 0;
    if (!moved && before_in == in_.readable() && before_out == out_.readable() &&
        before_uin == after_uin && before_uout == after_uout && before_phase == phase_) {
      break;
    }
  }
  if (phase_ != Phase::kClosed) updateTimers();
}

bool ClientConnection::readClient() {
  if (!can_read_ || client_eof_) return false;
  if (phase_ == Phase::kLingering) {
    char sink[4096];
    while (true) {
      ssize_t n = ::read(fd_.get(), sink, sizeof(sink));
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        can_read_ = false;
        return false;
      }
      close();
      return true;
    }
  }
  if (phase_ == Phase::kClosing) return false;
  // Tarpitted: what the client sends waits in the kernel (can_read_ stays set for the end).
  if (phase_ == Phase::kIdle && tarpit_.holding(worker_->loop().now())) return false;
  size_t cap = std::max(maxInputBytes(), kHighWater);
  bool eof = false, blocked = false, failed = false;
  bool body = (phase_ == Phase::kUpstream || phase_ == Phase::kWaiting) && !req_body_done_;
  size_t chunk = body ? kHighWater : kReadChunk;
  size_t n = readInto(fd_.get(), &in_, cap, chunk, client_hangup_, &eof, &blocked, &failed, !body);
  if (blocked) can_read_ = false;
  if (failed) {
    abort();
    return true;
  }
  if (eof) client_eof_ = true;
  return n > 0 || eof;
}

size_t ClientConnection::maxInputBytes() const {
  size_t head = worker_->snapshot()->config->limits.max_header_bytes + 1024;
  // A body being buffered may be held up to buffer_body_bytes.
  return buffering_ ? std::max(head, static_cast<size_t>(buffer_bytes_)) : head;
}

bool ClientConnection::flushClient() {
  if (out_.empty()) {
    if (phase_ == Phase::kClosing) close();
    return false;
  }
  size_t written = 0;
  if (!writeFrom(fd_.get(), &out_, &can_write_, &written)) {
    abort();
    return true;
  }
  if (out_.empty() && phase_ == Phase::kClosing) close();
  return written > 0;
}

bool ClientConnection::readUpstream() {
  if (upstream_ == nullptr || !upstream_->can_read || upstream_->eof || upstream_->connecting()) {
    return false;
  }
  size_t cap = resp_head_done_ ? kHighWater : kMaxResponseHead;
  if (upstream_->in.readable() >= cap) return false;
  bool eof = false, blocked = false, failed = false;
  size_t chunk = resp_head_done_ ? kHighWater : kReadChunk;
  size_t n = readInto(upstream_->fd(), &upstream_->in, cap, chunk, upstream_->hangup, &eof,
                      &blocked, &failed);
  if (blocked) upstream_->can_read = false;
  if (eof || failed) upstream_->eof = true;
  if (n > 0 && resp_head_done_) upstream_->armTimer(cluster_->request_timeout);
  return n > 0 || eof || failed;
}

bool ClientConnection::flushUpstream() {
  if (upstream_ == nullptr || upstream_->connecting() || upstream_->out.empty()) return false;
  size_t written = 0;
  if (!writeFrom(upstream_->fd(), &upstream_->out, &upstream_->can_write, &written)) {
    // The upstream went away while we were sending: treat like a close before a response.
    upstream_->eof = true;
    upstream_->out.clear();
    upstream_->can_read = true;
    return true;
  }
  return written > 0;
}

void ClientConnection::onHead() {
  if (phase_ == Phase::kIdle) {
    phase_ = Phase::kHead;
    if (!first_head_) slow_noted_ = false;  // a silent start counted is this head's
    first_head_ = false;
    // Whatever phase this request leaves the connection in arms its own timer: back in kIdle
    // at once (a 429, a direct answer), a fresh idle timeout, not the one of the last idle spell.
    timer_phase_ = Phase::kClosed;
    head_started_ = worker_->loop().now();
    decision_.id_len = 0;  // a head that does not parse has no request id
    const auto& limits = worker_->snapshot()->config->limits;
    parser_.setLimits({limits.max_header_bytes, limits.max_headers});
  }
  http::ParseState st = parser_.parse(in_.readPtr(), in_.readable(), &req_);
  if (st == http::ParseState::kIncomplete) {
    if (client_eof_) {
      close();
    } else {
      keepsMinimumRate(head_started_, in_.readable());
    }
    return;
  }
  if (st == http::ParseState::kError) {
    refuse(Rejection::kBadRequest);
    sendError(parser_.error().status, parser_.error().reason);
    return;
  }
  snapshot_ = worker_->snapshot();
  const config::Config& cfg = *snapshot_->config;
  exchange_open_ = true;
  route_index_ = -1;
  decision_ = Decision{};
  decision_.setRequestId(worker_->requestIds().next());
  if (key_) decision_.client = *key_;
  method_ = req_.method;
  minor_version_ = req_.minor_version;
  keep_alive_ = req_.keep_alive && !draining_ && !client_eof_;
  exchange_started_ = worker_->loop().now();
  resp_status_ = 0;
  resp_bytes_ = 0;
  last_endpoint_ = nullptr;
  if (worker_->accessLog() != nullptr) {
    log_method_.assign(req_.method_token);
    log_host_.assign(req_.host);
    log_path_.assign(req_.path);
    log_request_id_.clear();
  }
  if (cfg.limits.max_body_bytes > 0 && req_.framing == http::BodyFraming::kContentLength &&
      req_.content_length > cfg.limits.max_body_bytes) {
    sendError(413, "request body larger than the configured limit");
    return;
  }
  int route_index = snapshot_->router.match(req_.host, req_.path);
  route_index_ = route_index;
  decision_.setRoute(route_index < 0 ? std::string_view()
                                     : cfg.routes[static_cast<size_t>(route_index)].name);
  if (route_index < 0) {
    respondLocally(404, "404 Not Found: no route for this host and path\n",
                   "text/plain; charset=utf-8");
    return;
  }
  if (!admitRequest(route_index)) return;
  const config::Route& route = cfg.routes[static_cast<size_t>(route_index)];
  if (route.direct) {
    respondLocally(route.direct->status, route.direct->body, route.direct->content_type);
    return;
  }
  startProxy(route);
}

void ClientConnection::respondLocally(int status, std::string_view body,
                                      std::string_view content_type,
                                      std::string_view extra_headers) {
  // A body we do not read would be taken for the next request: close after answering.
  if (req_.framing != http::BodyFraming::kNone) keep_alive_ = false;
  bool head_only = method_ == http::Method::kHead;
  in_.consume(req_.head_bytes);
  parser_.reset();
  char headers[1024];
  http::appendSimpleResponse(&out_, status, body, keep_alive_,
                             withRequestId(extra_headers, headers, sizeof(headers)), head_only,
                             content_type);
  resp_status_ = status;
  resp_bytes_ = head_only ? 0 : body.size();
  logAccess(status);
  phase_ = keep_alive_ ? Phase::kIdle : Phase::kClosing;
}

void ClientConnection::respondTooManyRequests(uint32_t retry_after_ms, uint32_t never_seconds,
                                              std::string_view body) {
  // UINT32_MAX: the request could never pass (it costs more than the burst).
  uint32_t seconds =
      retry_after_ms == UINT32_MAX ? never_seconds : (retry_after_ms + 999) / 1000;
  char extra[64];
  seconds = std::max(1u, seconds);
  int n = std::snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", seconds);
  respondLocally(429, body, "text/plain; charset=utf-8",
                 std::string_view(extra, static_cast<size_t>(n)));
  holdIfRefusedInARow(seconds);
}

void ClientConnection::holdIfRefusedInARow(uint32_t seconds) {
  // A keep-alive client that keeps asking in spite of Retry-After is not read again before it.
  if (phase_ != Phase::kIdle || !key_) return;
  MonoTime now = worker_->loop().now();
  if (tarpit_.refused(now, std::chrono::seconds(seconds), snapshot_->shield.tarpit_after,
                      snapshot_->config->limits.client_idle_timeout,
                      [&] { return worker_->shield().knownGood().isKnownGood(*key_, now); })) {
    worker_->counters().tarpit_holds.fetch_add(1, std::memory_order_relaxed);
    noteDefiance();  // a pipelined request already read
  }
}

bool ClientConnection::admitRequest(int route_index) {
  const ShieldPolicy& policy = snapshot_->shield;
  priority_ = shield::PriorityClass::kKnownGood;  // no shield, no classes: nobody goes last
  if (!policy.enabled || !key_) return true;
  const auto& limits = snapshot_->config->shield.rate_limits;
  ShieldState& state = worker_->shield();
  if (policy.detect) {
    if (!applyMitigationRules(route_index)) return false;
  } else {
    priority_ = shield::classifyRequest(
        state.knownGood().isKnownGood(*key_, worker_->loop().now()), false, false);
  }
  for (int i : policy.route_limits[static_cast<size_t>(route_index)]) {
    const config::RateLimit& limit = limits[static_cast<size_t>(i)];
    uint64_t seed = state.rateSeed() ^ (static_cast<uint64_t>(i + 1) * 0x9e3779b97f4a7c15ULL);
    uint64_t hash = 0;
    switch (limit.key) {
      case config::RateLimit::Key::kSource:
        hash = shield::hashKey(*key_, seed);
        break;
      case config::RateLimit::Key::kPrefix:
        hash = shield::hashPrefix(
            shield::prefixOf(*key_, static_cast<unsigned>(key_->isV4() ? limit.prefix_v4
                                                                        : limit.prefix_v6)),
            seed);
        break;
      case config::RateLimit::Key::kHeader: {
        std::string_view value = req_.header(limit.header);
        if (value.empty()) continue;  // no key, no bucket: the limit is about holders of one
        hash = hashValue(value, seed);
        break;
      }
      case config::RateLimit::Key::kRoute:
        hash = shield::mix64(seed ^ static_cast<uint64_t>(route_index));
        break;
    }
    shield::RateDecision d = state.rates().admit(hash, policy.rate_specs[static_cast<size_t>(i)],
                                                 worker_->loop().now());
    if (d.allowed) continue;
    refuse(Rejection::kRateLimited);
    respondTooManyRequests(d.retry_after_ms, 3600, "429 Too Many Requests: rate limit exceeded\n");
    return false;
  }
  ShieldCounters::bump(worker_->counters().by_class, priority_);
  return true;
}

bool ClientConnection::applyMitigationRules(int route_index) {
  ShieldState& state = worker_->shield();
  MonoTime now = worker_->loop().now();
  const shield::RuleSet& rules = worker_->rules();
  uint64_t fingerprint = state.fingerprint().compute(req_, rules.queryKeys());
  bool known_good = state.knownGood().isKnownGood(*key_, now);
  worker_->observation().recordRequest(*key_, fingerprint, route_index, known_good);
  // The query keys regular clients use, for the fingerprint to keep (until the set is full).
  if (known_good && (rules.queryKeys() == nullptr || !rules.queryKeys()->full())) {
    state.fingerprint().wordKeys(req_, [&](uint64_t h) { worker_->observation().recordQueryKey(h); });
  }
  observed_ = true;
  priority_ = shield::classifyRequest(known_good, false, false);
  if (rules.empty()) return true;
  auto headers = [this](std::string_view name) -> std::optional<std::string_view> {
    for (const auto& h : req_.headers) {
      if (http::equalsIgnoreCase(h.name, name)) return h.value;
    }
    return std::nullopt;
  };
  const shield::MitigationRule* rule =
      rules.decide(*key_, fingerprint, req_.path, req_.method_token, headers, now, known_good,
                   &worker_->observation().ruleTally());
  if (rule == nullptr) return true;
  decision_.rule_id = rule->id;
  decision_.rule_permille = static_cast<uint16_t>(std::lround(rule->fraction * 1000));
  switch (rule->action) {
    case shield::RuleAction::kBlock:
      // The connection stays open: a flood tool told to go away reconnects at once, and an
      // accept and a close cost the edge more than a refusal read and answered on keep-alive.
      refuse(Rejection::kMitigationRule);
      respondLocally(403, "403 Forbidden: blocked by a mitigation rule\n",
                     "text/plain; charset=utf-8");
      return false;
    case shield::RuleAction::kChallenge:
      return passesChallenge();
    case shield::RuleAction::kRateLimit: {
      shield::RateSpec spec = shield::RateSpec::perSecond(std::max(rule->rate, 1.0),
                                                          std::max(rule->burst, 1.0));
      uint64_t hash = shield::mix64(state.rateSeed() ^ (rule->id * 0xd6e8feb86659fd93ULL));
      shield::RateDecision d = state.rates().admit(hash, spec, now);
      if (d.allowed) return true;
      refuse(Rejection::kMitigationRule);
      respondTooManyRequests(d.retry_after_ms, 60,
                             "429 Too Many Requests: limited by a mitigation rule\n");
      return false;
    }
    case shield::RuleAction::kDeprioritise:
      // Priority classes act at the origin's admission (OriginGate, OriginQueue), not here.
      priority_ = shield::classifyRequest(known_good, true, state.anomalyActive());
      return true;
  }
  return true;
}

bool ClientConnection::passesChallenge() {
  const ShieldPolicy& policy = snapshot_->shield;
  const shield::ChallengeKeys& keys = worker_->shield().challenge();
  MonoTime now = worker_->loop().now();
  for (const auto& h : req_.headers) {
    if (!http::equalsIgnoreCase(h.name, "cookie")) continue;
    std::string_view token = shield::findCookie(h.value, policy.challenge_cookie);
    if (token.empty()) continue;
    if (keys.verify(*key_, token, now, policy.challenge) == shield::ChallengeVerdict::kValid) {
      worker_->counters().challenge_passed.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    worker_->counters().challenge_failed.fetch_add(1, std::memory_order_relaxed);
  }
  refuse(Rejection::kChallenged);
  if (method_ != http::Method::kGet && method_ != http::Method::kHead) {
    worker_->counters().challenge_failed.fetch_add(1, std::memory_order_relaxed);
    // 403 rather than 429: waiting will not help, the cookie will (a browser that loaded a
    // page of the site first has it).
    respondLocally(403, "403 Forbidden: this request needs the site's challenge cookie\n",
                   "text/plain; charset=utf-8");
    holdIfRefusedInARow(1);
    return false;
  }
  char token[shield::ChallengeKeys::kTokenChars];
  keys.issue(*key_, now, policy.challenge, token);
  worker_->counters().challenge_issued.fetch_add(1, std::memory_order_relaxed);
  auto max_age = std::chrono::duration_cast<std::chrono::seconds>(policy.challenge.cookie_ttl);
  std::string extra;
  extra.reserve(req_.path.size() + policy.challenge_cookie.size() + 160);
  extra.append("Location: ").append(req_.path).append("\r\nSet-Cookie: ");
  extra.append(policy.challenge_cookie).append("=").append(token, sizeof(token));
  extra.append("; Path=/; Max-Age=").append(std::to_string(max_age.count()));
  extra.append("; HttpOnly; SameSite=Lax\r\nCache-Control: no-store\r\n");
  respondLocally(302, "302 Found: checking the client; follow the redirect with cookies on\n",
                 "text/plain; charset=utf-8", extra);
  // A client that keeps coming back without the cookie is no browser: after tarpit_after
  // challenges in a row it is held a second at a time, like one ignoring a Retry-After.
  holdIfRefusedInARow(1);
  return false;
}

bool ClientConnection::keepsMinimumRate(MonoTime since, uint64_t bytes) {
  const ShieldPolicy& policy = worker_->snapshot()->shield;
  if (!policy.enabled || policy.min_request_rate == 0) return true;
  Duration elapsed = worker_->loop().now() - since;
  if (elapsed < std::min(policy.min_rate_grace, kSlowNoteAfter)) return true;
  double rate = static_cast<double>(bytes) / std::chrono::duration<double>(elapsed).count();
  if (rate >= static_cast<double>(policy.min_request_rate)) return true;
  if (elapsed < policy.min_rate_grace) {
    noteSlowOnNetwork();
    return true;
  }
  refuse(Rejection::kSlowRequest);
  releaseUpstream(false);
  if (!resp_head_done_) {
    sendError(408, "request sent slower than the minimum rate");
  } else {
    abort();
  }
  return false;
}

void ClientConnection::startProxy(const config::Route& route) {
  cluster_index_ = route.cluster_index;
  cluster_ = &snapshot_->config->clusters[static_cast<size_t>(cluster_index_)];
  req_framing_ = req_.framing;
  req_remaining_ = req_.content_length;
  req_body_done_ = req_framing_ == http::BodyFraming::kNone;
  req_body_started_ = false;
  req_body_bytes_ = 0;
  body_started_ = worker_->loop().now();
  req_chunked_.reset();
  resp_head_done_ = false;
  resp_done_ = false;
  resp_chunked_.reset();
  attempts_ = 0;
  retry_shed_ = false;
  retries_ = 0;
  tried_ = 0;
  pick_ = {};
  MonoTime now = worker_->loop().now();
  deadline_ = cluster_->retry.deadline.count() > 0 ? now + cluster_->retry.deadline
                                                    : MonoTime::max();
  picker_ = worker_->picker(cluster_index_, snapshot_->config.get());
  if (picker_) {
    picker_->onRequest(now);
    upstream::PickRequest req;
    req.cls = priority_;
    hashKey(&req.key, &req.has_key);
    pick_ = picker_->pick(req, now);
    if (!pick_.ok()) {
      respondShed();
      return;
    }
  }

  replay_.clear();
  ForwardContext ctx;
  ctx.client_ip = std::string_view(peer_ip_, peer_ip_len_);
  ctx.request_id = decision_.requestId();
  ctx.default_host = cluster_->endpoints.front().address_text;
  std::string_view used_id;
  appendUpstreamRequestHead(&replay_, req_, ctx, &used_id);
  if (used_id != ctx.request_id) decision_.setRequestId(used_id);  // the client's own
  decision_.verdict = Decision::Verdict::kProxied;
  if (worker_->accessLog() != nullptr) log_request_id_.assign(used_id);
  bool expect_continue = req_.expect_continue && minor_version_ == 1;
  in_.consume(req_.head_bytes);
  parser_.reset();
  phase_ = Phase::kUpstream;
  // floodgate answers 100-continue itself and streams the body as it comes (as nginx does).
  if (expect_continue) out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  // Slow POST: a body's first buffer_body_bytes (all of a small one) are read, under the
  // minimum rate, before the request may hold an origin slot or connection; the rest of a
  // larger one streams (HAProxy's http-buffer-request). Chunked bodies stream from the start.
  const ShieldPolicy& policy = snapshot_->shield;
  buffer_bytes_ = policy.enabled && req_framing_ == http::BodyFraming::kContentLength
                      ? std::min<uint64_t>(req_remaining_, policy.buffer_body_bytes)
                      : 0;
  buffering_ = buffer_bytes_ > 0;
  phase_ = Phase::kWaiting;
  continueWaiting();
}

void ClientConnection::continueWaiting() {
  if (queued_) return;
  if (buffering_) {
    if (in_.readable() < buffer_bytes_) {
      if (client_eof_) {
        abort();
      } else {
        keepsMinimumRate(body_started_, in_.readable());
      }
      return;
    }
    buffering_ = false;
  }
  if (!takeOriginSlot()) return;
  phase_ = Phase::kUpstream;
  if (!connectUpstream()) upstreamFailed(502, "cannot connect to upstream");
}

bool ClientConnection::takeOriginSlot() {
  const ShieldPolicy& policy = snapshot_->shield;
  shield::OriginGate* gate = policy.enabled && policy.origin_protection
                                 ? worker_->shield().originGate(cluster_index_)
                                 : nullptr;
  if (gate == nullptr) return true;
  // The detector's saturated-concurrency signal (origin stress).
  if (observed_) worker_->observation().recordConcurrency(gate->inFlight(), gate->limit());
  OriginQueue& queue = worker_->originQueue();
  // Behind waiters as good or better on any worker: queue too, so a free slot goes to the best
  // class first, oldest first.
  size_t ahead = static_cast<size_t>(std::max(0, gate->waitingAtOrAbove(priority_)));
  bool behind = ahead > 0;
  if (!behind && gate->tryAcquire(priority_)) {
    origin_gate_ = gate;
    slot_at_ = worker_->loop().now();
    return true;
  }
  if (behind) gate->noteWanted();
  // Suspicious requests do not wait: they are the first to go when slots are short. Nor does
  // a request the queue ahead of it could not make room for in time: it learns so at once.
  Duration wait = gate->waitFor(priority_, policy.queue_timeout);
  if (priority_ != shield::PriorityClass::kSuspicious &&
      queue.offer(this, gate, priority_, ahead, wait, policy.queue_size)) {
    queued_ = true;
    ShieldCounters::bump(worker_->counters().queued_by_class, priority_);
    return false;
  }
  shedForOrigin();
  return false;
}

void ClientConnection::onOriginSlot() {
  queued_ = false;
  origin_gate_ = worker_->shield().originGate(cluster_index_);
  slot_at_ = worker_->loop().now();
  if (phase_ != Phase::kWaiting) {
    releaseOriginSlot();
    return;
  }
  phase_ = Phase::kUpstream;
  if (!connectUpstream()) upstreamFailed(502, "cannot connect to upstream");
  process();
}

void ClientConnection::onOriginShed(bool timed_out) {
  queued_ = false;
  if (phase_ != Phase::kWaiting) return;
  if (timed_out) ShieldCounters::bump(worker_->counters().timeout_by_class, priority_);
  shedForOrigin();
  process();
}

void ClientConnection::shedForOrigin() {
  refuse(Rejection::kOriginShed);
  ShieldCounters::bump(worker_->counters().shed_by_class, priority_);
  // A body wholly in hand is dropped and the connection kept; one still coming is not read.
  if (req_framing_ == http::BodyFraming::kContentLength && in_.readable() >= req_remaining_) {
    in_.consume(req_remaining_);
    req_remaining_ = 0;
  } else if (req_framing_ != http::BodyFraming::kNone) {
    keep_alive_ = false;
    linger_after_close_ = true;
  }
  buffering_ = false;
  char headers[128];
  http::appendSimpleResponse(
      &out_, 503, "503 Service Unavailable: the origin is at capacity; retry shortly\n",
      keep_alive_, withRequestId("Retry-After: 1\r\n", headers, sizeof(headers)),
      method_ == http::Method::kHead);
  resp_status_ = 503;
  logAccess(503);
  snapshot_.reset();
  phase_ = keep_alive_ ? Phase::kIdle : Phase::kClosing;
}

void ClientConnection::releaseOriginSlot() {
  if (origin_gate_ == nullptr) return;
  // Refused or failed by the origin (or unreachable): the controller's overload signal.
  bool overloaded = resp_status_ == 502 || resp_status_ == 503 || resp_status_ == 504;
  std::optional<Duration> latency;
  if (resp_head_done_) latency = resp_head_at_ - slot_at_;
  origin_gate_->release(overloaded, latency, worker_->loop().now());
  origin_gate_ = nullptr;
  worker_->originQueue().slotFreed();
}

bool ClientConnection::connectUpstream() {
  // At most three tries per request, rotating over the endpoints: a connect failure moves to
  // the next one, and a stale pooled connection (the upstream closed it while idle) is retried
  // even when the cluster has a single endpoint.
  // With an upstream view, each try takes a slot in a level with room (pick_), avoiding the
  // endpoints that already failed this request.
  const char* error = "upstream connect failed";
  MonoTime now = worker_->loop().now();
  while (attempts_ < cluster_->retry.max_attempts) {
    EndpointPool* pool = nullptr;
    if (picker_) {
      if (!pick_.ok()) {
        upstream::PickRequest req;
        req.cls = priority_;
        req.tried = tried_;
        hashKey(&req.key, &req.has_key);
        pick_ = picker_->pick(req, now);
        if (!pick_.ok()) {
          retry_shed_ = true;
          return false;
        }
      }
      pool = worker_->endpointPool(cluster_index_, pick_.endpoint);
    } else {
      pool = worker_->pickEndpoint(cluster_index_);
    }
    ++attempts_;
    upstream_ = pool->acquire(this, cluster_->max_connections, &error);
    last_endpoint_ = pool;
    if (upstream_ != nullptr) break;
    // Our own connection cap says nothing about the endpoint; a refused connect does.
    bool capped = std::string_view(error).find("limit") != std::string_view::npos;
    try_outcome_ = capped ? upstream::Outcome::kCancelled : upstream::Outcome::kGatewayFailure;
    try_sent_ = false;
    releaseUpstream(false);
  }
  if (upstream_ == nullptr) return false;
  try_started_ = now;
  try_outcome_ = upstream::Outcome::kCancelled;
  try_sent_ = !upstream_->connecting();
  upstream_->out.clear();
  upstream_->out.append(replay_.view());
  upstream_->eof = false;
  upstream_->can_read = false;
  upstream_->can_write = !upstream_->connecting();
  upstream_->parser.setLimits({kMaxResponseHead, 256});
  upstream_->parser.reset();
  upstream_->armTimer(upstream_->connecting() ? std::min(cluster_->connect_timeout, perTryTimeout())
                                              : perTryTimeout());
  return true;
}

Duration ClientConnection::perTryTimeout() const {
  const auto& retry = cluster_->retry;
  Duration t = retry.per_try_timeout.count() > 0 ? retry.per_try_timeout : cluster_->request_timeout;
  if (deadline_ != MonoTime::max()) {
    t = std::min(t, std::max<Duration>(deadline_ - worker_->loop().now(), milliseconds(1)));
  }
  return t;
}

bool ClientConnection::mayRetry(bool nothing_sent) {
  if (attempts_ >= cluster_->retry.max_attempts || req_body_started_) return false;
  MonoTime now = worker_->loop().now();
  if (now >= deadline_) return false;
  if (nothing_sent) return true;  // the origin never saw it: no load to multiply
  if (!http::isIdempotent(method_) || req_framing_ != http::BodyFraming::kNone || !picker_) {
    return false;
  }
  auto& counters = picker_->shared().counters();
  if (!picker_->budget().tryRetry(now)) {
    counters.retries_refused_by_budget.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void ClientConnection::retry(bool nothing_sent, int status, const char* why) {
  ++retries_;
  if (picker_) picker_->shared().counters().retries.fetch_add(1, std::memory_order_relaxed);
  retry_status_ = status;
  retry_why_ = why;
  if (!nothing_sent && picker_) {
    // The origin saw the failed try: wait a little (full jitter) so retries do not arrive
    // as one wave.
    Duration wait = picker_->backoff(retries_);
    if (wait >= milliseconds(1)) {
      worker_->loop().schedule(&backoff_timer_, wait);
      return;
    }
  }
  if (!connectUpstream()) upstreamFailed(status, why);
}

void ClientConnection::onBackoff() {
  if (phase_ != Phase::kUpstream || upstream_ != nullptr || resp_head_done_) return;
  if (!connectUpstream()) upstreamFailed(retry_status_, retry_why_);
  process();
}

void ClientConnection::respondShed() {
  if (picker_) {
    auto& counters = picker_->shared().counters();
    counters.shed.fetch_add(1, std::memory_order_relaxed);
    counters.shed_by_class[static_cast<size_t>(priority_)].fetch_add(1,
                                                                    std::memory_order_relaxed);
  }
  respondLocally(503, "503 Service Unavailable: no upstream capacity for this request now\n",
                 "text/plain; charset=utf-8", "Retry-After: 1\r\n");
}

void ClientConnection::hashKey(uint64_t* key, bool* has_key) const {
  const auto& lb = cluster_->load_balancing;
  *has_key = false;
  if (lb.policy != config::LoadBalancing::Policy::kHash) return;
  std::string_view wanted = lb.hash_header.empty() ? std::string_view("cookie") : lb.hash_header;
  for (const auto& h : req_.headers) {
    if (!http::equalsIgnoreCase(h.name, wanted)) continue;
    std::string_view value = h.value;
    if (!lb.hash_header.empty()) {
      *key = hashValue(value, 0);
      *has_key = true;
      return;
    }
    if (auto cookie = upstream::cookieValue(value, lb.hash_cookie)) {
      *key = hashValue(*cookie, 0);
      *has_key = true;
      return;
    }
  }
}

void ClientConnection::pumpRequestBody() {
  if (req_body_done_ || upstream_ == nullptr) return;
  const auto& limits = snapshot_->config->limits;
  while (!req_body_done_ && !in_.empty() && upstream_->out.readable() < kHighWater) {
    size_t take = 0;
    if (req_framing_ == http::BodyFraming::kContentLength) {
      take = static_cast<size_t>(std::min<uint64_t>(req_remaining_, in_.readable()));
      req_remaining_ -= take;
      if (req_remaining_ == 0) req_body_done_ = true;
    } else {
      http::ParseState st = req_chunked_.skip(in_.readPtr(), in_.readable(), &take);
      if (st == http::ParseState::kError) {
        releaseUpstream(false);
        if (!resp_head_done_) {
          sendError(400, req_chunked_.error());
        } else {
          abort();
        }
        return;
      }
      if (st == http::ParseState::kDone) req_body_done_ = true;
      if (limits.max_body_bytes > 0 && req_chunked_.dataBytes() > limits.max_body_bytes) {
        releaseUpstream(false);
        if (!resp_head_done_) {
          sendError(413, "request body larger than the configured limit");
        } else {
          abort();
        }
        return;
      }
    }
    if (upstream_->connecting()) {
      upstream_->out.append(in_.readPtr(), take);
    } else if (!forward(upstream_->fd(), &upstream_->out, &upstream_->can_write, in_.readPtr(),
                        take)) {
      upstream_->eof = true;  // handled like an upstream close before the response
      upstream_->can_read = true;
    }
    in_.consume(take);
    req_body_bytes_ += take;
    req_body_started_ = true;
  }
  if (!req_body_done_ && in_.empty()) keepsMinimumRate(body_started_, req_body_bytes_);
}

bool ClientConnection::parseResponseHead() {
  while (true) {
    UpstreamConnection* up = upstream_;
    http::ParseState st = up->in.empty()
                              ? http::ParseState::kIncomplete
                              : up->parser.parse(up->in.readPtr(), up->in.readable(), method_, &resp_);
    if (st == http::ParseState::kIncomplete) {
      if (!up->eof) return false;
      // Closed before a complete head. A pooled connection the upstream had already given up
      // on is the usual cause: retry once on a fresh one if nothing but the head was sent.
      bool stale = up->reused() && up->in.empty() && !req_body_started_;
      try_outcome_ = stale ? upstream::Outcome::kCancelled : upstream::Outcome::kGatewayFailure;
      const char* why = "upstream closed the connection before responding";
      if (stale) {
        // The origin had closed it before this request: not the endpoint's failure. Keep the
        // endpoint and its level slot for a fresh connection.
        upstream::Pick keep = std::exchange(pick_, upstream::Pick{});
        releaseUpstream(false);
        pick_ = keep;
        if (attempts_ < cluster_->retry.max_attempts && connectUpstream()) return false;
      }
      releaseUpstream(false);
      if (!stale && mayRetry(false)) {
        retry(false, 502, why);
        return false;
      }
      upstreamFailed(502, why);
      return false;
    }
    if (st == http::ParseState::kError) {
      try_outcome_ = upstream::Outcome::kGatewayFailure;
      upstreamFailed(502, up->parser.error().reason);
      return false;
    }
    if (resp_.interim()) {
      if (resp_.status == 101) {
        upstreamFailed(502, "upstream switched protocols, which floodgate does not proxy");
        return false;
      }
      // 100 Continue was already given by floodgate; other 1xx go to HTTP/1.1 clients.
      if (resp_.status != 100 && minor_version_ == 1) {
        appendClientResponseHead(&out_, resp_, ResponsePlan{}, minor_version_);
      }
      up->in.consume(resp_.head_bytes);
      up->parser.reset();
      continue;
    }
    try_outcome_ =
        resp_.status >= 500 ? upstream::Outcome::kServerError : upstream::Outcome::kSuccess;
    const auto& on_status = cluster_->retry.on_status;
    if (std::find(on_status.begin(), on_status.end(), resp_.status) != on_status.end() &&
        mayRetry(false)) {
      // Not relayed: another endpoint gets the request (the connection, with its unread
      // body, is closed).
      releaseUpstream(false);
      retry(false, 502, "upstream failed and the retry found no endpoint");
      return false;
    }
    plan_ = planResponse(minor_version_, resp_, keep_alive_);
    // A body we stop reading would be taken for the next request: close after the response.
    if (!req_body_done_ || draining_) plan_.keep_alive = false;
    appendClientResponseHead(&out_, resp_, plan_, minor_version_);
    resp_status_ = resp_.status;
    resp_remaining_ = resp_.content_length;
    resp_head_done_ = true;
    resp_head_at_ = worker_->loop().now();
    up->in.consume(resp_.head_bytes);
    up->armTimer(cluster_->request_timeout);
    return true;
  }
}

void ClientConnection::pumpResponse() {
  if (upstream_ == nullptr) return;
  if (!resp_head_done_ && !parseResponseHead()) return;
  if (upstream_ == nullptr) return;
  Buffer& src = upstream_->in;
  while (!resp_done_ && out_.readable() < kHighWater) {
    size_t before = src.readable();
    switch (plan_.mode) {
      case ResponseBodyMode::kNone:
        resp_done_ = true;
        break;
      case ResponseBodyMode::kLength: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(resp_remaining_, src.readable()));
        if (!forward(fd_.get(), &out_, &can_write_, src.readPtr(), n)) {
          releaseUpstream(false);
          abort();
          return;
        }
        src.consume(n);
        resp_remaining_ -= n;
        resp_bytes_ += n;
        if (resp_remaining_ == 0) resp_done_ = true;
        break;
      }
      case ResponseBodyMode::kChunked: {
        size_t take = 0;
        http::ParseState st = resp_chunked_.skip(src.readPtr(), src.readable(), &take);
        if (st == http::ParseState::kError) {
          releaseUpstream(false);
          abort();
          return;
        }
        out_.append(src.readPtr(), take);
        src.consume(take);
        resp_bytes_ += take;
        if (st == http::ParseState::kDone) resp_done_ = true;
        break;
      }
      case ResponseBodyMode::kDechunk: {
        size_t used = 0;
        std::string_view data;
        http::ParseState st = resp_chunked_.decode(src.readPtr(), src.readable(), &used, &data);
        if (st == http::ParseState::kError) {
          releaseUpstream(false);
          abort();
          return;
        }
        out_.append(data);
        src.consume(used);
        resp_bytes_ += data.size();
        if (st == http::ParseState::kDone) resp_done_ = true;
        break;
      }
      case ResponseBodyMode::kUntilClose:
        out_.append(src.readPtr(), src.readable());
        resp_bytes_ += src.readable();
        src.consume(src.readable());
        if (upstream_->eof) resp_done_ = true;
        break;
    }
    if (src.readable() == before) break;
  }
  if (!resp_done_ && upstream_->eof && src.empty()) {
    // The upstream closed in the middle of a framed body: the client must not take a
    // truncated body for a whole one.
    releaseUpstream(false);
    abort();
  }
}

void ClientConnection::finishExchange() {
  bool reusable = resp_.keep_alive && req_body_done_ && plan_.mode != ResponseBodyMode::kUntilClose;
  releaseUpstream(reusable);
  releaseOriginSlot();
  logAccess(resp_status_);
  snapshot_.reset();
  if (!plan_.keep_alive || client_eof_ || draining_) {
    phase_ = Phase::kClosing;
    return;
  }
  phase_ = Phase::kIdle;
}

void ClientConnection::releaseUpstream(bool reusable) {
  if (picker_ && pick_.ok()) {
    picker_->finish(pick_, try_outcome_, worker_->loop().now() - try_started_, try_sent_);
    if (try_outcome_ == upstream::Outcome::kGatewayFailure ||
        try_outcome_ == upstream::Outcome::kServerError) {
      if (pick_.endpoint < 64) tried_ |= uint64_t{1} << pick_.endpoint;
    }
    pick_ = {};
  }
  if (upstream_ == nullptr) return;
  UpstreamConnection* up = upstream_;
  upstream_ = nullptr;
  up->pool()->release(up, reusable, cluster_->max_idle_connections, cluster_->idle_timeout);
}

void ClientConnection::upstreamFailed(int status, const char* why) {
  releaseUpstream(false);
  if (!resp_head_done_ && retry_shed_) {
    // A retry found no level with room: the client may come back, the gateway is not broken.
    sendError(503, "no upstream capacity left for a retry", "Retry-After: 1\r\n");
  } else if (!resp_head_done_) {
    sendError(status, why);
  } else {
    abort();
  }
}

void ClientConnection::sendError(int status, std::string_view why,
                                 std::string_view extra_headers) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kLingering || phase_ == Phase::kClosed) return;
  char body[256];
  std::string_view reason = http::reasonPhrase(status);
  int n = std::snprintf(body, sizeof(body), "%d %.*s: %.*s\n", status,
                        static_cast<int>(reason.size()), reason.data(),
                        static_cast<int>(why.size()), why.data());
  std::string_view text(body, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof(body) - 1))));
  http::appendSimpleResponse(&out_, status, text, false, extra_headers,
                             method_ == http::Method::kHead &&
                                                                  phase_ == Phase::kUpstream);
  resp_status_ = status;
  logAccess(status);
  releaseUpstream(false);
  releaseOriginSlot();
  phase_ = Phase::kClosing;
  // Unread request bytes would turn our close into a reset and lose the answer: linger.
  linger_after_close_ = true;
}

void ClientConnection::close() {
  if (phase_ == Phase::kClosed) return;
  if (linger_after_close_ && phase_ == Phase::kClosing && !client_eof_) {
    // Half-close, then read and discard until the client closes or the linger time passes.
    ::shutdown(fd_.get(), SHUT_WR);
    phase_ = Phase::kLingering;
    linger_after_close_ = false;
    worker_->loop().schedule(&timer_, kLingerTime);
    can_read_ = true;
    readClient();
    return;
  }
  phase_ = Phase::kClosed;
  releaseUpstream(false);
  releaseOriginSlot();
  if (queued_) worker_->originQueue().cancel(this);
  queued_ = false;
  worker_->loop().cancel(&timer_);
  worker_->loop().cancel(&backoff_timer_);
  // No epoll_ctl(DEL): the descriptor is closed with this object at the end of the turn, which
  // takes it out of the epoll set (see EventLoop::remove).
  worker_->release(this);
}

void ClientConnection::abort() {
  linger_after_close_ = false;
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosing;
  close();
}

void ClientConnection::reset() {
  if (phase_ == Phase::kClosed) return;
  setResetOnClose(fd_.get());
  abort();
}

void ClientConnection::beginDrain() {
  draining_ = true;
  if (phase_ == Phase::kIdle && in_.empty()) close();
}

void ClientConnection::updateTimers() {
  const auto& limits = worker_->snapshot()->config->limits;
  EventLoop& loop = worker_->loop();
  switch (phase_) {
    case Phase::kIdle:
      if (timer_phase_ != Phase::kIdle) {
        // A new connection has header_read_timeout for its first byte too (nginx's
        // client_header_timeout, HAProxy's timeout http-request): one that never sends is held
        // that long, not a keep-alive's idle time.
        if (!first_head_) {
          loop.schedule(&timer_, limits.client_idle_timeout);
        } else if (slow_noted_ || !watchedByDetector()) {
          loop.scheduleAt(&timer_, head_started_ + limits.header_read_timeout);
        } else {  // first a look kSlowNoteAfter in (onTimer)
          loop.scheduleAt(&timer_,
                          head_started_ + std::min(kSlowNoteAfter, limits.header_read_timeout));
        }
        if (in_.empty()) {
          in_.release();
          out_.release();
        }
      }
      if (draining_ && in_.empty() && out_.empty()) {
        close();
        return;
      }
      if (tarpit_.holding(loop.now())) loop.scheduleAt(&timer_, tarpit_.until());
      break;
    case Phase::kHead:
      if (timer_phase_ != Phase::kHead) {
        loop.scheduleAt(&timer_, head_started_ + limits.header_read_timeout);
      }
      break;
    case Phase::kWaiting:  // waiting for a slot has its own deadline (OriginQueue)
      if (buffering_) {
        loop.schedule(&timer_, limits.client_body_timeout);
      } else {
        loop.cancel(&timer_);
      }
      break;
    case Phase::kUpstream:
      if (!req_body_done_ || !out_.empty()) {
        loop.schedule(&timer_, limits.client_body_timeout);
      } else {
        loop.cancel(&timer_);
      }
      break;
    case Phase::kClosing:
      if (timer_phase_ != Phase::kClosing) loop.schedule(&timer_, kCloseGrace);
      break;
    default:
      break;
  }
  timer_phase_ = phase_;
}

void ClientConnection::onTimer() {
  switch (phase_) {
    case Phase::kIdle:
      if (tarpit_.until() == MonoTime{}) {
        if (first_head_) {  // not a byte since it connected: refused, and closed without a word
          const MonoTime deadline =
              head_started_ + worker_->snapshot()->config->limits.header_read_timeout;
          if (worker_->loop().now() < deadline) {  // kSlowNoteAfter in: counted, not refused
            noteSlowOnNetwork();
            worker_->loop().scheduleAt(&timer_, deadline);
            break;
          }
          refuse(Rejection::kHeaderTimeout);
          noteRefusedConnection();
        }
        abort();
        break;
      }
      // The hold is over: take what waited, then the idle timeout runs again — unless the
      // source has been escalated meanwhile: then its connection goes too, with a reset as in
      // Worker::cutEscalated (the filter drops its packets), and its next SYN is dropped.
      tarpit_.release();
      if (watchedByDetector() &&
          worker_->detectorBlocklist().contains(*key_, worker_->loop().now())) {
        reset();
        break;
      }
      timer_phase_ = Phase::kClosed;
      process();
      break;
    case Phase::kHead:
      refuse(Rejection::kHeaderTimeout);
      sendError(408, "request header not received in time");
      process();
      break;
    case Phase::kWaiting:
    case Phase::kUpstream:
      if (!resp_head_done_ && !req_body_done_) {
        sendError(408, "request body not received in time");
        process();
      } else {
        abort();
      }
      break;
    default:
      abort();
      break;
  }
}

void ClientConnection::countRequest(int status) {
  const RuntimeSnapshot& snap = snapshot_ ? *snapshot_ : *worker_->snapshot();
  const ProxyMetrics& metrics = snap.metrics;
  if (!metrics.enabled()) return;
  if (listener_generation_ != metrics.generation()) {
    listener_index_ = metrics.listenerIndex(listener_key_);
    listener_generation_ = metrics.generation();
  }
  MonoTime now = worker_->loop().now();
  int shard = worker_->index();
  metrics.countRequest(shard, listener_index_, exchange_open_ ? route_index_ : -1, status,
                       exchange_open_, now - exchange_started_);
  // last_endpoint_ is set once the exchange picked an upstream: it went (or tried to go) there.
  if (exchange_open_ && last_endpoint_ != nullptr) {
    metrics.countUpstream(shard, cluster_index_, attempts_, resp_head_done_,
                          resp_head_at_ - exchange_started_);
  }
  exchange_open_ = false;
}

bool ClientConnection::watchedByDetector() const {
  return key_ && worker_->snapshot()->shield.detect;
}

void ClientConnection::noteSlowOnNetwork() {
  if (slow_noted_) return;
  slow_noted_ = true;
  if (!watchedByDetector()) return;
  const bool before_request = phase_ == Phase::kIdle || phase_ == Phase::kHead;
  worker_->observation().recordSlowConnection(*key_, before_request);
}

void ClientConnection::noteRefusedConnection() {
  if (decision_.verdict != Decision::Verdict::kRejected || slow_noted_ || !watchedByDetector()) {
    return;
  }
  const Rejection r = decision_.reason;
  if (r == Rejection::kSlowRequest || r == Rejection::kHeaderTimeout ||
      r == Rejection::kBadRequest) {
    worker_->observation().recordConnectionRefusal(*key_);
  }
}

void ClientConnection::refuse(Rejection reason) {
  worker_->counters().count(reason);
  decision_.verdict = Decision::Verdict::kRejected;
  decision_.reason = reason;
}

std::string_view ClientConnection::withRequestId(std::string_view extra, char* buf,
                                                 size_t cap) const {
  if (decision_.id_len == 0 || decision_.id_len > Decision::kIdChars) return extra;
  std::string_view id = decision_.requestId();
  int n = std::snprintf(buf, cap, "%.*sX-Request-Id: %.*s\r\n", static_cast<int>(extra.size()),
                        extra.data(), static_cast<int>(id.size()), id.data());
  return n > 0 && static_cast<size_t>(n) < cap ? std::string_view(buf, static_cast<size_t>(n))
                                               : extra;
}

void ClientConnection::logAccess(int status) {
  // A 429 or a challenge continues a run of refusals; any other answer ends it.
  bool refused_again = status == 429 || (decision_.verdict == Decision::Verdict::kRejected &&
                                         decision_.reason == Rejection::kChallenged);
  if (!refused_again) tarpit_.answered();
  int route = exchange_open_ ? route_index_ : -1;  // countRequest closes the exchange
  countRequest(status);
  if (decision_.id_len != 0) {
    decision_.status = static_cast<uint16_t>(status);
    worker_->decisions().record(decision_);
    decision_.id_len = 0;  // recorded once; a later error on this connection has no request
  }
  if (observed_ && key_) {
    // From the origin when floodgate relayed its answer; 502/504 floodgate made itself still
    // count against the origin's health (the detector's origin-stress signal).
    bool from_origin = last_endpoint_ != nullptr && resp_head_done_;
    shield::WorkerObservation& observation = worker_->observation();
    observation.recordResponse(*key_, status, resp_head_at_ - exchange_started_, from_origin,
                               worker_->loop().now(), route);
    if (decision_.verdict == Decision::Verdict::kRejected &&
        (decision_.reason == Rejection::kRateLimited ||
         decision_.reason == Rejection::kMitigationRule ||
         decision_.reason == Rejection::kChallenged ||
         decision_.reason == Rejection::kSlowRequest)) {
      observation.recordRefusal(*key_, worker_->loop().now(),
                                !(slow_noted_ && decision_.reason == Rejection::kSlowRequest));
    }
    observed_ = false;
  } else {
    noteRefusedConnection();
  }
  AccessLog* log = worker_->accessLog();
  if (log == nullptr) return;
  AccessRecord rec;
  rec.client_ip = std::string_view(peer_ip_, peer_ip_len_);
  rec.method = log_method_;
  rec.host = log_host_;
  rec.path = log_path_;
  rec.request_id = log_request_id_;
  rec.status = status;
  rec.body_bytes = resp_bytes_;
  rec.request_body_bytes = req_body_bytes_;
  rec.duration = worker_->loop().now() - exchange_started_;
  if (last_endpoint_ != nullptr) rec.upstream = last_endpoint_->address().toString();
  log->write(rec);
}

}  // namespace floodgate::proxy
