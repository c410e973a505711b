// The harness of the integration tests: real `floodgate` processes on ephemeral loopback ports, a
// real blocking HTTP/1.1 client, and a scripted upstream for answers the demo origin cannot give.
// Nothing here sleeps to wait for something: every wait polls a condition against a deadline.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace floodgate::integration {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Path of the floodgate binary under test ($FLOODGATE_BIN, else the one built beside the tests),
// and of the source tree (for examples/).
std::string floodgateBin();
std::string sourceDir();

// Calls `pred` every `interval` until it returns true (true) or `timeout` passes (false).
bool pollUntil(const std::function<bool()>& pred, milliseconds timeout,
               milliseconds interval = milliseconds(5));

// Writes `contents` to a new file in this test run's temporary directory (removed at exit) and
// returns its path; `name` is kept as the file name's suffix, so messages stay readable.
std::string writeTempFile(std::string_view name, std::string_view contents);
// Replaces `path` atomically (write beside it, then rename), so a reader never sees half a file.
void replaceFile(const std::string& path, std::string_view contents);

// FNV-1a, 64-bit, as the origin reports it for uploads.
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
uint64_t fnv1a(uint64_t hash, const char* data, size_t len);
std::string hex64(uint64_t v);  // 16 lower-case hex digits
// The value of a JSON string of hex digits (any case, any padding); nullopt if it is not one.
std::optional<uint64_t> hexValue(const nlohmann::json& j);
// FNV-1a of the first `n` bytes of the origin's generated body.
uint64_t originPatternFnv1a(uint64_t n);

// The origin's generated bodies: byte i is kOriginPatternLine[i % 64].
inline constexpr std::string_view kOriginPatternLine =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n";

// A child process with its stdout and stderr captured to files.
class Process {
 public:
  // `args[0]` is the program path. Returns null (with a test failure) if it cannot start.
  static std::unique_ptr<Process> start(std::vector<std::string> args);
  ~Process();  // SIGKILLs a process still running; dumps its output if the test failed

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& commandLine() const { return command_line_; }

  // Waits for a line of stdout (or stderr) matching `re` (std::regex_search); returns its
  // submatches (index 0: the whole match), or nullopt on timeout or if the process exits first.
  std::optional<std::vector<std::string>> waitForLine(const std::regex& re, milliseconds timeout,
                                                      bool from_stderr = false);
  std::string stdoutText() const;
  std::string stderrText() const;

  bool signal(int sig);
  bool running();
  // Exit code (128+N if killed by signal N), or nullopt if still running at the deadline.
  std::optional<int> waitExit(milliseconds timeout);
  // Peak resident set (VmHWM) in KiB, or -1 if unavailable (e.g. already exited).
  long peakRssKiB() const;
  long rssKiB() const;  // current VmRSS

 private:
  Process() = default;
  void reap(int status);

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string command_line_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// A started server and the port it announced.
struct Server {
  std::unique_ptr<Process> process;
  uint16_t port = 0;
  std::string config_path;  // set by startGatewayWithConfig
  bool ok() const { return process != nullptr && port != 0; }
};

// `floodgate origin --listen 127.0.0.1:0 ARGS...`, waiting for "origin listening on ...:PORT".
Server startOrigin(const std::vector<std::string>& args = {});
// `floodgate run ARGS...`, waiting for "floodgate listening on ...:PORT".
Server startGateway(const std::vector<std::string>& args);
// The quick start in front of `upstream_ports`.
Server startQuickGateway(const std::vector<uint16_t>& upstream_ports,
                         const std::vector<std::string>& extra = {});
// Writes `yaml` to a temporary file and runs `floodgate run -c FILE`.
Server startGatewayWithConfig(std::string_view yaml);
// The port of `gw`'s admin API, from its "floodgate admin API on 127.0.0.1:PORT" line (waiting
// up to 5 s); 0 when it does not say.
uint16_t adminPortOf(Server& gw);

// Runs floodgate with `args` to completion (at most `timeout`), for the CLI's one-shot commands.
struct CommandResult {
  int exit_code = -1;  // -1: did not finish in time
  std::string out;
  std::string err;
};
CommandResult runFloodgate(const std::vector<std::string>& args,
                           milliseconds timeout = seconds(10));

// One HTTP response as read by HttpClient.
struct Response {
  int status = 0;
  int minor_version = 1;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty when the body was only counted
  uint64_t body_bytes = 0;
  uint64_t body_fnv1a = kFnvOffset;
  // With ReadOptions::check_pattern: offset of the first byte that is not the origin's pattern.
  std::optional<uint64_t> pattern_mismatch_at;
  bool chunked = false;
  bool closes = false;  // Connection: close, HTTP/1.0 without keep-alive, or read-until-close

  std::string header(std::string_view name) const;  // first value, "" if absent
  bool hasHeader(std::string_view name) const;
  size_t headerCount(std::string_view name) const;
};

struct ReadOptions {
  bool head_request = false;   // the request was HEAD: no body whatever the framing says
  bool keep_body = true;       // false: count and hash the body without storing it
  bool check_pattern = false;  // compare the body with the origin's generated pattern
  bool hash = true;            // FNV-1a the body into Response::body_fnv1a
  size_t max_kept_body = 64 * 1024 * 1024;
};

// A real blocking client over one TCP connection to 127.0.0.1, with a deadline on every
// operation (`timeout` per call).
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, milliseconds timeout = seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool connect();  // (re)connects; false with error() set on failure
  void close();
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& error() const { return error_; }
  void setTimeout(milliseconds t) { timeout_ = t; }
  uint16_t localPort() const;

  bool send(std::string_view bytes);
  // Sends a body of `total` bytes produced by `next(buf, cap)` (returns bytes written, 0 at the
  // end), Content-Length framed (the head must carry the length) or chunked (with the terminal
  // chunk). Nothing is held beyond one piece.
  bool sendBody(const std::function<size_t(char*, size_t)>& next, bool chunked);
  // Reads one response (an interim 1xx one too: it has no body).
  std::optional<Response> readResponse(const ReadOptions& options = {});
  // True if the peer closes the connection (EOF or reset) within `timeout` with no more bytes;
  // false on timeout or if bytes arrive (error() says which).
  bool waitForPeerClose(milliseconds timeout);
  // Reads until at least `n` bytes are buffered (not consumed); false on timeout, EOF or error.
  bool waitForBytes(size_t n, milliseconds timeout);
  // Bytes received but not yet consumed by readResponse.
  size_t buffered() const { return in_.size() - in_pos_; }

  // Convenience: sends a request (with Host and Content-Length added when missing) on this
  // connection, reconnecting first if needed, and reads the final response (skipping 1xx). After
  // a response that closes, the next call reconnects.
  std::optional<Response> request(
      std::string_view method, std::string_view target,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::string_view body = {}, const ReadOptions& options = {});
  std::optional<Response> get(std::string_view target,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  bool fill(Clock::time_point deadline);  // reads more into in_; false on EOF/error/timeout
  bool readLine(std::string* line, Clock::time_point deadline, size_t max = 64 * 1024);
  bool readBodyBytes(uint64_t n, Response* r, const ReadOptions& o, Clock::time_point deadline);
  void consumeBody(const char* p, size_t n, Response* r, const ReadOptions& o);

  uint16_t port_;
  milliseconds timeout_;
  int fd_ = -1;
  bool must_reconnect_ = false;
  bool eof_ = false;
  std::string error_;
  std::string in_;
  size_t in_pos_ = 0;
};

// Deterministic body bytes that do not repeat on any power-of-two period, hashed as they are
// produced: a lost, duplicated or reordered piece changes the hash.
class BodySource {
 public:
  explicit BodySource(uint64_t total, uint32_t seed = 1);
  size_t next(char* buf, size_t cap);  // for HttpClient::sendBody
  uint64_t produced() const { return produced_; }
  uint64_t fnv1a() const { return hash_; }

 private:
  uint64_t total_;
  uint64_t produced_ = 0;
  uint64_t hash_ = kFnvOffset;
  std::shared_ptr<const std::string> block_;
};

// Requests the origin on `origin_port` has received, from its /__origin/stats (which does not
// count itself); -1 if it cannot be asked.
int64_t originRequestCount(uint16_t origin_port);

// What the origin on a port served and refused (its capacity's 503s), from /__origin/stats.
struct OriginTally {
  uint64_t served = 0;
  uint64_t refused = 0;
  double refusedShare() const {
    return served + refused == 0 ? 0 : static_cast<double>(refused) / (served + refused);
  }
  std::string str() const;  // "served N, refused M"
};
OriginTally originTally(uint16_t origin_port);

// Parses a response body as JSON; a test failure (and a discarded value) if it is not JSON.
nlohmann::json parseJson(std::string_view text);
// Header values in the JSON of the origin's /__origin/echo ("headers": [[name, value], ...]).
std::string echoHeader(std::string_view echo_json, std::string_view name);  // first, "" if none
size_t echoHeaderCount(std::string_view echo_json, std::string_view name);

// A socket bound to a loopback port that never listens: connecting to it is refused, and no
// other process can take the port while this lives. `Silent` listens with a backlog of one and
// never accepts: once that queue is full the kernel drops every SYN, so connecting hangs, as
// against a source the kernel drop has blocked.
class RefusingPort {
 public:
  enum Mode { kRefuse, kSilent };
  explicit RefusingPort(Mode mode = kRefuse);
  ~RefusingPort();
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A hand-written upstream: every request head it receives is recorded and answered with
// `response` (verbatim bytes), one connection per thread. With an empty response it never
// answers; with `close_after_response` it closes the connection after each (possibly empty)
// answer.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(std::string response, bool close_after_response = false);
  ~ScriptedUpstream();
  uint16_t port() const { return port_; }
  std::vector<std::string> requests() const;
  int connections() const { return connections_.load(); }

 private:
  void acceptLoop();
  void serve(int fd);

  std::string response_;
  bool close_after_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A gateway config: one listener on 127.0.0.1:0 with `workers` threads, a cluster "origin" of
// `endpoints` (if any) with `cluster_extra` (lines indented by 4) spliced in, `routes` (list
// items indented by 2) before a catch-all route to "origin", then top-level `extra` lines.
struct GatewayYaml {
  std::vector<uint16_t> endpoints;
  int workers = 1;
  std::string routes;
  std::string cluster_extra;
  std::string extra;
  std::string log_level = "info";
  std::string str() const;
};

// A gateway config (shield off, 2 workers) with one cluster "web" of two priority levels, the
// primary and the alternate, quick HTTP health checks (200 ms), outlier detection after 3
// connect failures and no panic. `extra` follows the alternate's endpoints: lines indented by 8
// for the alternate level (capacity: 90/s), by 4 for the cluster (slow_start: 3s).
std::string twoLevelConfig(uint16_t primary, uint16_t alternate, const std::string& extra = "");

// Connects to 127.0.0.1:port; true if a TCP connection is established within `timeout`.
bool canConnect(uint16_t port, milliseconds timeout = milliseconds(500));

// A blocking TCP connection to 127.0.0.1:port from the loopback address `source` (e.g.
// "127.0.0.9", so the shield sees another client), reads timing out after `read_timeout`.
// The descriptor, or -1 when binding or connecting failed.
int connectFromSource(const char* source, uint16_t port, seconds read_timeout = seconds(3));
// The IPv4 socket address `ip`:`port`.
sockaddr_in ipv4Address(const char* ip, uint16_t port);
// One GET of `path` (Connection: close) on a fresh connection from `source`; the status, or 0
// when there was no answer.
int getStatusFrom(const char* source, uint16_t port, const std::string& path = "/");

// A file's whole text ("" if it cannot be read).
std::string readFileText(const std::string& path);

// The storm lab from a test: the head of a scenario aimed at the gateway on `gw_port` and
// counting at the origin on `origin_port`; a run of `scenario` with a report, whose JSON it
// returns (null when there is none); one client group of that report (null if absent).
std::string stormHead(const std::string& name, uint16_t gw_port, uint16_t origin_port);
// `args` are added to the storm's command line.
nlohmann::json runStorm(const std::string& scenario, CommandResult* run,
                        const std::vector<std::string>& args = {},
                        milliseconds timeout = seconds(90));
// The same run started in the background, for a test that acts while the storm goes on.
struct StormRun {
  std::unique_ptr<Process> process;  // null if it could not start
  std::string report_dir;

  static StormRun start(const std::string& scenario, const std::vector<std::string>& args = {});
  // The report once the storm has exited (null on timeout or without one).
  nlohmann::json finish(milliseconds timeout);
};
const nlohmann::json& group(const nlohmann::json& report, const std::string& name);

}  // namespace floodgate::integration
