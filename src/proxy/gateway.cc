#include "proxy/gateway.h"

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "proxy/access_log.h"
#include "proxy/defense_loop.h"
#include "proxy/governor_setup.h"
#include "proxy/worker.h"

namespace floodgate::proxy {
namespace {

int listenerWorkers(const config::Listener& l, int total) {
  return l.workers <= 0 ? total : std::min(l.workers, total);
}

// Opens one SO_REUSEPORT socket per worker serving the listener. With port 0 the first bind
// picks the port and the others share it.
Result<std::vector<FileDescriptor>> openListener(const config::Listener& l, int count) {
  std::vector<FileDescriptor> fds;
  SocketAddress address = l.address;
  for (int i = 0; i < count; ++i) {
    auto fd = listenTcp(address);
    if (!fd) return Error{fd.error()};
    if (i == 0 && address.port() == 0) address = localAddress(fd->get());
    fds.push_back(std::move(*fd));
  }
  return fds;
}

std::string listenerKey(const config::Listener& l) { return l.address.toString(); }

class Gateway {
 public:
  Gateway(std::shared_ptr<const config::Config> config, std::string path)
      : config_(std::move(config)), path_(std::move(path)) {}

  int run() {
    if (!config_->logging.access_log.empty()) {
      auto log = AccessLog::open(config_->logging.access_log);
      if (!log) {
        spdlog::error("{}", log.error());
        return 1;
      }
      access_log_ = std::move(*log);
    }
    auto snapshot = std::make_shared<const RuntimeSnapshot>(config_);
    int n = config_->workerThreads();
    shield_ = std::make_unique<ShieldState>(config_->shield, n);
    for (int i = 0; i < n; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, snapshot, access_log_.get(), shield_.get()));
    }
    for (const auto& l : config_->listeners) {
      if (!startListener(l)) return 1;
    }
    for (auto& w : workers_) w->start();
    std::vector<Worker*> raw;
    for (auto& w : workers_) raw.push_back(w.get());
    governor_ = std::make_unique<governor::Governor>(governorConfig(config_->governor));
    config_rules_.apply(config_->governor, *governor_, MonoClock::now());
    why_snapshot_ = snapshot;
    governor_->setWhyContext([this](const shield::IpKey& client, nlohmann::json& out) {
      SnapshotPtr current;
      {
        std::lock_guard<std::mutex> lock(why_mu_);
        current = why_snapshot_;
      }
      describeShieldFor(client, *current, *shield_, out);
    });
    defense_ = std::make_unique<DefenseLoop>(std::move(raw), shield_.get(), governor_.get());
    defense_->start();
    std::fflush(stdout);
    return waitForSignals();
  }

 private:
  bool startListener(const config::Listener& l) {
    int count = listenerWorkers(l, static_cast<int>(workers_.size()));
    auto fds = openListener(l, count);
    if (!fds) {
      spdlog::error("listener {}: {}", l.name, fds.error());
      return false;
    }
    SocketAddress bound = localAddress((*fds)[0].get());
    for (int i = 0; i < count; ++i) workers_[i]->addListener(listenerKey(l), std::move((*fds)[i]));
    std::printf("floodgate listening on %s (listener %s, %d workers)\n", bound.toString().c_str(),
                l.name.c_str(), count);
    std::fflush(stdout);
    spdlog::info("listener {} on {} with {} workers", l.name, bound.toString(), count);
    return true;
  }

  void reload() {
    if (path_.empty()) {
      spdlog::warn("SIGHUP: no config file to reload (started with the quick start)");
      return;
    }
    auto loaded = config::loadConfigFile(path_);
    if (!loaded.ok()) {
      spdlog::error("reload refused, the running config stays in force:\n{}",
                    loaded.describeProblems());
      return;
    }
    const auto& next = *loaded.config;
    if (next.workerThreads() != static_cast<int>(workers_.size())) {
      spdlog::warn("reload: worker count changes take effect on restart (running {})",
                   workers_.size());
    }
    std::map<std::string, const config::Listener*> old_listeners;
    for (const auto& l : config_->listeners) old_listeners[listenerKey(l)] = &l;
    std::vector<std::string> keep;
    for (const auto& l : next.listeners) {
      keep.push_back(listenerKey(l));
      if (old_listeners.count(listenerKey(l)) == 0 && !startListener(l)) {
        spdlog::error("reload: listener {} could not start; the running config stays", l.name);
        return;
      }
    }
    auto snapshot = std::make_shared<const RuntimeSnapshot>(loaded.config);
    shield_->apply(next.shield);
    governor_->setConfig(governorConfig(next.governor));
    config_rules_.apply(next.governor, *governor_, MonoClock::now());
    for (auto& w : workers_) w->swapSnapshot(snapshot, keep);
    {
      std::lock_guard<std::mutex> lock(why_mu_);
      why_snapshot_ = snapshot;
    }
    if (!next.logging.level.empty()) initLogging(next.logging.level);
    config_ = loaded.config;
    spdlog::info("reloaded config from {}", path_);
  }

  int drain() {
    spdlog::info("draining: no new connections, finishing requests in flight (up to {} ms)",
                 toMillis(config_->drain_timeout));
    defense_->stop();
    for (auto& w : workers_) w->drain();
    auto deadline = MonoClock::now() + config_->drain_timeout;
    while (MonoClock::now() < deadline) {
      bool all = true;
      for (auto& w : workers_) all = all && w->finished();
      if (all) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
    workers_.clear();
    logShieldSummary();
    spdlog::info("drained, exiting");
    return 0;
  }

  int waitForSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    while (true) {
      timespec timeout{1, 0};
      int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGHUP) {
        reload();
      } else if (sig == SIGTERM || sig == SIGINT) {
        return drain();
      }
    }
  }

  std::shared_ptr<const config::Config> config_;
  std::string path_;
  void logShieldSummary() {
    std::string line;
    for (int r = 0; r < static_cast<int>(Rejection::kCount); ++r) {
      uint64_t n = shield_->total(static_cast<Rejection>(r));
      if (n == 0) continue;
      line += fmt::format(" {}/{}={}", rejectionStage(static_cast<Rejection>(r)),
                          rejectionName(static_cast<Rejection>(r)), n);
    }
    spdlog::info("shield rejections:{}", line.empty() ? " none" : line);
  }

  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<ShieldState> shield_;  // outlives the workers, who hold pointers to it
  std::unique_ptr<governor::Governor> governor_;  // outlives the defense loop
  ConfigRules config_rules_;
  std::mutex why_mu_;  // why_snapshot_ is read by the admin thread's `why`
  SnapshotPtr why_snapshot_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<DefenseLoop> defense_;  // declared last: stopped before the workers go
};

}  // namespace

int runGateway(std::shared_ptr<const config::Config> config, const std::string& config_path) {
  if (!initLogging(config->logging.level)) initLogging("info");
  signal(SIGPIPE, SIG_IGN);
  // Block the control signals in every thread; the main thread takes them with sigtimedwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  Gateway gateway(std::move(config), config_path);
  return gateway.run();
}

}  // namespace floodgate::proxy
