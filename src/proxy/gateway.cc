#include "proxy/gateway.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "admin/admin_api.h"
#include "admin/auth.h"
#include "core/fd_table.h"
#include "core/log.h"
#include "governor/rules_api.h"
#include "kernel/kernel_blocklist.h"
#include "proxy/access_log.h"
#include "proxy/control_plane.h"
#include "proxy/defense_loop.h"
#include "proxy/status_plane.h"
#include "proxy/upstream_metrics.h"
#include "proxy/gateway_telemetry.h"
#include "proxy/governor_telemetry.h"
#include "proxy/operator_blocklist.h"
#include "proxy/governor_setup.h"
#include "proxy/worker.h"
#include "telemetry/sampler.h"
#include "upstream/upstream_control.h"

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

class Gateway final : public admin::GatewayControl {
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
    int n = config_->workerThreads();
    registry_ = std::make_unique<telemetry::Registry>(n);
    sampler_ = std::make_unique<telemetry::Sampler>(registry_.get(), &history_);
    upstream_metrics_ = std::make_unique<UpstreamMetrics>(registry_.get());
    config::KernelDrop kernel_drop = config_->shield.kernel_drop;
    kernel_drop.enabled = kernel_drop.enabled && config_->shield.enabled;
    kernel_ = std::make_unique<kernel::KernelBlocklist>(kernel_drop);
    auto snapshot = makeSnapshot(config_);
    shield_ = std::make_unique<ShieldState>(config_->shield, n);
    for (int i = 0; i < n; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, snapshot, access_log_.get(), shield_.get()));
    }
    // The control thread's listeners bind before any worker runs: a taken admin port stops the
    // start cleanly. Their handlers run only once the control thread starts, after the workers.
    governor_ = std::make_unique<governor::Governor>(
        config_->governor.knobs,
        [this](std::string_view kind, std::string_view subject, std::string_view message,
               const nlohmann::json& evidence) {
          events_.push(std::string(kind), std::string(subject), std::string(message), evidence);
        });
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
    upstream_ = std::make_unique<upstream::UpstreamControl>(
        config_, n, [this, n](std::shared_ptr<const upstream::UpstreamView> view) {
          for (auto& w : workers_) w->swapUpstream(view, n);
          if (status_) status_->noteUpstream(view);  // set before the upstream side starts
        });
    // Endpoint health, ejections, failovers, panic and drains go to the event log too.
    upstream_->setEventSink([this](std::string_view kind, std::string_view subject,
                                   std::string_view message, const nlohmann::json& details) {
      events_.push(std::string(kind), std::string(subject), std::string(message), details);
    });
    control_ = std::make_unique<ControlPlane>([this] { everySecond(); });
    if (config_->status.enabled && !startStatusPage()) return 1;
    if (config_->admin.enabled && !startAdmin()) return 1;
    for (const auto& l : config_->listeners) {
      if (!startListener(l)) return 1;
    }
    kernel_->syncBlocklist(MonoClock::now());
    for (auto& w : workers_) w->start();
    upstream_->start();
    std::vector<Worker*> raw;
    for (auto& w : workers_) raw.push_back(w.get());
    defense_ = std::make_unique<DefenseLoop>(std::move(raw), shield_.get(), governor_.get());
    defense_->setEventLog(&events_);
    defense_->setKernel(kernel_.get(), config_->shield.kernel_drop);
    if (status_) {
      defense_->setTickListener([plane = status_.get()](const shield::WorkerObservation& merged,
                                                        bool anomaly, size_t rules) {
        plane->noteTick(TrafficTick::from(merged, anomaly, rules));
      });
    }
    defense_->start();
    registerGatewayMetrics(registry_.get(), shield_.get(), defense_.get());
    registerGovernorMetrics(registry_.get(), governor_.get());
    registerShieldMetrics(registry_.get(), shield_.get(), defense_.get(), [this] {
      std::vector<std::string> names;
      for (const auto& c : currentConfig()->clusters) names.push_back(c.name);
      return names;
    });
    kernel_->registerMetrics(registry_.get());
    control_->start();
    std::fflush(stdout);
    return waitForSignals();
  }

  // admin::GatewayControl, on the control thread.
  admin::ReloadOutcome reload() override;
  void drain() override { ::kill(::getpid(), SIGTERM); }  // the main thread drains, as for a signal
  nlohmann::json blocklist() override { return operator_blocks_.describe(MonoClock::now()); }
  Result<nlohmann::json> addBlock(const admin::BlockRequest& request) override;
  Result<bool> removeBlock(const std::string& prefix) override;
  nlohmann::json shield() override { return describeShield(*shield_, *defense_, *currentConfig()); }
  nlohmann::json configSummary() override { return describeConfig(*currentConfig()); }
  nlohmann::json upstreams() override { return upstream_->snapshotJson(); }
  Result<std::string> drainEndpoint(const std::string& address, bool drain) override {
    return upstream_->drainEndpoint(address, drain);
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
    for (const auto& fd : *fds) kernel_->attach(fd.get(), l.name);
    for (int i = 0; i < count; ++i) workers_[i]->addListener(listenerKey(l), std::move((*fds)[i]));
    std::printf("floodgate listening on %s (listener %s, %d workers)\n", bound.toString().c_str(),
                l.name.c_str(), count);
    std::fflush(stdout);
    spdlog::info("listener {} on {} with {} workers", l.name, bound.toString(), count);
    return true;
  }

  bool startStatusPage() {
    auto plane = StatusPlane::start(
        *config_, shield_.get(),
        [this](const std::string& kind, const std::string& subject, const std::string& message) {
          events_.push(kind, subject, message);
        });
    if (!plane) {
      spdlog::error("status page: {}", plane.error());
      return false;
    }
    status_ = std::move(*plane);
    status_->noteUpstream(upstream_->view());
    return true;
  }

  bool startAdmin() {
    admin::AdminContext context{this, registry_.get(), &history_, &events_};
    web::Router router = admin::adminRouter(context);
    if (status_) router.add("*", "/api/v1/status", status_->adminHandler());
    web::Handler rules = governor::rulesApi(
        governor_.get(), &RealClock::instance(),
        [this](std::string_view id) -> std::optional<nlohmann::json> {
          for (auto& w : workers_) {  // fixed once running; the admin stops before they go
            if (auto d = w->decisions().find(id)) return describeDecision(*d);
          }
          return std::nullopt;
        });
    router.add("*", "/api/v1/rules", rules);
    router.add("*", "/api/v1/why", rules);
    auto bound = control_->serve(config_->admin.listen,
                                 admin::requireToken(config_->admin.token, std::move(router)));
    if (!bound) {
      spdlog::error("admin API on {}: {}", config_->admin.listen_text, bound.error());
      return false;
    }
    std::printf("floodgate admin API on %s%s\n", bound->toString().c_str(),
                config_->admin.token.empty() ? " (no token: loopback only)" : "");
    return true;
  }

  // A snapshot of `config` with the metric series and the operator's blocklist entries.
  SnapshotPtr makeSnapshot(std::shared_ptr<const config::Config> config) {
    MonoTime now = MonoClock::now();
    auto snapshot = std::make_shared<RuntimeSnapshot>(config, now, registry_.get());
    if (operator_blocks_.size() > 0) {
      snapshot->shield.blocklist = operator_blocks_.mergeInto(*snapshot->shield.blocklist, now);
    }
    kernel_->setBlocklist(snapshot->shield.blocklist);  // in the kernel at syncBlocklist()
    return snapshot;
  }

  std::shared_ptr<const config::Config> currentConfig() {
    std::lock_guard<std::mutex> lock(config_mu_);
    return config_;
  }

  // Publishes the running config again (the operator's blocklist changed).
  void republish() {
    auto config = currentConfig();
    auto snapshot = makeSnapshot(config);
    std::vector<std::string> keep;
    for (const auto& l : config->listeners) keep.push_back(listenerKey(l));
    for (auto& w : workers_) w->swapSnapshot(snapshot, keep);
    kernel_->syncBlocklist(MonoClock::now());
  }

  void everySecond() {
    int64_t now_ms = RealClock::instance().wallMillis();
    MonoTime now = MonoClock::now();
    double elapsed =
        last_second_ == MonoTime{} ? 1 : std::chrono::duration<double>(now - last_second_).count();
    last_second_ = now;
    sampler_->tick(now_ms / 1000 - 1, elapsed);
    amplification_.update(*registry_, *currentConfig());
    upstream_metrics_->refresh(*upstream_);
  }

  admin::ReloadOutcome reloadFile() {
    admin::ReloadOutcome outcome;
    outcome.source = path_;
    if (path_.empty()) {
      outcome.error = "no config file to reload (started with the quick start)";
      spdlog::warn("reload: {}", outcome.error);
      return outcome;
    }
    auto loaded = config::loadConfigFile(path_);
    if (!loaded.ok()) {
      spdlog::error("reload refused, the running config stays in force:\n{}",
                    loaded.describeProblems());
      for (const auto& p : loaded.problems) outcome.problems.push_back(p.toString());
      return outcome;
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
        outcome.error = "listener " + l.name + " (" + l.address_text +
                        ") could not start; the running config stays in force";
        return outcome;
      }
    }
    if (next.admin.enabled != config_->admin.enabled ||
        !(next.admin.listen == config_->admin.listen) || next.admin.token != config_->admin.token) {
      spdlog::warn("reload: admin listener changes take effect on restart");
    }
    auto snapshot = makeSnapshot(loaded.config);
    shield_->apply(next.shield);
    governor_->setConfig(next.governor.knobs);
    defense_->setKernelDrop(next.shield.kernel_drop);
    if (next.shield.kernel_drop.enabled != config_->shield.kernel_drop.enabled ||
        next.shield.kernel_drop.max_entries != config_->shield.kernel_drop.max_entries) {
      spdlog::warn("reload: shield.kernel_drop enabled/max_entries take effect on restart");
    }
    config_rules_.apply(next.governor, *governor_, MonoClock::now());
    for (auto& w : workers_) w->swapSnapshot(snapshot, keep);
    kernel_->syncBlocklist(MonoClock::now());
    upstream_->reconfigure(loaded.config);
    {
      std::lock_guard<std::mutex> lock(why_mu_);
      why_snapshot_ = snapshot;
    }
    if (!next.logging.level.empty()) initLogging(next.logging.level);
    {
      std::lock_guard<std::mutex> lock(config_mu_);
      config_ = loaded.config;
    }
    spdlog::info("reloaded config from {}", path_);
    outcome.ok = true;
    return outcome;
  }

  int drainAndExit() {
    Duration timeout = currentConfig()->drain_timeout;
    spdlog::info("draining: no new connections, finishing requests in flight (up to {} ms)",
                 toMillis(timeout));
    defense_->stop();
    upstream_->stop();
    for (auto& w : workers_) w->drain();
    auto deadline = MonoClock::now() + timeout;
    while (MonoClock::now() < deadline) {
      bool all = true;
      for (auto& w : workers_) all = all && w->finished();
      if (all) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
    control_->stop();  // its handlers reach the workers: stop it before they go
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
        // Reloads run on the control thread, one at a time, whether a signal or the API asked.
        control_->post([this] { reload(); });
      } else if (sig == SIGTERM || sig == SIGINT) {
        return drainAndExit();
      }
    }
  }

  std::mutex config_mu_;  // config_ is replaced on the control thread, read by the main thread
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

  // Telemetry outlives everything that writes to it (snapshots hold pointers into the registry).
  std::unique_ptr<telemetry::Registry> registry_;
  telemetry::EventLog events_;
  telemetry::History history_;
  std::unique_ptr<telemetry::Sampler> sampler_;
  AmplificationWindow amplification_;
  std::unique_ptr<UpstreamMetrics> upstream_metrics_;
  MonoTime last_second_{};
  OperatorBlocklist operator_blocks_;  // control thread only
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<ShieldState> shield_;  // outlives the workers, who hold pointers to it
  std::unique_ptr<kernel::KernelBlocklist> kernel_;  // outlives the defense loop that syncs it
  std::unique_ptr<governor::Governor> governor_;  // outlives the defense loop
  ConfigRules config_rules_;
  std::mutex why_mu_;  // why_snapshot_ is read by the admin thread's `why`
  SnapshotPtr why_snapshot_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<StatusPlane> status_;    // fed by the defense loop: destroyed after it
  // Health checks, outlier detection and the views workers pick endpoints from.
  std::unique_ptr<upstream::UpstreamControl> upstream_;
  std::unique_ptr<DefenseLoop> defense_;   // stopped before the workers go
  std::unique_ptr<ControlPlane> control_;  // declared last: its handlers use all of the above
};

admin::ReloadOutcome Gateway::reload() {
  admin::ReloadOutcome outcome = reloadFile();
  if (outcome.ok) {
    events_.push("config.reloaded", path_, "config reloaded from " + path_);
  } else {
    events_.push("config.reload_refused", path_,
                 outcome.error.empty() ? "reload refused: the new config has problems"
                                       : "reload refused: " + outcome.error,
                 {{"problems", outcome.problems}});
  }
  return outcome;
}

Result<nlohmann::json> Gateway::addBlock(const admin::BlockRequest& request) {
  auto added = operator_blocks_.add(request, MonoClock::now(), RealClock::instance().wallMillis());
  if (!added.ok()) return added;
  republish();
  return added;
}

Result<bool> Gateway::removeBlock(const std::string& prefix) {
  auto removed = operator_blocks_.remove(prefix);
  if (removed.ok() && *removed) republish();
  return removed;
}

}  // namespace

int runGateway(std::shared_ptr<const config::Config> config, const std::string& config_path) {
  if (!initLogging(config->logging.level)) initLogging("info");
  // Before any worker thread exists: a burst of connections must not resize it under them.
  size_t fds = reserveDescriptorTable(kMaxReservedDescriptors);
  spdlog::debug("descriptor table reserved: {} entries", fds);
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
