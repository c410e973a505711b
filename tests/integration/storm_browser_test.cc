// Storm's legitimate users behave like browsers where a challenge needs it: they follow a
// redirect and send back the cookie it set. Checked against a scripted challenge server: the
// first visit is sent to /__challenge, which sets a pass cookie and redirects back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

// Answers every request: a challenge pass sets the cookie and redirects to `next`; anything
// else needs the cookie (200) or is redirected to the challenge (302).
class ChallengeServer {
 public:
  ChallengeServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    listen(listen_fd_, 512);
    socklen_t len = sizeof(sin);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
    pipe2(wake_, O_CLOEXEC);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~ChallengeServer() {
    stopping_ = true;
    (void)!write(wake_[1], "x", 1);
    acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  uint16_t port() const { return port_; }
  int challenges() const { return challenges_; }
  int withCookie() const { return with_cookie_; }
  int withoutCookie() const { return without_cookie_; }

 private:
  void acceptLoop() {
    for (;;) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(p, 2, -1) <= 0) continue;
      if (p[1].revents) return;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string in;
    char buf[4096];
    for (;;) {
      pollfd p[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(p, 2, -1) <= 0) continue;
      if (p[1].revents && !(p[0].revents & POLLIN)) break;
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      size_t end;
      while ((end = in.find("\r\n\r\n")) != std::string::npos) {
        std::string head = in.substr(0, end);
        in.erase(0, end + 4);
        std::string reply = answer(head);
        (void)!send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
    }
    ::close(fd);
  }

  std::string answer(const std::string& head) {
    size_t sp = head.find(' ');
    std::string path = head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
    bool cookie = head.find("\r\nCookie: ") != std::string::npos &&
                  head.find("fg_pass=1") != std::string::npos;
    const std::string kChallenge = "/__challenge?next=";
    if (path.rfind(kChallenge, 0) == 0) {
      ++challenges_;
      return "HTTP/1.1 302 Found\r\nLocation: " + path.substr(kChallenge.size()) +
             "\r\nSet-Cookie: fg_pass=1; Path=/; HttpOnly\r\nContent-Length: 0\r\n\r\n";
    }
    if (cookie) {
      ++with_cookie_;
      return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    }
    ++without_cookie_;
    return "HTTP/1.1 302 Found\r\nLocation: " + kChallenge + path + "\r\nContent-Length: 0\r\n\r\n";
  }

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> challenges_{0}, with_cookie_{0}, without_cookie_{0};
  std::thread acceptor_;
  std::vector<std::thread> threads_;  // touched by the acceptor only, joined after it
};

TEST(StormBrowser, LegitimateUsersPassAChallengeAndKeepTheCookie) {
  ChallengeServer server;
  std::string scenario = writeTempFile("browser.yaml", R"(name: browser
threads: 1
drain: 1s
phases: [{ name: run, duration: 2s }]
clients:
  - { name: users, kind: legit, sources: 127.10.0.0/24, count: 10, rate: 20, paths: [/shop] }
  - name: bots
    kind: keepalive_flood
    sources: 127.66.0.0/24
    count: 2
    rate: 20
    paths: [/shop]
    phases: [run]
)");
  std::string dir = scenario + ".report";
  auto r = runFloodgate(
      {"storm", scenario, "--target", "http://127.0.0.1:" + std::to_string(server.port()),
       "--report", dir, "--quiet"},
      seconds(15));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(dir + "/report.json");
  std::stringstream text;
  text << in.rdbuf();
  auto report = parseJson(text.str());
  const auto& users = report["groups"][0]["counts"];
  const auto& bots = report["groups"][1]["counts"];
  // 40 page views, all ending in a 200: each user passed the challenge once (two redirects)...
  EXPECT_EQ(users["responses"].get<int>(), 40);
  EXPECT_EQ(users["status_2xx"].get<int>(), 40);
  EXPECT_EQ(users["redirects"].get<int>(), 20);
  EXPECT_EQ(server.challenges(), 10);
  // ... and sent the cookie from then on. The bots follow nothing and keep being redirected.
  EXPECT_EQ(server.withCookie(), 40);
  EXPECT_EQ(bots["status_3xx"].get<int>(), 40);
  EXPECT_EQ(bots["redirects"].get<int>(), 0);
  EXPECT_EQ(server.withoutCookie(), 10 + 40);
  EXPECT_EQ(report["derived"]["collateral_users"].get<int>(), 0);
}

}  // namespace
}  // namespace floodgate::integration
