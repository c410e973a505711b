#include "config/yaml_fields.h"

#include <algorithm>
#include <limits>

#include "config/messages.h"
#include "config/units.h"

namespace floodgate::config {

Where whereOf(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return Where{mark.line + 1, mark.column + 1};
}

std::string kindOf(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "text (" + quoted(node.Scalar()) + ")";
}

std::string formatSize(uint64_t bytes) {
  constexpr uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + "GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
  return std::to_string(bytes) + " bytes";
}

bool expectMap(const YAML::Node& node, const std::string& what, std::string_view example,
               ProblemList& problems) {
  if (node.IsMap()) return true;
  problems.add(whereOf(node), what + " must be a map of key: value lines (e.g. " +
                                  std::string(example) + "), not " + kindOf(node));
  return false;
}

bool expectList(const YAML::Node& node, const std::string& what, std::string_view example,
                ProblemList& problems) {
  if (node.IsSequence()) return true;
  problems.add(whereOf(node), what + " must be a list, each item starting with \"- \" (e.g. " +
                                  std::string(example) + "), not " + kindOf(node));
  return false;
}

Fields::Fields(const YAML::Node& map, std::string name, Style style, ProblemList& problems)
    : map_(map), name_(std::move(name)), style_(style), problems_(problems) {
  collect(map, 0);
}

void Fields::collect(const YAML::Node& map, int merge_depth) {
  // An anchor can be merged into itself ("a: &x { <<: *x }"); real configs nest a level or two.
  constexpr int kMaxMergeDepth = 8;
  bool merged = merge_depth > 0;
  std::vector<std::pair<YAML::Node, YAML::Node>> merges;  // "<<" key, merged value
  for (auto it = map.begin(); it != map.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary pair, not references into the map.
    YAML::Node key = it->first;
    YAML::Node value = it->second;
    if (!key.IsScalar()) {
      problems_.add(whereOf(key), (name_.empty() ? "" : name_ + ": ") +
                                      "keys must be plain names, not " + kindOf(key));
      continue;
    }
    const std::string& k = key.Scalar();
    if (k == "<<" && key.Tag() != "!") {  // YAML merge key; a quoted "<<" is just a name
      merges.emplace_back(key, value);
      continue;
    }
    if (const Entry* first = find(k)) {
      if (merged) continue;  // the map's own keys override merged ones
      Where was = whereOf(first->key_node);
      problems_.add(whereOf(key), subject(k) + " is given twice (first on line " +
                                      std::to_string(was.line) + "); keep one");
      continue;
    }
    entries_.push_back(Entry{k, key, value});
  }
  // Merged after the map's own keys so that those win wherever "<<" is written.
  for (const auto& [key, m] : merges) {
    if (merge_depth >= kMaxMergeDepth) {
      problems_.add(whereOf(key), (name_.empty() ? "" : name_ + ": ") +
                                      "\"<<\" merges nest too deep (more than " +
                                      std::to_string(kMaxMergeDepth) +
                                      " levels); is an anchor merged into itself?");
    } else if (m.IsMap()) {
      collect(m, merge_depth + 1);
    } else if (m.IsSequence() &&
               std::all_of(m.begin(), m.end(), [](const YAML::Node& n) { return n.IsMap(); })) {
      for (const auto& item : m) collect(item, merge_depth + 1);
    } else {
      // At the "<<", not at the value: an alias's position is where its anchor was defined.
      problems_.add(whereOf(key),
                    (name_.empty() ? "" : name_ + ": ") +
                        "\"<<\" merges a map into this one (e.g. <<: *defaults), not " + kindOf(m));
    }
  }
}

const Fields::Entry* Fields::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

void Fields::allowOnly(const std::vector<std::string>& allowed) {
  for (const auto& e : entries_) {
    if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
    // Top-level "x-..." keys are the user's own, a place to define YAML anchors to reuse
    // (as docker-compose allows); everything else unknown is most likely a typo.
    if (style_ == Style::kTop && e.key.rfind("x-", 0) == 0) continue;
    std::string where_text =
        style_ == Style::kTop ? "unknown top-level key " : name_ + ": unknown key ";
    problems_.add(whereOf(e.key_node),
                  where_text + quoted(e.key) + didYouMean(e.key, allowed) +
                      " (allowed: " + joinNames(allowed) +
                      (style_ == Style::kTop ? "; x-... keys are ignored" : "") + ")");
  }
}

bool Fields::has(std::string_view key) const {
  const Entry* e = find(key);
  return e != nullptr && !e->value.IsNull();
}

YAML::Node Fields::get(std::string_view key) const {
  const Entry* e = find(key);
  return e ? e->value : YAML::Node(YAML::NodeType::Undefined);
}

Where Fields::where(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return where();
  Where w = whereOf(e->value);
  return w.line != 0 ? w : whereOf(e->key_node);
}

Where Fields::keyWhere(std::string_view key) const {
  const Entry* e = find(key);
  return e ? whereOf(e->key_node) : where();
}

std::string Fields::subject(std::string_view key) const {
  switch (style_) {
    case Style::kTop:
      return std::string(key);
    case Style::kSection:
      return name_ + "." + std::string(key);
    case Style::kItem:
      return name_ + ": " + std::string(key);
  }
  return std::string(key);
}

bool Fields::require(std::string_view key, std::string_view example) {
  if (has(key)) return true;
  const Entry* e = find(key);
  std::string what = e ? subject(key) + " has no value" : subject(key) + " is missing";
  problems_.add(e ? whereOf(e->key_node) : where(), what + " (e.g. " + std::string(example) + ")");
  return false;
}

const Fields::Entry* Fields::scalar(std::string_view key, std::string_view expected,
                                    std::string_view hint) {
  const Entry* e = find(key);
  if (e == nullptr || e->value.IsNull()) return nullptr;
  if (e->value.IsScalar()) return e;
  problems_.add(where(key), subject(key) + " must be " + std::string(expected) + ", not " +
                                kindOf(e->value) + std::string(hint));
  return nullptr;
}

bool Fields::text(std::string_view key, std::string* out, std::string_view hint) {
  const Entry* e = scalar(key, "text", hint);
  if (e == nullptr) return false;
  *out = e->value.Scalar();
  return true;
}

namespace {
std::string range(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int>::max()) return "at least " + std::to_string(min);
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}
}  // namespace

bool Fields::integer(std::string_view key, int* out, int min, int max) {
  const Entry* e = scalar(key, "a whole number", "");
  if (e == nullptr) return false;
  auto value = parseInteger(e->value.Scalar());
  if (!value) {
    add(where(key), subject(key) + ": " + value.error() + "; write a number " + range(min, max));
    return false;
  }
  if (*value < min || *value > max) {
    add(where(key),
        subject(key) + " must be " + range(min, max) + ", not " + std::to_string(*value));
    return false;
  }
  *out = static_cast<int>(*value);
  return true;
}

bool Fields::duration(std::string_view key, Duration* out) {
  const Entry* e = scalar(key, std::string(kDurationForm), "");
  if (e == nullptr) return false;
  auto value = parseDuration(e->value.Scalar());
  if (!value) {
    add(where(key), subject(key) + ": " + value.error());
    return false;
  }
  if (value->count() <= 0) {
    add(where(key), subject(key) + " must be longer than 0 (e.g. 10s); it is a timeout");
    return false;
  }
  *out = *value;
  return true;
}

bool Fields::size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max) {
  const Entry* e = scalar(key, std::string(kSizeForm), "");
  if (e == nullptr) return false;
  auto value = parseSize(e->value.Scalar());
  if (!value) {
    add(where(key), subject(key) + ": " + value.error());
    return false;
  }
  if (*value < min || *value > max) {
    std::string bounds = max == std::numeric_limits<uint64_t>::max()
                             ? "at least " + formatSize(min)
                             : "from " + formatSize(min) + " to " + formatSize(max);
    add(where(key), subject(key) + " must be " + bounds + ", not " + formatSize(*value));
    return false;
  }
  *out = *value;
  return true;
}

}  // namespace floodgate::config
