#include "storm/yaml_fields.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/spelling.h"
#include "storm/duration_text.h"

namespace floodgate::storm {

void YamlFields::failAt(const YAML::Mark& mark, const std::string& message) {
  if (mark.is_null()) {
    errors_.push_back(file_ + ": " + message);
  } else {
    errors_.push_back(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                      std::to_string(mark.column + 1) + ": " + message);
  }
}

void YamlFields::fail(const YAML::Node& at, const std::string& message) {
  failAt(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), message);
}

YAML::Node keyOrMap(const YAML::Node& map, const char* key) {
  if (map.IsMap() && map[key]) return map[key];
  return map;
}

void YamlFields::checkKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                           std::string_view where) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = "unknown key \"" + key + "\" in " + std::string(where);
    std::string best = closestName(key, std::vector<std::string>(known.begin(), known.end()));
    if (!best.empty()) message += " (did you mean \"" + best + "\"?)";
    fail(kv.first, message);
  }
}

bool YamlFields::readString(const YAML::Node& n, std::string* out, std::string_view what) {
  if (!n.IsScalar()) {
    fail(n, std::string(what) + " must be a single value");
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool YamlFields::readBool(const YAML::Node& n, bool* out, std::string_view what) {
  std::string s;
  if (!readString(n, &s, what)) return false;
  if (s == "true" || s == "yes" || s == "on") {
    *out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    *out = false;
  } else {
    fail(n, std::string(what) + " must be true or false, not \"" + s + "\"");
    return false;
  }
  return true;
}

bool YamlFields::readNumber(const YAML::Node& n, double* out, std::string_view what) {
  std::string s;
  if (!readString(n, &s, what)) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) {
    fail(n, std::string(what) + " must be a non-negative number, not \"" + s + "\"");
    return false;
  }
  *out = v;
  return true;
}

bool YamlFields::readCount(const YAML::Node& n, uint64_t* out, std::string_view what,
                           uint64_t max) {
  double v = 0;
  if (!readNumber(n, &v, what)) return false;
  if (v != std::floor(v) || v > static_cast<double>(max)) {
    fail(n, std::string(what) + " must be a whole number up to " + std::to_string(max) +
                ", not \"" + n.Scalar() + "\"");
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

bool YamlFields::readDuration(const YAML::Node& n, Duration* out, std::string_view what) {
  std::string s;
  if (!readString(n, &s, what)) return false;
  if (!parseDurationText(s, out)) {
    fail(n, std::string(what) + " must be a duration like 500ms, 5s or 1m, not \"" + s + "\"");
    return false;
  }
  return true;
}

bool YamlFields::readStringList(const YAML::Node& n, std::vector<std::string>* out,
                                std::string_view what) {
  out->clear();
  if (n.IsScalar()) {
    out->push_back(n.Scalar());
    return true;
  }
  if (!n.IsSequence()) {
    fail(n, std::string(what) + " must be a value or a list of values");
    return false;
  }
  bool good = true;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      fail(item, std::string(what) + " entries must be single values");
      good = false;
      continue;
    }
    out->push_back(item.Scalar());
  }
  return good;
}

}  // namespace floodgate::storm
