// SourceTable: one worker's counters per client source (the address a request came from), in
// bounded memory: all workers together track at most a budget of distinct sources, and count the
// rest into one "other" bucket, so ten million spoofed sources cannot exhaust the origin.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace floodgate::origin {

// A source's text ("127.0.0.5", "::1"), stored inline so a lookup allocates nothing.
struct SourceKey {
  static constexpr size_t kMaxLen = 46;  // INET6_ADDRSTRLEN - 1: any IP address fits

  static bool fits(std::string_view text) { return !text.empty() && text.size() <= kMaxLen; }
  void assign(std::string_view text) {  // `text` must fit
    len = static_cast<uint8_t>(text.size());
    std::memcpy(bytes, text.data(), text.size());
  }
  std::string_view view() const { return {bytes, len}; }
  bool operator==(const SourceKey& o) const { return view() == o.view(); }

  uint8_t len = 0;
  char bytes[kMaxLen];
};

struct SourceKeyHash {
  size_t operator()(const SourceKey& k) const { return std::hash<std::string_view>()(k.view()); }
};

struct SourceCounters {
  uint64_t requests = 0;
  uint64_t served = 0;    // answered 2xx
  uint64_t rejected = 0;  // answered 503 because the origin was over capacity
  uint64_t failed = 0;    // answered 5xx for another reason (e.g. --fail-every)
  uint64_t bytes = 0;     // response bytes, head and body

  void add(const SourceCounters& o) {
    requests += o.requests;
    served += o.served;
    rejected += o.rejected;
    failed += o.failed;
    bytes += o.bytes;
  }
};

enum class Outcome : uint8_t { kServed, kRejected, kFailed, kOther };
Outcome outcomeOf(int status, bool over_capacity);

// How many more distinct sources may be tracked, shared by every worker's table. Two workers
// that see the same source both spend budget on it: that only makes the bound stricter.
class SourceBudget {
 public:
  explicit SourceBudget(size_t limit) : limit_(limit), remaining_(static_cast<int64_t>(limit)) {}
  bool take() {
    if (remaining_.fetch_sub(1, std::memory_order_relaxed) > 0) return true;
    remaining_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  void giveBack(size_t n) {
    remaining_.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
  }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  std::atomic<int64_t> remaining_;
};

struct SourceEntry {
  SourceKey key;
  SourceCounters counters;
};

class SourceTable {
 public:
  explicit SourceTable(SourceBudget* budget) : budget_(budget) {}
  ~SourceTable() { clear(); }
  SourceTable(const SourceTable&) = delete;
  SourceTable& operator=(const SourceTable&) = delete;

  // The counters of `source`: its own when tracked or there is budget to start tracking it, else
  // the "other" bucket. Valid until clear(); generation() tells whether a clear happened since.
  SourceCounters* find(std::string_view source);
  uint64_t generation() const { return generation_; }

  void countRequest(SourceCounters* c) {
    ++c->requests;
    ++totals_.requests;
  }
  void countOutcome(SourceCounters* c, Outcome outcome, uint64_t bytes);

  // Forgets every source and zeroes the counters; gives the budget back.
  void clear();

  const SourceCounters& totals() const { return totals_; }
  const SourceCounters& other() const { return other_; }
  size_t tracked() const { return map_.size(); }
  // Appends the sources whose text starts with `prefix`.
  void collect(std::string_view prefix, std::vector<SourceEntry>* out) const;

 private:
  SourceBudget* budget_;
  std::unordered_map<SourceKey, SourceCounters, SourceKeyHash> map_;
  SourceCounters other_;
  SourceCounters totals_;
  uint64_t generation_ = 0;
};

// A counted request's source, remembered between its arrival and its answer.
struct SourceRef {
  SourceKey key;  // empty: counted into "other"
  SourceCounters* counters = nullptr;
  uint64_t generation = 0;

  // Points at `source`'s counters in `table`, reusing the last lookup when the source repeats.
  void bind(SourceTable* table, std::string_view source);
  // The counters, looked up again if the table was cleared since bind().
  SourceCounters* get(SourceTable* table);
};

// Sorts entries by source and adds up entries of the same source (from different workers).
void mergeSources(std::vector<SourceEntry>* entries);

}  // namespace floodgate::origin
