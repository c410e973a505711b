// TestClient: a blocking HTTP/1.1 client for the origin's in-process tests. It parses responses
// on its own (not with src/http), so a test checks the origin against an independent reading.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "core/socket_address.h"

namespace floodgate::origin::testing {

struct TestResponse {
  int status = 0;  // 0: the connection ended (or timed out) before a whole response
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool chunked = false;

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }
};

class TestClient {
 public:
  explicit TestClient(const SocketAddress& to, int timeout_ms = 5000) : timeout_ms_(timeout_ms) {
    fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connected_ = ::connect(fd_, to.sockaddrPtr(), to.length()) == 0;
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response; `head_request` says no body follows.
  TestResponse read(bool head_request = false) {
    TestResponse r;
    size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return r;
    }
    std::string head = in_.substr(0, end + 2);
    in_.erase(0, end + 4);
    if (head.size() < 12 || head.compare(0, 7, "HTTP/1.") != 0) return r;
    int status = std::atoi(head.substr(9, 3).c_str());
    size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      std::string line = head.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) return r;
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers.emplace_back(line.substr(0, colon), line.substr(v));
    }
    r.chunked = r.header("Transfer-Encoding") == "chunked";
    if (head_request || status == 204 || status == 304 || status < 200) {
      r.status = status;
      return r;
    }
    if (r.chunked) {
      for (;;) {
        std::string line;
        if (!readLine(&line)) return r;
        size_t size = std::strtoull(line.c_str(), nullptr, 16);
        if (size == 0) {
          if (!readLine(&line)) return r;  // the empty line after the last chunk (no trailers)
          break;
        }
        if (!readExactly(size, &r.body)) return r;
        std::string crlf;
        if (!readLine(&crlf) || !crlf.empty()) return r;
      }
    } else if (std::string cl = r.header("Content-Length"); !cl.empty()) {
      if (!readExactly(std::strtoull(cl.c_str(), nullptr, 10), &r.body)) return r;
    } else {
      while (fill()) {
      }
      r.body = std::move(in_);
      in_.clear();
    }
    r.status = status;
    return r;
  }

  // True when the origin closed the connection (EOF, or a reset) within the timeout.
  bool closedByPeer() {
    while (in_.empty()) {
      if (!fill()) return !timed_out_;
    }
    return false;
  }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms_) <= 0) {
      timed_out_ = true;
      return false;
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  bool readLine(std::string* line) {
    size_t eol;
    while ((eol = in_.find("\r\n")) == std::string::npos) {
      if (!fill()) return false;
    }
    *line = in_.substr(0, eol);
    in_.erase(0, eol + 2);
    return true;
  }
  bool readExactly(size_t n, std::string* out) {
    while (in_.size() < n) {
      if (!fill()) return false;
    }
    out->append(in_, 0, n);
    in_.erase(0, n);
    return true;
  }

  int fd_ = -1;
  int timeout_ms_;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string in_;
};

}  // namespace floodgate::origin::testing
