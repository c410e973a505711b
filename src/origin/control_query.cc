#include "origin/control_query.h"

#include <cstdio>

#include "origin/json_text.h"

namespace floodgate::origin {
namespace {

void appendDouble(std::string* out, double v) {
  char text[32];
  int n = std::snprintf(text, sizeof(text), "%.3f", v);
  out->append(text, static_cast<size_t>(n));
}

void appendField(std::string* out, std::string_view name, uint64_t value) {
  out->push_back('"');
  out->append(name);
  out->append("\":");
  appendJsonUint(out, value);
}

void appendCounters(std::string* out, const SourceCounters& c) {
  out->push_back('{');
  appendField(out, "requests", c.requests);
  out->push_back(',');
  appendField(out, "served", c.served);
  out->push_back(',');
  appendField(out, "rejected", c.rejected);
  out->push_back(',');
  appendField(out, "failed", c.failed);
  out->push_back(',');
  appendField(out, "bytes", c.bytes);
  out->push_back('}');
}

}  // namespace

std::string renderStats(const StatsHeader& h, const ControlQuery& q) {
  std::string out;
  out.reserve(256 + (q.summary ? 0 : q.sources.size() * 100));
  out += "{\"name\":";
  appendJsonString(&out, h.name);
  out += ",\"uptime_s\":";
  appendDouble(&out, h.uptime_s);
  out += ',';
  appendField(&out, "requests", q.totals.requests);
  out += ',';
  appendField(&out, "served", q.totals.served);
  out += ',';
  appendField(&out, "rejected", q.totals.rejected);
  out += ',';
  appendField(&out, "failed", q.totals.failed);
  out += ',';
  appendField(&out, "bytes", q.totals.bytes);
  out += ',';
  appendField(&out, "in_flight", static_cast<uint64_t>(h.in_flight > 0 ? h.in_flight : 0));
  out += ",\"capacity_rps\":";
  appendDouble(&out, h.capacity_rps);
  out += ',';
  appendField(&out, "concurrency", static_cast<uint64_t>(h.concurrency));
  out += ",\"latency_ms\":";
  appendDouble(&out, h.latency_ms);
  out += ',';
  appendField(&out, "workers", static_cast<uint64_t>(h.workers));
  out += ',';
  appendField(&out, "sources_tracked", q.tracked);
  if (!q.summary) {
    out += ",\"sources\":{";
    bool first = true;
    for (const auto& e : q.sources) {
      if (!first) out += ',';
      first = false;
      appendJsonString(&out, e.key.view());
      out += ':';
      appendCounters(&out, e.counters);
    }
    // Sources beyond the tracking bound, so the map still adds up to the totals.
    if (q.other.requests > 0 && std::string_view("other").starts_with(q.prefix)) {
      if (!first) out += ',';
      out += "\"other\":";
      appendCounters(&out, q.other);
    }
    out += '}';
  }
  out += "}\n";
  return out;
}

}  // namespace floodgate::origin
