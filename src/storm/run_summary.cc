#include "storm/run_summary.h"

#include "storm/schedule.h"

namespace floodgate::storm {
namespace {

double ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

std::optional<double> successOf(const Counters& c) {
  uint64_t n = c.outcomes();
  if (n == 0) return std::nullopt;
  return static_cast<double>(c[Count::kOk]) / static_cast<double>(n);
}

Baseline baselineOf(const Scenario& s, const RunRecord& r, const AttackWindow& w) {
  // The calm seconds before the attack; the first is skipped when there are enough, since it
  // carries the connection set-up.
  size_t from = w.start >= 3 ? 1 : 0;
  Counters c;
  LatencyHistogram h;
  for (size_t i = from; i < w.start && i < r.seconds.size(); ++i) {
    c.add(r.seconds[i].legit(s));
    h.merge(r.seconds[i].legit_latency);
  }
  Baseline b;
  b.success = successOf(c).value_or(0);
  b.p99_us = h.percentile(99);
  return b;
}

}  // namespace

LatencyFigures LatencyFigures::of(const LatencyHistogram& h) {
  LatencyFigures f;
  f.count = h.count();
  f.p50_ms = ms(h.percentile(50));
  f.p90_ms = ms(h.percentile(90));
  f.p99_ms = ms(h.percentile(99));
  f.p999_ms = ms(h.percentile(99.9));
  f.max_ms = ms(h.max());
  f.mean_ms = h.mean() / 1000.0;
  return f;
}

std::vector<std::pair<const char*, uint64_t>> errorsByKind(const Counters& c) {
  uint64_t other_status = c[Count::kStatus4xx] + c[Count::kStatus5xx] - c[Count::kStatus403] -
                          c[Count::kStatus429] - c[Count::kStatus503];
  return {{"refused", c[Count::kRefused]},
          {"reset", c[Count::kReset]},
          {"closed", c[Count::kClosed]},
          {"timeout", c[Count::kTimeout]},
          {"http_403", c[Count::kStatus403]},
          {"http_429", c[Count::kStatus429]},
          {"http_503", c[Count::kStatus503]},
          {"http_other", other_status},
          {"bad_response", c[Count::kBadResponse]},
          {"local", c[Count::kLocalError]}};
}

RunSummary summarize(const Scenario& s, const RunRecord& r) {
  RunSummary out;
  LatencyHistogram legit_latency, attack_latency;
  for (const auto& row : r.seconds) {
    out.legit.totals.add(row.legit(s));
    out.attack.totals.add(row.attack(s));
    legit_latency.merge(row.legit_latency);
    attack_latency.merge(row.attack_latency);
  }
  out.legit.latency = LatencyFigures::of(legit_latency);
  out.attack.latency = LatencyFigures::of(attack_latency);
  out.legit.success = successOf(out.legit.totals);
  out.attack.success = successOf(out.attack.totals);

  for (size_t g = 0; g < s.groups.size(); ++g) {
    GroupFigures f;
    f.name = s.groups[g].name;
    f.kind = s.groups[g].kind;
    for (const auto& row : r.seconds) f.totals.add(row.groups[g]);
    if (g < r.group_latency.size()) f.latency = LatencyFigures::of(r.group_latency[g]);
    f.success = successOf(f.totals);
    double active_s =
        static_cast<double>(ActiveWindows::forGroup(s.phases, s.groups[g]).totalActive().count()) /
        1e9;
    if (active_s > 0) f.offered_rps = static_cast<double>(f.totals.attempted()) / active_s;
    for (size_t i = 0; i < r.ranges.size() && i < r.origin_total.size(); ++i) {
      if (r.ranges[i].groups.size() == 1 && r.ranges[i].groups[0] == g && r.origin_total[i]) {
        f.origin_requests = r.origin_total[i]->requests;
      }
    }
    if (!isAttack(f.kind)) {
      f.users = s.groups[g].count;
      f.blocked_users = g < r.blocked_users.size() ? r.blocked_users[g] : 0;
      out.legit_users += f.users;
      out.collateral_users += f.blocked_users;
    }
    uint64_t unsent = f.totals[Count::kUnsent];
    uint64_t scheduled = f.totals[Count::kScheduled];
    if (scheduled > 0 && unsent * 1000 > scheduled) {
      out.warnings.push_back("group \"" + f.name + "\": " + std::to_string(unsent) + " of " +
                             std::to_string(scheduled) +
                             " scheduled requests were never sent (its clients were all busy); "
                             "give it more connections");
    }
    uint64_t late = f.totals[Count::kLateStarts];
    if (scheduled > 0 && late * 100 > scheduled) {
      out.warnings.push_back(
          "group \"" + f.name + "\": " + std::to_string(late) + " of " + std::to_string(scheduled) +
          " requests left more than 10 ms after their time though their client was free: "
          "storm or the machine under it could not keep the schedule, and latencies include "
          "that delay");
    }
    if (f.totals[Count::kLocalError] > 0) {
      out.warnings.push_back("group \"" + f.name +
                             "\": " + std::to_string(f.totals[Count::kLocalError]) +
                             " sockets could not be opened here (ports or descriptors ran out)");
    }
    out.groups.push_back(std::move(f));
  }
  if (out.legit_users > 0) {
    out.collateral =
        static_cast<double>(out.collateral_users) / static_cast<double>(out.legit_users);
  }

  // Attack offered and admitted.
  out.window = attackWindowOf(s.phases);
  uint64_t attack_offered = out.attack.totals.attempted();
  // Per second of attack: the attack phases' exact length (whole seconds would misstate it
  // for a 1.5 s phase), or of the whole run when no phase is marked as an attack.
  double attack_seconds = 0;
  for (const auto& p : s.phases) {
    if (p.attack) attack_seconds += static_cast<double>(p.duration.count()) / 1e9;
  }
  if (attack_seconds == 0) attack_seconds = static_cast<double>(s.duration().count()) / 1e9;
  if (attack_seconds > 0)
    out.attack_offered_rps = static_cast<double>(attack_offered) / attack_seconds;
  bool have_attack_origin = false, have_legit_origin = false;
  uint64_t admitted = 0, legit_admitted = 0;
  bool attack_complete = true, legit_complete = true;
  for (size_t i = 0; i < r.ranges.size(); ++i) {
    bool known = i < r.origin_total.size() && r.origin_total[i].has_value();
    if (r.ranges[i].attack) {
      have_attack_origin = true;
      attack_complete = attack_complete && known;
      if (known) admitted += r.origin_total[i]->requests;
    } else {
      have_legit_origin = true;
      legit_complete = legit_complete && known;
      if (known) legit_admitted += r.origin_total[i]->requests;
    }
  }
  if (have_attack_origin && attack_complete && r.origin_asked) {
    out.attack_admitted = admitted;
    if (attack_offered > 0) {
      out.attack_admitted_share =
          static_cast<double>(admitted) / static_cast<double>(attack_offered);
    }
  }
  if (have_legit_origin && legit_complete && r.origin_asked) out.legit_admitted = legit_admitted;

  // Derived times.
  if (out.window.present()) {
    std::vector<AttackSample> attack;
    for (size_t i = out.window.start; i < out.window.end && i < r.seconds.size(); ++i) {
      const SecondRow& row = r.seconds[i];
      const Counters c = row.attack(s);
      attack.push_back({c.attempted(), row.attackAdmitted(r.ranges), c[Count::kScheduled]});
    }
    if (r.origin_asked) out.time_to_mitigate_s = timeToMitigate(attack);
    if (out.window.start > 0) {
      Baseline base = baselineOf(s, r, out.window);
      out.baseline = base;
      size_t run_end = static_cast<size_t>(
          std::chrono::duration_cast<std::chrono::seconds>(s.duration()).count());
      std::vector<LegitSample> after;
      for (size_t i = out.window.end; i < run_end && i < r.seconds.size(); ++i) {
        const SecondRow& row = r.seconds[i];
        Counters c = row.legit(s);
        after.push_back(
            {c[Count::kScheduled], c.outcomes(), c[Count::kOk], row.legit_latency.percentile(99)});
      }
      if (out.legit.totals[Count::kScheduled] > 0) {
        out.time_to_recover_s = timeToRecover(after, base, s.baseline);
      }
    }
  }

  // Expectations.
  for (const auto& e : s.expect) {
    ExpectationResult res{e, out.figure(e.metric), false};
    res.held = expectationHolds(e, res.value);
    out.passed = out.passed && res.held;
    out.expectations.push_back(std::move(res));
  }
  return out;
}

std::optional<double> RunSummary::figure(std::string_view m) const {
  if (m == "legit_success") return legit.success;
  if (legit.latency.count > 0) {
    if (m == "legit_p50_ms") return legit.latency.p50_ms;
    if (m == "legit_p99_ms") return legit.latency.p99_ms;
    if (m == "legit_p999_ms") return legit.latency.p999_ms;
  }
  if (m == "attack_admitted") return attack_admitted_share;
  if (m == "time_to_mitigate_s") return time_to_mitigate_s;
  if (m == "time_to_recover_s") return time_to_recover_s;
  if (m == "collateral") return collateral;
  if (m == "collateral_users") return static_cast<double>(collateral_users);
  if (m == "legit_requests") return static_cast<double>(legit.totals.outcomes());
  if (m == "attack_offered_rps") return attack_offered_rps;
  return std::nullopt;
}

}  // namespace floodgate::storm
