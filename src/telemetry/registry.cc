#include "telemetry/registry.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace floodgate::telemetry {
namespace {

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool includes(const Labels& labels, const Labels& match) {
  for (const auto& m : match) {
    bool found = false;
    for (const auto& l : labels) found = found || l == m;
    if (!found) return false;
  }
  return true;
}

void appendLabels(std::string* out, const Labels& labels, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out->push_back(',');
    first = false;
    out->append(k).append("=\"").append(escapeLabelValue(v)).push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    out->append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  out->push_back('}');
}

void appendSample(std::string* out, std::string_view name, const Labels& labels, double value,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out->append(name);
  appendLabels(out, labels, extra_name, extra_value);
  out->push_back(' ');
  out->append(formatValue(value));
  out->push_back('\n');
}

double readSeries(const auto& s) {
  if (s.read) return s.read();
  if (s.counter) return static_cast<double>(s.counter->value());
  if (s.gauge) return s.gauge->value();
  return 0;
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

Registry::Registry(int shards) : shards_(shards < 1 ? 1 : shards) {}

Registry::Family& Registry::family(std::string_view name, std::string_view help,
                                   MetricType type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{std::string(help), type, {}, {}}).first;
  } else if (it->second.type != type) {
    fmt::print(stderr, "metric {} registered as {} and as {}\n", name, typeName(it->second.type),
               typeName(type));
    std::abort();
  }
  return it->second;
}

Registry::Series& Registry::series(std::string_view name, std::string_view help, MetricType type,
                                   const Labels& labels) {
  return family(name, help, type).series[labels];
}

Counter* Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series(name, help, MetricType::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>(shards_);
  return s.counter.get();
}

Gauge* Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series(name, help, MetricType::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return s.gauge.get();
}

Histogram* Registry::histogram(std::string_view name, std::string_view help, const Labels& labels,
                               const Buckets& buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series(name, help, MetricType::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(buckets, shards_);
  return s.histogram.get();
}

void Registry::callback(std::string_view name, std::string_view help, MetricType type,
                        const Labels& labels, std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  series(name, help, type, labels).read = std::move(read);
}

void Registry::callbackFamily(std::string_view name, std::string_view help, MetricType type,
                              std::function<Samples()> read) {
  if (type == MetricType::kHistogram) {
    fmt::print(stderr, "metric {}: a callback family is a counter or a gauge\n", name);
    std::abort();
  }
  std::lock_guard<std::mutex> lock(mu_);
  family(name, help, type).read_all = std::move(read);
}

std::string Registry::exposition() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(4096);
  for (const auto& [name, family] : families_) {
    out.append("# HELP ").append(name).append(" ").append(escapeHelp(family.help)).push_back('\n');
    out.append("# TYPE ").append(name).append(" ").append(typeName(family.type)).push_back('\n');
    for (const auto& [labels, s] : family.series) {
      if (family.type != MetricType::kHistogram) {
        appendSample(&out, name, labels, readSeries(s));
        continue;
      }
      Histogram::Snapshot snap = s.histogram->snapshot();
      const Buckets& bounds = s.histogram->bounds();
      uint64_t cumulative = 0;
      std::string bucket_name = name + "_bucket";
      for (size_t b = 0; b < snap.counts.size(); ++b) {
        cumulative += snap.counts[b];
        std::string le = b < bounds.size() ? formatValue(bounds[b]) : "+Inf";
        appendSample(&out, bucket_name, labels, static_cast<double>(cumulative), "le", le);
      }
      appendSample(&out, name + "_sum", labels, snap.sum);
      appendSample(&out, name + "_count", labels, static_cast<double>(cumulative));
    }
    if (family.read_all) {
      for (const auto& [labels, value] : family.read_all()) appendSample(&out, name, labels, value);
    }
  }
  return out;
}

double Registry::sum(std::string_view name, const Labels& match) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  double total = 0;
  for (const auto& [labels, s] : it->second.series) {
    if (includes(labels, match)) total += readSeries(s);
  }
  if (it->second.read_all) {
    for (const auto& [labels, value] : it->second.read_all()) {
      if (includes(labels, match)) total += value;
    }
  }
  return total;
}

Histogram::Snapshot Registry::merged(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  Histogram::Snapshot out;
  auto it = families_.find(name);
  if (it == families_.end()) return out;
  for (const auto& [labels, s] : it->second.series) {
    if (s.histogram) out.add(s.histogram->snapshot());
  }
  return out;
}

}  // namespace floodgate::telemetry
