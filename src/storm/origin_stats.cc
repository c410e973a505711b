#include "storm/origin_stats.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "storm/http_fetch.h"

namespace floodgate::storm {

OriginCounts OriginCounts::since(const OriginCounts& e) const {
  auto delta = [](uint64_t now, uint64_t before) { return now >= before ? now - before : 0; };
  return {delta(requests, e.requests), delta(served, e.served), delta(rejected, e.rejected),
          delta(failed, e.failed)};
}

Result<OriginCounts> parseOriginStats(std::string_view text, const CidrRange& range) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return makeError("the origin's stats are not JSON");
  }
  auto sources = json.find("sources");
  if (sources == json.end() || !sources->is_object()) {
    return makeError("the origin's stats have no \"sources\" map (is it floodgate origin?)");
  }
  OriginCounts out;
  auto field = [](const nlohmann::json& o, const char* name) -> uint64_t {
    auto it = o.find(name);
    return it != o.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  for (const auto& [source, counters] : sources->items()) {
    if (!counters.is_object() || !range.contains(source)) continue;
    out.requests += field(counters, "requests");
    out.served += field(counters, "served");
    out.rejected += field(counters, "rejected");
    out.failed += field(counters, "failed");
  }
  return out;
}

std::string queryPrefixFor(const CidrRange& range) {
  std::string prefix = range.textPrefix();
  if (!prefix.empty() && range.prefixLength() < 32) return prefix;
  // Cut back to whole octets: "127.66.16.0/20" -> "127.66."; a single address -> its /24.
  int octets = std::min(range.prefixLength() / 8, 3);
  std::string text = range.toString();
  std::string out;
  size_t pos = 0;
  for (int i = 0; i < octets; ++i) {
    size_t dot = text.find('.', pos);
    out += text.substr(pos, dot - pos + 1);
    pos = dot + 1;
  }
  return out;
}

Result<std::vector<OriginCounts>> OriginStatsReader::read(Duration timeout) const {
  std::vector<OriginCounts> out;
  for (const auto& range : ranges_) {
    std::string path = url_.path;
    path += path.find('?') == std::string::npos ? "?prefix=" : "&prefix=";
    path += queryPrefixFor(range);
    auto reply = httpFetch(url_, "GET", path, timeout);
    if (!reply.ok()) return makeError("origin stats at " + url_.text + ": " + reply.error());
    if (reply->status != 200) {
      return makeError("origin stats at " + url_.text + " answered " +
                       std::to_string(reply->status));
    }
    auto counts = parseOriginStats(reply->body, range);
    if (!counts.ok()) return makeError(counts.error());
    out.push_back(*counts);
  }
  return out;
}

}  // namespace floodgate::storm
