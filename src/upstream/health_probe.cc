#include "upstream/health_probe.h"

#include <sys/socket.h>

#include <cerrno>

#include <fmt/format.h>

#include "http/response_parser.h"

namespace floodgate::upstream {
namespace {

constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr size_t kMaxAnswer = 64 * 1024;  // enough for a health page; more is cut off

}  // namespace

HealthProbe::HealthProbe(EventLoop* loop, const config::HealthCheck& check,
                         const config::Endpoint& endpoint, size_t index, uint64_t seed,
                         Report report)
    : loop_(loop),
      check_(check),
      endpoint_(endpoint),
      index_(index),
      rng_(seed | 1),
      report_(std::move(report)) {
  timer_.setCallback([this] { onTimer(); });
  request_ = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: floodgate-health-check\r\n"
      "Connection: close\r\n\r\n",
      check_.path, endpoint_.address_text);
}

HealthProbe::~HealthProbe() {
  loop_->cancel(&timer_);
  closeSocket();
}

void HealthProbe::start(Duration delay) { loop_->schedule(&timer_, delay); }

void HealthProbe::closeSocket() {
  if (fd_.valid()) {
    loop_->remove(fd_.get());
    fd_.reset();
  }
}

void HealthProbe::begin() {
  ++checks_;
  in_.clear();
  sent_ = 0;
  bool in_progress = false;
  auto fd = connectTcp(endpoint_.address, nullptr, &in_progress);
  if (!fd) {
    conclude(false, "connect: " + fd.error());
    return;
  }
  fd_ = std::move(*fd);
  if (!loop_->add(fd_.get(), kEvents, this)) {
    conclude(false, "cannot watch the socket");
    return;
  }
  in_flight_ = true;
  connecting_ = true;
  loop_->schedule(&timer_, check_.timeout);
  if (!in_progress) onIoEvent(EPOLLOUT);
}

void HealthProbe::onTimer() {
  if (in_flight_) {
    conclude(false, connecting_ ? "connect timed out" : "no answer within the timeout");
    return;
  }
  begin();
}

void HealthProbe::onIoEvent(uint32_t events) {
  if (!in_flight_) return;
  if (connecting_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = socketError(fd_.get());
    if (err != 0) {
      conclude(false, std::string("connect: ") + std::strerror(err));
      return;
    }
    connecting_ = false;
    if (check_.type == config::HealthCheck::Type::kTcp) {
      conclude(true, "connected");
      return;
    }
  }
  if (!sendRequest()) return;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readAnswer();
}

bool HealthProbe::sendRequest() {
  while (sent_ < request_.size()) {
    ssize_t n = ::send(fd_.get(), request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return false;
    } else {
      conclude(false, "send failed");
      return false;
    }
  }
  return true;
}

void HealthProbe::readAnswer() {
  bool eof = false;
  while (in_.readable() < kMaxAnswer) {
    in_.reserve(4096);
    ssize_t n = ::read(fd_.get(), in_.writePtr(), std::min(in_.writable(), kMaxAnswer));
    if (n > 0) {
      in_.commit(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    eof = true;
    break;
  }
  bool full = in_.readable() >= kMaxAnswer;
  std::string verdict = judge(check_, in_.view(), eof || full);
  if (verdict == "incomplete") return;
  conclude(verdict.empty(), verdict.empty() ? "passed" : verdict);
}

std::string HealthProbe::judge(const config::HealthCheck& check, std::string_view answer,
                               bool eof) {
  http::ResponseParser parser({kMaxAnswer, 256});
  http::ResponseHead head;
  http::ParseState st = parser.parse(answer.data(), answer.size(), http::Method::kGet, &head);
  if (st == http::ParseState::kError) return "bad response: " + std::string(parser.error().reason);
  if (st == http::ParseState::kIncomplete) {
    return eof ? "closed before a complete response head" : "incomplete";
  }
  bool expected = false;
  for (auto [lo, hi] : check.expect) expected = expected || (head.status >= lo && head.status <= hi);
  if (!expected) return fmt::format("status {}", head.status);
  if (check.body_contains.empty()) return "";
  std::string_view body = answer.substr(head.head_bytes);
  if (body.find(check.body_contains) != std::string_view::npos) return "";
  if (!eof && (head.framing != http::BodyFraming::kContentLength ||
               body.size() < head.content_length)) {
    return "incomplete";
  }
  return fmt::format("body does not contain \"{}\"", check.body_contains);
}

void HealthProbe::conclude(bool passed, std::string detail) {
  in_flight_ = false;
  connecting_ = false;
  closeSocket();
  last_result_ = detail;
  if (passed) {
    failures_ = 0;
    ++passes_;
    if (!healthy_ && passes_ >= check_.healthy_threshold) {
      healthy_ = true;
      report_(index_, true, detail);
    }
  } else {
    passes_ = 0;
    ++failures_;
    if (healthy_ && failures_ >= check_.unhealthy_threshold) {
      healthy_ = false;
      report_(index_, false, detail);
    }
  }
  // Next check: interval plus a random share of the jitter.
  rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
  double r = static_cast<double>(rng_ >> 11) * 0x1.0p-53;
  auto jitter = Duration(static_cast<int64_t>(r * static_cast<double>(check_.jitter.count())));
  loop_->schedule(&timer_, check_.interval + jitter);
}

}  // namespace floodgate::upstream
