// Kernel drop end to end: real gateway and origin processes, clients bound to their own
// 127.x.y.z addresses. A source the kernel drops never completes a TCP handshake (its SYN is
// dropped by the eBPF filter on the listener), where one refused at accept is reset after it.
// Needs CAP_BPF: without it the gateway says "kernel drop unavailable" and these tests skip.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

// Whether a TCP handshake from `source` to 127.0.0.1:port completes within `timeout`.
bool handshakes(const char* source, uint16_t port, milliseconds timeout = milliseconds(400)) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in local = ipv4Address(source, 0);
  sockaddr_in remote = ipv4Address("127.0.0.1", port);
  bool ok = false;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0) {
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote));
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      ok = ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
           ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  ::close(fd);
  return ok;
}

// One GET on a fresh connection from `source`; the status, 0 when there was no answer.
int getFrom(const char* source, uint16_t port, const std::string& path) {
  if (!handshakes(source, port)) return 0;  // cheap first: a dropped SYN would block below
  return getStatusFrom(source, port, path);
}

// Keep-alive GETs of a path the origin answers 404 (no success: never known-good) on `fd`, each
// sent as soon as the last is answered, counting the answers with status `refusal`, until
// `until`, `stop`, `max` requests or the connection stalls (a read timeout) or is closed.
void askUntilCut(int fd, Clock::time_point until, const std::atomic<bool>& stop,
                 std::atomic<int>* refused, int max = INT_MAX, std::string_view refusal = "429") {
  std::string req = "GET /__origin/status/404 HTTP/1.1\r\nHost: kernel.test\r\n\r\n";
  char buf[4096];
  for (int i = 0; i < max && Clock::now() < until && !stop.load(); ++i) {
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);  // small answers: one read each
    if (n <= 0) break;
    if (n >= 12 && std::string_view(buf + 9, 3) == refusal) ++*refused;
  }
}

struct GatewayUnderTest {
  Server origin;
  Server gateway;
  uint16_t admin_port = 0;
  bool kernel = false;  // the filter loaded
};

GatewayUnderTest start(const std::string& shield) {
  GatewayUnderTest s;
  s.origin = startOrigin();
  if (!s.origin.ok()) return s;
  GatewayYaml y;
  y.endpoints = {s.origin.port};
  y.workers = 2;
  // The flooder's path: the origin answers it 404, so the flooder never has a success (which
  // would make it known-good, and a known-good client is never escalated).
  y.routes = "  - { name: api, match: { path_prefix: /__origin/status/ }, cluster: origin }\n";
  y.extra = "admin: { listen: 127.0.0.1:0 }\n" + shield;
  s.gateway = startGatewayWithConfig(y.str());
  if (!s.gateway.ok()) return s;
  s.admin_port = adminPortOf(s.gateway);
  auto loaded = s.gateway.process->waitForLine(
      std::regex("kernel drop: eBPF socket filter loaded|kernel drop unavailable"), seconds(5),
      true);
  s.kernel = loaded && (*loaded)[0].find("loaded") != std::string::npos;
  return s;
}

// floodgate_rejections_total{stage="kernel",reason=REASON} from /metrics; -1 when absent.
double kernelDrops(uint16_t admin_port, const std::string& reason) {
  HttpClient c(admin_port);
  auto r = c.get("/metrics");
  if (!r || r->status != 200) return -1;
  std::string key = "floodgate_rejections_total{stage=\"kernel\",reason=\"" + reason + "\"} ";
  size_t at = r->body.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(r->body.substr(at + key.size()));
}

// What another source got while a flood ran: requests answered 200, of those asked.
struct Served {
  int served = 0;
  int asked = 0;
};

// `user` asks for / once every 50 ms on a fresh connection until `dropped` (at most `max` times).
Served askWhileFlooded(const GatewayUnderTest& s, const char* user,
                       const std::atomic<bool>& dropped, int max) {
  Served r;
  while (!dropped.load() && r.asked < max) {
    ++r.asked;
    r.served += getFrom(user, s.gateway.port, "/") == 200 ? 1 : 0;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return r;
}

#define KERNEL_OR_SKIP(s) \
  if (!(s).kernel) GTEST_SKIP() << "kernel drop unavailable (no CAP_BPF): see the gateway's log"

TEST(KernelDropTest, BlocklistedSourceNeverCompletesAHandshake) {
  GatewayUnderTest s = start("shield: { blocklist: [127.0.66.0/24] }\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  EXPECT_FALSE(handshakes("127.0.66.9", s.gateway.port));
  EXPECT_TRUE(handshakes("127.0.67.9", s.gateway.port));
  EXPECT_EQ(getFrom("127.0.67.9", s.gateway.port, "/"), 200);
  EXPECT_TRUE(pollUntil([&] { return kernelDrops(s.admin_port, "blocklist") >= 1; }, seconds(3),
                        milliseconds(100)));
}

// A source flooding a rate-limited path gets 429s; after escalate_after ticks over the rate the
// kernel drops it: its connections stop being accepted and the kernel counter grows, while a
// legitimate source keeps being served. After the penalty it is let in again. The tarpit is off
// here: this is escalation by the rate of 429s alone (the next test is the tarpit's way).
TEST(KernelDropTest, FloodingSourceEscalatesToTheKernelWhileOthersAreServed) {
  GatewayUnderTest s = start(
      "shield:\n"
      "  tarpit_after: 0\n"
      "  rate_limits: [{ key: source, rate: 5/s, burst: 5, routes: [api] }]\n"
      "  kernel_drop: { escalate_rate: 20, escalate_after: 2, penalty: 4s }\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  const char* flooder = "127.0.50.1";
  const char* user = "127.0.60.1";

  // The flood: keep-alive GETs as fast as they are answered, reconnecting when needed, until
  // the handshake stops completing (or 10 s, the bound).
  std::atomic<int> refused{0};
  std::atomic<bool> dropped{false};
  std::thread flood([&] {
    auto until = Clock::now() + seconds(10);
    while (Clock::now() < until && !dropped.load()) {
      if (!handshakes(flooder, s.gateway.port)) {
        dropped = true;
        break;
      }
      int fd = connectFromSource(flooder, s.gateway.port, seconds(1));
      if (fd < 0) continue;
      askUntilCut(fd, until, dropped, &refused, 2000);
      ::close(fd);
    }
  });
  Served meanwhile = askWhileFlooded(s, user, dropped, 200);
  flood.join();
  ASSERT_TRUE(dropped.load()) << "the flooder was never dropped (" << refused.load() << " 429s)";
  EXPECT_GT(refused.load(), 40);
  EXPECT_EQ(meanwhile.served, meanwhile.asked)
      << "the legitimate source was refused while the flood ran";
  EXPECT_FALSE(handshakes(flooder, s.gateway.port));
  EXPECT_EQ(getFrom(user, s.gateway.port, "/web"), 200);
  EXPECT_TRUE(pollUntil([&] { return kernelDrops(s.admin_port, "escalated") >= 2; }, seconds(3),
                        milliseconds(100)));
  EXPECT_TRUE(s.gateway.process->waitForLine(std::regex("escalation: 127\\.0\\.50\\.1 refused"),
                                             seconds(1), true));
  // The penalty ends: the source may connect again (and would be escalated for longer).
  EXPECT_TRUE(pollUntil([&] { return handshakes(flooder, s.gateway.port); }, seconds(8),
                        milliseconds(200)));
}

// What a keep-alive flood tool got and what another source got meanwhile.
struct LadderRun {
  int refused = 0;  // answers with the refusal's status
  bool dropped = false;
  bool still_dropped = false;  // a fresh handshake failed too, as soon as the drop was seen
  // From the flood's start to the gateway's escalation line (max: none in 25 s).
  Clock::duration escalated_after = Clock::duration::max();
  Served user;
};

// The flood tool of the ladder's tests: a few keep-alive connections from `flooder`, each asking
// again as soon as it is answered (a hold is waited out: 5 s read timeout), reconnecting when
// cut, until its handshake stops completing (or 25 s, the bound); and `user` asking once every
// 50 ms meanwhile.
LadderRun floodUntilDropped(const GatewayUnderTest& s, const char* flooder, const char* user,
                            std::string_view refusal) {
  constexpr int kConnections = 4;
  std::atomic<int> refused{0};
  std::atomic<bool> dropped{false};
  std::vector<std::thread> flood;
  LadderRun run;
  const auto started = Clock::now();
  std::thread watch([&] {
    std::string address = std::regex_replace(std::string(flooder), std::regex("\\."), "\\.");
    if (s.gateway.process->waitForLine(std::regex("escalation: " + address + " "), seconds(25),
                                       true)) {
      run.escalated_after = Clock::now() - started;
    }
  });
  for (int c = 0; c < kConnections; ++c) {
    flood.emplace_back([&] {
      auto until = Clock::now() + seconds(25);
      for (int conn = 0; conn < 20 && Clock::now() < until && !dropped.load(); ++conn) {
        int fd = connectFromSource(flooder, s.gateway.port, seconds(5));
        if (fd < 0) {
          if (!handshakes(flooder, s.gateway.port)) dropped = true;
          continue;
        }
        askUntilCut(fd, until, dropped, &refused, INT_MAX, refusal);
        ::close(fd);
      }
    });
  }
  run.user = askWhileFlooded(s, user, dropped, 500);
  // At once: joining the flood may wait out a connect (5 s) of each connection, and the first
  // penalty is 10 s.
  run.still_dropped = dropped.load() && !handshakes(flooder, s.gateway.port);
  for (auto& t : flood) t.join();
  watch.join();
  run.refused = refused.load();
  run.dropped = dropped.load();
  return run;
}

// After floodUntilDropped: `flooder` was escalated for defying its holds, which there were — in
// a few seconds: defy_after (2 s) of defiance, not escalate_after (10 s) — its SYNs were dropped
// and `user` is still served.
void expectEscalatedForDefiance(const GatewayUnderTest& s, const LadderRun& run,
                                const std::string& flooder, const char* user) {
  EXPECT_TRUE(run.still_dropped);
  std::printf("%s escalated %.1f s into its flood\n", flooder.c_str(),
              std::chrono::duration<double>(run.escalated_after).count());
  EXPECT_LT(run.escalated_after, seconds(6));
  EXPECT_EQ(getFrom(user, s.gateway.port, "/"), 200);
  std::string address = std::regex_replace(flooder, std::regex("\\."), "\\.");
  EXPECT_TRUE(s.gateway.process->waitForLine(
      std::regex("escalation: " + address + " refused .* before their Retry-After"), seconds(1),
      true));
  HttpClient api(s.admin_port);
  auto metrics = api.get("/metrics");
  ASSERT_TRUE(metrics.has_value());
  std::smatch holds;
  ASSERT_TRUE(std::regex_search(metrics->body, holds,
                                std::regex("\nfloodgate_tarpit_holds_total ([0-9]+)")));
  EXPECT_GT(std::stoi(holds[1]), 0);
  EXPECT_TRUE(pollUntil([&] { return kernelDrops(s.admin_port, "escalated") >= 1; }, seconds(3),
                        milliseconds(100)));
}

// The refusal ladder with the defaults (tarpit_after, escalate_rate, escalate_after): a
// keep-alive flood tool on a few connections, each asking again as soon as it is answered, draws
// 429s until the tarpit holds its connections; that holds it far under escalate_rate, but it
// keeps sending before its Retry-After, which escalates it: its held connections are cut and its
// SYNs dropped in the kernel, while another source is served all along.
TEST(KernelDropTest, TarpittedKeepAliveFlooderIsDroppedInTheKernelWithTheDefaults) {
  GatewayUnderTest s =
      start("shield:\n  rate_limits: [{ key: source, rate: 5/s, burst: 5, routes: [api] }]\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  LadderRun run = floodUntilDropped(s, "127.0.51.1", "127.0.61.1", "429");
  ASSERT_TRUE(run.dropped) << "the flooder was never dropped (" << run.refused << " 429s)";
  EXPECT_EQ(run.user.served, run.user.asked) << "the other source was refused while the flood ran";
  expectEscalatedForDefiance(s, run, "127.0.51.1", "127.0.61.1");
}

// The same ladder when the refusal is a challenge (a pinned operator rule here; the detector's
// in a real flood) rather than a rate limit: a flood tool that never keeps the cookie is held a
// second at a time after tarpit_after challenges in a row, keeps sending while held, and is
// dropped in the kernel, while another source is served all along.
TEST(KernelDropTest, ChallengeIgnoringKeepAliveFlooderIsDroppedInTheKernelWithTheDefaults) {
  GatewayUnderTest s = start(
      "governor:\n"
      "  rules: [{ name: no-cookies, source: 127.0.52.0/24, action: challenge, rate: 1/s,\n"
      "            pinned: true }]\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  LadderRun run = floodUntilDropped(s, "127.0.52.1", "127.0.62.1", "302");
  ASSERT_TRUE(run.dropped) << "the flooder was never dropped (" << run.refused << " 302s)";
  EXPECT_GT(run.refused, 8);
  EXPECT_EQ(run.user.served, run.user.asked) << "the other source was refused while the flood ran";
  expectEscalatedForDefiance(s, run, "127.0.52.1", "127.0.62.1");
}

struct NetworkCut {
  bool cut = false;
  Served user;
};

// While `flood` runs against networks (its threads end once `stop` is set): `user`, of another
// network, asks every 50 ms, and `bystanders`, one of each flood's network and never sending a
// byte, try handshakes until each has had one fail (at most 10 s in all). Then the flood is
// stopped and joined.
NetworkCut untilTheNetworkIsCut(const GatewayUnderTest& s,
                                std::vector<const char*> bystanders, const char* user,
                                std::atomic<bool>& stop, std::vector<std::thread>& flood) {
  NetworkCut r;
  std::atomic<bool> user_done{false};
  std::thread users([&] { r.user = askWhileFlooded(s, user, user_done, 150); });
  r.cut = pollUntil(
      [&] {
        std::erase_if(bystanders, [&](const char* b) { return !handshakes(b, s.gateway.port); });
        return bystanders.empty();
      },
      seconds(10), milliseconds(100));
  stop = true;
  user_done = true;
  for (auto& t : flood) t.join();
  users.join();
  return r;
}

// The network ladder: a flood spread over forty sources of one /24, each refused (a challenge
// none of them keeps the cookie of) but none heavy on its own, has its whole network dropped at
// the SYN — an address of it that never sent a byte cannot connect — while a source of another
// network is served all along, and the penalty ends.
TEST(KernelDropTest, AFloodSpreadOverANetworkHasTheNetworkDroppedInTheKernel) {
  GatewayUnderTest s = start(
      "governor:\n"
      "  rules: [{ name: no-cookies, source: 127.0.53.0/24, action: challenge, rate: 1/s,\n"
      "            pinned: true }]\n"
      "shield:\n"
      "  tarpit_after: 0\n"
      "  kernel_drop: { penalty: 4s }\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  constexpr int kSources = 40;
  std::atomic<int> refused{0};
  std::atomic<bool> dropped{false};
  std::vector<std::thread> flood;
  for (int i = 1; i <= kSources; ++i) {
    flood.emplace_back([&, i] {
      std::string source = "127.0.53." + std::to_string(i);
      auto until = Clock::now() + seconds(12);
      for (int conn = 0; conn < 20 && Clock::now() < until && !dropped.load(); ++conn) {
        int fd = connectFromSource(source.c_str(), s.gateway.port, seconds(1));
        if (fd < 0) continue;
        askUntilCut(fd, until, dropped, &refused, INT_MAX, "302");
        // Aborted, not closed: a closed connection's unanswered requests are sent again (TCP
        // retransmits them) once the probation lets their source through, and, refused again,
        // they rightly put the network straight back, where this test wants it let go.
        linger abort{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
        ::close(fd);
      }
    });
  }
  const char* bystander = "127.0.53.200";  // in the network, never sent anything
  auto [cut, user] = untilTheNetworkIsCut(s, {bystander}, "127.0.63.1", dropped, flood);
  ASSERT_TRUE(cut) << "the network was never dropped (" << refused.load() << " 302s)";
  EXPECT_GT(refused.load(), 100);
  EXPECT_EQ(user.served, user.asked) << "the other network's source was refused meanwhile";
  EXPECT_TRUE(s.gateway.process->waitForLine(
      std::regex("escalation: 127\\.0\\.53\\.0/24: all but 1% of its requests refused"),
      seconds(1), true));
  EXPECT_FALSE(s.gateway.process->waitForLine(std::regex("escalation: 127\\.0\\.53\\.[0-9]+ "),
                                              milliseconds(1), true))
      << "a single source of the spread flood was escalated";
  EXPECT_TRUE(pollUntil([&] { return kernelDrops(s.admin_port, "escalated") >= 1; }, seconds(3),
                        milliseconds(100)));
  HttpClient api(s.admin_port);
  auto shield = api.get("/api/v1/shield");
  ASSERT_TRUE(shield.has_value());
  EXPECT_NE(shield->body.find("\"prefix\":\"127.0.53.0/24\""), std::string::npos) << shield->body;
  EXPECT_EQ(getFrom("127.0.63.2", s.gateway.port, "/"), 200);
  // The penalty ends, and a probation as long follows (one source in eight passes the kernel):
  // the admin API shows it; then, nothing refused meanwhile, the network may connect again.
  std::string seen;
  EXPECT_TRUE(pollUntil(
      [&] {
        auto now = api.get("/api/v1/shield");
        if (!now) return false;
        const auto probation = parseJson(now->body)["kernel_drop"]["probation"];
        seen = probation.dump();
        for (const auto& p : probation) {
          if (p["prefix"] == "127.0.53.0/24" && p["passes"] == "1 in 8") return true;
        }
        return false;
      },
      seconds(8), milliseconds(200)))
      << seen;
  EXPECT_TRUE(pollUntil([&] { return handshakes(bystander, s.gateway.port); }, seconds(8),
                        milliseconds(200)));
}

// A connection of a connection-level flood from `source`: it sends nothing (`slow` false) or a
// byte every 100 ms (slowloris), until the gateway closes it (at most 4 s). Whether it was closed.
bool holdUntilClosed(const char* source, uint16_t port, bool slow) {
  int fd = connectFromSource(source, port, seconds(1));
  if (fd < 0) return false;
  bool closed = false;
  for (auto until = Clock::now() + seconds(4); !closed && Clock::now() < until;) {
    if (slow && ::send(fd, "G", 1, MSG_NOSIGNAL) != 1) closed = true;
    pollfd p{fd, POLLIN, 0};
    char buf[512];
    if (::poll(&p, 1, 100) == 1 && ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0) closed = true;
  }
  ::close(fd);
  return closed;
}

// Forty sources of each of two /24s (`slow`, `silent`: "127.0.54.") each holding two
// connections at a time, holdUntilClosed, until `stop` (12 s at most); `closed` counts those
// the gateway closed.
std::vector<std::thread> holdFromTwoNetworks(const std::string& slow, const std::string& silent,
                                             uint16_t port, std::atomic<int>& closed,
                                             std::atomic<bool>& stop) {
  std::vector<std::thread> flood;
  for (int i = 0; i < 160; ++i) {
    flood.emplace_back([&, slow, silent, port, i] {
      const bool trickle = i % 2 == 1;
      std::string source = (trickle ? slow : silent) + std::to_string(i / 4 + 1);
      for (auto until = Clock::now() + seconds(12); Clock::now() < until && !stop.load();) {
        closed += holdUntilClosed(source.c_str(), port, trickle) ? 1 : 0;
      }
    });
  }
  return flood;
}

// The gateway logged the escalation of the network 127.0.`third`.0/24 on its refusals.
bool networkEscalated(const GatewayUnderTest& s, const char* third) {
  return s.gateway.process
      ->waitForLine(std::regex(std::string("escalation: 127\\.0\\.") + third +
                               "\\.0/24: all but 1% of its requests refused"),
                    seconds(1), true)
      .has_value();
}

// The gateway's request-stage refusals for `reason` so far (0 when it has none; -1: no metrics).
double requestRejections(uint16_t admin_port, const char* reason) {
  auto metrics = HttpClient(admin_port).get("/metrics");
  if (!metrics) return -1;
  std::string key = "floodgate_rejections_total{stage=\"request\",reason=\"";
  key.append(reason).append("\"} ");
  size_t at = metrics->body.find(key);
  return at == std::string::npos ? 0 : std::stod(metrics->body.substr(at + key.size()));
}

// The network ladder against connection-level floods: forty sources of each of two /24s hold
// connections that never finish a head — those of one network send nothing, those of the other
// a byte every 100 ms — each closed by its deadline (header_read_timeout from accept) or for its
// rate (min_request_rate). Not one request: each network is dropped on its connections refused,
// at the SYN, while a source of another network is served all along.
TEST(KernelDropTest, ANetworkOfConnectionsThatNeverFinishAHeadIsDroppedInTheKernel) {
  GatewayUnderTest s = start(
      "limits: { header_read_timeout: 1s }\n"
      "shield:\n"
      "  min_rate_grace: 500ms\n"
      "  kernel_drop: { penalty: 4s }\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  // A keep-alive connection of the network, served once before the flood and idle since: it
  // is closed when the network is dropped (else it would stall, and its next requests wait for
  // the penalty's end), and with a reset: a FIN would never be acknowledged through the filter,
  // and the gateway's kernel would send it again and again from an orphaned socket.
  int before = connectFromSource("127.0.54.201", s.gateway.port, seconds(2));
  ASSERT_GE(before, 0);
  const std::string get = "GET / HTTP/1.1\r\nHost: kernel.test\r\n\r\n";
  char buf[4096];
  ASSERT_EQ(::send(before, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  ASSERT_GT(::recv(before, buf, sizeof(buf), 0), 12);
  ASSERT_EQ(std::string_view(buf + 9, 3), "200");
  std::atomic<int> closed{0};
  std::atomic<bool> dropped{false};
  std::vector<std::thread> flood =
      holdFromTwoNetworks("127.0.54.", "127.0.55.", s.gateway.port, closed, dropped);
  auto [cut, user] =
      untilTheNetworkIsCut(s, {"127.0.54.200", "127.0.55.200"}, "127.0.64.1", dropped, flood);
  ASSERT_TRUE(cut) << "the network was never dropped (" << closed.load() << " closed)";
  EXPECT_GT(closed.load(), 40);
  EXPECT_EQ(user.served, user.asked) << "the other network's source was refused meanwhile";
  for (const char* network : {"54", "55"}) EXPECT_TRUE(networkEscalated(s, network)) << network;
  pollfd p{before, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 2000), 1) << "the served connection was left open";
  const ssize_t got = ::recv(before, buf, sizeof(buf), MSG_DONTWAIT);
  const int why = errno;
  EXPECT_EQ(got, -1) << (got == 0 ? "closed with a FIN, not a reset" : "it got an answer");
  EXPECT_EQ(why, ECONNRESET) << std::strerror(why);
  ::close(before);
  for (const char* reason : {"header_timeout", "slow_request"}) {
    EXPECT_GT(requestRejections(s.admin_port, reason), 0) << reason;
  }
  EXPECT_EQ(getFrom("127.0.64.2", s.gateway.port, "/"), 200);
}

// The same two networks against the default deadlines (10 s for a first head, 5 s of grace
// before the minimum rate is judged), each connection given up by its client 4 s in: not one
// lives to be refused. A second in, each is counted against its network (silent, or a head
// under the minimum rate), and on that alone the networks are dropped at the SYN and their
// connections closed, while a source of another network is served all along.
TEST(KernelDropTest, ANetworkOfSlowConnectionsIsDroppedBeforeTheirOwnDeadlines) {
  GatewayUnderTest s = start("shield:\n  kernel_drop: { penalty: 4s }\n");
  ASSERT_TRUE(s.gateway.ok() && s.admin_port != 0);
  KERNEL_OR_SKIP(s);
  std::atomic<int> closed{0};
  std::atomic<bool> dropped{false};
  std::vector<std::thread> flood =
      holdFromTwoNetworks("127.0.56.", "127.0.57.", s.gateway.port, closed, dropped);
  auto [cut, user] =
      untilTheNetworkIsCut(s, {"127.0.56.200", "127.0.57.200"}, "127.0.68.1", dropped, flood);
  ASSERT_TRUE(cut) << "the network was never dropped (" << closed.load() << " closed)";
  EXPECT_GT(closed.load(), 40) << "the held connections were not closed at the drop";
  EXPECT_EQ(user.served, user.asked) << "the other network's source was refused meanwhile";
  for (const char* network : {"56", "57"}) EXPECT_TRUE(networkEscalated(s, network)) << network;
  for (const char* reason : {"header_timeout", "slow_request"}) {
    EXPECT_EQ(requestRejections(s.admin_port, reason), 0)
        << reason << ": a connection lived to its own deadline";
  }
  EXPECT_EQ(getFrom("127.0.68.2", s.gateway.port, "/"), 200);
}

}  // namespace
}  // namespace floodgate::integration
