// AdaptiveLimit: how many requests one cluster may have in flight, learned each control tick
// from what the origin does with them — cuts on overload and latency to what the origin served
// (Little's law), then a hold just under the concurrency where it refused or queued, probed
// now and then. Deterministic: it sees only the samples it is given, so tests drive it with
// synthetic ticks.
#pragma once

#include <cstdint>
#include <deque>

namespace floodgate::shield {

struct AdaptiveLimitConfig {
  int min_limit = 4;
  int max_limit = 1024;  // also the starting point: no throttling before the origin shows trouble
  // A tick whose mean latency exceeds the learned normal × this (plus 1 ms, so a sub-millisecond
  // normal does not make jitter look like stress) is a stressed tick.
  double latency_tolerance = 2;
  // A tick where more than this share of exchanges came back refused or failed (503, 502, 504)
  // is an overloaded tick.
  double overload_share = 0.01;
  // The cut on trouble, applied to what was actually in flight. On overload, when the normal
  // latency is known, the limit also comes down to what the origin served: served per second
  // × normal latency (Little's law) — fast refusals free slots so quickly that a limit cut by
  // a fraction per tick would take many ticks to bite.
  double decrease = 0.8;
  // The normal latency is the lowest tick mean over this many ticks in which the limit did not
  // bind (none while it binds: a gateway started under attack judges by overload alone).
  int baseline_ticks = 60;
  // Slow ticks in a row at min_limit, with no overload, after which their latency is the new
  // normal: with the least concurrency the gate allows, the slowness is the origin's own (it got
  // slower), not queueing that less load would relieve — holding the floor would only turn away
  // what the slower origin can still serve. Envoy's gradient controller re-measures its minimum
  // RTT at low concurrency for the same reason.
  // The same without waiting for the floor: a latency cut after which the next tick is as slow
  // (its mean above this share of the cut tick's) relieved nothing, so the slowness is not
  // queueing either.
  int rebaseline_ticks = 3;
  double no_relief = 0.9;
  // A slow tick in which the origin served less than this share of the tick before while it held
  // more exchanges in flight, the limit not raised into it: the origin itself slowed (a queue,
  // which a latency cut relieves, serves at least as many). Its slowness is the new normal at
  // once, as slow as it answers at the tick's end, rather than a cut undone the tick after.
  double served_less = 0.98;
  uint64_t min_samples = 10; // fewer exchanges than this in a tick: latency is not judged
  int careful_ticks = 5;     // after a cut, grow by one per tick for this many ticks
  // A limit the origin's work filled all tick (exchanges × latency ≥ this share of it) with a
  // mean latency above normal × (1 + queue_tolerance) + 0.3 ms, and served, at the normal
  // latency, at least one exchange's worth of concurrency less than the limit: the excess only
  // queues inside the origin. It is trimmed to what was served plus one.
  double full_share = 0.9;
  double queue_tolerance = 0.1;
  // Once the origin refused (or queued) at some concurrency, the limit holds one below it and
  // tries it again only after this many calm ticks: a probe that passes a whole tick means the
  // origin takes more now, and growth resumes at its usual pace.
  int probe_ticks = 10;
};

// One control tick's worth of one cluster, as the gate collected it.
struct LimitSample {
  uint64_t completed = 0;   // exchanges that held a slot and ended
  uint64_t overloaded = 0;  // of which the origin refused or failed
  uint64_t latency_count = 0;
  double latency_sum_ms = 0;  // time to the response head, for exchanges served (not refused)
  int peak_in_flight = 0;
  uint64_t wanted_more = 0;  // requests that found every slot taken (queued or shed)
  double recent_latency_ms = 0;  // served exchanges' moving average at the tick's end (0: none)
};

class AdaptiveLimit {
 public:
  enum class Step : uint8_t { kHold, kGrow, kCutOverload, kCutLatency, kTrimQueueing };

  explicit AdaptiveLimit(const AdaptiveLimitConfig& config = {});

  // One tick: returns what it did; limit() is the new limit.
  Step update(const LimitSample& sample);
  // A reload: new bounds (the limit is clamped into them, the learned latency kept).
  void reconfigure(const AdaptiveLimitConfig& config);
  // The data path cut the limit between ticks (OriginGate's fast cut): start from there.
  void adopt(int limit);

  int limit() const { return limit_; }
  // The least the data path's fast cut may leave (OriginGate::setCutFloor): one below the
  // concurrency the origin last refused at, so a probe costs a few refusals, not a saw down to
  // 4/5 and back; never above the limit itself, so a worse origin is still cut by the tick.
  int cutFloor() const;
  int ceiling() const { return ceiling_; }  // 0: none found (or the last probe passed)
  // The last tick, the origin's work filled the limit while more wanted in: demand beyond what
  // the origin serves, not a burst, so a queue toward it only stands (OriginGate::setSaturated).
  bool saturated() const { return saturated_; }
  double normalLatencyMs() const;  // 0 until learned
  static const char* stepName(Step step);

 private:
  Step decide(const LimitSample& sample);
  // The origin's work filled the limit all tick (on average).
  bool filled(const LimitSample& sample) const;
  // Filled, and latency above normal: the origin queues what it is sent.
  bool queueing(const LimitSample& sample, double normal, double mean) const;

  AdaptiveLimitConfig config_;
  int limit_;
  int calm_ticks_ = 0;          // ticks since the last cut
  int slow_at_floor_ = 0;       // slow, not overloaded ticks in a row at min_limit
  int ceiling_ = 0;             // the concurrency the origin last refused or queued at
  bool saturated_ = false;
  int cut_from_ = 0;            // the limit the gate cut from since the last tick (adopt)
  Step last_step_ = Step::kHold;
  double last_cut_mean_ = 0;    // the mean latency of the tick that made the last cut
  int cut_from_limit_ = 0;      // the limit the last cut started from
  uint64_t last_served_ = 0;    // the last judged tick: exchanges served ...
  double last_held_ = 0;        // ... and their mean number in flight
  std::deque<double> means_;    // recent tick mean latencies, at most baseline_ticks
};

}  // namespace floodgate::shield
