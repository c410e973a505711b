#include "storm/run_record.h"

#include <algorithm>

namespace floodgate::storm {

Counters SecondRow::sum(const Scenario& s, bool attack) const {
  Counters out;
  for (size_t i = 0; i < groups.size() && i < s.groups.size(); ++i) {
    if (isAttack(s.groups[i].kind) == attack) out.add(groups[i]);
  }
  return out;
}

std::vector<SourceRange> sourceRangesOf(const Scenario& scenario) {
  std::vector<SourceRange> out;
  for (size_t g = 0; g < scenario.groups.size(); ++g) {
    const ClientGroup& group = scenario.groups[g];
    auto it = std::find_if(out.begin(), out.end(), [&](const SourceRange& r) {
      return r.range.toString() == group.sources.toString();
    });
    if (it == out.end()) {
      out.push_back({group.sources, isAttack(group.kind), {}});
      it = out.end() - 1;
    }
    it->groups.push_back(g);
  }
  return out;
}

std::optional<uint64_t> SecondRow::attackAdmitted(const std::vector<SourceRange>& ranges) const {
  uint64_t total = 0;
  bool any = false;
  for (size_t i = 0; i < origin.size() && i < ranges.size(); ++i) {
    if (!ranges[i].attack) continue;
    if (!origin[i]) return std::nullopt;
    total += origin[i]->requests;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

SecondRow mergeSecond(const std::vector<const WorkerSeries*>& workers, size_t s, size_t groups,
                      size_t ranges) {
  SecondRow row;
  row.second = s;
  row.groups.resize(groups);
  row.origin.resize(ranges);
  for (const WorkerSeries* w : workers) {
    if (s >= w->capacity()) continue;
    const SecondRecord& rec = w->second(s);
    for (size_t g = 0; g < groups; ++g) row.groups[g].add(rec.groups[g]);
    row.legit_latency.merge(rec.latency[static_cast<int>(TrafficClass::kLegit)]);
    row.attack_latency.merge(rec.latency[static_cast<int>(TrafficClass::kAttack)]);
  }
  return row;
}

int phaseAt(const Scenario& scenario, size_t s) {
  Duration t = seconds(static_cast<int64_t>(s));
  for (size_t i = 0; i < scenario.phases.size(); ++i) {
    if (t >= scenario.phases[i].start && t < scenario.phases[i].end()) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace floodgate::storm
