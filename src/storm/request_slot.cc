#include "storm/request_slot.h"

#include <chrono>

#include "http/chars.h"
#include "storm/redirect_target.h"

namespace floodgate::storm {
namespace {

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// A free client should send within a tick or two of the schedule; later means storm itself
// (or the machine under it) is behind, and the latency it reports includes that delay.
constexpr Duration kLateStart = milliseconds(10);

uint64_t micros(Duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us < 0 ? 0 : static_cast<uint64_t>(us);
}

}  // namespace

RequestSlot::RequestSlot(GroupShared* group, uint64_t global_index) : Slot(group, global_index) {
  timer_.setCallback([this] { onTimeout(); });
  if (g_->legit && g_->spec->cookies) cookies_ = std::make_unique<CookieJar>();
}

RequestSlot::~RequestSlot() { g_->loop().cancel(&timer_); }

SocketAddress RequestSlot::source() const {
  // A user keeps its address; an attacker's connections move over the group's.
  return g_->sourceFor(index_, g_->legit ? 0 : conn_seq_);
}

void RequestSlot::onDue(MonoTime intended) {
  ++g_->counters()[Count::kScheduled];
  if (in_flight_) {
    if (backlog_count_ == kBacklog) {
      ++g_->counters()[connecting() ? Count::kStalled : Count::kUnsent];
      return;
    }
    backlog_[(backlog_head_ + backlog_count_) % kBacklog] = intended;
    ++backlog_count_;
    return;
  }
  MonoTime now = g_->now();
  if (now - intended > kLateStart) ++g_->counters()[Count::kLateStarts];
  begin(intended, now);
}

void RequestSlot::onTick(MonoTime now) {
  if (!g_->spec->closed_loop || in_flight_ || stopping_ || !restart_on_tick_) return;
  restart_on_tick_ = false;
  ++g_->counters()[Count::kScheduled];
  begin(now, now);
}

void RequestSlot::onStart() {
  stopping_ = false;
  restart_on_tick_ = true;
}

void RequestSlot::onStop() {
  stopping_ = true;
  if (!in_flight_) dropConnection(false);
}

void RequestSlot::abandon() {
  g_->counters()[Count::kUnfinished] += backlog_count_ + (in_flight_ ? 1 : 0);
  backlog_count_ = 0;
  in_flight_ = false;
  g_->loop().cancel(&timer_);
  dropConnection(true);
}

void RequestSlot::begin(MonoTime intended, MonoTime now) {
  Duration timeout = g_->spec->timeout;
  if (now - intended >= timeout) {
    // It waited in the queue past its timeout: a timeout, though never sent.
    ++g_->counters()[Count::kTimeout];
    next(now);
    return;
  }
  in_flight_ = true;
  intended_ = intended;
  redirects_ = 0;
  retried_ = false;
  counted_sent_ = false;
  prepareRequest();
  reader_.start(g_->method);
  g_->loop().scheduleAt(&timer_, intended + timeout);
  send();
}

void RequestSlot::prepareRequest() {
  const RequestBank& bank = g_->bank;
  size_t i = bank.size() == 1 ? 0 : g_->worker->rng.below(bank.size());
  std::string_view cookie = cookies_ ? cookies_->headerLine() : std::string_view();
  if (!bank.hasHoles(i) && cookie.empty()) {
    head_ = bank.whole(i);  // head and body, straight from the bank
    body_ = {};
    return;
  }
  bank.renderHead(i, g_->worker->rng, cookie, &scratch_);
  head_ = scratch_;
  body_ = bank.body();
}

void RequestSlot::send() {
  setOutput(head_, body_);
  if (fd_ < 0) {
    Count c = connectFrom(source());
    if (c != Count::kEnd) {
      fail(c);
      return;
    }
    setOutput(head_, body_);
    return;  // onConnected() writes
  }
  write();
}

void RequestSlot::write() {
  if (connecting_) return;
  if (!flushOutput()) {
    failIo(classifyErrno(lastError()));
    return;
  }
  if (!outputPending() && !counted_sent_) {
    counted_sent_ = true;
    ++g_->counters()[Count::kSent];
  }
}

void RequestSlot::onConnectFailed(Count why) {
  responses_on_conn_ = 0;
  ++conn_seq_;
  if (in_flight_) fail(why);
}

void RequestSlot::onReadable() {
  for (;;) {
    ReadResult r = readSome();
    if (r == ReadResult::kError) {
      failIo(classifyErrno(lastError()));
      return;
    }
    bool eof = r == ReadResult::kEof;
    if (!in_flight_) {
      // The target closed an idle keep-alive connection, or sent something unasked for.
      if (eof || !in_.empty()) dropConnection(!eof);
      return;
    }
    auto step = reader_.feed(in_, eof, g_->legit ? this : nullptr);
    if (step == ResponseReader::Step::kError) {
      failIo(reader_.sawBytes() ? Count::kBadResponse : Count::kClosed);
      return;
    }
    if (step == ResponseReader::Step::kDone) {
      finishResponse();
      if (fd_ < 0) return;
      if (eof) {
        // The target closed right after answering. A request already started on this
        // connection (the next in the queue, a redirect) goes again on a fresh one.
        if (in_flight_) {
          failIo(Count::kClosed);
        } else {
          dropConnection(false);
        }
        return;
      }
      continue;  // the next request may already be answered
    }
    if (r == ReadResult::kDrained) return;
  }
}

void RequestSlot::onResponseHead(const http::ResponseHead& head) {
  location_.clear();
  if (cookies_) {
    for (const auto& h : head.headers) {
      if (http::equalsIgnoreCase(h.name, "set-cookie")) cookies_->apply(h.value);
    }
  }
  if (g_->spec->follow_redirects && isRedirect(head.status)) {
    std::string path;
    if (sameSitePath(head.header("location"), g_->worker->host_header, &path)) location_ = path;
  }
}

void RequestSlot::finishResponse() {
  ++responses_on_conn_;
  bool keep = reader_.keepAlive();
  Counters& c = g_->counters();
  if (!location_.empty() && redirects_ < g_->spec->max_redirects) {
    ++redirects_;
    ++c[Count::kRedirects];
    if (!keep) dropConnection(false);
    g_->bank.renderGet(location_, cookies_ ? cookies_->headerLine() : std::string_view(),
                       &scratch_);
    location_.clear();
    head_ = scratch_;
    body_ = {};
    retried_ = false;
    reader_.start(http::Method::kGet);
    send();
    return;
  }
  MonoTime now = g_->now();
  int status = reader_.status();
  ++c[Count::kResponses];
  if (status < 300) {
    ++c[Count::kStatus2xx];
  } else if (status < 400) {
    ++c[Count::kStatus3xx];
  } else if (status < 500) {
    ++c[Count::kStatus4xx];
  } else {
    ++c[Count::kStatus5xx];
  }
  if (status < 400) {
    ++c[Count::kOk];
    g_->worker->series->recordSuccessLatency(g_->index, micros(now - intended_));
  } else if (status == 403) {
    ++c[Count::kStatus403];
  } else if (status == 429) {
    ++c[Count::kStatus429];
  } else if (status == 503) {
    ++c[Count::kStatus503];
  }
  if (g_->legit && (status == 403 || status == 429)) blocked_ = true;
  uint64_t per_conn = g_->spec->requests_per_connection;
  if (!keep || (per_conn > 0 && responses_on_conn_ >= per_conn)) dropConnection(false);
  complete(now);
}

void RequestSlot::failIo(Count why) {
  // A reused keep-alive connection may have been closed by the target just as the request
  // left; like a browser, retry such a request once on a fresh connection.
  bool retry = in_flight_ && responses_on_conn_ > 0 && !reader_.sawBytes() && !retried_ &&
               (why == Count::kReset || why == Count::kClosed);
  dropConnection(why != Count::kClosed);
  if (!in_flight_) return;
  if (retry) {
    retried_ = true;
    reader_.start(redirects_ > 0 ? http::Method::kGet : g_->method);
    send();
    return;
  }
  fail(why);
}

void RequestSlot::fail(Count why) {
  ++g_->counters()[why];
  if (g_->legit && (why == Count::kRefused || why == Count::kReset)) blocked_ = true;
  // A closed loop waits for the next tick instead of hammering a target that refuses.
  restart_on_tick_ = true;
  complete(g_->now());
}

void RequestSlot::complete(MonoTime now) {
  in_flight_ = false;
  g_->loop().cancel(&timer_);
  next(now);
}

void RequestSlot::next(MonoTime now) {
  if (backlog_count_ > 0) {
    MonoTime t = backlog_[backlog_head_];
    backlog_head_ = static_cast<uint8_t>((backlog_head_ + 1) % kBacklog);
    --backlog_count_;
    begin(t, now);
    return;
  }
  if (stopping_) {
    dropConnection(false);
    return;
  }
  if (g_->spec->closed_loop && g_->active && !restart_on_tick_) {
    ++g_->counters()[Count::kScheduled];
    begin(now, now);
  }
}

void RequestSlot::onTimeout() {
  if (!in_flight_) return;
  ++g_->counters()[Count::kTimeout];
  dropConnection(true);
  restart_on_tick_ = true;
  in_flight_ = false;
  next(g_->now());
}

void RequestSlot::dropConnection(bool reset) {
  if (fd_ < 0) return;
  closeConnection(reset);
  responses_on_conn_ = 0;
  ++conn_seq_;
}

}  // namespace floodgate::storm
