#include "storm/response_reader.h"

#include <algorithm>

namespace floodgate::storm {

void ResponseReader::start(http::Method method) {
  method_ = method;
  state_ = State::kHead;
  parser_.reset();
  remaining_ = 0;
  status_ = 0;
  keep_alive_ = true;
  saw_bytes_ = false;
  error_ = "";
}

ResponseReader::Step ResponseReader::feed(Buffer& in, bool eof, HeadSink* sink) {
  if (!in.empty()) saw_bytes_ = true;
  for (;;) {
    switch (state_) {
      case State::kHead: {
        if (in.empty()) return eof ? fail("connection closed before a response") : Step::kNeedMore;
        auto parsed = parser_.parse(in.readPtr(), in.readable(), method_, &head_);
        if (parsed == http::ParseState::kError) return fail(parser_.error().reason);
        if (parsed == http::ParseState::kIncomplete) {
          return eof ? fail("connection closed inside a response head") : Step::kNeedMore;
        }
        parser_.reset();
        if (head_.interim()) {
          in.consume(head_.head_bytes);
          continue;
        }
        status_ = head_.status;
        keep_alive_ = head_.keep_alive;
        if (sink != nullptr) sink->onResponseHead(head_);
        in.consume(head_.head_bytes);
        switch (head_.framing) {
          case http::BodyFraming::kNone:
            state_ = State::kDone;
            break;
          case http::BodyFraming::kContentLength:
            remaining_ = head_.content_length;
            state_ = State::kLength;
            break;
          case http::BodyFraming::kChunked:
            chunked_.reset();
            state_ = State::kChunked;
            break;
          case http::BodyFraming::kUntilClose:
            keep_alive_ = false;
            state_ = State::kUntilClose;
            break;
        }
        continue;
      }
      case State::kLength: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.readable()));
        in.consume(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = State::kDone;
          continue;
        }
        return eof ? fail("connection closed inside a response body") : Step::kNeedMore;
      }
      case State::kChunked: {
        size_t used = 0;
        auto s = chunked_.skip(in.readPtr(), in.readable(), &used);
        in.consume(used);
        if (s == http::ParseState::kError) return fail(chunked_.error());
        if (s == http::ParseState::kDone) {
          state_ = State::kDone;
          continue;
        }
        return eof ? fail("connection closed inside a chunked body") : Step::kNeedMore;
      }
      case State::kUntilClose:
        in.consume(in.readable());
        if (!eof) return Step::kNeedMore;
        state_ = State::kDone;
        continue;
      case State::kDone:
        return Step::kDone;
    }
  }
}

}  // namespace floodgate::storm
