#include "web/connection.h"

#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <exception>

#include "core/log.h"
#include "http/status.h"
#include "web/json.h"
#include "web/server.h"

namespace floodgate::web {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr size_t kMaxQueuedOutput = 1 << 20;  // read no further requests until the client reads
constexpr size_t kReadChunk = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string lowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header values come from handlers; a CR or LF in one would split the response.
bool safeHeader(std::string_view name, std::string_view value) {
  return name.find_first_of("\r\n:") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

Connection::Connection(Server* server, FileDescriptor fd, const SocketAddress& peer)
    : server_(server), fd_(std::move(fd)), peer_ip_(peer.ip()) {
  parser_.setLimits({.max_head_bytes = kMaxHeadBytes, .max_headers = 100});
  timer_.setCallback([this] { onTimer(); });
}

Connection::~Connection() = default;

bool Connection::start() {
  setNoDelay(fd_.get());
  if (!server_->loop_->add(fd_.get(), EPOLLIN | EPOLLRDHUP, this).ok()) return false;
  rearmTimer();
  return true;
}

void Connection::onIoEvent(uint32_t events) {
  if (closed_) return;
  if (events & EPOLLERR) return close();
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !readAvailable()) return;
  process();
  if (closed_) return;
  if (!flush()) return;
  if (closing_ && out_.empty()) return close();
  updateInterest();
  rearmTimer();
}

bool Connection::readAvailable() {
  // Bounded: a head, a body the handler accepts, and no read-ahead while answers back up.
  size_t limit = head_done_ ? body_total_ : kMaxHeadBytes + 1;
  while (!closing_ && in_.readable() < limit && out_.readable() < kMaxQueuedOutput) {
    if (in_.empty()) request_started_ = server_->loop_->now();
    size_t want = std::min(kReadChunk, limit - in_.readable());
    in_.reserve(want);
    ssize_t n = ::recv(fd_.get(), in_.writePtr(), want, 0);
    if (n > 0) {
      in_.commit(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    // EOF or error: nothing more arrives. Answers already queued are dropped with the socket; a
    // client that half-closed after a complete request still gets it served first.
    process();
    if (closed_) return false;
    closing_ = true;
    if (!flush()) return false;
    if (out_.empty()) {
      close();
      return false;
    }
    return true;
  }
  return true;
}

void Connection::process() {
  while (!closed_ && !closing_ && out_.readable() < kMaxQueuedOutput && serveOne()) {
  }
  if (in_.empty()) in_.release();
}

bool Connection::serveOne() {
  if (in_.empty()) return false;
  const ServerOptions& options = server_->options_;
  if (!head_done_) {
    http::ParseState st = parser_.parse(in_.readPtr(), in_.readable(), &head_);
    if (st == http::ParseState::kIncomplete) return false;
    if (st == http::ParseState::kError) {
      answerError(parser_.error().status, parser_.error().reason);
      return false;
    }
    if (head_.framing == http::BodyFraming::kChunked) {
      answerError(411, "a request body needs a Content-Length");
      return false;
    }
    if (head_.content_length > options.max_body) {
      answerError(413, "request body too large");
      return false;
    }
    head_done_ = true;
    body_total_ = head_.head_bytes + head_.content_length;
    if (in_.readable() < body_total_) {
      if (head_.expect_continue && !sent_continue_) {
        out_.append(kContinue);
        sent_continue_ = true;
      }
      return false;
    }
  } else {
    if (in_.readable() < body_total_) return false;
    // The head's views pointed into a buffer that reads may have moved: parse it again.
    parser_.reset();
    if (parser_.parse(in_.readPtr(), in_.readable(), &head_) != http::ParseState::kDone) {
      answerError(400, "malformed request");
      return false;
    }
  }

  Request request;
  request.method = std::string(head_.method_token);
  std::string_view target = head_.path;
  size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  request.headers.reserve(head_.headers.size());
  for (const auto& field : head_.headers) {
    request.headers.emplace_back(lowerCase(field.name), std::string(field.value));
  }
  request.body.assign(in_.readPtr() + head_.head_bytes, head_.content_length);
  request.peer = peer_ip_;
  bool keep_alive = head_.keep_alive;
  in_.consume(body_total_);  // head_ views are dead from here on
  head_done_ = false;
  sent_continue_ = false;
  parser_.reset();
  if (!in_.empty()) request_started_ = server_->loop_->now();

  Response response;
  try {
    response = server_->handler_(request);
  } catch (const std::exception& e) {
    // Handlers run on the control thread; one that throws must not take the thread down.
    spdlog::error("web: handler for {} {} failed: {}", request.method, request.path, e.what());
    response = errorResponse(500, "internal error");
  }
  queue(request, response, keep_alive);
  return keep_alive;
}

void Connection::answerError(int status, std::string_view why) {
  Request none;
  queue(none, errorResponse(status, std::string(why)), false);
}

void Connection::queue(const Request& request, const Response& response, bool keep_alive) {
  std::string extra;
  for (const auto& [name, value] : response.headers) {
    if (!safeHeader(name, value)) continue;
    extra.append(name).append(": ").append(value).append("\r\n");
  }
  if (!keep_alive) closing_ = true;
  http::appendSimpleResponse(&out_, response.status, response.body, keep_alive, extra,
                             request.method == "HEAD", response.content_type);
}

bool Connection::flush() {
  while (!out_.empty()) {
    ssize_t n = ::send(fd_.get(), out_.readPtr(), out_.readable(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.consume(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    close();
    return false;
  }
  out_.release();
  return true;
}

void Connection::updateInterest() {
  bool want_write = !out_.empty();
  // While answers back up (or the connection is closing) stop reading: level-triggered epoll
  // would otherwise report the same unread bytes on every turn.
  bool want_read = !closing_ && out_.readable() < kMaxQueuedOutput;
  uint32_t events = (want_read ? EPOLLIN | EPOLLRDHUP : 0u) | (want_write ? EPOLLOUT : 0u);
  if (events == events_) return;
  events_ = events;
  if (!server_->loop_->modify(fd_.get(), events, this).ok()) close();
}

void Connection::rearmTimer() {
  EventLoop* loop = server_->loop_;
  const ServerOptions& options = server_->options_;
  if (!out_.empty() || in_.empty()) {
    loop->schedule(&timer_, options.idle_timeout);
  } else {
    loop->scheduleAt(&timer_, request_started_ + options.read_timeout);
  }
}

void Connection::onTimer() {
  if (closed_) return;
  if (out_.empty() && !in_.empty() && !closing_) {
    // A request started and never finished in time.
    answerError(408, "request not received in time");
    flush();
  }
  close();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  server_->loop_->cancel(&timer_);
  server_->loop_->remove(fd_.get());
  fd_.reset();
  server_->closed(this);
}

}  // namespace floodgate::web
