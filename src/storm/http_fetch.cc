#include "storm/http_fetch.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/buffer.h"
#include "core/socket.h"
#include "http/chunked.h"
#include "http/response_parser.h"

namespace floodgate::storm {
namespace {

// Waits for `events` on fd until `deadline`; false on timeout.
bool waitFor(int fd, short events, MonoTime deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - MonoClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<HttpReply> httpFetch(const LoopbackUrl& server, std::string_view method,
                            std::string_view path, Duration timeout) {
  MonoTime deadline = MonoClock::now() + timeout;
  bool in_progress = false;
  auto fd = connectTcp(server.address, nullptr, &in_progress);
  if (!fd.ok()) return makeError(fd.error());
  if (in_progress) {
    if (!waitFor(fd->get(), POLLOUT, deadline)) return makeError("timed out connecting");
    if (int err = socketError(fd->get()); err != 0) {
      return makeError(std::string("cannot connect to ") + server.address.toString() + ": " +
                       std::strerror(err));
    }
  }
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: " + server.host_header +
                        "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t w = ::send(fd->get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (w > 0) {
      sent += static_cast<size_t>(w);
    } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(fd->get(), POLLOUT, deadline)) return makeError("timed out sending");
    } else {
      return makeError(std::string("send failed: ") + std::strerror(errno));
    }
  }

  Buffer in;
  http::ResponseParser parser(http::ParseLimits{64 * 1024, 200});
  http::ResponseHead head;
  http::ChunkedDecoder chunked;
  HttpReply reply;
  bool have_head = false;
  bool eof = false;
  constexpr size_t kMaxBody = 64 * 1024 * 1024;
  for (;;) {
    if (!have_head && !in.empty()) {
      auto st = parser.parse(in.readPtr(), in.readable(), http::methodFromToken(method), &head);
      if (st == http::ParseState::kError) return makeError(parser.error().reason);
      if (st == http::ParseState::kDone) {
        if (head.interim()) {
          in.consume(head.head_bytes);
          parser.reset();
          continue;
        }
        have_head = true;
        reply.status = head.status;
        in.consume(head.head_bytes);
      }
    }
    if (have_head) {
      if (head.framing == http::BodyFraming::kNone) return reply;
      if (head.framing == http::BodyFraming::kContentLength) {
        size_t take = std::min<size_t>(in.readable(), head.content_length - reply.body.size());
        reply.body.append(in.readPtr(), take);
        in.consume(take);
        if (reply.body.size() == head.content_length) return reply;
      } else if (head.framing == http::BodyFraming::kChunked) {
        while (!in.empty()) {
          size_t used = 0;
          std::string_view data;
          auto st = chunked.decode(in.readPtr(), in.readable(), &used, &data);
          reply.body.append(data);
          in.consume(used);
          if (st == http::ParseState::kError) return makeError(chunked.error());
          if (st == http::ParseState::kDone) return reply;
          if (used == 0) break;
        }
      } else {
        reply.body.append(in.readPtr(), in.readable());
        in.consume(in.readable());
        if (eof) return reply;
      }
      if (reply.body.size() > kMaxBody) return makeError("reply too large");
    }
    if (eof) return makeError("connection closed before the reply was complete");
    if (!waitFor(fd->get(), POLLIN, deadline)) return makeError("timed out waiting for the reply");
    in.reserve(16 * 1024);
    ssize_t r = ::read(fd->get(), in.writePtr(), in.writable());
    if (r > 0) {
      in.commit(static_cast<size_t>(r));
    } else if (r == 0) {
      eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
      return makeError(std::string("read failed: ") + std::strerror(errno));
    }
  }
}

}  // namespace floodgate::storm
