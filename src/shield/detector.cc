#include "shield/detector.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

namespace floodgate::shield {
namespace {

// "41%", "2.5%", "0.2%", "0.005%": two significant digits below 10%.
std::string percent(double fraction) {
  char buf[32];
  double p = fraction * 100;
  if (p >= 10) {
    std::snprintf(buf, sizeof buf, "%.0f%%", p);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g%%", p);
  }
  return buf;
}

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const char* findingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kVolumeAnomaly:
      return "volume_anomaly";
    case FindingKind::kHeavySource:
      return "heavy_source";
    case FindingKind::kHeavyPrefix:
      return "heavy_prefix";
    case FindingKind::kHeavyFingerprint:
      return "heavy_fingerprint";
    case FindingKind::kOriginStress:
      return "origin_stress";
  }
  return "?";
}

DetectorConfig scaledToTick(DetectorConfig config, Duration tick) {
  const double ticks_per_second = 1 / std::max(seconds(tick), 1e-3);
  // An EWMA weight a per second is 1 - (1 - a)^t per tick of t seconds: the same half-life.
  auto weight = [&](double a) { return 1 - std::pow(1 - a, 1 / ticks_per_second); };
  config.alpha = weight(config.alpha);
  config.key_alpha = weight(config.key_alpha);
  config.warmup_ticks = ticksIn(std::chrono::seconds(config.warmup_ticks), tick);
  config.nominal_tick = tick;
  return config;
}

Detector::Detector(const DetectorConfig& config, KnownGoodSet* known_good)
    : config_(config),
      known_good_(known_good),
      latency_ms_(config.alpha),
      failure_ratio_(config.alpha) {
  overall_.rate = RateBaseline(config.alpha);
  overall_.known_good = RateBaseline(config.alpha);
  for (auto& s : routes_) s = Series{RateBaseline(config.alpha), RateBaseline(config.alpha)};
  for (auto& s : statuses_) s = Series{RateBaseline(config.alpha), RateBaseline(config.alpha)};
  for (auto& k : keys_) k.reserve(config.key_baselines);
  active_.reserve(kMaxActive);
}

size_t Detector::memoryBytes() const {
  size_t n = sizeof(*this) + active_.capacity() * sizeof(Active);
  for (const auto& k : keys_) n += k.capacity() * sizeof(KeyRate);
  return n;
}

Detector::Verdict Detector::judge(Series& series, double rate, double known_good_rate,
                                  MonoTime now) const {
  Verdict v;
  v.rate = rate;
  const RateBaseline& b = series.rate;
  const double mean = b.mean();
  // Counting noise alone is ~sqrt(rate·dt)/dt: a floor under a too-quiet learned sigma.
  const double sigma = std::max(b.sigma(), std::sqrt(std::max(mean, 1.0) / dt_));
  const double trigger =
      std::max({config_.k_sigma * sigma, config_.min_excess, config_.min_excess_ratio * mean});
  v.threshold = mean + trigger;
  if (b.samples() < config_.warmup_ticks) return v;
  const double excess = rate - mean;
  v.triggered = excess > trigger;
  v.present = excess > config_.clear_fraction * trigger;
  if (v.triggered) {
    const double known_good_excess = known_good_rate - series.known_good.mean();
    v.known_good_share_of_excess = std::clamp(known_good_excess / excess, 0.0, 1.0);
    v.flash_crowd = v.known_good_share_of_excess >= config_.flash_crowd_known_good_share;
  }
  if (v.present && !series.present) series.since = now;
  series.present = v.present;
  return v;
}

void Detector::learn(Series& series, double rate, double known_good_rate, bool slowly) {
  if (slowly) {
    series.rate.learnSlowly(rate, 0.1);
    series.known_good.learnSlowly(known_good_rate, 0.1);
  } else {
    series.rate.learn(rate);
    series.known_good.learn(known_good_rate);
  }
}

std::vector<Finding> Detector::tick(const WorkerObservation& obs, MonoTime now) {
  const MonoTime wall_start = MonoClock::now();
  std::vector<Finding> out;
  const MonoTime window_start = ticked_ ? last_tick_ : now - config_.nominal_tick;
  dt_ = seconds(now - window_start);
  dt_ = std::max(dt_, 1e-3);
  last_tick_ = now;
  ticked_ = true;
  ++stats_.ticks;

  // Volume: the overall series and each route drive the anomaly; status classes only report.
  const double total_rate = static_cast<double>(obs.totalRequests()) / dt_;
  const double kg_rate = static_cast<double>(obs.knownGoodRequests()) / dt_;
  const Verdict overall = judge(overall_, total_rate, kg_rate, now);
  std::array<Verdict, WorkerObservation::kMaxRoutes> routes;
  bool attack = overall.triggered && !overall.flash_crowd;
  bool flash = overall.triggered && overall.flash_crowd;
  bool present = overall.present;
  for (int r = 0; r < WorkerObservation::kMaxRoutes; ++r) {
    const double rate = static_cast<double>(obs.routeRequests(r)) / dt_;
    if (rate == 0 && routes_[r].rate.mean() == 0) continue;
    routes[r] =
        judge(routes_[r], rate, static_cast<double>(obs.routeKnownGoodRequests(r)) / dt_, now);
    attack |= routes[r].triggered && !routes[r].flash_crowd;
    flash |= routes[r].triggered && routes[r].flash_crowd;
    present |= routes[r].present;
  }
  std::array<Verdict, kStatusClasses> statuses;
  for (int c = 0; c < kStatusClasses; ++c) {
    statuses[c] =
        judge(statuses_[c], static_cast<double>(obs.statusCount(StatusClass(c))) / dt_, 0, now);
  }

  if (!status_.anomaly && attack) {
    // Dated from the start of the window it was seen in: clients whose first success came in
    // that window are not known-good.
    status_.anomaly = true;
    status_.anomaly_since = window_start;
    last_present_ = now;
    if (known_good_ != nullptr) known_good_->beginAnomaly(window_start);
  } else if (status_.anomaly) {
    if (present) {
      last_present_ = now;
    } else if (now - last_present_ >= config_.hold) {
      status_.anomaly = false;
      if (known_good_ != nullptr) known_good_->endAnomaly();
    }
  }
  status_.flash_crowd = flash && !attack;

  auto volumeFinding = [&](const Series& series, const Verdict& v, std::string name, int route) {
    Finding f;
    f.kind = FindingKind::kVolumeAnomaly;
    f.series = std::move(name);
    f.route = route;
    f.rate = v.rate;
    f.baseline = series.rate.mean();
    f.threshold = v.threshold;
    f.share = v.known_good_share_of_excess;
    f.started_at = series.since;
    f.evidence = format(
        "%s: %.0f req/s vs baseline %.0f ± %.0f req/s, threshold %.0f req/s; known-good clients "
        "make %s of the excess",
        f.series.c_str(), v.rate, f.baseline, series.rate.sigma(), v.threshold,
        percent(v.known_good_share_of_excess).c_str());
    out.push_back(std::move(f));
  };
  if (overall.triggered && !overall.flash_crowd) volumeFinding(overall_, overall, "overall", -1);
  for (int r = 0; r < WorkerObservation::kMaxRoutes; ++r) {
    if (routes[r].triggered && !routes[r].flash_crowd) {
      volumeFinding(routes_[r], routes[r], "route " + std::to_string(r), r);
    }
  }
  // 4xx and 5xx surges are reported (scanners, a broken deploy) unless a flash crowd explains
  // them; 2xx/3xx rises are the overall series' business, floodgate's own rejections nobody's.
  if (!status_.flash_crowd) {
    for (StatusClass c : {StatusClass::k4xx, StatusClass::k5xx}) {
      const Verdict& v = statuses[static_cast<int>(c)];
      if (v.triggered) {
        volumeFinding(statuses_[static_cast<int>(c)], v,
                      std::string("status ") + statusClassName(c), -1);
      }
    }
  }

  const double overall_excess = std::max(0.0, total_rate - overall_.rate.mean());
  findHitters(obs, overall_excess, now, out);
  findOriginStress(obs, now, out);

  // Learn after judging, and not from an attack: the baselines freeze while an anomaly is
  // active, then learn slowly if it lasts past relearn_after.
  const bool slowly = status_.anomaly && now - status_.anomaly_since >= config_.relearn_after;
  if (!status_.anomaly || slowly) {
    learn(overall_, total_rate, kg_rate, slowly);
    for (int r = 0; r < WorkerObservation::kMaxRoutes; ++r) {
      const double rate = static_cast<double>(obs.routeRequests(r)) / dt_;
      if (rate == 0 && routes_[r].rate.mean() == 0) continue;
      learn(routes_[r], rate, static_cast<double>(obs.routeKnownGoodRequests(r)) / dt_, slowly);
    }
    for (int c = 0; c < kStatusClasses; ++c) {
      learn(statuses_[c], static_cast<double>(obs.statusCount(StatusClass(c))) / dt_, 0, slowly);
    }
    if (!status_.anomaly) learnKeys(obs);
  }

  // Forget finished runs so a finding that comes back later starts afresh.
  std::erase_if(active_, [&](const Active& a) { return now - a.last >= config_.hold; });

  const double us =
      std::chrono::duration<double, std::micro>(MonoClock::now() - wall_start).count();
  stats_.last_tick_us = us;
  stats_.max_tick_us = std::max(stats_.max_tick_us, us);
  return out;
}

MonoTime Detector::startedAt(FindingKind kind, uint64_t key, MonoTime now) {
  for (Active& a : active_) {
    if (a.kind == kind && a.key == key) {
      a.last = now;
      return a.first;
    }
  }
  if (active_.size() == kMaxActive) {
    auto oldest =
        std::min_element(active_.begin(), active_.end(),
                         [](const Active& a, const Active& b) { return a.last < b.last; });
    *oldest = Active{kind, key, now, now};
  } else {
    active_.push_back(Active{kind, key, now, now});
  }
  return now;
}

double Detector::keyBaseline(Dim dim, uint64_t key) const {
  for (const KeyRate& k : keys_[dim]) {
    if (k.key == key) return k.rate.mean();
  }
  return 0;
}

void Detector::learnKeys(const WorkerObservation& obs) {
  auto learnDim = [&](Dim dim, const auto& hitters) {
    std::vector<KeyRate>& table = keys_[dim];
    for (KeyRate& k : table) k.rate.learn(hitters.estimate(k.key) / dt_);
    for (const auto& h : hitters.top(config_.hitters_read)) {
      if (std::any_of(table.begin(), table.end(),
                      [&](const KeyRate& k) { return k.key == h.key; })) {
        continue;
      }
      const double rate = h.count / dt_;
      KeyRate fresh{h.key, RateBaseline(config_.key_alpha)};
      fresh.rate.learn(rate);
      if (table.size() < config_.key_baselines) {
        table.push_back(fresh);
        continue;
      }
      auto lightest = std::min_element(
          table.begin(), table.end(),
          [](const auto& a, const auto& b) { return a.rate.mean() < b.rate.mean(); });
      if (lightest != table.end() && lightest->rate.mean() < rate) *lightest = fresh;
    }
  };
  learnDim(kSources, obs.sources());
  learnDim(kPrefixes, obs.prefixes());
  learnDim(kFingerprints, obs.fingerprints());
}

void Detector::findHitters(const WorkerObservation& obs, double overall_excess, MonoTime now,
                           std::vector<Finding>& out) {
  const double total = static_cast<double>(obs.totalRequests());
  stats_.hitters_examined = 0;
  if (total == 0) return;

  struct Candidate {
    double rate, share, fair, threshold, baseline, excess;
    bool by_anomaly, by_absolute;
  };
  auto assess = [&](Dim dim, uint64_t key, uint32_t count, double distinct,
                    const HitterThresholds& t) {
    ++stats_.hitters_examined;
    Candidate c{};
    c.rate = count / dt_;
    c.share = count / total;
    c.fair = 1.0 / std::max(1.0, distinct);
    c.threshold = std::max(t.min_share, t.fair_multiple * c.fair);
    c.baseline = keyBaseline(dim, key);
    c.excess = c.rate - c.baseline;
    c.by_anomaly = status_.anomaly && c.share >= c.threshold &&
                   c.excess >= std::max(t.min_rate, (t.baseline_factor - 1) * c.baseline);
    c.by_absolute = t.absolute_rate > 0 && c.rate >= t.absolute_rate;
    return c;
  };
  auto fill = [&](Finding& f, const Candidate& c, const HitterThresholds& t, uint64_t key) {
    f.rate = c.rate;
    f.baseline = c.baseline;
    f.share = c.share;
    f.threshold = c.threshold;
    f.started_at = startedAt(f.kind, key, now);
    std::string tail = format(
        ": %.0f req/s = %s of traffic, fair share %s, threshold %s; its "
        "baseline %.0f req/s",
        c.rate, percent(c.share).c_str(), percent(c.fair).c_str(), percent(c.threshold).c_str(),
        c.baseline);
    if (!c.by_anomaly) tail += format("; above the absolute limit %.0f req/s", t.absolute_rate);
    f.evidence += tail;
  };

  // Sources first; then prefixes and fingerprints, each only for traffic the flagged sources
  // do not already explain, so one flooder is one finding, not three.
  std::vector<std::pair<IpKey, double>> flagged_sources;
  double explained = 0;
  for (const auto& h : obs.sources().top(config_.hitters_read)) {
    Candidate c = assess(kSources, h.key, h.count, obs.distinctSources(), config_.source);
    if (!c.by_anomaly && !c.by_absolute) continue;
    Finding f;
    f.kind = FindingKind::kHeavySource;
    f.source = h.payload;
    f.prefix = IpPrefix::host(h.payload);
    f.evidence = "source " + h.payload.toString();
    fill(f, c, config_.source, h.key);
    flagged_sources.emplace_back(h.payload, c.excess);
    explained += c.excess;
    out.push_back(std::move(f));
  }
  for (const auto& h : obs.prefixes().top(config_.hitters_read)) {
    Candidate c = assess(kPrefixes, h.key, h.count, obs.distinctPrefixes(), config_.prefix);
    double own = c.excess;
    for (const auto& [key, excess] : flagged_sources) {
      if (h.payload.contains(key)) own -= excess;
    }
    c.by_anomaly = c.by_anomaly && own >= std::max(config_.prefix.min_rate, 0.5 * c.excess);
    if (!c.by_anomaly && !c.by_absolute) continue;
    Finding f;
    f.kind = FindingKind::kHeavyPrefix;
    f.prefix = h.payload;
    f.evidence = "prefix " + h.payload.toString();
    fill(f, c, config_.prefix, h.key);
    explained += std::max(0.0, own);
    out.push_back(std::move(f));
  }
  for (const auto& h : obs.fingerprints().top(config_.hitters_read)) {
    Candidate c =
        assess(kFingerprints, h.key, h.count, obs.distinctFingerprints(), config_.fingerprint);
    const double unexplained = overall_excess - explained;
    const bool shared = c.baseline >= config_.shared_min_baseline;
    const bool shared_rise =
        shared && status_.anomaly &&
        c.excess >= std::max(config_.shared_min_rate, config_.shared_rise * c.baseline);
    c.by_anomaly = (c.by_anomaly || shared_rise) && unexplained >= 0.5 * c.excess;
    if (!c.by_anomaly && !c.by_absolute) continue;
    Finding f;
    f.kind = FindingKind::kHeavyFingerprint;
    f.shared = shared;
    f.fingerprint = h.key;
    f.route = h.payload == 0xffff ? -1 : h.payload;
    f.evidence = format("fingerprint %016" PRIx64, h.key);
    if (f.route >= 0) f.evidence += format(" (route %d)", f.route);
    fill(f, c, config_.fingerprint, h.key);
    if (shared) f.evidence += "; regular clients use it too";
    if (overall_excess > 0) {
      f.evidence +=
          format("; %s of the %.0f req/s excess",
                 percent(std::min(1.0, c.excess / overall_excess)).c_str(), overall_excess);
    }
    explained += std::max(0.0, c.excess);
    out.push_back(std::move(f));
  }
}

void Detector::findOriginStress(const WorkerObservation& obs, MonoTime now,
                                std::vector<Finding>& out) {
  const uint64_t samples = obs.latency().count();
  const double p99 = static_cast<double>(obs.latency().quantileMicros(0.99)) / 1000.0;
  const bool latency_known = samples >= config_.min_latency_samples;
  const bool latency_warm = latency_ms_.samples() >= config_.warmup_ticks;
  const double latency_base = latency_ms_.mean();
  const double latency_limit =
      std::max(config_.latency_factor * latency_base, latency_base + config_.min_latency_excess_ms);
  const bool slow = latency_known && latency_warm && p99 > latency_limit;

  const uint64_t attempts = obs.originAttempts();
  const double failure = attempts == 0 ? 0 : double(obs.originFailures()) / double(attempts);
  const double failure_limit =
      std::max(config_.failure_ratio, config_.latency_factor * failure_ratio_.mean());
  const bool failing = obs.originFailures() >= config_.min_failures && failure >= failure_limit;

  const uint64_t csamples = obs.concurrencySamples();
  const double saturation = csamples == 0 ? 0 : double(obs.saturatedSamples()) / double(csamples);
  const bool saturated =
      csamples >= config_.min_concurrency_samples && saturation >= config_.saturation_share;

  const bool stress = slow || failing || saturated;
  if (stress) {
    if (!status_.origin_stress) {
      status_.origin_stress = true;
      status_.stress_since = now;
    }
    last_stress_ = now;
  } else if (status_.origin_stress && now - last_stress_ >= config_.hold) {
    status_.origin_stress = false;
  }
  if (!status_.origin_stress) {
    if (latency_known) latency_ms_.learn(p99);
    if (attempts >= config_.min_latency_samples) failure_ratio_.learn(failure);
  }
  if (!stress) return;

  Finding f;
  f.kind = FindingKind::kOriginStress;
  f.series = "origin";
  f.rate = p99;
  f.baseline = latency_base;
  f.threshold = latency_limit;
  f.share = failure;
  f.started_at = status_.stress_since;
  auto mark = [](bool on) { return on ? " [over]" : ""; };
  f.evidence =
      format("origin p99 %.0f ms vs baseline %.0f ms, threshold %.0f ms%s; failures %s of %" PRIu64
             " attempts, threshold %s%s; concurrency saturated in %s of %" PRIu64
             " samples, threshold "
             "%s%s",
             p99, latency_base, latency_limit, mark(slow), percent(failure).c_str(), attempts,
             percent(failure_limit).c_str(), mark(failing), percent(saturation).c_str(), csamples,
             percent(config_.saturation_share).c_str(), mark(saturated));
  out.push_back(std::move(f));
}

}  // namespace floodgate::shield
