#include "integration/support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace floodgate::integration {
namespace {

namespace fs = std::filesystem;

// This run's temporary directory, removed when the test binary exits.
class RunDir {
 public:
  RunDir() {
    std::string tmpl = (fs::temp_directory_path() / "floodgate-integ-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~RunDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string next(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    return (fs::path(path_) / (std::to_string(++counter_) + "-" + std::string(name))).string();
  }

 private:
  std::mutex mu_;
  std::string path_;
  int counter_ = 0;
};

RunDir& runDir() {
  static RunDir dir;
  return dir;
}

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : "...\n" + text.substr(text.size() - n);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True if the comma-separated `list` holds `token` (any case).
bool listHas(std::string_view list, std::string_view token) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    if (equalsIgnoreCase(trim(list.substr(pos, comma - pos)), token)) return true;
    pos = comma + 1;
  }
  return false;
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

int connectLoopback(uint16_t port, milliseconds timeout, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc < 0 && errno != EINPROGRESS) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (rc < 0) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n <= 0) {
      *error = n == 0 ? "connect: timed out" : std::string("poll: ") + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      *error = std::string("connect: ") + std::strerror(err);
      ::close(fd);
      return -1;
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

uint16_t boundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

// Writes all of `data` to a non-blocking socket, waiting for room up to `deadline`.
bool writeAll(int fd, const char* data, size_t len, Clock::time_point deadline,
              std::string* error) {
  while (len > 0) {
    ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      int left = remainingMs(deadline);
      if (left == 0 || ::poll(&p, 1, left) == 0) {
        *error = "send: timed out";
        return false;
      }
      continue;
    }
    *error = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

Server waitForPort(std::unique_ptr<Process> proc, const std::regex& re) {
  Server s;
  if (!proc) return s;
  auto m = proc->waitForLine(re, seconds(15));
  if (!m) {
    ADD_FAILURE() << "`" << proc->commandLine() << "` did not announce its port\nstdout:\n"
                  << tail(proc->stdoutText(), 2000) << "\nstderr:\n"
                  << tail(proc->stderrText(), 2000);
    s.process = std::move(proc);
    return s;
  }
  s.port = static_cast<uint16_t>(std::stoi((*m)[1]));
  s.process = std::move(proc);
  return s;
}

}  // namespace

std::string floodgateBin() {
  // FLOODGATE_BIN in the environment runs the suite against another build (e.g. a sanitizer one).
  const char* env = std::getenv("FLOODGATE_BIN");
  return env != nullptr && *env != '\0' ? env : FLOODGATE_BIN;
}
std::string sourceDir() { return FLOODGATE_SOURCE_DIR; }

bool pollUntil(const std::function<bool()>& pred, milliseconds timeout, milliseconds interval) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string writeTempFile(std::string_view name, std::string_view contents) {
  std::string path = runDir().next(name);
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return path;
}

void replaceFile(const std::string& path, std::string_view contents) {
  std::string tmp = path + ".next";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  }
  std::filesystem::rename(tmp, path);
}

uint64_t fnv1a(uint64_t hash, const char* data, size_t len) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  for (size_t i = 0; i < len; ++i) {
    hash ^= p[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<uint64_t> hexValue(const nlohmann::json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string s = j.get<std::string>();
  if (s.empty() || s.size() > 16) return std::nullopt;
  char* end = nullptr;
  uint64_t v = std::strtoull(s.c_str(), &end, 16);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

uint64_t originPatternFnv1a(uint64_t n) {
  std::string block;
  while (block.size() < 64 * 1024) block.append(kOriginPatternLine);
  uint64_t h = kFnvOffset;
  while (n > 0) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, block.size()));
    h = fnv1a(h, block.data(), take);
    n -= take;
  }
  return h;
}

// ---- Process ----

std::unique_ptr<Process> Process::start(std::vector<std::string> args) {
  std::unique_ptr<Process> p(new Process());
  p->command_line_ = joinArgs(args);
  std::string base = fs::path(args[0]).filename().string();
  p->stdout_path_ = runDir().next(base + ".stdout");
  p->stderr_path_ = runDir().next(base + ".stderr");
  int out = ::open(p->stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(p->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    ADD_FAILURE() << "cannot create output files for " << p->command_line_;
    return nullptr;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child must not outlive a crashed test binary.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out, 1);
    ::dup2(err, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return nullptr;
  }
  p->pid_ = pid;
  return p;
}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  // Run against a sanitizer build (FLOODGATE_BIN), any report fails the test that caused it.
  std::string err = stderrText();
  for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             "WARNING: ThreadSanitizer", "runtime error: "}) {
    size_t at = err.find(report);
    if (at != std::string::npos) {
      ADD_FAILURE() << "`" << command_line_ << "` reported: " << err.substr(at, 4000);
      break;
    }
  }
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- `%s` stdout ----\n%s\n---- stderr ----\n%s\n----\n",
                 command_line_.c_str(), tail(stdoutText(), 3000).c_str(),
                 tail(stderrText(), 3000).c_str());
  }
}

std::optional<std::vector<std::string>> Process::waitForLine(const std::regex& re,
                                                             milliseconds timeout,
                                                             bool from_stderr) {
  const std::string& path = from_stderr ? stderr_path_ : stdout_path_;
  std::optional<std::vector<std::string>> found;
  auto scan = [&] {
    std::string text = readWholeFile(path);
    size_t pos = 0;
    while (true) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;
      std::string line = text.substr(pos, nl - pos);
      std::smatch m;
      if (std::regex_search(line, m, re)) {
        std::vector<std::string> groups;
        for (const auto& g : m) groups.push_back(g.str());
        found = std::move(groups);
        return true;
      }
      pos = nl + 1;
    }
    return false;
  };
  pollUntil(
      [&] {
        if (scan()) return true;
        if (!running()) {
          scan();
          return true;
        }
        return false;
      },
      timeout);
  return found;
}

std::string Process::stdoutText() const { return readWholeFile(stdout_path_); }
std::string Process::stderrText() const { return readWholeFile(stderr_path_); }

bool Process::signal(int sig) { return pid_ > 0 && !exited_ && ::kill(pid_, sig) == 0; }

void Process::reap(int status) {
  exited_ = true;
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_code_ = 128 + WTERMSIG(status);
  }
}

bool Process::running() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return true;
}

std::optional<int> Process::waitExit(milliseconds timeout) {
  pollUntil([&] { return !running(); }, timeout, milliseconds(2));
  if (!exited_) return std::nullopt;
  return exit_code_;
}

namespace {
long statusField(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}
}  // namespace

long Process::peakRssKiB() const { return exited_ ? -1 : statusField(pid_, "VmHWM"); }
long Process::rssKiB() const { return exited_ ? -1 : statusField(pid_, "VmRSS"); }

Server startOrigin(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {floodgateBin(), "origin", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return waitForPort(Process::start(argv),
                     std::regex(R"(origin listening on 127\.0\.0\.1:([0-9]+))"));
}

Server startGateway(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {floodgateBin(), "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  return waitForPort(Process::start(argv),
                     std::regex(R"(floodgate listening on 127\.0\.0\.1:([0-9]+))"));
}

Server startQuickGateway(const std::vector<uint16_t>& upstream_ports,
                         const std::vector<std::string>& extra) {
  std::string to;
  for (uint16_t p : upstream_ports) {
    if (!to.empty()) to += ',';
    to += "127.0.0.1:" + std::to_string(p);
  }
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--to", to};
  args.insert(args.end(), extra.begin(), extra.end());
  return startGateway(args);
}

Server startGatewayWithConfig(std::string_view yaml) {
  std::string path = writeTempFile("floodgate.yaml", yaml);
  Server s = startGateway({"-c", path});
  s.config_path = path;
  return s;
}

uint16_t adminPortOf(Server& gw) {
  auto m = gw.process->waitForLine(std::regex(R"(floodgate admin API on 127\.0\.0\.1:([0-9]+))"),
                                   seconds(5));
  return m ? static_cast<uint16_t>(std::stoi((*m)[1])) : 0;
}

CommandResult runFloodgate(const std::vector<std::string>& args, milliseconds timeout) {
  std::vector<std::string> argv = {floodgateBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r;
  auto p = Process::start(argv);
  if (!p) return r;
  auto code = p->waitExit(timeout);
  r.exit_code = code.value_or(-1);
  r.out = p->stdoutText();
  r.err = p->stderrText();
  return r;
}

// ---- Response ----

std::string Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (equalsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool Response::hasHeader(std::string_view name) const { return headerCount(name) > 0; }

size_t Response::headerCount(std::string_view name) const {
  size_t c = 0;
  for (const auto& [n, v] : headers) c += equalsIgnoreCase(n, name) ? 1 : 0;
  return c;
}

// ---- HttpClient ----

HttpClient::HttpClient(uint16_t port, milliseconds timeout) : port_(port), timeout_(timeout) {
  connect();
}

HttpClient::~HttpClient() { close(); }

bool HttpClient::connect() {
  close();
  error_.clear();
  fd_ = connectLoopback(port_, timeout_, &error_);
  return fd_ >= 0;
}

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  in_.clear();
  in_pos_ = 0;
  eof_ = false;
  must_reconnect_ = false;
}

uint16_t HttpClient::localPort() const { return fd_ < 0 ? 0 : boundPort(fd_); }

bool HttpClient::send(std::string_view bytes) {
  if (fd_ < 0) {
    error_ = "send: not connected";
    return false;
  }
  return writeAll(fd_, bytes.data(), bytes.size(), Clock::now() + timeout_, &error_);
}

bool HttpClient::sendBody(const std::function<size_t(char*, size_t)>& next, bool chunked) {
  if (fd_ < 0) {
    error_ = "send: not connected";
    return false;
  }
  constexpr size_t kPiece = 256 * 1024;
  std::vector<char> buf(kPiece);
  while (true) {
    size_t n = next(buf.data(), buf.size());
    // The deadline is per piece: a long body is fine as long as it keeps moving.
    auto deadline = Clock::now() + timeout_;
    if (n == 0) break;
    if (chunked) {
      char size_line[32];
      int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
      if (!writeAll(fd_, size_line, static_cast<size_t>(len), deadline, &error_)) return false;
    }
    if (!writeAll(fd_, buf.data(), n, deadline, &error_)) return false;
    if (chunked && !writeAll(fd_, "\r\n", 2, deadline, &error_)) return false;
  }
  if (chunked) return writeAll(fd_, "0\r\n\r\n", 5, Clock::now() + timeout_, &error_);
  return true;
}

bool HttpClient::fill(Clock::time_point deadline) {
  if (fd_ < 0) {
    error_ = "read: not connected";
    return false;
  }
  if (eof_) {
    error_ = "read: connection closed by peer";
    return false;
  }
  if (in_pos_ > 0 && in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ > (1 << 20)) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  constexpr size_t kRead = 256 * 1024;
  while (true) {
    size_t old = in_.size();
    in_.resize(old + kRead);
    ssize_t n = ::recv(fd_, in_.data() + old, kRead, 0);
    if (n > 0) {
      in_.resize(old + static_cast<size_t>(n));
      return true;
    }
    in_.resize(old);
    if (n == 0) {
      eof_ = true;
      error_ = "read: connection closed by peer";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{fd_, POLLIN, 0};
      int left = remainingMs(deadline);
      if (left == 0 || ::poll(&p, 1, left) == 0) {
        error_ = "read: timed out";
        return false;
      }
      continue;
    }
    error_ = std::string("read: ") + std::strerror(errno);
    return false;
  }
}

bool HttpClient::readLine(std::string* line, Clock::time_point deadline, size_t max) {
  while (true) {
    size_t nl = in_.find('\n', in_pos_);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > in_pos_ && in_[end - 1] == '\r') --end;
      line->assign(in_, in_pos_, end - in_pos_);
      in_pos_ = nl + 1;
      return true;
    }
    if (in_.size() - in_pos_ > max) {
      error_ = "read: line too long";
      return false;
    }
    if (!fill(deadline)) return false;
  }
}

void HttpClient::consumeBody(const char* p, size_t n, Response* r, const ReadOptions& o) {
  if (o.check_pattern && !r->pattern_mismatch_at) {
    // The pattern repeated, so any stretch of it can be compared with one memcmp.
    static const std::string kRepeated = [] {
      std::string s;
      while (s.size() < 64 * 1024 + 64) s.append(kOriginPatternLine);
      return s;
    }();
    size_t done = 0;
    while (done < n && !r->pattern_mismatch_at) {
      size_t start = static_cast<size_t>((r->body_bytes + done) % 64);
      size_t take = std::min(n - done, size_t{64 * 1024});
      if (std::memcmp(p + done, kRepeated.data() + start, take) != 0) {
        for (size_t i = 0; i < take; ++i) {
          if (p[done + i] != kRepeated[start + i]) {
            r->pattern_mismatch_at = r->body_bytes + done + i;
            break;
          }
        }
      }
      done += take;
    }
  }
  if (o.hash) r->body_fnv1a = fnv1a(r->body_fnv1a, p, n);
  r->body_bytes += n;
  if (o.keep_body && r->body.size() < o.max_kept_body) {
    r->body.append(p, std::min(n, o.max_kept_body - r->body.size()));
  }
}

bool HttpClient::readBodyBytes(uint64_t n, Response* r, const ReadOptions& o,
                               Clock::time_point deadline) {
  while (n > 0) {
    if (in_pos_ == in_.size()) {
      // A long body is fine as long as it keeps moving: the deadline is per read.
      deadline = Clock::now() + timeout_;
      if (!fill(deadline)) return false;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, in_.size() - in_pos_));
    consumeBody(in_.data() + in_pos_, take, r, o);
    in_pos_ += take;
    n -= take;
  }
  return true;
}

std::optional<Response> HttpClient::readResponse(const ReadOptions& o) {
  auto deadline = Clock::now() + timeout_;
  Response r;
  std::string line;
  if (!readLine(&line, deadline)) return std::nullopt;
  // Status line: HTTP/1.x SSS reason
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || line[8] != ' ') {
    error_ = "bad status line: " + line.substr(0, 200);
    return std::nullopt;
  }
  r.minor_version = line[7] - '0';
  r.status = std::atoi(line.c_str() + 9);
  r.reason = line.size() > 13 ? line.substr(13) : "";
  while (true) {
    if (!readLine(&line, deadline)) return std::nullopt;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      error_ = "bad header line: " + line.substr(0, 200);
      return std::nullopt;
    }
    r.headers.emplace_back(line.substr(0, colon), std::string(trim(line.substr(colon + 1))));
  }
  if (r.status >= 100 && r.status < 200) return r;

  std::string connection;
  for (const auto& [n, v] : r.headers) {
    if (equalsIgnoreCase(n, "connection")) connection += v + ",";
  }
  r.closes =
      listHas(connection, "close") || (r.minor_version == 0 && !listHas(connection, "keep-alive"));

  bool no_body = o.head_request || r.status == 204 || r.status == 304;
  std::string te = r.header("transfer-encoding");
  std::string cl = r.header("content-length");
  if (no_body) {
    // nothing to read
  } else if (!te.empty()) {
    r.chunked = true;
    while (true) {
      if (!readLine(&line, deadline)) return std::nullopt;
      char* end = nullptr;
      uint64_t size = std::strtoull(line.c_str(), &end, 16);
      if (end == line.c_str()) {
        error_ = "bad chunk size line: " + line.substr(0, 100);
        return std::nullopt;
      }
      if (size == 0) break;
      if (!readBodyBytes(size, &r, o, deadline)) return std::nullopt;
      if (!readLine(&line, deadline) || !line.empty()) {
        if (error_.empty()) error_ = "missing CRLF after chunk data";
        return std::nullopt;
      }
    }
    while (true) {  // trailers
      if (!readLine(&line, deadline)) return std::nullopt;
      if (line.empty()) break;
    }
  } else if (!cl.empty()) {
    if (!readBodyBytes(std::strtoull(cl.c_str(), nullptr, 10), &r, o, deadline)) {
      return std::nullopt;
    }
  } else {
    r.closes = true;
    while (true) {
      if (in_pos_ < in_.size()) {
        consumeBody(in_.data() + in_pos_, in_.size() - in_pos_, &r, o);
        in_pos_ = in_.size();
      }
      if (!fill(Clock::now() + timeout_)) {
        if (eof_) break;
        return std::nullopt;
      }
    }
  }
  if (r.closes) must_reconnect_ = true;
  return r;
}

bool HttpClient::waitForBytes(size_t n, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (buffered() < n) {
    if (!fill(deadline)) return false;
  }
  return true;
}

bool HttpClient::waitForPeerClose(milliseconds timeout) {
  if (fd_ < 0) return true;
  if (buffered() > 0) {
    error_ = "unexpected bytes before close: " + in_.substr(in_pos_, 200);
    return false;
  }
  if (eof_) return true;
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      eof_ = true;
      return true;
    }
    if (n > 0) {
      error_ = "unexpected bytes before close: " + std::string(buf, std::min<size_t>(n, 200));
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      error_ = std::string("read: ") + std::strerror(errno);
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    int left = remainingMs(deadline);
    if (left == 0 || ::poll(&p, 1, left) == 0) {
      error_ = "connection still open at the deadline";
      return false;
    }
  }
}

std::optional<Response> HttpClient::request(
    std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    const ReadOptions& options) {
  if (fd_ < 0 || must_reconnect_ || eof_) {
    if (!connect()) return std::nullopt;
  }
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false, has_length = false;
  for (const auto& [n, v] : headers) {
    has_host = has_host || equalsIgnoreCase(n, "host");
    has_length = has_length || equalsIgnoreCase(n, "content-length") ||
                 equalsIgnoreCase(n, "transfer-encoding");
    req.append(n).append(": ").append(v).append("\r\n");
  }
  if (!has_host) req.append("Host: 127.0.0.1:").append(std::to_string(port_)).append("\r\n");
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);
  if (!send(req)) return std::nullopt;
  ReadOptions o = options;
  o.head_request = method == "HEAD";
  while (true) {
    auto r = readResponse(o);
    if (!r || r->status >= 200 || r->status < 100) return r;
  }
}

std::optional<Response> HttpClient::get(
    std::string_view target, const std::vector<std::pair<std::string, std::string>>& headers) {
  return request("GET", target, headers);
}

// ---- BodySource ----

namespace {
std::shared_ptr<const std::string> randomBlock(uint32_t seed) {
  // An odd size (1 MiB + 13), so the body has no period that lines up with any piece size.
  auto block = std::make_shared<std::string>((1 << 20) + 13, '\0');
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i + 8 <= block->size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(block->data() + i, &v, 8);
  }
  return block;
}
}  // namespace

BodySource::BodySource(uint64_t total, uint32_t seed) : total_(total), block_(randomBlock(seed)) {}

size_t BodySource::next(char* buf, size_t cap) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(cap, total_ - produced_));
  size_t done = 0;
  while (done < n) {
    size_t off = static_cast<size_t>((produced_ + done) % block_->size());
    size_t take = std::min(n - done, block_->size() - off);
    std::memcpy(buf + done, block_->data() + off, take);
    done += take;
  }
  hash_ = integration::fnv1a(hash_, buf, n);
  produced_ += n;
  return n;
}

// ---- JSON helpers ----

nlohmann::json parseJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) ADD_FAILURE() << "not JSON: " << text.substr(0, 500);
  return j;
}

int64_t originRequestCount(uint16_t origin_port) {
  HttpClient c(origin_port, seconds(2));
  auto r = c.get("/__origin/stats?summary=1");
  if (!r || r->status != 200) return -1;
  auto j = parseJson(r->body);
  return j.is_object() && j.contains("requests") && j["requests"].is_number()
             ? j["requests"].get<int64_t>()
             : -1;
}

std::string OriginTally::str() const {
  return "served " + std::to_string(served) + ", refused " + std::to_string(refused);
}

OriginTally originTally(uint16_t origin_port) {
  OriginTally t;
  auto r = HttpClient(origin_port, seconds(2)).get("/__origin/stats");
  if (!r || r->status != 200) {
    ADD_FAILURE() << "no /__origin/stats from port " << origin_port;
    return t;
  }
  auto j = parseJson(r->body);
  t.served = j.value("served", uint64_t{0});
  t.refused = j.value("rejected", uint64_t{0});
  return t;
}

std::string echoHeader(std::string_view echo_json, std::string_view name) {
  auto j = parseJson(echo_json);
  if (!j.is_object() || !j.contains("headers")) return "";
  for (const auto& h : j["headers"]) {
    if (h.is_array() && h.size() == 2 && equalsIgnoreCase(h[0].get<std::string>(), name)) {
      return h[1].get<std::string>();
    }
  }
  return "";
}

size_t echoHeaderCount(std::string_view echo_json, std::string_view name) {
  auto j = parseJson(echo_json);
  size_t c = 0;
  if (!j.is_object() || !j.contains("headers")) return 0;
  for (const auto& h : j["headers"]) {
    if (h.is_array() && h.size() == 2 && equalsIgnoreCase(h[0].get<std::string>(), name)) ++c;
  }
  return c;
}

// ---- RefusingPort ----

RefusingPort::RefusingPort(Mode mode) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      (mode == kRefuse || ::listen(fd_, 1) == 0)) {
    port_ = boundPort(fd_);
  }
  if (port_ == 0) ADD_FAILURE() << "cannot reserve a loopback port";
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

// ---- ScriptedUpstream ----

ScriptedUpstream::ScriptedUpstream(std::string response, bool close_after_response)
    : response_(std::move(response)), close_after_(close_after_response) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ADD_FAILURE() << "scripted upstream cannot listen: " << std::strerror(errno);
    return;
  }
  port_ = boundPort(listen_fd_);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

ScriptedUpstream::~ScriptedUpstream() {
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& t : threads_) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::vector<std::string> ScriptedUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void ScriptedUpstream::acceptLoop() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void ScriptedUpstream::serve(int fd) {
  std::string in;
  char buf[16384];
  while (true) {
    size_t end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(in.substr(0, end + 4));
      }
      in.erase(0, end + 4);
      if (!response_.empty()) {
        std::string err;
        writeAll(fd, response_.data(), response_.size(), Clock::now() + seconds(5), &err);
      }
      if (close_after_) break;
      continue;
    }
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (p[1].revents) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
}

std::string twoLevelConfig(uint16_t primary, uint16_t alternate, const std::string& extra) {
  return "listeners: [{ address: 127.0.0.1:0, workers: 2 }]\n"
         "shield: { enabled: false }\n"
         "clusters:\n"
         "  - name: web\n"
         "    levels:\n"
         "      - endpoints: [127.0.0.1:" + std::to_string(primary) + "]\n"
         "      - endpoints: [127.0.0.1:" + std::to_string(alternate) + "]\n" + extra +
         "    health_check: { type: http, path: /, interval: 200ms, timeout: 150ms, jitter: 20ms,\n"
         "                    unhealthy_threshold: 2, healthy_threshold: 2 }\n"
         "    outlier_detection: { consecutive_connect_failures: 3, base_ejection: 1s,\n"
         "                         max_ejected_percent: 50 }\n"
         "    panic_threshold: 0\n";
}

std::string GatewayYaml::str() const {
  std::string y = "listeners:\n  - name: main\n    address: 127.0.0.1:0\n    workers: " +
                  std::to_string(workers) + "\n";
  if (!routes.empty()) {
    y += "routes:\n" + routes;
    if (!endpoints.empty()) y += "  - name: default\n    cluster: origin\n";
  }
  if (!endpoints.empty()) {
    y += "clusters:\n  - name: origin\n    endpoints: [";
    for (size_t i = 0; i < endpoints.size(); ++i) {
      if (i > 0) y += ", ";
      y += "127.0.0.1:" + std::to_string(endpoints[i]);
    }
    y += "]\n" + cluster_extra;
  }
  y += "logging:\n  level: " + log_level + "\n";
  y += extra;
  return y;
}

sockaddr_in ipv4Address(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

int getStatusFrom(const char* source, uint16_t port, const std::string& path) {
  int fd = connectFromSource(source, port);
  if (fd < 0) return 0;
  int status = 0;
  std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: floodgate.test\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
    char buf[64];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n >= 12) status = std::atoi(std::string(buf + 9, 3).c_str());
  }
  ::close(fd);
  return status;
}

int connectFromSource(const char* source, uint16_t port, seconds read_timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local = ipv4Address(source, 0);
  sockaddr_in remote = ipv4Address("127.0.0.1", port);
  timeval tv{static_cast<time_t>(read_timeout.count()), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  // The connect too: a source the kernel drops never completes its handshake.
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool canConnect(uint16_t port, milliseconds timeout) {
  std::string err;
  int fd = connectLoopback(port, timeout, &err);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string readFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string stormHead(const std::string& name, uint16_t gw_port, uint16_t origin_port) {
  return "name: " + name + "\ntarget: http://127.0.0.1:" + std::to_string(gw_port) +
         "\norigin_stats: http://127.0.0.1:" + std::to_string(origin_port) + "/__origin/stats\n";
}

StormRun StormRun::start(const std::string& scenario, const std::vector<std::string>& args) {
  StormRun run;
  std::string path = writeTempFile("scenario.yaml", scenario);
  run.report_dir = path + ".report";
  std::vector<std::string> argv = {floodgateBin(), "storm", path, "--report", run.report_dir,
                                   "--quiet"};
  argv.insert(argv.end(), args.begin(), args.end());
  run.process = Process::start(argv);
  return run;
}

nlohmann::json StormRun::finish(milliseconds timeout) {
  if (!process || !process->waitExit(timeout)) return nullptr;
  std::string text = readFileText(report_dir + "/report.json");
  if (text.empty()) return nullptr;
  nlohmann::json report = nlohmann::json::parse(text, nullptr, false);
  return report.is_discarded() ? nlohmann::json() : report;
}

nlohmann::json runStorm(const std::string& scenario, CommandResult* run,
                        const std::vector<std::string>& args, milliseconds timeout) {
  StormRun storm = StormRun::start(scenario, args);
  nlohmann::json report = storm.finish(timeout);
  if (storm.process) {
    run->exit_code = storm.process->waitExit(milliseconds(0)).value_or(-1);
    run->out = storm.process->stdoutText();
    run->err = storm.process->stderrText();
  }
  return report;
}

const nlohmann::json& group(const nlohmann::json& report, const std::string& name) {
  for (const auto& g : report["groups"]) {
    if (g["name"] == name) return g;
  }
  static const nlohmann::json none;
  return none;
}

}  // namespace floodgate::integration
