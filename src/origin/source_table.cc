#include "origin/source_table.h"

#include <algorithm>

namespace floodgate::origin {

Outcome outcomeOf(int status, bool over_capacity) {
  if (over_capacity) return Outcome::kRejected;
  if (status >= 200 && status < 300) return Outcome::kServed;
  if (status >= 500) return Outcome::kFailed;
  return Outcome::kOther;
}

SourceCounters* SourceTable::find(std::string_view source) {
  if (!SourceKey::fits(source)) return &other_;
  SourceKey key;
  key.assign(source);
  auto it = map_.find(key);
  if (it != map_.end()) return &it->second;
  if (!budget_->take()) return &other_;
  return &map_.emplace(key, SourceCounters{}).first->second;
}

void SourceTable::countOutcome(SourceCounters* c, Outcome outcome, uint64_t bytes) {
  c->bytes += bytes;
  totals_.bytes += bytes;
  switch (outcome) {
    case Outcome::kServed:
      ++c->served;
      ++totals_.served;
      break;
    case Outcome::kRejected:
      ++c->rejected;
      ++totals_.rejected;
      break;
    case Outcome::kFailed:
      ++c->failed;
      ++totals_.failed;
      break;
    case Outcome::kOther:
      break;
  }
}

void SourceTable::clear() {
  budget_->giveBack(map_.size());
  // Swap with an empty map: clear() would keep a bucket array sized for the largest flood seen.
  std::unordered_map<SourceKey, SourceCounters, SourceKeyHash>().swap(map_);
  other_ = {};
  totals_ = {};
  ++generation_;
}

void SourceTable::collect(std::string_view prefix, std::vector<SourceEntry>* out) const {
  for (const auto& [key, counters] : map_) {
    if (key.view().substr(0, prefix.size()) == prefix) out->push_back({key, counters});
  }
}

void SourceRef::bind(SourceTable* table, std::string_view source) {
  if (counters != nullptr && generation == table->generation() && key.view() == source) return;
  counters = table->find(source);
  generation = table->generation();
  if (SourceKey::fits(source)) {
    key.assign(source);
  } else {
    key.len = 0;
  }
}

SourceCounters* SourceRef::get(SourceTable* table) {
  if (counters == nullptr || generation != table->generation()) {
    counters = table->find(key.view());
    generation = table->generation();
  }
  return counters;
}

void mergeSources(std::vector<SourceEntry>* entries) {
  auto& v = *entries;
  std::sort(v.begin(), v.end(),
            [](const SourceEntry& a, const SourceEntry& b) { return a.key.view() < b.key.view(); });
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].key == v[i].key) {
      v[out - 1].counters.add(v[i].counters);
    } else {
      v[out++] = v[i];
    }
  }
  v.resize(out);
}

}  // namespace floodgate::origin
