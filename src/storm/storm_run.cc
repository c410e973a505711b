#include "storm/storm_run.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "core/fd_table.h"
#include "storm/origin_stats.h"
#include "storm/storm_worker.h"

namespace floodgate::storm {
namespace {

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Sleeps until `when`, waking early when `interrupt` turns true.
void sleepUntil(MonoTime when, const std::atomic<bool>& interrupt) {
  while (!interrupt.load(std::memory_order_relaxed)) {
    MonoTime now = MonoClock::now();
    if (now >= when) return;
    std::this_thread::sleep_for(std::min<Duration>(when - now, milliseconds(20)));
  }
}

// The readings the run's totals are the difference of, before the first second and after the
// last: without either there are no totals, so a failed one is asked again (the per-second
// readings between them may miss a second; their gap is shared out by the next). Three
// attempts of up to 2 s, the error of each kept.
Result<std::vector<OriginCounts>> readBeforeAndAfter(const OriginStatsReader& reader) {
  std::string errors;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto reading = reader.read(seconds(2));
    if (reading.ok()) return reading;
    errors += (errors.empty() ? "" : "; ") + std::string("attempt ") + std::to_string(attempt) +
              ": " + reading.error();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return makeError(errors);
}

}  // namespace

StormRun::StormRun(const Scenario& scenario, LoopbackUrl target,
                   std::optional<LoopbackUrl> origin_stats)
    : scenario_(scenario), target_(std::move(target)), origin_stats_(std::move(origin_stats)) {
  threads_ = scenario.threads > 0
                 ? scenario.threads
                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Status StormRun::prepare() {
  uint64_t wanted = 64;
  for (const auto& g : scenario_.groups) wanted += g.connections;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (wanted > lim.rlim_cur) {
    return makeError("the scenario needs up to " + std::to_string(wanted) +
                     " open connections but this process may open " + std::to_string(lim.rlim_cur) +
                     " descriptors; lower the connections or raise `ulimit -n`");
  }
  // Before the threads start: the generator must not stall for an RCU grace period each time
  // its connections double (it would measure its own stall as the target's latency).
  reserveDescriptorTable(wanted);
  return {};
}

RunRecord StormRun::execute(const std::atomic<bool>& interrupt,
                            const std::function<void(const SecondRow&)>& on_second) {
  RunRecord record;
  record.ranges = sourceRangesOf(scenario_);
  const size_t groups = scenario_.groups.size();
  const size_t nranges = record.ranges.size();

  std::optional<OriginStatsReader> reader;
  std::vector<OriginCounts> first, previous;
  if (origin_stats_) {
    std::vector<CidrRange> ranges;
    for (const auto& r : record.ranges) ranges.push_back(r.range);
    reader.emplace(*origin_stats_, ranges);
    auto reading = readBeforeAndAfter(*reader);
    if (reading.ok()) {
      first = previous = *reading;
      record.origin_asked = true;
    } else {
      record.origin_error = reading.error();
      reader.reset();
    }
  }

  double total_s = static_cast<double>((scenario_.duration() + scenario_.drain).count()) / 1e9;
  size_t capacity = static_cast<size_t>(std::ceil(total_s)) + 2;
  MonoTime start = MonoClock::now() + milliseconds(150);
  std::vector<std::unique_ptr<StormWorker>> workers;
  std::vector<const WorkerSeries*> series;
  for (int i = 0; i < threads_; ++i) {
    WorkerPlan plan{i, threads_, start, capacity, 0x5eed0000ull + static_cast<uint64_t>(i) * 7919};
    workers.push_back(std::make_unique<StormWorker>(scenario_, target_, plan));
    series.push_back(&workers.back()->series());
  }
  std::vector<std::atomic<bool>> done(static_cast<size_t>(std::max(threads_, 1)));
  std::vector<std::thread> threads;
  double cpu_before = cpuSeconds();
  for (int i = 0; i < threads_; ++i) {
    done[static_cast<size_t>(i)].store(false);
    threads.emplace_back([&, i] {
      workers[static_cast<size_t>(i)]->run();
      done[static_cast<size_t>(i)].store(true, std::memory_order_release);
    });
  }

  auto allDone = [&] {
    for (int i = 0; i < threads_; ++i) {
      if (!done[static_cast<size_t>(i)].load(std::memory_order_acquire)) return false;
    }
    return true;
  };
  bool stop_sent = false;
  size_t s = 0;
  std::vector<std::optional<OriginCounts>> origin(nranges);
  std::vector<size_t> gap_rows;  // rows whose origin reading failed, awaiting the next one
  for (; s + 1 < capacity; ++s) {
    // Read the origin just before the boundary: a request sent in the next second must not
    // land in this one (the skew goes the other way, toward the next second, by the path's
    // latency, which is what a request's trip takes anyway).
    sleepUntil(start + seconds(static_cast<int64_t>(s + 1)) - milliseconds(3), interrupt);
    if (interrupt.load() && !stop_sent) {
      for (auto& w : workers) w->requestStop();
      stop_sent = true;
      record.interrupted = true;
    }
    origin.assign(nranges, std::nullopt);
    if (reader) {
      auto reading = reader->read(milliseconds(500));
      if (reading.ok()) {
        // Growth since the last good reading: shared evenly with the seconds whose reading
        // failed (an overloaded origin may answer late), so no second gets several seconds'
        // worth and the series still adds up to the totals.
        size_t share = gap_rows.size() + 1;
        for (size_t i = 0; i < nranges; ++i) {
          OriginCounts delta = (*reading)[i].since(previous[i]);
          OriginCounts part{delta.requests / share, delta.served / share, delta.rejected / share,
                            delta.failed / share};
          for (size_t row : gap_rows) record.seconds[row].origin[i] = part;
          OriginCounts rest = delta;
          for (size_t k = 0; k + 1 < share; ++k) rest = rest.since(part);
          origin[i] = rest;
        }
        gap_rows.clear();
        previous = *reading;
      }
    }
    // Wait until every worker has sealed this second (or finished).
    for (;;) {
      bool ready = true;
      for (int i = 0; i < threads_; ++i) {
        ready = ready && (done[static_cast<size_t>(i)].load(std::memory_order_acquire) ||
                          series[i]->sealed() > s);
      }
      if (ready) break;
      std::this_thread::sleep_for(milliseconds(2));
    }
    if (allDone()) break;  // this second is the last one, merged after the join below
    SecondRow row = mergeSecond(series, s, groups, nranges);
    row.phase = phaseAt(scenario_, s);
    row.origin = origin;
    if (reader && !origin.empty() && !origin[0]) gap_rows.push_back(record.seconds.size());
    if (on_second) on_second(row);
    record.seconds.push_back(std::move(row));
  }
  for (auto& t : threads) t.join();
  record.elapsed_s = static_cast<double>((MonoClock::now() - start).count()) / 1e9;
  generator_cpu_ = (cpuSeconds() - cpu_before) / std::max(record.elapsed_s, 1e-3) / threads_;

  // The workers have stopped: what is left of their record is final.
  size_t last = 0;
  for (const auto* w : series) last = std::max(last, w->current());
  if (reader) std::this_thread::sleep_for(milliseconds(200));  // let the last answers land
  std::vector<std::optional<OriginCounts>> tail(nranges);
  if (reader) {
    auto reading = readBeforeAndAfter(*reader);
    if (reading.ok()) {
      for (size_t i = 0; i < nranges; ++i) {
        OriginCounts delta = (*reading)[i].since(previous[i]);
        size_t share = gap_rows.size() + 1;
        OriginCounts part{delta.requests / share, delta.served / share, delta.rejected / share,
                          delta.failed / share};
        for (size_t row : gap_rows) record.seconds[row].origin[i] = part;
        for (size_t k = 0; k + 1 < share; ++k) delta = delta.since(part);
        tail[i] = delta;
        record.origin_total.push_back((*reading)[i].since(first[i]));
      }
    } else {
      record.origin_error = "final reading: " + reading.error();
      record.origin_asked = false;
    }
  }
  last = std::max(last, s);
  for (size_t first_tail = s; s <= last; ++s) {
    SecondRow row = mergeSecond(series, s, groups, nranges);
    row.phase = phaseAt(scenario_, s);
    if (reader) {
      // The reading taken at this second's end (if any), plus, on the last, what came after.
      for (size_t i = 0; i < nranges; ++i) {
        std::optional<OriginCounts> v = s == first_tail ? origin[i] : OriginCounts{};
        if (s == last && tail[i]) {
          OriginCounts sum = v.value_or(OriginCounts{});
          sum.add(*tail[i]);
          v = sum;
        }
        row.origin[i] = v;
      }
    }
    if (on_second) on_second(row);
    record.seconds.push_back(std::move(row));
  }
  record.group_latency.resize(groups);
  record.blocked_users.assign(groups, 0);
  for (const auto& w : workers) {
    for (size_t g = 0; g < groups; ++g) {
      record.group_latency[g].merge(w->series().groupLatency(g));
      record.blocked_users[g] += w->blockedUsers()[g];
    }
  }
  return record;
}

}  // namespace floodgate::storm
